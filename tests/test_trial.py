"""Virtual populations and trials (issue #4): screening, randomisation, statistics, scale-out."""

from __future__ import annotations

import json
import math
import textwrap

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from gutbrain.analysis import trial as trial_mod
from gutbrain.analysis.population import population
from gutbrain.analysis.trial import TRIAL_RTOL, hedges_g, risk_ratio, run_trial
from gutbrain.analysis.trial_spec import load_trial
from gutbrain.cli import app

SPEC = textwrap.dedent("""\
    name: probiotic-in-depression
    population: {preset: depressed, n: 24, seed: 7}
    days: 28
    run_in_days: 7
    arms:
      placebo: []
      probiotic:
        - {type: probiotic, genus: multi_strain, cfu_per_day: 1.0e10, start_day: 0, days: 28}
    outcomes: [phq9, hamd17, gad7, il6, cortisol_awakening_response, mde_incidence]
""")


@pytest.fixture(scope="module")
def small_trial(tmp_path_factory):
    d = tmp_path_factory.mktemp("trial")
    (d / "spec.yaml").write_text(SPEC)
    spec = load_trial(d / "spec.yaml")
    result, persons, pop = run_trial(spec, out=d / "out")
    return spec, result, persons, pop, d


def test_population_is_deterministic_and_screened():
    a = population("depressed", 12, seed=3)
    b = population("depressed", 12, seed=3)
    assert np.array_equal(a.params, b.params) and np.array_equal(a.state, b.state)
    assert (a.screening.phq9 >= 10).all()
    c = population("depressed", 12, seed=4)
    assert not np.array_equal(a.params, c.params)
    lgi = population("low_grade_inflammation", 8, seed=1)
    assert (lgi.screening.crp > 3).all()
    # correlated traits stay correlated (Gaussian copula, rho 0.6)
    big = population("general", 1, seed=0)  # builds the model; sampling below is cheap
    from gutbrain.analysis.population import sample_traits

    t = sample_traits("general", 4000, np.random.default_rng(0))
    r = np.corrcoef(t.vulnerability, t.anxiety_trait)[0, 1]
    assert 0.5 < r < 0.7 and len(big) == 1


def test_population_without_criteria_burns_in_only_the_persons_kept(monkeypatch):
    """No inclusion criteria (general): every drawn person is kept, so exactly n are burnt
    in; with criteria (depressed) the draw carries a margin and is screened."""
    import gutbrain.analysis.population as popmod

    screened = []
    real = popmod._screen

    def counting(model, traits, *args, **kwargs):
        screened.append(len(traits))
        return real(model, traits, *args, **kwargs)

    monkeypatch.setattr(popmod, "_screen", counting)
    assert len(popmod.population("general", 24, seed=2)) == 24 and screened == [24]
    screened.clear()
    assert len(popmod.population("depressed", 6, seed=2)) == 6 and sum(screened) > 6


def test_parameter_overrides_reach_every_person_and_beat_sampled_traits():
    pop = population("depressed", 6, seed=3,
                     parameters={"vagal_afferent_gain": 0.0, "stress_sensitivity": 1.0})
    model = pop.model
    for name, value in (("vagal_afferent_gain", 0.0), ("stress_sensitivity", 1.0)):
        assert np.all(pop.params[:, model.param_index(name)] == value)
    free = population("depressed", 6, seed=3)
    # the sampled trait varies without the override; a vagotomy removes the afferent signal
    assert np.ptp(free.params[:, model.param_index("stress_sensitivity")]) > 0
    assert not np.array_equal(pop.state, free.state)


