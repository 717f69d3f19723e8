import math
import os
import tempfile

import numpy as np
import pytest

import ldnsim
from conftest import SHARED, SRC, cli_error, cli_json, cli_simulate, need, read_csv_columns

ONECPT = 'model onecpt "one compartment"\nparam K = 0.1 unit "1/h" source "test"\nstate A = 0 depot\nd/dt(A) = -K*A\noutput C = A\n'


def run_cli_header(model, d):
    from conftest import run_cli
    with tempfile.TemporaryDirectory() as t:
        data, out = os.path.join(t, "d.csv"), os.path.join(t, "o.csv")
        with open(data, "w") as f:
            f.write("ID,TIME\n" + "".join(f"{i},{x}\n" for i, x in zip(d["ID"], d["TIME"])))
        assert run_cli(["simulate", model, "--data", data, "--quiet", "--out", out]).returncode == 0
        with open(out) as f:
            return f.readline().strip().split(",")


def ref_path():
    return os.path.join(SRC, "bench", "reference.ldn")


def nm_path():
    return os.path.join(SRC, "tests", "reference", "nmtests-1001.ldn")


def assert_same_bits(ours, cli):
    assert list(ours) == list(cli)
    for name in ours:
        a = np.asarray(ours[name])
        b = np.asarray(cli[name], dtype=np.float64)
        assert a.dtype == np.float64
        # Identical to the bit (NaN where both are missing).
        assert np.array_equal(a.view(np.int64), b.view(np.int64)) or np.array_equal(a, b, equal_nan=True), name


def test_model_and_parameter_table_match_cli():
    need(SRC)
    m = ldnsim.Model(ref_path())
    assert m.name == "reference"
    assert m.states == ["GUT", "CEN", "PER", "MET", "OCC", "TONE", "PROL"]
    p = ldnsim.params(m)
    j = cli_json(["params", ref_path()])["results"]["parameters"]
    assert p["name"] == [q["name"] for q in j]
    assert list(p["value"]) == [q["value"] for q in j]
    assert p["source"] == [q["source"] for q in j]
    assert ldnsim.Model(ONECPT).name == "onecpt"


def test_bolus_follows_the_analytic_solution():
    d = {"ID": [1], "TIME": [0], "EVID": [1], "AMT": [100], "CMT": [1]}
    s = ldnsim.simulate(ldnsim.Model(ONECPT), d, grid="0:48:1", rtol=1e-10, atol=1e-12)
    t, c = s["TIME"][1:], s["C"][1:]
    assert list(t) == list(range(49))
    np.testing.assert_allclose(c, 100 * np.exp(-0.1 * t), rtol=1e-8)


def test_nmtests_reproduce_nonmem_and_the_cli_to_the_bit():
    need(SHARED)
    inp = os.path.join(SHARED, "nmtests", "1001-input.csv")
    data = read_csv_columns(inp)
    s = ldnsim.simulate(nm_path(), data, threads=2)
    nm = read_csv_columns(os.path.join(SHARED, "nmtests", "1001-nonmem.csv"))
    keep = np.isin(s["ID"], np.unique(nm["ID"]))
    cp, ref = s["CP"][keep], np.asarray(nm["CP"])
    assert len(cp) == len(ref)
    np.testing.assert_array_equal(s["TIME"][keep], nm["TIME"])
    err = np.abs(cp - ref)
    assert np.all((err <= 1e-6) | (err <= 1e-4 * np.abs(ref)))
    assert_same_bits(s, cli_simulate([nm_path(), "--data", inp, "--threads", "1"]))


def test_pandas_frame_in_and_out():
    pd = pytest.importorskip("pandas")
    need(SHARED)
    inp = os.path.join(SHARED, "nmtests", "1001-input.csv")
    df = pd.read_csv(inp, na_values=".")
    s = ldnsim.simulate(nm_path(), df, as_frame=True)
    assert isinstance(s, pd.DataFrame)
    ref = ldnsim.simulate(nm_path(), read_csv_columns(inp))
    for k in ref:
        np.testing.assert_array_equal(s[k].to_numpy(), ref[k])


def test_regimen_with_subjects_equals_the_cli_for_1_and_2_threads():
    need(SHARED)
    subj = read_csv_columns(os.path.join(SHARED, "bench", "subjects.csv"))
    subj = {k: v[:3] for k, v in subj.items()}
    kw = dict(dose="4500", first="22:00", doses=14, grid="0:336:1", obs_only=True,
              columns=["ID", "TIME", "CP", "OCC", "TONE", "PROL"], subjects=subj)
    s1 = ldnsim.simulate(ref_path(), threads=1, **kw)
    s2 = ldnsim.simulate(ref_path(), threads=2, **kw)
    assert_same_bits(s1, s2)
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        f.write("ID,CL,VC,KA\n")
        for i in range(3):
            f.write(",".join(repr(subj[k][i]) for k in ("ID", "CL", "VC", "KA")) + "\n")
    cli = cli_simulate([ref_path(), "--subjects", f.name, "--dose", "4500", "--first", "22:00", "--doses", "14",
                        "--grid", "0:336:1", "--obs-only", "--columns", "ID,TIME,CP,OCC,TONE,PROL"])
    os.unlink(f.name)
    assert len(s1["ID"]) == 3 * 337
    assert_same_bits(s1, cli)


def test_seeded_stochastic_model_equals_the_cli_for_any_thread_count():
    need(SRC)
    model = os.path.join(SRC, "models", "ms", "patient.ldn")
    d = {"ID": [1, 1, 2, 2, 3, 3, 4, 4], "TIME": [0, 720] * 4}
    s1 = ldnsim.simulate(model, d, seed=7, threads=1)
    s2 = ldnsim.simulate(model, d, seed=7, threads=2)
    # Every column of the CLI's table, an output and a state of the same name included.
    assert len(s1) == len(run_cli_header(model, d))
    assert_same_bits(s1, s2)
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        f.write("ID,TIME\n" + "".join(f"{i},{t}\n" for i, t in zip(d["ID"], d["TIME"])))
    assert_same_bits(s1, cli_simulate([model, "--data", f.name, "--seed", "7"]))
    os.unlink(f.name)


def test_ctrl_c_stops_a_long_run_and_the_session_carries_on():
    """SIGINT during a long simulation (1000 subject-years, seconds of work) raises
    KeyboardInterrupt from simulate(); the workers are stopped and the module works on."""
    import signal
    import threading
    need(SHARED)
    subj = read_csv_columns(os.path.join(SHARED, "bench", "subjects.csv"))
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            ldnsim.simulate(ref_path(), dose="4500", first="22:00", doses=365, grid="0:8760:1", obs_only=True,
                            subjects=subj, threads=2)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, old)
    s = ldnsim.simulate(ref_path(), dose="4500", doses=2, threads=2)
    assert len(s["ID"]) == 50
