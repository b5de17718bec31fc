"""Request bodies as the OpenAPI document shows them. The scenario body is exactly the YAML
schema (``scenario.schema.Scenario``) as JSON Schema; the endpoints read the raw JSON and
validate it with the scenario loader, so a bad body gets the CLI's field-path message."""

from __future__ import annotations

import copy
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
    return _standard_bounds(out)


# pydantic writes the bounds of a number that also has a before-validator (the scenario's
# Number types, which refuse booleans) under its own names; JSON Schema's are these
_BOUNDS = {"gt": "exclusiveMinimum", "ge": "minimum", "lt": "exclusiveMaximum",
           "le": "maximum"}


def _standard_bounds(node: Any) -> Any:
    """The schema with pydantic's gt/ge/lt/le renamed to JSON Schema's keywords, so the
    document's readers and request generators see the bounds."""
    if isinstance(node, list):
        return [_standard_bounds(v) for v in node]
    if not isinstance(node, dict):
        return node
    numeric = node.get("type") in ("number", "integer")
    return {(_BOUNDS[k] if numeric and k in _BOUNDS else k): _standard_bounds(v)
            for k, v in node.items()}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def body(schema: dict[str, Any], example: dict[str, Any]) -> dict[str, Any]:
    """``openapi_extra`` of an endpoint whose JSON body has this schema, with a small body
    that runs in seconds: /docs fills "Try it out" with it, and the API fuzz sends it, so the
    fuzz reaches the simulation as well as the validation."""
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": schema, "example": example}}}}


# a week of a probiotic after a week of amoxicillin: quick, and every layer takes part
EXAMPLE_SCENARIO = {
    "name": "amoxicillin-then-probiotic", "person": "healthy_adult", "days": 14,
    "diet": "western",
    "interventions": [
        {"type": "antibiotic", "class": "amoxicillin", "start_day": 0, "days": 7},
        {"type": "probiotic", "genus": "multi_strain", "cfu_per_day": 1.0e10,
         "start_day": 7, "days": 7}]}
EXAMPLE_TRIAL = {
    "name": "probiotic-four-persons", "population": {"preset": "depressed", "n": 4, "seed": 1},
    "days": 28, "allocation": "every_arm", "design": "placebo_controlled",
    "arms": {"placebo": [], "probiotic": [
        {"type": "probiotic", "genus": "multi_strain", "cfu_per_day": 1.0e10,
         "start_day": 0, "days": 28}]},
    "outcomes": ["phq9", "mde_incidence"]}

SCENARIO_BODY = body(_ref("Scenario"), EXAMPLE_SCENARIO)
TRIAL_BODY = body(_ref("TrialSpec"), EXAMPLE_TRIAL)
COMPARE_BODY = body({
    "type": "object", "required": ["scenario"], "additionalProperties": False,
    "properties": {"scenario": _ref("Scenario"),
                   "reference": {"anyOf": [_ref("Scenario"), {"type": "null"}],
                                 "description": "default: the same person and diet without "
                                                "the interventions"}}},
    {"scenario": EXAMPLE_SCENARIO})
POPULATION_BODY = body({
    "type": "object", "required": ["scenario"], "additionalProperties": False,
    "properties": {"scenario": _ref("Scenario"),
                   "population": {"type": "string", "enum": list(PRESETS), "default": "general"},
                   "n": {"type": "integer", "minimum": 1, "default": 200},
                   "seed": {"type": "integer", "minimum": 0, "default": 0},
                   "window": {"type": "array", "items": {"type": "number"}, "minItems": 2,
                              "maxItems": 2, "description": "days [start, end] where the "
                              "responses are read (default: the 14 days of the largest mean "
                              "effect)"}}},
    {"scenario": EXAMPLE_SCENARIO, "population": "general", "n": 4, "seed": 0})


def add_components(openapi: dict[str, Any], limits: Any = None) -> dict[str, Any]:
    """The scenario and trial components, with this server's caps (``Limits``) as the
    schema's maxima, so the document says what a request may ask and requests generated from
    it (schemathesis) are ones the server runs."""
    components = copy.deepcopy(scenario_components())
    if limits is not None:
        _cap(components["Scenario"]["properties"]["days"], limits.max_days)
        _cap(components["TrialSpec"]["properties"]["days"], limits.max_days)
        _cap(components["PopulationSpec"]["properties"]["n"], limits.max_persons)
        post = openapi.get("paths", {}).get("/api/population-response", {}).get("post")
        if post and "requestBody" in post:  # a copy: the endpoint's body is a shared constant
            post["requestBody"] = copy.deepcopy(post["requestBody"])
            schema = post["requestBody"]["content"]["application/json"]["schema"]
            _cap(schema["properties"]["n"], limits.max_persons)
    openapi.setdefault("components", {}).setdefault("schemas", {}).update(components)
    return openapi


def _cap(prop: dict[str, Any], high: float) -> None:
    """Lower a numeric property's maximum to ``high`` (exclusive or inclusive, whichever the
    model set, becomes an inclusive cap)."""
    prop.pop("exclusiveMaximum", None)
    prop["maximum"] = min(prop.get("maximum", high), high)
