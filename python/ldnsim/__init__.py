"""ldnsim in Python: the same engine as the ``ldnsim`` command line.

``Model`` loads a model (a path or model text), ``simulate`` runs it over a NONMEM data
set (a pandas DataFrame or a dict of columns) or a regimen and returns a dict of numpy
arrays (``as_frame=True``: a pandas DataFrame, where pandas is installed), with the same
columns and numbers as ``ldnsim simulate``. Errors are ``ldnsim.Error`` subclasses
(``ModelError``, ``InputError``, ``SolverError``, ``UsageError``) carrying the CLI's
located message. See docs/frontends.md.
"""

import os

import numpy as np

from ._ldnsim import Error, InputError, Model, ModelError, SolverError, UsageError
from . import _ldnsim

__all__ = ["Model", "simulate", "params", "Error", "ModelError", "InputError", "SolverError", "UsageError"]


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
    "START:END:STEP". ``threads``: worker threads (None: one per core); results do not
    depend on it. ``seed``: draws everything random (None: typical subjects). The GIL is
    released while simulating; Ctrl-C stops the run (KeyboardInterrupt)."""
    m = _model(model)
    if (data is None) == (dose is None):
        raise UsageError("give either data (a NONMEM data frame) or a regimen (dose='4.5mg', ...), not both or neither")
    if threads is None:
        threads = os.cpu_count() or 1
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)):
        raise UsageError(f"threads = {threads!r}: give a whole number of worker threads (or None for one per core)")
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
        bool(obs_only), bool(allow_nan), None if seed is None else int(seed), int(threads),
        {"solver": solver, "rtol": float(rtol), "atol": float(atol), "max_steps": int(max_steps),
         "covariates": covariates})
    if as_frame:
        import pandas as pd
        return pd.DataFrame(result, copy=False)
    return result
