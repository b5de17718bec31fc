"""Export the model (and optionally one person's scenario) as an SBML Level 3 Version 2 file.

The SBML document is generated from the same declarative ``ModelSpec`` as the numeric engine
(via the sympy form of ``gutbrain.compile.symbolic``), so both describe one model:

* every species becomes an SBML species in compartment ``body`` (1 litre, no physiology): a
  species whose unit is a concentration (g/L, mM, pg/mL) is a concentration of its substance
  unit, any other (cells, mg, relative levels) has only substance units, so that in every
  formula a species' value is the model's state value;
* every parameter becomes an SBML parameter (unit, source and description in its notes);
* every assignment becomes a non-constant parameter with an ``AssignmentRule``, in dependency
  order;
* every observable ``x`` becomes a parameter ``obs_x`` with an ``AssignmentRule``;
* a rule whose expression uses an assignment more than once is written as a call of a
  ``FunctionDefinition`` ``fn_<variable>`` (the original expression, with its symbols as
  arguments); see ``export_sbml(function_definitions=...)`` for why;
* units: a unit definition for every unit string of the model, on every species, parameter
  and rule variable, and on every number in a formula (``gutbrain.compile.units``: how a
  number gets its unit, and the few unit strings the export corrects);
* initial values are the person's periodic steady state at t = 0, the state ``gutbrain
  simulate`` starts from (``scenario_start``);
* a scenario schedule becomes one event per segment boundary that sets the parameters that
  change there and adds the boluses (``species = species + amount``); segment 0 goes into the
  initial values.

Model time ``t`` (days, t = 0 is midnight of day 0) is the SBML ``time`` csymbol; the model's
time unit is declared as ``day``.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from html import escape
from pathlib import Path

import libsbml
import numpy as np
import sympy as sp
from sympy.printing.str import StrPrinter

from gutbrain.compile.build import CompiledModel
from gutbrain.compile.symbolic import TIME, SymbolicModel, build_symbolic
from gutbrain.compile.units import (
    BASE_KINDS,
    DAY,
    FormulaUnits,
    Unit,
    UnitRegistry,
    declared_unit,
    parse_unit,
    unit_of_definition,
    unit_of_id,
)
from gutbrain.model.spec import ModelSpec
from gutbrain.scenario.schedule import Schedule
from gutbrain.scenario.schema import Scenario

SBML_LEVEL = 3
SBML_VERSION = 2
COMPARTMENT = "body"
OBS_PREFIX = "obs_"

_SID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# names the L3 infix parser reads as built-in constants/operators rather than model ids
_RESERVED = {"time", "pi", "exponentiale", "avogadro", "true", "false", "inf", "infinity",
             "nan", "notanumber", "and", "or", "not", "xor"}


class SBMLExportError(RuntimeError):
    """The model cannot be written as a valid SBML document."""


# --------------------------------------------------------------------------------------------
# sympy -> SBML L3 infix text
# --------------------------------------------------------------------------------------------


class _L3Printer(StrPrinter):
    """Print sympy expressions as libSBML L3 infix formulas.

    ``t`` becomes the ``time`` csymbol, ``log`` the natural logarithm ``ln`` (``log`` in L3
    infix means log10 by default), powers ``pow(base, exponent)`` and numbers floats written
    exactly as the numeric code generator writes them.
    """

    _FUNCTIONS = {"exp": "exp", "log": "ln", "cos": "cos", "sin": "sin", "tan": "tan",
                  "Abs": "abs"}

    def __init__(self, time: str = "time") -> None:
        super().__init__()
        self._time = time

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return self._time if expr == TIME else expr.name

    def _print_Float(self, expr: sp.Float) -> str:
        return repr(float(expr))

    def _print_Integer(self, expr: sp.Integer) -> str:
        return repr(float(expr))

    def _print_Rational(self, expr: sp.Rational) -> str:
        return repr(float(expr.p) / float(expr.q))

    def _print_Pi(self, expr: sp.Expr) -> str:
        return "pi"

    def _print_Exp1(self, expr: sp.Expr) -> str:
        return "exponentiale"

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        base, e = expr.as_base_exp()
        b = self._print(base)
        if e == sp.S.Half:
            return f"sqrt({b})"
        if e == -1:
            return f"1/({b})"
        if e == -sp.S.Half:
            return f"1/sqrt({b})"
        return f"pow({b}, {self._print(e)})"

    def _print_Function(self, expr: sp.Function) -> str:
        name = type(expr).__name__
        if name not in self._FUNCTIONS:
            raise SBMLExportError(f"function {name!r} has no SBML translation in {expr}")
        args = ", ".join(self._print(a) for a in expr.args)
        return f"{self._FUNCTIONS[name]}({args})"

    def emptyPrinter(self, expr: object) -> str:  # noqa: N802 - sympy's hook name
        raise SBMLExportError(f"cannot translate {type(expr).__name__} ({expr}) to SBML")

    def _print_Infinity(self, expr: sp.Expr) -> str:
        raise SBMLExportError("infinite constant in a model expression")

    _print_NegativeInfinity = _print_Infinity
    _print_ComplexInfinity = _print_Infinity
    _print_NaN = _print_Infinity


_PRINTERS = {"time": _L3Printer("time"), "t": _L3Printer("t")}
_ALLOWED = (sp.Symbol, sp.Number, sp.Add, sp.Mul, sp.Pow, sp.exp, sp.log, sp.cos, sp.sin,
            sp.tan, sp.Abs, sp.core.numbers.Pi, sp.core.numbers.Exp1)


def to_l3_formula(expr: sp.Expr, time: str = "time") -> str:
    """SBML L3 infix text of a sympy expression (``t`` → ``time``, ``log`` → ``ln``).

    ``time="t"`` keeps model time as a plain name (for the body of a function definition,
    where the ``time`` csymbol may not appear)."""
    # exp(a)*exp(b) -> exp(a + b): the model writes some exponentials split so that the
    # compiled engine evaluates the parameter-only factor once per segment, which an SBML
    # simulator cannot do (libroadrunner evaluated the split form ~2x slower)
    expr = sp.powsimp(sp.sympify(expr), deep=True, combine="exp")
    for node in sp.preorder_traversal(expr):
        if not isinstance(node, _ALLOWED) or (isinstance(node, sp.Number)
                                              and not node.is_finite):
            raise SBMLExportError(f"cannot translate {type(node).__name__} ({node}) to SBML")
    return _PRINTERS[time].doprint(expr)


def _ast_names(ast: libsbml.ASTNode, out: set[str]) -> set[str]:
    if ast.getType() == libsbml.AST_NAME:
        out.add(ast.getName())
    elif ast.getType() == libsbml.AST_NAME_TIME:
        out.add("<time>")
    for i in range(ast.getNumChildren()):
        _ast_names(ast.getChild(i), out)
    return out


def to_math(expr: sp.Expr | str, where: str, names: set[str] | None = None) -> libsbml.ASTNode:
    """Parse an expression into a libSBML AST; raise with the expression if it fails.

    The names the parser found must be the expression's symbols (``names`` for text, with
    ``<time>`` for the time csymbol): a symbol read as a built-in constant is an error."""
    if isinstance(expr, str):
        text = expr
    else:
        text = to_l3_formula(expr)
        names = {"<time>" if s == TIME else s.name for s in expr.free_symbols}
    ast = libsbml.parseL3Formula(text)
    if ast is None:
        raise SBMLExportError(f"{where}: libSBML cannot parse {text!r} "
                              f"({libsbml.getLastParseL3Error()})")
    if names is not None and _ast_names(ast, set()) != names:
        raise SBMLExportError(f"{where}: libSBML reads {text!r} with the names "
                              f"{sorted(_ast_names(ast, set()))}, expected {sorted(names)}")
    return ast


# --------------------------------------------------------------------------------------------
# document
# --------------------------------------------------------------------------------------------


def _check(code: int, what: str) -> None:
    if code != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise SBMLExportError(f"{what}: {libsbml.OperationReturnValue_toString(code)}")


def _notes(**fields: str) -> str:
    rows = "".join(f"<p>{escape(k)}: {escape(v)}</p>" for k, v in fields.items() if v)
    return f'<body xmlns="http://www.w3.org/1999/xhtml">{rows}</body>'


def _set_notes(sbase: libsbml.SBase, **fields: str) -> None:
    _check(sbase.setNotes(_notes(**fields)), f"notes of {sbase.getId()}")


def _num(x: float) -> str:
    return repr(float(x))


def _ids(sym: SymbolicModel) -> set[str]:
    taken: set[str] = set()
    for name in [*sym.state_names, *sym.param_names, *(a.name for a, _ in sym.assignments),
                 COMPARTMENT, *(OBS_PREFIX + o for o in sym.observable_ids)]:
        if not _SID.match(name) or name.lower() in _RESERVED:
            raise SBMLExportError(f"{name!r} is not a usable SBML identifier")
        if name in taken:
            raise SBMLExportError(f"identifier {name!r} is used twice in the SBML document")
        taken.add(name)
    return taken


class _RuleWriter:
    """Creates rule math, wrapping an expression in a function definition when that keeps
    simulators that inline assignment rules from evaluating the same subtree twice, and gives
    the numbers in it units (``FormulaUnits.annotate``)."""

    def __init__(self, sm: libsbml.Model, assigned: set[sp.Symbol], taken: set[str],
                 use_functions: bool, units: FormulaUnits) -> None:
        self.sm = sm
        self.assigned = assigned
        self.taken = taken
        self.use_functions = use_functions
        self.units = units

    def math(self, variable: str, expr: sp.Expr, where: str,
             expected: Unit) -> tuple[libsbml.ASTNode, str]:
        """The rule's math and a note on the numbers that took a unit from their place."""
        self.units.where = where
        first = len(self.units.implied)
        if not (self.use_functions and self._repeats_assignment(expr)):
            ast = to_math(expr, where)
            self.units.annotate(ast, expected)
            return ast, self._implied_note(first)
        fid = f"fn_{variable}"
        if fid in self.taken:
            raise SBMLExportError(f"identifier {fid!r} is used twice in the SBML document")
        self.taken.add(fid)
        args = sorted(expr.free_symbols, key=lambda s: (s != TIME, s.name))
        bvars = ["t" if a == TIME else a.name for a in args]
        lam = f"lambda({', '.join([*bvars, to_l3_formula(expr, time='t')])})"
        lam_ast = to_math(lam, f"{where} (function {fid})", set(bvars))
        # the arguments are the model symbols of the same names (t: model time in days)
        self.units.annotate(lam_ast.getChild(lam_ast.getNumChildren() - 1), expected)
        fd = self.sm.createFunctionDefinition()
        _check(fd.setId(fid), f"function {fid}")
        _check(fd.setMath(lam_ast), f"function {fid}")
        _set_notes(fd, description=f"expression of {variable}; its arguments are the model "
                   "symbols it uses (t = model time in days)")
        call = f"{fid}({', '.join('time' if a == TIME else a.name for a in args)})"
        ast = to_math(call, where, {"<time>" if a == TIME else a.name for a in args})
        return ast, self._implied_note(first)

    def _implied_note(self, first: int) -> str:
        items = self.units.implied[first:]
        return "; ".join(f"{v:.10g} {u.describe()}" for _, v, u in items)

    def _repeats_assignment(self, expr: sp.Expr) -> bool:
        seen: set[sp.Symbol] = set()
        for node in sp.preorder_traversal(expr):
            if node in self.assigned:
                if node in seen:
                    return True
                seen.add(node)
        return False


