"""Calibration records (issue #3): the model carries the values the documented fit found.

``calibration/fit.py`` writes one JSON record per fit problem; the fitted values are copied
into the model source by hand. These tests fail when the two drift apart, when a fitted value
leaves its parameter's plausible range, or when the parameter's source stops naming the
targets it was fitted to. The residual and protocol helpers are tested on synthetic targets.
"""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path

import pytest

from gutbrain.analysis.validation import Target
from gutbrain.model import build_model

ROOT = Path(__file__).resolve().parents[1] / "calibration"
RECORDS = sorted((ROOT / "results").glob("*.json"))


def _script(name: str, file: str):
    """A calibration script loaded as a module (they are scripts, not a package)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / file)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[name] = module  # dataclasses look their module up while the file executes
    spec.loader.exec_module(module)
    return module


def _fit_module():
    return _script("gutbrain_calibration_fit", "fit.py")


def _target(window) -> Target:
    return Target(id="test.synthetic", module="microbial", quantity="q", unit="1",
                  protocol={"name": "t", "days": 1}, metric={"fn": "stat", "var": "phq9"},
                  window=window, source="test", tier="soft")


def test_every_problem_has_a_record():
    fit = _fit_module()
    assert {p.stem for p in RECORDS} == set(fit.PROBLEMS)


@pytest.mark.parametrize("record", RECORDS, ids=lambda p: p.stem)
def test_model_carries_the_fitted_values(record):
    rec = json.loads(record.read_text())
    spec = build_model()
    for name, value in rec["fitted"].items():
        p = spec.parameter(name)
        assert p.value == pytest.approx(value, rel=1e-9), (
            f"{name}: model has {p.value}, {record.name} recorded {value}")
        low, high = rec["bounds"][name]
        assert p.low <= low <= value <= high <= p.high
        for t in rec["targets"]:
            assert t["id"] in p.source, f"{name}'s source does not name target {t['id']}"
    for name, derived in rec.get("derived", {}).items():  # computed from the fitted values
        assert spec.parameter(name).value == pytest.approx(derived["value"], rel=1e-9), (
            f"{name}: model has {spec.parameter(name).value}, {record.name} derived "
            f"{derived['value']} ({derived['expression']})")
    assert all(t["inside"] for t in rec["targets"]), "a fitted target left its window"
    assert len(rec["starts"]) >= 1 and all(math.isfinite(s["cost"]) for s in rec["starts"])


def test_residual_prefers_inside_to_centred():
    fit = _fit_module()
    t = _target([2.0, 4.0])
    assert fit.residual(t, 3.0) == 0.0
    assert fit.residual(t, 4.0) == pytest.approx(fit.INSIDE_WEIGHT)
    assert fit.residual(t, 2.0) == pytest.approx(-fit.INSIDE_WEIGHT)
    # half a half-width outside costs more than the whole way from centre to edge inside
    assert abs(fit.residual(t, 4.5)) > 2 * abs(fit.residual(t, 4.0))
    assert fit.residual(t, 4.5) == pytest.approx(fit.INSIDE_WEIGHT + 0.5 * fit.OUTSIDE_SLOPE)
    assert fit.residual(t, float("nan")) == 10.0
    lower_only = _target([1.0, None])
    assert fit.residual(lower_only, 5.0) == 0.0
    # leaving a one-sided window costs what a two-sided one costs at its edge, and more
    assert fit.residual(lower_only, 0.5) == pytest.approx(fit.INSIDE_WEIGHT
                                                          + fit.OUTSIDE_SLOPE * 0.5)
    assert fit.residual(lower_only, 0.99) > abs(fit.residual(t, 2.1))


def test_overrides_reach_every_run_but_never_replace_a_runs_own():
    fit = _fit_module()
    protocol = {"runs": {"a": {"name": "a", "days": 1},
                         "b": {"name": "b", "days": 1, "parameters": {"spleen": 0.0}}}}
    out = fit.with_parameters(protocol, {"spleen": 1.0, "cap_gain": 0.2})
    assert out["runs"]["a"]["parameters"] == {"spleen": 1.0, "cap_gain": 0.2}
    assert out["runs"]["b"]["parameters"] == {"spleen": 0.0, "cap_gain": 0.2}
    assert "parameters" not in protocol["runs"]["a"]  # the target's protocol is untouched
    trial = fit.with_parameters({"trial": {"name": "t"}}, {"spleen": 1.0})
    assert trial["trial"]["parameters"] == {"spleen": 1.0}
    with pytest.raises(ValueError, match="only scenario and trial protocols"):
        fit.with_parameters({"experiment": "microbe_free"}, {"spleen": 1.0})


PROVENANCE = ROOT / "results_provenance.json"


def _calibrated_parameters():
    return [p for p in build_model().parameters if "calibrated" in p.source.lower()]


def test_every_calibrated_parameter_names_the_targets_it_is_calibrated_against():
    from gutbrain.analysis.validation import load_targets

    ids = {t.id for t in load_targets()}
    bare = [p.name for p in _calibrated_parameters() if not any(i in p.source for i in ids)]
    assert not bare, f"calibrated parameters naming no validation target: {bare}"


def test_named_targets_exist():
    from gutbrain.analysis.validation import load_targets
    from gutbrain.model import calibration_targets

    ids = {t.id for t in load_targets()}
    for name, named in calibration_targets().items():
        assert build_model().parameter(name)  # raises on a stale parameter name
        assert set(named) <= ids, f"{name}: unknown targets {set(named) - ids}"


def test_provenance_record_matches_the_model_and_shows_sensitivity():
    """The screen (calibration/provenance.py) was run on the current values, and every named
    target really moves with its parameter."""
    from gutbrain.model import UNCONSTRAINED, calibration_targets

    record = json.loads(PROVENANCE.read_text())
    spec = build_model()
    for name, named in calibration_targets().items():
        row = record[name]
        assert spec.parameter(name).value == pytest.approx(row["value"], rel=1e-9), (
            f"{name} changed since the provenance screen; rerun calibration/provenance.py")
        assert row["named"] == named
        by_id = {r["id"]: r for r in row["targets"]}
        for i in named:
            assert abs(by_id[i]["sensitivity"]) >= 0.1, (name, i, by_id[i])
        if not named:  # an unidentified value may not be presented as calibrated
            assert "calibrated" not in spec.parameter(name).source
            assert UNCONSTRAINED in spec.parameter(name).source


def _uncertainty_module():
    return _script("gutbrain_calibration_uncertainty", "uncertainty.py")


def test_run_files_of_another_model_are_not_resumed(tmp_path, capsys):
    """calibration/uncertainty.py resumes its runs only when they belong to this model: a
    regeneration after a model change must not feed the old model's runs to the emulator."""
    unc = _uncertainty_module()
    runs = tmp_path / "runs.csv"
    runs.write_text("wave,index\nwave1,0\n", encoding="utf-8")
    unc.claim_runs(runs, "model-a")  # an unkeyed file (older script) is not trusted
    assert not runs.exists() and "starting afresh" in capsys.readouterr().out
    runs.write_text("wave,index\nwave1,0\n", encoding="utf-8")
    unc.claim_runs(runs, "model-a")  # same model: resumed
    assert runs.exists()
    unc.claim_runs(runs, "model-b")  # another model (or a re-fitted default): removed
    assert not runs.exists()
    assert (tmp_path / "runs.key").read_text(encoding="utf-8").strip() == "model-b"
    # the key covers every default value, not only the structure (digest)
    key = unc.model_key()
    assert len(key) == 16 and key == unc.model_key()


