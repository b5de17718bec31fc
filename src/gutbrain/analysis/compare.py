"""Compare two runs: key observables side by side over a window, and why mood differs.

The reference of a scenario, when none is given, is the same person on the same diet with no
interventions (the scenario with its interventions removed): the difference is then what the
interventions did.
"""

from __future__ import annotations

from collections.abc import Sequence
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


def _window(a: xr.Dataset, b: xr.Dataset, window: tuple[float, float] | None
            ) -> tuple[float, float]:
    end = float(min(a.day.max(), b.day.max()))
    if window is None:
        return score_window(a, b, "phq9")
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
    largest PHQ-9 difference, score_window), their difference and relative change,
    and the pathway attribution of the PHQ-9 and GAD-7 difference (analysis.explain)."""
    win = _window(scenario, reference, window)
    sel = {"day": slice(*win)}
    names = [o for o in observables if o in scenario and o in reference]
    rows = []
    if names:
        s_mean, r_mean = scenario[names].sel(sel).mean(), reference[names].sel(sel).mean()
    for o in names:
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


def daily_means(da: xr.DataArray) -> tuple[np.ndarray, np.ndarray]:
    """Whole-day means of a sub-daily series: (day, mean); an incomplete last day (the
    single sample at the end of a run) is dropped so it does not pose as a daily mean."""
    days = np.floor(np.asarray(da.day.values, dtype=float) + 1e-9).astype(int)
    vals = np.asarray(da.values, dtype=float)
    d0 = int(days.min())
    counts = np.bincount(days - d0)
    sums = np.bincount(days - d0, weights=vals)
    full = np.flatnonzero(counts == counts.max())
    return (full + d0).astype(float), sums[full] / counts[full]


def largest_effect_window(days: Sequence[float] | np.ndarray, diff: Sequence[float] | np.ndarray,
                          width: int = 14) -> tuple[float, float]:
    """The ``width``-day window (whole days) where the mean difference is largest in size.

    ``days`` are the first days of consecutive whole days and ``diff`` the daily mean
    difference scenario − reference. Ties go to the earliest window, so an effect that is
    flat after its rise is reported where it is first reached; a run shorter than ``width``
    is one window."""
    d = np.asarray(diff, dtype=float)
    t = np.asarray(days, dtype=float)
    if len(d) <= width:
        return float(t[0]), float(t[-1] + 1)
    sums = np.convolve(d, np.ones(width), "valid") / width
    size = np.round(np.abs(sums), 9)  # solver noise does not decide between equal windows
    k = int(np.argmax(size))
    return float(t[k]), float(t[k] + width)


def score_window(scenario: xr.Dataset, reference: xr.Dataset, var: str,
                 width: int = 14) -> tuple[float, float]:
    """The window of the largest difference of ``var`` between two runs (daily means)."""
    days, s = daily_means(scenario[var])
    days_r, r = daily_means(reference[var])
    n = min(len(s), len(r))
    return largest_effect_window(days[:n], s[:n] - r[:n], width)
