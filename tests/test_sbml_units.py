"""Units in the SBML export: the unit-string parser, the unit definitions it writes, the
units of numbers in formulas, and libSBML's unit-consistency check of the exported document."""

from __future__ import annotations

import math
import re
from fractions import Fraction

import libsbml
import pytest

from gutbrain.compile.sbml import OBS_PREFIX, export_sbml, scenario_start, unit_review
from gutbrain.compile.units import (
    DAY,
    ONE,
    UNIT_CORRECTIONS,
    FormulaUnits,
    Unit,
    UnitError,
    UnitRegistry,
    declared_unit,
    parse_unit,
    unit_of_definition,
)
from gutbrain.model import build_model
from gutbrain.scenario.loader import parse_scenario

MAX_LIBSBML_ISSUES = 50  # issue #19: libSBML unit consistency <= 50 issues
# The model's empirical Hill terms x^h / (x^h + K^h) raise a concentration to a parameter h:
# dimensionless as a ratio of equal powers of one unit, but no unit checker can give x^h a unit.
# These rules are the only ones allowed to have unit problems.
HILL_RULES = {"tnf", "il6", "il10", "macrophage_activation"}


def u(text: str) -> Unit:
    return parse_unit(text).unit


# --------------------------------------------------------------------------------------------
# parser
# --------------------------------------------------------------------------------------------


def test_every_model_unit_string_parses():
    spec = build_model()
    texts = {x.unit for x in (*spec.species, *spec.parameters, *spec.assignments,
                              *spec.observables)}
    for text in texts:
        parse_unit(text)  # raises UnitError on a word it does not know


@pytest.mark.parametrize(("a", "b"), [
    ("pg/mL", "ng/L"),
    ("1/(g/d)", "d/g"),
    ("g/L/d", "g/(L*d)"),
    ("mM", "mmol/L"),
    ("uM/d", "umol/L/d"),
    ("ng/kg/d per g/L", "ng*L/(kg*d*g)"),
    ("mg/L/d per pg/mL", "mg*mL/(L*d*pg)"),
    ("pg/mL/cell/d", "pg/(mL*cell*d)"),
    ("L*d/g", "1/(g/L/d)"),
])
def test_equivalent_spellings(a, b):
    assert u(a).equivalent(u(b))


@pytest.mark.parametrize(("text", "factor", "dims"), [
    ("g/L", 1.0, (0, 1, -1, 0, 0)),
    ("pg/mL", 1e-9, (0, 1, -1, 0, 0)),
    ("ug/dL", 1e-5, (0, 1, -1, 0, 0)),
    ("mM", 1e-3, (1, 0, -1, 0, 0)),
    ("1/d", 1 / 86400, (0, 0, 0, -1, 0)),
    ("min/week", 60 / (7 * 86400), (0, 0, 0, 0, 0)),
    ("umol/mmol", 1e-3, (0, 0, 0, 0, 0)),
    ("MIU/week", 1e6 / (7 * 86400), (0, 0, 0, -1, 0)),
    ("cells", 1.0, (0, 0, 0, 0, 1)),
    ("kg", 1e3, (0, 1, 0, 0, 0)),
    ("pH/mM", 1e3, (-1, 0, 1, 0, 0)),
    ("1", 1.0, (0, 0, 0, 0, 0)),
    ("logit", 1.0, (0, 0, 0, 0, 0)),
    ("score 0-27", 1.0, (0, 0, 0, 0, 0)),
    ("1 (healthy = 1)", 1.0, (0, 0, 0, 0, 0)),
    ("L^2/g", 1.0, (0, -1, 2, 0, 0)),
])
def test_parse_values(text, factor, dims):
    got = u(text)
    assert got.dims == tuple(Fraction(d) for d in dims)
    assert math.isclose(got.factor, factor, rel_tol=1e-12)


@pytest.mark.parametrize("bad", ["furlongs", "g/", "(g/L", "g//L", "g L", "", "g^x", "3 g"])
def test_unknown_or_malformed_units_raise(bad):
    with pytest.raises(UnitError):
        parse_unit(bad)


def test_corrections_apply_only_to_the_string_they_correct():
    for (name, text), (fixed, why) in UNIT_CORRECTIONS.items():
        assert declared_unit(name, text) == (fixed, why) and why
        assert declared_unit(name, fixed) == (fixed, "")  # fixed in the model: inert
        assert not u(text).equivalent(u(fixed))
    assert declared_unit("V_colon", "L") == ("L", "")


