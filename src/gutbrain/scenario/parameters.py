"""Parameter overrides given by users (person fields, ``parameters:`` of scenarios and trials,
the Python API's ``parameters=``): each must be a known model parameter with a finite number
inside its declared plausible range."""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from typing import Any

from gutbrain.errors import InputError


def check_parameters(values: Mapping[str, Any], where: str, ranges: bool = True
                     ) -> dict[str, float]:
    """The overrides as floats; a ValueError (pydantic) naming ``where.<name>`` otherwise.
    ``ranges=False`` skips the plausible-range check (in-vitro emulations only, e.g. a
    chemostat at fixed pH: its settings are apparatus, not human physiology)."""
    from gutbrain.model import build_model

    known = {p.name: p for p in build_model().parameters}
    out: dict[str, float] = {}
    for name, value in values.items():
        p = known.get(name)
        if p is None:
            close = difflib.get_close_matches(str(name), known, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ValueError(f"{where}.{name}: unknown parameter{hint} (expected a model "
                             "parameter: see `gutbrain params`)")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{where}.{name}: expected a number, got {value!r}")
        v = float(value)
        if not math.isfinite(v):
            raise ValueError(f"{where}.{name}: expected a finite number, got {value!r}")
        if ranges and not p.low <= v <= p.high:
            raise ValueError(f"{where}.{name}: {v:g} is outside the plausible range "
                             f"[{p.low:g}, {p.high:g}] {p.unit}")
        out[name] = v
    return out


def checked_parameters(values: Mapping[str, Any] | None, where: str = "parameters",
                       ranges: bool = True) -> dict[str, float]:
    """As check_parameters, raising InputError (for the Python API)."""
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise InputError(f"{where}: expected a mapping of parameter names to numbers, got "
                         f"{type(values).__name__}")
    try:
        return check_parameters(values, where, ranges)
    except ValueError as exc:
        raise InputError(str(exc)) from None
