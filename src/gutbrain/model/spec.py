"""Declarative building blocks of the gut–brain model.

Every mechanism is written once, here, as data: species (state variables), parameters (with
value, unit, source and plausible range), intermediate assignments, rate expressions and
observables. The numeric engine code and the SBML document are both generated from these
objects (``gutbrain.compile``), so they cannot drift apart.

Expressions are strings in Python/sympy syntax over species, parameter and assignment names,
``t`` (time in days, t = 0 is midnight of day 0) and the functions ``exp``, ``log``, ``sqrt``,
``cos``, ``sin`` and ``pi``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ParameterKind = Literal["constant", "input", "trait"]


@dataclass(frozen=True)
class Parameter:
    """A named constant of the model.

    kind:
      * ``constant`` – physiology shared by everyone (literature or calibrated value);
      * ``trait`` – differs between persons (presets and virtual populations change it);
      * ``input`` – piecewise-constant in time, set by the scenario schedule (diet, doses, stress).
    """

    name: str
    value: float
    unit: str
    source: str
    low: float
    high: float
    description: str
    kind: ParameterKind = "constant"

    def __post_init__(self) -> None:
        if not (self.low <= self.value <= self.high):
            raise ValueError(
                f"parameter {self.name}: value {self.value} outside its plausible range "
                f"[{self.low}, {self.high}]"
            )
        if not self.source.strip():
            raise ValueError(f"parameter {self.name}: a source is required")


@dataclass(frozen=True)
class Species:
    """A state variable, integrated by the engine. ``initial`` is a pre-burn-in guess."""

    name: str
    initial: float
    unit: str
    description: str
    rate: str  # d(name)/dt as an expression, per day
    nonnegative: bool = True
    # relaxes over years (species richness): a burn-in cannot wait for it, so the engine sets
    # it to its equilibrium with the other states by Newton steps during the burn-in; its rate
    # may depend on itself, fast states and parameters, not on other slow states
    slow: bool = False


@dataclass(frozen=True)
class Assignment:
    """A named intermediate quantity, evaluated in declaration order before the rates."""

    name: str
    expr: str
    unit: str
    description: str


@dataclass(frozen=True)
class Observable:
    """A reported output: ``id`` is a public contract (column name in results)."""

    id: str
    expr: str
    unit: str
    description: str
    # (low, high): values outside are not human physiology in any state the literature reports;
    # a person whose simulation leaves this range is reported as failed (issue #16: a runaway
    # must never be counted as a result). None: no bound declared.
    plausible: tuple[float, float] | None = None
    plausible_source: str = ""

    def __post_init__(self) -> None:
        if self.plausible is not None and not self.plausible_source.strip():
            raise ValueError(f"observable {self.id}: a plausible range needs a source")


@dataclass(frozen=True)
class StepWindow:
    """A daily clock window in which the solvers cap their step size.

    Not a mechanism but a numerical requirement of a sharp rhythmic input: where an input
    rises faster than the embedded error estimate can follow, the window keeps the step short
    enough for the estimate to hold. ``start`` (a clock time, taken modulo 1 d), ``length`` and
    ``h_max`` are expressions over parameters, in days. SBML export leaves windows out."""

    name: str
    start: str
    length: str
    h_max: str
    reason: str


@dataclass(frozen=True)
class Module:
    """One mechanism of the gut–brain axis (DESIGN §3.1)."""

    name: str
    description: str
    parameters: tuple[Parameter, ...] = ()
    species: tuple[Species, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    observables: tuple[Observable, ...] = ()
    step_windows: tuple[StepWindow, ...] = ()


@dataclass
class ModelSpec:
    """The assembled model: the single source of truth handed to the compiler."""

    name: str
    version: str
    modules: list[Module] = field(default_factory=list)

    @property
    def parameters(self) -> list[Parameter]:
        return [p for m in self.modules for p in m.parameters]

    @property
    def species(self) -> list[Species]:
        return [s for m in self.modules for s in m.species]

    @property
    def assignments(self) -> list[Assignment]:
        return [a for m in self.modules for a in m.assignments]

    @property
    def observables(self) -> list[Observable]:
        return [o for m in self.modules for o in m.observables]

    @property
    def step_windows(self) -> list[StepWindow]:
        return [w for m in self.modules for w in m.step_windows]

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)

    def module_of(self, name: str) -> str:
        """Name of the module that declares a parameter, species, assignment or observable."""
        for m in self.modules:
            names = {x.name for x in (*m.parameters, *m.species, *m.assignments)}
            names |= {o.id for o in m.observables}
            if name in names:
                return m.name
        raise KeyError(name)
