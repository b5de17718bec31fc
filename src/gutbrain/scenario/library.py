"""Built-in scenarios of the gut–brain story (the demo), shipped as YAML files, and the one
place that turns a scenario argument (a file or a built-in name) into a Scenario."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from gutbrain.scenario.loader import ScenarioError, load_scenario
from gutbrain.scenario.schema import Scenario

DEMO_ORDER = ("baseline", "high_fiber", "antibiotic", "probiotic", "prebiotic",
              "chronic_stress", "stress_reduction")


def _folder():
    return resources.files("gutbrain.scenario") / "scenarios"


def builtin_names() -> list[str]:
    """Every shipped scenario, the demo's first in story order."""
    names = sorted(p.name.removesuffix(".yaml") for p in _folder().iterdir()
                   if p.name.endswith(".yaml"))
    return [n for n in DEMO_ORDER if n in names] + [n for n in names if n not in DEMO_ORDER]


def builtin_scenario(name: str) -> Scenario:
    path = _folder() / f"{name}.yaml"
    if not path.is_file():
        raise ScenarioError(f"no built-in scenario {name!r}; expected one of "
                            f"{', '.join(builtin_names())}")
    return load_scenario(str(path))


def resolve_scenario(ref: str | Path) -> Scenario:
    """A scenario file (YAML/JSON) if one exists at ``ref``, else the built-in scenario of
    that name (``gutbrain scenarios`` lists them)."""
    path = Path(ref)
    if path.exists():
        return load_scenario(path)
    name = str(ref)
    if name in builtin_names():
        return builtin_scenario(name)
    if path.suffix.lower() in (".yaml", ".yml", ".json") or "/" in name:
        raise ScenarioError(f"{path}: no such scenario file")
    raise ScenarioError(f"{name!r}: no such scenario file or built-in scenario; built-in "
                        f"scenarios: {', '.join(builtin_names())}")


def demo_scenarios() -> list[Scenario]:
    return [builtin_scenario(n) for n in DEMO_ORDER]


def catalog() -> list[dict]:
    """Every built-in scenario as a record: name, days, number of interventions, description
    (one line) and the scenario itself as JSON-ready data (the YAML schema)."""
    out = []
    for name in builtin_names():
        sc = builtin_scenario(name)
        out.append({"name": name, "days": sc.days, "interventions": len(sc.interventions),
                    "description": " ".join(sc.description.split()),
                    "scenario": sc.model_dump(mode="json", by_alias=True, exclude_none=True)})
    return out
