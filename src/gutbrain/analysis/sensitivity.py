"""Global sensitivity analysis (issue #15): Morris screening and Sobol indices with SALib.

Why this layout: the sampling and the analysis know nothing about the model. A *design* holds
the unit-hypercube samples SALib draws (one row per run, in SALib's order) and the factors
that turn them into parameter values; any function can be evaluated on it, in keyed,
resumable chunks (``evaluate``); ``analyse`` matches outputs to samples **by sample index**
(SALib's estimators read rows positionally: a Saltelli block is A, AB_1..AB_D, B and a Morris
trajectory is D + 1 consecutive rows, so one output out of place silently corrupts every
index; tests/test_sensitivity.py shows it). The Ishigami function goes through exactly this
code in the tests; the model goes through it in ``gutbrain.analysis.sensitivity_model``.

Distributions: every factor is uniform on its declared plausible range, or log-uniform when
low > 0 and high / low >= 10 (sampled uniformly in log space, then transformed). SALib samples
the unit hypercube, so Morris elementary effects are output changes per fraction of the range
(of its logarithm for log-uniform factors), comparable between factors; Sobol indices do not
depend on the transformation.

Failure is data: a run that fails has NaN outputs. Sobol drops whole Saltelli blocks holding a
NaN (the estimator needs A, B and every AB_i of a block; the rows of the blocks kept stay in
order). Morris drops only the elementary effects that touch a failed run, not whole
trajectories: Morris levels sit on the range ends, where several parameters still crash
(issue #15 item 4), and after such a step every later run of the trajectory fails too, so
dropping whole trajectories would lose nearly all of them. Each effect kept is still a
difference of two successful runs one step apart; the indices then describe the region of the
ranges where the model runs, and the counts of what was dropped are reported.
"""

from __future__ import annotations

import difflib
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gutbrain.errors import InputError

METHODS = ("morris", "sobol")
SUMMARIES = ("end", "mean", "change")
GROUPS = ("all", "assumed", "calibrated", "reference")
LOG_RATIO = 10.0  # a positive range spanning this factor or more is sampled log-uniformly
DEFAULT_N = {"morris": 10, "sobol": 1024}  # trajectories r / Saltelli base samples N
MORRIS_LEVELS = 4
CONF_LEVEL = 0.95
RESAMPLES = 1000  # bootstrap resamples of the confidence intervals
MIN_KEPT = 0.5  # refuse the indices when fewer than this share of blocks / effects survive
MAX_RUNS = 2_000_000  # a larger design is refused up front (hours to days of computing)
COLUMNS = ("parameter", "output", "index", "value", "ci_low", "ci_high")  # issue #15 contract
INDEX_NAMES = {"morris": ("mu_star", "mu", "sigma"), "sobol": ("ST", "S1")}


@dataclass(frozen=True)
class Factor:
    """A sampled parameter: its declared range and how it is sampled over it."""

    name: str
    low: float
    high: float
    log: bool = False
    basis: str = ""  # calibration basis (gutbrain.model.calibration_basis)
    module: str = ""
    unit: str = ""

    @property
    def distribution(self) -> str:
        return "log-uniform" if self.log else "uniform"

    def values(self, u: np.ndarray) -> np.ndarray:
        """Parameter values of unit-hypercube coordinates u in [0, 1] (clipped to the range,
        so that rounding never leaves it)."""
        if self.log:
            lo, hi = math.log(self.low), math.log(self.high)
            x = np.exp(lo + u * (hi - lo))
        else:
            x = self.low + u * (self.high - self.low)
        return np.clip(x, self.low, self.high)


def factor_for(name: str, low: float, high: float, **info: str) -> Factor:
    """The factor of a declared range: log-uniform when low > 0 and high / low >= 10."""
    return Factor(name, float(low), float(high), bool(low > 0 and high / low >= LOG_RATIO),
                  **info)


