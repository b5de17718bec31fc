"""SBML export: a valid L3V2 document whose math is the engine's, and libroadrunner simulating
it reproduces gutbrain's own engine on the demo scenarios."""

from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor

import libsbml
import numpy as np
import pytest
import sympy as sp

from gutbrain.compile.sbml import (
    OBS_PREFIX,
    SBMLExportError,
    consistency_errors,
    export_sbml,
    roadrunner_time_course,
    to_l3_formula,
    write_sbml,
)
from gutbrain.engine.single import Tolerances, integrate, steady_state
from gutbrain.results.dataset import observables
from gutbrain.scenario.library import demo_scenarios
from gutbrain.scenario.loader import parse_scenario
from gutbrain.scenario.schedule import build_schedule, person_parameters

DAYS = 60.0  # demo scenarios trimmed from 120 d: every intervention starts by day 28
REQUIRED = {"antibiotic", "probiotic", "chronic_stress", "high_fiber"}

# every event and bolus type in one short scenario (FMT, endotoxin, dexamethasone, life event,
# tryptophan depletion are boluses; the lab stressor is a 15-min segment)
ACUTE_MIX = {
    "name": "acute_mix", "person": "healthy_adult", "days": 30, "diet": "western",
    "interventions": [
        {"type": "antibiotic", "class": "broad_spectrum", "start_day": 2, "days": 5},
        {"type": "fmt", "donor": "healthy", "day": 8},
        {"type": "lab_stressor", "day": 9.4375, "minutes": 15},
        {"type": "endotoxin", "ng_per_kg": 2, "day": 11.375},
        {"type": "dexamethasone", "mg": 1, "day": 13 + 23 / 24},
        {"type": "life_event", "severity": 0.7, "day": 16},
        {"type": "tryptophan_depletion", "day": 20.25},
        {"type": "interferon_alpha", "miu": 3, "start_day": 22, "days": 6},
    ],
}


def _doc(text: str) -> tuple[libsbml.SBMLDocument, libsbml.Model]:
    doc = libsbml.readSBMLFromString(text)
    assert doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0
    return doc, doc.getModel()


def _rules(m: libsbml.Model) -> tuple[dict[str, libsbml.Rule], dict[str, libsbml.Rule]]:
    assign, rate = {}, {}
    for i in range(m.getNumRules()):
        r = m.getRule(i)
        (rate if r.isRate() else assign)[r.getVariable()] = r
    return assign, rate


# --------------------------------------------------------------------------------------------
# document structure and validity
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("functions", [True, False], ids=["fn", "plain"])
def test_bare_document_is_valid(model, functions):
    text = export_sbml(model, function_definitions=functions)
    assert consistency_errors(text) == []
    doc, m = _doc(text)
    assert (doc.getLevel(), doc.getVersion()) == (3, 2)
    assign, rate = _rules(m)
    assert m.getNumSpecies() == model.n_states == len(rate)
    assert [m.getSpecies(i).getId() for i in range(m.getNumSpecies())] == model.state_names
    assert set(rate) == set(model.state_names)
    for s, y in zip(model.state_names, model.initial_state(), strict=True):
        sp_ = m.getSpecies(s)
        assert sp_.getCompartment() == "body" and sp_.getHasOnlySubstanceUnits()
        assert not sp_.getConstant() and not sp_.getBoundaryCondition()
        assert sp_.getInitialAmount() == pytest.approx(y, rel=1e-14)  # libSBML: 15 digits
    for p, v in zip(model.spec.parameters, model.default_parameters(), strict=True):
        par = m.getParameter(p.name)
        assert par.getValue() == pytest.approx(v, rel=1e-14)
        assert par.getConstant() == (p.kind != "input")
        notes = par.getNotesString()
        assert "unit: " in notes and "source: " in notes and "description: " in notes
    obs = [OBS_PREFIX + o for o in model.observable_ids]
    assert all(m.getParameter(o) is not None and o in assign for o in obs)
    assert len(assign) == len(model.spec.assignments) + len(obs)
    assert m.getNumEvents() == 0
    assert (m.getNumFunctionDefinitions() > 0) == functions


def test_formula_printer():
    t, x, y = sp.Symbol("t"), sp.Symbol("x", real=True), sp.Symbol("y", real=True)
    e = sp.log(x) + sp.exp(-x) * sp.cos(2 * sp.pi * t) + sp.sqrt(y) + x**y + x**-1 + y / 3
    text = to_l3_formula(e)
    assert "time" in text and "ln(x)" in text and "log" not in text.replace("ln(", "")
    ast = libsbml.parseL3Formula(text)
    assert ast is not None
    assert to_l3_formula(e, time="t").count("time") == 0
    vals = {"x": 1.7, "y": 0.6, "time": 0.3}
    _substitute(ast, vals)
    want = float(e.subs({x: 1.7, y: 0.6, t: 0.3}))
    assert libsbml.SBMLTransforms.evaluateASTNode(ast) == pytest.approx(want, rel=1e-14)


