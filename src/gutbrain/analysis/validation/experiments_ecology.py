"""Validation experiments on stand-alone ecological models (microbial-anchors.md §7, issue #3).

Both models are built as ModelSpecs, compiled by :func:`gutbrain.compile.build.compile_model`
and solved by gutbrain's Tsitouras 5(4) engine (:func:`gutbrain.engine.single.integrate`), so
the targets test the compiler and engine on published community models:

* ``stein_glv_steady_states`` / ``stein_glv_ic4_cdiff``: the generalized Lotka–Volterra model
  of Stein et al. 2013 (``gutbrain.model.glv``; parameters from
  ``shared/data/stein2013/stein_parameters.csv``), clindamycin as a piecewise-constant input
  u(t) set by the schedule's segments, C. difficile added as a bolus;
* ``micropop_chemostat``: microPop's 10 human MFGs in a chemostat
  (``gutbrain.model.micropop_chemostat``; tables from ``shared/data/micropop``), compared with
  the microPop v1.5 reference run.

The compiled models are not the main model (``CompiledModel.__reduce__`` would ship the main
model to another process), so everything runs in the calling process; results are cached per
process by the experiment's arguments.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import numpy as np
import xarray as xr

from gutbrain.analysis.validation.data import DataAbsent, shared_dir
from gutbrain.analysis.validation.metrics import Context, MetricOutput, metric, select
from gutbrain.analysis.validation.protocols import experiment

STEIN_DIR = "data/stein2013"
MICROPOP_DIR = "data/micropop"
MICROPOP_REFERENCE = "micropop_v1.5_human10_chemostat_reference_run.csv"
CDIFF = "Clostridium_difficile"
CDIFF_INOCULUM = 1e-10  # 1e11 copies/cm^3 (Jones & Carlson 2018 protocol)


def _folder(rel: str, needs: tuple[str, ...]) -> Path:
    root = shared_dir()
    if root is None:
        raise DataAbsent(f"data absent: needs shared/{rel} (the project's research folder is "
                         "not available here)")
    folder = root / rel
    for name in needs:
        if not (folder / name).is_file():
            raise DataAbsent(f"data absent: needs {folder / name}")
    return folder


def _dataset(days: np.ndarray, columns: dict[str, np.ndarray], **attrs: object) -> xr.Dataset:
    ds = xr.Dataset({k: ("day", np.asarray(v, float)) for k, v in columns.items()},
                    coords={"day": np.asarray(days, float)})
    ds.attrs.update({k: v for k, v in attrs.items()})
    ds.attrs["_validation_params"] = {}  # not a main-model run: no provenance parameters
    return ds


# --- Stein et al. 2013 gLV -------------------------------------------------------------------

@lru_cache(maxsize=1)
def stein_tables() -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray],
                            list[float]]:
    """Taxa, mu, M, eps from stein_parameters.csv and the measured densities of stein_ic.csv
    (taxon -> values over the sample columns, plus the sample times)."""
    folder = _folder(STEIN_DIR, ("stein_parameters.csv", "stein_ic.csv",
                                 "steady_states_AtoE_computed.csv"))
    with open(folder / "stein_parameters.csv", newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.reader(fh)][1:]
    rows = [r for r in rows if r and r[0].strip()]  # drop the trailing label line
    n = len(rows)
    names = [r[0].strip() for r in rows]
    M = np.array([[float(x) for x in r[1:n + 1]] for r in rows])
    mu = np.array([float(r[n + 1]) for r in rows])
    eps = np.array([float(r[n + 2]) for r in rows])
    with open(folder / "stein_ic.csv", newline="", encoding="utf-8") as fh:
        ic = list(csv.reader(fh))
    times = next([float(x) for x in r[1:] if x.strip()] for r in ic if r[0].startswith("time"))
    data = {r[0].strip(): np.array([float(x) for x in r[1:len(times) + 1]])
            for r in ic if r and r[0].strip() in names}
    return names, mu, M, eps, data, times


def stein_initial(sample: int) -> np.ndarray:
    """IC<sample>: the sample-th (0-based) day-0 measurement of stein_ic.csv (IC0 = mouse ID1,
    IC4 = ID5), C. difficile set to 0 (it is added later as an inoculum)."""
    names, _, _, _, data, times = stein_tables()
    col = [k for k, t in enumerate(times) if t == 0.0][sample]
    y0 = np.array([data[n][col] for n in names])
    y0[names.index(CDIFF)] = 0.0
    return y0


def _glv_model():
    from gutbrain.compile.build import compile_model
    from gutbrain.model.glv import glv_spec, parameter_names

    names = stein_tables()[0]
    model = compile_model(glv_spec(len(names)))
    assert model.param_names == parameter_names(len(names))
    return model


def run_glv(y0: np.ndarray, days: float, t_out: np.ndarray, antibiotic_days: float = 0.0,
            cdiff_day: float | None = None, rtol: float = 1e-8) -> np.ndarray:
    """Solve the Stein gLV model with gutbrain's engine: u = 1 on [0, antibiotic_days), a
    C. difficile inoculum of 1e-10 at ``cdiff_day``; returns the states at ``t_out``."""
    from gutbrain.engine.single import Tolerances, integrate
    from gutbrain.scenario.schedule import Schedule

    names, mu, M, eps, _, _ = stein_tables()
    model = _glv_model()
    p = np.concatenate([mu, eps, M.ravel(), [0.0]])
    cuts = {0.0, float(days)}
    if antibiotic_days > 0:
        cuts.add(float(antibiotic_days))
    if cdiff_day is not None:
        cuts.add(float(cdiff_day))
    bounds = np.array(sorted(cuts))
    P = np.repeat(p[None, :], len(bounds) - 1, axis=0)
    B = np.zeros((len(bounds) - 1, model.n_states))
    for k, t in enumerate(bounds[:-1]):
        if t < antibiotic_days:
            P[k, model.param_index("u_antibiotic")] = 1.0
        if cdiff_day is not None and t == cdiff_day:
            B[k, names.index(CDIFF)] = CDIFF_INOCULUM
    # the error scale of tiny densities (the 1e-10 inoculum) must be far below them
    tol = Tolerances(rtol=rtol, atol_scale=1e-6, h_max=1.0)
    return integrate(model, Schedule(bounds, P, B), y0, t_out, tol).y


STEIN_PROTOCOLS = {  # steady state: (IC sample, clindamycin days, C. difficile day)
    "A": (0, 0.0, 10.0),
    "B": (0, 0.0, None),
    "C": (4, 0.0, None),
    "D": (4, 1.0, 5.0),
    "E": (4, 1.0, None),
}


@lru_cache(maxsize=4)
def _stein_steady(days: float, rtol: float) -> dict[str, xr.Dataset]:
    names = stein_tables()[0]
    folder = _folder(STEIN_DIR, ())
    with open(folder / "steady_states_AtoE_computed.csv", newline="", encoding="utf-8") as fh:
        ref_rows = {r["steady_state"]: r for r in csv.DictReader(fh)}
    t_out = np.unique(np.concatenate([np.arange(0.0, 100.0, 1.0),
                                      np.linspace(100.0, days, 200)]))
    runs = {}
    for label, (ic, abx, cd) in STEIN_PROTOCOLS.items():
        Y = run_glv(stein_initial(ic), days, t_out, abx, cd, rtol)
        ref = np.array([float(ref_rows[label][n]) for n in names])
        scale = np.maximum(np.abs(ref), 1e-2)
        rel = np.abs(Y - ref[None, :]) / scale[None, :]
        l2 = np.linalg.norm(Y - ref[None, :], axis=1) / np.linalg.norm(ref)
        cols = {n: Y[:, i] for i, n in enumerate(names)}
        cols["total"] = Y.sum(axis=1)
        cols["max_rel_error"] = rel.max(axis=1)
        cols["l2_rel_error"] = l2
        worst = int(np.argmax(rel[-1]))
        detail = (f"steady state {label} at day {days:g}: max relative error "
                  f"{rel[-1].max():.2e} ({names[worst]}: {Y[-1, worst]:.5g} vs "
                  f"{ref[worst]:.5g}); L2 relative error {l2[-1]:.2e}; rtol {rtol:g}")
        runs[label] = _dataset(t_out, cols, max_rel_error_detail=detail)
    return runs


@experiment("stein_glv_steady_states")
def stein_glv_steady_states(days: float = 5000.0, rtol: float = 1e-8) -> dict[str, xr.Dataset]:
    """Steady states A-E of the Stein 2013 gLV model by the protocol of
    shared/data/stein2013/SOURCE.md (runs ``A`` ... ``E``; per-taxon densities, ``total``,
    ``max_rel_error`` = max over taxa of |x - x_ref| / max(|x_ref|, 0.01) and
    ``l2_rel_error`` against steady_states_AtoE_computed.csv at every sample)."""
    return _stein_steady(float(days), float(rtol))


@lru_cache(maxsize=4)
def _stein_ic4(days: float, cdiff_day: float, rtol: float) -> dict[str, xr.Dataset]:
    names = stein_tables()[0]
    t_out = np.arange(0.0, days + 0.5, 1.0)
    runs = {}
    for run, abx in (("no_antibiotic", 0.0), ("clindamycin", 1.0)):
        Y = run_glv(stein_initial(4), days, t_out, abx, cdiff_day, rtol)
        cols = {n: Y[:, i] for i, n in enumerate(names)}
        cols["total"] = Y.sum(axis=1)
        runs[run] = _dataset(t_out, cols)
    return runs


@experiment("stein_glv_ic4_cdiff")
def stein_glv_ic4_cdiff(days: float = 200.0, cdiff_day: float = 5.0,
                        rtol: float = 1e-8) -> dict[str, xr.Dataset]:
    """IC4 ("healthy" mouse ID5 at day 0) challenged with 1e-10 C. difficile at
    ``cdiff_day``, without antibiotic (run ``no_antibiotic``) and after clindamycin u = 1 on
    days 0-1 (run ``clindamycin``); daily samples of every taxon and ``total``."""
    return _stein_ic4(float(days), float(cdiff_day), float(rtol))


# --- microPop chemostat ----------------------------------------------------------------------

MICROPOP_CONDITIONS = {  # run name -> (pHLimit, pH) as written in the reference csv
    "no_ph_limit": ("False", ""),
    "ph_5.5": ("True", "5.5"),
    "ph_5.75": ("True", "5.75"),
    "ph_6.0": ("True", "6.0"),
    "ph_6.25": ("True", "6.25"),
}
MICROPOP_CHECK_DAYS = (1.0, 4.0, 30.0)
REL_TOL = 0.02
ABS_TOL = {"gL": 0.005, "mM": 0.05}


@lru_cache(maxsize=1)
def _micropop_system():
    from gutbrain.model.micropop_chemostat import read_system

    folder = _folder(MICROPOP_DIR, (MICROPOP_REFERENCE, "resourceSysInfoHuman.csv",
                                    "microbeSysInfoHuman.csv"))
    return read_system(folder)


def _micropop_model():
    from gutbrain.compile.build import compile_model
    from gutbrain.model.micropop_chemostat import micropop_spec

    return compile_model(micropop_spec(_micropop_system()))


def micropop_columns(model, system, Y: np.ndarray) -> dict[str, np.ndarray]:
    """The reference csv's columns from the states (groups g/L, metabolites mM)."""
    out: dict[str, np.ndarray] = {}
    total = np.zeros(Y.shape[0])
    for g in system.groups:
        x = Y[:, model.state_index(f"X_{g.name}")]
        out[f"{g.name}_gL"] = x
        total = total + x
    out["TotalBiomass_gL"] = total
    for r in system.resources:
        v = Y[:, model.state_index(f"R_{r}")]
        out[f"{r}_gL"] = v
        out[f"{r}_mM"] = v / system.molar_mass[r] * 1000.0
    return out


