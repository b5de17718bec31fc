"""Model formulas for :func:`gutbrain.profiles.associate.associate`: a small, checked grammar.

Why not hand the user's formula to patsy / statsmodels as it is: patsy evaluates every term as
Python code, so ``feature ~ I(__import__("os").system("rm -rf ~"))`` runs a shell command
(issue #16). Formulas arrive from the command line, the web API and shared analysis scripts,
so they are untrusted input. This module tokenises the formula itself (no ``eval``), accepts
only the grammar below and rejects anything else with a :class:`ProfileError` that quotes the
formula and points at the offending token. patsy then evaluates the checked formula in an
environment (:func:`eval_env`) that holds only the allowed functions and shadows every Python
builtin, so even a gap in this grammar cannot reach ``__import__``, ``open`` or ``eval``.

Grammar::

    formula   := response "~" terms
    response  := column                       (``feature`` or one metadata column)
    terms     := ["-" "1"] product (("+" product) | ("-" "1"))*
    product   := interaction ("*" interaction)*
    interaction := factor (":" factor)*
    factor    := column | "0" | "1" | "(" terms ")"
               | "C(" column ")"
               | TRANSFORM "(" column ")"
    column    := NAME | Q("any name") | Q('any name')
    TRANSFORM := log | log2 | log10 | log1p | sqrt | exp | scale | center | standardize

* ``NAME`` is an ASCII identifier (letters, digits, ``_``, not starting with a digit, not a Python
  keyword) that names a metadata column, or the word ``feature`` (the profile feature, which
  must appear exactly on one side). Any other column name is quoted: ``Q("BMI z-score")``; the
  name may not contain the quote character used, a backslash or a line break.
* ``a + b`` adds terms; ``a * b`` = ``a + b + a:b`` (main effects and interaction); ``a:b`` is the
  interaction alone; ``0`` or ``- 1`` removes the intercept, ``1`` keeps it.
* ``C(x)``: x as a categorical variable (its first level in sorted order is the reference).
* ``log``, ``log2``, ``log10``, ``log1p``, ``sqrt``, ``exp``: NumPy's functions of one column;
  ``center`` subtracts the mean, ``standardize`` (alias ``scale``) also divides by the standard
  deviation (patsy's stateful transforms). A transform that yields inf or NaN for some sample
  (log of 0) is an error, not a silently dropped sample.

Examples: ``feature ~ Group + Sex + BMI`` (MaAsLin style), ``Group ~ feature + C(Site) +
log(Age)``, ``feature ~ Q("BMI z") * Sex - 1``. At most :data:`MAX_TERMS` model terms after
expansion and :data:`MAX_LENGTH` characters, so a formula cannot make patsy run for hours.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from gutbrain.profiles._io import ProfileError

TRANSFORM_NAMES: tuple[str, ...] = ("log", "log2", "log10", "log1p", "sqrt", "exp", "scale",
                                    "center", "standardize")
FUNCTIONS: tuple[str, ...] = ("C", *TRANSFORM_NAMES)
MAX_TERMS = 200
MAX_LENGTH = 4000
MAX_DEPTH = 20  # nested parentheses
GRAMMAR = ("allowed: '<response> ~ <terms>' where <response> is 'feature' or one metadata "
           "column; terms are metadata column names or 'feature' (Q(\"any name\") for names "
           "that are not plain identifiers), joined by + (add), * (main effects and "
           "interaction), : (interaction only), with parentheses for grouping, 0 or '- 1' (no "
           "intercept), C(column) (categorical) and the transforms "
           f"{', '.join(TRANSFORM_NAMES)} of one column; nothing else")

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>[0-9][0-9A-Za-z_.]*)
  | (?P<string>"[^"\\\r\n]*"|'[^'\\\r\n]*')
  | (?P<op>[~+\-*:()])
""", re.VERBOSE | re.ASCII)


@dataclass(frozen=True)
class Formula:
    """A checked formula: the canonical text given to patsy, the response and the columns."""

    text: str
    response: str
    columns: tuple[str, ...]  # metadata columns it uses, in order of appearance (no 'feature')


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    pos: int  # 0-based character offset in the formula


def _fail(formula: str, pos: int, what: str) -> ProfileError:
    """The error message: the formula, a caret under the offending place, the grammar."""
    shown = formula if len(formula) <= 200 else formula[:200] + "…"
    caret = " " * min(pos, len(shown)) + "^"
    return ProfileError(f"formula {formula[:200]!r} is not allowed: {what} (at character "
                        f"{pos + 1})\n    {shown}\n    {caret}\n{GRAMMAR}")