@dataclass(frozen=True)
class Design:
    """The samples of one method: ``unit`` (run, factor) in SALib's row order. Runs come in
    blocks: a Morris trajectory (D + 1 runs) or a Saltelli block (A, AB_1..AB_D, B: D + 2
    runs, first- and total-order indices only)."""

    method: str
    factors: tuple[Factor, ...]
    unit: np.ndarray
    n: int
    seed: int
    levels: int = MORRIS_LEVELS

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.factors]

    @property
    def block_size(self) -> int:
        d = len(self.factors)
        return d + 1 if self.method == "morris" else d + 2

    @property
    def runs(self) -> int:
        return self.unit.shape[0]

    @property
    def n_blocks(self) -> int:
        return self.runs // self.block_size

    def block_of(self) -> np.ndarray:
        return np.arange(self.runs) // self.block_size

    def values(self) -> np.ndarray:
        """Parameter values (run, factor)."""
        return np.column_stack([f.values(self.unit[:, j]) for j, f in
                                enumerate(self.factors)])

    def problem(self) -> dict[str, Any]:
        """SALib's problem: the unit hypercube over the factors."""
        d = len(self.factors)
        return {"num_vars": d, "names": self.names, "bounds": [[0.0, 1.0]] * d}


def design_runs(method: str, n_factors: int, n: int) -> int:
    return n * (n_factors + 1) if method == "morris" else n * (n_factors + 2)


def check_design(method: str, n_factors: int, n: int, levels: int = MORRIS_LEVELS) -> None:
    """Refuse what cannot give indices, before any run (sizes named)."""
    if method not in METHODS:
        raise InputError(f"--method: unknown method {method!r}; expected one of "
                         f"{', '.join(METHODS)}")
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise InputError(f"--n: expected a whole number, got {n!r}")
    least = 2
    if n < least:
        what = "trajectories" if method == "morris" else "base samples"
        raise InputError(f"--n: {method} needs at least {least} {what} (spreads and confidence "
                         f"intervals need two), got {n}")
    if n_factors < 1:
        raise InputError("no parameter to vary: --params selected none")
    if method == "morris" and (isinstance(levels, bool) or not isinstance(levels, int)
                               or levels < 2 or levels % 2):
        raise InputError(f"--levels: expected an even number of Morris grid levels >= 2, got "
                         f"{levels!r}")
    runs = design_runs(method, n_factors, n)
    if runs > MAX_RUNS:
        raise InputError(f"{method} with n = {n} over {n_factors} parameters is {runs:,} runs; "
                         f"the limit is {MAX_RUNS:,}: take fewer parameters or a smaller --n")


def make_design(method: str, factors: Sequence[Factor], n: int, seed: int = 0,
                levels: int = MORRIS_LEVELS) -> Design:
    """SALib's samples of the unit hypercube: ``n`` Morris trajectories (``levels`` grid
    levels, SALib's default Δ = levels / (2 (levels - 1))) or a scrambled Sobol'-sequence
    Saltelli design with ``n`` base samples (N (D + 2) runs). Deterministic for a seed."""
    check_design(method, len(factors), n, levels)
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InputError(f"--seed: expected a whole number >= 0, got {seed!r}")
    d = len(factors)
    problem = {"num_vars": d, "names": [f.name for f in factors], "bounds": [[0.0, 1.0]] * d}
    if method == "morris":
        from SALib.sample import morris

        unit = morris.sample(problem, n, num_levels=levels, seed=seed)
    else:
        from SALib.sample import sobol

        with warnings.catch_warnings():  # N not a power of 2: warned about by the caller
            warnings.simplefilter("ignore", UserWarning)
            unit = sobol.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    return Design(method, tuple(factors), np.asarray(unit, dtype=float), n, seed, levels)


def power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


# ---- analysis ----------------------------------------------------------------------------
@dataclass
class OutputReport:
    """How one output was analysed: what was dropped and why."""

    output: str
    blocks: int  # trajectories / Saltelli blocks in the design
    blocks_complete: int  # of which every run gave a finite output
    effects_dropped: int = 0  # Morris: elementary effects touching a failed run
    effects: int = 0
    constant: bool = False
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "output"}


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng([seed, *key])