@lru_cache(maxsize=8)
def _micropop_run(condition: str, days: float, rtol: float) -> dict[str, xr.Dataset]:
    from gutbrain.engine.single import Tolerances, integrate
    from gutbrain.scenario.schedule import Schedule

    if condition not in MICROPOP_CONDITIONS:
        raise ValueError(f"unknown microPop condition {condition!r}; expected one of "
                         f"{', '.join(MICROPOP_CONDITIONS)}")
    system = _micropop_system()
    model = _micropop_model()
    folder = _folder(MICROPOP_DIR, ())
    limit, ph = MICROPOP_CONDITIONS[condition]
    with open(folder / MICROPOP_REFERENCE, newline="", encoding="utf-8") as fh:
        ref = [r for r in csv.DictReader(fh) if r["pHLimit"] == limit and r["pH"] == ph]
    ref = [r for r in ref if float(r["time_d"]) <= days + 1e-9]
    t_out = np.array([float(r["time_d"]) for r in ref])
    p = model.default_parameters()
    if limit == "True":
        p[model.param_index("pH_limit_on")] = 1.0
        p[model.param_index("pH")] = float(ph)
    sched = Schedule(np.array([0.0, float(days)]), p[None, :], np.zeros((1, model.n_states)))
    tol = Tolerances(rtol=rtol, max_steps=50_000_000)
    Y = integrate(model, sched, model.initial_state(), t_out, tol).y
    sim = micropop_columns(model, system, Y)
    columns = [c for c in ref[0] if c not in ("pHLimit", "pH", "time_d")]
    norm = np.zeros(len(t_out))
    rel = np.zeros(len(t_out))
    worst: tuple[float, str, float, float, float] = (-1.0, "", 0.0, 0.0, 0.0)
    cols: dict[str, np.ndarray] = {}
    for c in columns:
        r = np.array([float(row[c]) for row in ref])
        s = sim[c]
        err = np.abs(s - r)
        e = err / np.maximum(REL_TOL * np.abs(r), ABS_TOL[c.rsplit("_", 1)[1]])
        norm = np.maximum(norm, e)
        rel = np.maximum(rel, np.where(np.abs(r) > 0, err / np.maximum(np.abs(r), 1e-300), 0.0))
        checks = np.isin(t_out, MICROPOP_CHECK_DAYS)
        k = int(np.argmax(np.where(checks, e, -1.0)))
        if checks[k] and e[k] > worst[0]:
            worst = (float(e[k]), c, float(t_out[k]), float(s[k]), float(r[k]))
        cols[c] = s
        cols[f"ref_{c}"] = r
    checks = np.isin(t_out, MICROPOP_CHECK_DAYS)
    cols["normalised_error"] = norm
    cols["max_relative_error"] = rel
    cols["normalised_error_checks"] = np.full(len(t_out), norm[checks].max())
    detail = (f"{condition}: normalised error max over days {MICROPOP_CHECK_DAYS} and "
              f"{len(columns)} columns = {worst[0]:.3g} (|sim - ref| / max(2% ref, 0.005 g/L "
              f"or 0.05 mM); worst {worst[1]} at day {worst[2]:g}: {worst[3]:.6g} vs "
              f"{worst[4]:.6g}); rtol {rtol:g}")
    ds = _dataset(t_out, cols, normalised_error_checks_detail=detail)
    return {condition: ds}


