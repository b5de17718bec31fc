"""``gutbrain sensitivity`` end to end on a tiny model run: files and columns, determinism with
a seed, resume, refusal of a foreign --out, bad input exiting 2; a trial spec as target."""

from __future__ import annotations

import json
import textwrap

import pandas as pd
import pytest
from typer.testing import CliRunner

from gutbrain.analysis.sensitivity import COLUMNS
from gutbrain.cli import app

runner = CliRunner()

SCENARIO = textwrap.dedent("""\
    name: tiny
    person: healthy_adult
    days: 10
    diet: western
    interventions:
      - {type: probiotic, genus: lactobacillus, cfu_per_day: 1.0e10, start_day: 2, days: 6}
""")
PARAMS = ["--params", "k_depression,k_anxiety", "--params", "K_GR"]


def _invoke(*args: str):
    return runner.invoke(app, ["sensitivity", *args])


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("sens")
    sc = root / "tiny.yaml"
    sc.write_text(SCENARIO)
    res = _invoke(str(sc), "--method", "morris", *PARAMS, "--outputs", "phq9,gad7",
                  "--summary", "change", "--n", "3", "--seed", "4", "--out", str(root / "a"))
    assert res.exit_code == 0, res.output
    return root, sc, res


def test_writes_tidy_indices_report_and_summary(tiny):
    root, _, res = tiny
    table = pd.read_parquet(root / "a" / "indices.parquet")
    assert list(table.columns[:6]) == list(COLUMNS)
    assert set(table.parameter) == {"k_depression", "k_anxiety", "K_GR"}
    assert set(table.output) == {"phq9", "gad7"}
    assert set(table["index"]) == {"mu_star", "mu", "sigma"}
    assert (table.summary == "change").all()
    mu_star = table[table["index"] == "mu_star"]
    assert mu_star.value.notna().all() and (mu_star.value >= 0).all()
    assert (mu_star.ci_low <= mu_star.value).all() and (mu_star.value <= mu_star.ci_high).all()
    assert mu_star[mu_star.output == "phq9"].value.max() > 0  # the parameters matter
    info = json.loads((root / "a" / "summary.json").read_text())
    assert info["runs"] == 3 * 4 and info["failed_runs"] == 0 and info["seed"] == 4
    for p in info["parameters"]:  # K_GR spans 1-10: log-uniform
        log = p["low"] > 0 and p["high"] / p["low"] >= 10
        assert p["distribution"] == ("log-uniform" if log else "uniform")
    runs = pd.read_parquet(root / "a" / "runs.parquet")
    assert list(runs["sample"]) == list(range(12)) and "param:K_GR" in runs
    page = (root / "a" / "report.html").read_text()
    head, body = page.split("</head>", 1)
    assert head.count("<script") == 1 and "Plotly" not in body.split("<script")[0]
    assert page.count("Plotly.newPlot") >= 2 and "μ*" in page
    assert "phq9" in res.output and "k_depression" in res.output


def test_same_seed_gives_identical_indices_and_a_rerun_computes_nothing(tiny):
    root, sc, _ = tiny
    res = _invoke(str(sc), "--method", "morris", *PARAMS, "--outputs", "phq9,gad7",
                  "--summary", "change", "--n", "3", "--seed", "4", "--out", str(root / "b"))
    assert res.exit_code == 0, res.output
    pd.testing.assert_frame_equal(pd.read_parquet(root / "a" / "indices.parquet"),
                                  pd.read_parquet(root / "b" / "indices.parquet"))
    before = {p.name: p.stat().st_mtime_ns for p in (root / "a" / "chunks").glob("*.parquet")}
    res = _invoke(str(sc), "--method", "morris", *PARAMS, "--outputs", "phq9,gad7",
                  "--summary", "change", "--n", "3", "--seed", "4", "--out", str(root / "a"))
    assert res.exit_code == 0, res.output
    info = json.loads((root / "a" / "summary.json").read_text())
    assert info["chunks_computed"] == 0 and info["chunks"] == 1
    after = {p.name: p.stat().st_mtime_ns for p in (root / "a" / "chunks").glob("*.parquet")}
    assert before == after
    pd.testing.assert_frame_equal(pd.read_parquet(root / "a" / "indices.parquet"),
                                  pd.read_parquet(root / "b" / "indices.parquet"))


