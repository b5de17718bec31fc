"""Multi-start least-squares calibration of uncertain parameters against validation targets.

Each *problem* names a few parameters marked "calibrated" in the model, their search bounds
(inside the parameter's plausible range) and the validation targets that constrain them. The
residual of a target puts inside first and centred second (see ``residual``): a vector of
zeros means every target sits at the centre of its window, |r| <= INSIDE_WEIGHT means inside,
and leaving a window costs OUTSIDE_SLOPE times more per half-width. Start points are a
seeded Latin hypercube over the bounds (log scale for bounds that span a decade or more);
each start runs ``scipy.optimize.least_squares`` (trust-region
reflective, bounded). The best start is written to ``calibration/results/PROBLEM.json`` with
every start's outcome; the fitted values are then copied into the model source, whose
``source`` text names the targets ("calibrated: target IDs"). A test checks that the model's
values equal the recorded fit.

    python calibration/fit.py                 # every problem
    python calibration/fit.py hpa_endotoxin   # one problem
"""

from __future__ import annotations

import copy
import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import least_squares
from scipy.stats import qmc

from gutbrain.analysis.validation.metrics import Context, compute
from gutbrain.analysis.validation.protocols import run_protocol
from gutbrain.analysis.validation.targets import Target, load_targets

RESULTS = Path(__file__).parent / "results"
# relative finite-difference step: event metrics are read on 3-6 min sampling grids and are
# piecewise constant in the parameters, so the Jacobian step must span several grid points
DIFF_STEP = 0.1
INSIDE_WEIGHT = 0.3  # residual at a window edge
OUTSIDE_SLOPE = 3.0  # residual growth per half-width beyond the edge


@dataclass(frozen=True)
class Problem:
    name: str
    parameters: dict[str, tuple[float, float]]  # name -> (low, high) search bounds
    targets: tuple[str, ...]
    starts: int = 4
    max_nfev: int = 30
    why: str = ""
    # parameters that must carry the same value as a fitted one (name -> fitted name)
    tied: tuple[tuple[str, str], ...] = ()
    # parameters computed from the fitted ones (name -> Python expression of fitted names),
    # e.g. an intercept that keeps a law through a calibrated state
    derived: tuple[tuple[str, str], ...] = ()

    def dependent(self, fitted: dict[str, float]) -> dict[str, float]:
        """The tied and derived values that go with ``fitted``."""
        out = {t: fitted[f] for t, f in self.tied}
        out.update({d: float(eval(expr, {"round": round}, dict(fitted)))  # noqa: S307
                    for d, expr in self.derived})
        return out


PROBLEMS = {p.name: p for p in (
    Problem("hpa_endotoxin", {"k_il6_hpa": (5.0, 60.0), "K_il6_hpa": (20.0, 1000.0)},
            ("host-hpa.lps.cortisol-peak-lag", "host-hpa.lps.evening-vs-morning-cortisol"),
            why="cytokine drive of CRH: timing of the endotoxin cortisol peak and its "
                "dependence on the time of day"),
    Problem("colon_ph_cross_diet", {"ph_slope": (0.003, 0.0174)},
            ("microbial.diet.ph-fall-plant-based", "microbial.diet.butyrate-share-max"),
            starts=3, derived=(("ph_intercept", "round(6.39 + ph_slope*93.67, 4)"),),
            why="slope of the colonic pH law across diets: a plant diet acidifies the colon "
                "~0.6 pH (Zimmer 2012) and butyrate stays <= 30 % of SCFA on every diet "
                "(Cummings 1987); the intercept keeps the Western steady state of "
                "microPopGut's law (pH 6.39 at TSCFA 93.67 mM)"),
    Problem("probiotic_persistence", {"k_lacto_adhere": (0.05, 5.0),
                                      "k_lacto_shed": (0.02, 2.0)},
            ("microbial.probiotic.undetectable-after-stop",
             "microbial.probiotic.detectable-during-intake"),
            why="mucosa-adherent lactobacilli: detectable during intake, gone 7-14 d after"),
    Problem("colon_scfa_absorption", {"a_Z": (4.0, 25.0)},
            ("microbial.colon.scfa-absorbed-fraction", "microbial.colon.tscfa",
             "microbial.colon.ph", "microbial.colon.scfa-production"), starts=3,
            why="mucosal SCFA absorption: absorbed share vs colonic TSCFA and pH (they pull "
                "in opposite directions)"),
    Problem("vagal_compensation", {"f_vag_tonic": (0.0, 0.6)},
            ("vagus.vagotomy.phq9-steady-state", "vagus.vagotomy.gad7-steady-state"),
            starts=3,
            why="share of the tonic gut-state signal lost with the abdominal vagus after central "
                "compensation: vagotomy alone moves mood little (Bunyoz 2022)"),
    Problem("crp_synthesis_delay", {"k_hep_apr": (0.3, 5.0)},
            ("host-immune.lps-bolus.crp-peak-time",), starts=3,
            why="hepatic acute-phase synthesis delay: CRP peaks 24-48 h after endotoxin"),
    Problem("stress_permeability", {"p_mast": (0.5, 5.0)},
            ("host-barrier.stress.permeability-2h",), starts=3,
            why="mast-cell opening of tight junctions: public speech doubles 2-h permeability "
                "(Vanuytsel 2014)"),
    Problem("mood_set_points", {"d0": (-3.5, -1.0), "x0": (-3.5, -1.0)},
            ("brain.population.healthy-phq9", "brain.population.healthy-gad7"), starts=3,
            why="depression and anxiety set points of the average (healthy_adult) person"),
    Problem("tryptophan_depletion", {"k_atd": (1.0, 50.0)},
            ("host-tryptophan.atd.plasma-trp-fall",), starts=3,
            why="protein-synthesis removal of plasma Trp after an amino-acid drink without Trp"),
)}


