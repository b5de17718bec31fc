"""Turn a validated scenario into the engine's input schedule.

The schedule is piecewise constant: segment boundaries, one parameter vector per segment and
state increments (boluses) applied at segment starts. Discontinuities are boundaries, never
if-statements inside the right-hand side (DESIGN §4).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gutbrain.compile.build import CompiledModel
from gutbrain.scenario import schema as s
from gutbrain.scenario.presets import (
    ANTIBIOTICS,
    DIET_FIELDS,
    DONORS,
    FMT_DRY_MASS_G,
    PREBIOTICS,
    PROBIOTICS,
)


@dataclass
class Schedule:
    """Segments [boundaries[k], boundaries[k+1]) with parameters params[k]; bolus[k] is added
    to the state at boundaries[k]."""

    boundaries: np.ndarray
    params: np.ndarray
    bolus: np.ndarray
    events: list[tuple[float, str]] = field(default_factory=list)

    @property
    def baseline(self) -> np.ndarray:
        """Parameters in force before the first intervention (used for the burn-in)."""
        return self.params[0]

    def segment_of(self, t: np.ndarray) -> np.ndarray:
        idx = np.searchsorted(self.boundaries, t, side="right") - 1
        return np.clip(idx, 0, len(self.params) - 1)


@dataclass
class _Change:
    start: float
    end: float
    kind: str  # "set" (latest wins), "add" or "max"
    values: dict[str, float]


def person_parameters(model: CompiledModel, scenario: s.Scenario) -> np.ndarray:
    """Default parameters with the person's preset and overrides, the baseline diet, then the
    scenario's ``parameters`` (research knobs, which win over everything else). Names, types
    and ranges were checked by the schema (gutbrain.scenario.parameters)."""
    p = model.default_parameters()
    for name, value in scenario.person_overrides().items():
        p[model.param_index(name)] = float(value)
    for name, value in s.diet_intakes(scenario.diet).items():
        p[model.param_index(name)] = value
    for name, value in scenario.parameters.items():
        p[model.param_index(name)] = value
    return p


def _changes(scenario: s.Scenario, base: dict[str, float]) -> tuple[list[_Change],
                                                                      list[tuple[float, str,
                                                                                 float]]]:
    horizon = scenario.days
    changes: list[_Change] = []
    boluses: list[tuple[float, str, float]] = []
    for iv in scenario.interventions:
        if isinstance(iv, s.Antibiotic):
            for a, b in iv.windows():
                kills = {f"abx_{g}": k for g, k in ANTIBIOTICS[iv.drug_class].items()}
                changes.append(_Change(a, min(b, horizon), "add", kills))
        elif isinstance(iv, s.Probiotic):
            vals = {}
            for genus, share in PROBIOTICS[iv.genus].items():
                key = "probiotic_lacto_cfu" if genus == "lactobacillus" else "probiotic_bifido_cfu"
                vals[key] = iv.cfu_per_day * share
            changes.append(_Change(iv.start_day, iv.end(horizon), "add", vals))
        elif isinstance(iv, s.Prebiotic):
            changes.append(_Change(iv.start_day, iv.end(horizon), "add",
                                   {PREBIOTICS[iv.kind]: iv.g_per_day}))
        elif isinstance(iv, s.DietChange):
            changes.append(_Change(iv.start_day, iv.end(horizon), "set",
                                   s.diet_intakes(iv.pattern)))
        elif isinstance(iv, s.FermentedFood):
            changes.append(_Change(iv.start_day, iv.end(horizon), "add",
                                   {"fermented_servings": iv.servings_per_day}))
        elif isinstance(iv, s.Stress):
            changes.append(_Change(iv.start_day, iv.end(horizon), "max",
                                   {"stress_level": iv.level}))
        elif isinstance(iv, s.StressReduction):
            changes.append(_Change(iv.start_day, iv.end(horizon), "add", {
                "mindfulness_min": iv.mindfulness_min_per_day,
                "exercise_min": iv.exercise_min_per_week}))
        elif isinstance(iv, s.InterferonAlpha):
            changes.append(_Change(iv.start_day, iv.end(horizon), "add",
                                   {"ifn_alpha": iv.miu * iv.times_per_week}))
        elif isinstance(iv, s.Endotoxin):
            if iv.infusion_hours:
                dur = iv.infusion_hours / 24.0
                changes.append(_Change(iv.day, min(iv.day + dur, horizon), "add",
                                       {"lps_infusion": iv.ng_per_kg / dur}))
            else:
                boluses.append((iv.day, "endotoxin", iv.ng_per_kg))
        elif isinstance(iv, s.LabStressor):
            changes.append(_Change(iv.day, min(iv.day + iv.minutes / 1440.0, horizon), "max",
                                   {"lab_stress": 1.0}))
        elif isinstance(iv, s.Dexamethasone):
            boluses.append((iv.day, "dexamethasone", iv.mg))
        elif isinstance(iv, s.LifeEvent):
            boluses.append((iv.day, "life_event_stress", iv.severity))
        elif isinstance(iv, s.TryptophanDepletion):
            boluses.append((iv.day, "trp_depletion", 1.0))
        elif isinstance(iv, s.FMT):
            comp = DONORS[iv.donor] if isinstance(iv.donor, str) else iv.donor
            total = sum(comp.values())
            mass = (iv.dry_mass_g or FMT_DRY_MASS_G) / base["V_colon"]
            for g, share in comp.items():
                boluses.append((iv.day, f"B_{g}", mass * share / total))
        else:  # pragma: no cover - the schema's union is exhaustive
            raise TypeError(type(iv))
    return changes, boluses


def build_schedule(model: CompiledModel, scenario: s.Scenario,
                   base_params: np.ndarray | None = None) -> Schedule:
    """Piecewise-constant inputs and boluses for the whole scenario."""
    p0 = person_parameters(model, scenario) if base_params is None else base_params.copy()
    base = {n: p0[i] for i, n in enumerate(model.param_names)}
    changes, boluses = _changes(scenario, base)
    cuts = {0.0, float(scenario.days)}
    for c in changes:
        cuts.update((c.start, c.end))
    cuts.update(t for t, _, _ in boluses)
    bounds = np.array(sorted(t for t in cuts if 0.0 <= t <= scenario.days))
    nseg = len(bounds) - 1
    P = np.repeat(p0[None, :], nseg, axis=0)
    # a change acts on the segments whose midpoint lies in [start, end): a slice of segments,
    # found by bisection (linear in the number of changes; 30,000 antibiotic courses made the
    # per-segment scan quadratic). "set" changes first, the latest start winning; then "add"
    # and "max" in scenario order.
    mids = 0.5 * (bounds[:-1] + bounds[1:])

    def segments(c: _Change) -> slice:
        return slice(int(np.searchsorted(mids, c.start, side="left")),
                     int(np.searchsorted(mids, c.end, side="left")))

    for c in sorted((c for c in changes if c.kind == "set"), key=lambda c: c.start):
        for name, v in c.values.items():
            P[segments(c), model.param_index(name)] = v
    for c in changes:
        if c.kind == "set":
            continue
        seg = segments(c)
        for name, v in c.values.items():
            i = model.param_index(name)
            if c.kind == "add":
                P[seg, i] += v
            else:
                P[seg, i] = np.maximum(P[seg, i], v)
    B = np.zeros((nseg, model.n_states))
    for t, state, amount in boluses:
        k = int(np.searchsorted(bounds, t, side="right") - 1)
        B[min(k, nseg - 1), model.state_index(state)] += amount
    events = sorted([(c.start, _describe(c)) for c in changes] +
                    [(t, f"{state} +{amount:g}") for t, state, amount in boluses])
    return Schedule(bounds, P, B, events)


def sample_times(days: float, step: float) -> np.ndarray:
    """0, step, 2 step, ... and always the scenario's end (an interval that does not divide
    the duration used to drop the last day)."""
    n = int(np.floor(days / step + 1e-9))
    t = np.minimum(np.arange(n + 1) * step, days)
    if days - t[-1] > 1e-9 * max(1.0, days):
        t = np.append(t, days)
    return t


def _describe(c: _Change) -> str:
    keys = ", ".join(f"{k}={v:g}" for k, v in list(c.values.items())[:3])
    return f"{c.kind} {keys} until day {c.end:g}"


__all__ = ["Schedule", "build_schedule", "person_parameters", "sample_times", "DIET_FIELDS"]
