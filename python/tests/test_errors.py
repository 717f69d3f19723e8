"""Bad input: the CLI's located messages as Python exceptions; the interpreter carries on."""
import os
import tempfile

import pytest

import ldnsim
from conftest import SRC, after_location, cli_error, need


def nm_path():
    return os.path.join(SRC, "tests", "reference", "nmtests-1001.ldn")


def good():
    return {"ID": [1, 1], "TIME": [0.0, 1.0], "EVID": [1, 0], "AMT": [10.0, 0.0], "CMT": [1, 2]}


def write_tmp(d):
    f = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False)
    keys = list(d)
    f.write(",".join(keys) + "\n")
    for i in range(len(d[keys[0]])):
        f.write(",".join("." if (isinstance(d[k][i], float) and d[k][i] != d[k][i]) else str(d[k][i]) for k in keys) + "\n")
    f.close()
    return f.name


def test_nan_time_is_the_cli_message_naming_the_row():
    need(SRC)
    d = good()
    d["TIME"][1] = float("nan")
    msg = cli_error(["simulate", nm_path(), "--data", write_tmp(d), "--out", os.devnull + ".csv"])
    with pytest.raises(ldnsim.InputError) as e:
        ldnsim.simulate(nm_path(), d)
    assert str(e.value).startswith("data:2: column TIME")
    assert after_location(str(e.value)) == after_location(msg)
    assert isinstance(e.value, ldnsim.Error)


def test_non_numeric_column_is_the_cli_message():
    need(SRC)
    d = good()
    d["AMT"] = ["10", "ten"]
    msg = cli_error(["simulate", nm_path(), "--data", write_tmp(d), "--out", os.devnull + ".csv"])
    with pytest.raises(ldnsim.InputError) as e:
        ldnsim.simulate(nm_path(), d)
    assert after_location(str(e.value)) == after_location(msg)


def test_categorical_is_refused():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(good())
    df["CMT"] = df["CMT"].astype("category")
    with pytest.raises(ldnsim.InputError, match="column CMT: is categorical"):
        ldnsim.simulate(nm_path(), df)


def test_missing_model_path_is_the_cli_message():
    msg = cli_error(["check", "/nonexistent/model.ldn"])
    with pytest.raises(ldnsim.Error) as e:
        ldnsim.Model("/nonexistent/model.ldn")
    assert str(e.value) == msg


def test_model_syntax_error_is_located():
    with pytest.raises(ldnsim.ModelError, match="^<text>:3:"):
        ldnsim.Model('model x "x"\nstate A = 0\nd/dt(A) = -K*\n')


def test_threads_zero_then_the_session_carries_on():
    with pytest.raises(ldnsim.UsageError, match="threads = 0"):
        ldnsim.simulate(nm_path(), good(), threads=0)
    assert len(ldnsim.simulate(nm_path(), good(), threads=1)["ID"]) == 2