def scenario_start(model: CompiledModel,
                   scenario: Scenario | None = None) -> tuple[Schedule, np.ndarray]:
    """The schedule and the start state ``gutbrain simulate`` uses for a scenario: the
    person's parameters (preset, overrides, diet; a measured profile's guilds), the inputs
    over time, and the person's periodic steady state on the baseline inputs at t = 0.

    ``scenario=None``: the default scenario (default person on a Western diet, nothing
    changes)."""
    from gutbrain.engine.single import Tolerances, steady_state
    from gutbrain.scenario.schedule import build_schedule, person_parameters

    sc = Scenario(name="default") if scenario is None else scenario
    tol = Tolerances()  # the tolerance `gutbrain simulate` runs (and burns in) with
    p0 = person_parameters(model, sc)
    person = sc.person
    if not isinstance(person, str) and person.profile:
        from gutbrain.api import measured_guild_shares, personalised_start

        p0, y0 = personalised_start(model, p0, measured_guild_shares(person.profile,
                                                                     str(person.sample)), tol)
        return build_schedule(model, sc, p0), y0
    sched = build_schedule(model, sc, p0)
    return sched, steady_state(model, sched.baseline, tol=tol)


def _model_units(spec: ModelSpec) -> tuple[dict[str, str], dict[str, str]]:
    """Unit string of every species, parameter, assignment and ``obs_`` observable as the
    export writes it, and the reason where it corrects the model's string."""
    units, fixes = {}, {}
    items = [*((x.name, x.unit) for x in (*spec.species, *spec.parameters, *spec.assignments)),
             *((OBS_PREFIX + o.id, o.unit) for o in spec.observables)]
    for name, text in items:
        used, why = declared_unit(name.removeprefix(OBS_PREFIX), text)
        units[name] = used
        if why:
            fixes[name] = why
    return units, fixes