def test_trial_json_layout_and_statistics(small_trial):
    spec, result, persons, _, d = small_trial
    saved = json.loads((d / "out" / "trial.json").read_text())
    assert saved["arms"].keys() == {"placebo", "probiotic"}
    ph = saved["arms"]["placebo"]["outcomes"]["phq9"]
    for key in ("baseline_mean", "baseline_sd", "end_mean", "end_sd", "change_mean",
                "change_sd", "responder_rate", "remission_rate"):
        assert isinstance(ph[key], float)
    assert "rate" in saved["arms"]["placebo"]["outcomes"]["mde_incidence"]
    assert saved["arms"]["placebo"]["n"] + saved["arms"]["probiotic"]["n"] == 24
    by = {(c["arm"], c["outcome"]): c for c in saved["contrasts"]}
    g = by[("probiotic", "phq9")]
    assert g["vs"] == "placebo" and g["ci95"][0] < g["hedges_g"] < g["ci95"][1]
    assert "risk_ratio" in by[("probiotic", "mde_incidence")]
    # beside the change-score contrast, the baseline-adjusted (ANCOVA) one, by the same
    # persons: OLS of the end value on arm and baseline
    a = g["hedges_g_ancova_ci95"]
    assert a[0] < g["hedges_g_ancova"] < a[1] and 0 <= g["p_value_ancova"] <= 1
    okp = persons[persons.status == "ok"]
    X = np.column_stack([np.ones(len(okp)), (okp.arm == "probiotic").to_numpy(float),
                         okp.phq9_baseline.to_numpy()])
    beta = np.linalg.lstsq(X, okp.phq9_end.to_numpy(), rcond=None)[0]
    assert g["mean_difference_ancova"] == pytest.approx(beta[1])
    assert g["ancova_baseline_slope"] == pytest.approx(beta[2])
    assert "hedges_g_ancova" not in by[("probiotic", "mde_incidence")]
    # the solver setting is recorded with the design
    assert saved["design"]["rtol"] == TRIAL_RTOL == 1e-3 and saved["design"]["error_norm"] == "max"
    # persons.parquet: one row per person with arm, traits and outcomes
    df = pd.read_parquet(d / "out" / "persons.parquet")
    assert len(df) == 24 and set(df.arm) == {"placebo", "probiotic"}
    assert {"trait_vulnerability", "phq9_baseline", "phq9_end", "hamd17_end"} <= set(df.columns)
    # test-retest stability: the correlation of each person's recorded baseline and end
    pl = df[df.arm == "placebo"]
    assert ph["retest_r"] == pytest.approx(np.corrcoef(pl.phq9_baseline, pl.phq9_end)[0, 1])
    # the arm means in trial.json are those of persons.parquet
    pl = df[df.arm == "placebo"]
    assert ph["end_mean"] == pytest.approx(pl.phq9_end.mean())
    # screening used PHQ-9 >= 10; baseline (after run-in) stays depressed on average
    assert ph["baseline_mean"] > 10


def test_probiotic_lowers_every_persons_true_score(small_trial):
    """Counterfactual: the same persons in both arms (noise-free model state)."""
    spec, _, _, pop, _ = small_trial
    idx = np.arange(8)
    runs = {arm: trial_mod.simulate_chunk(spec, arm, idx, pop.params[idx], pop.state[idx],
                                          spec.population.seed) for arm in spec.arms}
    diff = runs["probiotic"].phq9_true_end - runs["placebo"].phq9_true_end
    assert (diff < 0).all()
    assert np.allclose(runs["probiotic"].phq9_true_baseline, runs["placebo"].phq9_true_baseline)


