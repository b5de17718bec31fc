"""The rules behind the reports' sentences and plots, against known inputs (no simulation,
no browser): y-ranges, the window of largest effect, plain-language sentences, flags."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from gutbrain.analysis.explain import Contribution, Explanation
from gutbrain.analysis.trial import pool_time_courses
from gutbrain.report import plain
from gutbrain.scenario.schema import Scenario


# ---- y-ranges ----------------------------------------------------------------------------
def test_flat_series_with_solver_noise_gets_a_sane_fixed_range():
    """The bug: a flat butyrate line drifting by 1e-8 was autoscaled to '1e-8+1.772533e1'."""
    noisy = 17.72533 + 1e-8 * np.linspace(0, 1, 120)
    lo, hi = plain.y_range([noisy, np.full(120, 17.72533)])
    assert hi - lo == pytest.approx(0.2 * 17.72533, rel=1e-6)  # ±10% of the level
    assert lo < noisy.min() and noisy.max() < hi
    assert (noisy.mean() - lo) / (hi - lo) == pytest.approx(0.5, abs=1e-6)  # flat, centred


def test_real_changes_are_padded_and_stay_non_negative():
    lo, hi = plain.y_range([np.array([0.1, 4.0, 10.0])])
    assert lo == 0.0 and hi == pytest.approx(10.0 + 0.08 * 9.9)
    lo, hi = plain.y_range([np.array([-2.0, 3.0])])  # data below zero are not clipped
    assert lo == pytest.approx(-2.4) and hi == pytest.approx(3.4)
    assert plain.y_range([np.zeros(5)]) == (0.0, 1.0)  # flat at zero
    assert plain.y_range([np.array([np.nan])]) == (0.0, 1.0)
    lo, hi = plain.y_range([np.array([2.0, 2.1])])  # a 5% change: the minimum span shows it
    assert hi - lo == pytest.approx(0.2 * 2.05)


def test_score_panels_start_at_zero_and_show_at_least_the_mild_band():
    assert plain.score_range("phq9", [np.full(10, 3.0)]) == (0.0, 10.0)
    assert plain.score_range("phq9", [np.array([3.0, 12.2])]) == (0.0, 15.0)
    assert plain.score_range("phq9", [np.array([26.5])]) == (0.0, 27.0)
    assert plain.score_range("gad7", [np.array([20.5])]) == (0.0, 21.0)


# ---- the window of largest effect --------------------------------------------------------
def test_window_of_largest_effect_finds_a_late_peak():
    days = np.arange(120.0)
    bump = 0.5 * np.exp(-0.5 * ((days - 40) / 8) ** 2)  # antibiotic-like: peak on day 40
    assert plain.largest_effect_window(days, bump, 14) == (33.0, 47.0)
    assert plain.largest_effect_window(days, -bump, 14) == (33.0, 47.0)  # size, not sign


def test_window_of_a_plateau_is_where_it_is_first_reached():
    days = np.arange(120.0)
    step = np.where(days >= 14, 1.0, 0.0) + 1e-12 * np.sin(days)  # noise does not decide
    assert plain.largest_effect_window(days, step, 14) == (14.0, 28.0)
    assert plain.largest_effect_window(days[:10], step[:10], 14) == (0.0, 10.0)


def _run(values: dict[str, np.ndarray], days: int = 120) -> xr.Dataset:
    t = np.arange(days * 24 + 1) / 24  # hourly, like simulate()
    return xr.Dataset({k: ("day", np.interp(t, np.arange(days) + 0.5, v))
                       for k, v in values.items()}, coords={"day": t})


def test_score_window_uses_whole_day_means_of_hourly_runs():
    d = np.arange(120.0)
    base = _run({"phq9": np.full(120, 3.0)})
    bumped = _run({"phq9": 3.0 + 0.5 * np.exp(-0.5 * ((d - 42) / 6) ** 2)})
    a, b = plain.score_window(bumped, base, "phq9", 14)
    assert a <= 42 <= b and b - a == 14
    days, means = plain.daily_means(base.phq9)
    assert len(days) == 120 and days[0] == 0 and np.allclose(means, 3.0)  # day 120 dropped


# ---- plain language ----------------------------------------------------------------------
@pytest.mark.parametrize(("score", "ref", "new", "window", "text"), [
    ("phq9", 3.0, 3.4, (35, 49), "PHQ-9 rose 0.4 points (3.0 → 3.4, minimal; days 35–49): "
                                 "well below the ~5-point change clinicians notice."),
    ("phq9", 3.0, 10.0, None, "PHQ-9 rose 7.0 points (3.0 → 10.0, minimal → moderate): at or "
                              "above the ~5-point change clinicians notice."),
    ("gad7", 10.5, 8.3, (59, 73), "GAD-7 fell 2.2 points (10.5 → 8.3, moderate → mild; days "
                                  "59–73): below the ~4-point change clinicians notice."),
    ("phq9", 3.01, 3.03, None, "PHQ-9 barely moved (3.0 → 3.0, minimal)."),
])
def test_change_sentences(score, ref, new, window, text):
    assert plain.change_sentence(score, ref, new, window) == text


def test_severity_bands_match_the_published_cut_offs():
    """PHQ-9 5/10/15/20 (Kroenke 2001), GAD-7 5/10/15 (Spitzer 2006)."""
    phq = [(0, "minimal"), (4.99, "minimal"), (5, "mild"), (9.9, "mild"), (10, "moderate"),
           (15, "moderately severe"), (19.9, "moderately severe"), (20, "severe"),
           (27, "severe")]
    assert [plain.severity("phq9", v) for v, _ in phq] == [b for _, b in phq]
    gad = [(4.9, "minimal"), (5, "mild"), (10, "moderate"), (15, "severe"), (21, "severe")]
    assert [plain.severity("gad7", v) for v, _ in gad] == [b for _, b in gad]
    assert plain.SCALES["phq9"].mcid == 5 and plain.SCALES["gad7"].mcid == 4


def _explanation(change: float) -> Explanation:
    vagal = Contribution("vagal", "the gut→brain vagal signal", 0.15,
                         [("vagal_afferent", 1.0, 0.85), ("serotonin_gut", 1.0, 0.75),
                          ("butyrate", 17.7, 10.0)])
    inflam = Contribution("inflammation", "inflammation", 0.05,
                          [("neuroinflammation", 1.0, 1.05), ("il6", 1.2, 1.8),
                           ("tnf", 9.0, 9.1)])
    stress = Contribution("stress", "perceived stress", -0.03,
                          [("perceived_stress", 0.1, 0.09)])
    tiny = Contribution("serotonin", "brain serotonin", 0.01,
                        [("serotonin_brain", 1.0, 0.99)])
    return Explanation("phq9", 3.0, 3.0 + change, (19.0, 33.0),
                       [vagal, inflam, stress, tiny])


def test_pathway_sentence_is_plain_and_names_only_pathways_pushing_the_change():
    text = plain.pathway_sentence(_explanation(0.4))
    assert text == ("In the model this came mainly through the gut→brain vagal signal (−15%; "
                    "gut serotonin −25%, butyrate −44%), then through inflammation (brain "
                    "inflammation +5%, IL-6 +50%).")
    assert "logit" not in text
    # a fall of the score: only pathways that lowered it are named
    assert plain.pathway_sentence(_explanation(-0.4)) == (
        "In the model this came mainly through perceived stress (−10%).")
    details = plain.details_line(_explanation(0.4))
    assert "logit" in details and "days 19–33" in details and "vagal +0.15" in details


def test_big_ratios_read_as_multiples():
    assert plain._rel(0.1, 0.8) == "×8.0"
    assert plain._rel(1.0, 1.01) is None  # under 2%: not worth a reader's time
    assert plain._rel(0.0, 1.0) is None


# ---- intervention windows and flags -------------------------------------------------------
def test_intervention_windows_for_shading():
    sc = Scenario.model_validate({
        "name": "x", "days": 120, "interventions": [
            {"type": "antibiotic", "class": "broad_spectrum", "start_day": 14, "days": 7,
             "courses": 2, "interval_days": 30},
            {"type": "diet", "pattern": "high_fiber", "start_day": 60},
            {"type": "endotoxin", "ng_per_kg": 2, "day": 100.375}]})
    assert plain.intervention_windows(sc) == [(14.0, 21.0, "antibiotic"),
                                              (44.0, 51.0, "antibiotic"),
                                              (60.0, 120.0, "diet"),
                                              (100.375, 101.375, "endotoxin")]


def test_result_against_common_belief_is_flagged_as_the_models():
    sc = Scenario.model_validate({"name": "high_fiber", "days": 120, "interventions": [
        {"type": "diet", "pattern": "high_fiber", "start_day": 14}]})
    d = np.arange(120.0)
    base = _run({"shannon": np.full(120, 2.06)})
    fell = _run({"shannon": np.where(d >= 14, 1.54, 2.06)})
    rose = _run({"shannon": np.where(d >= 14, 2.30, 2.06)})
    flags = plain.belief_flags(sc, fell, base)
    assert len(flags) == 1 and "In the model" in flags[0] and "Wastyk" in flags[0]
    assert "2.06 → 1.54" in flags[0]
    assert plain.belief_flags(sc, rose, base) == []
    # with another lever changed too, the fall is not the diet's alone: no flag
    both = Scenario.model_validate({"name": "mix", "days": 120, "interventions": [
        {"type": "diet", "pattern": "high_fiber", "start_day": 14},
        {"type": "antibiotic", "class": "amoxicillin", "start_day": 30, "days": 7}]})
    assert not any("Wastyk" in f for f in plain.belief_flags(both, fell, base))


def test_antibiotic_rebound_and_full_recovery_are_flagged():
    sc = Scenario.model_validate({"name": "ab", "days": 120, "interventions": [
        {"type": "antibiotic", "class": "broad_spectrum", "start_day": 14, "days": 7}]})
    d = np.arange(120.0)
    base = _run({"shannon": np.full(120, 2.0)})
    course = 2.0 - np.where((d >= 14) & (d < 21), 0.8, 0.0) \
        + 0.2 * np.exp(-0.5 * ((d - 38) / 5) ** 2)
    (flag,) = plain.belief_flags(sc, _run({"shannon": course}), base)
    assert "overshoots" in flag and "day 38" in flag and "Palleja" in flag
    lasting = 2.0 - np.where(d >= 14, 0.3, 0.0)  # never recovers: what people show; no flag
    assert plain.belief_flags(sc, _run({"shannon": lasting}), base) == []


# ---- trial time courses: pooled chunks equal the whole arm --------------------------------
def test_pooled_chunk_time_courses_equal_the_arm_mean_and_sd():
    rng = np.random.default_rng(0)
    values = rng.normal(10, 3, size=(23, 5))
    parts = []
    for rows in (slice(0, 8), slice(8, 9), slice(9, 9), slice(9, 23)):  # uneven, one empty
        v = values[rows]
        mean = v.mean(axis=0) if len(v) else np.zeros(5)
        parts.append({"day": list(range(5)), "n": len(v), "outcomes": {
            "phq9": {"mean": mean.tolist(), "m2": ((v - mean) ** 2).sum(axis=0).tolist()}}})
    pooled = pool_time_courses(parts)
    assert pooled["n"] == 23
    assert np.allclose(pooled["outcomes"]["phq9"]["mean"], values.mean(axis=0), atol=1e-4)
    assert np.allclose(pooled["outcomes"]["phq9"]["sd"], values.std(axis=0, ddof=1),
                       atol=1e-4)
    assert pool_time_courses([parts[0], {}]) is None  # a chunk without one: no time course