def elementary_effects(design: Design, y: np.ndarray) -> np.ndarray:
    """Morris elementary effects (factor, trajectory) from the runs in SALib's order: the
    effect of the factor a step changes is the output at its higher level minus the output
    at its lower level over the step (in unit-hypercube coordinates), as SALib computes it;
    NaN where either run of the step failed."""
    d, r = len(design.factors), design.n_blocks
    x = design.unit.reshape(r, d + 1, d)
    dx = np.diff(x, axis=1)  # (trajectory, step, factor)
    changed = np.abs(dx).argmax(axis=2)
    step = np.take_along_axis(dx, changed[..., None], axis=2)[..., 0]
    if (np.count_nonzero(dx, axis=2) != 1).any():  # pragma: no cover - SALib's contract
        raise ValueError("a Morris step changes more than one factor (grouped design?)")
    dy = np.diff(y.reshape(r, d + 1), axis=1)
    ee = np.full((d, r), np.nan)
    ee[changed, np.arange(r)[:, None]] = dy * np.sign(step) / np.abs(step)
    return ee


def _percentiles(boot: np.ndarray, conf_level: float) -> tuple[np.ndarray, np.ndarray]:
    a = 100 * (1 - conf_level) / 2
    lo, hi = np.percentile(boot, [a, 100 - a], axis=0)
    return lo, hi


def morris_indices(design: Design, y: np.ndarray, seed: int = 0,
                   conf_level: float = CONF_LEVEL, resamples: int = RESAMPLES
                   ) -> tuple[dict[str, np.ndarray], OutputReport]:
    """μ*, μ, σ of the elementary effects (SALib's estimators), each factor over its finite
    effects, with percentile bootstrap intervals (resampling the effects, as SALib's
    mu_star_conf does, but by percentiles: μ* is non-negative and skewed for small r, and a
    normal interval would reach below zero)."""
    ee = elementary_effects(design, y)
    d = len(design.factors)
    out = {k: np.full(d, np.nan) for k in ("mu_star", "mu", "sigma", "n_used")}
    for k in ("mu_star", "mu", "sigma"):
        out[f"{k}_low"] = np.full(d, np.nan)
        out[f"{k}_high"] = np.full(d, np.nan)
    for j in range(d):
        e = ee[j][np.isfinite(ee[j])]
        out["n_used"][j] = e.size
        if e.size == 0:
            continue
        out["mu"][j] = e.mean()
        out["mu_star"][j] = np.abs(e).mean()
        if e.size < 2:
            continue
        out["sigma"][j] = e.std(ddof=1)
        boot = e[_rng(seed, 1, j).integers(e.size, size=(resamples, e.size))]
        for k, stat in (("mu_star", np.abs(boot).mean(axis=1)), ("mu", boot.mean(axis=1)),
                        ("sigma", boot.std(axis=1, ddof=1))):
            out[f"{k}_low"][j], out[f"{k}_high"][j] = _percentiles(stat, conf_level)
    blocks = y.reshape(design.n_blocks, -1)
    rep = OutputReport("", design.n_blocks, int(np.isfinite(blocks).all(axis=1).sum()),
                       effects_dropped=int((~np.isfinite(ee)).sum()), effects=int(ee.size))
    finite = y[np.isfinite(y)]
    rep.constant = bool(finite.size and np.ptp(finite) == 0.0)
    return out, rep


