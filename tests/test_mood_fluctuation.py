"""Issue #14 item 6: residual week-to-week affect (the mood_fluctuation input) in the reported
PHQ-9/GAD-7, and its weekly process in populations and trials."""

from __future__ import annotations

import numpy as np
import pytest

from gutbrain.analysis import trial as trial_mod
from gutbrain.analysis.population import (
    MOOD_FLUCTUATION,
    mood_value,
    population,
    weekly_mood,
)
from gutbrain.analysis.trial_spec import parse_trial
from gutbrain.compile.build import compile_model
from gutbrain.engine.single import steady_state
from gutbrain.scenario.schedule import build_schedule


def _observe(model, y, p):
    out = np.zeros(len(model.observable_ids))
    model.module.observe(0.0, y, p, out)
    return {o: out[i] for i, o in enumerate(model.observable_ids)}


def test_parameters_have_units_ranges_and_sources():
    for p in MOOD_FLUCTUATION:
        assert p.unit and p.source.strip() and p.low <= p.value <= p.high, p
    assert mood_value("sd") > 0, "the residual affect is switched off"


def test_fluctuation_shifts_the_reported_scores_on_the_logit_scale():
    model = compile_model()
    p = model.default_parameters()
    y = steady_state(model, p)
    i = model.param_index("mood_fluctuation")
    base = _observe(model, y, p)
    dep, anx = y[model.state_index("depression")], y[model.state_index("anxiety")]
    sick, s_dep = y[model.state_index("sickness")], p[model.param_index("s_dep")]
    # no fluctuation: the slow states as before (no sickness at rest)
    assert base["phq9"] == pytest.approx(27 * dep, rel=1e-3)
    assert base["gad7"] == pytest.approx(21 * anx, rel=1e-3)
    scores = []
    for f in (-3.0, -1.0, 1.0, 3.0):
        p[i] = f
        o = _observe(model, y, p)
        dx = 1 / (1 + np.exp(-(np.log(dep / (1 - dep)) + f)))
        assert o["phq9"] == pytest.approx(27 * (dx + (1 - dx) * s_dep * sick), rel=1e-9)
        scores.append((o["phq9"], o["gad7"]))
    phq, gad = np.array(scores).T
    assert np.all(np.diff(phq) > 0) and np.all(np.diff(gad) > 0)
    assert phq.min() > 0 and phq.max() < 27 and gad.max() < 21
    p[i] = 8.0  # the range end keeps the score on its scale
    assert _observe(model, y, p)["phq9"] <= 27.0


def test_weekly_process_is_stationary_with_its_sd_and_week_to_week_correlation():
    rng = np.random.default_rng(3)
    x = np.array([weekly_mood(rng.standard_normal(), 6, np.random.default_rng([3, k]))
                  for k in range(20000)])
    sd, rho = mood_value("sd"), mood_value("rho")
    assert x.std(axis=0) == pytest.approx(np.full(6, sd), rel=0.03)
    lag1 = np.corrcoef(x[:, 2], x[:, 3])[0, 1]
    assert lag1 == pytest.approx(rho, abs=0.03)
    again = weekly_mood(0.5, 6, np.random.default_rng([3, 7]))
    assert again[0] == pytest.approx(0.5 * sd)


def test_screening_draws_the_residual_affect_and_the_trial_continues_it():
    pop = population("general", 6, seed=5)
    assert "mood_z" in pop.traits  # the screening week's score, not a model parameter
    model = pop.model
    i = model.param_index("mood_fluctuation")
    assert np.all(pop.params[:, i] == 0.0)
    # the screened PHQ-9 moves with the drawn score (measurement noise aside)
    z = pop.traits["mood_z"].to_numpy()
    spec = parse_trial({"name": "mood", "population": {"preset": "general", "n": 6, "seed": 5},
                        "days": 21, "run_in_days": 0, "arms": {"a": [], "b": []},
                        "outcomes": ["phq9"]})
    sc = trial_mod._arm_scenario(spec, "a")
    scheds = [build_schedule(model, sc, p, state=y)
              for p, y in zip(pop.params, pop.state, strict=True)]
    grid, P, _ = trial_mod._person_segments(model, spec, scheds, np.arange(6), seed=5,
                                            mood_z=z)
    week0 = grid[:-1] < 7.0
    assert np.allclose(P[:, week0, i], (mood_value("sd") * z)[:, None])
    later = P[:, ~week0, i]
    assert np.all(np.isfinite(later)) and np.ptp(later) > 0
    # the same person has the same weekly process in every arm (common random numbers)
    sc_b = trial_mod._arm_scenario(spec, "b")
    scheds_b = [build_schedule(model, sc_b, p, state=y)
                for p, y in zip(pop.params, pop.state, strict=True)]
    _, P_b, _ = trial_mod._person_segments(model, spec, scheds_b, np.arange(6), seed=5,
                                           mood_z=z)
    assert np.array_equal(P_b[:, :, i], P[:, :, i])


