"""Model-uncertainty intervals of a trial's contrasts (``gutbrain trial --uncertainty``).

The trial's ``ci95`` is sampling uncertainty: which persons happened to be recruited. The
``model_interval`` added beside it is parameter uncertainty: the same trial (same population
seed, same randomisation and visit noise: common random numbers) rerun in each of the first
``draws`` members of the posterior ensemble, the member's constants fixed for everyone, and
the 5th-95th percentile (90 %) of the contrast's effect (Hedges' g, or the risk ratio of a
binary outcome) over the members. The two are kept apart on purpose: one shrinks with n, the
other does not, and adding them would hide which one a larger trial can fix.

Cost: ``draws`` whole trials. Why a prefix of the ensemble: its members are stored shuffled,
so the first k are a random subsample of the posterior. A 5th/95th percentile from k draws is
itself uncertain; its Monte-Carlo error (bootstrap SD of the 95th percentile) is recorded
beside the intervals, so a user can see whether more ``--draws`` are worth their cost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gutbrain.errors import InputError, SolverError

DEFAULT_DRAWS = 40


def _effect(c: dict[str, Any]) -> tuple[str, float]:
    key = "risk_ratio" if "risk_ratio" in c else "hedges_g"
    v = c.get(key)
    return key, float("nan") if v is None else float(v)


def model_intervals(spec: Any, draws: int = DEFAULT_DRAWS, ensemble: Any = None,
                    progress: Callable[[str], None] | None = None
                    ) -> tuple[dict[tuple[str, str], list[float | None]], dict[str, Any]]:
    """Per contrast (arm, outcome): [q05, q95] of its effect over ``draws`` ensemble members,
    and the record of how they were made. Parameters the spec fixes win over the ensemble."""
    from gutbrain.analysis.trial import run_trial
    from gutbrain.analysis.uncertainty.ensemble import load_ensemble

    ens = ensemble if ensemble is not None else load_ensemble()
    values = ens.members(draws)
    held = set(spec.parameters)
    effects: dict[tuple[str, str], list[float]] = {}
    kinds: dict[tuple[str, str], str] = {}
    failed: dict[str, int] = {}
    for i, member in enumerate(values):
        fixed = {n: float(v) for n, v in zip(ens.names, member, strict=True) if n not in held}
        fixed.update(spec.parameters)
        try:
            result, _, _ = run_trial(spec.model_copy(update={"parameters": fixed}))
        except (InputError, SolverError) as exc:
            key = str(exc).split(":")[0][:80]
            failed[key] = failed.get(key, 0) + 1
            continue
        for c in result["contrasts"]:
            kind, v = _effect(c)
            effects.setdefault((c["arm"], c["outcome"]), []).append(v)
            kinds[(c["arm"], c["outcome"])] = kind
        if progress:
            progress(f"ensemble member {i + 1}/{len(values)}")
    intervals: dict[tuple[str, str], list[float | None]] = {}
    mc_error: dict[str, float | None] = {}
    for key, vs in effects.items():
        v = np.asarray(vs, dtype=float)
        v = v[np.isfinite(v)]
        if len(v) < 2:
            intervals[key] = [None, None]
            mc_error[f"{key[0]}:{key[1]}"] = None
            continue
        intervals[key] = [float(np.quantile(v, 0.05)), float(np.quantile(v, 0.95))]
        boot = np.random.default_rng(0).choice(v, (200, len(v)))  # seeded bootstrap
        mc_error[f"{key[0]}:{key[1]}"] = float(np.std(np.quantile(boot, 0.95, axis=1)))
    ran = len(values) - sum(failed.values())
    info = {**ens.provenance(), "draws": int(len(values)), "draws_ran": int(ran),
            "failed_draws": failed, "held_by_spec": sorted(held & set(ens.names)),
            "statistic": {f"{a}:{o}": k for (a, o), k in kinds.items()},
            "monte_carlo_sd_of_q95": mc_error,
            "meaning": "model_interval: 90 % interval of the contrast's effect over posterior "
                       "parameter sets (same persons in every set); ci95: sampling "
                       "uncertainty of the persons in one set. Kept apart, not combined"}
    if ran < 2:
        raise SolverError(f"trial --uncertainty: {ran} of {len(values)} ensemble members ran "
                          f"({failed}); no interval can be given")
    return intervals, info


def attach_intervals(result: dict[str, Any], intervals: dict[tuple[str, str], list],
                     info: dict[str, Any]) -> dict[str, Any]:
    """Add ``model_interval`` (and what it is an interval of) to each contrast, and the
    record under ``uncertainty``."""
    for c in result["contrasts"]:
        c["model_interval"] = intervals.get((c["arm"], c["outcome"]), [None, None])
        c["model_interval_of"] = _effect(c)[0]
    result["uncertainty"] = info
    return result


__all__ = ["DEFAULT_DRAWS", "attach_intervals", "model_intervals"]
