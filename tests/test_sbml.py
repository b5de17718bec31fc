"""SBML export: a valid L3V2 document whose math is the engine's, that starts where
`gutbrain simulate` starts, and that libroadrunner and COPASI run as it is (no initial values
to fix, events included) to the same time courses as `gutbrain simulate`."""

from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import libsbml
import numpy as np
import pytest
import sympy as sp
from typer.testing import CliRunner

import gutbrain
from gutbrain.compile.sbml import (
    OBS_PREFIX,
    SBMLExportError,
    consistency_errors,
    export_sbml,
    roadrunner_time_course,
    scenario_start,
    to_l3_formula,
    write_sbml,
)
from gutbrain.engine.single import steady_state
from gutbrain.scenario.library import demo_scenarios
from gutbrain.scenario.loader import load_scenario, parse_scenario
from gutbrain.scenario.schema import INTERVENTION_TYPES, Scenario

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

DAYS = 60.0  # demo scenarios trimmed from 120 d: every intervention starts by day 28
REQUIRED = {"antibiotic", "probiotic", "chronic_stress", "high_fiber"}

# every intervention type in one short scenario: segment changes (antibiotic, probiotic,
# prebiotic, diet, fermented food, stress, stress reduction, interferon, a 15-min lab stressor,
# an endotoxin infusion) and boluses (FMT, endotoxin, dexamethasone, life event, tryptophan
# depletion, infection)
ACUTE_MIX = {
    "name": "acute_mix", "person": "healthy_adult", "days": 30, "diet": "western",
    "interventions": [
        {"type": "antibiotic", "class": "broad_spectrum", "start_day": 2, "days": 5},
        {"type": "probiotic", "genus": "lactobacillus", "cfu_per_day": 1e10, "start_day": 4,
         "days": 10},
        {"type": "fmt", "donor": "healthy", "day": 8},
        {"type": "lab_stressor", "day": 9.4375, "minutes": 15},
        {"type": "endotoxin", "ng_per_kg": 2, "day": 11.375},
        {"type": "prebiotic", "kind": "inulin", "g_per_day": 10, "start_day": 12, "days": 8},
        {"type": "dexamethasone", "mg": 1, "day": 13 + 23 / 24},
        {"type": "diet", "pattern": "mediterranean", "start_day": 15},
        {"type": "life_event", "severity": 0.7, "day": 16},
        {"type": "fermented_food", "servings_per_day": 2, "start_day": 17, "days": 6},
        {"type": "stress", "level": 0.6, "start_day": 18, "days": 6},
        {"type": "tryptophan_depletion", "day": 20.25},
        {"type": "stress_reduction", "mindfulness_min_per_day": 20,
         "exercise_min_per_week": 150, "start_day": 21, "days": 6},
        {"type": "interferon_alpha", "miu": 3, "start_day": 22, "days": 6},
        {"type": "endotoxin", "ng_per_kg": 1, "day": 25.5, "infusion_hours": 4},
        {"type": "infection", "day": 26, "crp_rise_mg_per_l": 30},
    ],
}


def test_acute_mix_has_every_intervention_type():
    """A new intervention type needs a place here, so that its export is tested."""
    assert {iv["type"] for iv in ACUTE_MIX["interventions"]} == set(INTERVENTION_TYPES)


def _doc(text: str) -> tuple[libsbml.SBMLDocument, libsbml.Model]:
    doc = libsbml.readSBMLFromString(text)
    assert doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0
    return doc, doc.getModel()


