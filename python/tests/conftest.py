"""Paths the tests use (set by ctest, tests/CMakeLists.txt): the repository, the CLI and
../shared, so that results are compared with the CLI's on the same inputs."""
import csv
import json
import os
import subprocess
import tempfile

import pytest

SRC = os.environ.get("LDNSIM_SOURCE_DIR", "")
CLI = os.environ.get("LDNSIM_CLI", "")
SHARED = os.environ.get("LDNSIM_SHARED_DIR", "")


def need(path):
    if not path or not os.path.exists(path):
        pytest.skip("not available: " + path)


def run_cli(args):
    return subprocess.run([CLI] + args, capture_output=True, text=True)


def cli_simulate(args):
    """`ldnsim simulate ... --digits 0` (shortest exact numbers) read back as columns of floats."""
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "out.csv")
        r = run_cli(["simulate"] + args + ["--digits", "0", "--quiet", "--out", out])
        assert r.returncode == 0, r.stderr
        with open(out) as f:
            rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    out = {}
    for k, h in enumerate(header):
        name = h
        n = 1
        while name in out:  # a second column of a name: NAME.1, as pandas.read_csv and ldnsim.simulate
            name = "%s.%d" % (h, n)
            n += 1
        out[name] = [float("nan") if row[k] == "." else float(row[k]) for row in body]
    return out


def cli_json(args):
    r = run_cli(args + ["--json"])
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def cli_error(args):
    r = run_cli(args)
    assert r.returncode != 0
    return r.stderr.strip().removeprefix("ldnsim: error: ")


def after_location(msg):
    import re
    return re.sub(r"^[^ ]*:[0-9]+: ", "", msg)


def read_csv_columns(path):
    """A CSV as a dict of columns: numbers where every field is a number or '.', else text."""
    with open(path) as f:
        rows = list(csv.reader(f))
    out = {}
    for k, h in enumerate(rows[0]):
        vals = [r[k] for r in rows[1:]]
        try:
            out[h] = [float("nan") if v in (".", "") else float(v) for v in vals]
        except ValueError:
            out[h] = vals
    return out