def test_unit_definitions_round_trip():
    """Every unit written as a definition reads back as the same unit, factors included."""
    doc = libsbml.SBMLDocument(3, 2)
    reg = UnitRegistry(doc.createModel())
    texts = ["g/L/d", "pg/mL/cell/d", "ng/kg/d per g/L", "MIU/week", "min/d", "umol/mmol",
             "1/(pg/mL)", "mg/L/d per pg/mL", "ug/dL", "score 0-27", "d", "pH"]
    for text in texts:
        uid = reg.for_text(text)
        assert unit_of_definition(doc.getModel().getUnitDefinition(uid)).equivalent(u(text))
    assert reg.for_text("1") == "dimensionless"
    assert reg.for_text("d") == "day"
    assert reg.for_text("1/d") == reg.for_unit(ONE / DAY)  # reused, not defined twice
    assert len({reg.for_text(t) for t in texts}) == len(texts)


# --------------------------------------------------------------------------------------------
# numbers in formulas
# --------------------------------------------------------------------------------------------


def _annotated(formula: str, names: dict[str, str],
               expected: str) -> tuple[list[tuple[float, Unit]], list[str]]:
    doc = libsbml.SBMLDocument(3, 2)
    reg = UnitRegistry(doc.createModel())
    fu = FormulaUnits({k: u(v) for k, v in names.items()}, reg, where="test")
    ast = libsbml.parseL3Formula(formula)
    fu.annotate(ast, u(expected))
    return [(v, unit) for _, v, unit in fu.implied], fu.problems(ast, u(expected))


def _same(implied: list[tuple[float, Unit]], want: list[tuple[float, str]]) -> bool:
    return len(implied) == len(want) and all(
        v == w and unit.equivalent(u(text))
        for (v, unit), (w, text) in zip(implied, want, strict=True))


def test_coefficients_take_the_unit_their_product_needs():
    implied, problems = _annotated("41.9 * B", {"B": "g/L"}, "g/L/d")
    assert _same(implied, [(41.9, "1/d")]) and problems == []
    implied, problems = _annotated("(P - Q) * 16.65 - k * A", {"P": "g/L/d", "Q": "g/L/d",
                                                               "k": "1/d", "A": "mM"}, "mM/d")
    assert _same(implied, [(16.65, "mmol/g")]) and problems == []
    implied, problems = _annotated("x / 150.0", {"x": "min/week"}, "1")
    assert _same(implied, [(150.0, "min/week")]) and problems == []
    implied, problems = _annotated("4.8 / Y * B", {"Y": "g/g", "B": "g/L"}, "g/L/d")
    assert _same(implied, [(4.8, "1/d")]) and problems == []
    implied, _ = _annotated("cos(2.0 * pi * (time - c))", {"c": "d"}, "1")
    assert _same(implied, [(2.0, "1/d")])


def test_numbers_in_sums_stay_dimensionless_so_unit_bugs_show():
    """A number added to a dimensioned term is not given that term's unit: the sum is
    reported instead of the bug hidden."""
    implied, problems = _annotated("1.0 / (1.0 + a * s)", {"a": "1/serving", "s": "servings/d"},
                                   "1")
    assert problems and "1/d" in problems[0]
    implied, problems = _annotated("1.0 / (1.0 + a * s)", {"a": "d/serving", "s": "servings/d"},
                                   "1")
    assert implied == [] and problems == []


def test_factor_errors_are_problems():
    """libSBML compares kinds only; the strict check also compares factors."""
    _, problems = _annotated("x + y", {"x": "pg/mL", "y": "g/L"}, "g/L")
    assert len(problems) == 2  # the sum and the result
    _, problems = _annotated("x + y", {"x": "pg/mL", "y": "ng/L"}, "pg/mL")
    assert problems == []
    _, problems = _annotated("pow(x, h) / (pow(x, h) + pow(K, h))",
                             {"x": "pg/mL", "K": "pg/mL", "h": "1"}, "1")
    assert problems and all("parameter's power" in p for p in problems)


