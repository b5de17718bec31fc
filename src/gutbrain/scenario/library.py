"""Built-in scenarios of the gut–brain story (the demo), shipped as YAML files."""

from __future__ import annotations

from importlib import resources

from gutbrain.scenario.loader import load_scenario
from gutbrain.scenario.schema import Scenario

DEMO_ORDER = ("baseline", "high_fiber", "antibiotic", "probiotic", "prebiotic",
              "chronic_stress", "stress_reduction")


def builtin_scenario(name: str) -> Scenario:
    path = resources.files("gutbrain.scenario") / "scenarios" / f"{name}.yaml"
    if not path.is_file():
        raise KeyError(f"no built-in scenario {name!r}; expected one of {', '.join(DEMO_ORDER)}")
    return load_scenario(str(path))


def demo_scenarios() -> list[Scenario]:
    return [builtin_scenario(n) for n in DEMO_ORDER]