def sobol_indices(design: Design, y: np.ndarray, seed: int = 0,
                  conf_level: float = CONF_LEVEL, resamples: int = RESAMPLES
                  ) -> tuple[dict[str, np.ndarray], OutputReport]:
    """First-order and total Sobol indices (SALib: Saltelli 2010 S1, Jansen ST) over the
    Saltelli blocks whose runs all succeeded (in order), with percentile intervals of SALib's
    bootstrap resamples (of the blocks)."""
    from SALib.analyze import sobol

    d = len(design.factors)
    blocks = y.reshape(design.n_blocks, design.block_size)
    keep = np.isfinite(blocks).all(axis=1)
    rep = OutputReport("", design.n_blocks, int(keep.sum()))
    keys = ("S1", "S1_low", "S1_high", "ST", "ST_low", "ST_high")
    if keep.sum() < 2:
        return {k: np.full(d, np.nan) for k in keys}, rep
    kept = blocks[keep].reshape(-1)
    if np.ptp(kept) == 0.0:  # no variance to apportion: SALib's convention is 0
        rep.constant = True
        return {k: np.zeros(d) for k in keys}, rep
    # SALib seeds its bootstrap only for a truthy seed (0 falls back to the global RNG)
    boot_seed = int(np.random.SeedSequence([seed, 2]).generate_state(1)[0]) | 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        si = sobol.analyze(design.problem(), kept, calc_second_order=False,
                           num_resamples=resamples, conf_level=conf_level, seed=boot_seed,
                           keep_resamples=True)
    out = {}
    for k in ("S1", "ST"):
        out[k] = np.asarray(si[k], dtype=float)
        out[f"{k}_low"], out[f"{k}_high"] = _percentiles(np.asarray(si[f"{k}_conf_all"]),
                                                          conf_level)
    return out, rep


def analyse(design: Design, outputs: dict[str, np.ndarray], seed: int = 0,
            conf_level: float = CONF_LEVEL, resamples: int = RESAMPLES
            ) -> tuple[pd.DataFrame, dict[str, OutputReport]]:
    """The tidy indices table (parameter, output, index, value, ci_low, ci_high, n_used) of
    every output, each a vector over the design's runs **in sample order**; and per output
    what was dropped. Confidence intervals are percentile bootstrap intervals at
    ``conf_level``."""
    rows: list[pd.DataFrame] = []
    reports: dict[str, OutputReport] = {}
    names = np.array(design.names)
    for k, (name, y) in enumerate(outputs.items()):
        y = np.asarray(y, dtype=float)
        if y.shape != (design.runs,):
            raise ValueError(f"output {name!r}: {y.shape} values for {design.runs} runs")
        if design.method == "morris":
            s, rep = morris_indices(design, y, seed + k, conf_level, resamples)
            parts = ("mu_star", "mu", "sigma")
            used = s["n_used"]
        else:
            s, rep = sobol_indices(design, y, seed + k, conf_level, resamples)
            parts = ("ST", "S1")
            used = np.full(len(names), rep.blocks_complete, dtype=float)
        rep.output = name
        reports[name] = rep
        for index in parts:
            rows.append(pd.DataFrame({"parameter": names, "output": name, "index": index,
                                      "value": s[index], "ci_low": s[f"{index}_low"],
                                      "ci_high": s[f"{index}_high"],
                                      "n_used": used.astype(int)}))
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=[*COLUMNS, "n_used"])
    return table, reports


def enough_kept(design: Design, reports: dict[str, OutputReport]) -> list[str]:
    """Outputs too few of whose blocks (Sobol) or effects (Morris) survived the failures."""
    bad = []
    for name, rep in reports.items():
        if design.method == "sobol":
            share = rep.blocks_complete / max(rep.blocks, 1)
        else:
            share = 1.0 - rep.effects_dropped / max(rep.effects, 1)
        if share < MIN_KEPT:
            bad.append(f"{name} ({share:.0%} kept)")
    return bad


