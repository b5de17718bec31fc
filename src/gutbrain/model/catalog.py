"""The model's parameters and observables as plain records: one listing for every face (the
CLI's ``params``/``observables`` tables and the web API's ``/api/params``/``/api/observables``)."""

from __future__ import annotations

from typing import Any

from gutbrain.errors import InputError
from gutbrain.model import BASES, build_model, calibration_basis

KINDS = ("constant", "trait", "input")


def parameter_records(module: str | None = None, kind: str | None = None,
                      basis: str | None = None, option_prefix: str = "") -> list[dict[str, Any]]:
    """Every model parameter (value, unit, plausible range, kind, basis, source), filtered.
    ``option_prefix`` ("--" for the CLI) names the filter in an error as its caller spells it."""
    spec = build_model()
    modules = [m.name for m in spec.modules]
    if module is not None and module not in modules:
        raise InputError(f"{option_prefix}module: unknown module {module!r}; expected one of "
                         f"{', '.join(modules)}")
    if kind is not None and kind not in KINDS:
        raise InputError(f"{option_prefix}kind: expected one of {', '.join(KINDS)}, got "
                         f"{kind!r}")
    if basis is not None and basis not in BASES:
        raise InputError(f"{option_prefix}basis: expected one of {', '.join(BASES)}, got "
                         f"{basis!r}")
    rows = []
    for m in spec.modules:
        if module and m.name != module:
            continue
        for p in m.parameters:
            b = calibration_basis(p)
            if (kind and p.kind != kind) or (basis and b != basis):
                continue
            rows.append({"module": m.name, "name": p.name, "value": p.value, "unit": p.unit,
                         "low": p.low, "high": p.high, "kind": p.kind, "basis": b,
                         "source": p.source})
    return rows


def observable_records() -> list[dict[str, str]]:
    """Every observable (result column) with its unit, module and description."""
    spec = build_model()
    return [{"id": o.id, "unit": o.unit, "module": m.name, "description": o.description}
            for m in spec.modules for o in m.observables]