@experiment("micropop_chemostat")
def micropop_chemostat(condition: str = "no_ph_limit", days: float = 30.0,
                       rtol: float = 1e-7) -> dict[str, xr.Dataset]:
    """microPop's 10 human MFGs in the shipped human chemostat (inflow protein 5.9, NSP 1.62,
    RS 5.6 g/L/d, washout 1/d), one pH condition of the reference run (``no_ph_limit``,
    ``ph_5.5``, ``ph_5.75``, ``ph_6.0``, ``ph_6.25``), sampled at the reference times up to
    ``days``. Variables: every reference column (``<group>_gL``, ``<metabolite>_mM``, ...),
    ``ref_<column>``, ``normalised_error`` (max over columns of |sim - ref| / max(0.02 |ref|,
    0.005 g/L or 0.05 mM)) and ``normalised_error_checks`` (its maximum over days 1, 4, 30)."""
    return _micropop_run(str(condition), float(days), float(rtol))


# --- metric ----------------------------------------------------------------------------------

@metric("reference_error")
def m_reference_error(ctx: Context, var: str, run: str = "main", stat: str = "last",
                      from_day: float | None = None,
                      to_day: float | None = None) -> MetricOutput:
    """An error series computed by an experiment against reference data (``var``), reduced by
    ``stat``; the report's detail names the worst entry (the run's ``<var>_detail``)."""
    value = select(ctx, run, var, stat, from_day, to_day)
    return MetricOutput(value, detail=str(ctx.run(run).attrs.get(f"{var}_detail", "")))


__all__ = ["stein_glv_steady_states", "stein_glv_ic4_cdiff", "micropop_chemostat", "run_glv",
           "stein_tables", "stein_initial", "micropop_columns", "m_reference_error"]
