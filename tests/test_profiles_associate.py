"""Associations: prevalence filter before CLR, zero handling, per-feature models, BH q-values,
and a demonstration on the Zhu 2020 schizophrenia cohort (Tjazi guidebook data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from gutbrain.profiles import ProfileError, read_profile
from gutbrain.profiles.associate import (
    RESULT_COLUMNS,
    associate,
    association_report,
    clr,
    match_samples,
    prevalence_filter,
    read_metadata,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ZHU = SHARED / "data" / "cohorts" / "zhu2020_schizophrenia_tjazi"
COVARIATES = ["Sex", "BMI", "Smoker"]


# ---------------------------------------------------------------------------------------------
# building blocks
# ---------------------------------------------------------------------------------------------

def test_clr_zero_replacement_per_sample():
    t = pd.DataFrame({"A": [0.0, 2.0, 8.0], "B": [1.0, 1.0, 4.0]}, index=["f1", "f2", "f3"])
    c = clr(t)
    # sample A: the zero becomes 0.65 × 2 (its smallest non-zero value)
    la = np.log([1.3, 2.0, 8.0])
    assert c["A"].to_numpy() == pytest.approx(la - la.mean())
    assert c.sum().abs().max() < 1e-12  # CLR sums to 0 within each sample
    assert c["B"].to_numpy() == pytest.approx(np.log([1, 1, 4]) - np.log([1, 1, 4]).mean())


def test_prevalence_filter_is_a_fraction_on_raw_values():
    t = pd.DataFrame([[0, 0, 0, 1], [1, 1, 0, 0], [5, 5, 5, 5]], index=["rare", "half", "all"],
                     columns=list("abcd"), dtype=float)
    assert list(prevalence_filter(t, 0.5).index) == ["half", "all"]
    assert list(prevalence_filter(t, 0.25).index) == ["rare", "half", "all"]
    assert list(prevalence_filter(t, 0.5, min_abundance=1).index) == ["all"]
    with pytest.raises(ProfileError, match="fraction"):
        prevalence_filter(t, 10)


def test_match_samples_dash_and_dot():
    mapping, how = match_samples(["x.1", "y.2", "z.3"], ["x-1", "y-2", "w-9"])
    assert mapping == {"x-1": "x.1", "y-2": "y.2"} and how.startswith("normalised")
    mapping, how = match_samples(["a", "b"], ["a", "b", "c"])
    assert how == "exact" and mapping == {"a": "a", "b": "b"}


def _synthetic(n: int = 60, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    group = np.array(["ctrl", "case"] * (n // 2))
    age = rng.normal(40, 10, n)
    base = rng.lognormal(3, 0.3, size=(6, n))
    base[0] *= np.where(group == "case", 1.8, 1.0)  # f0 up in cases
    base[5, : n // 2] = 0.0  # f5 present in half the samples
    base[4, :] = 0.0
    base[4, :3] = 1.0  # f4 rare: 5 % prevalence
    table = pd.DataFrame(base, index=[f"f{i}" for i in range(6)],
                         columns=[f"s{i}" for i in range(n)])
    meta = pd.DataFrame({"group": group, "age": age,
                         "score": 2.0 * np.log(base[0]) + rng.normal(0, 0.5, n)},
                        index=pd.Index([f"s{i}" for i in range(n)], name="sample"))
    return table, meta


def test_associate_logistic_linear_and_formula():
    table, meta = _synthetic()
    res = associate(table, meta, outcome="group", covariates=["age"], reference="ctrl")
    assert list(res.columns) == RESULT_COLUMNS
    assert res.attrs["family"] == "logistic" and res.attrs["outcome_event"] == "case"
    assert res.attrs["n_features_tested"] == 5  # f4 (5 %) removed before normalisation
    top = res.iloc[0]
    assert top.feature == "f0" and top.term == "feature" and top.coef > 0 and top.q < 1e-3
    lin = associate(table, meta, outcome="score", covariates=["age"])
    assert lin.attrs["family"] == "linear"
    assert lin.set_index("feature").loc["f0", "coef"] > 0
    maaslin = associate(table, meta, formula="feature ~ group + age")
    terms = set(maaslin.term)
    assert {"group[T.ctrl]", "age"} <= terms
    f0 = maaslin[(maaslin.feature == "f0") & (maaslin.term == "group[T.ctrl]")].iloc[0]
    assert f0.coef < 0 and f0.n == 60
    f5 = maaslin[maaslin.feature == "f5"].iloc[0]
    assert f5.n_nonzero == 30 and f5.prevalence == 0.5


@pytest.mark.parametrize("kwargs", [
    {"outcome": "group", "covariates": ["age"]},
    {"outcome": "score", "covariates": ["age"]},
    {"formula": "feature ~ group + age"},
    {"formula": "score ~ feature * age"},
])
def test_fast_paths_equal_statsmodels_formula_api(kwargs):
    table, meta = _synthetic()
    meta.loc["s3", "age"] = np.nan  # a missing covariate drops that sample in every path
    fast = associate(table, meta, **kwargs)
    slow = associate(table, meta, engine="formula", **kwargs)
    assert (fast.n == 59).all()
    pd.testing.assert_frame_equal(fast, slow, check_exact=False, rtol=1e-6, atol=1e-10)


def test_associate_errors():
    table, meta = _synthetic()
    with pytest.raises(ProfileError, match="not a metadata column"):
        associate(table, meta, outcome="nope")
    meta3 = meta.assign(tri=np.array(["a", "b", "c"] * 20))
    with pytest.raises(ProfileError, match="has 3 levels"):
        associate(table, meta3, outcome="tri")
    with pytest.raises(ProfileError, match="only 0 samples match"):
        associate(table, meta.set_index(meta.index + "zz"), outcome="group")
    with pytest.raises(ProfileError, match="either outcome"):
        associate(table, meta)
    with pytest.raises(ProfileError, match="does not fit the metadata"):
        associate(table, meta, formula="feature ~ missing_column")


def test_failed_model_is_data_not_a_crash():
    table, meta = _synthetic()
    f1 = clr(prevalence_filter(table, 0.1)).loc["f1"]
    meta = meta.assign(flag=np.where(f1 > f1.median(), "hi", "lo"))
    res = associate(table, meta, outcome="flag")  # f1 separates the outcome perfectly
    row = res[res.feature == "f1"].iloc[0]
    assert row.status != "ok"
    assert (res.status == "ok").sum() >= 3  # the other features are still fitted


def test_read_metadata_duplicates(tmp_path):
    path = tmp_path / "m.tsv"
    path.write_text("id\tgroup\na\tx\nb\ty\na\tz\n")
    with pytest.raises(ProfileError, match=r"duplicated sample 'a' \(first on line 2\)") as e:
        read_metadata(path)
    assert e.value.line == 4


def test_report_markdown_and_html(tmp_path):
    table, meta = _synthetic()
    res = associate(table, meta, outcome="group", covariates=["age"])
    md = association_report(res, tmp_path / "r.md").read_text()
    assert "# gutbrain association report" in md and "| f0" in md
    html = association_report(res, tmp_path / "r.html").read_text()
    assert html.startswith("<!doctype html>") and "<table>" in html and "f0" in html


# ---------------------------------------------------------------------------------------------
# demonstration on the Zhu 2020 schizophrenia cohort (skips without ../shared)
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def zhu():
    if not ZHU.is_dir():
        pytest.skip("../shared cohort data absent: Zhu 2020 association demo skipped")
    meta = read_metadata(ZHU / "metadata.tsv")
    return meta, read_profile(ZHU / "GBMs.tsv").table, read_profile(ZHU / "counts.tsv").table


def _matched(table: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    cols = [i.replace("-", ".") for i in meta.index]  # the guidebook's gsub("-", ".")
    return table[cols]


@pytest.mark.parametrize("which", ["gbm", "genus"])
def test_zhu2020_group_adjusted(zhu, which):
    meta, gbm, counts = zhu
    table = gbm if which == "gbm" else counts
    res = associate(table, meta, outcome="Group", covariates=COVARIATES)
    a = res.attrs
    assert a["n_samples_matched"] == 171 and a["sample_matching"].startswith("normalised")
    # computed independently: features present in >= 10 % of the 171 samples
    raw = _matched(table, meta)
    assert a["n_features_tested"] == int(((raw > 0).mean(axis=1) >= 0.1).sum())
    assert a["n_features_tested"] < a["n_features_in"]
    assert len(res) == a["n_features_tested"] and (res.status == "ok").all()
    assert (res.n == 171).all() and res.p.between(0, 1).all()
    ordered = res.sort_values("p")
    assert np.all(np.diff(ordered.q.to_numpy()) >= -1e-15)  # BH q is monotone in p
    assert (res.q >= res.p - 1e-15).all()
    again = associate(table, meta, outcome="Group", covariates=COVARIATES)
    pd.testing.assert_frame_equal(res, again)


def test_zhu2020_akkermansia_direction_is_robust(zhu):
    meta, _, counts = zhu
    feat = "Akkermansiaceae_Akkermansia"
    logit = associate(counts, meta, outcome="Group", covariates=COVARIATES).set_index("feature")
    linear = associate(counts, meta, formula="feature ~ Group + Sex + BMI + Smoker")
    lin = linear[linear.term == "Group[T.schizophrenia]"].set_index("feature")
    # unadjusted check computed here: CLR difference and Mann-Whitney between diagnoses
    raw = _matched(counts, meta)
    kept = raw[(raw > 0).mean(axis=1) >= 0.1]
    x = clr(kept).loc[feat].to_numpy()
    sz = (meta.Group == "schizophrenia").to_numpy()
    diff = x[sz].mean() - x[~sz].mean()
    p_mwu = stats.mannwhitneyu(x[sz], x[~sz]).pvalue
    assert p_mwu < 0.01
    assert np.sign(logit.loc[feat, "coef"]) == np.sign(lin.loc[feat, "coef"]) == np.sign(diff)
    assert logit.loc[feat, "p"] < 0.01 and lin.loc[feat, "p"] < 0.01
    prev_sz = (raw.loc[feat].to_numpy()[sz] > 0).mean()
    prev_hc = (raw.loc[feat].to_numpy()[~sz] > 0).mean()
    assert np.sign(prev_sz - prev_hc) == np.sign(diff)
