"""Validation targets as data: one YAML file per target in ``gutbrain/validation/targets``.

Layout of a target file::

    id: host-immune.lps-bolus.tnf-peak-time     # unique
    module: host-immune                          # one of MODULES
    quantity: TNF peak time after a 2 ng/kg endotoxin bolus
    unit: h
    protocol: {...}          # see protocols.py: scenario mapping, runs: {...} or experiment:
    metric: {fn: peak_time_hours, var: tnf, after_day: 2.375}   # see metrics.py
    window: [1.0, 2.0]       # accepted [low, high]; null = open end
    source: Windoloski et al. 2024 Exp Physiol ...               # citation
    tier: anchor             # anchor | soft
    notes: where the window comes from, caveats
    data: {...}              # optional named reference data (see data.py)
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gutbrain.analysis.validation.data import LIBRARY_FILE, TARGETS_DIR

MODULES = ("microbial", "host-barrier", "host-immune", "host-hpa", "host-tryptophan",
           "host-neuroactive", "vagus", "brain", "clinical")
TIERS = ("anchor", "soft")


class TargetError(ValueError):
    """A target file is malformed."""


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    module: str
    quantity: str
    unit: str = ""
    protocol: dict[str, Any]
    metric: dict[str, Any]
    window: tuple[float | None, float | None]
    source: str = Field(min_length=1)
    tier: Literal["anchor", "soft"]
    notes: str = ""
    # why the model fails this target today (mechanism missing, source disagreement, ...):
    # reported with the result while it fails, so a failing target always says why
    failure_note: str = ""
    data: dict[str, Any] = Field(default_factory=dict)
    path: str | None = Field(default=None, exclude=True)

    @field_validator("module")
    @classmethod
    def _module(cls, v: str) -> str:
        if v not in MODULES:
            raise ValueError(f"unknown module {v!r}; expected one of {', '.join(MODULES)}")
        return v

    @field_validator("window", mode="before")
    @classmethod
    def _window(cls, v: Any) -> Any:
        if not isinstance(v, list | tuple) or len(v) != 2:
            raise ValueError("window must be [low, high]")
        return tuple(None if x is None or (isinstance(x, float) and math.isinf(x)) else x
                     for x in v)

    @model_validator(mode="after")
    def _check(self) -> Target:
        lo, hi = self.window
        if lo is None and hi is None:
            raise ValueError("window: at least one bound is required")
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"window: low {lo} > high {hi}")
        from gutbrain.analysis.validation.metrics import check_arguments

        check_arguments(self.metric)
        check_protocol(self.protocol)
        return self

    def contains(self, value: float) -> bool:
        lo, hi = self.window
        if value is None or not math.isfinite(value):
            return (hi is None and value == math.inf) or (lo is None and value == -math.inf)
        return (lo is None or value >= lo) and (hi is None or value <= hi)

    @property
    def window_text(self) -> str:
        lo, hi = self.window
        if lo is None:
            return f"≤ {hi:g}"
        if hi is None:
            return f"≥ {lo:g}"
        return f"[{lo:g}, {hi:g}]"


def check_protocol(protocol: dict[str, Any]) -> None:
    """Validate a protocol's scenarios against the scenario schema (no simulation)."""
    from gutbrain.analysis.validation.protocols import EXPERIMENTS, RUN_KEYS, run_specs, split_run
    from gutbrain.scenario.loader import parse_scenario

    if "trial" in protocol:
        from gutbrain.analysis.trial_spec import parse_trial

        if set(protocol) - {"trial"}:
            raise ValueError("a trial protocol takes no other keys")
        parse_trial(protocol["trial"], "protocol.trial")
        return
    if "experiment" in protocol:
        extra = set(protocol) - {"experiment", "args"}
        if extra:
            raise ValueError(f"experiment protocol: unexpected keys {sorted(extra)}")
        if protocol["experiment"] not in EXPERIMENTS:
            raise ValueError(f"unknown experiment {protocol['experiment']!r}; registered: "
                             f"{', '.join(sorted(EXPERIMENTS))}")
        return
    if "runs" in protocol:
        if set(protocol) - {"runs"}:
            raise ValueError("a protocol with 'runs' takes no other keys")
        if not protocol["runs"]:
            raise ValueError("protocol.runs is empty")
    for name, spec in run_specs(protocol).items():
        if not isinstance(spec, dict):
            raise ValueError(f"run {name!r} must be a mapping")
        scen, opts = split_run(spec)
        try:
            parse_scenario(scen, source=f"run {name}")
        except Exception as exc:
            raise ValueError(f"run {name!r}: {exc}") from None
        params = opts.get("parameters") or {}
        if params:
            from gutbrain.compile.build import compile_model

            names = set(compile_model().param_names)
            unknown = set(params) - names
            if unknown:
                raise ValueError(f"run {name!r}: unknown parameters {sorted(unknown)}")
        bad = set(opts) - set(RUN_KEYS)
        if bad:
            raise ValueError(f"run {name!r}: unknown options {sorted(bad)}")


def load_target(path: str | Path) -> Target:
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as fh:
            raw = yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise TargetError(f"{path.name}: invalid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise TargetError(f"{path.name}: expected a mapping")
    try:
        return Target(**raw, path=str(path))
    except Exception as exc:
        raise TargetError(f"{path.name}: {exc}") from None


def load_targets(directory: str | Path | None = None, tier: str | None = None,
                 only: list[str] | None = None) -> list[Target]:
    """All targets (sorted by id), optionally filtered by tier and by ``only`` (ids, id
    prefixes, glob patterns or module names)."""
    from fnmatch import fnmatch

    directory = Path(directory) if directory else TARGETS_DIR
    files = sorted(p for p in directory.glob("*.yaml")
                   if not p.name.startswith("_") and p.name != LIBRARY_FILE)
    targets = [load_target(p) for p in files]
    ids = [t.id for t in targets]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise TargetError(f"duplicate target ids: {', '.join(dupes)}")
    if tier is not None:
        if tier not in TIERS:
            raise TargetError(f"unknown tier {tier!r}; expected one of {', '.join(TIERS)}")
        targets = [t for t in targets if t.tier == tier]
    if only:
        def keep(t: Target) -> bool:
            return any(t.id == o or t.module == o or t.id.startswith(o + ".")
                       or fnmatch(t.id, o) for o in only)

        targets = [t for t in targets if keep(t)]
    return sorted(targets, key=lambda t: t.id)


__all__ = ["MODULES", "TIERS", "Target", "TargetError", "load_target", "load_targets",
           "check_protocol"]
