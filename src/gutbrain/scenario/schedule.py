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
from gutbrain.scenario.infection import infection_drive
from gutbrain.scenario.presets import (
    ANTIBIOTICS,
    DIET_FIELDS,
    FMT_ARRIVAL_DAYS,
    FMT_DRY_MASS_G,
    FMT_ENGRAFTMENT,
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
    base: np.ndarray | None = None

    @property
    def baseline(self) -> np.ndarray:
        """Parameters in force before the first intervention (used for the burn-in): the
        person's, without any intervention, even one that starts at day 0 (its first segment's
        parameters would burn a day-0 antibiotic course in as a lifelong one)."""
        return self.params[0] if self.base is None else self.base

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


def _fmt_doses(model: CompiledModel, scenario: s.Scenario, iv: s.FMT, base: dict[str, float],
               p0: np.ndarray, state: np.ndarray | None
               ) -> tuple[dict[str, float], dict[str, float]]:
    """(biomass bolus per state, species inputs per input parameter) of one FMT.

    The donor's species arrive over FMT_ARRIVAL_DAYS at a rate a into the vacancy term
    a (1 - R/C) of the model. A foreign donor's D species are drawn from the guild's pool of
    K (C = K), so D (1 - R/K) of them are new to a recipient with R, and FMT_ENGRAFTMENT = e of
    those establish: integrating over the window gives (K - R)(1 - exp(-a T/K)), so
    a = -K ln(1 - e D/K) / T. An autologous donor's species are the recipient's own (C = D,
    the banked richness): e (D - R) return, a = -D ln(1 - e) / T, never more than were
    banked."""
    from gutbrain.engine.donors import donor_community, person_start  # a preset donor is
    from gutbrain.engine.single import steady_state  # a simulated person (burn-in)

    if iv.donor == "autologous" and state is None:
        state = steady_state(model, p0, start=person_start(model, scenario.person_name()))
    comm = donor_community(model, iv.donor, diet=s.diet_intakes(scenario.diet),
                           recipient_params=p0, recipient_state=state)
    mass = (iv.dry_mass_g or FMT_DRY_MASS_G) / base["V_colon"]
    bolus = {f"B_{g}": mass * share for g, share in comm.shares.items() if share > 0}
    rates = {}
    own = iv.donor == "autologous"
    for g, d in comm.richness.items():
        cap = base[f"species_capacity_{g}"]
        ceiling = d if own else cap
        frac = min(FMT_ENGRAFTMENT * (1.0 if own else d / cap), 0.99)
        if frac > 0 and ceiling > 0:
            rates[f"fmt_species_{g}"] = -ceiling * float(np.log1p(-frac)) / FMT_ARRIVAL_DAYS
            rates[f"fmt_ceiling_{g}"] = ceiling
    return bolus, rates


def _changes(model: CompiledModel, scenario: s.Scenario, base: dict[str, float],
             p0: np.ndarray, state: np.ndarray | None
             ) -> tuple[list[_Change], list[tuple[float, str, float]]]:
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
        elif isinstance(iv, s.Infection):
            size = infection_drive(model, p0, iv.crp_rise_mg_per_l)
            boluses.extend((t, "infection_nascent", size) for t in iv.onsets() if t < horizon)
        elif isinstance(iv, s.FMT):
            bolus, rates = _fmt_doses(model, scenario, iv, base, p0, state)
            boluses.extend((iv.day, name, amount) for name, amount in bolus.items())
            end = min(iv.day + FMT_ARRIVAL_DAYS, horizon)
            arrivals = {k: v for k, v in rates.items() if k.startswith("fmt_species_")}
            if arrivals:
                changes.append(_Change(iv.day, end, "add", arrivals))
                changes.append(_Change(iv.day, end, "set", {
                    k: v for k, v in rates.items() if k.startswith("fmt_ceiling_")}))
        else:  # pragma: no cover - the schema's union is exhaustive
            raise TypeError(type(iv))
    return changes, boluses


def needs_state(scenario: s.Scenario) -> bool:
    """Whether the schedule depends on the person's state before the first intervention (an
    autologous FMT banks it)."""
    return any(isinstance(iv, s.FMT) and iv.donor == "autologous"
               for iv in scenario.interventions)


def build_schedule(model: CompiledModel, scenario: s.Scenario,
                   base_params: np.ndarray | None = None,
                   state: np.ndarray | None = None) -> Schedule:
    """Piecewise-constant inputs and boluses for the whole scenario. ``state``: the person's
    state before the first intervention (their steady state), which an autologous FMT banks;
    computed from the baseline when needed and not given."""
    p0 = person_parameters(model, scenario) if base_params is None else base_params.copy()
    # parameters by name, for the FMT doses only (a dict of 360 entries per person was a
    # third of a trial chunk's schedule building)
    base = ({n: p0[i] for i, n in enumerate(model.param_names)}
            if any(isinstance(iv, s.FMT) for iv in scenario.interventions) else {})
    changes, boluses = _changes(model, scenario, base, p0, state)
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
    return Schedule(bounds, P, B, events, base=p0)


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


__all__ = ["Schedule", "build_schedule", "needs_state", "person_parameters", "sample_times",
           "DIET_FIELDS"]
