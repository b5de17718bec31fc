"""Property-based fuzzing of the scenario schema and the trial spec (issue #16 item 7): any
input gives a clean error (ScenarioError, an InputError) or a valid object whose schedule is
finite; never another exception type, never a file outside the folder given."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gutbrain.analysis.trial_spec import parse_trial
from gutbrain.errors import InputError
from gutbrain.scenario.loader import ScenarioError, load_scenario, parse_scenario
from gutbrain.scenario.schedule import build_schedule
from gutbrain.scenario.schema import INTERVENTION_TYPES

FUZZ = settings(max_examples=80, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

numbers = st.one_of(st.integers(-10, 10**6), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([0, 1, 7, 30, 0.5, 1e10, 1e300, -1.0]))
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=12),
                    st.sampled_from(["western", "high_fiber", "healthy_adult", "amoxicillin",
                                     "lactobacillus", "inulin", "healthy", "general"]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12)
FIELDS = ["start_day", "days", "day", "class", "courses", "interval_days", "genus",
          "cfu_per_day", "kind", "g_per_day", "pattern", "servings_per_day", "level",
          "mindfulness_min_per_day", "exercise_min_per_week", "ng_per_kg", "infusion_hours",
          "miu", "times_per_week", "mg", "minutes", "severity", "donor", "dry_mass_g"]
interventions = st.builds(
    lambda t, extra: {"type": t, **extra},
    st.sampled_from([*INTERVENTION_TYPES, "unknown", 3]),
    st.dictionaries(st.sampled_from(FIELDS), st.one_of(numbers, scalars), max_size=5))
persons = st.one_of(st.sampled_from(["healthy_adult", "depressive_episode", "nobody"]),
                    st.dictionaries(st.sampled_from(["preset", "vagal_afferent_gain",
                                                     "stress_level", "bogus", "profile"]),
                                    scalars, max_size=3))
diets = st.one_of(st.sampled_from(["western", "plant_based", "pizza"]),
                  st.dictionaries(st.sampled_from(["base", "fiber_g", "protein_g", "fibre_g"]),
                                  scalars, max_size=3))
scenarios = st.fixed_dictionaries(
    {}, optional={"name": scalars, "days": numbers, "seed": numbers, "person": persons,
                  "diet": diets, "interventions": st.lists(interventions, max_size=4),
                  "extra": values})


@FUZZ
@given(scenarios)
def test_scenario_schema_gives_a_clean_error_or_a_finite_schedule(model, data):
    try:
        sc = parse_scenario(data)
    except ScenarioError as exc:
        assert str(exc).startswith("<scenario>")
        return
    sched = build_schedule(model, sc)
    assert np.isfinite(sched.params).all() and np.isfinite(sched.bolus).all()
    assert sched.boundaries[0] == 0.0 and math.isclose(sched.boundaries[-1], sc.days)


@FUZZ
@given(st.text(max_size=200))
def test_scenario_text_gives_a_clean_error_or_a_scenario(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("fuzz") / "s.yaml"
    path.write_text(text)
    try:
        load_scenario(path)
    except ScenarioError as exc:
        assert str(path) in str(exc)
    assert sorted(p.name for p in path.parent.iterdir()) == ["s.yaml"]


trials = st.fixed_dictionaries(
    {}, optional={
        "name": scalars, "days": numbers, "run_in_days": numbers, "diet": scalars,
        "population": st.fixed_dictionaries({}, optional={
            "preset": st.sampled_from(["general", "depressed", "x"]), "n": numbers,
            "seed": numbers, "inclusion": st.dictionaries(
                st.sampled_from(["phq9_min", "crp_max", "bogus"]), numbers, max_size=2)}),
        "arms": st.dictionaries(st.text(max_size=10), st.lists(interventions, max_size=2),
                                max_size=3),
        "outcomes": st.lists(st.sampled_from(["phq9", "gad7", "il6", "nope"]), max_size=3),
        "parameters": st.dictionaries(st.sampled_from(["vagal_afferent_gain", "x"]),
                                      scalars, max_size=2),
        "allocation": st.sampled_from(["randomised", "every_arm", "x"]),
        "events_from_day": numbers,
        "observational": st.one_of(values, st.fixed_dictionaries({}, optional={
            "counts": st.dictionaries(st.text(max_size=6), st.one_of(
                numbers, st.lists(st.one_of(st.none(), numbers), max_size=3)), max_size=3),
            "mean_count": numbers, "dispersion": st.one_of(st.none(), numbers),
            "covariates": st.dictionaries(
                st.sampled_from(["phq9_true_baseline", "trait_vulnerability", "age"]),
                st.fixed_dictionaries({}, optional={"rate_ratio": numbers, "per": numbers}),
                max_size=2),
            "records": st.one_of(values, st.fixed_dictionaries({}, optional={
                "consultations_per_year": numbers, "consultation_dispersion": numbers,
                "recording_per_consultation": numbers, "episode_days": numbers,
                "help_seeking": numbers, "ranges": st.dictionaries(
                    st.sampled_from(["episode_days", "consultation_dispersion", "bogus"]),
                    st.lists(numbers, max_size=3), max_size=2)}))}))})


@FUZZ
@given(trials)
def test_trial_spec_gives_a_clean_error_or_a_spec(data):
    try:
        spec = parse_trial(data)
    except InputError:
        return
    per_arm = len(spec.arms) if spec.allocation == "randomised" else 1
    assert len(spec.arms) >= 2 and spec.population.n >= 2 * per_arm
    assert all("/" not in a and ".." not in a for a in spec.arms)
    assert spec.events_from_day == 0 or spec.events_from_day <= spec.days - 14
    if spec.observational is not None:  # a read the analysis can make: every count named
        assert spec.allocation == "every_arm"
        assert next(iter(spec.arms)) in spec.observational.counts
        assert set(spec.observational.counts) <= set(spec.arms)
        rec = spec.observational.records
        if rec is not None:  # the split frailty exists: consultations narrower than exposure
            assert spec.observational.dispersion is not None
            assert rec.consultation_dispersion > spec.observational.dispersion
            assert 0 < rec.recording_per_consultation <= 1
            for corner in rec.corners():  # every corner is a valid records model
                assert corner.consultation_dispersion > spec.observational.dispersion
                assert 0 < corner.episode_days <= 3650