@pytest.mark.parametrize(("days", "steps"), [(7, 0), (8, 1), (14, 1), (15, 2)])
def test_end_visit_reads_the_week_of_the_residual_affect_it_falls_in(days, steps):
    """A retest over `days` sees as many weekly steps of the residual affect as the end visit
    is whole weeks after baseline, except that a trial ending exactly on a week boundary reads
    the week that ends there (observe_batch takes the segment that is open at the last
    time). clinical.population.gad7-retest-1wk therefore runs 8 days: a 7-day trial would
    compare two visits in the same week of the affect, a 0-day retest as far as that process
    goes."""
    pop = population("general", 4, seed=5)
    model = pop.model
    i = model.param_index("mood_fluctuation")
    spec = parse_trial({"name": "retest", "population": {"preset": "general", "n": 4,
                                                          "seed": 5},
                        "days": days, "run_in_days": 0, "design": "observational",
                        "arms": {"a": [], "b": []}, "outcomes": ["gad7"]})
    sc = trial_mod._arm_scenario(spec, "a")
    scheds = [build_schedule(model, sc, p, state=y)
              for p, y in zip(pop.params, pop.state, strict=True)]
    z = pop.traits["mood_z"].to_numpy()
    grid, P, _ = trial_mod._person_segments(model, spec, scheds, np.arange(4), seed=5,
                                            mood_z=z)
    # the segment each visit reads, as observe_batch picks it
    seg = np.clip(np.searchsorted(grid, [0.0, float(days)], side="right") - 1, 0,
                  len(grid) - 2)
    base, end = P[:, seg[0], i], P[:, seg[1], i]
    assert np.allclose(base, mood_value("sd") * z)
    weekly = trial_mod.weekly_mood_many(z, steps + 1, [np.random.default_rng([5, k, 5])
                                                       for k in range(4)])
    assert np.allclose(end, weekly[:, steps])
    if steps:
        assert not np.allclose(end, base)


def test_visit_noise_is_the_scales_reliable_change_error():
    """The recorded scores' visit noise is the standard error of measurement behind the
    reliable-change thresholds of the NHS Talking Therapies manual (a change counts from 6
    PHQ-9 and 4 GAD-7 points): RCI = 1.96 * sqrt(2) * SEM lies in (5, 6] and (3, 4]."""
    from gutbrain.analysis.population import MEASUREMENT_SD

    rci = {k: 1.96 * np.sqrt(2.0) * v for k, v in MEASUREMENT_SD.items()}
    assert 5.0 < rci["phq9"] <= 6.0, rci
    assert 3.0 < rci["gad7"] <= 4.0, rci


def test_population_constants_key_a_trials_chunks(monkeypatch):
    """A folder of finished chunks is not resumed after the visit noise, the residual affect
    or a trait distribution changed: each is part of the trial's digest."""
    import dataclasses

    from gutbrain.analysis import population as pop_mod

    spec = parse_trial({"name": "digest", "population": {"preset": "general", "n": 4,
                                                         "seed": 1},
                        "days": 14, "arms": {"a": [], "b": []}, "outcomes": ["phq9"]})
    base = trial_mod.trial_digest(spec)
    monkeypatch.setitem(pop_mod.MEASUREMENT_SD, "phq9", 1.4)
    noise = trial_mod.trial_digest(spec)
    monkeypatch.setattr(pop_mod, "MOOD_FLUCTUATION", tuple(
        dataclasses.replace(p, value=0.8) if p.name == "sd" else p
        for p in pop_mod.MOOD_FLUCTUATION))
    mood = trial_mod.trial_digest(spec)
    monkeypatch.setattr(pop_mod, "GENERAL_TRAITS", tuple(
        dataclasses.replace(t, a=-0.8) if t.param == "vulnerability" else t
        for t in pop_mod.GENERAL_TRAITS))
    traits = trial_mod.trial_digest(spec)
    assert len({base, noise, mood, traits}) == 4
    monkeypatch.undo()
    assert trial_mod.trial_digest(spec) == base
