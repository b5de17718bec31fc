"""Generate numba source for the right-hand side, its Jacobian and the observables.

The Jacobian is built by the chain rule through the assignment graph (each assignment's
derivative with respect to the states it depends on), which keeps the generated code close to
the size of the model instead of expanding every intermediate.
"""

from __future__ import annotations

import re

import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from gutbrain.compile.symbolic import TIME, SymbolicModel

# LLVM fast-math flags for the solvers' right-hand sides: contraction (FMA), reciprocal
# multiplication and no signed zeros. Not nnan/ninf (the solver relies on non-finite values
# reaching its step rejection) and not reassoc/afn (they break the argument reduction of the
# vectorisable exp/log in gutbrain.engine.vmath and change results by more than rounding).
FASTMATH = {"contract", "arcp", "nsz"}
LANES = 4  # persons per lockstep group: one AVX2 register of doubles
LANES32 = 8  # persons per group of the single-precision kernel: one AVX2 register of floats
# every generated function uses numpy's error model: a division by zero gives inf/NaN, which
# the solvers and engine.batch.flag_bad_samples turn into a per-person status, instead of an
# exception that would abort a whole cohort (issue #16/#18)
_PLAIN_JIT = "@njit(cache=True, nogil=True, error_model='numpy')"
_FAST_JIT = ("@njit(cache=True, nogil=True, error_model='numpy', fastmath={"
             + ", ".join(map(repr, sorted(FASTMATH))) + "})")
# Vectorisable replacements (gutbrain.engine.vmath) used in the lockstep (lanes) rhs
_VEXP = sp.Function("vexp")
_VLOG = sp.Function("vlog")
_VCOS = sp.Function("vcos")


class _Printer(PythonCodePrinter):
    """Python printer with plain ``math`` calls and float literals (numba friendly)."""

    def _print_Float(self, expr: sp.Float) -> str:
        return repr(float(expr))

    def _print_Rational(self, expr: sp.Rational) -> str:
        return repr(float(expr.p) / float(expr.q))

    def _print_Pi(self, expr: sp.Expr) -> str:
        return "math.pi"


class _LanePrinter(_Printer):
    """Printer for the lanes rhs: small integer powers as products, ``vexp``/``vlog``/``vcos``
    from gutbrain.engine.vmath (no libm calls, so LLVM vectorises the loop over lanes)."""

    suffix = ""  # of the vmath functions called
    one = "1.0"
    sqrt = "math.sqrt"

    def _print_Function(self, expr: sp.Expr) -> str:
        name = expr.func.__name__
        if name in ("vexp", "vlog", "vcos"):
            return f"{name}{self.suffix}({self._print(expr.args[0])})"
        return super()._print_Function(expr)

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        b, e = expr.args
        if e.is_Integer and 1 <= abs(int(e)) <= 4:
            prod = "*".join([self.parenthesize(b, 100)] * abs(int(e)))
            return prod if e > 0 else f"{self.one}/({prod})"
        if e == sp.Rational(1, 2):
            return f"{self.sqrt}({self._print(b)})"
        if e == sp.Rational(-1, 2):
            return f"{self.one}/{self.sqrt}({self._print(b)})"
        return (f"vexp{self.suffix}({self._print(e)}*vlog{self.suffix}("
                f"{self._print(b)}))")


class _Lane32Printer(_LanePrinter):
    """The lanes printer for the single-precision kernel: every literal a float32 (a Python
    int or float literal would promote the whole expression to float64 in numba), and the
    argument of a cosine printed in double precision, because it holds the time: a float32 t
    would be 20 s coarse after ten years."""

    suffix = "_f32"
    one = "np.float32(1.0)"
    sqrt = "np.sqrt"

    def _print_Float(self, expr: sp.Float) -> str:
        return f"np.float32({float(expr)!r})"

    def _print_Integer(self, expr: sp.Integer) -> str:
        return f"np.float32({float(int(expr))!r})"

    def _print_Rational(self, expr: sp.Rational) -> str:
        return f"np.float32({float(expr.p) / float(expr.q)!r})"

    def _print_Pi(self, expr: sp.Expr) -> str:
        return "np.float32(math.pi)"

    def _print_Function(self, expr: sp.Expr) -> str:
        if expr.func.__name__ == "vcos":
            arg = _LanePrinter({"standard": "python3"}).doprint(expr.args[0])
            return f"vcos_f32({arg})"
        return super()._print_Function(expr)