def test_resume_reuses_written_chunks(small_trial, monkeypatch):
    spec, result, persons, _, d = small_trial
    chunks = sorted((d / "out" / "chunks").glob("*.parquet"))
    assert len(chunks) == 2
    chunks[1].unlink()  # as if interrupted before the last chunk was written
    calls = []
    real = trial_mod.simulate_chunk

    def counting(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(trial_mod, "simulate_chunk", counting)  # in-process run only
    result2, persons2, _ = run_trial(spec, out=d / "out")
    assert calls == ["probiotic"]  # only the missing chunk was simulated again
    num = persons.select_dtypes("number").columns
    assert np.allclose(persons[num].to_numpy(), persons2[num].to_numpy(), equal_nan=True)


@pytest.mark.slow
def test_dask_workers_give_the_same_result(small_trial, tmp_path):
    spec, _, persons, _, _ = small_trial
    _, persons_dask, _ = run_trial(spec, out=tmp_path / "dask", workers=2)
    num = persons.select_dtypes("number").columns
    assert np.allclose(persons[num].to_numpy(), persons_dask[num].to_numpy(), equal_nan=True)


def test_batch_engine_matches_single_engine():
    import gutbrain
    from gutbrain.compile.build import compile_model
    from gutbrain.engine.batch import integrate_batch, observe_batch
    from gutbrain.engine.single import Tolerances, steady_state
    from gutbrain.scenario.library import builtin_scenario
    from gutbrain.scenario.schedule import build_schedule

    model = compile_model()
    sc = builtin_scenario("antibiotic").model_copy(update={"days": 40})
    ds = gutbrain.simulate(sc, every_hours=6)
    sched = build_schedule(model, sc)
    y0 = steady_state(model, sched.baseline)
    t = ds.day.values
    sol = integrate_batch(model, sched.boundaries, sched.params[None], sched.bolus,
                          y0[None], t, Tolerances())
    obs = observe_batch(model, sol, sched.boundaries, sched.params[None])[0]
    for k, o in enumerate(model.observable_ids):
        ref = ds[o].values
        scale = max(np.abs(ref).max(), 1e-9)
        assert np.allclose(obs[:, k], ref, rtol=1e-3, atol=1e-6 * scale), o


def test_effect_size_formulas_against_hand_values():
    a = np.array([1.0, 2.0, 3.0, 4.0])
    b = np.array([2.0, 3.0, 4.0, 5.0])
    g, lo, hi = hedges_g(a, b)
    sd = math.sqrt(5 / 3)
    j = 1 - 3 / (4 * 8 - 9)
    assert g == pytest.approx(j * (-1) / sd)
    assert lo < g < hi
    rr, lo, hi = risk_ratio(10, 100, 20, 100)
    assert rr == pytest.approx(0.5)
    se = math.sqrt(1 / 10 - 1 / 100 + 1 / 20 - 1 / 100)
    assert lo == pytest.approx(0.5 * math.exp(-1.96 * se))


BAD_TRIALS = {
    "unknown preset": (SPEC.replace("preset: depressed", "preset: zombies"),
                       "population.preset", "unknown population preset"),
    "n zero": (SPEC.replace("n: 24", "n: 0"), "population.n", "greater than 0"),
    "unknown outcome": (SPEC.replace("mde_incidence]", "happiness]"), "outcomes",
                        "unknown outcome 'happiness'"),
    "duplicate arms": (SPEC.replace("  probiotic:", "  placebo:"), "arms.placebo",
                       "duplicated name"),
    "bad intervention": (SPEC.replace("cfu_per_day: 1.0e10", "cfu_per_day: -3"),
                         "arms.probiotic.0.cfu_per_day", "greater than 0"),
    "unknown parameter": (SPEC + "parameters: {happiness_gain: 1.0}\n",
                          "parameters.happiness_gain", "unknown parameter"),
    "parameter out of range": (SPEC + "parameters: {spleen: 5.0}\n", "parameters.spleen",
                               "outside the plausible range"),
}


@pytest.mark.parametrize("case", sorted(BAD_TRIALS))
def test_bad_trial_input_exits_2_and_writes_nothing(tmp_path, case):
    text, field, expected = BAD_TRIALS[case]
    spec = tmp_path / "bad.yaml"
    spec.write_text(text)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["trial", str(spec), "--out", str(out)])
    assert res.exit_code == 2, res.output
    msg = " ".join(res.output.split())
    assert str(spec) in msg and field in msg and expected in msg, msg
    assert not out.exists()


def test_madrs_link_follows_published_linking():
    """The PHQ-9 -> MADRS link is monotone, passes through the equipercentile anchor pairs of
    Kim et al. 2024 (PHQ-9 1/15/27 ~ MADRS 1/24/48) and has, in the moderate band (PHQ-9
    10-15), a slope within the published 1.3-2.0 MADRS points per PHQ-9 point (Kim 2024 change
    linking 1.3-1.45; Leucht 2018 1.3 MADRS per HAM-D17 point) -- not the 3 of severity bands."""
    grid = np.linspace(0.0, 27.0, 271)
    madrs = trial_mod._link(grid, "madrs")
    assert np.all(np.diff(madrs) > 0)
    assert trial_mod._link(np.array([1.0, 15.0, 27.0]), "madrs") == pytest.approx([1, 24, 48])
    lo, hi = trial_mod._link(np.array([10.0, 15.0]), "madrs")
    assert 1.3 <= (hi - lo) / 5.0 <= 2.0
    assert madrs.max() <= trial_mod.SCALE_MAX["madrs"]
    # MADRS remission (< 10) falls in the PHQ-9 mild band, as PHQ-9 remission (< 5) is near it
    assert 5.0 <= float(np.interp(10.0, madrs, grid)) <= 8.0
    # the HAM-D17 link is still the severity-band one and stays monotone
    assert np.all(np.diff(trial_mod._link(grid, "hamd17")) > 0)