def failure_attribution(design: Design, failed: np.ndarray, tail: float = 0.1) -> pd.DataFrame:
    """Which parameters go with failed runs, most suspect first: per parameter the failure
    share of the runs with it in the lowest and in the highest ``tail`` of its (unit) range,
    against the share overall; for Morris also how often a step of that parameter alone
    turned a successful run into a failed one (``steps_to_failure``) or back (the cause, not
    a correlation). Empty when nothing failed. For issue #15 item 4: which range ends break."""
    if not failed.any():
        return pd.DataFrame(columns=["parameter", "failed_low", "failed_high", "failed_all",
                                     "steps_to_failure", "steps_to_success"])
    u = design.unit
    low, high = u <= tail + 1e-12, u >= 1 - tail - 1e-12
    with np.errstate(invalid="ignore", divide="ignore"):
        f_low = (low & failed[:, None]).sum(axis=0) / low.sum(axis=0)
        f_high = (high & failed[:, None]).sum(axis=0) / high.sum(axis=0)
    out = pd.DataFrame({"parameter": design.names, "failed_low": f_low, "failed_high": f_high,
                        "failed_all": float(failed.mean())})
    to_fail = np.zeros(len(design.factors), dtype=int)
    to_ok = np.zeros(len(design.factors), dtype=int)
    if design.method == "morris":
        d, r = len(design.factors), design.n_blocks
        changed = np.abs(np.diff(u.reshape(r, d + 1, d), axis=1)).argmax(axis=2)
        f = failed.reshape(r, d + 1)
        np.add.at(to_fail, changed[~f[:, :-1] & f[:, 1:]], 1)
        np.add.at(to_ok, changed[f[:, :-1] & ~f[:, 1:]], 1)
    out["steps_to_failure"], out["steps_to_success"] = to_fail, to_ok
    worst = np.fmax(out.failed_low, out.failed_high) - out.failed_all
    order = np.lexsort((-worst.fillna(0).to_numpy(), -(to_fail + to_ok)))
    return out.iloc[order].reset_index(drop=True)


# ---- evaluation in keyed, resumable chunks -------------------------------------------------
ChunkFn = Callable[..., pd.DataFrame]


def sample_tasks(design: Design, chunk: int, args: tuple[Any, ...], prefix: str = "sens"
                 ) -> list[tuple[str, tuple[Any, ...]]]:
    """Tasks of ``chunk`` consecutive runs each: (key, (*args, sample indices, values))."""
    values = design.values()
    tasks = []
    for c in range(0, design.runs, chunk):
        idx = np.arange(c, min(design.runs, c + chunk))
        tasks.append((f"{prefix}_{c // chunk:05d}", (*args, idx, values[idx])))
    return tasks


def reassemble(frames: Sequence[pd.DataFrame], runs: int) -> pd.DataFrame:
    """The chunk tables as one table in sample order (row i is sample i), whatever order the
    chunks came back in; every sample exactly once, or a ValueError."""
    df = pd.concat(list(frames), ignore_index=True)
    df = df.sort_values("sample", kind="stable").reset_index(drop=True)
    if len(df) != runs or not np.array_equal(df["sample"].to_numpy(), np.arange(runs)):
        raise ValueError(f"the chunks hold {len(df)} rows for {runs} samples (missing or "
                         "duplicated samples): the chunk folder is damaged; rerun with "
                         "--overwrite")
    return df


def evaluate(design: Design, fn: ChunkFn, args: tuple[Any, ...], out: Path | None = None,
             chunk: int = 256, workers: int | None = None, scheduler: str | None = None,
             progress: Callable[[str], None] | None = None, digest: str | None = None,
             overwrite: bool = False) -> pd.DataFrame:
    """Run ``fn(*args, sample_indices, values)`` over the design in chunks (in-process or on
    dask, resumable in ``out/chunks`` keyed by ``digest``); the runs in sample order."""
    from gutbrain.analysis.chunks import run_chunks

    tasks = sample_tasks(design, chunk, args)
    frames = run_chunks(fn, tasks, out, workers, scheduler, progress, digest=digest,
                        what="sensitivity", overwrite=overwrite)
    return reassemble(frames, design.runs)


# ---- parameter selection -------------------------------------------------------------------
def model_factors() -> dict[str, Factor]:
    """Every model parameter as a factor over its declared range, in declaration order."""
    from gutbrain.model import build_model, calibration_basis

    spec = build_model()
    out = {}
    for m in spec.modules:
        for p in m.parameters:
            out[p.name] = factor_for(p.name, p.low, p.high, basis=calibration_basis(p),
                                     module=m.name, unit=p.unit)
    return out