def _check_single(lines: list[str]) -> None:
    """No bare numeric literal may reach the float32 kernel outside an index or a cosine's
    (double) argument: numba would silently compute that expression in float64."""
    for ln in lines:
        code = re.sub(r"w\[\d+ \+ l\]|np\.float32\([^()]*\)|vcos_f32\((?:[^()]|\([^()]*\))*\)",
                      "", ln)
        bare = re.search(r"(?<![\w.])\d", code)
        if bare:
            raise AssertionError(f"float64 literal in the float32 kernel: {ln.strip()}")


def _vectorisable(e: sp.Expr) -> sp.Expr:
    """Rewrite exp, log, cos, sin and non-trivial powers into the vmath functions (pow as
    exp(y log x), so that powers of one base share their logarithm after CSE). Other functions
    are left to libm, which is correct but keeps LLVM from vectorising the lanes loop."""
    if e.is_Atom:
        return e
    args = [_vectorisable(a) for a in e.args]
    if isinstance(e, sp.exp):
        return _VEXP(args[0])
    if isinstance(e, sp.log):
        return _VLOG(args[0])
    if isinstance(e, sp.cos):
        return _VCOS(args[0])
    if isinstance(e, sp.sin):
        return _VCOS(args[0] - sp.pi / 2)
    if isinstance(e, sp.Pow):
        b, x = args
        if (x.is_Integer and 1 <= abs(int(x)) <= 4) or x in (sp.S.Half, -sp.S.Half):
            return sp.Pow(b, x, evaluate=False)
        return _VEXP(x * _VLOG(b))
    # anything else (another function, Piecewise) stays a libm call: correct, not vectorised
    return e.func(*args, evaluate=False) if isinstance(e, (sp.Add, sp.Mul)) else e.func(*args)


def _renaming(model: SymbolicModel) -> dict[sp.Symbol, sp.Symbol]:
    ren: dict[sp.Symbol, sp.Symbol] = {}
    for s in model.states:
        ren[s] = sp.Symbol("y_" + s.name, real=True)
    for p in model.params:
        ren[p] = sp.Symbol("p_" + p.name, real=True)
    for a, _ in model.assignments:
        ren[a] = sp.Symbol("a_" + a.name, real=True)
    ren[TIME] = sp.Symbol("t", real=True)
    return ren


def _needed_assignments(model: SymbolicModel, exprs: list[sp.Expr]) -> list[int]:
    """Indices (in dependency order) of assignments that the expressions need."""
    index = {a: i for i, (a, _) in enumerate(model.assignments)}
    need: set[int] = set()
    stack = [s for e in exprs for s in e.free_symbols if s in index]
    while stack:
        s = stack.pop()
        i = index[s]
        if i in need:
            continue
        need.add(i)
        stack.extend(d for d in model.assignments[i][1].free_symbols if d in index)
    return sorted(need)


def _header_lines(model: SymbolicModel, exprs: list[sp.Expr], pr: _Printer,
                  ren: dict[sp.Symbol, sp.Symbol], indent: str = "    ") -> list[str]:
    """Unpack used states/parameters and evaluate the needed assignments."""
    idx = _needed_assignments(model, exprs)
    used: set[sp.Symbol] = set()
    for e in exprs:
        used |= e.free_symbols
    for i in idx:
        used |= model.assignments[i][1].free_symbols
    lines = []
    for k, s in enumerate(model.states):
        if s in used:
            lines.append(f"{indent}{ren[s].name} = y[{k}]")
    for k, p in enumerate(model.params):
        if p in used:
            lines.append(f"{indent}{ren[p].name} = p[{k}]")
    for i in idx:
        a, e = model.assignments[i]
        lines.append(f"{indent}{ren[a].name} = {pr.doprint(e.xreplace(ren))}")
    return lines


