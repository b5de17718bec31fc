"""Turn a ModelSpec into checked sympy expressions (the compiler's intermediate form)."""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from gutbrain.compile.digest import spec_digest  # noqa: F401 - re-exported
from gutbrain.model.spec import ModelSpec

FUNCTIONS = {"exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "cos": sp.cos, "sin": sp.sin,
             "pi": sp.pi}
TIME = sp.Symbol("t")


class ModelDefinitionError(ValueError):
    """The declarative model is inconsistent (unknown name, cycle, duplicate)."""


@dataclass
class SymbolicModel:
    """States, parameters, ordered assignments, rates and observables as sympy objects."""

    spec: ModelSpec
    states: list[sp.Symbol]
    params: list[sp.Symbol]
    assignments: list[tuple[sp.Symbol, sp.Expr]]  # dependency order
    rates: list[sp.Expr]
    observables: list[tuple[str, sp.Expr]]
    digest: str
    # (name, clock start, length, step cap) per daily step window, over parameters only
    step_windows: list[tuple[str, sp.Expr, sp.Expr, sp.Expr]] = field(default_factory=list)

    @property
    def state_names(self) -> list[str]:
        return [s.name for s in self.states]

    @property
    def param_names(self) -> list[str]:
        return [p.name for p in self.params]

    @property
    def observable_ids(self) -> list[str]:
        return [o for o, _ in self.observables]


def _parse(expr: str, symbols: dict[str, sp.Symbol], where: str) -> sp.Expr:
    local = {**symbols, **FUNCTIONS}
    try:
        out = sp.parse_expr(expr, local_dict=local, evaluate=True)
    except Exception as exc:  # sympy raises many types for bad syntax
        raise ModelDefinitionError(f"{where}: cannot parse expression {expr!r}: {exc}") from exc
    unknown = {s.name for s in out.free_symbols} - set(symbols)
    if unknown:
        raise ModelDefinitionError(f"{where}: unknown names {sorted(unknown)} in {expr!r}")
    return out


def build_symbolic(spec: ModelSpec) -> SymbolicModel:
    """Parse, check names and order the assignments topologically."""
    names: dict[str, str] = {}
    for kind, items in (("species", [s.name for s in spec.species]),
                        ("parameter", [p.name for p in spec.parameters]),
                        ("assignment", [a.name for a in spec.assignments])):
        for n in items:
            if n in names or n == "t" or n in FUNCTIONS:
                raise ModelDefinitionError(f"{kind} {n!r} is declared twice or shadows a "
                                           f"reserved name ({names.get(n, 'reserved')})")
            names[n] = kind
    symbols = {n: sp.Symbol(n, real=True) for n in names}
    symbols["t"] = TIME

    parsed = {a.name: _parse(a.expr, symbols, f"assignment {a.name}") for a in spec.assignments}
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(n: str, stack: list[str]) -> None:
        if state.get(n) == 2:
            return
        if state.get(n) == 1:
            raise ModelDefinitionError("cyclic assignments: " + " -> ".join([*stack, n]))
        state[n] = 1
        for dep in parsed[n].free_symbols:
            if dep.name in parsed:
                visit(dep.name, [*stack, n])
        state[n] = 2
        order.append(n)

    for a in spec.assignments:
        visit(a.name, [])

    rates = [_parse(s.rate, symbols, f"rate of {s.name}") for s in spec.species]
    observables = [(o.id, _parse(o.expr, symbols, f"observable {o.id}"))
                   for o in spec.observables]
    windows = []
    params = {symbols[p.name] for p in spec.parameters}
    at_defaults = {symbols[p.name]: p.value for p in spec.parameters}
    for w in spec.step_windows:
        parts = []
        for field_name in ("start", "length", "h_max"):
            where = f"step window {w.name!r}, field {field_name}"
            e = _parse(getattr(w, field_name), symbols, where)
            if not e.free_symbols <= params:
                raise ModelDefinitionError(
                    f"{where}: {getattr(w, field_name)!r} may use parameters only, not "
                    f"{sorted(s.name for s in e.free_symbols - params)}")
            parts.append(e)
        length, cap = (float(e.subs(at_defaults)) for e in parts[1:])
        if not (0.0 <= length < 1.0 and cap > 0.0):
            raise ModelDefinitionError(
                f"step window {w.name!r}: at the default parameters its length is {length:g} d "
                f"and its step cap {cap:g} d; expected 0 <= length < 1 and cap > 0")
        windows.append((w.name, *parts))
    ids = [o for o, _ in observables]
    if len(set(ids)) != len(ids):
        raise ModelDefinitionError("duplicate observable ids")
    return SymbolicModel(
        spec=spec,
        states=[symbols[s.name] for s in spec.species],
        params=[symbols[p.name] for p in spec.parameters],
        assignments=[(symbols[n], parsed[n]) for n in order],
        rates=rates,
        observables=observables,
        digest=spec_digest(spec),
        step_windows=windows,
    )
