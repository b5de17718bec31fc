"""The observational read of an every-arm trial (trial spec ``observational``,
analysis.observational): each person's outcome in every arm, weighted by how likely they were
to receive that arm's exposure count had nobody assigned it, gives the contrast a cohort study
would see; its ratio to the causal contrast is the confounding the exposure model carries."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from gutbrain.analysis.observational import (
    count_probability,
    exposure_rates,
    observational_contrasts,
)
from gutbrain.analysis.trial_spec import parse_trial
from gutbrain.errors import InputError

ARMS = {"none": [], "one": [], "many": []}
OBS = {"exposure": "courses", "counts": {"none": 0, "one": 1, "many": [2, None]},
       "mean_count": 0.7, "dispersion": 0.3,
       "covariates": {"phq9_true_baseline": {"rate_ratio": 1.25, "per": 12}}}


def _spec(obs: dict | None = None, allocation: str = "every_arm", arms: dict = ARMS,
          outcomes: tuple[str, ...] = ("mde_incidence", "phq9")):
    return parse_trial({"name": "obs", "population": {"preset": "general", "n": 4, "seed": 1},
                        "days": 30, "allocation": allocation, "arms": arms,
                        "outcomes": list(outcomes), "observational": obs or OBS})


def test_the_spec_says_what_is_wrong_with_an_exposure_model():
    assert _spec().observational.counts["many"] == (2, None)
    with pytest.raises(InputError, match="needs allocation every_arm"):
        _spec(allocation="randomised")
    with pytest.raises(InputError, match="no arm named extra"):
        _spec({**OBS, "counts": {**OBS["counts"], "extra": 3}})
    with pytest.raises(InputError, match="first arm"):
        _spec({**OBS, "counts": {"one": 1, "many": 2}})
    with pytest.raises(InputError, match=r"counts\.many.*0 <= low <= high"):
        _spec({**OBS, "counts": {**OBS["counts"], "many": [5, 2]}})
    with pytest.raises(InputError, match="unknown person covariate"):
        _spec({**OBS, "covariates": {"phq9_end": {"rate_ratio": 2.0}}})
    with pytest.raises(InputError, match="mean_count"):
        _spec({**OBS, "mean_count": 0})
    with pytest.raises(InputError, match="per"):
        _spec({**OBS, "covariates": {"phq9_true_baseline": {"rate_ratio": 2.0, "per": 1e-300}}})
    # arms the read leaves out (another exposure) are allowed
    assert "other" not in _spec(arms={**ARMS, "other": []}).observational.counts


def test_count_probabilities_partition_and_keep_the_mean():
    rate = np.array([0.1, 0.7, 3.0])
    for k in (None, 0.3):
        parts = [count_probability(rate, 0, 0, k), count_probability(rate, 1, 1, k),
                 count_probability(rate, 2, 5, k), count_probability(rate, 6, None, k)]
        np.testing.assert_allclose(sum(parts), 1.0, atol=1e-12)
    # Poisson: P(0) = exp(-rate); negative binomial with shape 0.3 and mean 0.67 a year gives
    # the 30 % of UK adults prescribed an antibiotic in a year (Shallcross 2017)
    np.testing.assert_allclose(count_probability(rate, 0, 0, None), np.exp(-rate))
    assert 1 - count_probability(np.array([0.67]), 0, 0, 0.31)[0] == pytest.approx(0.301,
                                                                                  abs=0.002)
    nb = stats.nbinom(0.3, 0.3 / 3.3)
    assert nb.mean() == pytest.approx(3.0)


def test_exposure_rates_keep_the_population_mean_and_the_rate_ratio():
    spec = _spec().observational
    persons = pd.DataFrame({"phq9_true_baseline": [0.0, 12.0, 24.0, 6.0]})
    rate = exposure_rates(spec, persons)
    assert rate.mean() == pytest.approx(0.7)
    assert rate[1] / rate[0] == pytest.approx(1.25) and rate[2] / rate[1] == pytest.approx(1.25)
    with pytest.raises(InputError, match="no column 'phq9_true_baseline'"):
        exposure_rates(spec, pd.DataFrame({"x": [1.0]}))


def _persons(onset: dict[str, np.ndarray], baseline: np.ndarray) -> pd.DataFrame:
    rows = []
    for arm, y in onset.items():
        for i, (v, b) in enumerate(zip(y, baseline, strict=True)):
            rows.append({"person": i, "arm": arm, "status": "ok", "mde_incidence": float(v),
                         "phq9_baseline": b, "phq9_end": b + v, "phq9_true_baseline": b})
    return pd.DataFrame(rows)


def _random_persons(seed: int, n: int) -> pd.DataFrame:
    """Persons below PHQ-9 10 whose onsets rise with the arm's count (15 % without it)."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(0, 9.9, n)
    y0 = rng.random(n) < 0.15
    return _persons({"none": y0, "one": y0 | (rng.random(n) < 0.05),
                     "many": y0 | (rng.random(n) < 0.2)}, base)