def test_another_summary_reanalyses_the_stored_runs(tiny):
    root, sc, _ = tiny
    res = _invoke(str(sc), "--method", "morris", *PARAMS, "--outputs", "il6",
                  "--summary", "mean", "--n", "3", "--seed", "4", "--out", str(root / "a"))
    assert res.exit_code == 0, res.output
    info = json.loads((root / "a" / "summary.json").read_text())
    assert info["chunks_computed"] == 0 and info["outputs"] == ["il6"]
    table = pd.read_parquet(root / "a" / "indices.parquet")
    assert set(table.output) == {"il6"} and (table.summary == "mean").all()


def test_a_foreign_out_is_refused_unless_overwritten(tiny):
    root, sc, _ = tiny
    res = _invoke(str(sc), *PARAMS, "--n", "3", "--seed", "5", "--out", str(root / "a"))
    assert res.exit_code == 2 and "another sensitivity run" in res.output


@pytest.mark.parametrize(("args", "match"), [
    (["--params", "k_depression,calibratd"], "unknown token 'calibratd'"),
    (["--method", "fast"], "unknown method 'fast'"),
    (["--outputs", "happiness"], "unknown observable 'happiness'"),
    (["--summary", "max"], "unknown summary 'max'"),
    (["--n", "1"], "at least 2"),
    (["--params", "hpa", "--seed", "-1"], "--seed"),
])
def test_bad_input_exits_2_before_any_run(tiny, tmp_path, args, match):
    _, sc, _ = tiny
    res = _invoke(str(sc), *args, "--out", str(tmp_path / "x"))
    assert res.exit_code == 2, res.output
    assert match in res.output
    assert not (tmp_path / "x" / "chunks").exists()


def test_unknown_token_lists_the_valid_ones(tiny, tmp_path):
    _, sc, _ = tiny
    res = _invoke(str(sc), "--params", "nonsense", "--out", str(tmp_path / "x"))
    assert res.exit_code == 2
    for word in ("all", "assumed", "calibrated", "microbiota", "gutbrain params"):
        assert word in res.output


TRIAL = textwrap.dedent("""\
    name: tiny-trial
    population: {preset: general, n: 8, seed: 3}
    days: 14
    diet: western
    arms:
      placebo: []
      probiotic:
        - {type: probiotic, genus: multi_strain, cfu_per_day: 1.0e10, start_day: 0, days: 14}
    outcomes: [phq9, il6]
""")


@pytest.mark.slow
def test_a_trial_spec_gives_indices_of_its_effect_sizes(tmp_path):
    spec = tmp_path / "trial.yaml"
    spec.write_text(TRIAL)
    res = _invoke(str(spec), "--summary", "end", "--out", str(tmp_path / "x"))
    assert res.exit_code == 2 and "--summary" in res.output
    res = _invoke(str(spec), "--params", "k_depression,probiotic_survival", "--n", "2",
                  "--outputs", "phq9", "--out", str(tmp_path / "o"))
    assert res.exit_code == 0, res.output
    table = pd.read_parquet(tmp_path / "o" / "indices.parquet")
    assert set(table.output) == {"hedges_g:phq9:probiotic", "change_mean:phq9:placebo",
                                 "change_mean:phq9:probiotic"}
    info = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert info["target"]["kind"] == "trial" and info["runs"] == 6
    runs = pd.read_parquet(tmp_path / "o" / "runs.parquet")
    assert runs["hedges_g:phq9:probiotic"].notna().all()


def test_too_many_failed_runs_exit_3_keeping_the_runs(tiny, tmp_path, monkeypatch):
    """Failure is data up to a point: with fewer than half the effects left the indices are
    refused (exit 3), the runs and the reasons are kept, and no stale indices remain."""
    import numpy as np

    from gutbrain.analysis import sensitivity_model as SM

    _, sc, _ = tiny
    real = SM.scenario_chunk

    def failing(*args):
        df = real(*args)
        bad = df["sample"] % 2 == 0  # every other run: each effect touches a failure
        df.loc[bad, "status"] = 2
        df.loc[bad, "reason"] = "non-finite value at day 3.000 (variable x)"
        cols = [c for c in df.columns if ":" in c]
        df.loc[bad, cols] = np.nan
        return df

    monkeypatch.setattr(SM, "scenario_chunk", failing)
    out = tmp_path / "o"
    out.mkdir()
    (out / "indices.parquet").write_text("stale")
    res = _invoke(str(sc), *PARAMS, "--n", "3", "--out", str(out))
    assert res.exit_code == 3, res.output
    assert "runs failed" in res.output and "non-finite value" in res.output
    info = json.loads((out / "summary.json").read_text())
    assert info["failed_runs"] == 6 and "refused" in info
    assert not (out / "indices.parquet").exists()
    assert len(pd.read_parquet(out / "runs.parquet")) == 12


