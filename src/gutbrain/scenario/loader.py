"""Read scenario YAML/JSON files and turn every problem into one readable message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from gutbrain.scenario.schema import Scenario


class ScenarioError(ValueError):
    """Bad scenario input: the message names the file, the field path, the line and what was
    expected."""


def _line_of(root: yaml.Node | None, path: list[str | int]) -> int | None:
    """1-based line of the YAML node at a field path (best effort)."""
    node = root
    line = None
    for key in path:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for k, v in node.value:
                if str(k.value) == str(key):
                    nxt = v
                    line = k.start_mark.line + 1
                    break
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            node = node.value[key] if key < len(node.value) else None
        else:
            node = None
    if node is not None:
        line = node.start_mark.line + 1
    return line


def _clean_path(loc: tuple) -> list[str | int]:
    """Drop pydantic's union-branch tags (e.g. 'antibiotic', 'str', 'PersonSpec')."""
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and (part in ("str", "dict[str,constrained-float]")
                                      or part[:1].isupper() or part.startswith("function-")):
            continue
        out.append(part)
    # discriminated unions insert the intervention type after the list index
    from gutbrain.scenario.schema import INTERVENTION_TYPES

    cleaned: list[str | int] = []
    for i, part in enumerate(out):
        if i > 0 and isinstance(out[i - 1], int) and part in INTERVENTION_TYPES:
            continue
        cleaned.append(part)
    return cleaned


def format_validation_error(exc: ValidationError, source: str, root: yaml.Node | None) -> str:
    err = exc.errors()[0]
    msg = err["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    path = _clean_path(tuple(err["loc"]))
    if not path and ":" in msg and msg.split(":", 1)[0].replace(".", "").replace("_", "").isalnum():
        head, msg = msg.split(":", 1)
        path = [int(p) if p.isdigit() else p for p in head.split(".")]
        msg = msg.strip()
    dotted = ".".join(str(p) for p in path) or "(top level)"
    line = _line_of(root, path)
    where = f"{source}, line {line}" if line else source
    got = err.get("input")
    shown = "" if isinstance(got, dict | list) or got is None else f" (got {got!r})"
    extra = f" [and {len(exc.errors()) - 1} more problem(s)]" if len(exc.errors()) > 1 else ""
    return f"{where}: {dotted}: {msg}{shown}{extra}"


def parse_scenario(data: Any, source: str = "<scenario>",
                   root: yaml.Node | None = None) -> Scenario:
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: expected a mapping with name, person, days, diet, "
                            f"interventions; got {type(data).__name__}")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, source, root)) from None


def read_document(path: str | Path, what: str = "scenario") -> tuple[Any, yaml.Node | None]:
    """Parse a YAML or JSON file; return (data, YAML node tree for line numbers)."""
    path = Path(path)
    if not path.exists():
        raise ScenarioError(f"{path}: no such {what} file")
    text = path.read_text()
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text), None
        return yaml.safe_load(text), yaml.compose(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else getattr(exc, "lineno", None)
        detail = getattr(exc, "problem", None) or str(exc)
        where = f"{path}, line {line}" if line else str(path)
        raise ScenarioError(f"{where}: malformed {'JSON' if path.suffix == '.json' else 'YAML'}:"
                            f" {detail}") from None


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario file (.yaml, .yml or .json)."""
    path = Path(path)
    data, root = read_document(path)
    scenario = parse_scenario(data, str(path), root)
    person = scenario.person
    if not isinstance(person, str) and person.profile and not Path(person.profile).is_absolute():
        person.profile = str(path.parent / person.profile)  # relative to the scenario file
    return scenario
