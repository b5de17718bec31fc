"""The declarative model: every module present, every parameter documented, code consistent."""

from __future__ import annotations

import numpy as np
import pytest

from gutbrain.model import build_model
from gutbrain.model.spec import ModelSpec, Module, Parameter, Species

DESIGN_MODULES = {"diet", "microbiota", "barrier", "immune", "hpa", "tryptophan", "neuroactive",
                  "brain"}
CONTRACT_OBSERVABLES = [
    "phq9", "gad7", "cortisol", "acth", "il6", "tnf", "il10", "crp", "lps_plasma", "acetate",
    "propionate", "butyrate", "lactate", "colon_ph", "shannon", "barrier_integrity",
    "trp_plasma", "kyn_plasma", "serotonin_gut", "serotonin_brain", "vagal_tone",
    "neurodegeneration_risk",
]


def test_every_design_module_is_present():
    assert {m.name for m in build_model().modules} == DESIGN_MODULES


def test_parameters_have_units_sources_and_ranges():
    spec = build_model()
    names = [p.name for p in spec.parameters]
    assert len(names) == len(set(names))
    for p in spec.parameters:
        assert p.unit and p.source.strip() and p.description, p.name
        assert p.low <= p.value <= p.high, p.name


def test_out_of_range_parameter_is_rejected():
    with pytest.raises(ValueError, match="outside its plausible range"):
        Parameter("x", 5.0, "1", "test", 0.0, 1.0, "bad")


def test_contract_observables_exist_with_units():
    spec = build_model()
    units = {o.id: o.unit for o in spec.observables}
    for oid in CONTRACT_OBSERVABLES:
        assert oid in units and units[oid], oid
    assert units["cortisol"] == "ug/dL" and units["acth"] == "pg/mL"
    assert units["il6"] == "pg/mL" and units["crp"] == "mg/L"
    assert units["butyrate"] == "mM" and units["trp_plasma"] == "uM"
    guilds = [o for o in units if o.startswith("guild_")]
    assert len(guilds) == 14


def test_unknown_name_in_expression_is_reported():
    from gutbrain.compile.symbolic import ModelDefinitionError, build_symbolic

    bad = ModelSpec("bad", "0", [Module("m", "", (), (Species("x", 1.0, "1", "", "-k*x"),))])
    with pytest.raises(ModelDefinitionError, match="unknown names \\['k'\\]"):
        build_symbolic(bad)


def test_step_window_may_use_parameters_only():
    from gutbrain.compile.symbolic import ModelDefinitionError, build_symbolic
    from gutbrain.model.spec import Parameter, StepWindow

    k = Parameter("k", 1.0, "1/d", "test", 0.1, 10.0, "rate")
    x = Species("x", 1.0, "1", "", "-k*x")
    bad = ModelSpec("bad", "0", [Module("m", "", (k,), (x,), step_windows=(
        StepWindow("w", "0.25", "x/24", "1/k", "test"),))])
    with pytest.raises(ModelDefinitionError, match="step window 'w', field length.*parameters "
                       "only, not \\['x'\\]"):
        build_symbolic(bad)
    no_step = ModelSpec("bad", "0", [Module("m", "", (k,), (x,), step_windows=(
        StepWindow("w", "0.25", "0.1", "k - 1", "test"),))])
    with pytest.raises(ModelDefinitionError, match="step window 'w': .*step cap 0 d; expected"):
        build_symbolic(no_step)


def test_awakening_step_window_from_the_hpa_parameters(model):
    """The HPA module's step window: 2.5 SD either side of the awakening bump's centre
    (wake_time + car_delay; SD 1/(2 pi sqrt(car_kappa)) d), steps capped at
    1/sqrt(g_acth^2 + SD^-2)."""
    p = model.default_parameters()
    assert model.module.STEP_WINDOW_NAMES == ("awakening response",)
    out = np.empty((model.module.N_STEP_WINDOWS, 3))
    model.module.step_windows(p, out)
    sd = 1 / (2 * np.pi * np.sqrt(p[model.param_index("car_kappa")]))
    centre = p[model.param_index("wake_time")] + p[model.param_index("car_delay")]
    g = p[model.param_index("g_acth")]
    np.testing.assert_allclose(out[0], [centre - 2.5 * sd, 5 * sd,
                                        1 / np.sqrt(g**2 + sd**-2)], rtol=1e-12)
    # awakening burst refitted with the adrenal gate (SD ~16 min, 24 min after 07:00): window
    # 06:44-08:05, steps capped at ~14 min (below both the burst's SD and 1/g_acth)
    assert 6.7 / 24 < out[0, 0] < 6.8 / 24 and 0.23 / 24 < out[0, 2] < 0.25 / 24


def test_generated_jacobian_matches_finite_differences(model):
    """The chain-rule Jacobian agrees with central differences of the generated RHS."""
    from gutbrain.engine.single import steady_state

    p = model.default_parameters()
    y = steady_state(model, p)
    t = 0.3
    n = model.n_states
    J = np.zeros((n, n))
    model.module.jac(t, y, p, J)
    f1, f2 = np.zeros(n), np.zeros(n)
    for j in range(n):
        # steps scale with the state down to 1e-2: the species-extinction term of a guild
        # near 1e-5 g/L bends on that scale, a 1e-6 step would measure the curvature
        h = 1e-6 * max(1e-2, abs(y[j]))
        yp, ym = y.copy(), y.copy()
        yp[j] += h
        ym[j] -= h
        model.module.rhs(t, yp, p, f1)
        model.module.rhs(t, ym, p, f2)
        fd = (f1 - f2) / (2 * h)
        scale = np.maximum(np.abs(J[:, j]), 1e-3 * np.abs(J).max(axis=1) + 1e-9)
        assert np.all(np.abs(J[:, j] - fd) <= 1e-4 * scale + 1e-7), model.state_names[j]
