"""Research challenges give physiologically sensible responses (DESIGN §3.3)."""

from __future__ import annotations

import numpy as np
import pytest

import gutbrain


def run(interventions, days=10, **kw):
    return gutbrain.simulate({"name": "c", "days": days, "interventions": interventions}, **kw)


def at(ds, var, t):
    return float(ds[var].sel(day=t, method="nearest"))


@pytest.fixture(scope="module")
def reference():
    return run([], days=100)


def test_dexamethasone_suppresses_next_morning_cortisol(reference):
    ds = run([{"type": "dexamethasone", "mg": 1, "day": 2 + 23 / 24}])
    assert at(ds, "cortisol", 3 + 8 / 24) < 1.8  # DST criterion (Carroll 1981)
    assert at(reference, "cortisol", 3 + 8 / 24) > 5.0
    assert at(ds, "cortisol", 5 + 8 / 24) > 0.7 * at(reference, "cortisol", 5 + 8 / 24)


def test_lab_stressor_gives_a_short_cortisol_peak():
    t0 = 2 + 14 / 24
    ds = run([{"type": "lab_stressor", "day": t0}], every_hours=0.05)
    seg = ds.sel(day=slice(t0, t0 + 3 / 24))
    hours = (seg.day.values - t0) * 24
    c = seg.cortisol.values
    assert c.max() > 1.4 * c[0]
    assert 0.4 <= hours[c.argmax()] <= 1.2  # peak 20-40 min after a 15-min stressor
    assert c[-1] < 0.5 * (c.max() + c[0])  # mostly resolved within 3 h


def test_tryptophan_depletion_lowers_plasma_trp_and_brain_serotonin():
    t0 = 2 + 8 / 24
    ds = run([{"type": "tryptophan_depletion", "day": t0}], every_hours=0.25)
    seg = ds.sel(day=slice(t0, t0 + 1))
    base = at(ds, "trp_plasma", t0 - 0.01)
    assert float(seg.trp_plasma.min()) < 0.35 * base  # -70 to -90% (Young 1985)
    assert 4 <= (float(seg.trp_plasma.idxmin()) - t0) * 24 <= 9
    assert float(seg.serotonin_brain.min()) < 0.85


def test_interferon_alpha_raises_kt_lowers_trp_and_worsens_mood(reference):
    ds = run([{"type": "interferon_alpha", "miu": 3, "times_per_week": 3, "start_day": 7,
               "days": 84}], days=100)
    w = {v: (float(ds[v].sel(day=slice(84, 91)).mean()),
             float(reference[v].sel(day=slice(84, 91)).mean()))
         for v in ("kt_ratio", "trp_plasma", "phq9", "neurodegeneration_risk")}
    assert w["kt_ratio"][0] > 1.3 * w["kt_ratio"][1]  # Raison 2010
    assert w["trp_plasma"][0] < w["trp_plasma"][1]
    assert w["phq9"][0] > w["phq9"][1] + 1.0
    assert w["neurodegeneration_risk"][0] > w["neurodegeneration_risk"][1]


def test_life_event_raises_depression_for_weeks_then_fades():
    ds = run([{"type": "life_event", "severity": 0.8, "day": 7}], days=150)
    p = [at(ds, "phq9", t) for t in (6, 40, 149)]
    assert p[1] > p[0] + 2 and p[2] < p[1]


def test_fmt_speeds_diversity_recovery_after_antibiotics():
    abx = {"type": "antibiotic", "class": "broad_spectrum", "start_day": 7, "days": 7}
    with_fmt = run([abx, {"type": "fmt", "donor": "healthy", "day": 15}], days=30)
    without = run([abx], days=30)
    assert at(with_fmt, "shannon", 16) > at(without, "shannon", 16)


def test_repeated_courses_each_lower_diversity():
    ds = run([{"type": "antibiotic", "class": "ciprofloxacin", "start_day": 10, "days": 5,
               "courses": 3, "interval_days": 40}], days=140)
    h0 = at(ds, "shannon", 9)
    for start in (10, 50, 90):
        assert float(ds.shannon.sel(day=slice(start, start + 8)).min()) < 0.95 * h0


def test_an_intervention_from_day_0_starts_at_day_0(reference):
    """The burn-in uses the person's inputs before any intervention: a course from day 0 (the
    default start_day) begins at day 0, not as a lifelong antibiotic folded into the start
    (it used to: richness 73 instead of 205 at t = 0, PHQ-9 4.1 instead of 3.0)."""
    ds = run([{"type": "antibiotic", "class": "amoxicillin", "start_day": 0, "days": 7}],
             days=10)
    for var in ("richness", "phq9", "cortisol"):
        assert at(ds, var, 0) == pytest.approx(at(reference, var, 0), rel=1e-6)
    assert at(ds, "richness", 7) < 0.8 * at(ds, "richness", 0)