def _tokenise(formula: str) -> list[_Tok]:
    """Tokens up to the end or the first character outside the grammar (a ``bad`` token, so
    that the parser reports an earlier grammar error, e.g. ``I(``, first)."""
    toks: list[_Tok] = []
    pos = 0
    while pos < len(formula):
        m = _TOKEN.match(formula, pos)
        if m is None:
            toks.append(_Tok("bad", formula[pos], pos))
            break
        kind = m.lastgroup or ""
        if kind != "space":
            toks.append(_Tok(kind, m.group(), pos))
        pos = m.end()
    toks.append(_Tok("end", "", len(formula)))
    return toks


class _Parser:
    """Recursive descent over the tokens; builds the canonical text and counts terms."""

    def __init__(self, formula: str, columns: Iterable[str] | None) -> None:
        self.formula = formula
        self.toks = _tokenise(formula)
        self.i = 0
        self.columns = None if columns is None else {str(c) for c in columns}
        self.used: list[str] = []
        self.feature_at: list[int] = []
        self.depth = 0

    # -- helpers ----------------------------------------------------------------------------
    @property
    def tok(self) -> _Tok:
        tok = self.toks[self.i]
        if tok.kind == "bad":
            if tok.text in "\"'":
                what = ("an unterminated or unsupported quoted name (quotes may not contain a "
                        "backslash, a line break or their own quote character)")
            else:
                what = f"the character {tok.text!r} is not part of the grammar"
            raise _fail(self.formula, tok.pos, what)
        return tok

    def _peek(self, k: int = 1) -> _Tok:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def _error(self, what: str, tok: _Tok | None = None) -> ProfileError:
        tok = tok or self.tok
        return _fail(self.formula, tok.pos, what)

    def _expect(self, text: str, what: str) -> _Tok:
        tok = self.tok
        if tok.text != text or tok.kind not in ("op",):
            found = "the end of the formula" if tok.kind == "end" else repr(tok.text)
            raise self._error(f"expected {what}, found {found}")
        self.i += 1
        return tok

    # -- grammar ----------------------------------------------------------------------------
    def formula_(self) -> Formula:
        if len(self.formula) > MAX_LENGTH:
            raise _fail(self.formula, MAX_LENGTH, f"longer than {MAX_LENGTH} characters")
        if not any(t.text == "~" for t in self.toks):
            raise _fail(self.formula, 0, "there is no '~'; a formula must have the form "
                                         "'lhs ~ rhs' and use the word 'feature' for the "
                                         "profile feature")
        response_tok = self.tok
        lhs, response = self._column()
        lhs_feature = response == "feature"
        self._expect("~", "'~' after the response (one column or 'feature')")
        rhs_start, rhs_used = len(self.feature_at), len(self.used)
        rhs, n_terms = self._terms()
        if self.tok.kind != "end":
            raise self._error(f"unexpected {self.tok.text!r} (an operator is missing, or a "
                              "'~' or ')' is extra)")
        rhs_feature = len(self.feature_at) > rhs_start
        if not (lhs_feature or rhs_feature):
            raise _fail(self.formula, response_tok.pos, "it must use the word 'feature' for "
                                                        "the profile feature")
        if lhs_feature and rhs_feature:
            raise _fail(self.formula, self.feature_at[-1], "'feature' is on both sides of '~'")
        if len(self.used) == rhs_used:
            raise _fail(self.formula, len(self.formula), "the right-hand side has no column; "
                                                         "expected at least one term")
        if n_terms > MAX_TERMS:
            raise _fail(self.formula, 0, f"it expands to {n_terms} model terms; at most "
                                         f"{MAX_TERMS} are allowed")
        columns = tuple(dict.fromkeys(c for c in self.used if c != "feature"))
        return Formula(f"{lhs} ~ {rhs}", response, columns)

    def _terms(self) -> tuple[str, int]:
        parts: list[str] = []
        n = 0
        if self.tok.text == "-":
            parts.append(self._minus_one())
        else:
            text, k = self._product()
            parts.append(text)
            n += k
        while self.tok.text in ("+", "-") and self.tok.kind == "op":
            if self.tok.text == "-":
                parts.append(self._minus_one())
                continue
            self.i += 1
            text, k = self._product()
            parts.append("+ " + text)
            n += k
        return " ".join(parts), n

    def _minus_one(self) -> str:
        minus = self.tok
        self.i += 1
        if self.tok.text != "1" or self.tok.kind != "number":
            raise self._error("'-' is only allowed in '- 1' (remove the intercept)", minus)
        self.i += 1
        return "- 1"

    def _product(self) -> tuple[str, int]:
        text, n = self._interaction()
        while self.tok.text == "*" and self.tok.kind == "op":
            self.i += 1
            rtext, m = self._interaction()
            text, n = f"{text} * {rtext}", n + m + n * m
            if n > MAX_TERMS:
                raise self._error(f"the products expand to more than {MAX_TERMS} model terms")
        return text, n

    def _interaction(self) -> tuple[str, int]:
        text, n = self._factor()
        while self.tok.text == ":" and self.tok.kind == "op":
            self.i += 1
            rtext, m = self._factor()
            text, n = f"{text}:{rtext}", n * m
        return text, n

    def _factor(self) -> tuple[str, int]:
        tok = self.tok
        if tok.kind == "op" and tok.text == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self._error(f"parentheses nested deeper than {MAX_DEPTH}")
            self.i += 1
            text, n = self._terms()
            self._expect(")", "')' to close the '('")
            self.depth -= 1
            return f"({text})", n
        if tok.kind == "number":
            if tok.text not in ("0", "1"):
                raise self._error(f"the number {tok.text!r} is not allowed; only 0 and 1 "
                                  "(intercept) may appear as terms")
            self.i += 1
            return tok.text, 1
        if tok.kind == "name" and self._peek().text == "(" and tok.text != "Q":
            if tok.text not in FUNCTIONS:
                raise self._error(f"{tok.text!r} is not an allowed function; allowed are "
                                  f"C(column) and {', '.join(TRANSFORM_NAMES)}(column)")
            self.i += 2
            inner, _ = self._column(allow_call=False)
            nxt = self.toks[self.i]
            if nxt.kind == "bad" and nxt.text == ",":
                raise self._error(f"{tok.text}() takes exactly one column (no options such as "
                                  "contrasts or bases)", nxt)
            self._expect(")", f"')' after the one column of {tok.text}()")
            return f"{tok.text}({inner})", 1
        text, _ = self._column()
        return text, 1

    def _column(self, allow_call: bool = True) -> tuple[str, str]:
        """NAME or Q("..."); returns (text for patsy, column name)."""
        tok = self.tok
        if tok.kind == "name" and tok.text == "Q" and self._peek().text == "(":
            string = self._peek(2)
            if string.kind == "bad":
                self.i += 2
                _ = self.tok  # raises the message for the character
            if string.kind != "string":
                raise self._error("Q() takes one quoted column name, e.g. Q(\"BMI z\")",
                                  string)
            self.i += 3
            self._expect(")", "')' after the quoted name in Q(...)")
            name = string.text[1:-1]
            self._check_column(name, tok)
            return ("feature" if name == "feature" else f"Q({string.text})"), name
        if tok.kind != "name":
            found = "the end of the formula" if tok.kind == "end" else repr(tok.text)
            raise self._error(f"expected a column name, 'feature' or a function, found {found}")
        if keyword.iskeyword(tok.text):
            raise self._error(f"{tok.text!r} is a Python keyword; write Q(\"{tok.text}\") to use "
                              "a column of that name")
        if self._peek().text == "(" and self._peek().kind == "op":
            raise self._error(f"{tok.text!r} cannot be called here" if not allow_call else
                              f"{tok.text!r} is not an allowed function")
        self.i += 1
        self._check_column(tok.text, tok)
        return tok.text, tok.text

    def _check_column(self, name: str, tok: _Tok) -> None:
        if name == "feature":
            self.feature_at.append(tok.pos)
        elif self.columns is not None and name not in self.columns:
            listed = ", ".join(sorted(self.columns)[:30]) or "(none)"
            raise self._error(f"{name!r} is not a metadata column (the formula does not fit the "
                              f"metadata); columns are {listed}", tok)
        self.used.append(name)