class _Hoister:
    """Collects the sub-expressions that depend on parameters only (not on states or time).

    They are constant within a schedule segment, so the solver evaluates them once per segment
    (``prep``) instead of at every right-hand-side call (``rhs_q``)."""

    def __init__(self, const: set[sp.Symbol]):
        self.const = const  # parameters and parameter-only assignments
        self.exprs: list[sp.Expr] = []
        self.index: dict[sp.Expr, sp.Symbol] = {}

    def is_const(self, e: sp.Expr) -> bool:
        fs = e.free_symbols
        return bool(fs) and fs <= self.const

    def slot(self, e: sp.Expr) -> sp.Symbol:
        if e not in self.index:
            self.index[e] = sp.Symbol(f"c{len(self.exprs)}", real=True)
            self.exprs.append(e)
        return self.index[e]

    def walk(self, e: sp.Expr) -> sp.Expr:
        """Replace maximal parameter-only sub-expressions by slots (atoms stay, except
        parameter-only assignments, which live in the slots)."""
        if e.is_Atom:
            return self.slot(e) if (e in self.const and e.name.startswith("a_")) else e
        if self.is_const(e):
            return self.slot(e)
        if not e.free_symbols:
            return e
        if isinstance(e, (sp.Add, sp.Mul)):
            const = [a for a in e.args if self.is_const(a) or not a.free_symbols]
            rest = [self.walk(a) for a in e.args if not (self.is_const(a) or not a.free_symbols)]
            if const and (len(const) > 1 or not const[0].is_Atom):
                group = e.func(*const)
                const = [self.slot(group) if group.free_symbols else group]
            else:
                const = [self.walk(a) for a in const]
            return e.func(*rest, *const)
        return e.func(*[self.walk(a) for a in e.args])


def integer_exponents(model: SymbolicModel) -> dict[sp.Symbol, int]:
    """Parameters that appear in an exponent of the rates and whose model default is a small
    integer (1 to 4 in magnitude): Hill coefficients such as ``n_GR`` = 3.

    x**h costs an exp and a log for a general h, a few multiplications for these. The solvers
    get right-hand sides with these values folded in (``*_intexp``) and use them only while
    every person and segment has exactly these values, so folding never changes what is
    computed, only how (to rounding)."""
    default = {p.name: p.value for p in model.spec.parameters}
    params = set(model.params)
    found: dict[sp.Symbol, int] = {}
    for e in [e for _, e in model.assignments] + model.rates:
        for pw in e.atoms(sp.Pow):
            for s in pw.exp.free_symbols & params:
                v = float(default[s.name])
                if v.is_integer() and 1 <= abs(v) <= 4:
                    found[s] = int(v)
    return dict(sorted(found.items(), key=lambda kv: model.params.index(kv[0])))


