"""Parameter overrides given by users (person fields, ``parameters:`` of scenarios and trials,
the Python API's ``parameters=``): each must be a known model parameter with a finite number
inside its declared plausible range, or 0 for a parameter whose range is non-negative: setting
a gain or rate to 0 switches its mechanism off (vagotomy, no pH effect, no splenic reflex), the
counterfactual experiments the validation targets and research questions are built on."""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from typing import Any

from gutbrain.errors import InputError


def check_parameters(values: Mapping[str, Any], where: str, check_ranges: bool = True
                     ) -> dict[str, float]:
    """The overrides as floats; a ValueError (pydantic) naming ``where.<name>`` otherwise."""
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
        if check_ranges and not (p.low <= v <= p.high or (v == 0.0 and p.low >= 0.0)):
            off = " (or 0 to switch it off)" if p.low >= 0.0 else ""
            raise ValueError(f"{where}.{name}: {v:g} is outside the plausible range "
                             f"[{p.low:g}, {p.high:g}] {p.unit}{off}")
        out[name] = v
    return out


def checked_parameters(values: Mapping[str, Any] | None, where: str = "parameters",
                       check_ranges: bool = True) -> dict[str, float]:
    """As check_parameters, raising InputError (for the Python API)."""
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise InputError(f"{where}: expected a mapping of parameter names to numbers, got "
                         f"{type(values).__name__}")
    try:
        return check_parameters(values, where, check_ranges)
    except ValueError as exc:
        raise InputError(str(exc)) from None