def _small_spec(outcomes: list[str], observational: dict) -> dict:
    """A four-person, two-week every-arm spec (the CLI tests' size)."""
    return {"name": "obs", "population": {"preset": "general", "n": 4, "seed": 1}, "days": 14,
            "allocation": "every_arm", "arms": ARMS, "outcomes": outcomes,
            "observational": observational}


def _trial_cli(tmp_path, data: dict, out: str):
    """`gutbrain trial SPEC --out tmp_path/out` on a spec written from ``data``."""
    import yaml
    from typer.testing import CliRunner

    from gutbrain.cli import app

    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    return CliRunner().invoke(app, ["trial", str(spec), "--out", str(tmp_path / out)])


def test_without_a_covariate_the_observational_read_is_the_causal_contrast():
    rng = np.random.default_rng(0)
    base = rng.uniform(0, 9, 400)
    y0 = rng.random(400) < 0.1
    onset = {"none": y0, "one": y0 | (rng.random(400) < 0.05),
             "many": y0 | (rng.random(400) < 0.2)}
    spec = _spec({**OBS, "covariates": {}})
    block = observational_contrasts(spec, _persons(onset, base))
    for c in block["contrasts"]:
        key = "risk_ratio" if c["outcome"] == "mde_incidence" else "mean_difference"
        assert c[key] == pytest.approx(c[f"causal_{key}"])
        assert c["effective_n"] == pytest.approx(400)
        assert c["ci95"][0] < c[key] < c["ci95"][1]
    assert sum(block["share"].values()) == pytest.approx(1.0)


def test_proneness_that_goes_with_the_outcome_raises_the_association():
    """Onsets that only persons with high baseline symptoms have, and an exposure rate rising
    with those symptoms: the exposed look worse than the causal contrast says, more so at
    higher counts (persons with many courses are selected harder), by a known amount."""
    base = np.r_[np.zeros(100), np.full(100, 12.0)]
    y = np.r_[np.zeros(100), np.ones(100)].astype(bool)  # onsets whatever the arm
    block = observational_contrasts(_spec(), _persons({"none": y, "one": y, "many": y}, base))
    rr = {c["arm"]: c for c in block["contrasts"] if c["outcome"] == "mde_incidence"}
    assert rr["one"]["causal_risk_ratio"] == 1.0 == rr["many"]["causal_risk_ratio"]
    assert 1.0 < rr["one"]["risk_ratio"] < rr["many"]["risk_ratio"]
    # by hand: rates 0.7 * 2/2.25 and 0.7 * 2.5/2.25 (mean kept), risk = share of the prone
    lo, hi = 0.7 * 2 / 2.25, 0.7 * 2.5 / 2.25
    p = {n: (count_probability(np.array([lo]), *c, 0.3)[0],
             count_probability(np.array([hi]), *c, 0.3)[0])
         for n, c in (("none", (0, 0)), ("one", (1, 1)))}
    risk = {n: b / (a + b) for n, (a, b) in p.items()}
    assert rr["one"]["risk_ratio"] == pytest.approx(risk["one"] / risk["none"])
    assert rr["one"]["confounding_ratio"] == pytest.approx(rr["one"]["risk_ratio"])
    assert not math.isnan(rr["many"]["ci95"][0])