def select_factors(tokens: Sequence[str] | None, held: dict[str, str] | None = None
                   ) -> tuple[list[Factor], list[str]]:
    """The factors of ``--params`` tokens (repeatable, comma-separated): ``all`` (every
    non-input parameter, the default), ``assumed``, ``calibrated``, ``reference`` (by
    calibration basis), a module name, or parameter names. Groups leave out parameters with an
    empty range and those in ``held`` (name -> why: fixed by the scenario or sampled by the
    trial's population); a name given explicitly is sampled anyway, with a note. Factors come
    in model declaration order, so the token order does not change the design."""
    from gutbrain.model import build_model

    every = model_factors()
    modules = [m.name for m in build_model().modules]
    held = held or {}
    words = [w.strip() for t in (tokens or ["all"]) for w in str(t).split(",") if w.strip()]
    if not words:
        words = ["all"]
    chosen: set[str] = set()
    explicit: set[str] = set()
    for w in words:
        if w in GROUPS or w in modules:
            chosen |= {n for n, f in every.items() if f.basis != "input"
                       and (w == "all" or f.basis == w or f.module == w)
                       and n not in held and f.high > f.low}
        elif w in every:
            if every[w].high <= every[w].low:
                raise InputError(f"--params {w}: its declared range [{every[w].low:g}, "
                                 f"{every[w].high:g}] is a single value; nothing to vary")
            chosen.add(w)
            explicit.add(w)
        else:
            close = difflib.get_close_matches(w, [*GROUPS, *modules, *every], n=3)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise InputError(f"--params: unknown token {w!r}{hint}; expected {', '.join(GROUPS)}"
                             f", a module ({', '.join(modules)}) or parameter names (see "
                             "`gutbrain params`)")
    notes = [f"{n}: {held[n]}; sampled over its range because it was named" for n in
             sorted(explicit & set(held))]
    notes += [f"{n}: an input parameter, sampled as the value before any intervention "
              "(interventions act on top of it)" for n in sorted(explicit)
              if every[n].basis == "input"]
    return [f for n, f in every.items() if n in chosen], notes


__all__ = ["COLUMNS", "DEFAULT_N", "Design", "Factor", "GROUPS", "INDEX_NAMES", "METHODS",
           "SUMMARIES", "analyse", "check_design", "design_runs", "elementary_effects",
           "enough_kept", "evaluate", "factor_for", "failure_attribution", "ishigami_chunk",
           "ishigami_exact", "ishigami_factors", "make_design", "model_factors",
           "morris_indices", "power_of_two", "reassemble", "select_factors", "sobol_indices"]


# ---- a known answer ------------------------------------------------------------------------
ISHIGAMI = {"a": 7.0, "b": 0.1}


def ishigami_factors() -> list[Factor]:
    """x1, x2, x3 uniform on [-π, π] (Ishigami & Homma 1990)."""
    return [factor_for(f"x{i}", -math.pi, math.pi) for i in (1, 2, 3)]


def ishigami_exact() -> dict[str, dict[str, float]]:
    """Analytic first-order and total indices of the Ishigami function (a = 7, b = 0.1)."""
    a, b, pi = ISHIGAMI["a"], ISHIGAMI["b"], math.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    return {"S1": {"x1": v1 / var, "x2": v2 / var, "x3": 0.0},
            "ST": {"x1": (v1 + v13) / var, "x2": v2 / var, "x3": v13 / var}}


def ishigami_chunk(samples: np.ndarray, values: np.ndarray) -> pd.DataFrame:
    """A chunk function like the model's (sample, status, reason, output) for the Ishigami
    function: the end-to-end check of sampling, chunking, reassembly and analysis."""
    x1, x2, x3 = values.T
    y = np.sin(x1) + ISHIGAMI["a"] * np.sin(x2) ** 2 + ISHIGAMI["b"] * x3**4 * np.sin(x1)
    return pd.DataFrame({"sample": np.asarray(samples, dtype=np.int64),
                         "status": np.zeros(len(samples), dtype=np.int8), "reason": "ok",
                         "y": y})
