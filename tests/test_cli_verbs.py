"""The first hour's verbs (issue #19 items 2-4): compare, explain, scenarios, built-in scenario
names, parameters in scenario files, machine-readable output, validation notes, power."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from gutbrain.cli import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_scenarios_lists_the_builtins_in_every_format():
    res = invoke("scenarios", "--json")
    assert res.exit_code == 0, res.output
    names = [r["name"] for r in json.loads(res.output)]
    assert names[:3] == ["baseline", "high_fiber", "antibiotic"] and "chronic_stress" in names
    rows = list(csv.DictReader(io.StringIO(invoke("scenarios", "--csv").output)))
    assert [r["name"] for r in rows] == names
    piped = invoke("scenarios").output.splitlines()
    assert piped[0].split("\t")[0] == "name" and len(piped) == len(names) + 1


def test_a_builtin_name_works_wherever_a_scenario_file_does(tmp_path):
    res = invoke("simulate", "baseline", "--out", str(tmp_path / "o"), "--every", "24")
    assert res.exit_code == 0, res.output
    res = invoke("simulate", "chronic_stres", "--out", str(tmp_path / "o2"))
    assert res.exit_code == 2 and "built-in scenarios: baseline" in " ".join(res.output.split())
    res = invoke("simulate", "nothere.yaml")
    assert res.exit_code == 2 and "nothere.yaml: no such scenario file" in res.output


def test_parameters_in_a_scenario_file_are_checked_applied_and_recorded(tmp_path):
    scen = tmp_path / "s.yaml"
    scen.write_text("name: vagotomy\ndays: 3\nparameters: {vagal_afferent_gain: 0}\n")
    res = invoke("simulate", str(scen), "--out", str(tmp_path / "o"), "--every", "24")
    assert res.exit_code == 0, res.output
    prov = json.loads((tmp_path / "o" / "provenance.json").read_text())
    assert prov["scenario"]["parameters"] == {"vagal_afferent_gain": 0.0}
    import pandas as pd

    vagal = pd.read_parquet(tmp_path / "o" / "results.parquet").vagal_afferent
    assert abs(vagal).max() < 1e-9
    scen.write_text("name: bad\ndays: 3\nparameters:\n  vagal_afferent_gain: 7\n")
    res = invoke("simulate", str(scen))
    msg = " ".join(res.output.split())
    assert res.exit_code == 2 and "line 4: parameters.vagal_afferent_gain" in msg, msg


def test_compare_writes_a_table_json_and_html(tmp_path):
    res = invoke("compare", "antibiotic", "--out", str(tmp_path / "c"), "--every", "6")
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "c" / "compare.json").read_text())
    assert data["reference"] == "antibiotic (no interventions)"
    lo, hi = data["window"]
    assert 14 <= lo < hi <= 70  # the effect peaks after the course, not at the run's end
    phq = next(r for r in data["observables"] if r["observable"] == "phq9")
    assert phq["difference"] > 0 and "PHQ-9 rose" in data["attribution"]["phq9"]["text"]
    html = (tmp_path / "c" / "compare.html").read_text()
    assert html.index("Plotly.newPlot") > html.index("<script type=\"text/javascript\">")
    assert "Why mood differs" in html


def test_explain_text_and_json():
    res = invoke("explain", "chronic_stress", "--score", "phq9", "--json", "--every", "6")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)["attribution"]["phq9"]
    assert data["change"] > 1 and data["pathways"][0]["pathway"] in ("stress", "plasticity")
    res = invoke("explain", "chronic_stress", "--window", "60", "70", "--every", "6")
    assert res.exit_code == 0 and "days 60–70" in res.output, res.output
    res = invoke("explain", "chronic_stress", "--window", "70", "60")
    assert res.exit_code == 2 and "--window" in res.output


@pytest.mark.parametrize("args, expected", [
    (("params", "--module", "nope"), "expected one of diet, microbiota"),
    (("params", "--kind", "nope"), "--kind"),
    (("params", "--json", "--csv"), "choose one"),
])
def test_bad_filters_exit_2_with_the_valid_values(args, expected):
    res = invoke(*args)
    assert res.exit_code == 2 and expected in " ".join(res.output.split()), res.output


def test_params_and_observables_are_machine_readable():
    rows = json.loads(invoke("params", "--module", "hpa", "--json").output)
    assert rows and all(r["module"] == "hpa" for r in rows)
    assert {"name", "value", "unit", "low", "high", "source"} <= set(rows[0])
    assert isinstance(rows[0]["value"], float)
    piped = invoke("params", "--module", "hpa").output.splitlines()
    assert len(piped) == len(rows) + 1 and all(line.count("\t") == 7 for line in piped)
    obs = list(csv.DictReader(io.StringIO(invoke("observables", "--csv").output)))
    assert any(o["id"] == "phq9" for o in obs)


@pytest.mark.slow
def test_validate_prints_json_or_csv_with_the_reason_a_target_fails(tmp_path, monkeypatch):
    res = invoke("validate", "--only", "host-barrier", "--json", "-")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert rows and all("notes" in r for r in rows)
    res = invoke("validate", "--only", "host-barrier", "--csv", "-")
    assert list(csv.DictReader(io.StringIO(res.output)))[0]["id"].startswith("host-barrier")
    # a failing target carries its failure note (or says that it lacks one)
    from gutbrain.analysis.validation import harness
    from gutbrain.analysis.validation.targets import load_targets

    target = load_targets(only=["host-barrier"])[0]
    failing = target.model_copy(update={"window": (1e9, 2e9),
                                        "failure_note": "the model lacks X"})
    assert harness.run_target(failing).note == "the model lacks X"
    bare = target.model_copy(update={"window": (1e9, 2e9)})
    assert "no explanation recorded" in harness.run_target(bare).note


@pytest.mark.slow
def test_power_prints_a_table_and_writes_power_json(tmp_path):
    spec = tmp_path / "t.yaml"
    spec.write_text("name: p\npopulation: {preset: general, n: 12, seed: 3}\ndays: 14\n"
                    "arms:\n  control: []\n  fibre: [{type: diet, pattern: high_fiber}]\n"
                    "outcomes: [phq9]\n")
    res = invoke("trial", str(spec), "--out", str(tmp_path / "o"), "--power", "0.8")
    assert res.exit_code == 0, res.output
    power = json.loads((tmp_path / "o" / "power.json").read_text())
    assert power["target_power"] == 0.8 and "{" not in res.output
    assert "target_power" in res.output
