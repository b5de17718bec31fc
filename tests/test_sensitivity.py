"""Global sensitivity, the model-free half (issue #15 item 1): SALib sampling and analysis on
the Ishigami function through the same design, chunking, reassembly and analysis code the
model uses; the row-order pitfall; failures dropped as documented; parameter selection."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from gutbrain.analysis import sensitivity as S
from gutbrain.analysis.chunks import run_chunks
from gutbrain.errors import InputError


def _ishigami(method: str, n: int, seed: int = 1):
    design = S.make_design(method, S.ishigami_factors(), n, seed)
    runs = S.ishigami_chunk(np.arange(design.runs), design.values())
    return design, runs.y.to_numpy()


def _index(table: pd.DataFrame, index: str) -> pd.DataFrame:
    return table[table["index"] == index].set_index("parameter")


def test_ishigami_sobol_indices_agree_with_the_analytic_values(tmp_path):
    design = S.make_design("sobol", S.ishigami_factors(), 1024, seed=1)
    runs = S.evaluate(design, S.ishigami_chunk, (), tmp_path, chunk=700, digest="ishigami")
    table, reports = S.analyse(design, {"y": runs.y.to_numpy()}, seed=1)
    assert list(table.columns[:6]) == list(S.COLUMNS)
    exact = S.ishigami_exact()
    assert exact["S1"]["x1"] == pytest.approx(0.3139, abs=1e-4)
    assert exact["ST"]["x3"] == pytest.approx(0.2437, abs=1e-4)
    for index in ("S1", "ST"):
        got = _index(table, index)
        for p, v in exact[index].items():
            assert got.loc[p, "value"] == pytest.approx(v, abs=0.05), (index, p)
            assert got.loc[p, "ci_low"] <= v <= got.loc[p, "ci_high"], (index, p)
    assert reports["y"].blocks == reports["y"].blocks_complete == 1024


def test_ishigami_morris_ranks_and_matches_salib():
    from SALib.analyze import morris

    design, y = _ishigami("morris", 200, seed=2)
    table, _ = S.analyse(design, {"y": y}, seed=2)
    mu_star = _index(table, "mu_star")["value"]
    assert mu_star["x1"] > mu_star["x3"] and mu_star["x2"] > mu_star["x3"]
    ref = morris.analyze(design.problem(), design.unit, y, num_levels=4, seed=2,
                         num_resamples=1000)
    for ours, theirs in (("mu_star", "mu_star"), ("mu", "mu"), ("sigma", "sigma")):
        np.testing.assert_allclose(_index(table, ours)["value"].to_numpy(), ref[theirs],
                                   rtol=1e-12)
    got = _index(table, "mu_star")
    half = (got["ci_high"] - got["ci_low"]).to_numpy() / 2  # percentile vs SALib's normal
    np.testing.assert_allclose(half, ref["mu_star_conf"], rtol=0.25, atol=1e-9)
    assert (got.ci_low <= got.value).all() and (got.value <= got.ci_high).all()


def test_samples_and_outputs_are_matched_by_index_not_by_position():
    """SALib's estimators read rows positionally: outputs out of order corrupt the indices
    silently; chunks that finish in any order are reassembled by sample index."""
    design, y = _ishigami("sobol", 256)
    good, _ = S.analyse(design, {"y": y}, seed=0)
    shuffled = np.random.default_rng(0).permutation(design.runs)
    bad, _ = S.analyse(design, {"y": y[shuffled]}, seed=0)
    assert (bad.value - good.value).abs().max() > 0.2  # the pitfall is real
    tasks = S.sample_tasks(design, 97, ())
    order = np.random.default_rng(5).permutation(len(tasks))
    frames = run_chunks(S.ishigami_chunk, [tasks[i] for i in order])
    runs = S.reassemble(frames, design.runs)
    again, _ = S.analyse(design, {"y": runs.y.to_numpy()}, seed=0)
    pd.testing.assert_frame_equal(again, good)


def test_reassembly_refuses_missing_or_duplicated_samples():
    design, _ = _ishigami("sobol", 8)
    tasks = S.sample_tasks(design, 10, ())
    frames = [S.ishigami_chunk(*args) for _, args in tasks]
    with pytest.raises(ValueError, match="missing or duplicated"):
        S.reassemble(frames[:-1], design.runs)
    with pytest.raises(ValueError, match="missing or duplicated"):
        S.reassemble([*frames, frames[0]], design.runs)


def test_resumed_chunks_give_the_same_indices(tmp_path):
    design = S.make_design("morris", S.ishigami_factors(), 20, seed=3)
    calls: list[str] = []
    first = S.evaluate(design, S.ishigami_chunk, (), tmp_path, chunk=9, digest="d",
                       progress=calls.append)
    assert len(calls) == -(-design.runs // 9)
    (tmp_path / "chunks" / "sens_00002.parquet").unlink()  # as if killed before this one
    calls.clear()
    second = S.evaluate(design, S.ishigami_chunk, (), tmp_path, chunk=9, digest="d",
                        progress=calls.append)
    assert calls == ["sens_00002"]
    pd.testing.assert_frame_equal(first, second)
    with pytest.raises(InputError, match="another sensitivity run"):
        S.evaluate(design, S.ishigami_chunk, (), tmp_path, chunk=9, digest="other")


def test_failed_runs_drop_whole_saltelli_blocks_in_order():
    from SALib.analyze import sobol

    design, y = _ishigami("sobol", 256)
    y = y.copy()
    bad_runs = [3, 40, 41, 600, design.runs - 1]
    y[bad_runs] = np.nan
    table, reports = S.analyse(design, {"y": y}, seed=4)
    blocks = sorted({r // design.block_size for r in bad_runs})
    assert reports["y"].blocks_complete == 256 - len(blocks)
    keep = np.ones(256, dtype=bool)
    keep[blocks] = False
    kept = y.reshape(256, -1)[keep].reshape(-1)
    ref = sobol.analyze(design.problem(), kept, calc_second_order=False, seed=7)
    np.testing.assert_allclose(_index(table, "ST")["value"].to_numpy(), ref["ST"])
    np.testing.assert_allclose(_index(table, "S1")["value"].to_numpy(), ref["S1"])
    assert (table.n_used == 256 - len(blocks)).all()


def test_a_failed_morris_run_drops_only_the_effects_touching_it():
    design, y = _ishigami("morris", 30, seed=5)
    full = S.elementary_effects(design, y)
    y = y.copy()
    y[4 * 7 + 1] = np.nan  # trajectory 7, its second run: the effects of steps 1 and 2
    ee = S.elementary_effects(design, y)
    lost = ~np.isfinite(ee)
    assert lost.sum() == 2 and lost[:, 7].sum() == 2
    np.testing.assert_array_equal(ee[~lost], full[~lost])
    table, reports = S.analyse(design, {"y": y}, seed=5)
    assert reports["y"].effects_dropped == 2 and reports["y"].blocks_complete == 29
    assert sorted(_index(table, "mu_star")["n_used"]) == [29, 29, 30]
    assert not S.enough_kept(design, reports)
    y[:] = np.nan
    _, reports = S.analyse(design, {"y": y}, seed=5)
    assert S.enough_kept(design, reports) == ["y (0% kept)"]


def test_designs_are_deterministic_for_a_seed_and_stay_in_range():
    f = [S.factor_for("a", 0.0, 2.0), S.factor_for("b", 0.01, 1.0),
         S.factor_for("c", -3.0, 4.0)]
    for method, n in (("morris", 6), ("sobol", 16)):
        one, two = S.make_design(method, f, n, 11), S.make_design(method, f, n, 11)
        np.testing.assert_array_equal(one.unit, two.unit)
        assert not np.array_equal(one.unit, S.make_design(method, f, n, 12).unit)
        v = one.values()
        assert (v >= [0.0, 0.01, -3.0]).all() and (v <= [2.0, 1.0, 4.0]).all()
        assert one.runs == n * (3 + (1 if method == "morris" else 2))
    assert [x.distribution for x in f] == ["uniform", "log-uniform", "uniform"]
    u = np.array([0.0, 0.5, 1.0])
    np.testing.assert_allclose(f[1].values(u), [0.01, 0.1, 1.0])  # geometric midpoint


def test_bootstrap_seed_zero_is_deterministic():
    """SALib seeds its Sobol bootstrap only for a truthy seed: seed 0 must not fall back to
    the global random state."""
    design, y = _ishigami("sobol", 64)
    one, _ = S.analyse(design, {"y": y}, seed=0)
    np.random.seed(123)
    two, _ = S.analyse(design, {"y": y}, seed=0)
    pd.testing.assert_frame_equal(one, two)


def test_constant_output_gives_zero_indices_and_a_flag():
    design, y = _ishigami("sobol", 16)
    table, reports = S.analyse(design, {"flat": np.ones_like(y)}, seed=0)
    assert reports["flat"].constant and (table.value == 0).all()


def test_parameter_selection():
    from gutbrain.model import build_model, calibration_basis

    spec = build_model()
    non_input = [p.name for p in spec.parameters if p.kind != "input"]
    every, notes = S.select_factors(None)
    assert [f.name for f in every] == non_input and not notes
    assumed, _ = S.select_factors(["assumed"])
    assert assumed and all(calibration_basis(spec.parameter(f.name)) == "assumed"
                           for f in assumed)
    hpa, _ = S.select_factors(["hpa"])
    assert hpa and {f.module for f in hpa} == {"hpa"}
    a, _ = S.select_factors(["k_depression,vulnerability", "hpa"])
    b, _ = S.select_factors(["hpa", "vulnerability", "k_depression"])
    assert [f.name for f in a] == [f.name for f in b]  # declaration order, not token order
    held, notes = S.select_factors(["all", "vulnerability"], {"vulnerability": "held",
                                                              "k_depression": "held"})
    names = [f.name for f in held]
    assert "vulnerability" in names and "k_depression" not in names
    assert len(names) == len(non_input) - 1 and "vulnerability" in notes[0]
    p = next(f for f in every if f.low > 0 and f.high / f.low >= 10)
    assert p.log and all(not f.log for f in every if f.low <= 0)
    with pytest.raises(InputError) as exc:
        S.select_factors(["calibratd"])
    msg = str(exc.value)
    assert "calibratd" in msg and "calibrated" in msg and "assumed" in msg and "hpa" in msg


@pytest.mark.parametrize(("method", "n", "match"), [
    ("fast", 4, "unknown method"), ("sobol", 1, "at least 2"), ("morris", 2.5, "whole"),
    ("sobol", 10**6, "the limit")])
def test_bad_designs_are_refused(method, n, match):
    with pytest.raises(InputError, match=match):
        S.check_design(method, 30, n)


@pytest.mark.slow
def test_dask_workers_give_the_same_indices(tmp_path):
    design = S.make_design("sobol", S.ishigami_factors(), 512, seed=9)
    local = S.evaluate(design, S.ishigami_chunk, (), None, chunk=300)
    dask = S.evaluate(design, S.ishigami_chunk, (), tmp_path, chunk=300, workers=2,
                      digest="x")
    pd.testing.assert_frame_equal(local, dask)
    one, _ = S.analyse(design, {"y": local.y.to_numpy()}, seed=1)
    two, _ = S.analyse(design, {"y": dask.y.to_numpy()}, seed=1)
    pd.testing.assert_frame_equal(one, two)
    assert math.isfinite(one.value.sum())


def test_failures_are_attributed_to_the_parameter_whose_end_breaks_the_model():
    design, y = _ishigami("morris", 40, seed=6)
    failed = design.unit[:, 2] == 1.0  # x3 at its upper end "crashes"
    table = S.failure_attribution(design, failed)
    top = table.iloc[0]
    assert top.parameter == "x3" and top.failed_high == 1.0 and top.failed_low == 0.0
    assert top.steps_to_failure > 0 and table.iloc[1:].steps_to_failure.sum() == 0
    sobol = S.make_design("sobol", S.ishigami_factors(), 64, 1)
    table = S.failure_attribution(sobol, sobol.unit[:, 0] < 0.05)
    assert table.iloc[0].parameter == "x1" and table.iloc[0].failed_low > 0.4
    assert S.failure_attribution(sobol, np.zeros(sobol.runs, dtype=bool)).empty