def test_a_trial_writes_its_observational_read_and_resumes_without_it(tmp_path):
    """End to end: trial.json carries the block; the chunks' digest ignores the read (it is
    analysis only), so a finished run can be read again under another exposure model."""
    from gutbrain.analysis.trial import run_trial, trial_digest

    spec = _spec(arms={"none": [], "one": [{"type": "infection", "day": 0,
                                             "crp_rise_mg_per_l": 30}],
                       "many": [{"type": "infection", "day": 0, "crp_rise_mg_per_l": 30,
                                 "episodes": 2, "interval_days": 10}]})
    result, persons, _ = run_trial(spec)
    block = result["observational"]
    assert block["n_persons"] == 4 and block["exposure"] == "courses"
    assert {c["arm"] for c in block["contrasts"]} == {"one", "many"}
    plain = spec.model_copy(update={"observational": None})
    assert trial_digest(plain) == trial_digest(spec)
    assert "observational" not in run_trial(plain)[0]


def test_the_cli_and_report_show_the_observational_read(tmp_path):
    import json


    data = _small_spec(["mde_incidence"], OBS)
    res = _trial_cli(tmp_path, data, "o")
    assert res.exit_code == 0, res.output
    assert "observational read (courses falling on persons" in res.output
    assert "one vs none · mde_incidence: risk_ratio" in res.output
    report = (tmp_path / "o" / "report.html").read_text()
    assert "<h2>Observational read</h2>" in report and "many 2+" in report
    assert "phq9_true_baseline: rate × 1.25 per 12" in report
    block = json.loads((tmp_path / "o" / "trial.json").read_text())["observational"]
    assert block["counts"]["many"] == [2, None]
    # a bad exposure model is refused before any simulation, naming the field
    data["observational"] = {**OBS, "covariates": {"age": {"rate_ratio": 1.1}}}
    res = _trial_cli(tmp_path, data, "p")
    assert res.exit_code == 2 and "observational.covariates" in res.output
    assert "Traceback" not in res.output


def test_the_example_spec_is_valid():
    from pathlib import Path

    from gutbrain.analysis.trial_spec import load_trial

    spec = load_trial(Path(__file__).resolve().parents[1] / "examples"
                      / "antibiotic-courses-observational.yaml")
    assert spec.allocation == "every_arm"
    assert spec.observational.counts["six_treated_infections"] == (6, None)
    assert spec.observational.covariates["phq9_true_baseline"].rate_ratio == 1.25
    assert spec.observational.records.recording_per_consultation == 0.336
    assert len(spec.observational.records.corners()) == 16


def test_any_valid_exposure_model_gives_finite_shares_and_statistics():
    """Hypothesis over exposure models within the spec's bounds (steep rate ratios, tiny
    `per`, huge or tiny mean counts, Poisson or heavy frailty): the weights never overflow
    into NaN, shares sum to 1 and every statistic is finite or an explicit NaN for an arm no
    person can be in."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    frame = _random_persons(seed=1, n=300)

    @settings(max_examples=60, deadline=None, derandomize=True)
    @given(rr=st.floats(1e-6, 1e6), per=st.floats(1e-6, 1e6), mean=st.floats(1e-6, 1000),
           k=st.one_of(st.none(), st.floats(1e-6, 1e6)))
    def check(rr, per, mean, k):
        obs = {**OBS, "mean_count": mean, "dispersion": k,
               "covariates": {"phq9_true_baseline": {"rate_ratio": rr, "per": per}}}
        block = observational_contrasts(_spec(obs), frame)
        assert sum(block["share"].values()) == pytest.approx(1.0, abs=1e-9)
        empty = {a for a in block["share"] if any(f"arm {a!r}" in w and "undefined" in w
                                                  for w in block["warnings"])}
        for c in block["contrasts"]:
            key = "risk_ratio" if c["outcome"] == "mde_incidence" else "mean_difference"
            assert np.isfinite(c[f"causal_{key}"])
            # undefined only where an arm (or the comparator) holds less than one person,
            # and then said in the warnings
            assert np.isfinite(c[key]) or {c["arm"], "none"} & empty, (c, block["share"])

    check()


def test_a_count_nobody_would_have_is_flagged_not_silently_null():
    """A mean of 1,000 courses leaves no one with none: the comparator holds no weight, so
    every contrast is undefined, and the block says why instead of reporting NaN alone."""
    base = np.linspace(0, 9, 50)
    y = np.r_[np.zeros(25), np.ones(25)].astype(bool)
    spec = _spec({**OBS, "mean_count": 1000.0, "dispersion": None})
    block = observational_contrasts(spec, _persons({"none": y, "one": y, "many": y}, base))
    assert all(math.isnan(c["risk_ratio"]) for c in block["contrasts"]
               if c["outcome"] == "mde_incidence")
    assert any("arm 'none'" in w and "undefined (null)" in w for w in block["warnings"])
    assert block["share"]["many"] == pytest.approx(1.0)


def test_a_lagged_event_window_counts_only_later_episodes(tmp_path):
    """events_from_day: an episode that ends before the window is not counted. Persons in
    a depressive episode at screening (the depressed preset) mostly meet the criterion from day
    0; with the window opening after many have recovered, fewer count, and a window leaving
    less than an episode's 14 days is refused."""
    from gutbrain.analysis.trial import run_trial

    data = {"name": "lag", "population": {"preset": "depressed", "n": 8, "seed": 2},
            "days": 120, "allocation": "every_arm", "arms": {"a": [], "b": []},
            "outcomes": ["mde_incidence"]}
    whole, _, _ = run_trial(parse_trial(data))
    lagged = parse_trial({**data, "events_from_day": 90})
    late, persons, _ = run_trial(lagged)
    from gutbrain.report.trial import write_trial_report

    write_trial_report(lagged, late, persons, tmp_path / "report.html")
    page = (tmp_path / "report.html").read_text()
    assert "counted from day 90 after randomisation" in page
    assert "sustained &gt;= 14 days during follow-up (from day 90 on)" in page
    events = {k: r["arms"]["a"]["outcomes"]["mde_incidence"]["events"]
              for k, r in (("whole", whole), ("late", late))}
    assert events["whole"] >= 6 and events["late"] < events["whole"], events
    assert late["design"]["events_from_day"] == 90
    with pytest.raises(InputError, match="events_from_day: 110 leaves less than the 14 days"):
        parse_trial({**data, "events_from_day": 110})


