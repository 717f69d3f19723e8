"""The science commands: the content of the CLI's --json (read by the same JSON reader), to
the last bit, for the same arguments; bad arguments get the CLI's messages."""
import os

import pytest

import ldnsim
from conftest import SRC, cli_error, cli_json, need


def same_json(ours, args):
    cli = cli_json(args + ["--quiet"])
    assert isinstance(ours.pop("seconds", 0.0), float)
    cli.pop("seconds", None)
    assert ours == cli
    return ours


def src(*parts):
    need(SRC)
    return os.path.join(SRC, *parts)


def test_dose_is_the_cli_json_with_the_cycle_numbers():
    d = same_json(ldnsim.dose("4.5mg", compare=["1.5mg", "50mg"], threads=1),
                  ["dose", "4.5mg", "--compare", "1.5mg,50mg", "--threads", "1"])
    g = d["results"]["regimens"]
    assert [r["regimen"] for r in g] == ["4.5mg", "1.5mg", "50mg"]
    occ = [r["metrics"]["occ_trough"]["value"] for r in g]
    assert occ[1] < occ[0] < occ[2]


def test_dose_with_uncertainty_on_two_threads_equals_the_cli_on_one():
    d = ldnsim.dose("3mg", at="08:00", uncertainty=12, seed=5, weight=60.0, set={"KEO": 1}, threads=2)
    args = ["dose", "3mg", "--at", "08:00", "--uncertainty", "12", "--seed", "5", "--weight", "60.0", "--set", "KEO=1"]
    same_json(d, args + ["--threads", "1"])
    assert d["results"]["uncertainty"]["samples"] == 12
    assert "band" in d["results"]["regimens"][0]["metrics"]["occ_trough"]


def test_trial_is_the_cli_json():
    spec = src("trials", "cree2010.toml")
    t = same_json(ldnsim.trial(spec, replicates=4, seed=3, threads=2),
                  ["trial", spec, "--replicates", "4", "--seed", "3", "--threads", "2"])
    assert t["inputs"]["replicates"] == 4


def test_reproduce_is_the_cli_json():
    need(SRC)
    r = same_json(ldnsim.reproduce(replicates=2, seed=4, threads=2),
                  ["reproduce", "--replicates", "2", "--seed", "4", "--threads", "2", "--no-report"])
    assert len(r["results"]["rows"]) > 10


def test_claims_is_the_cli_json():
    need(SRC)
    k = same_json(ldnsim.claims("tcell-300", replicates=2, samples=10, seed=2, threads=2),
                  ["claims", "tcell-300", "--replicates", "2", "--samples", "10", "--seed", "2", "--threads", "2"])
    assert [c["id"] for c in k["results"]["claims"]] == ["tcell-300"]


def test_power_is_the_cli_json():
    spec = src("trials", "designs", "fatigue-24w.toml")
    p = same_json(ldnsim.power(spec, n=[40, 80], replicates=10, draws=2, draw_replicates=1, seed=9, threads=2),
                  ["power", spec, "--n", "40,80", "--replicates", "10", "--draws", "2", "--draw-replicates", "1",
                   "--seed", "9", "--threads", "2"])
    assert [q["n"] for q in p["results"]["points"]] == [40, 80]
    assert all(0 <= q["power"] <= 1 for q in p["results"]["points"])


@pytest.mark.parametrize("call, args", [
    (lambda: ldnsim.dose("4.5mg", days=-1), ["dose", "4.5mg", "--days", "-1"]),
    (lambda: ldnsim.dose("fourmg"), ["dose", "fourmg"]),
    (lambda: ldnsim.dose("4.5mg", threads=-1), ["dose", "4.5mg", "--threads", "-1"]),
    (lambda: ldnsim.trial("/nonexistent/spec.toml"), ["trial", "/nonexistent/spec.toml"]),
    (lambda: ldnsim.claims("no-such-claim"), ["claims", "no-such-claim"]),
])
def test_bad_arguments_are_the_cli_messages(call, args):
    msg = cli_error(args + ["--json"]).removesuffix("\nRun with --help for more information.")
    with pytest.raises(ldnsim.Error) as e:
        call()
    assert str(e.value) == msg
    assert ldnsim.dose("4.5mg", threads=1)["results"]["regimens"][0]["regimen"] == "4.5mg"


def test_ctrl_c_stops_a_command_and_the_session_carries_on():
    """SIGINT during a power curve of minutes raises KeyboardInterrupt from power(): every
    parallel loop of the command polls for it (population::PollScope)."""
    import signal
    import threading
    spec = src("trials", "designs", "fatigue-24w.toml")
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            ldnsim.power(spec, n="40:400:40", replicates=100000, draws=0, threads=2)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, old)
    assert ldnsim.dose("4.5mg", threads=1)["results"]["regimens"][0]["regimen"] == "4.5mg"
