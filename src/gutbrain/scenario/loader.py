"""Read scenario YAML/JSON files and turn every problem into one readable message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from gutbrain.errors import InputError
from gutbrain.scenario.schema import DonorSample, Scenario


class ScenarioError(InputError):
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


# errors of a union branch the input does not take (a mapping checked against ``str``, a string
# checked against a model): pydantic reports them beside the real problem, which comes after
_WRONG_BRANCH = {"string_type", "model_type", "dict_type", "model_attributes_type"}


_BOUNDS = {"less_than_equal": ("le", "less than or equal to"), "less_than": ("lt", "less than"),
           "greater_than_equal": ("ge", "greater than or equal to"),
           "greater_than": ("gt", "greater than")}


def _relevant(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    real = [e for e in errors if e["type"] not in _WRONG_BRANCH]
    return real or errors


def format_validation_error(exc: ValidationError, source: str, root: yaml.Node | None) -> str:
    errors = _relevant(exc.errors())
    err = errors[0]
    msg = err["msg"]
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    if err["type"] == "extra_forbidden":
        msg = "unknown field (not part of the schema: check its spelling and place)"
    bound = _BOUNDS.get(err["type"])
    if bound and isinstance(err.get("ctx", {}).get(bound[0]), int | float):
        msg = f"Input should be {bound[1]} {err['ctx'][bound[0]]:g}"  # 1e+13, not 1000...
    path = _clean_path(tuple(err["loc"]))
    head = msg.split(":", 1)[0]
    dotted_path = ".".join(str(p) for p in path)
    if (":" in msg and head.replace(".", "").replace("_", "").isalnum()
            and (not path or head.startswith(dotted_path + "."))):
        # a validator that names the full field path itself (e.g. person.<parameter>)
        msg = msg.split(":", 1)[1]
        path = [int(p) if p.isdigit() else p for p in head.split(".")]
        msg = msg.strip()
    dotted = ".".join(str(p) for p in path) or "(top level)"
    line = _line_of(root, path)
    where = f"{source}, line {line}" if line else source
    got = err.get("input")
    shown = "" if isinstance(got, dict | list) or got is None else f" (got {got!r})"
    extra = f" [and {len(errors) - 1} more problem(s)]" if len(errors) > 1 else ""
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


MAX_DOCUMENT_BYTES = 5_000_000  # a scenario or trial spec is a few KB
MAX_EXPANDED_NODES = 100_000  # YAML aliases may share structure, not multiply it (alias bombs)
MAX_DEPTH = 64


def _read_text(path: Path, what: str) -> str:
    if not path.exists():
        raise ScenarioError(f"{path}: no such {what} file")
    if path.is_dir():
        raise ScenarioError(f"{path}: is a folder; expected a {what} file (YAML or JSON)")
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the {what} file ({exc.strerror})") from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ScenarioError(f"{path}: larger than {MAX_DOCUMENT_BYTES // 1_000_000} MB; a "
                            f"{what} file is a short YAML or JSON document")
    if b"\0" in data:
        raise ScenarioError(f"{path}: binary content (NUL bytes); expected a YAML or JSON "
                            f"{what} file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ScenarioError(f"{path}, line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x}"
                            f"); save the {what} file as UTF-8") from None


def _check_shape(node: yaml.Node, source: str) -> None:
    """Refuse alias bombs and absurd nesting before anything walks the expanded tree: the
    expanded size is counted once per distinct node (aliases share nodes)."""
    sizes: dict[int, int] = {}

    def size(n: yaml.Node, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise ScenarioError(f"{source}, line {n.start_mark.line + 1}: nested more than "
                                f"{MAX_DEPTH} levels deep")
        key = id(n)
        if key in sizes:
            return sizes[key]
        sizes[key] = 1  # a cycle (recursive alias) counts once
        total = 1
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                total += size(k, depth + 1) + size(v, depth + 1)
        elif isinstance(n, yaml.SequenceNode):
            for v in n.value:
                total += size(v, depth + 1)
        if total > MAX_EXPANDED_NODES:
            raise ScenarioError(f"{source}, line {n.start_mark.line + 1}: the document "
                                f"expands to more than {MAX_EXPANDED_NODES:,} values (YAML "
                                "aliases repeating aliases)")
        sizes[key] = total
        return total

    size(node, 0)


def duplicate_keys(node: yaml.Node, path: str = "") -> tuple[str, int] | None:
    """YAML silently keeps the last of two equal keys; a scenario or trial must not lose an
    arm or a list. Each distinct node is visited once (aliases share nodes)."""
    seen_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, str]] = [(node, path)]
    while stack:
        n, where = stack.pop()
        if id(n) in seen_nodes:
            continue
        seen_nodes.add(id(n))
        if isinstance(n, yaml.MappingNode):
            keys = set()
            for k, v in n.value:
                if k.value in keys:
                    return f"{where}{k.value}", k.start_mark.line + 1
                keys.add(k.value)
                stack.append((v, f"{where}{k.value}."))
        elif isinstance(n, yaml.SequenceNode):
            stack.extend((v, f"{where}{i}.") for i, v in enumerate(n.value))
    return None


def read_document(path: str | Path, what: str = "scenario") -> tuple[Any, yaml.Node | None]:
    """Parse a YAML or JSON file; return (data, YAML node tree for line numbers)."""
    path = Path(path)
    text = _read_text(path, what)
    is_json = path.suffix.lower() == ".json"
    try:
        if is_json:
            return json.loads(text), None
        root = yaml.compose(text)
        if root is not None:
            _check_shape(root, str(path))
            dup = duplicate_keys(root)
            if dup:
                raise ScenarioError(f"{path}, line {dup[1]}: {dup[0]}: duplicated name (YAML "
                                    "would silently keep only the last; each key must be "
                                    "unique)")
        return yaml.safe_load(text), root
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else getattr(exc, "lineno", None)
        detail = getattr(exc, "problem", None) or str(exc)
        where = f"{path}, line {line}" if line else str(path)
        raise ScenarioError(f"{where}: malformed {'JSON' if is_json else 'YAML'}:"
                            f" {detail}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: nested too deeply (more than {MAX_DEPTH} levels)"
                            ) from None


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario file (.yaml, .yml or .json)."""
    path = Path(path)
    data, root = read_document(path)
    scenario = parse_scenario(data, str(path), root)
    person = scenario.person
    if not isinstance(person, str) and person.profile and not Path(person.profile).is_absolute():
        person.profile = str(path.parent / person.profile)  # relative to the scenario file
    for iv in scenario.interventions:  # FMT donor samples, likewise
        donor = getattr(iv, "donor", None)
        if isinstance(donor, DonorSample) and not Path(donor.profile).is_absolute():
            donor.profile = str(path.parent / donor.profile)
    return scenario