RECORDS = {"consultations_per_year": 5.16, "consultation_dispersion": 0.7,
           "recording_per_consultation": 0.336, "episode_days": 91.25}


def test_records_without_spread_in_consultations_record_everyone_alike():
    """With a consultation propensity that barely varies, recording is the same in every arm:
    the recorded risk ratio is the observational one and the detection ratio 1."""
    from gutbrain.analysis.observational import propensity_nodes, recorded_share
    from gutbrain.analysis.trial_spec import RecordsSpec

    rng = np.random.default_rng(2)
    base = rng.uniform(0, 9, 300)
    y0 = rng.random(300) < 0.1
    onset = {"none": y0, "one": y0 | (rng.random(300) < 0.05),
             "many": y0 | (rng.random(300) < 0.2)}
    flat = {**RECORDS, "consultation_dispersion": 1e5}
    block = observational_contrasts(_spec({**OBS, "records": flat}), _persons(onset, base))
    rec = RecordsSpec(**flat)
    u, pw = propensity_nodes(rec.consultation_dispersion)
    # Poisson consultations, each recording with probability s: P = 1 - exp(-s * visits)
    assert block["records"]["recorded_share"] == pytest.approx(
        1 - math.exp(-0.336 * 5.16 * 0.25), rel=1e-3)
    assert float(pw @ recorded_share(rec, u)) == pytest.approx(block["records"]["recorded_share"])
    for c in block["contrasts"]:
        if c["outcome"] == "mde_incidence":
            assert c["recorded"]["detection_ratio"] == pytest.approx(1.0, abs=2e-3)
            assert c["recorded"]["risk_ratio"] == pytest.approx(c["risk_ratio"], rel=5e-3)
            assert c["recorded"]["ci95"][0] < c["recorded"]["risk_ratio"] < c["recorded"]["ci95"][1]
        else:
            assert "recorded" not in c  # a score is not a diagnosis in a record