def _fast_rhs_lines(model: SymbolicModel, pr: _Printer, ren: dict[sp.Symbol, sp.Symbol],
                    lanes: bool = False, fold: dict[sp.Symbol, int] | None = None,
                    single: bool = False) -> tuple[list[str], list[str], int]:
    """Source lines of ``prep(p, q)`` and the body of ``rhs_q(t, y, p, q, dy)``: the
    right-hand side with parameter-only sub-expressions hoisted into ``q`` and common
    sub-expressions shared. With ``lanes`` the body is for ``rhs_lanes`` instead: arrays have
    a trailing lane axis (one person per lane), indexed by ``l``, and the maths is written with
    the vectorisable functions; with ``single`` as well, for LANES32 persons in float32.
    ``fold`` (parameter -> integer value) replaces those parameters
    by their values in the body, after hoisting, so that ``prep`` and the q layout stay those of
    the unfolded body."""
    idx = _needed_assignments(model, model.rates)
    params = {ren[p] for p in model.params}
    const = set(params)
    hoisted_assign: list[tuple[sp.Symbol, sp.Expr]] = []
    varying: list[tuple[sp.Symbol, sp.Expr]] = []
    for i in idx:
        a, e = model.assignments[i]
        a, e = ren[a], e.xreplace(ren)
        if e.free_symbols <= const:
            const.add(a)
            hoisted_assign.append((a, e))
        else:
            varying.append((a, e))
    h = _Hoister(const)
    walked = [h.walk(e) for _, e in varying] + [h.walk(r.xreplace(ren)) for r in model.rates]
    if fold:
        values = {ren[p]: sp.Integer(v) for p, v in fold.items()}
        walked = [e.xreplace(values) for e in walked]
    lp = (_Lane32Printer if single else _LanePrinter)({"standard": "python3"}) if lanes else pr
    if lanes:
        walked = [_vectorisable(e) for e in walked]
        # exp(-a) next to exp(a): one exponential and a division (shorter, cheaper)
        args = {f.args[0] for e in walked for f in e.atoms(_VEXP)}
        recip = {_VEXP(a): 1 / _VEXP(-a) for a in args
                 if a.could_extract_minus_sign() and -a in args}
        walked = [e.xreplace(recip) for e in walked]
    n_q = len(h.exprs)
    if lanes:  # offsets into the work array w = [y | p | q | dy], each (n, lanes) flat
        n, m = len(model.states), len(model.params)
        nl = LANES32 if single else LANES
        off = {"y": 0, "p": n * nl, "q": (n + m) * nl, "dy": (n + m + n_q) * nl}

        def at(a: str, k: int) -> str:
            return f"w[{off[a] + k * nl} + l]"
    else:
        def at(a: str, k: int) -> str:
            return f"{a}[{k}]"
    repl, reduced = sp.cse(walked, symbols=sp.numbered_symbols("x"), order="none")
    # emit each common sub-expression just before the first statement that needs it
    pending = dict(repl)
    pos = {s: k for k, (s, _) in enumerate(repl)}
    body: list[str] = []
    done: set[sp.Symbol] = set()

    def need(e: sp.Expr) -> None:
        for s in sorted((s for s in e.free_symbols if s in pending), key=pos.__getitem__):
            if s not in done:
                need(pending[s])
                done.add(s)
                body.append(f"    {s.name} = {lp.doprint(pending[s])}")

    nv = len(varying)
    for k, e in enumerate(reduced):
        need(e)
        if k < nv:
            body.append(f"    {varying[k][0].name} = {lp.doprint(e)}")
        else:
            body.append(f"    {at('dy', k - nv)} = {lp.doprint(e)}")
    used: set[sp.Symbol] = set()
    for e in list(reduced) + [e for _, e in repl]:
        used |= e.free_symbols
    head = [f"    {ren[s].name} = {at('y', k)}" for k, s in enumerate(model.states)
            if ren[s] in used]
    head += [f"    {ren[p].name} = {at('p', k)}" for k, p in enumerate(model.params)
             if ren[p] in used]
    head += [f"    {h.index[e].name} = {at('q', k)}" for k, e in enumerate(h.exprs)
             if h.index[e] in used]
    pused: set[sp.Symbol] = set()
    for e in h.exprs:
        pused |= e.free_symbols
    for _, e in hoisted_assign:
        pused |= e.free_symbols
    prep = [f"    {ren[p].name} = p[{k}]" for k, p in enumerate(model.params) if ren[p] in pused]
    prep += [f"    {a.name} = {pr.doprint(e)}" for a, e in hoisted_assign]
    prep += [f"    q[{k}] = {pr.doprint(e)}" for k, e in enumerate(h.exprs)]
    return prep, head + body, n_q


