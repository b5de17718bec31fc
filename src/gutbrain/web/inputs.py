"""Request checks of the web API: the scenario loader's validation (same field-path messages
as the CLI) plus the server's limits, all before any simulation is queued."""

from __future__ import annotations

import math
from typing import Any

from gutbrain.errors import InputError
from gutbrain.scenario.schema import Scenario
from gutbrain.web.limits import Limits

FORMATS = ("json", "csv", "parquet")


def scenario(data: Any, limits: Limits, field: str = "scenario") -> Scenario:
    """A validated scenario within the server's limits (``field`` prefixes messages)."""
    from gutbrain.scenario.loader import parse_scenario

    sc = parse_scenario(data, field)
    if sc.days > limits.max_days:
        raise InputError(f"{field}: days: {sc.days:g} is more than this server simulates "
                         f"({limits.max_days:g} days)")
    person = sc.person
    if not isinstance(person, str) and person.profile is not None:
        raise InputError(f"{field}: person.profile: measured profiles are files on the "
                         "machine that runs gutbrain; use the CLI or Python API for them")
    return sc


def every_hours(value: float, sc: Scenario, limits: Limits) -> float:
    """A sampling interval the server accepts (the library's checks, then the limits)."""
    from gutbrain.api import check_run_options

    check_run_options(sc, every_hours=value, rtol=1e-6)
    if value < limits.min_every_hours:
        raise InputError(f"every_hours: {value:g} is finer than this server samples "
                         f"(at least {limits.min_every_hours:g} h)")
    samples = sc.days * 24.0 / value + 1
    if samples > limits.max_samples:
        raise InputError(f"every_hours: {value:g} h over {sc.days:g} days is {samples:,.0f} "
                         f"samples; this server returns at most {limits.max_samples:,}: "
                         "sample less often or simulate fewer days")
    return value


def observables(value: str | None) -> tuple[str, ...] | None:
    """Comma-separated observable ids; None (or 'all') for every observable."""
    if value is None or value.strip() in ("", "all"):
        return None
    from gutbrain.model.catalog import observable_records

    known = {r["id"] for r in observable_records()}
    names = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InputError(f"observables: unknown {', '.join(map(repr, unknown[:5]))}; see "
                         "GET /api/observables")
    return names or None


def output_format(value: str) -> str:
    if value not in FORMATS:
        raise InputError(f"format: expected one of {', '.join(FORMATS)}, got {value!r}")
    return value


def mapping(data: Any, keys: tuple[str, ...], required: tuple[str, ...]) -> dict[str, Any]:
    """A JSON object with only ``keys`` and at least ``required``."""
    if not isinstance(data, dict):
        raise InputError(f"(top level): expected a JSON object with {', '.join(keys)}")
    extra = [k for k in data if k not in keys]
    if extra:
        raise InputError(f"{extra[0]}: unknown field; expected {', '.join(keys)}")
    missing = [k for k in required if k not in data]
    if missing:
        raise InputError(f"{missing[0]}: required")
    return data


def whole(data: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    """An integer field within [low, high]."""
    v = data.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int | float) or (
            isinstance(v, float) and (not math.isfinite(v) or v != int(v))):
        raise InputError(f"{key}: expected a whole number, got {v!r}")
    if not low <= v <= high:
        raise InputError(f"{key}: expected {low} to {high:,}, got {v}")
    return int(v)
