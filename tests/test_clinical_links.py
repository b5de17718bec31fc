"""Issue #14 item 6: background life events in trials (a seeded Poisson stream)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from gutbrain.analysis import trial as trial_mod
from gutbrain.analysis.population import (
    LIFE_EVENT_STREAM,
    background_life_events,
    population,
    stream_value,
)
from gutbrain.analysis.trial_spec import parse_trial
from gutbrain.errors import InputError
from gutbrain.scenario.schedule import build_schedule

SPEC = {"name": "stream", "population": {"preset": "general", "n": 6, "seed": 5},
        "days": 60, "run_in_days": 10, "arms": {"a": [], "b": []}, "outcomes": ["phq9"]}


def test_stream_parameters_have_units_ranges_and_sources():
    for p in LIFE_EVENT_STREAM:
        assert p.unit and p.source.strip() and p.low <= p.value <= p.high, p


def test_background_events_follow_the_stream_and_the_seed():
    days = 365.25
    draws = [background_life_events(days, np.random.default_rng([9, k, 4]))
             for k in range(20000)]
    counts = np.array([len(d) for d, _ in draws])
    # Poisson: mean = variance = rate x 1 year (SE of the mean ~0.009 at 20,000 persons)
    assert abs(counts.mean() - stream_value("rate")) < 0.04
    assert abs(counts.var() / counts.mean() - 1.0) < 0.05
    day = np.concatenate([d for d, _ in draws])
    sev = np.concatenate([s for _, s in draws])
    assert np.all(day == np.floor(day)) and day.min() >= 0 and day.max() < days
    assert np.all(np.diff(draws[0][0]) >= 0)  # in time order
    lo, hi = stream_value("severity_low"), stream_value("severity_high")
    assert lo <= sev.min() and sev.max() <= hi
    assert abs(sev.mean() - 0.5 * (lo + hi)) < 0.01
    again = background_life_events(days, np.random.default_rng([9, 3, 4]))
    assert all(np.array_equal(a, b) for a, b in zip(again, draws[3], strict=True))


def test_background_events_reach_each_person_as_life_event_boluses():
    pop = population("general", 6, seed=5)
    model = pop.model
    i_event = model.state_index("life_event_stress")
    persons = np.arange(6)
    out = {}
    for on in (False, True):
        spec = parse_trial({**SPEC, "background_life_events": on})
        sc = trial_mod._arm_scenario(spec, "a")
        scheds = [build_schedule(model, sc, p, state=y)
                  for p, y in zip(pop.params, pop.state, strict=True)]
        out[on] = trial_mod._person_segments(model, spec, scheds, persons, seed=5,
                                             mood_z=np.zeros(6))
    grid_off, _, b_off = out[False]
    grid, _, b_on = out[True]
    assert not b_off[..., i_event].any()
    end = SPEC["run_in_days"] + SPEC["days"]
    for k in persons:
        day, sev = background_life_events(end, np.random.default_rng([5, int(k), 4]))
        assert np.isclose(b_on[k, :, i_event].sum(), sev.sum())
        for d, s in zip(day, sev, strict=True):  # each event lands on its own day's segment
            assert grid[np.searchsorted(grid, d)] == d
            assert b_on[k, np.searchsorted(grid, d), i_event] >= s - 1e-12
    assert set(grid_off) <= set(grid)
    # the switch is part of what a trial's chunks depend on (keyed resume)
    assert (trial_mod.trial_digest(parse_trial({**SPEC, "background_life_events": False}))
            != trial_mod.trial_digest(parse_trial({**SPEC, "background_life_events": True})))


def test_trials_meet_life_events_unless_told_not_to():
    """The general population's traits are calibrated on norms of people who meet life
    events, so a trial spec that says nothing runs the stream (README, trial_spec)."""
    assert parse_trial(SPEC).background_life_events is True
    assert parse_trial({**SPEC, "background_life_events": False}).background_life_events is False


def test_trial_json_records_the_stream_only_when_on():
    from gutbrain.analysis.trial import run_trial

    spec = {**SPEC, "population": {"preset": "general", "n": 4, "seed": 5}, "days": 14,
            "run_in_days": 0}
    off, _, _ = run_trial(parse_trial({**spec, "background_life_events": False}))
    on, persons, _ = run_trial(parse_trial(spec))
    assert off["design"]["background_life_events"] is None
    assert on["design"]["background_life_events"] == {p.name: p.value
                                                      for p in LIFE_EVENT_STREAM}
    assert (persons.status == "ok").all()


def test_screening_sees_the_load_of_earlier_background_events():
    off = population("general", 40, seed=8)
    on = population("general", 40, seed=8, background_life_events=True)
    again = population("general", 40, seed=8, background_life_events=True)
    i_event = on.model.state_index("life_event_stress")
    assert np.abs(off.state[:, i_event]).max() < 1e-12
    load = on.state[:, i_event]
    # 1.7 events a year over 180 days: ~57 % of persons met at least one; their load decays
    # at k_event, so most carry some and none more than a few severe events' worth
    assert 0.3 < (load > 1e-3).mean() < 0.9 and load.max() < 3.0
    assert np.array_equal(load, again.state[:, i_event])
    # the stream draws from a child generator: traits and everything else are unchanged
    assert np.array_equal(on.params, off.params)
    assert np.array_equal(on.traits.to_numpy(), off.traits.to_numpy())
    # persons with a recent load screen higher
    assert on.screening.phq9.mean() > off.screening.phq9.mean()


def test_general_population_meets_the_norms_only_with_its_life_events():
    """The traits are calibrated on norms measured in people who meet life events (PHQ-9 mean
    2.9, Kocalevent 2013; PSS-10 13.0, Cohen & Williamson 1988): with the stream the screening
    scores sit near them, without it clearly below."""
    from gutbrain.analysis.trial import run_trial

    spec = {"name": "norms", "population": {"preset": "general", "n": 300, "seed": 11},
            "days": 7, "design": "observational", "arms": {"a": [], "b": []},
            "outcomes": ["phq9", "pss10"]}
    means = {}
    for on in (True, False):
        _, persons, _ = run_trial(parse_trial({**spec, "background_life_events": on}))
        means[on] = persons[["phq9_baseline", "pss10_baseline"]].mean()
    assert 2.4 < means[True]["phq9_baseline"] < 3.6, means
    assert 11.0 < means[True]["pss10_baseline"] < 15.0, means
    assert means[False]["phq9_baseline"] < means[True]["phq9_baseline"] - 0.5, means
    assert means[False]["pss10_baseline"] < means[True]["pss10_baseline"] - 1.5, means


def test_cohort_persons_meet_the_trials_life_events_when_asked():
    from gutbrain.analysis.cohort import with_life_events
    from gutbrain.scenario.schema import Scenario

    pop = population("general", 5, seed=3)
    model = pop.model
    sc = Scenario(name="c", days=200.0)
    scheds = [build_schedule(model, sc, p, state=y)
              for p, y in zip(pop.params, pop.state, strict=True)]
    persons = np.arange(10, 15)  # global person numbers of a later chunk
    grid, P, B = with_life_events(model, scheds, persons, seed=3, days=200.0)
    i_event = model.state_index("life_event_stress")
    mids = 0.5 * (grid[:-1] + grid[1:])
    seg = scheds[0].segment_of(mids)
    for k, person in enumerate(persons):
        day, sev = background_life_events(200.0, np.random.default_rng([3, int(person), 4]))
        assert np.isclose(B[k, :, i_event].sum(), sev.sum())
        for d, s in zip(day, sev, strict=True):
            assert B[k, np.searchsorted(grid, d), i_event] >= s - 1e-12
        assert np.array_equal(P[k], scheds[k].params[seg])  # the schedule is only cut
    assert set(scheds[0].boundaries) <= set(grid)


def test_cohort_life_events_raise_the_stress_load_and_key_the_run(tmp_path):
    from gutbrain.analysis.cohort import run_cohort
    from gutbrain.scenario.schema import Scenario

    sc = Scenario(name="c", days=120.0)
    off = run_cohort(sc, "general", 12, 4, tmp_path / "off", every_days=30.0,
                     observables=("phq9", "pss10"))
    on = run_cohort(sc, "general", 12, 4, tmp_path / "on", every_days=30.0,
                    observables=("phq9", "pss10"), life_events=True)
    assert off["life_events"] is None
    assert on["life_events"] == {p.name: p.value for p in LIFE_EVENT_STREAM}
    read = {k: pd.read_parquet(tmp_path / k / "chunks") for k in ("off", "on")}
    assert read["on"].pss10.mean() > read["off"].pss10.mean() + 1.0
    with pytest.raises(InputError, match="chunks of another cohort run"):
        run_cohort(sc, "general", 12, 4, tmp_path / "off", every_days=30.0,
                   observables=("phq9", "pss10"), life_events=True)