def with_parameters(protocol: dict[str, Any], values: dict[str, float]) -> dict[str, Any]:
    """The protocol with parameter overrides merged into every run, or into a trial's
    ``parameters`` (a run's own explicit parameters win: they are part of the experiment,
    e.g. a vagotomy)."""
    if "experiment" in protocol:
        raise ValueError("only scenario and trial protocols can be calibrated here "
                         "(experiments take no parameter overrides)")
    out = copy.deepcopy(protocol)
    runs = [out["trial"]] if "trial" in out else out["runs"].values() if "runs" in out else [out]
    for run in runs:
        run["parameters"] = {**values, **(run.get("parameters") or {})}
    return out


def residual(target: Target, value: float) -> float:
    """Inside first, centred second. Two-sided windows: with d the signed distance from the
    centre in half-widths, r = INSIDE_WEIGHT * d inside (|d| <= 1) and grows OUTSIDE_SLOPE
    times faster beyond the edges, so leaving a window costs far more than sitting off-centre.
    One-sided windows: 0 inside; outside, INSIDE_WEIGHT (what a two-sided window costs at its
    edge) plus OUTSIDE_SLOPE times the shortfall relative to the edge, so that leaving one costs
    more than any off-centre place inside a two-sided one. Before 2026-12-07 the residual was the
    bare relative shortfall, and a fit could trade an anchor's bound for centring a soft target
    (a 1 % excess cost less than sitting 10 % off-centre); records written before keep their
    values."""
    lo, hi = target.window
    if not math.isfinite(value):
        return 10.0
    if lo is not None and hi is not None:
        half = 0.5 * (hi - lo)
        if half <= 0:
            return value - lo
        d = (value - 0.5 * (lo + hi)) / half
        if abs(d) <= 1.0:
            return INSIDE_WEIGHT * d
        return math.copysign(INSIDE_WEIGHT + OUTSIDE_SLOPE * (abs(d) - 1.0), d)
    edge = lo if lo is not None else hi
    scale = max(abs(edge), 1e-9)
    short = (lo - value if lo is not None else value - hi) / scale
    return INSIDE_WEIGHT + OUTSIDE_SLOPE * short if short > 0 else 0.0


def evaluate(targets: list[Target], values: dict[str, float]) -> tuple[np.ndarray, list[float]]:
    res, vals = [], []
    for t in targets:
        runs = run_protocol(with_parameters(t.protocol, values))
        v = float(compute(Context(runs=runs, data=t.data), t.metric).value)
        vals.append(v)
        res.append(residual(t, v))
    return np.array(res), vals


