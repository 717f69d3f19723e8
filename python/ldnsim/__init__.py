"""ldnsim in Python: the same engine as the ``ldnsim`` command line.

``Model`` loads a model (a path or model text), ``simulate`` runs it over a NONMEM data
set (a pandas DataFrame or a dict of columns) or a regimen and returns a dict of numpy
arrays (``as_frame=True``: a pandas DataFrame, where pandas is installed), with the same
columns and numbers as ``ldnsim simulate``. ``dose``, ``trial``, ``reproduce``, ``claims``
and ``power`` run those commands in this process and return their ``--json`` document as
Python objects. Errors are ``ldnsim.Error`` subclasses
(``ModelError``, ``InputError``, ``SolverError``, ``UsageError``) carrying the CLI's
located message. See docs/frontends.md.
"""

import json
import os

import numpy as np

from ._ldnsim import Error, InputError, Model, ModelError, SolverError, UsageError
from . import _ldnsim

__all__ = ["Model", "simulate", "params", "dose", "trial", "reproduce", "claims", "power", "Error", "ModelError",
           "InputError", "SolverError", "UsageError"]


def _model(model):
    return model if isinstance(model, Model) else Model(os.fspath(model))


def params(model):
    """The parameter table of a model: a dict of columns (name, value, unit, covariate,
    low, high, distribution, bsv_cv, se, roles, source, assumption); a DataFrame where
    pandas is installed and ``as_frame`` is set."""
    return _model(model).parameter_table


def _columns(data, what):
    """A data frame (pandas, or a dict of columns) as (name, values[, why-refused]) tuples."""
    if hasattr(data, "columns") and hasattr(data, "__getitem__") and not isinstance(data, dict):
        items = [(str(c), data[c]) for c in data.columns]
    elif isinstance(data, dict):
        items = [(str(k), v) for k, v in data.items()]
    else:
        raise UsageError(f"{what}: a pandas DataFrame or a dict of columns (NONMEM items ID, TIME, EVID, AMT, ...)")
    out = []
    for name, values in items:
        dtype = getattr(values, "dtype", None)
        if dtype is not None and str(dtype) == "category":
            out.append((name, None, "is categorical; ldnsim reads numbers (convert it with .astype(float) if its labels are numbers)"))
            continue
        a = np.asarray(values)
        if a.dtype.kind in "fiub":
            out.append((name, np.ascontiguousarray(a, dtype=np.float64)))
        elif a.dtype.kind in "OUS":
            texts = []
            for v in a.tolist():
                if v is None or (isinstance(v, float) and v != v):
                    texts.append(".")
                elif isinstance(v, (int, float)) and not isinstance(v, bool):
                    texts.append(repr(float(v)))
                else:
                    texts.append(str(v))
            out.append((name, texts))
        else:
            out.append((name, None, f"has dtype {a.dtype}; ldnsim reads numbers"))
    return out


def simulate(model, data=None, *, grid=None, columns=None, threads=None, seed=None, obs_only=False,
             allow_nan=False, dose=None, every="24h", first="0:00", days=0, doses=0, cmt="", subjects=None,
             solver="auto", rtol=1e-6, atol=1e-9, max_steps=1000000, covariates="nocb", as_frame=False):
    """Simulates ``model`` over ``data`` (a NONMEM data set as a DataFrame or dict of
    columns) or a regimen (``dose="4.5mg", every="24h", first="22:00", days=28``).

    Returns a dict of numpy arrays, one per column (ID, TIME, outputs, states unless
    ``columns`` names others), the same numbers as ``ldnsim simulate`` with ``--digits 0``;
    with ``as_frame=True`` a pandas DataFrame. ``grid``: extra output times, a sequence or
    "START:END:STEP". ``threads``: worker threads (None or 0: one per core); results do not
    depend on it. ``seed``: draws everything random (None: typical subjects). The GIL is
    released while simulating; Ctrl-C stops the run (KeyboardInterrupt)."""
    m = _model(model)
    if (data is None) == (dose is None):
        raise UsageError("give either data (a NONMEM data frame) or a regimen (dose='4.5mg', ...), not both or neither")
    if threads is None:
        threads = 0
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)):
        raise UsageError(f"threads = {threads!r}: give a whole number of worker threads (or None or 0 for one per core)")
    if grid is not None and not isinstance(grid, str):
        grid = sorted(set(float(t) for t in np.asarray(grid, dtype=float).ravel()))
    regimen = None
    if dose is not None:
        regimen = {"dose": str(dose), "every": str(every), "first": str(first), "days": float(days),
                   "doses": int(doses), "cmt": str(cmt)}
    result = _ldnsim._simulate(
        m, None if data is None else _columns(data, "data"), regimen,
        None if subjects is None else _columns(subjects, "subjects"), grid,
        [] if columns is None else [str(c) for c in ([columns] if isinstance(columns, str) else columns)],
        bool(obs_only), bool(allow_nan), None if seed is None else int(seed), float(threads),
        {"solver": solver, "rtol": float(rtol), "atol": float(atol), "max_steps": int(max_steps),
         "covariates": covariates})
    if as_frame:
        import pandas as pd
        return pd.DataFrame(result, copy=False)
    return result


