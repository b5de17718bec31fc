"""Units for the SBML export: read the model's unit strings, write them as SBML unit
definitions, and give every number in an exported formula a unit.

The model states units as free text on each species, parameter, assignment and observable
("g/L/d", "pg/mL/cell/d", "ng/kg/d per g/L", "score 0-27", ...). ``parse_unit`` reads that text
into a ``Unit``: a factor times integer (or, after a square root, fractional) powers of the
SBML base kinds mole, gram, litre, second and item, so that unit strings the model writes
differently ("1/(g/d)" and "d/g") compare equal and conversions (pg/mL = ng/L) are exact.
Counts (cells, CFU, servings) are SBML's ``item``; pH, logit, nats, scores and international
units are pure numbers. An unknown word raises ``UnitError``: a new unit string in the model
fails the export and its test instead of being written as "dimensionless". Three unit strings
of the model do not say what its expressions use them as; ``UNIT_CORRECTIONS`` writes the
corrected unit (and why, in the element's notes) without touching the model file.

Numbers in formulas. SBML asks for the unit of every number in every formula; the model's
expressions carry numbers without units (a Hill coefficient, a yield of 0.333 g/g, an uptake
capacity of 41.96 per day folded in when the model was assembled, a 1000/204.23 umol/mg molar
conversion). ``FormulaUnits.annotate`` gives each number the unit its place in the formula
implies:

* a term of a sum, an exponent, a number inside exp/ln/cos/sin: dimensionless (a number added to
  a dimensioned quantity would be an unnamed parameter with a unit, which the checker should
  see, not have hidden);
* a coefficient of a product or quotient: the unit that makes the product have the unit the
  context expects (the rule variable's unit, or for a factor inside exp/cos, dimensionless);
  the remaining factors' units are the model's, so a unit bug among them is still reported
  when the product is added to other terms, compared with a rule's variable or used as the
  argument of a function; only the coefficient itself is taken on trust.
  ``FormulaUnits.implied`` records every coefficient that received a unit other than
  dimensionless (the export lists them in each rule's notes) so that a reader can review
  them: they are the model's unnamed parameters.

libSBML's unit check compares kinds and exponents only (pg/mL and g/L pass as the same);
``FormulaUnits.problems`` repeats the check with the factors (a stricter test of the model's
units; ``gutbrain.compile.sbml.unit_review`` runs both on a written document).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

import libsbml

BASE_KINDS = ("mole", "gram", "litre", "second", "item")
_KIND_CODES = {"mole": libsbml.UNIT_KIND_MOLE, "gram": libsbml.UNIT_KIND_GRAM,
               "litre": libsbml.UNIT_KIND_LITRE, "second": libsbml.UNIT_KIND_SECOND,
               "item": libsbml.UNIT_KIND_ITEM, "dimensionless": libsbml.UNIT_KIND_DIMENSIONLESS}
DAY_SECONDS = 86400.0


class UnitError(ValueError):
    """A unit string the parser does not know, or an operation units do not allow."""


def _frac(x: float | int | Fraction) -> Fraction:
    return x if isinstance(x, Fraction) else Fraction(x).limit_denominator(1000)


@dataclass(frozen=True)
class Unit:
    """``factor`` x mole^a gram^b litre^c second^d item^e (``dims`` = (a, b, c, d, e))."""

    factor: float = 1.0
    dims: tuple[Fraction, ...] = (Fraction(0),) * len(BASE_KINDS)

    @staticmethod
    def of(factor: float = 1.0, **dims: int) -> Unit:
        unknown = set(dims) - set(BASE_KINDS)
        if unknown:
            raise UnitError(f"unknown base kinds {sorted(unknown)}")
        return Unit(float(factor), tuple(Fraction(dims.get(k, 0)) for k in BASE_KINDS))

    def __mul__(self, other: Unit) -> Unit:
        return Unit(self.factor * other.factor,
                    tuple(a + b for a, b in zip(self.dims, other.dims, strict=True)))

    def __truediv__(self, other: Unit) -> Unit:
        return Unit(self.factor / other.factor,
                    tuple(a - b for a, b in zip(self.dims, other.dims, strict=True)))

    def __pow__(self, e: float | int | Fraction) -> Unit:
        fe = _frac(e)
        return Unit(self.factor ** float(fe), tuple(a * fe for a in self.dims))

    @property
    def is_dimensionless(self) -> bool:
        """No base kinds (the factor may differ from 1, as in umol/mmol)."""
        return not any(self.dims)

    def equivalent(self, other: Unit, rtol: float = 1e-9) -> bool:
        """Equal kinds and factors (1 pg/mL = 1 ng/L)."""
        return self.dims == other.dims and math.isclose(self.factor, other.factor, rel_tol=rtol)

    def describe(self) -> str:
        """Readable form in the model's habits (time in days, an SI prefix where one fits),
        e.g. 'mmol/g', 'ng/L/d', '1.653e+06 1/d'."""
        factor = self.factor
        num: list[tuple[str, Fraction]] = []
        den: list[tuple[str, Fraction]] = []
        for kind, e in zip(BASE_KINDS, self.dims, strict=True):
            if e == 0:
                continue
            sym = {"mole": "mol", "gram": "g", "litre": "L", "second": "d", "item": "item"}[kind]
            if kind == "second":
                factor /= DAY_SECONDS ** float(e)
            (num if e > 0 else den).append((sym, e))
        if num and num[0][0] in ("mol", "g", "L") and num[0][1] == 1 \
                and not math.isclose(factor, 1.0, rel_tol=1e-12):
            for prefix, k in _PREFIXES:
                if math.isclose(factor, 10.0 ** k, rel_tol=1e-9):
                    num[0] = (prefix + num[0][0], num[0][1])
                    factor = 1.0
                    break

        def word(sym: str, e: Fraction) -> str:
            return sym if abs(e) == 1 else f"{sym}^{abs(e)}"

        text = "*".join(word(*x) for x in num) or "1"
        if den:
            text += "/" + "/".join(word(*x) for x in den)
        if not math.isclose(factor, 1.0, rel_tol=1e-12):
            text = f"{factor:.6g} {text}"
        return text


_PREFIXES = (("k", 3), ("m", -3), ("u", -6), ("n", -9), ("p", -12), ("f", -15))
ONE = Unit()
DAY = Unit.of(DAY_SECONDS, second=1)

_MOL, _G, _L, _S, _ITEM = (Unit.of(**{k: 1}) for k in BASE_KINDS)


def _scaled(factor: float, unit: Unit) -> Unit:
    return Unit(factor * unit.factor, unit.dims)


# every word the model's unit strings may use
ATOMS: dict[str, Unit] = {
    # pure numbers: a ratio, a pH, a log-odds, an entropy in nats, international units
    "1": ONE, "pH": ONE, "logit": ONE, "nats": ONE, "IU": ONE, "MIU": _scaled(1e6, ONE),
    # endotoxin units of the LAL assay: an activity, counted like international units
    "EU": ONE,
    # a number of microbial species (taxa, not entities: a count of kinds is a pure number)
    "species": ONE,
    "mol": _MOL, "mmol": _scaled(1e-3, _MOL), "umol": _scaled(1e-6, _MOL),
    "nmol": _scaled(1e-9, _MOL), "pmol": _scaled(1e-12, _MOL),
    "M": _MOL / _L, "mM": _scaled(1e-3, _MOL / _L), "uM": _scaled(1e-6, _MOL / _L),
    "nM": _scaled(1e-9, _MOL / _L), "pM": _scaled(1e-12, _MOL / _L),
    "kg": _scaled(1e3, _G), "g": _G, "mg": _scaled(1e-3, _G), "ug": _scaled(1e-6, _G),
    "ng": _scaled(1e-9, _G), "pg": _scaled(1e-12, _G),
    "L": _L, "dL": _scaled(0.1, _L), "mL": _scaled(1e-3, _L), "uL": _scaled(1e-6, _L),
    "s": _S, "ms": _scaled(1e-3, _S), "min": _scaled(60.0, _S), "h": _scaled(3600.0, _S),
    "d": DAY, "day": DAY,
    "week": _scaled(7 * DAY_SECONDS, _S),
    # counts: cells, colony-forming units, food servings
    "cell": _ITEM, "cells": _ITEM, "CFU": _ITEM, "serving": _ITEM, "servings": _ITEM,
    "item": _ITEM,
}

# unit strings that describe a pure number in words: (pattern, id stem)
_DESCRIPTIVE = (
    # a questionnaire total, e.g. PHQ-9 "score 0-27"
    (re.compile(r"^score (\d+)\s*-\s*(\d+)$"), "score"),
    # a ratio with its reference in words, e.g. "1 (healthy = 1)"
    (re.compile(r"^1 \(.+\)$"), ""),
    # a hazard ratio against a reference
    (re.compile(r"^hazard ratio$"), "hazard_ratio"),
    # the natural log of a quantity: a pure number in SBML (its argument's unit in words)
    (re.compile(r"^ln\(.+\)$"), "ln"),
)

# Unit strings in the model that do not say what the expressions use them as; the export
# writes the corrected unit (and the reason in the element's notes) while the string in the
# model file stays as it is. Keyed by (name, unit string): a model file that changes the
# string makes its entry inert.
UNIT_CORRECTIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("fv_antiinflam", "1/serving"): (
        "d/serving", "it multiplies fruit_veg_servings (servings/d) in 1 + fv_antiinflam * "
        "fruit_veg_servings, so it is per (serving/d)"),
    ("mass_per_cfu", "g"): (
        "g/CFU", "dry mass of one colony-forming unit: it multiplies CFU/d into g/d"),
    ("cfu_per_serving", "CFU"): (
        "CFU/serving", "it multiplies fermented_servings (servings/d) into CFU/d"),
}


def declared_unit(name: str, text: str) -> tuple[str, str]:
    """The unit string the export uses for ``name`` and, when corrected, why (else "")."""
    fix = UNIT_CORRECTIONS.get((name, text))
    return fix if fix is not None else (text, "")


@dataclass(frozen=True)
class ParsedUnit:
    """A unit string read: its value and the words with their exponents, in order."""

    text: str
    unit: Unit
    words: tuple[tuple[str, Fraction], ...] = field(default=())
    descriptive: str = ""  # id stem for a unit described in words ("score 0-27")


_TOKEN = re.compile(r"\s*(?:(?P<per>\bper\b)|(?P<word>[A-Za-z]+)|(?P<num>\d+)|(?P<op>[*/()^]))")


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.replace("µ", "u").replace("**", "^")
    while pos < len(text.rstrip()):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise UnitError(f"unit {text!r}: cannot read {text[pos:]!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def parse_unit(text: str) -> ParsedUnit:
    """Read a model unit string. Grammar: ``a per b`` divides whole products; within a product
    ``*``, ``/`` (left to right), ``^n``, parentheses; words from ``ATOMS``; ``1``."""
    stripped = text.strip()
    if not stripped:
        raise UnitError("empty unit string")
    for pattern, stem in _DESCRIPTIVE:
        m = pattern.match(stripped)
        if m:
            name = "_".join([stem, *m.groups()]) if stem else ""
            return ParsedUnit(text, ONE, (), name)
    toks = _tokens(stripped)
    words: list[tuple[str, Fraction]] = []
    pos = 0

    def peek() -> tuple[str, str]:
        return toks[pos] if pos < len(toks) else ("end", "")

    def take() -> tuple[str, str]:
        nonlocal pos
        tok = peek()
        pos += 1
        return tok

    def factor(sign: int) -> Unit:
        kind, val = take()
        if (kind, val) == ("op", "("):
            u = product(sign)
            if take() != ("op", ")"):
                raise UnitError(f"unit {text!r}: unbalanced parenthesis")
            return u
        if kind == "num" and val == "1":
            return ONE
        if kind != "word":
            raise UnitError(f"unit {text!r}: expected a unit, got {val or 'the end'!r}")
        if val not in ATOMS:
            raise UnitError(f"unit {text!r}: unknown unit {val!r}; known: "
                            f"{', '.join(sorted(ATOMS))} (add it to gutbrain.compile.units)")
        exp = Fraction(1)
        if peek() == ("op", "^"):
            take()
            kind, num = take()
            neg = kind == "op" and num == "-"
            if neg:
                kind, num = take()
            if kind != "num":
                raise UnitError(f"unit {text!r}: expected an integer exponent")
            exp = Fraction(-int(num) if neg else int(num))
        words.append((val, sign * exp))
        return ATOMS[val] ** exp

    def product(sign: int) -> Unit:
        u = factor(sign)
        while peek() in (("op", "*"), ("op", "/")):
            _, op = take()
            u = u * factor(sign) if op == "*" else u / factor(-sign)
        return u

    def per() -> Unit:
        u = product(1)
        while peek()[0] == "per":
            take()
            u = u / product(-1)
        return u

    unit = per()
    if pos != len(toks):
        raise UnitError(f"unit {text!r}: unexpected {toks[pos][1]!r}")
    return ParsedUnit(text, unit, tuple(words))


def _unit_id_stem(parsed: ParsedUnit) -> str:
    if parsed.descriptive:
        return parsed.descriptive
    num = [w if abs(e) == 1 else f"{w}{abs(e)}" for w, e in parsed.words if e > 0]
    den = [w if abs(e) == 1 else f"{w}{abs(e)}" for w, e in parsed.words if e < 0]
    if not num and not den:
        return "dimensionless"
    if num == ["d"] and not den:
        return "day"
    stem = "_".join(num)
    if den:
        stem = (stem + "_per_" if stem else "per_") + "_".join(den)
    return stem


# --------------------------------------------------------------------------------------------
# SBML unit definitions
# --------------------------------------------------------------------------------------------


def _check(code: int, what: str) -> None:
    if code != libsbml.LIBSBML_OPERATION_SUCCESS:
        raise UnitError(f"{what}: {libsbml.OperationReturnValue_toString(code)}")


def _unit_parts(unit: Unit) -> list[tuple[str, float, int, float]]:
    """(kind, exponent, scale, multiplier) per base kind; seconds are written as days and a
    remaining power of ten goes into a scale, anything else into a multiplier."""
    rest = unit.factor
    parts: list[list] = []
    for kind, e in zip(BASE_KINDS, unit.dims, strict=True):
        if e == 0:
            continue
        mult = 1.0
        if kind == "second":
            mult = DAY_SECONDS
            rest /= DAY_SECONDS ** float(e)
        parts.append([kind, float(e), 0, mult])
    if not parts:
        parts.append(["dimensionless", 1.0, 0, 1.0])
    if not math.isclose(rest, 1.0, rel_tol=1e-12):
        # spread over the first part: (mult * 10^scale)^e = old^e * rest
        p = parts[0]
        m = rest ** (1.0 / p[1])
        k = math.log10(m)
        if abs(k - round(k)) < 1e-9 and p[3] == 1.0:
            p[2] = int(round(k))
        else:
            p[3] *= m
    return [(k, e, s, m) for k, e, s, m in parts]


def unit_of_id(model: libsbml.Model, uid: str) -> Unit:
    """The ``Unit`` of a unit id of a model: a unit definition or a base kind."""
    ud = model.getUnitDefinition(uid)
    if ud is not None:
        return unit_of_definition(ud)
    if uid == "dimensionless":
        return ONE
    if uid in BASE_KINDS:
        return Unit.of(**{uid: 1})
    raise UnitError(f"unit {uid!r} is neither defined in the model nor a base kind the export "
                    "writes")


def unit_of_definition(ud: libsbml.UnitDefinition) -> Unit:
    """The ``Unit`` an SBML unit definition stands for (kinds outside ``BASE_KINDS``, other
    than dimensionless, raise)."""
    out = ONE
    for i in range(ud.getNumUnits()):
        u = ud.getUnit(i)
        kind = libsbml.UnitKind_toString(u.getKind())
        base = ONE if kind == "dimensionless" else None
        if kind in BASE_KINDS:
            base = Unit.of(**{kind: 1})
        if base is None:
            raise UnitError(f"unit kind {kind!r} is not one the export writes")
        scaled = _scaled(u.getMultiplier() * 10.0 ** u.getScale(), base)
        out = out * scaled ** _frac(u.getExponent())
    return out


class UnitRegistry:
    """The unit definitions of one SBML model: one per unit string of the model, plus one per
    further unit that a number in a formula needs (reusing a model one when equivalent)."""

    def __init__(self, model: libsbml.Model, reserved: set[str] | frozenset[str] = frozenset()
                 ) -> None:
        self.model = model
        self.units: dict[str, Unit] = {"dimensionless": ONE}
        self._by_text: dict[str, str] = {}
        # unit ids live in their own namespace in SBML L3, but a unit named like a model
        # symbol confuses readers (and some tools): such ids get a suffix
        self.reserved = set(reserved)

    def _define(self, stem: str, name: str, unit: Unit) -> str:
        uid = stem if _SID.match(stem) else "u_" + re.sub(r"[^A-Za-z0-9_]", "_", stem)
        if libsbml.UnitKind_forName(uid) != libsbml.UNIT_KIND_INVALID or uid in self.reserved:
            uid = uid + "_unit"  # a base unit kind name cannot be redefined
        base, k = uid, 2
        while uid in self.units:
            if self.units[uid].equivalent(unit) and self.model.getUnitDefinition(uid) is None:
                return uid
            uid, k = f"{base}_{k}", k + 1
        ud = self.model.createUnitDefinition()
        _check(ud.setId(uid), f"unit {uid}")
        _check(ud.setName(name), f"unit {uid}")
        for kind, e, s, m in _unit_parts(unit):
            u = ud.createUnit()
            for code in (u.setKind(_KIND_CODES[kind]), u.setExponent(e), u.setScale(s),
                         u.setMultiplier(m)):
                _check(code, f"unit {uid}")
        self.units[uid] = unit
        return uid

    def for_text(self, text: str) -> str:
        """Unit id for a model unit string (``dimensionless`` for plain ``1``)."""
        if text not in self._by_text:
            parsed = parse_unit(text)
            stem = _unit_id_stem(parsed)
            if stem == "dimensionless" and parsed.unit.equivalent(ONE):
                self._by_text[text] = "dimensionless"
            else:
                self._by_text[text] = self._define(stem, text.strip(), parsed.unit)
        return self._by_text[text]

    def for_unit(self, unit: Unit) -> str:
        """Unit id of an equivalent defined unit, else a new definition named after it."""
        for uid, u in self.units.items():
            if u.equivalent(unit, rtol=1e-12):
                return uid
        name = unit.describe()
        stem = re.sub(r"[^A-Za-z0-9]+", "_", name.replace("-", "m").replace(".", "p")
                      .replace("/", " per ")).strip("_")
        return self._define(stem if stem[0].isalpha() else "u_" + stem, name, unit)


_SID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# --------------------------------------------------------------------------------------------
# units of formulas
# --------------------------------------------------------------------------------------------

_LITERALS = {libsbml.AST_INTEGER, libsbml.AST_REAL, libsbml.AST_REAL_E, libsbml.AST_RATIONAL}
_DIMENSIONLESS_FUNCTIONS = {
    libsbml.AST_FUNCTION_EXP, libsbml.AST_FUNCTION_LN, libsbml.AST_FUNCTION_LOG,
    libsbml.AST_FUNCTION_COS, libsbml.AST_FUNCTION_SIN, libsbml.AST_FUNCTION_TAN}
_CONSTANTS = {libsbml.AST_CONSTANT_PI, libsbml.AST_CONSTANT_E}
_POWERS = {libsbml.AST_POWER, libsbml.AST_FUNCTION_POWER}  # parsed from text / read from MathML


def _children(node: libsbml.ASTNode) -> Iterator[libsbml.ASTNode]:
    for i in range(node.getNumChildren()):
        yield node.getChild(i)


def _number(node: libsbml.ASTNode) -> float | None:
    """Value of a literal (or of a unary minus of one), else None."""
    t = node.getType()
    if t in _LITERALS:
        return float(node.getValue())
    if t == libsbml.AST_MINUS and node.getNumChildren() == 1:
        v = _number(node.getChild(0))
        return None if v is None else -v
    return None


def _literal(node: libsbml.ASTNode) -> libsbml.ASTNode | None:
    """The literal node that carries the units of a number (under a unary minus)."""
    t = node.getType()
    if t in _LITERALS:
        return node
    if t == libsbml.AST_MINUS and node.getNumChildren() == 1:
        return _literal(node.getChild(0))
    return None


@dataclass
class FormulaUnits:
    """Units of the names in a formula, the registry numbers' units go into, and a record of
    every number that received a unit other than dimensionless (``implied``)."""

    names: Mapping[str, Unit]
    registry: UnitRegistry | None = None  # None: read units only (of a written document)
    unit_ids: Mapping[str, Unit] = field(default_factory=dict)
    functions: Mapping[str, libsbml.ASTNode] = field(default_factory=dict)
    implied: list[tuple[str, float, Unit]] = field(default_factory=list)
    where: str = ""

    # ---- reading units -------------------------------------------------------------------

    def unit(self, node: libsbml.ASTNode, names: Mapping[str, Unit] | None = None) -> Unit | None:
        """Unit of an expression; None where it cannot be told (a number without units, a
        power with a symbolic exponent of a dimensioned base)."""
        names = self.names if names is None else names
        t = node.getType()
        kids = list(_children(node))
        if t in _LITERALS:
            if not node.isSetUnits():
                return None
            ids = self.registry.units if self.registry is not None else self.unit_ids
            return ids.get(node.getUnits())
        if t == libsbml.AST_NAME:
            return names.get(node.getName())
        if t == libsbml.AST_NAME_TIME:
            return DAY
        if t in _CONSTANTS or t in _DIMENSIONLESS_FUNCTIONS:
            return ONE
        if t in (libsbml.AST_PLUS, libsbml.AST_MINUS):
            for k in kids:
                u = self.unit(k, names)
                if u is not None:
                    return u
            return None
        if t == libsbml.AST_TIMES:
            out = ONE
            for k in kids:
                u = self.unit(k, names)
                if u is None:
                    return None
                out = out * u
            return out
        if t == libsbml.AST_DIVIDE:
            a, b = (self.unit(k, names) for k in kids)
            return None if a is None or b is None else a / b
        if t in _POWERS:
            base = self.unit(kids[0], names)
            e = _number(kids[1])
            if base is not None and base.is_dimensionless and math.isclose(base.factor, 1.0):
                return ONE
            return None if base is None or e is None else base ** e
        if t == libsbml.AST_FUNCTION_ROOT:
            degree = _number(kids[0]) if len(kids) == 2 else 2.0
            base = self.unit(kids[-1], names)
            return None if base is None or degree is None else base ** (1 / _frac(degree))
        if t == libsbml.AST_FUNCTION_ABS:
            return self.unit(kids[0], names)
        if t == libsbml.AST_FUNCTION and node.getName() in self.functions:
            lam = self.functions[node.getName()]
            bvars = [lam.getChild(i).getName() for i in range(lam.getNumBvars())]
            args = {b: self.unit(k, names) for b, k in zip(bvars, kids, strict=True)}
            if any(v is None for v in args.values()):
                return None
            return self.unit(lam.getRightChild(), {**names, **args})  # type: ignore[dict-item]
        return None

    # ---- giving numbers units ------------------------------------------------------------

    def _set(self, node: libsbml.ASTNode, unit: Unit) -> None:
        lit = _literal(node)
        if lit is None or self.registry is None:
            return
        _check(lit.setUnits(self.registry.for_unit(unit)), f"units of a number in {self.where}")
        if not (unit.is_dimensionless and math.isclose(unit.factor, 1.0)):
            self.implied.append((self.where, float(lit.getValue()), unit))

    def annotate(self, node: libsbml.ASTNode, expected: Unit | None) -> None:
        """Give every number below ``node`` a unit (see the module docstring); ``expected``:
        the unit the context asks of ``node`` (None: not known)."""
        t = node.getType()
        kids = list(_children(node))
        if _literal(node) is not None:
            self._set(node, ONE)  # a number on its own: a sum's term, an exponent, an argument
            return
        if t in (libsbml.AST_PLUS, libsbml.AST_MINUS):
            if expected is None:
                expected = next((u for k in kids if _literal(k) is None
                                 for u in [self.unit(k)] if u is not None), None)
            for k in kids:
                self.annotate(k, expected)
        elif t in (libsbml.AST_TIMES, libsbml.AST_DIVIDE):
            self._annotate_product(node, kids, expected)
        elif t in _POWERS:
            e = _number(kids[1])
            self.annotate(kids[1], ONE)
            want = expected ** (1 / _frac(e)) if expected is not None and e else None
            self.annotate(kids[0], want)
        elif t in _DIMENSIONLESS_FUNCTIONS:
            for k in kids:
                self.annotate(k, ONE)
        elif t == libsbml.AST_FUNCTION_ROOT:
            self.annotate(kids[-1], expected ** 2 if expected is not None else None)
        elif t == libsbml.AST_FUNCTION_ABS:
            self.annotate(kids[0], expected)
        else:
            for k in kids:
                self.annotate(k, None)

    def _annotate_product(self, node: libsbml.ASTNode, kids: list[libsbml.ASTNode],
                          expected: Unit | None) -> None:
        """Factors whose unit is known keep it; of the others, sub-expressions are worked out
        on their own and then one number (or, with no number, the first unknown factor) takes
        the unit that is left to make the product ``expected``."""
        divide = node.getType() == libsbml.AST_DIVIDE
        numbers = [i for i, k in enumerate(kids) if _literal(k) is not None]
        unknown = [i for i, k in enumerate(kids) if i not in numbers and self.unit(k) is None]
        if numbers:
            taker = numbers[0]
        elif unknown and expected is not None:
            taker = unknown[0]
        else:
            taker = -1
        for i, k in enumerate(kids):
            if i != taker:
                self.annotate(k, None)
        if taker < 0:
            return
        prod: Unit | None = ONE
        for i, k in enumerate(kids):
            u = self.unit(k)
            if i == taker:
                continue
            if u is None or prod is None:
                prod = None
                continue
            prod = prod / u if (divide and i == 1) else prod * u
        if expected is None or prod is None:
            self.annotate(kids[taker], None)
            return
        need = prod / expected if (divide and taker == 1) else expected / prod
        if taker in numbers:
            self._set(kids[taker], need)
        else:
            self.annotate(kids[taker], need)

    # ---- checking units, factors included ---------------------------------------------------

    def problems(self, node: libsbml.ASTNode, expected: Unit | None,
                 text: Callable[[libsbml.ASTNode], str] = libsbml.formulaToL3String
                 ) -> list[str]:
        """Unit inconsistencies of an expression, factors included: terms of a sum in other
        units, a dimensioned argument of exp/ln/cos, a power with a symbolic exponent of a
        dimensioned base, a result other than ``expected``."""
        out: list[str] = []
        self._problems(node, out, text)
        got = self.unit(node)
        if expected is not None and got is not None and not got.equivalent(expected):
            out.append(f"{self.where}: the expression is in {got.describe()}, expected "
                       f"{expected.describe()}")
        return out

    def _problems(self, node: libsbml.ASTNode, out: list[str],
                  text: Callable[[libsbml.ASTNode], str]) -> None:
        t = node.getType()
        kids = list(_children(node))
        for k in kids:
            self._problems(k, out, text)
        if t in (libsbml.AST_PLUS, libsbml.AST_MINUS) and len(kids) > 1:
            units = [self.unit(k) for k in kids]
            known = [(k, u) for k, u in zip(kids, units, strict=True) if u is not None]
            for k, u in known[1:]:
                if not u.equivalent(known[0][1]):
                    out.append(f"{self.where}: {text(k)} is in {u.describe()} where "
                               f"{text(known[0][0])} is in {known[0][1].describe()}")
        elif t in _DIMENSIONLESS_FUNCTIONS:
            u = self.unit(kids[0])
            if u is not None and not u.equivalent(ONE):
                out.append(f"{self.where}: the argument of {text(node)} is in {u.describe()}")
        elif t in _POWERS and _number(kids[1]) is None:
            u = self.unit(kids[0])
            if u is None or not u.equivalent(ONE):
                what = "a unit that cannot be told" if u is None else u.describe()
                out.append(f"{self.where}: {text(node)} raises {text(kids[0])} ({what}) to a "
                           "parameter's power")


__all__ = ["ATOMS", "BASE_KINDS", "DAY", "ONE", "UNIT_CORRECTIONS", "FormulaUnits",
           "ParsedUnit", "Unit", "UnitError", "UnitRegistry", "declared_unit", "parse_unit",
           "unit_of_definition", "unit_of_id"]