_LITRE = Unit.of(litre=1)


def _substance_of(unit: Unit) -> Unit | None:
    """For a concentration (a substance kind per litre, e.g. pg/mL = ng/L), the substance unit
    (ng); None for any other unit. SBML asks a species' substance unit to be a mole, gram,
    item or dimensionless unit: a species in g/L is a concentration in a compartment."""
    sub = unit * _LITRE
    kinds = [e for e in sub.dims if e != 0]
    if unit.dims[BASE_KINDS.index("litre")] == -1 and kinds == [1]:
        return sub
    return None


def export_sbml(model: CompiledModel, params: np.ndarray | None = None,
                y0: np.ndarray | None = None, schedule: Schedule | None = None, *,
                function_definitions: bool = True) -> str:
    """The model as an SBML L3V2 document (text), with units.

    Defaults: the default scenario's person and inputs (``scenario_start``): the document
    starts where ``gutbrain simulate`` starts. ``params``: parameter vector (used when no
    ``schedule`` is given); ``y0``: initial state (default: the periodic steady state at t = 0
    of the parameters in force before the first intervention); ``schedule``: scenario inputs —
    its segment 0 parameters are the initial values and ``bolus[0]`` is added to ``y0``;
    every later boundary where something changes becomes an event (trigger ``time >=
    boundary``, persistent, initially false, values from the trigger time), as in the engine
    where ``bolus[k]`` is added and ``params[k]`` take over at ``boundaries[k]``.

    Units: every species, parameter, rule variable and number in a formula has one
    (``gutbrain.compile.units``); the model's time unit is the day.

    ``function_definitions``: write a rule whose expression uses an assignment more than once
    as ``fn_<variable>(args)`` with the expression in a function definition. The math is the
    same; it matters for simulators that substitute assignment rules into every use instead of
    evaluating them once (libroadrunner does): a function's arguments are evaluated once, so
    the substituted code shrinks about five-fold. Measured with libroadrunner 2.10 on this
    model: the plain document takes over 10 min to compile with the default MCJIT (about 1 min
    with LLJIT at -O0) and ~0.8 ms per right-hand-side evaluation; with function definitions
    about 55 s (5 s with LLJIT -O0, see ``roadrunner_time_course``) and ~0.05-0.1 ms.
    ``False`` gives rules that are the plain expressions (same math, e.g. for reading).

    libSBML writes numbers with 15 significant digits (relative rounding <= 5e-16).
    """
    spec = model.spec
    sym = build_symbolic(spec)
    taken = _ids(sym)
    n, m = model.n_states, len(model.param_names)

    if params is None and schedule is None:
        schedule, start = scenario_start(model)
        y0 = start if y0 is None else y0
    p0 = (np.asarray(schedule.params, float)[0].copy() if schedule is not None
          else np.asarray(params, float).copy())
    if p0.shape != (m,):
        raise ValueError(f"params must have {m} values, got shape {p0.shape}")
    if y0 is None:
        from gutbrain.engine.single import Tolerances, steady_state

        y0 = steady_state(model, schedule.baseline if schedule is not None else p0,
                          tol=Tolerances())
    x0 = np.asarray(y0, float).copy()
    if x0.shape != (n,):
        raise ValueError(f"y0 must have {n} values, got shape {x0.shape}")

    changed: set[int] = set()
    events: list[tuple[float, list[tuple[int, float]], list[tuple[int, float]]]] = []
    if schedule is not None:
        P = np.asarray(schedule.params, float)
        B = np.asarray(schedule.bolus, float)
        tb = np.asarray(schedule.boundaries, float)
        nseg = P.shape[0]
        if P.shape != (nseg, m) or B.shape != (nseg, n) or tb.shape != (nseg + 1,):
            raise ValueError("schedule shapes do not match the model")
        x0 = x0 + B[0]
        for k in range(1, nseg):
            sets = [(i, float(P[k, i])) for i in np.flatnonzero(P[k] != P[k - 1])]
            adds = [(i, float(B[k, i])) for i in np.flatnonzero(B[k] != 0.0)]
            if sets or adds:
                events.append((float(tb[k]), sets, adds))
                changed.update(i for i, _ in sets)

    doc = libsbml.SBMLDocument(SBML_LEVEL, SBML_VERSION)
    sm = doc.createModel()
    mid = re.sub(r"[^A-Za-z0-9_]", "_", f"{spec.name}_{spec.version}")
    _check(sm.setId(mid if _SID.match(mid) else f"m_{mid}"), "model id")
    _check(sm.setName(f"{spec.name} {spec.version}"), "model name")
    _set_notes(sm, model=f"{spec.name} {spec.version}", digest=model.digest,
               generator="gutbrain.compile.sbml (generated from the declarative ModelSpec)",
               time="t in days; t = 0 is midnight of day 0",
               start="initial values are the person's periodic steady state at t = 0 (the "
               "state gutbrain simulate starts from)",
               units="every species, parameter and rule variable has a unit definition made "
               "from the model's unit string (also in its notes); a number in a formula has "
               "the unit its place implies: dimensionless as a term of a sum, an exponent or "
               "the argument of exp/ln/cos, otherwise (a coefficient) the unit that makes its "
               "product the unit its context expects (each rule's notes list such numbers)")

    reg = UnitRegistry(sm, taken)
    unit_text, fixes = _model_units(spec)
    unit_id = {name: reg.for_text(text) for name, text in unit_text.items()}
    names = {name: parse_unit(text).unit for name, text in unit_text.items()}
    names["t"] = DAY  # model time inside function definitions
    day = reg.for_text("d")
    for code in (sm.setTimeUnits(day), sm.setVolumeUnits("litre"),
                 sm.setSubstanceUnits("mole"), sm.setExtentUnits("mole")):
        _check(code, "model units")

    comp = sm.createCompartment()
    for code in (comp.setId(COMPARTMENT), comp.setSize(1.0), comp.setConstant(True),
                 comp.setSpatialDimensions(3.0), comp.setUnits("litre")):
        _check(code, "compartment")
    _set_notes(comp, description="a container of 1 litre that holds no physiology: a "
               "species whose unit is a concentration (g/L, mM, pg/mL, ...) is that "
               "concentration (its substance unit per litre), any other species (cells, mg, "
               "a relative level) has only substance units; either way species values are "
               "the model's state values")

    def unit_notes(name: str, text: str) -> dict[str, str]:
        if name not in fixes:
            return {"unit": text}
        return {"unit": unit_text[name], "unit in the model": text,
                "unit corrected": fixes[name]}

    for i, s in enumerate(spec.species):
        sp_ = sm.createSpecies()
        substance = _substance_of(names[s.name])
        if substance is None:  # an amount, a count or a pure number: the value is that
            value = (sp_.setInitialAmount(float(x0[i])), sp_.setHasOnlySubstanceUnits(True),
                     sp_.setSubstanceUnits(unit_id[s.name]))
        else:  # a concentration: substance per litre of the unit-volume compartment
            value = (sp_.setInitialConcentration(float(x0[i])),
                     sp_.setHasOnlySubstanceUnits(False),
                     sp_.setSubstanceUnits(reg.for_unit(substance)))
        for code in (sp_.setId(s.name), sp_.setName(s.description),
                     sp_.setCompartment(COMPARTMENT), *value, sp_.setBoundaryCondition(False),
                     sp_.setConstant(False)):
            _check(code, f"species {s.name}")
        _set_notes(sp_, **unit_notes(s.name, s.unit), description=s.description,
                   module=spec.module_of(s.name),
                   nonnegative="yes (the gutbrain engine clips it at 0)" if s.nonnegative
                   else "no")

    for i, p in enumerate(spec.parameters):
        par = sm.createParameter()
        constant = p.kind != "input" and i not in changed
        for code in (par.setId(p.name), par.setName(p.description), par.setValue(float(p0[i])),
                     par.setConstant(constant), par.setUnits(unit_id[p.name])):
            _check(code, f"parameter {p.name}")
        _set_notes(par, **unit_notes(p.name, p.unit), source=p.source,
                   description=p.description, kind=p.kind, range=f"[{p.low:g}, {p.high:g}]",
                   module=spec.module_of(p.name))

    units = FormulaUnits(names, reg)
    rules = _RuleWriter(sm, {a for a, _ in sym.assignments}, taken, function_definitions,
                        units)
    assign_meta = {a.name: a for a in spec.assignments}
    for a, expr in sym.assignments:
        meta = assign_meta[a.name]
        par = sm.createParameter()
        for code in (par.setId(a.name), par.setName(meta.description), par.setConstant(False),
                     par.setUnits(unit_id[a.name])):
            _check(code, f"assignment {a.name}")
        _set_notes(par, **unit_notes(a.name, meta.unit), description=meta.description,
                   expression=meta.expr, module=spec.module_of(a.name))
        rule = sm.createAssignmentRule()
        math, implied = rules.math(a.name, expr, f"assignment {a.name}", names[a.name])
        _check(rule.setVariable(a.name), f"rule {a.name}")
        _check(rule.setMath(math), f"rule {a.name}")
        _set_notes(rule, **{"numbers with implied units": implied})

    obs_meta = {o.id: o for o in spec.observables}
    for oid, expr in sym.observables:
        meta = obs_meta[oid]
        par = sm.createParameter()
        pid = OBS_PREFIX + oid
        for code in (par.setId(pid), par.setName(meta.description), par.setConstant(False),
                     par.setUnits(unit_id[pid])):
            _check(code, f"observable {oid}")
        _set_notes(par, observable=oid, **unit_notes(pid, meta.unit),
                   description=meta.description, expression=meta.expr,
                   module=spec.module_of(oid))
        rule = sm.createAssignmentRule()
        math, implied = rules.math(pid, expr, f"observable {oid}", names[pid])
        _check(rule.setVariable(pid), f"rule {pid}")
        _check(rule.setMath(math), f"rule {pid}")
        _set_notes(rule, **{"numbers with implied units": implied})

    for s, rate in zip(spec.species, sym.rates, strict=True):
        rule = sm.createRateRule()
        math, implied = rules.math(s.name, rate, f"rate of {s.name}", names[s.name] / DAY)
        _check(rule.setVariable(s.name), f"rate rule {s.name}")
        _check(rule.setMath(math), f"rate rule {s.name}")
        _set_notes(rule, **{"numbers with implied units": implied})

    for k, (tk, sets, adds) in enumerate(events, start=1):
        ev = sm.createEvent()
        eid = f"schedule_{k}"
        for code in (ev.setId(eid), ev.setUseValuesFromTriggerTime(True)):
            _check(code, f"event {eid}")
        trig = ev.createTrigger()
        for code in (trig.setPersistent(True), trig.setInitialValue(False),
                     trig.setMath(to_math(f"time >= {_num(tk)} {day}", eid, {"<time>"}))):
            _check(code, f"trigger of {eid}")
        what = [f"{model.param_names[i]} = {v:g}" for i, v in sets]
        what += [f"{model.state_names[i]} += {v:g}" for i, v in adds]
        _set_notes(ev, description=f"scenario schedule boundary at day {tk:g}",
                   changes="; ".join(what))
        for i, v in sets:
            name = model.param_names[i]
            ea = ev.createEventAssignment()
            _check(ea.setVariable(name), eid)
            _check(ea.setMath(to_math(f"{_num(v)} {unit_id[name]}", eid, set())), eid)
        for i, v in adds:
            name = model.state_names[i]
            ea = ev.createEventAssignment()
            _check(ea.setVariable(name), eid)
            _check(ea.setMath(to_math(f"{name} + {_num(v)} {unit_id[name]}", eid, {name})),
                   eid)

    return libsbml.writeSBMLToString(doc)


