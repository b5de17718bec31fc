"""Module inference: Omixer-RPM's published values, hand-computed toy cases, and equality with a
brute-force path enumeration written from the Java semantics."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gutbrain.profiles import ProfileError, read_profile
from gutbrain.profiles.modules import (
    ModuleDB,
    automatic_coverage_threshold,
    infer_modules,
    infer_modules_per_taxon,
    ko_only_detectability,
    parse_modules,
    read_module_db,
)

DATA = Path(__file__).resolve().parent / "data" / "profiles"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
MODULES = SHARED / "data" / "modules"


@pytest.fixture(scope="module")
def toy_db() -> ModuleDB:
    return read_module_db(DATA / "toy_modules.txt")


@pytest.fixture(scope="module")
def toy() -> pd.DataFrame:
    return read_profile(DATA / "toy_ko.tsv").table


def _shared(name: str) -> Path:
    path = MODULES / name
    if not path.is_file():
        pytest.skip(f"../shared/data/modules/{name} is absent (reference data kept "
                    "outside the repo): Omixer-RPM reference test skipped")
    return path


# ---------------------------------------------------------------------------------------------
# omixer-rpmR's own expected values (test/runitModules.R) on the GMM database
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def gmm_case() -> tuple[pd.DataFrame, ModuleDB]:
    table = read_profile(_shared("omixer-rpmR_test_matrix.tsv")).table
    return table, read_module_db(_shared("GMMs.v1.07.txt"))


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({}, 5457.398359),
    ({"normalize_by_length": True}, 708.5907183),
    ({"normalize_by_length": True, "distribute": True}, 236.1969061),
])
def test_omixer_rpmr_mf0004(gmm_case, kwargs, expected):
    table, db = gmm_case
    res = infer_modules(table, db, min_coverage=0.66, **kwargs)
    assert res.abundance.loc["MF0004", "S1"] == pytest.approx(expected, rel=0, abs=5e-7)
    assert res.coverage.loc["MF0004", "S1"] == 5 / 7


def test_omixer_rpmr_96_modules_at_coverage_03(gmm_case):
    table, db = gmm_case
    res = infer_modules(table, db, min_coverage=0.3)
    assert res.abundance.shape == (96, 2) and res.coverage.shape == (96, 2)
    # a module is a row when it passes in >= 1 sample; failing samples are 0 in both tables
    assert ((res.coverage >= 0.3).any(axis=1)).all()
    fail = res.coverage.to_numpy() < 0.3
    assert fail.any()
    assert (res.coverage.to_numpy()[fail] == 0).all()
    assert (res.abundance.to_numpy()[fail] == 0).all()


def test_gbm_ko_only_detectability_matches_source_notes():
    det = ko_only_detectability(read_module_db(_shared("GBMs.v1.0.txt")))
    assert len(det) == 56
    assert set(det.loc[det.status == "never", "module"]) == {
        "MGB011", "MGB013", "MGB014", "MGB017", "MGB030", "MGB042"}
    capped = det[det.status == "capped"]
    assert dict(zip(capped.module, capped.max_coverage, strict=True)) == {
        "MGB001": 0.5, "MGB003": 0.5}
    assert (det.status == "full").sum() == 48


def test_gbm_file_without_final_separator_parses():
    db = read_module_db(_shared("GBMs.v1.0.txt"))
    assert len(db) == 56 and db.ids[-1] == "MGB056"
    assert db["MGB001"].name == "Serotonin synthesis I"


# ---------------------------------------------------------------------------------------------
# hand-computed toy cases (tests/data/profiles/toy_modules.txt, toy_ko.tsv; see the comments)
# ---------------------------------------------------------------------------------------------

def test_toy_median_default(toy, toy_db):
    res = infer_modules(toy, toy_db, min_coverage=0)
    ab, cov = res.all_abundance, res.all_coverage
    # T001: S1 best of tied K00001=K00002=4, then K00003=2 -> median(4, 2) = 3
    assert ab.loc["T001"].tolist() == [3.0, 3.0, 6.0]
    assert cov.loc["T001"].tolist() == [1.0, 0.5, 0.5]
    # T002: complex (6+0+0)/3 = 2 beats K00014=1 (partly present complex counts), K00015=5
    assert ab.loc["T002", "S1"] == 3.5 and cov.loc["T002", "S1"] == 1.0
    assert ab.loc["T002", "S2"] == 3.0 and cov.loc["T002", "S2"] == 0.5
    # T003: 2 of 5 steps -> median of present (10, 20)
    assert ab.loc["T003", "S1"] == 15.0 and cov.loc["T003", "S1"] == 0.4
    # T004 median(8, 4); T005 median(8, (8+0)/2)
    assert ab.loc["T004", "S1"] == 6.0 and ab.loc["T005", "S1"] == 6.0
    assert ab.loc["T003", "S2"] == 0.0 and cov.loc["T003", "S2"] == 0.0


def test_toy_median_zero_replaced_with_normalize_by_length(toy, toy_db):
    res = infer_modules(toy, toy_db, min_coverage=0, normalize_by_length=True)
    # T003 S1: median(0, 0, 0, 10, 20) = 0 -> smallest positive step value, 10
    assert res.all_abundance.loc["T003", "S1"] == 10.0
    # T001 S2: median(3, 0) = 1.5 (missing step enters as 0)
    assert res.all_abundance.loc["T001", "S2"] == 1.5
    assert res.all_coverage.loc["T003", "S1"] == 0.4


def test_toy_average_and_sum(toy, toy_db):
    avg = infer_modules(toy, toy_db, min_coverage=0, estimator="average").all_abundance
    tot = infer_modules(toy, toy_db, min_coverage=0, estimator="sum").all_abundance
    avg_n = infer_modules(toy, toy_db, min_coverage=0, estimator="average",
                          normalize_by_length=True).all_abundance
    assert avg.loc["T003", "S1"] == 15.0 and tot.loc["T003", "S1"] == 30.0
    assert avg_n.loc["T003", "S1"] == 6.0
    assert avg.loc["T002", "S1"] == 3.5 and tot.loc["T002", "S1"] == 7.0


def test_toy_distribute_counts_every_appearance_and_divides_the_last(toy, toy_db):
    res = infer_modules(toy, toy_db, min_coverage=0, distribute=True)
    ab = res.all_abundance
    # K00001 appears in T001 and T004 -> halved: T004 S1 median(8, 4/2) = 5
    assert ab.loc["T004", "S1"] == 5.0
    # T001 S3: max(6/2, 0) = 3; T001 S1 unchanged (K00002 = 4 still the best alternative)
    assert ab.loc["T001", "S3"] == 3.0 and ab.loc["T001", "S1"] == 3.0
    # K00041 twice in T005: Java halves only the last appearance -> median(8, (4+0)/2) = 5
    assert ab.loc["T005", "S1"] == 5.0


def test_toy_min_estimator_uses_subunit_coverage(toy, toy_db):
    res = infer_modules(toy, toy_db, min_coverage=0, estimator="min")
    ab, cov = res.all_abundance, res.all_coverage
    # T002 S1: path K00014 + K00015 covers 2/2 subunits (the complex path only 2/4) -> min(1, 5)
    assert ab.loc["T002", "S1"] == 1.0 and cov.loc["T002", "S1"] == 1.0
    # T005 S1: K00041 + (K00041, K00042) -> 2 of 3 subunits, smallest positive 8
    assert cov.loc["T005", "S1"] == 2 / 3 and ab.loc["T005", "S1"] == 8.0
    assert ab.loc["T004", "S1"] == 4.0 and ab.loc["T003", "S1"] == 10.0


def test_toy_automatic_threshold_and_output_shape(toy, toy_db, tmp_path):
    # non-zero coverages: 1.0 x4 (S1), 0.5 x4, 0.4 x1 -> largest jump (4) is below 1.0
    res = infer_modules(toy, toy_db)
    assert res.threshold == 1.0
    assert list(res.abundance.index) == ["T001", "T002", "T004", "T005"]
    assert res.abundance.loc["T001"].tolist() == [3.0, 0.0, 0.0]  # S2, S3 fail -> 0
    paths = res.write(tmp_path / "out")
    written = pd.read_csv(paths["modules.tsv"], sep="\t")
    assert list(written.columns) == ["module", "S1", "S2", "S3"]
    cov = pd.read_csv(paths["modules-coverage.tsv"], sep="\t", index_col=0)
    assert cov.loc["T002"].tolist() == [1.0, 0.0, 0.0]
    assert not list((tmp_path / "out").glob("*.tmp"))


def test_toy_explicit_cutoff_is_inclusive(toy, toy_db):
    res = infer_modules(toy, toy_db, min_coverage=0.4)
    assert "T003" in res.abundance.index and res.abundance.loc["T003", "S1"] == 15.0
    assert "T003" not in infer_modules(toy, toy_db, min_coverage=0.41).abundance.index


def test_ties_between_alternatives_do_not_depend_on_order(toy):
    a = parse_modules("X1\tx\nK00001\tK00002\nK00003\n")
    b = parse_modules("X1\tx\nK00002\tK00001\nK00003\n")
    for est in ("median", "average", "sum", "min"):
        ra = infer_modules(toy, a, min_coverage=0, estimator=est).all_abundance
        rb = infer_modules(toy, b, min_coverage=0, estimator=est).all_abundance
        pd.testing.assert_frame_equal(ra, rb)


@pytest.mark.parametrize(("coverages", "expected"), [
    # jumps 1 (0.75), 4 (0.5), 4 (0.25): the tie goes to the lower coverage -> cut-off 0.5
    ([1.0] * 3 + [0.75] + [0.5] * 4 + [0.25] * 4, 0.5),
    ([1.0] * 2 + [0.5] * 5 + [0.2], 1.0),
    ([0.9] * 2 + [0.8] * 6 + [0.7] * 3 + [0.0] * 50, 0.9),  # zeros are ignored
    ([0.5, 0.5], 0.5),
])
def test_automatic_threshold(coverages, expected):
    assert automatic_coverage_threshold(coverages) == expected


def test_automatic_threshold_none_positive():
    assert math.isnan(automatic_coverage_threshold([0.0, 0.0]))


def test_per_taxon_scores_each_taxon_alone(toy_db):
    idx = pd.MultiIndex.from_tuples([("K00031", "A"), ("K00001", "B"), ("K00003", "B"),
                                     ("K00031", "B")], names=["feature", "taxon"])
    strat = pd.DataFrame([[8.0, 0.0], [4.0, 2.0], [2.0, 2.0], [0.0, 1.0]], index=idx,
                         columns=["S1", "S2"])
    res = infer_modules_per_taxon(strat, toy_db, min_coverage=0.5)
    assert res.coverage.loc[("A", "T004"), "S1"] == 0.5  # only K00031 in taxon A
    assert res.coverage.loc[("B", "T004"), "S2"] == 1.0  # K00031 and K00001 both in B
    assert res.abundance.loc[("B", "T001"), "S1"] == 3.0  # median(4, 2)
    assert res.abundance.loc[("A", "T004"), "S2"] == 0.0  # coverage 0 in S2
    # pooled over taxa, T004 is complete in S1
    pooled = infer_modules(strat.groupby(level="feature").sum(), toy_db, min_coverage=0.5)
    assert pooled.coverage.loc["T004", "S1"] == 1.0
    # a single taxon gives the same numbers as the unstratified table
    one = strat.xs("B", level="taxon")
    single = infer_modules(one, toy_db, min_coverage=0.5)
    b_rows = res.abundance.xs("B", level="taxon")
    pd.testing.assert_frame_equal(b_rows, single.abundance.loc[b_rows.index], check_names=False)


def test_per_taxon_auto_threshold_and_write(toy_db, tmp_path):
    idx = pd.MultiIndex.from_tuples([("K00031", "A"), ("K00032", "A"), ("K00001", "B")],
                                    names=["feature", "taxon"])
    strat = pd.DataFrame([[1.0], [1.0], [1.0]], index=idx, columns=["S1"])
    res = infer_modules_per_taxon(strat, toy_db)
    # non-zero coverages: A/T004 1.0, B/T004 0.5, B/T001 0.5 -> counts (1, 2): cut-off 1.0
    assert res.threshold == 1.0 and list(res.abundance.index) == [("A", "T004")]
    written = pd.read_csv(res.write(tmp_path)["modules.tsv"], sep="\t")
    assert list(written.columns) == ["taxon", "module", "S1"]


# ---------------------------------------------------------------------------------------------
# the per-step method equals Omixer's full path enumeration (reference written from the Java)
# ---------------------------------------------------------------------------------------------

def _legacy_median(values: list[float]) -> float:
    if not values:
        return math.nan
    v = sorted(values)
    pos = 0.5 * (len(v) + 1)
    if pos < 1:
        return v[0]
    if pos >= len(v):
        return v[-1]
    lo, hi = v[int(pos) - 1], v[int(pos)]
    return lo + (pos - math.floor(pos)) * (hi - lo)


def _reference(db: ModuleDB, x: dict[str, float], estimator: str, nbl: bool,
               distribute: bool) -> dict[str, tuple[float, float]]:
    """Enumerate every path like Omixer-RPM 1.1 and keep the first best (coverage, score)."""
    appear = db.appearances()
    out = {}
    for m in db:
        flat = m.flat_ids()
        last = {i: k for k, i in enumerate(flat)}
        k = 0
        steps = []
        for step in m.steps:
            alts = []
            for alt in step:
                vals = []
                for i in alt:
                    v = x.get(i, 0.0)
                    if distribute and appear[i] > 1 and last[i] == k:
                        v = v / appear[i]
                    vals.append(v)
                    k += 1
                alts.append(vals)
            steps.append(alts)
        best = None
        for path in itertools.product(*steps):
            if estimator == "min":
                subs = [v for alt in path for v in alt]
                cov = sum(v > 0 for v in subs) / len(subs)
                score = min((v for v in subs if v > 0), default=0.0)
            else:
                present, observed, total = 0, [], 0.0
                for alt in path:
                    count = 0.0
                    for v in alt:
                        count += v
                    total += count / len(alt)
                    if count > 0:
                        present += 1
                        observed.append(count / len(alt))
                    elif nbl:
                        observed.append(0.0)
                cov = present / len(path)
                if estimator == "median":
                    score = _legacy_median(observed)
                    if score == 0:
                        score = min((v for v in observed if v > 0), default=0.0)
                elif estimator == "average":
                    score = total / (len(path) if nbl else present) if (nbl or present) else (
                        math.nan)
                else:
                    score = total / (len(path) if nbl else 1)
            if best is None or cov > best[0] or (cov >= best[0] and score > best[1]):
                best = (cov, score)
        assert best is not None
        cov, score = best
        out[m.id] = (cov, 0.0 if (math.isnan(score) or cov == 0) else score)
    return out


def _check_against_reference(db: ModuleDB, rng: np.random.Generator, n_samples: int) -> None:
    ids = db.feature_ids()
    # small integers: many zeros and many exact ties between alternatives
    values = rng.integers(0, 4, size=(len(ids), n_samples)).astype(float)
    values[rng.random(values.shape) < 0.4] = 0.0
    table = pd.DataFrame(values, index=ids, columns=[f"S{i}" for i in range(n_samples)])
    for est, nbl, dist in itertools.product(("median", "average", "sum", "min"), (False, True),
                                            (False, True)):
        if est == "min" and nbl:
            continue
        res = infer_modules(table, db, min_coverage=0, estimator=est, normalize_by_length=nbl,
                            distribute=dist)
        for j, s in enumerate(table.columns):
            ref = _reference(db, dict(zip(ids, values[:, j], strict=True)), est, nbl, dist)
            got_c = res.all_coverage[s].to_dict()
            got_a = res.all_abundance[s].to_dict()
            for mid, (c, a) in ref.items():
                assert got_c[mid] == c, (est, nbl, dist, mid, s)
                assert got_a[mid] == a, (est, nbl, dist, mid, s, got_a[mid], a)


def test_matches_path_enumeration_on_toy_modules(toy_db):
    extra = parse_modules(
        "R1\tcomplexes and ties\nK00001,K00002\tK00003\tK00004,K00005,K00006\n"
        "K00007\tK00001\nK00008\nK00002,K00009\tK00010\n///\n"
        "R2\tone step\nK00001\tK00004\n")
    db = ModuleDB(toy_db.modules + extra.modules)
    _check_against_reference(db, np.random.default_rng(1), 25)


def test_matches_path_enumeration_on_gmm_modules():
    db = read_module_db(_shared("GMMs.v1.07.txt"))
    small = ModuleDB(tuple(m for m in db if m.n_paths() <= 200))
    assert len(small) > 80
    _check_against_reference(small, np.random.default_rng(7), 6)


# ---------------------------------------------------------------------------------------------
# database parsing errors and options
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "line", "needle"), [
    ("M1\tname\n///\n", 1, "no step lines"),
    ("///\nM1\tx\nK1\n", 1, "before any module"),
    ("M1\tx\nK1\n///\nM1\ty\nK2\n", 4, "duplicated module ID 'M1'"),
    ("M1\tx\nK1\t\tK2\n", 2, "empty ID"),
    ("M1\tx\nK1,,K2\n", 2, "empty ID"),
])
def test_module_file_errors(text, line, needle):
    with pytest.raises(ProfileError, match=needle) as info:
        parse_modules(text, "db.txt")
    assert info.value.line == line and "db.txt" in str(info.value)


def test_module_file_missing(tmp_path):
    with pytest.raises(ProfileError, match="not found"):
        read_module_db(tmp_path / "nope.txt")


@pytest.mark.parametrize(("kwargs", "needle"), [
    ({"min_coverage": 1.5}, "out of range"),
    ({"estimator": "mode"}, "unknown estimator"),
])
def test_bad_options(toy, toy_db, kwargs, needle):
    with pytest.raises(ProfileError, match=needle):
        infer_modules(toy, toy_db, **kwargs)


def test_duplicate_rows_are_summed_like_omixer(toy_db):
    t = pd.DataFrame({"S1": [2.0, 2.0, 2.0]}, index=["K00001", "K00001", "K00003"])
    res = infer_modules(t, toy_db, min_coverage=0)
    assert res.all_abundance.loc["T001", "S1"] == 3.0  # median(2+2, 2)


def test_appearance_counts_include_repeats(toy_db):
    counts = toy_db.appearances()
    assert counts["K00001"] == 2 and counts["K00041"] == 2 and counts["K00003"] == 1
    assert Counter(toy_db.feature_ids()) == Counter(set(toy_db.feature_ids()))