def test_burn_in_fallback_reaches_the_periodic_steady_state(model, monkeypatch):
    """Where shooting does not converge, the staged brute-force fallback takes over; for
    persons where both work they agree (the fallback runs 400 days from the reference)."""
    import numpy as np

    from gutbrain.analysis import sensitivity_model as SM
    from gutbrain.analysis.population import cohort_tolerances
    from gutbrain.engine import periodic
    from gutbrain.engine.single import Tolerances, steady_state
    from gutbrain.scenario.schedule import person_parameters
    from gutbrain.scenario.schema import Scenario

    base = person_parameters(model, Scenario())
    reference = steady_state(model, base, tol=Tolerances(rtol=1e-6))
    params = np.repeat(base[None], 3, axis=0)
    params[:, model.param_index("k_depression")] = [0.02, 0.1, 0.25]
    tol = cohort_tolerances()
    shot, status, _ = SM.burn_in(model, params, reference, base, tol)
    assert (status == 0).all()
    real = periodic.chained_steady_states

    def never_converges(*args, **kwargs):
        out = real(*args, **kwargs)
        out.brute_force[:] = True
        out.y[:] = reference
        return out

    monkeypatch.setattr(periodic, "chained_steady_states", never_converges)
    brute, status, _ = SM.burn_in(model, params, reference, base, tol)
    assert (status == 0).all()
    i = model.observable_ids.index("phq9")
    obs = np.zeros((2, 3, len(model.observable_ids)))
    for a, y in enumerate((shot, brute)):
        for k in range(3):
            model.module.observe(0.0, y[k], params[k], obs[a, k])
    assert not np.array_equal(shot, brute)  # the fallback did run
    np.testing.assert_allclose(obs[1, :, i], obs[0, :, i], rtol=2e-3)


def test_a_set_whose_rates_are_not_finite_fails_at_once_with_the_reason(model):
    """A parameter set at which the model's rates are not finite (a 0/0 at a range end) is a
    failed row named as such before any integration, and the others do not notice."""
    import numpy as np

    from gutbrain.analysis import sensitivity_model as SM
    from gutbrain.analysis.population import cohort_tolerances
    from gutbrain.engine.single import Tolerances, steady_state
    from gutbrain.scenario.schedule import person_parameters
    from gutbrain.scenario.schema import Scenario

    base = person_parameters(model, Scenario())
    reference = steady_state(model, base, tol=Tolerances(rtol=1e-6))
    params = np.repeat(base[None], 3, axis=0)
    params[:, model.param_index("k_depression")] = [0.02, 0.1, 0.25]
    good, status, _ = SM.burn_in(model, params, reference, base, cohort_tolerances())
    params[1, model.param_index("inflammatory_gain")] = np.nan
    y, status, reasons = SM.burn_in(model, params, reference, base, cohort_tolerances())
    assert status.tolist() == [0, 1, 0]
    assert "rates are not finite at these parameters" in reasons[1]
    # the same steady states (the chain runs through other sets: equal within the solve's
    # convergence, a small fraction of the cohort tolerance)
    np.testing.assert_allclose(y[[0, 2]], good[[0, 2]], rtol=3e-5, atol=1e-9)


def test_json_output_is_strict_json(tiny):
    root, sc, _ = tiny
    res = runner.invoke(app, ["sensitivity", str(sc), "--method", "morris", *PARAMS,
                              "--outputs", "phq9,gad7", "--summary", "change", "--n", "3",
                              "--seed", "4", "--out", str(root / "a"), "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert {r["output"] for r in rows} == {"phq9", "gad7"}
    assert rows[0]["rank"] == 1 and "mu_star" in rows[0]
