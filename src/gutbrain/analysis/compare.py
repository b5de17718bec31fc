"""Compare two runs: key observables side by side over a window, and why mood differs.

The reference of a scenario, when none is given, is the same person on the same diet with no
interventions (the scenario with its interventions removed): the difference is then what the
interventions did.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import xarray as xr

from gutbrain.analysis.explain import explain
from gutbrain.scenario.schema import Scenario

KEY_OBSERVABLES = ("phq9", "gad7", "cortisol", "il6", "crp", "butyrate", "shannon",
                   "barrier_integrity", "lps_plasma", "trp_plasma", "kyn_plasma",
                   "serotonin_brain", "vagal_afferent")


def default_reference(scenario: Scenario) -> Scenario:
    """The same person, diet, parameters and duration without the interventions."""
    return scenario.model_copy(update={"name": f"{scenario.name} (no interventions)",
                                       "interventions": []})


def largest_effect_window(scenario: xr.Dataset, reference: xr.Dataset, var: str = "phq9",
                          width: float | None = None) -> tuple[float, float]:
    """The window (``width`` days, default an eighth of the run, at least 7) over which the
    daily-mean difference of ``var`` between the runs is largest in size: an effect that
    peaks and fades (an antibiotic course, a stress episode) is measured at its peak, not at
    the end of the run."""
    end = float(min(scenario.day.max(), reference.day.max()))
    width = min(end, max(7.0, end / 8.0)) if width is None else min(width, end)
    days, a = daily_means(scenario.sel(day=slice(0, end)), var)
    _, b = daily_means(reference.sel(day=slice(0, end)), var)
    n = len(days)
    k = max(1, min(n, int(round(width))))
    diff = np.abs(np.convolve(a[:n] - b[:n], np.ones(k) / k, mode="valid"))
    start = float(days[int(np.argmax(diff))]) if diff.size else 0.0
    return (start, min(end, start + width))


def _window(a: xr.Dataset, b: xr.Dataset, window: tuple[float, float] | None
            ) -> tuple[float, float]:
    end = float(min(a.day.max(), b.day.max()))
    if window is None:
        return largest_effect_window(a, b)
    lo, hi = float(window[0]), float(window[1])
    if not (0.0 <= lo < hi <= end + 1e-9):
        from gutbrain.errors import InputError

        raise InputError(f"--window: expected 0 <= start < end <= {end:g} (the shorter run), "
                         f"got {lo:g} {hi:g}")
    return (lo, hi)


def compare_runs(scenario: xr.Dataset, reference: xr.Dataset,
                 window: tuple[float, float] | None = None,
                 observables: tuple[str, ...] = KEY_OBSERVABLES) -> dict[str, Any]:
    """Means of key observables in both runs over ``window`` (default the window of the
    largest PHQ-9 difference, largest_effect_window), their difference and relative change,
    and the pathway attribution of the PHQ-9 and GAD-7 difference (analysis.explain)."""
    win = _window(scenario, reference, window)
    sel = {"day": slice(*win)}
    s_mean, r_mean = scenario.sel(sel).mean(), reference.sel(sel).mean()
    rows = []
    for o in observables:
        if o not in scenario or o not in reference:
            continue
        a, b = float(s_mean[o]), float(r_mean[o])
        rel = (a - b) / abs(b) if abs(b) > 1e-12 else None
        rows.append({"observable": o, "unit": scenario[o].attrs.get("units", ""),
                     "scenario": a, "reference": b, "difference": a - b,
                     "relative_change": rel})
    out: dict[str, Any] = {"window": list(win), "observables": rows, "attribution": {}}
    for score in ("phq9", "gad7"):
        ex = explain(scenario, reference, score=score, window=win)
        out["attribution"][score] = explanation_dict(ex)
    return out


def explanation_dict(ex: Any) -> dict[str, Any]:
    """An Explanation as plain data (for JSON)."""
    return {
        "score": ex.score, "reference": ex.reference, "scenario": ex.scenario,
        "change": ex.change, "window": list(ex.window), "text": ex.text(),
        "pathways": [{"pathway": c.pathway, "label": c.label,
                      "delta_logit": c.delta_logit,
                      "upstream": [{"observable": o, "reference": r, "scenario": v}
                                   for o, r, v in c.upstream]}
                     for c in ex.contributions],
    }


def daily_means(ds: xr.Dataset, var: str) -> tuple[np.ndarray, np.ndarray]:
    """Day numbers and daily means of one observable (for plots)."""
    days, which = np.unique(np.floor(ds.day.values + 1e-9), return_inverse=True)
    sums = np.bincount(which, weights=ds[var].values)
    counts = np.bincount(which)
    full = counts >= 0.5 * counts.max()  # the end sample alone is no day's mean (midnight)
    return days[full], sums[full] / counts[full]
