"""`simulate --uncertainty`, `trial --uncertainty` and `posterior` with the shipped ensemble
(issue #15 items 2-3): the file contracts and the exit codes of bad options."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from gutbrain.cli import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_the_shipped_ensemble_has_200_members_with_provenance():
    from gutbrain.analysis.uncertainty.ensemble import MIN_MEMBERS, load_ensemble
    from gutbrain.analysis.uncertainty.plan import CALIBRATED, CALIBRATION_TARGETS

    ens = load_ensemble()
    assert len(ens) >= MIN_MEMBERS
    assert ens.names == CALIBRATED
    rec = ens.record
    assert rec["calibration_targets"] == list(CALIBRATION_TARGETS)
    for key in ("created", "git_commit", "seed", "script", "priors", "method", "marginals",
                "emulator_error", "non_identifiable"):
        assert key in rec, key
    assert set(rec["non_identifiable"]) <= set(CALIBRATED)
    assert "warning" not in ens.provenance(), "regenerate: python calibration/uncertainty.py"
    # members are distinct draws, not one set repeated
    assert len(np.unique(ens.values, axis=0)) > 0.9 * len(ens)


def test_simulate_uncertainty_writes_bands_beside_results(tmp_path):
    out = tmp_path / "run"
    res = invoke("simulate", "baseline", "--out", str(out), "--every", "24",
                 "--uncertainty", "--draws", "16")
    assert res.exit_code == 0, res.output
    assert (out / "results.parquet").exists()
    bands = pd.read_parquet(out / "bands.parquet")
    assert list(bands.columns) == ["day", "observable", "q05", "q50", "q95"]
    results = pd.read_parquet(out / "results.parquet")
    assert set(bands.observable) == set(results.columns) - {"day"}
    assert np.allclose(np.unique(bands.day), results.day)
    ok = bands.dropna()
    assert (ok.q05 <= ok.q50).all() and (ok.q50 <= ok.q95).all()
    cort = bands[bands.observable == "cortisol"]
    assert (cort.q95 > cort.q05).all()  # the calibrated HPA constants move cortisol
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert prov["uncertainty"]["members_run"] == 16
    assert "person-to-person" in prov["uncertainty"]["meaning"]


@pytest.mark.parametrize("args, message", [
    (["--draws", "4"], "only with --uncertainty"),
    (["--uncertainty", "--draws", "0"], "expected 1 to"),
    (["--uncertainty", "--draws", "100000"], "expected 1 to"),
])
def test_bad_uncertainty_options_exit_2_before_any_work(tmp_path, args, message):
    out = tmp_path / "o"
    res = invoke("simulate", "baseline", "--out", str(out), *args)
    assert res.exit_code == 2, res.output
    assert message in " ".join(res.output.split())
    assert not (out / "results.parquet").exists()


def test_posterior_lists_marginals_and_non_identifiable_parameters():
    res = invoke("posterior", "--json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    from gutbrain.analysis.uncertainty.plan import CALIBRATED

    assert [r["parameter"] for r in rows] == list(CALIBRATED)
    assert all(r["contraction"] <= 1.0 and isinstance(r["identifiable"], bool) for r in rows)
    res = invoke("posterior")
    assert res.exit_code == 0 and "not identifiable from the calibration targets" in res.output


@pytest.mark.slow
def test_trial_uncertainty_adds_model_interval_beside_ci95(tmp_path):
    spec = tmp_path / "t.yaml"
    spec.write_text(
        "name: tiny\npopulation: {preset: depressed, n: 40, seed: 3}\ndays: 14\n"
        "run_in_days: 7\narms:\n  placebo: []\n  probiotic:\n"
        "    - {type: probiotic, genus: multi_strain, cfu_per_day: 1.0e10, start_day: 0, "
        "days: 14}\noutcomes: [phq9, mde_incidence]\n", encoding="utf-8")
    out = tmp_path / "trial"
    res = invoke("trial", str(spec), "--out", str(out), "--uncertainty", "--draws", "3")
    assert res.exit_code == 0, res.output
    result = json.loads((out / "trial.json").read_text(encoding="utf-8"))
    for c in result["contrasts"]:
        assert "ci95" in c and "model_interval" in c
        lo, hi = c["model_interval"]
        if lo is not None:
            assert lo <= hi
    assert result["uncertainty"]["draws"] == 3
    assert "model 90 %" in res.output


def _uncertainty_script():
    import importlib.util
    import sys
    from pathlib import Path

    name = "gutbrain_calibration_uncertainty"
    if name in sys.modules:
        return sys.modules[name]
    path = Path(__file__).resolve().parents[1] / "calibration" / "uncertainty.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_design_runs_measure_what_the_scorecard_measures():
    """The calibration's runs go through the validation harness: at the model's own values
    they give the scorecard's values exactly, and a parameter set really reaches the runs."""
    from gutbrain.analysis.uncertainty.plan import CALIBRATION_TARGETS
    from gutbrain.analysis.validation import load_targets, run_target

    mod = _uncertainty_script()
    ids = CALIBRATION_TARGETS[:2] + CALIBRATION_TARGETS[-1:]
    at_model = mod.evaluate_point({}, ids)
    for t in load_targets(only=list(ids)):
        assert at_model[t.id] == pytest.approx(run_target(t).value, rel=1e-12)
    moved = mod.evaluate_point({"crh_scale": 2.0}, ids[:1])
    assert moved[ids[0]] < 0.9 * at_model[ids[0]]  # less CRH drive, less 08:00 cortisol