# The science commands: `ldnsim COMMAND ... --json` run in this process (src/api/commands.cpp)
# with the command line's options, defaults, checks and messages; the JSON document comes
# back as Python objects (json.loads: dicts, lists, numbers, strings, None). An argument
# left None (or False for a flag) is not passed, so the command's own default applies.

def _text(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return repr(float(v))  # the shortest text that reads back as the same double
    return str(v)


def _options(options):
    out = []
    for name, v in options.items():
        if v is None or v is False:
            continue
        if v is True:
            out.append(name)
            continue
        for x in (v if isinstance(v, (list, tuple)) else [v]):
            out += [name, _text(x)]
    return out


def _list(x):
    """A list as one comma-separated option value (--compare, --missed, --n)."""
    if x is None or isinstance(x, str):
        return x
    return ",".join(_text(v) for v in x)


def _settings(x):
    """NAME=VALUE settings from a dict ({"KEO": 1}) or "NAME=VALUE" texts."""
    if x is None:
        return None
    if isinstance(x, dict):
        return [f"{k}={_text(v)}" for k, v in x.items()]
    return [x] if isinstance(x, str) else list(x)


def _command(command, arguments, options, progress):
    args = [command] + [_text(a) for a in arguments] + _options(options) + ([] if progress else ["--quiet"])
    return json.loads(_ldnsim._command(args))


def dose(dose, *, compare=None, at=None, every=None, days=None, missed=None, base=False, model=None, weight=None,
         cirrhosis=False, set=None, uncertainty=None, seed=None, prior_only=False, step=None, threads=None,
         progress=False):
    """``ldnsim dose DOSE ... --json`` as Python objects: per regimen every metric of the
    dosing cycle at steady state (or on the last of ``days``), with bands over the ranged
    parameters when ``uncertainty`` samples are asked for. ``compare``: more regimens (a
    list); ``set``: parameter overrides ({"KEO": 1}); ``threads``: None or 0 is one per
    core, as ``--threads 0``. The command line's own code, options and messages."""
    return _command("dose", [dose], {
        "--compare": _list(compare), "--at": at, "--every": every, "--days": days, "--missed": _list(missed),
        "--base": base, "--model": model, "--weight": weight, "--cirrhosis": cirrhosis, "--set": _settings(set),
        "--uncertainty": uncertainty, "--seed": seed, "--prior-only": prior_only, "--step": step,
        "--threads": threads}, progress)


def trial(spec, *, replicates=None, seed=None, threads=None, solver=None, rtol=None, atol=None, progress=False):
    """``ldnsim trial SPEC --json`` as Python objects: the spec's trial simulated
    ``replicates`` times and analysed as specified (docs/trials.md)."""
    return _command("trial", [os.fspath(spec)], {
        "--replicates": replicates, "--seed": seed, "--threads": threads, "--solver": solver, "--rtol": rtol,
        "--atol": atol}, progress)


def reproduce(spec=None, *, replicates=None, seed=None, threads=None, progress=False):
    """``ldnsim reproduce --json`` as Python objects (no HTML report): the published LDN
    studies as in-silico trials, published beside simulated."""
    return _command("reproduce", [], {
        "--spec": None if spec is None else os.fspath(spec), "--replicates": replicates, "--seed": seed,
        "--threads": threads, "--no-report": True}, progress)


def claims(ids=None, *, file=None, replicates=None, samples=None, seed=None, threads=None, progress=False):
    """``ldnsim claims [ID...] --json`` as Python objects: a computed verdict per claim."""
    ids = [] if ids is None else ([ids] if isinstance(ids, str) else list(ids))
    return _command("claims", ids, {
        "--file": None if file is None else os.fspath(file), "--replicates": replicates, "--samples": samples,
        "--seed": seed, "--threads": threads}, progress)


def power(spec, *, n=None, effect_from=None, effect=None, set=None, better=None, endpoint=None, replicates=None,
          draws=None, draw_replicates=None, seed=None, threads=None, progress=False):
    """``ldnsim power SPEC --json`` as Python objects: power and assurance per total
    sample size ``n`` (a list, or "START:END:STEP")."""
    return _command("power", [os.fspath(spec)], {
        "--n": _list(n), "--effect-from": effect_from, "--effect": _list(effect), "--set": _settings(set),
        "--better": better, "--endpoint": endpoint, "--replicates": replicates, "--draws": draws,
        "--draw-replicates": draw_replicates, "--seed": seed, "--threads": threads}, progress)
