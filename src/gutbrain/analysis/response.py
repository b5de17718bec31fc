"""Population response: one scenario's interventions across n virtual persons.

Each sampled person lives through the scenario and through its reference (the same person and
diet without the interventions, ``compare.default_reference``); the per-person difference of
the means over one window is the person's response. This is the "it varies from person to
person" answer: the spread of ΔPHQ-9, ΔGAD-7 and key physiology, and the share who improve.

The window is the 14 days where the population's mean PHQ-9 difference is largest (the
rule ``compare`` uses for one person), so every person is read over the same days.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from gutbrain.analysis.cohort import check_cohort_options, cohort_chunk, cohort_population_args
from gutbrain.analysis.compare import default_reference, largest_effect_window
from gutbrain.analysis.population import COHORT_RTOL, population
from gutbrain.errors import InputError
from gutbrain.scenario.schema import Scenario

RESPONSE_OBSERVABLES = ("phq9", "gad7", "cortisol", "il6", "crp", "butyrate", "shannon",
                        "barrier_integrity", "serotonin_brain", "vagal_afferent")
EVERY_DAYS = 0.25  # four samples a day, so window means average over the daily rhythm
CHUNK = 50  # persons per batch solve: progress is reported after each
# a fall of at least this many points counts as "improved" (half a point of a continuous
# score: a change too small to be noise of the solver, far below what a clinician notices)
IMPROVE_POINTS = 0.5
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


class DeadlineExceeded(RuntimeError):
    """The caller's time budget ran out between two chunks."""


def _daily(df: pd.DataFrame, var: str) -> pd.DataFrame:
    """person x whole day means of one observable (the incomplete last day dropped)."""
    d = df.assign(whole=np.floor(df.day + 1e-9).astype(int))
    table = d.pivot_table(index="person", columns="whole", values=var, aggfunc="mean")
    counts = d.groupby("whole").size()
    full = counts.index[counts == counts.max()]
    return table[full]


def _summary(values: np.ndarray) -> dict[str, Any]:
    v = values[np.isfinite(values)]
    if not len(v):
        return {"mean": None, "sd": None, "quantiles": {}, "values": []}
    return {"mean": float(v.mean()), "sd": float(v.std(ddof=1)) if len(v) > 1 else None,
            "quantiles": {f"{q:g}": float(np.quantile(v, q)) for q in QUANTILES},
            "values": [float(x) for x in values]}


def check_window(window: Any, days: float) -> tuple[float, float]:
    """Two numbers, start before end, inside the scenario's days; at least one day long, so
    the window mean covers the daily rhythm."""
    ok = (isinstance(window, list | tuple) and len(window) == 2
          and all(isinstance(x, int | float) and not isinstance(x, bool) for x in window))
    if not ok or not all(np.isfinite(window)):
        raise InputError(f"window: expected two numbers [start, end] in days, got {window!r}")
    a, b = float(window[0]), float(window[1])
    if not 0 <= a < b <= days:
        raise InputError(f"window: expected 0 <= start < end <= {days:g} (the scenario's "
                         f"days), got [{a:g}, {b:g}]")
    if b - a < 1:
        raise InputError(f"window: at least one day long (the mean covers the daily rhythm), "
                         f"got {b - a:g} days")
    return a, b


def population_response(scenario: Scenario, preset: str = "general", n: int = 200,
                        seed: int = 0, observables: tuple[str, ...] = RESPONSE_OBSERVABLES,
                        progress: Callable[[float, str], None] | None = None,
                        deadline: float | None = None,
                        window: tuple[float, float] | None = None) -> dict[str, Any]:
    """Per-person responses (scenario − reference, window means) of n persons of a
    population preset. ``progress(fraction, message)`` is called after each step;
    ``deadline`` (a ``time.monotonic()`` value) stops the work between chunks. ``window``
    (days start, end) fixes where responses are read, e.g. at the end of a course as a trial
    reads them; by default the 14 days of the largest mean effect."""
    if not scenario.interventions:
        raise InputError("interventions: a population response needs at least one "
                         "intervention (the reference is the scenario without them)")
    if window is not None:
        window = check_window(window, scenario.days)
    if "phq9" not in observables:
        observables = ("phq9", *observables)
    check_cohort_options(scenario, n, EVERY_DAYS, observables)
    report = progress or (lambda f, m: None)
    report(0.0, f"sampling and screening {n} persons")
    pop = population(preset, n, seed, rtol=COHORT_RTOL, **cohort_population_args(scenario))
    runs = {"scenario": scenario, "reference": default_reference(scenario)}
    frames: dict[str, list[pd.DataFrame]] = {k: [] for k in runs}
    starts = list(range(0, n, CHUNK))
    steps = len(starts) * len(runs)
    done = 0
    for c in starts:
        idx = np.arange(c, min(n, c + CHUNK))
        for key, sc in runs.items():
            if deadline is not None and time.monotonic() > deadline:
                raise DeadlineExceeded(f"stopped after {done} of {steps} steps")
            frames[key].append(cohort_chunk(sc.model_dump_json(by_alias=True), idx,
                                            pop.params[idx], pop.state[idx], EVERY_DAYS,
                                            observables, COHORT_RTOL))
            done += 1
            report(0.1 + 0.9 * done / steps, f"simulated {min(n, c + CHUNK)} of {n} persons "
                   f"({key})")
    s, r = (pd.concat(frames[k], ignore_index=True) for k in runs)
    failed = sorted(set(s.person[s.status != 0]) | set(r.person[r.status != 0]))
    d_s, d_r = _daily(s, "phq9"), _daily(r, "phq9")
    ok = ~d_s.index.isin(failed)
    mean_diff = (d_s[ok] - d_r[ok]).mean(axis=0).to_numpy()
    win = window or largest_effect_window(d_s.columns.to_numpy(dtype=float), mean_diff)
    in_win = (s.day >= win[0]) & (s.day <= win[1])
    ms = s[in_win].groupby("person")[list(observables)].mean()
    mr = r[in_win].groupby("person")[list(observables)].mean()
    delta = (ms - mr).astype(float)
    delta.loc[delta.index.isin(failed)] = np.nan
    from gutbrain.compile.build import compile_model

    model = compile_model()
    units = model.observable_units()
    out: dict[str, Any] = {
        "scenario": scenario.name, "population": preset, "n": n, "seed": seed,
        "window": list(win), "window_rule": "given" if window else "largest mean effect",
        "failed": len(failed),
        "improve_points": IMPROVE_POINTS,
        "baseline": {o: _summary(pop.screening[o].to_numpy(dtype=float))["mean"]
                     for o in ("phq9", "gad7") if o in pop.screening},
        "observables": {o: {"unit": units.get(o, ""), "reference_mean": float(mr[o].mean()),
                            **_summary(delta[o].to_numpy())} for o in observables},
    }
    valid = np.isfinite(delta["phq9"].to_numpy())
    for score in ("phq9", "gad7"):
        if score in delta:
            v = delta[score].to_numpy()[valid]
            out["observables"][score]["share_improved"] = (
                float(np.mean(v <= -IMPROVE_POINTS)) if len(v) else None)
            out["observables"][score]["share_worse"] = (
                float(np.mean(v >= IMPROVE_POINTS)) if len(v) else None)
    report(1.0, "done")
    return out
