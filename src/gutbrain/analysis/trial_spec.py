"""Trial spec files (YAML): the contract layout of issue #4, validated with pydantic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from gutbrain.analysis.population import PRESETS
from gutbrain.scenario.loader import ScenarioError, format_validation_error, read_document
from gutbrain.scenario.presets import DIETS
from gutbrain.scenario.schema import Intervention

OUTCOMES = {
    # id: (kind, description)
    "phq9": ("score", "PHQ-9 (0-27), self-report with visit noise"),
    "hamd17": ("score", "HAM-D17 (0-52), severity-band linked to the latent PHQ-9 + rater noise"),
    "madrs": ("score", "MADRS (0-60), severity-band linked to the latent PHQ-9 + rater noise"),
    "gad7": ("score", "GAD-7 (0-21), self-report with visit noise"),
    "il6": ("lab", "plasma IL-6 (pg/mL)"),
    "crp": ("lab", "plasma CRP (mg/L)"),
    "tnf": ("lab", "plasma TNF (pg/mL)"),
    "cortisol": ("lab", "morning (08:00) plasma cortisol (ug/dL)"),
    "cortisol_awakening_response": ("lab", "cortisol rise 30 min after waking (% of waking)"),
    "shannon": ("lab", "Shannon diversity over guilds"),
    "butyrate": ("lab", "colonic butyrate (mM)"),
    "mde_incidence": ("binary", "PHQ-9 >= 10 sustained >= 14 days during follow-up"),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PopulationSpec(_Strict):
    preset: str = "general"
    n: int = Field(gt=0)
    seed: int = 0
    inclusion: dict[str, float] = Field(default_factory=dict)

    @field_validator("preset")
    @classmethod
    def _preset(cls, v: str) -> str:
        if v not in PRESETS:
            raise ValueError(f"unknown population preset {v!r}; expected one of "
                             f"{', '.join(PRESETS)}")
        return v

    @field_validator("inclusion")
    @classmethod
    def _inclusion(cls, v: dict[str, float]) -> dict[str, float]:
        for key in v:
            var, _, kind = key.rpartition("_")
            if kind not in ("min", "max") or var not in ("phq9", "gad7", "crp", "il6",
                                                         "cortisol"):
                raise ValueError(f"inclusion {key!r}: expected <phq9|gad7|crp|il6|cortisol>"
                                 "_min or _max")
        return v


_INTERVENTIONS = TypeAdapter(list[Intervention])


class TrialSpec(_Strict):
    name: str = "trial"
    description: str = ""
    population: PopulationSpec
    days: float = Field(gt=0)
    run_in_days: float = Field(default=0.0, ge=0)
    diet: str = "western"
    arms: dict[str, list[Intervention]]
    outcomes: list[str] = Field(min_length=1)
    # model parameter overrides for every person, screening included (e.g. a vagotomy trial,
    # or a calibration run); a sampled trait named here is fixed at this value for everyone
    parameters: dict[str, float] = Field(default_factory=dict)

    @field_validator("parameters")
    @classmethod
    def _parameters(cls, v: dict[str, float]) -> dict[str, float]:
        from gutbrain.model import build_model

        known = {p.name: p for p in build_model().parameters}
        for name, value in v.items():
            if name not in known:
                raise ValueError(f"parameters.{name}: unknown parameter; expected a model "
                                 "parameter (see `gutbrain params`)")
            p = known[name]
            if not (p.low <= value <= p.high):
                raise ValueError(f"parameters.{name}: {value} is outside the plausible range "
                                 f"[{p.low}, {p.high}] {p.unit}")
        return v

    @field_validator("diet")
    @classmethod
    def _diet(cls, v: str) -> str:
        if v not in DIETS:
            raise ValueError(f"unknown diet preset {v!r}; expected one of {', '.join(DIETS)}")
        return v

    @field_validator("arms")
    @classmethod
    def _arms(cls, v: dict[str, list]) -> dict[str, list]:
        if len(v) < 2:
            raise ValueError("a trial needs at least two arms (the first is the comparator)")
        return v

    @field_validator("outcomes")
    @classmethod
    def _outcomes(cls, v: list[str]) -> list[str]:
        for i, o in enumerate(v):
            if o not in OUTCOMES:
                raise ValueError(f"outcomes.{i}: unknown outcome {o!r}; expected one of "
                                 f"{', '.join(OUTCOMES)}")
        if len(set(v)) != len(v):
            raise ValueError("an outcome is listed twice")
        return v


def _duplicate_keys(node: yaml.Node, path: str = "") -> tuple[str, int] | None:
    """YAML silently keeps the last of two equal keys; a trial must not lose an arm."""
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for k, v in node.value:
            if k.value in seen:
                return f"{path}{k.value}", k.start_mark.line + 1
            seen.add(k.value)
            found = _duplicate_keys(v, f"{path}{k.value}.")
            if found:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            found = _duplicate_keys(v, f"{path}{i}.")
            if found:
                return found
    return None


def parse_trial(data: Any, source: str = "<trial>", root: yaml.Node | None = None) -> TrialSpec:
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: expected a mapping with population, days, arms, "
                            "outcomes")
    try:
        return TrialSpec.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, source, root)) from None


def load_trial(path: str | Path) -> TrialSpec:
    path = Path(path)
    data, root = read_document(path, "trial")
    dup = _duplicate_keys(root) if root is not None else None
    if dup:
        key, line = dup
        raise ScenarioError(f"{path}, line {line}: {key}: duplicated name (each arm and key "
                            "must be unique)")
    return parse_trial(data, str(path), root)