def parse_formula(formula: str, columns: Iterable[str] | None = None) -> Formula:
    """Check *formula* against the grammar (and, if given, the metadata *columns*)."""
    if not isinstance(formula, str):
        raise ProfileError(f"formula {formula!r} is not text; {GRAMMAR}")
    return _Parser(formula, columns).formula_()


def mentions_feature(term: str) -> bool:
    """Whether a design column name (patsy's, from a checked formula) involves ``feature``;
    a quoted column name such as ``Q("feature count")`` does not count."""
    unquoted = re.sub(r"""Q\(("[^"]*"|'[^']*')\)""", "Q()", term)
    return re.search(r"\bfeature\b", unquoted) is not None


def quote_column(name: str) -> str:
    """A column name as a formula term: bare if it is a plain identifier, else ``Q("...")``."""
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name, re.ASCII) and not keyword.iskeyword(name):
        return name
    for q in ('"', "'"):
        if q not in name and "\\" not in name and "\n" not in name and "\r" not in name:
            return f"Q({q}{name}{q})"
    raise ProfileError(f"column name {name!r} contains both quote characters, a backslash or a "
                       "line break, so it cannot be used in a model formula; rename the column")


class _Blocked:
    """Stands in for a Python builtin in the formula environment: calling it is an error."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, *args: object, **kwargs: object) -> None:
        raise ProfileError(f"{self.name!r} is not allowed in a model formula; {GRAMMAR}")

    def __repr__(self) -> str:
        return f"<blocked {self.name}>"


def _namespace() -> dict[str, Any]:
    import patsy.builtins as pb

    # shadow Python's builtins and patsy's own (I, bs, Treatment, ...) that patsy would add
    ns: dict[str, Any] = {name: _Blocked(name) for name in (*dir(builtins), *pb.__all__)}
    ns.update({"C": pb.C, "Q": pb.Q, "log": np.log, "log2": np.log2, "log10": np.log10,
               "log1p": np.log1p, "sqrt": np.sqrt, "exp": np.exp, "center": pb.center,
               "standardize": pb.standardize, "scale": pb.standardize})
    return ns


def eval_env() -> Any:
    """A patsy EvalEnvironment with only the allowed functions (and builtins shadowed)."""
    import patsy

    return patsy.EvalEnvironment([_namespace()])


def design_matrices(formula: Formula, data: pd.DataFrame,
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """patsy's (response, design) frames for a checked formula, rows with NaN dropped.

    Any failure is a ProfileError; so is a design with inf/NaN left (a transform such as
    ``log`` of 0) or with fewer than 3 complete samples.
    """
    import patsy

    if not isinstance(formula, Formula):  # only checked formulas reach patsy
        raise TypeError("design_matrices needs a Formula from parse_formula")
    try:
        y, x = patsy.dmatrices(formula.text, data, eval_env=eval_env(),
                               return_type="dataframe", NA_action="drop")
    except ProfileError:
        raise
    except Exception as exc:  # patsy wraps most problems, but not all (e.g. TypeError)
        cols = ", ".join(map(str, [c for c in data.columns if c != "feature"][:30]))
        raise ProfileError(f"formula {formula.text!r} does not fit the metadata ("
                           f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}); columns "
                           f"are {cols}") from exc
    for frame in (y, x):
        vals = frame.to_numpy(dtype=np.float64)
        bad = ~np.isfinite(vals)
        if bad.any():
            j = int(np.flatnonzero(bad.any(axis=0))[0])
            raise ProfileError(f"formula {formula.text!r}: term {frame.columns[j]!r} is infinite "
                               f"or undefined for {int(bad[:, j].sum())} samples (e.g. the log "
                               "of 0 or of a negative number); expected finite values")
    used = [c for c in (*formula.columns, "feature") if c in data.columns]
    complete = int(data[used].notna().all(axis=1).sum()) if used else x.shape[0]
    if x.shape[0] < complete:
        raise ProfileError(f"formula {formula.text!r}: a transform gives an undefined value "
                           f"(NaN) for {complete - x.shape[0]} samples that have every value (e.g. "
                           "log or sqrt of a negative number); expected defined values")
    if x.shape[0] < 3:
        empty = [c for c in formula.columns if c in data.columns and data[c].isna().all()]
        why = f"; no values at all in {', '.join(map(repr, empty))}" if empty else ""
        raise ProfileError(f"formula {formula.text!r}: only {x.shape[0]} samples have a value "
                           f"in every column it uses{why}; expected at least 3")
    return y, x


__all__ = ["FUNCTIONS", "Formula", "GRAMMAR", "MAX_TERMS", "TRANSFORM_NAMES", "design_matrices",
           "eval_env", "mentions_feature", "parse_formula", "quote_column"]