def write_sbml(path: str | os.PathLike[str], model: CompiledModel,
               params: np.ndarray | None = None, y0: np.ndarray | None = None,
               schedule: Schedule | None = None, *, function_definitions: bool = True) -> Path:
    """Write ``export_sbml(...)`` to ``path`` atomically (temporary file, then rename)."""
    path = Path(path)
    text = export_sbml(model, params, y0, schedule, function_definitions=function_definitions)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; this is an ordinary output file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def consistency_errors(text: str) -> list[str]:
    """libSBML consistency-check messages of severity error or fatal (empty when valid)."""
    doc = libsbml.readSBMLFromString(text)
    doc.checkConsistency()
    out = []
    for i in range(doc.getNumErrors()):
        err = doc.getError(i)
        if err.getSeverity() >= libsbml.LIBSBML_SEV_ERROR:
            out.append(f"line {err.getLine()}: {err.getMessage().strip()}")
    return out


@dataclass
class UnitReview:
    """The units of a written document, read back from it."""

    issues: list[str]  # libSBML consistency check, unit checks on: every message, any severity
    problems: list[str]  # the same rules checked with the units' factors (pg/mL is not g/L)
    implied: list[tuple[str, float, str]]  # (rule variable, number, unit) not dimensionless

    def issue_counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for text in self.issues:
            key = text.split(":", 1)[0]
            out[key] = out.get(key, 0) + 1
        return out