def test_ancova_matches_hand_ols_on_a_small_data_set():
    """The ANCOVA contrast is the arm coefficient of OLS end ~ 1 + arm + baseline: checked
    against the normal equations solved by hand, its SE against sigma^2 (X'X)^-1, and g
    against the adjusted difference over the pooled SD of the end values with Hedges' J."""
    from gutbrain.analysis.trial import ancova

    ba, ea = np.array([10.0, 12.0, 15.0, 11.0, 14.0]), np.array([7.0, 10.0, 11.0, 9.0, 9.0])
    bb, eb = np.array([13.0, 9.0, 16.0, 12.0]), np.array([12.0, 8.0, 14.0, 12.0])
    X = np.column_stack([np.ones(9), np.r_[np.ones(5), np.zeros(4)], np.r_[ba, bb]])
    y = np.r_[ea, eb]
    xtx_inv = np.linalg.inv(X.T @ X)
    beta = xtx_inv @ X.T @ y
    resid = y - X @ beta
    s2 = resid @ resid / (9 - 3)
    se = math.sqrt(s2 * xtx_inv[1, 1])
    c = ancova(ba, ea, bb, eb)
    assert c["mean_difference_ancova"] == pytest.approx(beta[1])
    assert c["ancova_baseline_slope"] == pytest.approx(beta[2])
    assert c["mean_difference_ancova_se"] == pytest.approx(se)
    t975 = 2.4469118511449692  # t quantile, 6 df
    lo, hi = c["mean_difference_ancova_ci95"]
    assert lo == pytest.approx(beta[1] - t975 * se) and hi == pytest.approx(beta[1] + t975 * se)
    sd = math.sqrt((4 * ea.var(ddof=1) + 3 * eb.var(ddof=1)) / 7)
    g = (1 - 3 / (4 * 9 - 9)) * beta[1] / sd
    assert c["hedges_g_ancova"] == pytest.approx(g)
    lo, hi = c["hedges_g_ancova_ci95"]
    assert lo < g < hi and hi - g == pytest.approx(t975 * math.sqrt((se / sd) ** 2
                                                                    + g * g / 18))
    # too few persons: undefined, not zero
    assert math.isnan(ancova(ba[:1], ea[:1], bb, eb)["hedges_g_ancova"])


def test_ancova_removes_a_chance_baseline_imbalance_that_biases_change_scores():
    """No treatment effect, arm a recruited 2 points above arm b at baseline; the end value
    regresses to the mean (end = mu + b (baseline - mu) + noise, b = 0.4). The change-score
    difference is biased by -(1 - b) * 2 = -1.2; the ANCOVA difference is ~0."""
    from gutbrain.analysis.trial import ancova, hedges_g

    rng = np.random.default_rng(11)
    n, mu, slope, shift = 4000, 15.0, 0.4, 2.0

    def arm(offset):
        true = rng.normal(mu, 4.0, n)
        base = true + offset + rng.normal(0, 1.0, n)  # the imbalance: who was recruited
        end = mu + slope * (base - mu) + rng.normal(0, 3.0, n)
        return base, end

    ba, ea = arm(shift)
    bb, eb = arm(0.0)
    change_diff = (ea - ba).mean() - (eb - bb).mean()
    imbalance = ba.mean() - bb.mean()
    assert change_diff == pytest.approx(-(1 - slope) * imbalance, abs=0.15)
    assert change_diff < -0.9
    c = ancova(ba, ea, bb, eb)
    assert abs(c["mean_difference_ancova"]) < 0.15
    assert c["mean_difference_ancova_ci95"][0] < 0 < c["mean_difference_ancova_ci95"][1]
    assert c["ancova_baseline_slope"] == pytest.approx(slope, abs=0.03)
    assert abs(c["hedges_g_ancova"]) < 0.04 < abs(hedges_g(ea - ba, eb - bb)[0])


def test_biomarkers_carry_their_measured_visit_cv():
    """Recorded IL-6, TNF, CRP and 08:00 cortisol are the model state times a log-normal visit
    factor of mean 1 and the biomarker's published within-person CV; scores' own noise and
    noise-free outcomes are untouched; CRP keeps the stream it had before the others joined."""
    from gutbrain.analysis.trial import BIOMARKER_CV, OUTCOME_ORDER, _visit_noise

    assert BIOMARKER_CV == {"crp": 0.42, "il6": 0.27, "tnf": 0.15, "cortisol": 0.21}
    assert OUTCOME_ORDER["crp"] == 0
    true = np.array([2.0, 2.0])
    for outcome, cv in BIOMARKER_CV.items():
        rec = np.array([_visit_noise(true, outcome, 5, p) for p in range(4000)]) / true
        assert rec.mean() == pytest.approx(1.0, abs=0.02)
        assert rec.std() == pytest.approx(cv, rel=0.08)
        # baseline and end are independent visits
        assert abs(np.corrcoef(np.log(rec[:, 0]), np.log(rec[:, 1]))[0, 1]) < 0.05
    sig = math.sqrt(math.log1p(0.42**2))
    old_crp = true * np.exp(np.random.default_rng([5, 7, 3, 0]).normal(-0.5 * sig**2, sig, 2))
    assert np.array_equal(_visit_noise(true, "crp", 5, 7), old_crp)
    assert np.array_equal(_visit_noise(true, "richness", 5, 7), true)