def test_untranslatable_expressions_raise():
    x, y = sp.symbols("x y", real=True)
    for bad in (sp.Max(x, y), sp.Piecewise((x, x > y), (y, True)), sp.oo * x, sp.atan(x)):
        with pytest.raises(SBMLExportError):
            to_l3_formula(bad)


def _substitute(node: libsbml.ASTNode, vals: dict[str, float]) -> None:
    if node.getType() == libsbml.AST_NAME_TIME:
        node.setValue(vals["time"])
    elif node.getType() == libsbml.AST_NAME:
        node.setValue(float(vals[node.getName()]))
    for i in range(node.getNumChildren()):
        _substitute(node.getChild(i), vals)


@pytest.mark.parametrize("functions", [True, False], ids=["fn", "plain"])
def test_document_math_equals_engine(model, functions):
    """Evaluate the document's rules with libSBML (function definitions expanded) at a
    perturbed state and compare with the engine's generated rhs and observables."""
    text = export_sbml(model, function_definitions=functions)
    doc = libsbml.readSBMLFromString(text)
    props = libsbml.ConversionProperties()
    props.addOption("expandFunctionDefinitions", True)
    assert doc.convert(props) == libsbml.LIBSBML_OPERATION_SUCCESS
    m = doc.getModel()
    assert m.getNumFunctionDefinitions() == 0
    rng = np.random.default_rng(3)
    p = model.default_parameters()
    y = steady_state(model, p) * rng.uniform(0.7, 1.3, model.n_states)
    for t in (0.3, 7.81):
        vals = {"time": t, **dict(zip(model.state_names, y, strict=True)),
                **dict(zip(model.param_names, p, strict=True))}
        rates = {}
        for i in range(m.getNumRules()):  # assignment rules are in dependency order
            r = m.getRule(i)
            ast = r.getMath().deepCopy()
            _substitute(ast, vals)
            v = libsbml.SBMLTransforms.evaluateASTNode(ast)
            (rates if r.isRate() else vals)[r.getVariable()] = v
        dy = np.zeros(model.n_states)
        model.module.rhs(t, y, p, dy)
        got = np.array([rates[s] for s in model.state_names])
        np.testing.assert_allclose(got, dy, rtol=1e-9, atol=1e-12 * np.abs(dy).max())
        o = np.zeros(len(model.observable_ids))
        model.module.observe(t, y, p, o)
        got = np.array([vals[OBS_PREFIX + k] for k in model.observable_ids])
        np.testing.assert_allclose(got, o, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("scenario", ["antibiotic", "acute_mix"])
def test_scenario_events(model, scenario):
    sc = parse_scenario(ACUTE_MIX) if scenario == "acute_mix" else \
        next(s for s in demo_scenarios() if s.name == scenario)
    sched = build_schedule(model, sc, person_parameters(model, sc))
    y0 = steady_state(model, sched.baseline)
    text = export_sbml(model, y0=y0, schedule=sched)
    assert consistency_errors(text) == []
    _, m = _doc(text)
    P, B, tb = sched.params, sched.bolus, sched.boundaries
    for s, v in zip(model.state_names, y0 + B[0], strict=True):
        assert m.getSpecies(s).getInitialAmount() == pytest.approx(v, rel=1e-14)
    for name, v in zip(model.param_names, P[0], strict=True):
        assert m.getParameter(name).getValue() == pytest.approx(v, rel=1e-14)
    expected = [k for k in range(1, len(P)) if (P[k] != P[k - 1]).any() or B[k].any()]
    assert m.getNumEvents() == len(expected) > 0
    n_bolus = 0
    for ev_i, k in enumerate(expected):
        ev = m.getEvent(ev_i)
        trig = ev.getTrigger()
        assert trig.getPersistent() and not trig.getInitialValue()
        assert ev.getUseValuesFromTriggerTime() and not ev.isSetDelay()
        lhs, rhs = libsbml.formulaToL3String(trig.getMath()).split(">=")
        assert lhs.strip() == "time" and float(rhs) == pytest.approx(tb[k], rel=1e-14)
        targets = {ev.getEventAssignment(j).getVariable(): ev.getEventAssignment(j)
                   for j in range(ev.getNumEventAssignments())}
        changed = {model.param_names[i] for i in np.flatnonzero(P[k] != P[k - 1])}
        boluses = {model.state_names[i] for i in np.flatnonzero(B[k])}
        assert set(targets) == changed | boluses
        for name in changed:
            assert not m.getParameter(name).getConstant()
            val = targets[name].getMath()
            assert val.isNumber()
            assert val.getValue() == pytest.approx(P[k, model.param_index(name)], rel=1e-14)
        for name in boluses:
            formula = libsbml.formulaToL3String(targets[name].getMath())
            assert formula.startswith(f"{name} + ")
            n_bolus += 1
    assert (n_bolus > 0) == (scenario == "acute_mix")


def test_write_sbml_atomic(model, tmp_path):
    path = write_sbml(tmp_path / "out" / "gutbrain.xml", model)
    assert path.read_text() == export_sbml(model)
    assert os.listdir(path.parent) == ["gutbrain.xml"]


# --------------------------------------------------------------------------------------------
# libroadrunner on the exported document == gutbrain's engine
# --------------------------------------------------------------------------------------------


def test_roadrunner_matches_engine(model, capsys):
    """Both engines start from the same steady state and run every demo scenario (60 days)
    plus a bolus-heavy scenario; every observable must agree at every hourly sample."""
    pytest.importorskip("roadrunner")
    scenarios = [s.model_copy(update={"days": DAYS}) for s in demo_scenarios()]
    assert REQUIRED <= {s.name for s in scenarios}
    scenarios.append(parse_scenario(ACUTE_MIX))
    selections = [OBS_PREFIX + o for o in model.observable_ids]
    jobs = []
    for sc in scenarios:
        sched = build_schedule(model, sc, person_parameters(model, sc))
        y0 = steady_state(model, sched.baseline)
        t_out = np.arange(0.0, sc.days * 24 + 0.5) / 24.0
        # per-variable absolute tolerance, 1e-3 of the relative one (as the engine does)
        atol = {s: 1e-12 * max(1.0, abs(v)) for s, v in zip(model.state_names, y0, strict=True)}
        jobs.append((sc, sched, y0, t_out, export_sbml(model, y0=y0, schedule=sched), atol))

    # libroadrunner holds the GIL while it JIT-compiles (~5 s a document): use both cores
    with ProcessPoolExecutor(max_workers=2, mp_context=mp.get_context("spawn")) as pool:
        futures = [pool.submit(roadrunner_time_course, text, t_out, selections, rtol=1e-9,
                               atol=atol) for _, _, _, t_out, text, atol in jobs]
        report = []
        for (sc, sched, y0, t_out, _, _), fut in zip(jobs, futures, strict=True):
            sol = integrate(model, sched, y0, t_out, Tolerances(rtol=1e-8))
            gb = observables(model, sched, sol)
            run = fut.result()
            rr, load_s, sim_s = run.values, run.load_s, run.simulate_s
            # At a boundary (input change or bolus) libroadrunner may report the value just
            # before or just after the event, and the engine reports the state before the
            # bolus with the new segment's inputs: compare only samples off the boundaries.
            keep = np.all(np.abs(t_out[:, None] - sched.boundaries[None, :]) > 1e-9, axis=1)
            worst, worst_obs, worst_scaled = 0.0, "", 0.0
            for k, oid in enumerate(model.observable_ids):
                a, b = rr[keep, k], gb[keep, k]
                scale = float(np.max(np.abs(b)))
                assert np.allclose(a, b, rtol=1e-3, atol=1e-6 * scale), (
                    f"{sc.name}: observable {oid} differs by up to "
                    f"{np.max(np.abs(a - b)):.3g} (scale {scale:.3g}) at day "
                    f"{t_out[keep][np.argmax(np.abs(a - b))]:.4f}")
                if scale == 0.0:
                    continue
                # pointwise relative difference (floored at 1e-6 of the observable's scale:
                # signed drives cross zero) and difference relative to the scale
                rel = float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-6 * scale)))
                worst_scaled = max(worst_scaled, float(np.max(np.abs(a - b))) / scale)
                if rel > worst:
                    worst, worst_obs = rel, oid
            report.append(f"  {sc.name:<17} {sc.days:>4.0f} d  max rel {worst:8.2e} "
                          f"({worst_obs}), max diff/scale {worst_scaled:8.2e}; libroadrunner "
                          f"load {load_s:4.1f} s, simulate {sim_s:4.1f} s")
    with capsys.disabled():
        print("\nlibroadrunner vs gutbrain (every observable, hourly, boundaries excluded):")
        print("\n".join(report))