def _initial(sp_: libsbml.Species) -> float:
    """A species' initial value as the model's state value (amount or concentration in the
    unit-volume compartment)."""
    return sp_.getInitialAmount() if sp_.getHasOnlySubstanceUnits() else \
        sp_.getInitialConcentration()


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
    # the default scenario's person (healthy adult, Western diet) at t = 0
    sched, y0 = scenario_start(model)
    for s, y in zip(model.state_names, y0, strict=True):
        sp_ = m.getSpecies(s)
        assert sp_.getCompartment() == "body"
        assert not sp_.getConstant() and not sp_.getBoundaryCondition()
        assert _initial(sp_) == pytest.approx(y, rel=1e-14)  # libSBML: 15 digits
    # concentrations are concentrations; cells, relative levels, scores are amounts
    assert not m.getSpecies("B_bacteroides").getHasOnlySubstanceUnits()
    assert not m.getSpecies("tnf").getHasOnlySubstanceUnits()
    assert m.getSpecies("MR").getHasOnlySubstanceUnits()
    assert m.getSpecies("cort_rel").getHasOnlySubstanceUnits()
    assert m.getCompartment("body").getSize() == 1.0
    for p, v in zip(model.spec.parameters, sched.baseline, strict=True):
        par = m.getParameter(p.name)
        assert par.getValue() == pytest.approx(v, rel=1e-14)
        assert par.getConstant() == (p.kind != "input")
        notes = par.getNotesString()
        assert "unit: " in notes and "source: " in notes and "description: " in notes
    assert m.getParameter("fiber_g").getValue() == pytest.approx(15.0)  # Western diet
    obs = [OBS_PREFIX + o for o in model.observable_ids]
    assert all(m.getParameter(o) is not None and o in assign for o in obs)
    assert len(assign) == len(model.spec.assignments) + len(obs)
    assert m.getNumEvents() == 0
    assert (m.getNumFunctionDefinitions() > 0) == functions


def test_export_starts_where_simulate_starts(model):
    """The document's initial values are the first sample of `gutbrain simulate`: the
    person's periodic steady state at t = 0 (not the model's pre-burn-in guesses; before
    issue #19 COPASI started relative cortisol at 1.0 where gutbrain starts at ~0.33)."""
    for sc, text in [(Scenario(name="default", days=1), export_sbml(model)),
                     (load_scenario(EXAMPLES / "endotoxin-challenge.yaml"), None)]:
        if text is None:
            sched, y0 = scenario_start(model, sc)
            text = export_sbml(model, y0=y0, schedule=sched)
        _, m = _doc(text)
        ds = gutbrain.simulate(sc, include_states=True)
        first = {s: float(ds[f"state_{s}"][0]) for s in model.state_names}
        for s in model.state_names:
            assert _initial(m.getSpecies(s)) == pytest.approx(first[s], rel=1e-12, abs=1e-300)
        # not the guesses: the burn-in moved the state
        guess = model.initial_state()
        moved = [abs(first[s] - g) > 1e-3 * max(1.0, abs(g))
                 for s, g in zip(model.state_names, guess, strict=True)]
        assert sum(moved) > model.n_states // 3


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
    sched, y0 = scenario_start(model, sc)
    text = export_sbml(model, y0=y0, schedule=sched)
    assert consistency_errors(text) == []
    _, m = _doc(text)
    P, B, tb = sched.params, sched.bolus, sched.boundaries
    for s, v in zip(model.state_names, y0 + B[0], strict=True):
        assert _initial(m.getSpecies(s)) == pytest.approx(v, rel=1e-14)
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
        assert lhs.strip() == "time" and float(rhs.split()[0]) == pytest.approx(tb[k], rel=1e-14)
        assert trig.getMath().getChild(1).getUnits() == "day"
        targets = {ev.getEventAssignment(j).getVariable(): ev.getEventAssignment(j)
                   for j in range(ev.getNumEventAssignments())}
        changed = {model.param_names[i] for i in np.flatnonzero(P[k] != P[k - 1])}
        boluses = {model.state_names[i] for i in np.flatnonzero(B[k])}
        assert set(targets) == changed | boluses
        for name in changed:
            assert not m.getParameter(name).getConstant()
            val = targets[name].getMath()
            assert val.isNumber() and val.getUnits() == m.getParameter(name).getUnits()
            assert val.getValue() == pytest.approx(P[k, model.param_index(name)], rel=1e-14)
        for name in boluses:
            math = targets[name].getMath()
            assert libsbml.formulaToL3String(math).startswith(f"{name} + ")
            assert math.getChild(1).getValue() == pytest.approx(
                B[k, model.state_index(name)], rel=1e-14)
            n_bolus += 1
    assert (n_bolus > 0) == (scenario == "acute_mix")


def test_write_sbml_atomic(model, tmp_path):
    path = write_sbml(tmp_path / "out" / "gutbrain.xml", model)
    assert path.read_text() == export_sbml(model)
    assert os.listdir(path.parent) == ["gutbrain.xml"]


# --------------------------------------------------------------------------------------------
# the exported files, run as they are, == gutbrain simulate
# --------------------------------------------------------------------------------------------

