"""The IL-10 screen (calibration/immune_il10.py) integrates the innate-immune equations alone; its
conclusions (failure notes of vagus.cap.il10-not-lower and host-immune.lps.il10-tnf-independent)
hold only while it reproduces the full model's endotoxin response with the model's own values.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

import gutbrain
from gutbrain.model import immune

SCRIPT = Path(__file__).resolve().parents[1] / "calibration" / "immune_il10.py"


@pytest.fixture(scope="module")
def screen():
    spec = importlib.util.spec_from_file_location("gutbrain_calibration_immune_il10", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _model_values(screen) -> dict[str, float]:
    """The model's immune values in the screen's units (rates per h)."""
    values = {p.name: p.value for p in immune.MODULE.parameters}
    p = dict(screen.FIXED)
    for k in p:
        if k in values:
            p[k] = values[k] / 24 if k in immune._w else values[k]
    return p


def _peaks(**parameters: float) -> dict[str, float]:
    sc = {"name": "lps", "days": 1,
          "interventions": [{"type": "endotoxin", "ng_per_kg": 2, "day": 0.375}]}
    ds = gutbrain.simulate(sc, every_hours=0.05, parameters=parameters)
    seg = ds.sel(day=slice(0.375, 0.875))
    return {v: float(seg[v].max()) for v in ("tnf", "il6", "il10")}


def test_screen_reproduces_the_model(screen):
    p = _model_values(screen)
    t, y = screen.simulate(p)
    full = _peaks()
    for var in ("tnf", "il6", "il10"):
        assert screen.peak(t, y, var)[0] == pytest.approx(full[var], rel=0.05), var
    # the failing anchor's value, in both
    t5, y5 = screen.simulate(p, vagal=screen.TONE + 4.0)
    ratio = screen.peak(t5, y5, "il10", 8)[0] / screen.peak(t, y, "il10", 8)[0]
    vns = _peaks(vagal_stimulation=4.0)
    assert ratio == pytest.approx(vns["il10"] / full["il10"], abs=0.03)
    assert ratio < 0.5  # the model's IL-10 falls with the cholinergic brake (target: >= 1)


def test_screened_variant_keeps_il10_under_stimulation(screen):
    """The primed-stage variant: IL-10 not lower under stimulation, about a quarter of it
    without TNF, TNF still cut 40-80 %, the bolus TNF peak 1-2 h after endotoxin."""
    _, _, m = screen.evaluate(dict(screen.FIXED, **screen.VARIANTS["LPS_DRIVEN"]))
    assert m["vns5_il10"] >= 1.0
    assert 0.18 <= m["vdp_il10"] <= 0.72
    assert 0.4 <= m["vns5_cut"] <= 0.8 and 0.4 <= m["vns3_cut"] <= 0.8
    assert 1.0 <= m["tnf_time"] <= 2.0
    # ... but its low-dose IL-6 is far above the current model's (the HPA anchor's problem)
    _, _, m0 = screen.evaluate(_model_values(screen))
    assert m["il6_low"] > 2 * m0["il6_low"]
