"""Bayesian calibration of the uncertain parameters: the posterior ensemble (issue #15 items 2-3).

    python calibration/uncertainty.py            # all stages; resumable (runs are kept)
    python calibration/uncertainty.py --workers 2 --wave1 128 --wave2 128 --wave3 96 --check 32

What it does, and why (the README's "Uncertainty" section has the measured figures):

1. wave 1: WAVE1 scrambled-Sobol' points over the prior of the calibrated parameters
   (``gutbrain.analysis.uncertainty.plan``), each run through the calibration targets with the
   validation harness itself (same protocols and metrics as ``gutbrain validate``);
2. an emulator of each target's metric (quadratic + RBF, ``emulator.py``), MCMC on it
   (emcee), and wave 2: WAVE2 points drawn from that first posterior, run likewise, so the
   surrogate is dense where the posterior lives (sequential design);
3. the emulator refitted on both waves, its error measured by 5-fold cross-validation and
   added to the likelihood; the final MCMC; ENSEMBLE draws thinned from the chain, written
   with provenance to ``src/gutbrain/data/posterior_ensemble.json`` (shipped);
4. checks with the real model: CHECK ensemble members through the calibration targets (the
   surrogate's error on runs it never saw, at the posterior) and through the related held-out
   targets (posterior-predictive coverage), written to ``results/uncertainty/checks.json``.

Runs are appended to ``results/uncertainty/runs.csv`` as they finish: a restart skips the
points already run (same seed, same points).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import qmc

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from fit import with_parameters  # noqa: E402

from gutbrain.analysis.uncertainty.calibrate import (  # noqa: E402
    IDENTIFIABLE_CONTRACTION,
    WindowLikelihood,
    contraction,
    log_posterior,
    run_mcmc,
    thin_to,
)
from gutbrain.analysis.uncertainty.emulator import (  # noqa: E402
    Emulator,
    cross_validate,
    local_error,
)
from gutbrain.analysis.uncertainty.plan import (  # noqa: E402
    CALIBRATED,
    CALIBRATION_TARGETS,
    HELD_OUT_RELATED,
    LIKELIHOOD_SHAPE,
)
from gutbrain.analysis.uncertainty.priors import model_priors  # noqa: E402

OUT = HERE / "results" / "uncertainty"
RUNS = OUT / "runs.csv"
ENSEMBLE_FILE = HERE.parent / "src" / "gutbrain" / "data" / "posterior_ensemble.json"
SEED = 15
ENSEMBLE = 256
WALKERS = 48
MIN_FOCUS = 30


def evaluate_point(values: dict[str, float], target_ids: tuple[str, ...]) -> dict[str, Any]:
    """Every target's metric at one parameter set (NaN where the run fails) and the wall
    time. The validation harness's own protocol runner and metrics: no second definition."""
    from gutbrain.analysis.validation.metrics import Context, compute
    from gutbrain.analysis.validation.protocols import clear_cache, run_protocol
    from gutbrain.analysis.validation.targets import load_targets

    t0 = time.perf_counter()
    targets = {t.id: t for t in load_targets(only=list(target_ids))}
    out: dict[str, Any] = {}
    for tid in target_ids:
        t = targets[tid]
        try:
            runs = run_protocol(with_parameters(t.protocol, values))
            out[tid] = float(compute(Context(runs=runs, data=t.data), t.metric).value)
        except Exception as exc:  # a failed run is data: NaN with its reason
            out[tid] = math.nan
            out.setdefault("errors", []).append(f"{tid}: {type(exc).__name__}: {exc}"[:200])
    clear_cache()
    out["seconds"] = time.perf_counter() - t0
    return out


def _job(args: tuple[str, int, list[float], tuple[str, ...]]) -> dict[str, Any]:
    wave, index, x, ids = args
    res = evaluate_point(dict(zip(CALIBRATED, x, strict=True)), ids)
    return {"wave": wave, "index": index, **{f"x:{n}": v for n, v in zip(CALIBRATED, x,
                                                                           strict=True)},
            **{k: v for k, v in res.items() if k != "errors"},
            "errors": " | ".join(res.get("errors", []))}