def test_frequent_consulters_are_recorded_more_so_exposure_looks_harmful():
    """Onsets identical in every arm (no causal effect, no covariate): the recorded contrast
    still rises with the count, because persons with more courses consult more; it matches
    the calibration script's population of alike persons (calibration/lurie_detection.py)."""
    from gutbrain.analysis.observational import records_weights
    from gutbrain.analysis.trial_spec import RecordsSpec

    y = np.r_[np.ones(50), np.zeros(150)].astype(bool)
    base = np.full(200, 3.0)
    obs = {**OBS, "covariates": {}, "records": RECORDS}
    block = observational_contrasts(_spec(obs), _persons({"none": y, "one": y, "many": y}, base))
    rr = {c["arm"]: c for c in block["contrasts"] if c["outcome"] == "mde_incidence"}
    assert rr["one"]["risk_ratio"] == pytest.approx(1.0)  # no covariate: no confounding
    assert 1.0 < rr["one"]["recorded"]["risk_ratio"] < rr["many"]["recorded"]["risk_ratio"]
    rec = RecordsSpec(**RECORDS)
    w0, r0 = records_weights(np.array([0.7]), 0, 0, 0.3, rec)
    w1, r1 = records_weights(np.array([0.7]), 1, 1, 0.3, rec)
    assert rr["one"]["recorded"]["risk_ratio"] == pytest.approx((r1 / w1)[0] / (r0 / w0)[0])
    assert rr["one"]["recorded"]["detection_ratio"] == pytest.approx(
        rr["one"]["recorded"]["risk_ratio"])
    # the split frailty keeps the exposure's variance, not its exact shape: P(no course) is
    # 0.674 against the single gamma's 0.697 (a product of gammas is not a gamma)
    assert w0[0] == pytest.approx(count_probability(np.array([0.7]), 0, 0, 0.3)[0], rel=0.05)


def test_the_spec_says_what_is_wrong_with_a_records_model():
    with pytest.raises(InputError, match="records: needs observational.dispersion"):
        _spec({**OBS, "dispersion": None, "records": RECORDS})
    with pytest.raises(InputError, match="records.consultation_dispersion: 0.2 must exceed"):
        _spec({**OBS, "records": {**RECORDS, "consultation_dispersion": 0.2}})
    with pytest.raises(InputError, match="recording_per_consultation"):
        _spec({**OBS, "records": {**RECORDS, "recording_per_consultation": 1.5}})
    with pytest.raises(InputError, match="episode_days"):
        _spec({**OBS, "records": {k: v for k, v in RECORDS.items() if k != "episode_days"}})