def unit_review(text: str) -> UnitReview:
    """Check the units of an SBML document as written: libSBML's consistency check with the
    unit checks on (every message kept, warnings included: they are what a COPASI or
    tellurium user sees), and a stricter check of every rule and event assignment that also
    compares the units' factors (``FormulaUnits.problems``; a function definition is checked
    as the body of the rule that calls it)."""
    doc = libsbml.readSBMLFromString(text)
    doc.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, True)
    doc.checkConsistency()
    issues = []
    for i in range(doc.getNumErrors()):
        err = doc.getError(i)
        msg = " ".join(err.getMessage().split())
        issues.append(f"{err.getErrorId()} {err.getSeverityAsString()}: line {err.getLine()}: "
                      f"{msg}")
    sm = doc.getModel()
    unit_ids = {sm.getUnitDefinition(i).getId(): unit_of_definition(sm.getUnitDefinition(i))
                for i in range(sm.getNumUnitDefinitions())}
    unit_ids["dimensionless"] = unit_of_id(sm, "dimensionless")
    names: dict[str, Unit] = {}
    for i in range(sm.getNumCompartments()):
        c = sm.getCompartment(i)
        names[c.getId()] = unit_of_id(sm, c.getUnits())
    for i in range(sm.getNumSpecies()):
        s = sm.getSpecies(i)
        names[s.getId()] = unit_of_id(sm, s.getSubstanceUnits())
        if not s.getHasOnlySubstanceUnits():  # in formulas: its concentration
            names[s.getId()] = names[s.getId()] / names[s.getCompartment()]
    for i in range(sm.getNumParameters()):
        p = sm.getParameter(i)
        names[p.getId()] = unit_of_id(sm, p.getUnits())
    time_unit = unit_of_id(sm, sm.getTimeUnits())
    functions = {sm.getFunctionDefinition(i).getId(): sm.getFunctionDefinition(i).getMath()
                 for i in range(sm.getNumFunctionDefinitions())}
    units = FormulaUnits(names, unit_ids=unit_ids, functions=functions)
    # the export names a function's arguments after the model symbols it passes (t: time)
    body_units = FormulaUnits({**names, "t": time_unit}, unit_ids=unit_ids)
    problems: list[str] = []
    implied: list[tuple[str, float, str]] = []
    checks: list[tuple[str, libsbml.ASTNode, Unit, bool]] = []
    for i in range(sm.getNumRules()):
        r = sm.getRule(i)
        want = names[r.getVariable()] / time_unit if r.isRate() else names[r.getVariable()]
        checks.append((r.getVariable(), r.getMath(), want, True))
    for i in range(sm.getNumEvents()):
        ev = sm.getEvent(i)
        for j in range(ev.getNumEventAssignments()):
            ea = ev.getEventAssignment(j)
            checks.append((f"{ev.getId()}: {ea.getVariable()}", ea.getMath(),
                           names[ea.getVariable()], False))
    for where, math, want, is_rule in checks:
        units.where = where
        body = None
        if math.getType() == libsbml.AST_FUNCTION and math.getName() in functions:
            lam = functions[math.getName()]
            body = lam.getChild(lam.getNumChildren() - 1)
            body_units.where = where
            problems += body_units.problems(body, want)
        else:
            problems += units.problems(math, want)
        # a value an event sets or adds is in its variable's unit: stated, not implied
        for node in _ast_nodes(body if body is not None else math) if is_rule else []:
            if node.isNumber() and node.isSetUnits() and node.getUnits() != "dimensionless":
                implied.append((where, float(node.getValue()), node.getUnits()))
    return UnitReview(issues, problems, implied)