def _log_scaled(bounds: tuple[float, float]) -> bool:
    return bounds[0] > 0 and bounds[1] / bounds[0] >= 10


def fit(problem: Problem, seed: int = 0) -> dict[str, Any]:
    targets = [t for t in load_targets() if t.id in problem.targets]
    missing = set(problem.targets) - {t.id for t in targets}
    if missing:
        raise KeyError(f"problem {problem.name}: unknown targets {sorted(missing)}")
    names = list(problem.parameters)
    logs = [_log_scaled(problem.parameters[n]) for n in names]
    lo = np.array([math.log(problem.parameters[n][0]) if lg else problem.parameters[n][0]
                   for n, lg in zip(names, logs, strict=True)])
    hi = np.array([math.log(problem.parameters[n][1]) if lg else problem.parameters[n][1]
                   for n, lg in zip(names, logs, strict=True)])

    def values_of(x: np.ndarray) -> dict[str, float]:
        out = {n: float(math.exp(v) if lg else v) for n, v, lg in zip(names, x, logs,
                                                                       strict=True)}
        return {**out, **problem.dependent(out)}

    def fun(x: np.ndarray) -> np.ndarray:
        return evaluate(targets, values_of(x))[0]

    starts = qmc.scale(qmc.LatinHypercube(d=len(names), seed=seed).random(problem.starts),
                       lo, hi)
    runs = []
    t0 = time.perf_counter()
    for x0 in starts:
        sol = least_squares(fun, x0, bounds=(lo, hi), diff_step=DIFF_STEP,
                            max_nfev=problem.max_nfev, method="trf")
        runs.append({"start": values_of(x0), "fitted": values_of(sol.x),
                     "cost": float(sol.cost), "nfev": int(sol.nfev), "status": int(sol.status)})
    best = min(runs, key=lambda r: r["cost"])
    _, exact = evaluate(targets, best["fitted"])
    inside = [t.contains(v) for t, v in zip(targets, exact, strict=True)]
    for digits in (3, 4, 5, 6):  # shortest rounding that keeps every target's verdict
        rounded = {k: float(f"{v:.{digits}g}") for k, v in best["fitted"].items()
                   if k in names}
        res, vals = evaluate(targets, {**rounded, **problem.dependent(rounded)})
        if [t.contains(v) for t, v in zip(targets, vals, strict=True)] == inside:
            break
    return {
        "problem": problem.name, "why": problem.why, "seed": seed,
        "method": "scipy.optimize.least_squares (trf, bounded) from a Latin-hypercube "
                  f"multi-start ({problem.starts} starts); residual = {INSIDE_WEIGHT} x "
                  "distance from the window centre in half-widths inside, growing "
                  f"{OUTSIDE_SLOPE} per half-width outside (one-sided windows: "
                  f"{INSIDE_WEIGHT} + {OUTSIDE_SLOPE} x the shortfall relative to the edge); "
                  "values rounded to the fewest significant digits that keep every verdict",
        "bounds": {n: list(problem.parameters[n]) for n in names},
        "fitted": rounded,
        "tied": {t: f for t, f in problem.tied},
        "derived": {d: {"expression": expr, "value": problem.dependent(rounded)[d]}
                    for d, expr in problem.derived},
        "targets": [{"id": t.id, "value": v, "window": list(t.window), "residual": float(r),
                     "inside": bool(t.contains(v))}
                    for t, v, r in zip(targets, vals, res, strict=True)],
        "starts": runs, "wall_s": round(time.perf_counter() - t0, 1),
    }


def main(names: list[str]) -> None:
    RESULTS.mkdir(exist_ok=True)
    for name in names or list(PROBLEMS):
        out = fit(PROBLEMS[name])
        path = RESULTS / f"{name}.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(out, indent=2) + "\n")
        tmp.replace(path)
        print(f"{name}: {out['fitted']}  ({out['wall_s']} s)")
        for t in out["targets"]:
            print(f"  {t['id']:55s} {t['value']:.4g} in {t['window']}: "
                  f"{'inside' if t['inside'] else 'OUTSIDE'}")
        print(f'  source text: "calibrated: {", ".join(PROBLEMS[name].targets)}"')


if __name__ == "__main__":
    main(sys.argv[1:])