def model_key() -> str:
    """The model the runs belong to: its structure (digest) and every parameter's default
    value (a refitted default leaves the digest alone but changes every run)."""
    import hashlib

    from gutbrain.compile.build import compile_model
    from gutbrain.model import build_model

    values = {p.name: p.value for p in build_model().parameters}
    text = json.dumps({"digest": compile_model().digest, "values": values}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def claim_runs(path: Path, key: str) -> None:
    """Resume ``path`` only if its runs were made with this model and these points' source
    (``key``); otherwise remove it, saying so, so that a regeneration after a model change
    never mixes old runs into the new emulator (the runs stay in git history)."""
    marker = path.with_suffix(".key")
    old = marker.read_text(encoding="utf-8").strip() if marker.exists() else None
    if path.exists() and old != key:
        print(f"{path.name}: made with another model or ensemble ({old or 'unkeyed'}); "
              "starting afresh", flush=True)
        path.unlink()
    marker.write_text(key + "\n", encoding="utf-8")


def run_points(wave: str, u: np.ndarray, ids: tuple[str, ...], workers: int,
               path: Path) -> list[dict[str, Any]]:
    """Run the points of one wave not yet in ``path`` and append them as they finish."""
    priors = model_priors()
    done = {(r["wave"], int(r["index"])) for r in read_rows(path)}
    x = np.column_stack([priors[n].ppf(u[:, j]) for j, n in enumerate(CALIBRATED)])
    jobs = [(wave, i, list(map(float, x[i])), ids) for i in range(len(u))
            if (wave, i) not in done]
    print(f"{wave}: {len(jobs)} of {len(u)} points to run", flush=True)
    if jobs:
        from gutbrain.api import simulate

        simulate({"name": "warm-up", "days": 0.25})  # compile once before forking
        import multiprocessing as mp

        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
            for k, row in enumerate(pool.map(_job, jobs)):
                append_row(path, row)
                if k % 8 == 0:
                    print(f"  {wave} {k + 1}/{len(jobs)} ({row['seconds']:.1f} s)",
                          flush=True)
    return [r for r in read_rows(path) if r["wave"] == wave]


def append_row(path: Path, row: dict[str, Any]) -> None:
    """Append one run, in the file's own column order (a column the run lacks stays empty:
    runs made before a change of the target list keep their layout)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    fields = list(row)
    if not new:
        with open(path, encoding="utf-8") as fh:
            fields = next(csv.reader(fh))
        fields += [k for k in row if k not in fields]
    with open(path, "a", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields, restval="")
        if new:
            w.writeheader()
        w.writerow(row)
        fh.flush()
        os.fsync(fh.fileno())


def read_rows(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def to_arrays(rows: list[dict[str, Any]], ids: tuple[str, ...]) -> tuple[np.ndarray,
                                                                          np.ndarray]:
    priors = model_priors()
    x = np.array([[float(r[f"x:{n}"]) for n in CALIBRATED] for r in rows])
    u = np.column_stack([priors[n].cdf(x[:, j]) for j, n in enumerate(CALIBRATED)])
    y = np.array([[float(r[t]) if r[t] not in ("", "nan") else math.nan for t in ids]
                  for r in rows])
    return u, y


def likelihoods(model_sd: dict[str, float] | None = None) -> list[WindowLikelihood]:
    from gutbrain.analysis.validation.targets import load_targets

    ts = {t.id: t for t in load_targets(only=list(CALIBRATION_TARGETS))}
    return [WindowLikelihood(tid, ts[tid].window[0], ts[tid].window[1],
                             LIKELIHOOD_SHAPE.get(tid, "window"),
                             (model_sd or {}).get(tid, 0.0)) for tid in CALIBRATION_TARGETS]


def posterior(u: np.ndarray, y: np.ndarray, seed: int, steps: int, start=None,
              focus: np.ndarray | None = None):
    """Emulator, its error (the likelihood's extra SD) and an MCMC chain on it.

    The error is the out-of-fold RMSE over ``focus``, the runs of the last wave (drawn from
    the previous posterior: where this posterior will live) when there are at least
    MIN_FOCUS of them; otherwise over the runs near each window. Why: near-window runs of the
    first, prior-wide wave include parameter sets far from any posterior, where the surrogate
    is poor and irrelevant; their error would widen the posterior into those regions. Whether
    the surrogate holds where the final posterior lives is checked with the real model
    (``check``)."""
    ids = list(CALIBRATION_TARGETS)
    windows = {lk.target: (lk.low, lk.high) for lk in likelihoods()}
    _, cv_pred = cross_validate(u, y, ids, seed=seed, windows=windows)
    if focus is not None and focus.sum() >= MIN_FOCUS:
        cv_err = {t: float(np.sqrt(np.nanmean((cv_pred[focus, j] - y[focus, j]) ** 2)))
                  for j, t in enumerate(ids)}
    else:
        cv_err = {t: local_error(y[:, j], cv_pred[:, j], windows[t])[0]
                  for j, t in enumerate(ids)}
    em = Emulator(ids, windows).fit(u, y)
    lks = likelihoods(cv_err)
    chain = run_mcmc(log_posterior(lks, em.predict), len(CALIBRATED), seed, walkers=WALKERS,
                     steps=steps, burn=steps // 3, start=start)
    return em, cv_err, cv_pred, chain, lks


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=HERE, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workers", type=int, default=2)
    # the defaults are the shipped ensemble's settings: a bare run regenerates it
    ap.add_argument("--wave1", type=int, default=128)
    ap.add_argument("--wave2", type=int, default=128)
    ap.add_argument("--wave3", type=int, default=96)
    ap.add_argument("--check", type=int, default=32)
    ap.add_argument("--steps", type=int, default=3000, help="MCMC steps of waves 1-2")
    ap.add_argument("--final-steps", type=int, default=8000, help="MCMC steps of the final")
    ap.add_argument("--stage", choices=("all", "fit", "check"), default="all")
    args = ap.parse_args()
    started = time.perf_counter()
    d = len(CALIBRATED)
    ids = tuple(CALIBRATION_TARGETS)
    if args.stage in ("all", "fit"):
        claim_runs(RUNS, model_key())
        u1 = qmc.Sobol(d, scramble=True, seed=SEED).random(args.wave1)
        rows1 = run_points("wave1", u1, ids, args.workers, RUNS)
        ua, ya = to_arrays(rows1, ids)
        _, _, _, chain1, _ = posterior(ua, ya, SEED, args.steps)
        u2 = thin_to(chain1.samples, args.wave2, SEED + 1)
        rows2 = run_points("wave2", u2, ids, args.workers, RUNS)
        ub, yb = to_arrays(rows1 + rows2, ids)
        _, _, _, chain2, _ = posterior(ub, yb, SEED + 2, args.steps, start=chain1.samples,
                                       focus=np.arange(len(ub)) >= len(rows1))
        u3 = thin_to(chain2.samples, args.wave3, SEED + 4)
        rows3 = run_points("wave3", u3, ids, args.workers, RUNS)
        rows = rows1 + rows2 + rows3
        u, y = to_arrays(rows, ids)
        em, cv_err, cv_pred, chain, lks = posterior(u, y, SEED + 5, args.final_steps,
                                                    start=chain2.samples,
                                                    focus=np.arange(len(u)) >= len(rows1 + rows2))
        write_ensemble(u, y, cv_err, cv_pred, chain, lks, rows, args,
                       time.perf_counter() - started)
    if args.stage in ("all", "check"):
        check(args)


def write_ensemble(u, y, cv_err, cv_pred, chain, lks, rows, args, wall) -> None:
    from gutbrain.analysis.uncertainty.ensemble import write_ensemble_file
    from gutbrain.compile.build import compile_model
    from gutbrain.model import build_model

    priors = model_priors()
    draws = thin_to(chain.samples, ENSEMBLE, SEED + 3)
    x = np.column_stack([priors[n].ppf(draws[:, j]) for j, n in enumerate(CALIBRATED)])
    shrink = contraction(chain.samples)
    spec = build_model()
    n1 = sum(r["wave"] != "wave3" for r in rows)  # the last wave: where the posterior lives
    seconds = np.array([float(r["seconds"]) for r in rows])
    in_window = {}
    for j, lk in enumerate(lks):
        ok = np.isfinite(y[:, j])
        span = (lk.high - lk.low) if lk.low is not None and lk.high is not None else \
            abs(lk.high if lk.low is None else lk.low)
        in_window[lk.target] = {
            "likelihood_model_sd": cv_err[lk.target], "window": [lk.low, lk.high],
            "likelihood_model_sd_over_width": cv_err[lk.target] / span,
            "cv_rmse_near_window": local_error(y[:, j], cv_pred[:, j], (lk.low, lk.high))[0],
            "runs_near_window": local_error(y[:, j], cv_pred[:, j], (lk.low, lk.high))[1],
            "cv_rmse_all_runs": float(np.sqrt(np.nanmean((cv_pred[:, j] - y[:, j]) ** 2))),
            "cv_rmse_last_wave": float(np.sqrt(np.nanmean(
                (cv_pred[n1:, j] - y[n1:, j]) ** 2))) if len(y) > n1 else None,
            "failed_runs": int((~ok).sum()), "likelihood": lk.shape,
        }
    record = {
        "what": "posterior ensemble of the calibrated parameters (issue #15 item 2)",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": {"name": spec.name, "version": spec.version,
                  "digest": compile_model().digest},
        "git_commit": git_commit(),
        "script": "calibration/uncertainty.py", "seed": SEED,
        "parameters": list(CALIBRATED),
        "units": {n: spec.parameter(n).unit for n in CALIBRATED},
        "nominal": {n: spec.parameter(n).value for n in CALIBRATED},
        "priors": {n: priors[n].as_dict() for n in CALIBRATED},
        "calibration_targets": list(CALIBRATION_TARGETS),
        "held_out_related": list(HELD_OUT_RELATED),
        "method": {
            "design": f"wave 1: {args.wave1} scrambled Sobol' points over the prior; wave 2: "
                      f"{args.wave2} points thinned from the wave-1 posterior; wave 3: "
                      f"{args.wave3} from the posterior on waves 1-2",
            "runs": len(rows), "run_seconds_mean": float(seconds.mean()),
            "run_seconds_total": float(seconds.sum()),
            "wall_seconds_this_invocation": round(wall, 1),  # runs resumed from disk excluded
            "emulator": "quadratic ridge polynomial + anisotropic thin-plate RBF of its "
                        "residuals in prior-quantile coordinates, log scale where that "
                        "predicts better near the window; its 5-fold cross-validated error "
                        "over the last wave's runs (drawn from the previous posterior) added "
                        "to the likelihood",
            "likelihood": "window as the 95 % interval of a normal around its centre; "
                          "one-sided windows a probit step (5 % of the edge)",
            "sampler": f"emcee {__import__('emcee').__version__} ensemble, "
                       f"{chain.walkers} walkers x {chain.steps} steps, burn {chain.burn}, "
                       f"thin {chain.thin}",
            "acceptance": chain.acceptance,
            "autocorr_steps": dict(zip(CALIBRATED, map(float, chain.autocorr), strict=True)),
        },
        "emulator_error": in_window,
        "marginals": {n: {"prior_q05_q50_q95": list(map(float, priors[n].ppf(
                              np.array([0.05, 0.5, 0.95])))),
                          "posterior_q05_q50_q95": list(map(float, np.quantile(
                              x[:, j], [0.05, 0.5, 0.95]))),
                          "contraction": float(shrink[j]),
                          "identifiable": bool(shrink[j] >= IDENTIFIABLE_CONTRACTION)}
                      for j, n in enumerate(CALIBRATED)},
        "non_identifiable": [n for j, n in enumerate(CALIBRATED)
                             if shrink[j] < IDENTIFIABLE_CONTRACTION],
        "ensemble": [dict(zip(CALIBRATED, map(float, row), strict=True)) for row in x],
    }
    write_ensemble_file(ENSEMBLE_FILE, record)
    print(json.dumps({k: record[k] for k in ("non_identifiable", "emulator_error")},
                     indent=1))


def check(args) -> None:
    """Real-model runs of ensemble members: the calibration targets (surrogate error at the
    posterior) and the related held-out targets (posterior-predictive coverage)."""
    from gutbrain.analysis.uncertainty.ensemble import load_ensemble
    from gutbrain.analysis.validation.targets import load_targets

    ens = load_ensemble(ENSEMBLE_FILE)
    ids = tuple(CALIBRATION_TARGETS) + tuple(HELD_OUT_RELATED)
    sets = ens.values[:args.check]
    priors = model_priors()
    u = np.column_stack([priors[n].cdf(sets[:, j]) for j, n in enumerate(CALIBRATED)])
    claim_runs(OUT / "check_runs.csv", f"{model_key()}:{ens.record.get('created')}")
    rows = run_points("check", u, ids, args.workers, OUT / "check_runs.csv")
    rows.sort(key=lambda r: int(r["index"]))
    _, y = to_arrays(rows, ids)
    nominal = evaluate_point({}, ids)
    run_rows = read_rows(RUNS)
    ua, ya = to_arrays(run_rows, tuple(CALIBRATION_TARGETS))
    em = Emulator(list(CALIBRATION_TARGETS),
                  {lk.target: (lk.low, lk.high) for lk in likelihoods()}).fit(ua, ya)
    pred = em.predict(u[:len(y)])
    ts = {t.id: t for t in load_targets(only=list(ids))}
    out: dict[str, Any] = {"members": len(y), "targets": {}}
    for j, tid in enumerate(ids):
        v = y[:, j]
        ok = v[np.isfinite(v)]
        t = ts[tid]
        q = np.quantile(ok, [0.05, 0.5, 0.95]).tolist() if len(ok) else [None] * 3
        lo, hi = t.window
        covered = bool(len(ok) and (lo is None or q[2] >= lo) and (hi is None or q[0] <= hi))
        entry = {"split": "calibration" if tid in CALIBRATION_TARGETS else "held-out",
                 "tier": t.tier, "window": [lo, hi], "nominal": nominal[tid],
                 "nominal_inside": bool(t.contains(nominal[tid])),
                 "q05_q50_q95": q, "pass_share": float(np.mean([t.contains(x) for x in ok]))
                 if len(ok) else None, "interval_meets_window": covered,
                 "failed": int((~np.isfinite(v)).sum())}
        if tid in CALIBRATION_TARGETS:
            k = list(CALIBRATION_TARGETS).index(tid)
            e = pred[:, k] - v
            entry["emulator_rmse_at_posterior"] = float(np.sqrt(np.nanmean(e ** 2)))
        out["targets"][tid] = entry
    held = [k for k, e in out["targets"].items() if e["split"] == "held-out"]
    cal = [k for k, e in out["targets"].items() if e["split"] == "calibration"]

    def member_pass(keys: list[str]) -> float:
        hits = [ts[k].contains(float(v)) for k in keys for v in y[:, ids.index(k)]
                if math.isfinite(v)]
        return float(np.mean(hits)) if hits else math.nan

    out["held_out_total"] = len(held)
    out["held_out_covered"] = int(sum(out["targets"][k]["interval_meets_window"]
                                      for k in held))
    out["held_out_member_pass_rate"] = member_pass(held)
    out["calibration_member_pass_rate"] = member_pass(cal)
    out["held_out_nominal_pass"] = int(sum(out["targets"][k]["nominal_inside"] for k in held))
    out["emulator_rmse_at_posterior"] = {k: out["targets"][k]["emulator_rmse_at_posterior"]
                                         for k in cal}
    from gutbrain.analysis.uncertainty.ensemble import write_ensemble_file

    record = dict(ens.record)
    record.pop("_path", None)
    record["checks"] = {k: v for k, v in out.items() if k != "targets"}
    record["checks"]["targets"] = out["targets"]
    write_ensemble_file(ENSEMBLE_FILE, record)
    from gutbrain.results.io import to_json, write_text_atomic

    write_text_atomic(OUT / "checks.json", to_json(out))
    print(json.dumps(out, indent=1, default=str)[:6000])


if __name__ == "__main__":
    main()