def test_model_carries_the_immune_refit():
    """calibration/immune_il10.py's adopted variant (LPS_DRIVEN, per h) is what immune.py carries
    (it superseded calibration/immune_refit.py's values)."""
    fit = _script("gutbrain_calibration_immune_il10", "immune_il10.py")
    spec = build_model()
    for name, value in fit.VARIANTS["LPS_DRIVEN"].items():
        model_name = "a10_chol" if name == "a10" else name
        per_day = value * 24 if name.startswith("k") else value
        assert spec.parameter(model_name).value == pytest.approx(per_day, rel=1e-5), name


def test_lurie_detection_sizes_a_between_person_term_without_pinning_it():
    """calibration/lurie_detection.py: with no spread in consultations, detection adds nothing;
    with it, recorded risk rises with the count; the consultation spread matches its top-decile
    share; the committed result is what the script computes now."""
    det = _script("gutbrain_calibration_lurie_detection", "lurie_detection.py")
    flat = det.detection_ratios(1e5, 5.16, 0.336, 0.25)
    assert all(flat[arm] == pytest.approx(1.0, abs=1e-3) for arm in det.ARMS)
    k_c = det.k_c_for_share(0.40, 5.16)
    assert det.top_decile_share(k_c, 5.16) == pytest.approx(0.40, abs=1e-6)
    r = det.detection_ratios(k_c, 5.16, 0.336, 0.25)
    assert 1.0 < r["one"] < r["two_to_five"] < r["more_than_five"]
    assert 0.0 < r["recorded_share"] < 1.0
    with pytest.raises(ValueError, match="more dispersion"):
        det.detection_ratios(0.2, 5.16, 0.336, 0.25)
    saved = json.loads((ROOT / "results/analyses/lurie_detection.json").read_text("utf-8"))
    assert saved["central"]["one"] == pytest.approx(r["one"], rel=1e-9)
