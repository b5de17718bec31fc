"""Validation harness (issue #3): target files, harness behaviour, JSON/HTML output, CLI.

Fast: loads every target but runs only a handful. Does not assert that every target passes —
the scorecard (``gutbrain validate`` / bench/bench_validate.py) reports that.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from gutbrain.analysis.validation import (
    MODULES,
    TIERS,
    Target,
    TargetError,
    TargetResult,
    experiment,
    load_target,
    load_targets,
    run_all,
    run_target,
    write_html,
    write_json,
)
from gutbrain.analysis.validation.data import TARGETS_DIR, library, resolve

FAST = ["microbial.colon.butyrate-fraction", "host-hpa.circadian.acrophase",
        "host-tryptophan.partition.kynurenine-share", "host-immune.lps-bolus.tnf-peak-time",
        "host-immune.lps-bolus.peak-order"]


@pytest.fixture(scope="module")
def targets() -> list[Target]:
    return load_targets()


@pytest.fixture(scope="module")
def fast_results() -> list[TargetResult]:
    return run_all(only=FAST)


def _steady_target(**metric) -> Target:
    return Target(id="test.synthetic", module="microbial", quantity="synthetic", unit="1",
                  protocol={"name": "t", "days": 1}, metric=metric, window=[0, 1],
                  source="test", tier="soft")


# --- target files ----------------------------------------------------------------------------

def test_every_target_file_is_valid(targets):
    assert len(targets) >= 35
    ids = [t.id for t in targets]
    assert len(ids) == len(set(ids))
    for t in targets:
        assert t.id and t.quantity and t.source.strip() and t.protocol and t.metric["fn"]
        assert t.module in MODULES and t.tier in TIERS
        lo, hi = t.window
        assert lo is not None or hi is not None
        if lo is not None and hi is not None:
            assert lo <= hi, t.id
        assert Path(t.path).name == f"{t.id}.yaml"  # one target per file, named by id
        assert t.notes.strip(), f"{t.id}: notes must say where the window comes from"
    tiers = {t.tier for t in targets}
    assert tiers == {"anchor", "soft"}
    assert {t.module for t in targets} >= {"microbial", "host-immune", "host-hpa",
                                           "host-tryptophan", "vagus", "brain"}


def test_raw_yaml_has_the_required_fields():
    required = {"id", "module", "quantity", "protocol", "metric", "window", "source", "tier"}
    files = [p for p in TARGETS_DIR.glob("*.yaml") if not p.name.startswith("_")]
    assert len(files) >= 35
    for p in files:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
        assert required <= set(raw), f"{p.name} lacks {required - set(raw)}"
        assert isinstance(raw["window"], list) and len(raw["window"]) == 2


def test_reference_data_library_is_consistent():
    lib = library()
    assert "carroll2007_control_cortisol" in lib
    carroll = resolve("carroll2007_control_cortisol")
    assert len(carroll.x) == 145 and carroll.x[0] == 0 and carroll.x[-1] == pytest.approx(24)
    assert carroll.y.max() == pytest.approx(13.68, abs=0.01)  # Carroll 2007 control peak
    for name, entry in lib.items():
        assert entry.get("source"), name
        if "shared" not in entry:
            ref = resolve(name)
            assert len(ref.x) == len(ref.y) > 0, name


def test_filters(targets):
    anchors = load_targets(tier="anchor")
    assert anchors and all(t.tier == "anchor" for t in anchors)
    assert {t.id for t in load_targets(only=["vagus"])} == {t.id for t in targets
                                                           if t.module == "vagus"}
    assert [t.id for t in load_targets(only=["host-hpa.circadian.peak"])] == [
        "host-hpa.circadian.peak"]
    assert all(t.id.startswith("host-immune.lps-bolus.")
               for t in load_targets(only=["host-immune.lps-bolus.*"]))
    with pytest.raises(TargetError):
        load_targets(tier="platinum")


@pytest.mark.parametrize("change,match", [
    ({"window": [2, 1]}, "low 2"),
    ({"tier": "gold"}, "tier"),
    ({"module": "liver"}, "unknown module"),
    ({"metric": {"fn": "no_such_metric"}}, "unknown metric fn"),
    ({"metric": {"fn": "ratio", "num": {}}}, "missing a required argument"),
    ({"protocol": {"name": "x", "days": 2, "diet": "carnivore"}}, "diet preset"),
    ({"protocol": {"name": "x", "days": 2, "parameters": {"no_such_param": 1}}},
     "unknown parameters"),
])
def test_malformed_targets_are_rejected(tmp_path, change, match):
    raw = {"id": "bad.target", "module": "microbial", "quantity": "q", "unit": "1",
           "protocol": {"name": "x", "days": 2},
           "metric": {"fn": "stat", "var": "butyrate"}, "window": [0, 1], "source": "s",
           "tier": "anchor", "notes": "n"}
    raw.update(change)
    path = tmp_path / "bad.target.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(TargetError, match=match):
        load_target(path)


def test_duplicate_ids_are_rejected(tmp_path):
    src = TARGETS_DIR / "microbial.colon.lactate.yaml"
    (tmp_path / "a.yaml").write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(TargetError, match="duplicate"):
        load_targets(tmp_path)


# --- harness -------------------------------------------------------------------------------

def test_fast_anchor_targets_run(fast_results, targets):
    by_id = {t.id: t for t in targets}
    assert [r.id for r in fast_results] == sorted(FAST)
    for r in fast_results:
        t = by_id[r.id]
        assert r.status in ("pass", "fail"), (r.id, r.note)
        assert r.value is not None and math.isfinite(r.value)
        assert r.passed == t.contains(r.value) == (r.status == "pass")
        assert (r.module, r.tier, r.window) == (t.module, t.tier, t.window)
        assert r.runtime_s >= 0 and r.plot and r.plot["curves"]
    got = {r.id: r.value for r in fast_results}
    # plain physics of the results, independent of pass/fail
    assert 0 < got["microbial.colon.butyrate-fraction"] < 1
    assert 0 <= got["host-hpa.circadian.acrophase"] < 24
    assert 0 < got["host-immune.lps-bolus.tnf-peak-time"] < 12
    assert got["host-immune.lps-bolus.peak-order"] in (0.0, 1.0)


def test_json_layout(fast_results, tmp_path):
    path = write_json(fast_results, tmp_path / "out" / "scorecard.json")
    data = json.loads(path.read_text())
    assert isinstance(data, list) and len(data) == len(fast_results)
    for row in data:
        assert {"id", "module", "tier", "value", "window", "passed", "status",
                "runtime_s"} <= set(row)
        assert isinstance(row["window"], list) and len(row["window"]) == 2
        assert isinstance(row["passed"], bool) and isinstance(row["value"], float)
        assert "plot" not in row


def test_html_report_is_self_contained(fast_results, tmp_path, targets):
    path = write_html(fast_results, tmp_path / "report.html", {t.id: t for t in targets})
    text = path.read_text(encoding="utf-8")
    assert text.count("<script type='text/javascript'>/**") == 1  # plotly.js inlined once
    assert "<script src=" not in text  # nothing fetched from the network
    assert text.index("Scorecard") < text.index("class=target")
    for r in fast_results:
        assert f"id='{r.id}'" in text


def test_error_inside_a_target_is_reported_not_raised():
    r = run_target(_steady_target(fn="stat", var="no_such_observable"))
    assert r.status == "error" and r.passed is False and r.value is None
    assert "no_such_observable" in r.note

    @experiment("_test_failing_experiment")
    def boom():
        raise RuntimeError("the experiment broke")

    t = _steady_target(fn="stat", var="butyrate").model_copy(
        update={"protocol": {"experiment": "_test_failing_experiment"}})
    r = run_target(t)
    assert r.status == "error" and "the experiment broke" in r.note
    assert json.loads(json.dumps(r.to_json()))["status"] == "error"  # errors serialise too


def test_missing_shared_data_is_skipped(monkeypatch, tmp_path):
    t = _steady_target(fn="nrmse_vs_data", var="cortisol", day=0, data="absent_set")
    t = t.model_copy(update={"data": {"absent_set": {"source": "test", "shared":
                                                     "data/no/such/file.csv",
                                                     "x_col": "t", "y_col": "y"}}})
    r = run_target(t)
    assert r.status == "skipped" and r.passed is None and "data absent" in r.note
    # a real target that reads ../shared reports skipped where that folder is absent
    monkeypatch.setenv("GUTBRAIN_SHARED_DIR", str(tmp_path / "nowhere"))
    (acth,) = load_targets(only=["host-hpa.circadian.acth-nrmse-carroll"])
    r = run_target(acth)
    assert r.status == "skipped" and "data absent" in r.note
    row = json.loads(json.dumps(r.to_json()))
    assert row["passed"] is None and row["value"] is None


def test_parallel_run_matches_serial():
    ids = ["microbial.colon.lactate", "host-tryptophan.partition.serotonin-share",
           "host-hpa.circadian.peak"]
    serial = run_all(only=ids, workers=1)
    parallel = run_all(only=ids, workers=2)
    assert [(r.id, r.value, r.status) for r in serial] == [(r.id, r.value, r.status)
                                                           for r in parallel]


# --- CLI ---------------------------------------------------------------------------------------

def test_cli_validate_command(tmp_path):
    import typer
    from typer.testing import CliRunner

    from gutbrain.cli.validate import register

    app = typer.Typer()
    register(app)

    @app.command()
    def other() -> None:  # a second command so Typer keeps sub-command names
        pass

    runner = CliRunner()
    out_json, out_html = tmp_path / "s.json", tmp_path / "r.html"
    res = runner.invoke(app, ["validate", "--json", str(out_json), "--html", str(out_html),
                              "--workers", "1", "--only", "host-hpa.circadian.acrophase",
                              "microbial.colon.lactate"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "host-hpa.circadian.acrophase" in res.output and "summary" in res.output
    rows = json.loads(out_json.read_text())
    assert sorted(r["id"] for r in rows) == ["host-hpa.circadian.acrophase",
                                             "microbial.colon.lactate"]
    assert out_html.stat().st_size > 100_000
    res = runner.invoke(app, ["validate", "--tier", "gold"])
    assert res.exit_code == 2


def test_trial_contrast_reads_the_baseline_adjusted_statistics():
    """stat: hedges_g_ancova / mean_difference_ancova pick the ANCOVA contrast (with its own
    CI in the detail); hedges_g keeps its meaning; a statistic the contrast lacks is named."""
    import xarray as xr

    from gutbrain.analysis.validation.metrics import Context, compute

    c = {"arm": "p", "vs": "c", "outcome": "phq9", "mean_difference": -1.0, "hedges_g": -0.2,
         "ci95": [-0.4, 0.0], "p_value": 0.05, "mean_difference_ancova": -0.6,
         "mean_difference_ancova_se": 0.2, "mean_difference_ancova_ci95": [-1.0, -0.2],
         "hedges_g_ancova": -0.12, "hedges_g_ancova_ci95": [-0.25, 0.01]}
    ctx = Context(runs={"trial": xr.Dataset(attrs={"trial": json.dumps(
        {"contrasts": [c], "arms": {}})})})
    out = compute(ctx, {"fn": "trial_contrast", "outcome": "phq9", "stat": "hedges_g_ancova",
                        "sign": -1.0})
    assert out.value == pytest.approx(0.12) and "-0.25 to 0.01" in out.detail
    out = compute(ctx, {"fn": "trial_contrast", "outcome": "phq9",
                        "stat": "mean_difference_ancova"})
    assert out.value == pytest.approx(-0.6) and "-1.00 to -0.20" in out.detail
    assert compute(ctx, {"fn": "trial_contrast", "outcome": "phq9"}).value == -0.2
    with pytest.raises(KeyError, match="no statistic 'hedges_g_adjusted'"):
        compute(ctx, {"fn": "trial_contrast", "outcome": "phq9", "stat": "hedges_g_adjusted"})


def test_trial_contrast_ratio_divides_two_arms_contrasts():
    """How much the risk rises between two doses: one arm's risk ratio over another's, both
    against the trial's comparator; a missing arm is named."""
    import xarray as xr

    from gutbrain.analysis.validation.metrics import Context, compute

    contrasts = [{"arm": "one", "vs": "none", "outcome": "mde_incidence", "risk_ratio": 1.05},
                 {"arm": "three", "vs": "none", "outcome": "mde_incidence", "risk_ratio": 1.155}]
    ctx = Context(runs={"trial": xr.Dataset(attrs={"trial": json.dumps(
        {"contrasts": contrasts, "arms": {}})})})
    out = compute(ctx, {"fn": "trial_contrast_ratio", "outcome": "mde_incidence",
                        "arm": "three", "over": "one"})
    assert out.value == pytest.approx(1.1) and "three 1.155 / one 1.050" in out.detail
    with pytest.raises(KeyError, match="arm six"):
        compute(ctx, {"fn": "trial_contrast_ratio", "outcome": "mde_incidence",
                      "arm": "six", "over": "one"})