# --------------------------------------------------------------------------------------------
# the exported documents
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def documents(model):
    sc = parse_scenario({
        "name": "events", "person": "healthy_adult", "days": 12, "diet": "western",
        "interventions": [
            {"type": "antibiotic", "class": "broad_spectrum", "start_day": 1, "days": 3},
            {"type": "probiotic", "genus": "lactobacillus", "cfu_per_day": 1e10,
             "start_day": 2, "days": 5},
            {"type": "fmt", "donor": "healthy", "day": 5},
            {"type": "endotoxin", "ng_per_kg": 2, "day": 6.375},
            {"type": "dexamethasone", "mg": 1, "day": 7},
            {"type": "lab_stressor", "day": 8.4375, "minutes": 15},
            {"type": "interferon_alpha", "miu": 3, "start_day": 9, "days": 2}]})
    sched, y0 = scenario_start(model, sc)
    return {"plain": export_sbml(model), "events": export_sbml(model, y0=y0, schedule=sched)}


@pytest.fixture(scope="module")
def reviews(documents):
    return {k: unit_review(text) for k, text in documents.items()}


@pytest.mark.parametrize("which", ["plain", "events"])
def test_units_consistency(reviews, which, capsys):
    review = reviews[which]
    with capsys.disabled():
        print(f"\nlibSBML unit consistency ({which} export): {len(review.issues)} issues "
              f"{review.issue_counts()}; strict check: {len(review.problems)} problems; "
              f"{len(review.implied)} numbers with implied units")
    assert len(review.issues) <= MAX_LIBSBML_ISSUES, "\n".join(review.issues[:20])
    assert not any("Error" in i.split(":")[0] for i in review.issues), review.issues
    for p in review.problems:
        rule = p.split(":", 1)[0]
        assert rule in HILL_RULES and "to a parameter's power" in p, p


def test_every_element_and_number_has_a_unit(documents, model):
    doc = libsbml.readSBMLFromString(documents["events"])
    m = doc.getModel()
    assert m.getTimeUnits() == "day" and m.getVolumeUnits() == "litre"
    assert m.getSubstanceUnits() and m.getExtentUnits()
    assert unit_of_definition(m.getUnitDefinition("day")).equivalent(DAY)
    for i in range(m.getNumCompartments()):
        assert m.getCompartment(i).isSetUnits()
    for i in range(m.getNumSpecies()):
        assert m.getSpecies(i).isSetSubstanceUnits()
    for i in range(m.getNumParameters()):
        assert m.getParameter(i).isSetUnits(), m.getParameter(i).getId()
    maths = [m.getRule(i).getMath() for i in range(m.getNumRules())]
    maths += [m.getFunctionDefinition(i).getBody()
              for i in range(m.getNumFunctionDefinitions())]
    for i in range(m.getNumEvents()):
        ev = m.getEvent(i)
        maths.append(ev.getTrigger().getMath())
        maths += [ev.getEventAssignment(j).getMath() for j in range(ev.getNumEventAssignments())]
    numbers = 0
    for math_ in maths:
        stack = [math_]
        while stack:
            node = stack.pop()
            if node.isNumber():
                numbers += 1
                assert node.isSetUnits(), libsbml.formulaToL3String(math_)
            stack += [node.getChild(k) for k in range(node.getNumChildren())
                      if not (node.getType() == libsbml.AST_FUNCTION_ROOT and k == 0)]
    assert numbers > 500
    # the unit written for an element is the model's (or its documented correction)
    spec = model.spec
    for p in spec.parameters:
        ud = m.getUnitDefinition(m.getParameter(p.name).getUnits())
        want = u(declared_unit(p.name, p.unit)[0])
        got = ONE if ud is None else unit_of_definition(ud)
        assert got.equivalent(want), p.name
    for o in spec.observables:
        ud = m.getUnitDefinition(m.getParameter(OBS_PREFIX + o.id).getUnits())
        got = ONE if ud is None else unit_of_definition(ud)
        assert got.equivalent(u(o.unit)), o.id


def test_implied_units_are_in_the_rule_notes(documents, reviews):
    review = reviews["plain"]
    assert review.implied, "the model has coefficients with units (uptake capacities, ...)"
    m = libsbml.readSBMLFromString(documents["plain"]).getModel()
    for where, value, _ in review.implied:
        rule = m.getRule(where)
        notes = rule.getNotesString()
        assert "numbers with implied units" in notes
        assert re.search(re.escape(f"{value:.10g} "), notes), (where, value)