def _ast_nodes(ast: libsbml.ASTNode) -> list[libsbml.ASTNode]:
    out = [ast]
    for i in range(ast.getNumChildren()):
        out += _ast_nodes(ast.getChild(i))
    return out


@dataclass
class RoadRunnerRun:
    """A libroadrunner time course of an exported document."""

    t: np.ndarray
    values: np.ndarray  # (time, selection)
    selections: list[str]
    load_s: float
    simulate_s: float

    def column(self, name: str) -> np.ndarray:
        return self.values[:, self.selections.index(name)]


_FAST_JIT = {"LLVM_BACKEND": "LLJIT", "LLJIT_OPTIMIZATION_LEVEL": 0,
             "LOADSBMLOPTIONS_MUTABLE_INITIAL_CONDITIONS": False}


def roadrunner_time_course(sbml: str, t_out: np.ndarray, selections: list[str], *,
                           rtol: float = 1e-9, atol: dict[str, float] | float = 1e-12,
                           max_steps: int = 10**7, fast_jit: bool = True) -> RoadRunnerRun:
    """Simulate an exported document with libroadrunner (CVODE) on an evenly spaced grid.

    ``atol``: absolute tolerance per species id (or one value for all); it is handed to CVODE
    as a vector, which libroadrunner uses as given (a scalar it would rescale).
    ``fast_jit``: compile with LLJIT at optimisation level 0 and fixed initial conditions
    (about 5 s instead of about 55 s with the defaults for this model; the generated code is
    about 1.5 times slower). libroadrunner's global configuration is restored afterwards.
    Samples at an event time may show the value before or after the event.
    Requires the optional ``libroadrunner`` package.
    """
    import time as _time

    import roadrunner
    from roadrunner import Config

    t_out = np.asarray(t_out, float)
    if len(t_out) < 2 or not np.allclose(np.diff(t_out), t_out[1] - t_out[0], rtol=1e-9,
                                         atol=1e-12):
        raise ValueError("t_out must be an evenly spaced grid of at least two times")
    saved = {}
    if fast_jit:
        for key, value in _FAST_JIT.items():
            code = getattr(Config, key)
            saved[code] = Config.getValue(code)
            Config.setValue(code, getattr(Config, value) if isinstance(value, str) else value)
    try:
        t0 = _time.perf_counter()
        rr = roadrunner.RoadRunner(sbml)
        load_s = _time.perf_counter() - t0
    finally:
        for code, value in saved.items():
            Config.setValue(code, value)
    n = rr.model.getNumRateRules()
    ids = [rr.model.getStateVectorId(i) for i in range(n)]
    if isinstance(atol, dict):
        floor = min(atol.values())
        vec = [float(atol.get(i, floor)) for i in ids]
    else:
        vec = [float(atol)] * n
    integ = rr.integrator
    integ.setValue("relative_tolerance", float(rtol))
    integ.setValue("absolute_tolerance", vec)
    integ.setValue("maximum_num_steps", int(max_steps))
    rr.timeCourseSelections = ["time", *selections]
    t0 = _time.perf_counter()
    out = np.array(rr.simulate(float(t_out[0]), float(t_out[-1]), len(t_out)))
    simulate_s = _time.perf_counter() - t0
    if not np.allclose(out[:, 0], t_out, rtol=0, atol=1e-9 * max(1.0, abs(t_out[-1]))):
        raise RuntimeError("libroadrunner returned other sample times than requested")
    return RoadRunnerRun(out[:, 0], out[:, 1:], list(selections), load_s, simulate_s)


__all__ = ["RoadRunnerRun", "SBMLExportError", "UnitReview", "consistency_errors",
           "export_sbml", "roadrunner_time_course", "scenario_start", "to_l3_formula",
           "unit_review", "write_sbml"]
