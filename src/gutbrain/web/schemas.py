"""Request bodies as the OpenAPI document shows them. The scenario body is exactly the YAML
schema (``scenario.schema.Scenario``) as JSON Schema; the endpoints read the raw JSON and
validate it with the scenario loader, so a bad body gets the CLI's field-path message."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from gutbrain.analysis.population import PRESETS

REF = "#/components/schemas/{model}"


@lru_cache(maxsize=1)
def scenario_components() -> dict[str, Any]:
    """The Scenario schema and every schema it refers to, as OpenAPI components."""
    from gutbrain.analysis.trial_spec import TrialSpec
    from gutbrain.scenario.schema import Scenario

    out: dict[str, Any] = {}
    for name, model in (("Scenario", Scenario), ("TrialSpec", TrialSpec)):
        schema = model.model_json_schema(by_alias=True, ref_template=REF)
        out.update(schema.pop("$defs", {}))
        out[name] = schema
    return out


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def body(schema: dict[str, Any]) -> dict[str, Any]:
    """``openapi_extra`` of an endpoint whose JSON body has this schema."""
    return {"requestBody": {"required": True,
                            "content": {"application/json": {"schema": schema}}}}


SCENARIO_BODY = body(_ref("Scenario"))
TRIAL_BODY = body(_ref("TrialSpec"))
COMPARE_BODY = body({
    "type": "object", "required": ["scenario"], "additionalProperties": False,
    "properties": {"scenario": _ref("Scenario"),
                   "reference": {"anyOf": [_ref("Scenario"), {"type": "null"}],
                                 "description": "default: the same person and diet without "
                                                "the interventions"}}})
POPULATION_BODY = body({
    "type": "object", "required": ["scenario"], "additionalProperties": False,
    "properties": {"scenario": _ref("Scenario"),
                   "population": {"type": "string", "enum": list(PRESETS), "default": "general"},
                   "n": {"type": "integer", "minimum": 1, "default": 200},
                   "seed": {"type": "integer", "minimum": 0, "default": 0},
                   "window": {"type": "array", "items": {"type": "number"}, "minItems": 2,
                              "maxItems": 2, "description": "days [start, end] where the "
                              "responses are read (default: the 14 days of the largest mean "
                              "effect)"}}})


def add_components(openapi: dict[str, Any]) -> dict[str, Any]:
    openapi.setdefault("components", {}).setdefault("schemas", {}).update(
        scenario_components())
    return openapi