def test_any_valid_records_model_gives_finite_recorded_contrasts():
    """Hypothesis over records models within the spec's bounds (rare to constant consulting,
    recording from almost never to always, short to decade-long episodes): the recorded share
    is a probability and every recorded contrast is finite wherever the arm and the
    comparator hold weight and any episode is recorded."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    frame = _random_persons(seed=3, n=200)

    @settings(max_examples=40, deadline=None, derandomize=True)
    @given(k=st.floats(1e-3, 1e3), wider=st.floats(1.001, 1e3), per_year=st.floats(1e-3, 365),
           s=st.floats(1e-6, 1.0), days=st.floats(1e-3, 3650), help_=st.floats(1e-2, 100),
           mean=st.floats(1e-3, 50))
    def check(k, wider, per_year, s, days, help_, mean):
        records = {"consultations_per_year": per_year,
                   "consultation_dispersion": min(k * wider, 1e6),
                   "recording_per_consultation": s, "episode_days": days,
                   "help_seeking": help_}
        obs = {**OBS, "mean_count": mean, "dispersion": k, "records": records}
        block = observational_contrasts(_spec(obs), frame)
        assert 0.0 <= block["records"]["recorded_share"] <= 1.0
        for c in block["contrasts"]:
            if c["outcome"] != "mde_incidence":
                continue
            r = c["recorded"]
            for v in (r["risk_ratio"], r["detection_ratio"]):
                assert math.isnan(v) or (np.isfinite(v) and v >= 0), (c, obs)
            if np.isfinite(r["risk_ratio"]):
                assert r["ci95"][0] <= r["risk_ratio"] <= r["ci95"][1] or r["risk_ratio"] == 0
            if mean <= 5 and block["records"]["recorded_share"] > 1e-3:
                # every count holds weight and episodes are recorded: defined
                assert np.isfinite(r["risk_ratio"]), (c, obs)

    check()


def test_the_cli_and_report_show_the_recorded_read(tmp_path):


    data = _small_spec(["mde_incidence", "phq9"], {**OBS, "records": {**RECORDS, "ranges": {
        "recording_per_consultation": [0.2, 0.5]}}})
    res = _trial_cli(tmp_path, data, "o")
    assert res.exit_code == 0, res.output
    assert "recorded (a diagnosis in a record): risk_ratio" in res.output
    assert "over the records ranges" in res.output
    report = (tmp_path / "o" / "report.html").read_text()
    assert "<th>detection</th>" in report and "of episodes reach the record" in report
    assert "<th>over the records ranges</th>" in report and "at the 2 corners" in report
    data["observational"] = {**OBS, "records": {**RECORDS, "consultation_dispersion": 0.1}}
    res = _trial_cli(tmp_path, data, "p")
    assert res.exit_code == 2 and "records.consultation_dispersion" in res.output
    assert "Traceback" not in res.output


def test_the_observational_metric_reads_the_recorded_contrast():
    """trial_observational with stat recorded_risk_ratio / recorded_detection_ratio reads the
    records-based contrast; without a records block the missing read is named."""
    import json

    import xarray as xr

    from gutbrain.analysis.validation.metrics import Context, compute

    c = {"arm": "one", "vs": "none", "outcome": "mde_incidence", "risk_ratio": 1.06,
         "ci95": [1.01, 1.14], "causal_risk_ratio": 1.05, "effective_n": 300.0,
         "recorded": {"risk_ratio": 1.97, "ci95": [1.87, 2.12], "detection_ratio": 1.85}}
    ctx = Context(runs={"trial": xr.Dataset(attrs={"trial": json.dumps(
        {"observational": {"contrasts": [c, {**c, "arm": "many", "recorded": None}]}})})})
    metric = {"fn": "trial_observational", "outcome": "mde_incidence", "arm": "one"}
    assert compute(ctx, metric).value == pytest.approx(1.06)
    out = compute(ctx, {**metric, "stat": "recorded_risk_ratio"})
    assert out.value == pytest.approx(1.97) and "1.87 to 2.12" in out.detail
    assert compute(ctx, {**metric, "stat": "recorded_detection_ratio"}).value == 1.85
    with pytest.raises(KeyError, match="records block"):
        compute(ctx, {**metric, "arm": "many", "stat": "recorded_risk_ratio"})


def test_records_ranges_give_each_recorded_ratio_its_span():
    """ranges: the recorded ratio at every corner of the ranges; its span holds the central
    read when the central values lie inside, and narrows to it as the ranges close."""
    frame = _random_persons(seed=4, n=200)
    ranges = {"consultation_dispersion": [0.4, 1.6], "recording_per_consultation": [0.22, 0.46]}
    obs = {**OBS, "records": {**RECORDS, "ranges": ranges}}
    block = observational_contrasts(_spec(obs), frame)
    assert block["records"]["corners"] == 4
    for c in block["contrasts"]:
        if c["outcome"] == "mde_incidence":
            lo, hi = c["recorded"]["span"]
            assert lo < c["recorded"]["risk_ratio"] < hi
    tight = {k: [v, v] for k, v in (("consultation_dispersion", 0.7),
                                     ("recording_per_consultation", 0.336))}
    block = observational_contrasts(_spec({**OBS, "records": {**RECORDS, "ranges": tight}}),
                                    frame)
    for c in block["contrasts"]:
        if c["outcome"] == "mde_incidence":
            assert c["recorded"]["span"] == pytest.approx([c["recorded"]["risk_ratio"]] * 2)


def test_the_spec_says_what_is_wrong_with_records_ranges():
    def spec(ranges):
        return _spec({**OBS, "records": {**RECORDS, "ranges": ranges}})

    with pytest.raises(InputError, match="ranges.visits: not a number of the records model"):
        spec({"visits": [1, 2]})
    with pytest.raises(InputError, match=r"ranges.episode_days: expected \[low, high\]"):
        spec({"episode_days": [180, 90]})
    with pytest.raises(InputError, match="ranges.recording_per_consultation: 1.5"):
        spec({"recording_per_consultation": [0.2, 1.5]})
    with pytest.raises(InputError, match="records.ranges.consultation_dispersion: 0.2 must "
                                         "exceed observational.dispersion"):
        spec({"consultation_dispersion": [0.2, 1.6]})
    assert spec({}).observational.records.corners()[0].ranges == {}
