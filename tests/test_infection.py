"""An acute infection: its inflammatory drive is sized by the CRP rise a user asks for, follows
the time course of common infections, and reaches mood; its schedule is checked like the
others'."""

from __future__ import annotations

import numpy as np
import pytest

import gutbrain
from gutbrain.errors import InputError


def run(interventions, days=40, **kw):
    return gutbrain.simulate({"name": "i", "days": days, "interventions": interventions}, **kw)


@pytest.fixture(scope="module")
def pair():
    onset = 5.0
    base = run([], every_hours=2)
    ill = run([{"type": "infection", "day": onset, "crp_rise_mg_per_l": 30}], every_hours=2)
    return onset, base, ill


def test_the_crp_rise_is_the_one_asked_for_and_peaks_days_after_the_onset(pair):
    onset, base, ill = pair
    rise = ill.crp.values - base.crp.values
    day = ill.day.values
    assert rise.max() == pytest.approx(30.0, rel=0.05)
    # CRP peaks 2-4 days after the onset of a respiratory infection (Melbye 2004)
    assert 2.0 <= day[rise.argmax()] - onset <= 4.0
    # and is mostly back within two weeks (> 10 mg/L in 26 of 41 in week 1, 5 after it)
    assert rise[np.searchsorted(day, onset + 14)] < 3.0


def test_il6_leads_crp_and_nothing_moves_before_the_onset(pair):
    onset, base, ill = pair
    day = ill.day.values
    before = day < onset
    assert np.allclose(ill.il6.values[before], base.il6.values[before])
    assert np.all(ill.infection_il6_drive.values[before] == 0.0)
    d6 = ill.il6.values - base.il6.values
    dcrp = ill.crp.values - base.crp.values
    assert day[d6.argmax()] < day[dcrp.argmax()] - 1.0
    assert 10.0 < d6.max() < 100.0  # tens of pg/mL, not an endotoxin spike (hundreds)


def test_an_infection_lowers_mood_for_weeks_then_fades(pair):
    onset, base, ill = pair
    d = ill.phq9.values - base.phq9.values
    day = ill.day.values
    two_weeks = d[(day > onset + 7) & (day < onset + 21)].mean()
    assert two_weeks > 0.3  # inflammation reaches the slow depressive component
    assert d[-1] < two_weeks  # and fades
    assert float(ill.cortisol.max()) > float(base.cortisol.max())


def test_a_hospital_size_crp_rise_is_met_despite_hepatic_saturation():
    """IL-6 near 300 pg/mL saturates CRP synthesis (K_crp6): a linear sizing fell 13 % short."""
    base = run([], days=20, every_hours=2)
    ill = run([{"type": "infection", "day": 2, "crp_rise_mg_per_l": 150}], days=20,
              every_hours=2)
    assert float((ill.crp - base.crp).max()) == pytest.approx(150.0, rel=0.03)


def test_a_crp_rise_the_liver_cannot_reach_is_refused():
    sc = {"name": "i", "days": 20, "person": {"preset": "healthy_adult", "K_crp6": 20.0},
          "interventions": [{"type": "infection", "day": 2, "crp_rise_mg_per_l": 500}]}
    with pytest.raises(InputError, match="crp_rise_mg_per_l: 500 mg/L is more than"):
        gutbrain.simulate(sc)


def test_a_larger_infection_does_more():
    small = run([{"type": "infection", "day": 2, "crp_rise_mg_per_l": 10}], days=20)
    large = run([{"type": "infection", "day": 2, "crp_rise_mg_per_l": 100}], days=20)
    assert float(large.crp.max()) > 5 * float(small.crp.max())
    assert float(large.phq9.sel(day=slice(8, 20)).mean()) > float(
        small.phq9.sel(day=slice(8, 20)).mean())


def test_repeated_episodes_each_raise_crp_and_those_past_the_end_are_dropped():
    ds = run([{"type": "infection", "day": 2, "episodes": 3, "interval_days": 15,
               "crp_rise_mg_per_l": 30}], days=40, every_hours=6)
    peaks = [float(ds.crp.sel(day=slice(a, a + 10)).max()) for a in (2, 17, 32)]
    assert min(peaks) > 25.0
    # a fourth episode would start on day 47, after the end: not piled onto the last day
    late = run([{"type": "infection", "day": 2, "episodes": 4, "interval_days": 15,
                 "crp_rise_mg_per_l": 30}], days=40, every_hours=6)
    assert np.allclose(late.crp.values, ds.crp.values)


@pytest.mark.parametrize(("item", "expect"), [
    ({"type": "infection", "day": 2, "episodes": 2}, "interval_days"),
    ({"type": "infection", "day": 2, "crp_rise_mg_per_l": 900}, "crp_rise_mg_per_l"),
    ({"type": "infection", "day": 2, "crp_rise_mg_per_l": -5}, "crp_rise_mg_per_l"),
    ({"type": "infection", "day": 50}, "not before the end"),
    ({"type": "infektion", "day": 2}, "infection"),
])
def test_bad_infections_are_refused_with_the_field_named(item, expect):
    with pytest.raises(InputError, match=expect):
        run([item], days=40)


def test_the_example_splits_the_infections_part_from_the_drugs():
    """examples/infection-treated-or-not.yaml: the infection alone raises PHQ-9, and its
    amoxicillin course adds through the gut (gut serotonin falls only with the drug)."""
    from pathlib import Path

    from gutbrain.scenario.loader import load_scenario

    sc = load_scenario(Path(__file__).resolve().parents[1] / "examples"
                       / "infection-treated-or-not.yaml")
    assert [iv.type for iv in sc.interventions] == ["infection", "antibiotic"]
    treated = gutbrain.simulate(sc, every_hours=24)
    untreated = gutbrain.simulate(sc.model_copy(update={"interventions": sc.interventions[:1]}),
                                  every_hours=24)
    none = gutbrain.simulate(sc.model_copy(update={"interventions": []}), every_hours=24)

    def window(ds, var):
        return float(ds[var].sel(day=slice(30, 50)).mean())

    assert window(treated, "phq9") > window(untreated, "phq9") > window(none, "phq9") + 0.3
    assert window(untreated, "serotonin_gut") == pytest.approx(window(none, "serotonin_gut"),
                                                               rel=0.02)
    assert window(treated, "serotonin_gut") < 0.95 * window(none, "serotonin_gut")