def _step_window_lines(model: SymbolicModel, pr: _Printer,
                       ren: dict[sp.Symbol, sp.Symbol]) -> list[str]:
    """``step_windows(p, out)``: per daily step window of the model (spec.StepWindow) its
    clock start in [0, 1) d, its length and its step cap (d), from the parameters p."""
    exprs = [e for _, *parts in model.step_windows for e in parts]
    lines = ["", "", f"N_STEP_WINDOWS = {len(model.step_windows)}",
             f"STEP_WINDOW_NAMES = {tuple(w[0] for w in model.step_windows)!r}", "", "",
             _PLAIN_JIT, "def step_windows(p, out):",
             '    """Rows (clock start in [0, 1) d, length d, step cap d), one per window."""']
    lines += _header_lines(model, exprs, pr, ren)
    for k, (_, start, length, cap) in enumerate(model.step_windows):
        lines += [f"    out[{k}, 0] = ({pr.doprint(start.xreplace(ren))}) % 1.0",
                  f"    out[{k}, 1] = {pr.doprint(length.xreplace(ren))}",
                  f"    out[{k}, 2] = {pr.doprint(cap.xreplace(ren))}"]
    if not model.step_windows:
        lines.append("    return")
    return lines


def generate_source(model: SymbolicModel) -> str:
    """Python/numba module text with rhs, jac, observables and metadata."""
    pr = _Printer({"standard": "python3"})
    ren = _renaming(model)
    n, m = len(model.states), len(model.params)
    out = [
        f'"""Generated by gutbrain.compile from model digest {model.digest}. Do not edit."""',
        "import math",
        "import numpy as np",
        "from numba import njit",
        "from gutbrain.engine.vmath import vcos, vcos_f32, vexp, vexp_f32, vlog, vlog_f32",
        "",
        f"DIGEST = {model.digest!r}",
        f"N_STATES = {n}",
        f"N_PARAMS = {m}",
        f"N_OBS = {len(model.observables)}",
        "",
        "",
        _PLAIN_JIT,
        "def rhs(t, y, p, dy):",
    ]
    out += _header_lines(model, model.rates, pr, ren)
    for k, r in enumerate(model.rates):
        out.append(f"    dy[{k}] = {pr.doprint(r.xreplace(ren))}")
    out.append("")

    # the same right-hand side for the solvers: parameter-only work hoisted into prep()
    prep, fast, n_q = _fast_rhs_lines(model, pr, ren)
    out += ["", f"N_Q = {max(n_q, 1)}", "", "",
            _PLAIN_JIT, "def prep(p, q):",
            '    """Parameter-only sub-expressions of rhs (constant within a segment)."""']
    out += prep
    out += _step_window_lines(model, pr, ren)
    lane_prep, lane_body, _ = _fast_rhs_lines(model, pr, ren, lanes=True)
    assert lane_prep == prep  # both bodies read the same q layout
    fold = integer_exponents(model)
    out += ["", f"LANES = {LANES}", "W_Y = 0", f"W_P = {n * LANES}",
            f"W_Q = {(n + m) * LANES}", f"W_DY = {(n + m + n_q) * LANES}",
            f"W_SIZE = {(2 * n + m + n_q) * LANES}",
            "# parameters in exponents whose default is a small integer (integer_exponents):",
            "# the *_intexp right-hand sides have these values folded in; a solver uses them only",
            "# while every person and segment has exactly these values",
            f"INTEXP_NAMES = {tuple(p.name for p in fold)!r}",
            "INTEXP_INDEX = np.array("
            f"{[model.params.index(p) for p in fold]!r}, dtype=np.int64)",
            f"INTEXP_VALUE = np.array({[float(v) for v in fold.values()]!r}, dtype=np.float64)"]
    lane_doc = [
        '    """rhs for LANES persons at once, in one work array w = [y | p | q | dy] (offsets',
        "    W_Y, W_P, W_Q, W_DY); entry k of lane l of a block is at k * LANES + l. One array",
        "    and constant offsets let LLVM prove the lanes independent and vectorise them",
        '    (with separate arrays it needs more runtime alias checks than it allows)."""']
    out += ["", f"LANES32 = {LANES32}", "W32_Y = 0", f"W32_P = {n * LANES32}",
            f"W32_Q = {(n + m) * LANES32}", f"W32_DY = {(n + m + n_q) * LANES32}",
            f"W32_SIZE = {(2 * n + m + n_q) * LANES32}"]
    for suffix, f in (("", None), ("_intexp", fold)):
        body = fast if f is None else _fast_rhs_lines(model, pr, ren, fold=f)[1]
        lanes = lane_body if f is None else _fast_rhs_lines(model, pr, ren, lanes=True,
                                                            fold=f)[1]
        out += ["", "", _FAST_JIT, f"def rhs_q{suffix}(t, y, p, q, dy):",
                '    """rhs(t, y, p, dy) given q = prep(p)'
                + (', with INTEXP_NAMES at INTEXP_VALUE."""' if f is not None else '."""')]
        out += body
        out += ["", "", _FAST_JIT, f"def rhs_lanes{suffix}(t, w):"]
        out += lane_doc if f is None else [
            '    """rhs_lanes with INTEXP_NAMES at INTEXP_VALUE."""']
        out += ["    for l in range(LANES):"] + ["    " + ln for ln in lanes]
        single = _fast_rhs_lines(model, pr, ren, lanes=True, fold=f, single=True)[1]
        _check_single(single)
        out += ["", "", _FAST_JIT, f"def rhs_lanes32{suffix}(t, w):",
                f'    """rhs_lanes{suffix} for LANES32 persons in single precision: w is float32',
                "    with the offsets W32_*, t stays a double (the cosines of the circadian drive",
                '    are evaluated in double precision)."""',
                "    for l in range(LANES32):"] + ["    " + ln for ln in single]
    out.append("")

    # observables
    obs_exprs = [e for _, e in model.observables]
    out += ["", _PLAIN_JIT, "def observe(t, y, p, o):"]
    out += _header_lines(model, obs_exprs, pr, ren)
    for k, e in enumerate(obs_exprs):
        out.append(f"    o[{k}] = {pr.doprint(e.xreplace(ren))}")
    out += [
        "",
        "",
        _PLAIN_JIT,
        "def observe_series(ts, Y, P, seg, O):",
        "    for i in range(ts.shape[0]):",
        "        observe(ts[i], Y[i], P[seg[i]], O[i])",
        "",
    ]

    # Jacobian by the chain rule through assignments
    state_set = set(model.states)
    deriv: dict[sp.Symbol, dict[sp.Symbol, str]] = {}
    jac_lines: list[str] = []
    tmp = 0
    for a, e in model.assignments:
        d: dict[sp.Symbol, list[str]] = {}
        for s in sorted(e.free_symbols, key=str):  # sets iterate in hash order: sort, so
            if s in state_set:  # that the generated text is the same in every process
                d.setdefault(s, []).append(pr.doprint(sp.diff(e, s).xreplace(ren)))
            elif s in deriv and deriv[s]:
                pname = f"q{tmp}"
                tmp += 1
                jac_lines.append(f"    {pname} = {pr.doprint(sp.diff(e, s).xreplace(ren))}")
                for x, dname in deriv[s].items():
                    d.setdefault(x, []).append(f"{pname}*{dname}")
        deriv[a] = {}
        for x, terms in d.items():
            dname = f"d{tmp}"
            tmp += 1
            jac_lines.append(f"    {dname} = " + " + ".join(terms))
            deriv[a][x] = dname
    sidx = {s: k for k, s in enumerate(model.states)}
    entries: list[str] = []
    for i, r in enumerate(model.rates):
        d = {}
        for s in sorted(r.free_symbols, key=str):
            if s in state_set:
                d.setdefault(s, []).append(pr.doprint(sp.diff(r, s).xreplace(ren)))
            elif s in deriv and deriv[s]:
                pname = f"q{tmp}"
                tmp += 1
                jac_lines.append(f"    {pname} = {pr.doprint(sp.diff(r, s).xreplace(ren))}")
                for x, dname in deriv[s].items():
                    d.setdefault(x, []).append(f"{pname}*{dname}")
        for x, terms in d.items():
            entries.append(f"    J[{i}, {sidx[x]}] = " + " + ".join(terms))
    all_exprs = [e for _, e in model.assignments] + model.rates
    out += ["", _PLAIN_JIT, "def jac(t, y, p, J):", "    J[:, :] = 0.0"]
    out += _header_lines(model, all_exprs, pr, ren)
    out += jac_lines + entries
    out.append("")
    return "\n".join(out) + "\n"