@pytest.mark.parametrize("cls,grows", [("vancomycin", "guild_bacteroides"),
                                       ("clindamycin", "guild_enterobacteriaceae")])
def test_antibiotic_spectra_favour_resistant_guilds(cls, grows):
    ds = run([{"type": "antibiotic", "class": cls, "start_day": 5, "days": 7}], days=20)
    assert at(ds, grows, 12) > 1.5 * at(ds, grows, 4.9)


def test_cholinergic_brake_grades_the_tnf_peak_instead_of_switching_it_off():
    """With the published bolus set, TNF's self-amplification of macrophage activation (kMTNF
    8.65 vs kM 0.04 per h) made activation a switch: tone x5 cut the endotoxin TNF peak by 90 %
    and the activated-macrophage peak by 97 %. The refit set (calibration/immune_refit.py)
    grades it: x3 and x5 both cut within Borovikova's 40-80 %, x5 more than x3, and the
    activated-macrophage peak at x5 keeps ~8 % of the unstimulated one (3 % before)."""
    lps = [{"type": "endotoxin", "ng_per_kg": 2, "day": 2.375}]
    tnf, ma = {}, {}
    for stim in (0.0, 2.0, 4.0):
        ds = gutbrain.simulate({"name": "c", "days": 3, "interventions": lps}, every_hours=0.1,
                               include_states=True, parameters={"vagal_stimulation": stim})
        seg = ds.sel(day=slice(2.375, 2.625))
        tnf[stim], ma[stim] = float(seg.tnf.max()), float(seg.state_MA.max())
    cut3, cut5 = 1 - tnf[2.0] / tnf[0.0], 1 - tnf[4.0] / tnf[0.0]
    assert 0.4 <= cut3 < cut5 <= 0.8
    assert ma[4.0] > 0.06 * ma[0.0]


def test_refit_keeps_the_resting_activation_of_the_published_set():
    """hME is set so that macrophage activation at the resting (translocated) endotoxin equals
    that of the published bolus set, so the chronic calibrations (CRP, IL-6) keep their meaning."""
    from gutbrain.model.immune import MODULE

    v = {p.name: p.value for p in MODULE.parameters}
    ds = gutbrain.simulate({"name": "c", "days": 1}, include_states=True)
    e0, tnf0 = float(ds.state_endotoxin[-1]), float(ds.state_tnf[-1])

    def up(x, k, h):
        return x**h / (x**h + k**h)

    def activation(xme, hme, km, kmtnf, kma, xmtnf, hmtnf):
        # resting activated cells (the primed stage passes its inflow on unchanged at rest)
        return up(e0, xme, hme) * (km + kmtnf * up(tnf0, xmtnf, hmtnf)) / kma

    published = activation(3.3, 1.0, 0.0414, 8.6497, 2.67382, 140.845, 3.16)
    rates = (v["kM"] / 24, v["kMTNF"] / 24, v["kMA"] / 24, v["xMTNF"], v["hMTNF"])
    refit = activation(v["xME"], v["hME"], *rates)
    assert refit == pytest.approx(published, rel=0.1)
    assert activation(v["xME"], 1.0, *rates) > 2 * published


def test_vagus_stimulation_damps_endotoxin_tnf_only_with_spleen():
    lps = [{"type": "endotoxin", "ng_per_kg": 2, "day": 2.375}]
    peaks = {}
    for stim, spleen in ((0.0, 1.0), (2.0, 1.0), (0.0, 0.0), (2.0, 0.0)):
        ds = run(lps, days=3, every_hours=0.1,
                 parameters={"vagal_stimulation": stim, "spleen": spleen})
        # vagal tone adapts over weeks; start from the stimulated steady state
        peaks[(stim, spleen)] = float(ds.tnf.sel(day=slice(2.375, 2.6)).max())
    cut = 1 - peaks[(2.0, 1.0)] / peaks[(0.0, 1.0)]
    # Borovikova 2000: a cut of 40-80 % (tone x3, the top of the human range: 44 % since the
    # refit of the activation terms; the upper bound is tested above)
    assert cut >= 0.4
    # the reflex is a tonic brake through the spleen: without it TNF rises, and stimulation
    # no longer acts (Huston 2006)
    assert peaks[(0.0, 0.0)] > 1.2 * peaks[(0.0, 1.0)]
    assert peaks[(2.0, 0.0)] == pytest.approx(peaks[(0.0, 0.0)], rel=1e-6)
    assert np.isfinite(cut)