RTOL = 1e-3  # issue #19: other tools reproduce `gutbrain simulate` within rtol 1e-3
ATOL_SCALE = 1e-6  # plus 1e-6 of each variable's largest magnitude (signed drives cross 0)


class _Agreement:
    """Per variable over all compared runs: the largest relative difference where the value
    is not near a zero crossing (|value| >= 1e-3 of its largest magnitude; signed drives cross
    zero twice a day) and the largest difference relative to that magnitude."""

    def __init__(self) -> None:
        self.rel: dict[str, float] = {}
        self.scaled: dict[str, float] = {}

    def check(self, tool: str, case: str, name: str, t: np.ndarray, got: np.ndarray,
              want: np.ndarray) -> None:
        scale = float(np.max(np.abs(want)))
        diff = np.abs(got - want)
        assert np.all(diff <= RTOL * np.abs(want) + ATOL_SCALE * scale), (
            f"{tool}, {case}: {name} differs by up to {diff.max():.3g} (scale {scale:.3g}) "
            f"at day {t[np.argmax(diff - RTOL * np.abs(want))]:.4f}")
        if scale > 0.0:
            away = np.abs(want) >= 1e-3 * scale
            rel = float(np.max(diff[away] / np.abs(want[away])))
            self.rel[name] = max(self.rel.get(name, 0.0), rel)
            self.scaled[name] = max(self.scaled.get(name, 0.0), float(diff.max()) / scale)

    def summary(self, tool: str) -> str:
        ranked = sorted(self.rel.items(), key=lambda kv: -kv[1])
        top = ", ".join(f"{k} {v:.1e}" for k, v in ranked[:6])
        worst = max(self.scaled.items(), key=lambda kv: kv[1])
        return (f"{tool}: {len(ranked)} variables; max relative difference per variable: "
                f"median {np.median([v for _, v in ranked]):.1e}, largest {top}; largest "
                f"difference / max |value|: {worst[0]} {worst[1]:.1e}")


def _reference(model, sc: Scenario, t_out: np.ndarray) -> dict[str, np.ndarray]:
    """`gutbrain simulate` (its defaults) at the sample times: observables and states."""
    ds = gutbrain.simulate(sc, include_states=True)
    assert np.allclose(ds["day"].values, t_out, atol=1e-12)
    out = {OBS_PREFIX + o: ds[o].values for o in model.observable_ids}
    out.update({s: ds[f"state_{s}"].values for s in model.state_names})
    return out


def _off_boundaries(t: np.ndarray, boundaries: np.ndarray) -> np.ndarray:
    """At a boundary (input change or bolus) a simulator may report the value just before or
    just after the event, and `gutbrain simulate` the state before a bolus with the new
    segment's inputs: such samples are left out."""
    return np.all(np.abs(t[:, None] - boundaries[None, :]) > 1e-9, axis=1)


def _roadrunner_agreement(model, scenarios: list[Scenario], capsys) -> None:
    """Export each scenario as `gutbrain export-sbml` does (a default-person scenario with no
    interventions as the plain export), run the files in libroadrunner from their own initial
    values and events, and compare every observable and state with `gutbrain simulate` at
    every hourly sample."""
    pytest.importorskip("roadrunner")
    selections = [OBS_PREFIX + o for o in model.observable_ids] + model.state_names
    jobs = []
    for sc in scenarios:
        sched, y0 = scenario_start(model, sc)
        if sc.person == "healthy_adult" and sc.diet == "western" and not sc.interventions:
            text = export_sbml(model)  # the plain export
        else:
            text = export_sbml(model, y0=y0, schedule=sched)
        t_out = np.arange(0.0, sc.days * 24 + 0.5) / 24.0
        # per-variable absolute tolerance, 1e-3 of the relative one (as the engine does)
        atol = {s: 1e-12 * max(1.0, abs(v)) for s, v in zip(model.state_names, y0, strict=True)}
        jobs.append((sc, sched, t_out, text, atol))

    agreement = _Agreement()
    # libroadrunner holds the GIL while it JIT-compiles (~5 s a document): use both cores
    with ProcessPoolExecutor(max_workers=2, mp_context=mp.get_context("spawn")) as pool:
        futures = [pool.submit(roadrunner_time_course, text, t_out, selections, rtol=1e-9,
                               atol=atol) for _, _, t_out, text, atol in jobs]
        report = []
        for (sc, sched, t_out, _, _), fut in zip(jobs, futures, strict=True):
            want = _reference(model, sc, t_out)
            run = fut.result()
            keep = _off_boundaries(t_out, sched.boundaries)
            for name in selections:
                agreement.check("libroadrunner", sc.name, name, t_out[keep],
                                run.column(name)[keep], want[name][keep])
            report.append(f"  {sc.name:<17} {sc.days:>4.0f} d: libroadrunner load "
                          f"{run.load_s:4.1f} s, simulate {run.simulate_s:4.1f} s")
    with capsys.disabled():
        print("\nlibroadrunner on the exported files vs gutbrain simulate (every observable "
              "and state, hourly, boundaries excluded):")
        print("\n".join(report))
        print("  " + agreement.summary("libroadrunner"))


@pytest.mark.slow
def test_roadrunner_runs_the_export_as_is(model, capsys):
    """The plain export (the baseline demo: default person, Western diet), every other demo
    scenario (60 days) and a scenario with every intervention type run in libroadrunner as
    they are and match `gutbrain simulate`."""
    scenarios = [s.model_copy(update={"days": DAYS}) for s in demo_scenarios()]
    assert REQUIRED | {"baseline"} <= {s.name for s in scenarios}
    scenarios.append(parse_scenario(ACUTE_MIX))
    _roadrunner_agreement(model, scenarios, capsys)


def _copasi():
    import locale

    saved = locale.setlocale(locale.LC_CTYPE)
    basico = pytest.importorskip(
        "basico", reason="COPASI's Python API is not installed (pip install copasi-basico)")
    # importing COPASI switches the process to the C (ASCII) locale, which would break every
    # later open() without an explicit encoding in this test session
    locale.setlocale(locale.LC_CTYPE, saved)
    if not hasattr(basico, "load_model"):  # PyPI's unrelated "basico" (an SAP notes tool)
        pytest.skip("the installed 'basico' is not COPASI's (pip install copasi-basico)")
    return basico


@pytest.mark.slow
def test_copasi_runs_the_export_as_is(model, tmp_path, capsys):
    """COPASI (through basico) loads the files `gutbrain export-sbml` writes and simulates
    them with nothing changed: the plain export, a scenario file with a bolus, and a scenario
    with every intervention type (segment changes and boluses); every observable and state
    must match `gutbrain simulate` at every hourly sample."""
    basico = _copasi()
    cli = CliRunner()
    from gutbrain.cli import app

    endotoxin = EXAMPLES / "endotoxin-challenge.yaml"
    cases = [("plain export", Scenario(name="default", days=5), []),
             ("endotoxin-challenge.yaml", load_scenario(endotoxin),
              ["--scenario", str(endotoxin)]),
             ("acute_mix", parse_scenario(ACUTE_MIX), None)]
    selections = [OBS_PREFIX + o for o in model.observable_ids] + model.state_names
    agreement = _Agreement()
    report = []
    for case, sc, args in cases:
        path = tmp_path / f"{sc.name}.xml"
        sched, y0 = scenario_start(model, sc)
        if args is None:
            write_sbml(path, model, y0=y0, schedule=sched)
        else:
            res = cli.invoke(app, ["export-sbml", str(path), *args])
            assert res.exit_code == 0, res.output
        dm = basico.load_model(str(path))
        try:
            t_out = np.arange(0.0, sc.days * 24 + 0.5) / 24.0
            out = basico.run_time_course(duration=float(sc.days), intervals=len(t_out) - 1,
                                         r_tol=1e-9, a_tol=1e-12, max_steps=10**6,
                                         use_sbml_id=True, model=dm)
        finally:
            basico.remove_datamodel(dm)
        assert np.allclose(out.index.values, t_out, atol=1e-9)
        missing = [x for x in selections if x not in out.columns]
        assert not missing, f"COPASI reports no {missing[:5]}"
        want = _reference(model, sc, t_out)
        keep = _off_boundaries(t_out, sched.boundaries)
        for name in selections:
            agreement.check("COPASI", case, name, t_out[keep], out[name].values[keep],
                            want[name][keep])
        report.append(f"  {case:<26} {sc.days:>4.0f} d, {len(sched.boundaries) - 2} boundaries")
    with capsys.disabled():
        print("\nCOPASI (basico) on the exported files vs gutbrain simulate (every observable "
              "and state, hourly, boundaries excluded):")
        print("\n".join(report))
        print("  " + agreement.summary("COPASI"))
