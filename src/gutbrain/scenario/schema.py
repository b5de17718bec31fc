"""Scenario files: the pydantic schema of persons, diets and interventions.

The YAML layout is a public contract (issue #2): add fields, never rename. Days are fractional
(day 10.375 = 09:00 on day 10).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gutbrain.scenario.presets import (
    ANTIBIOTICS,
    DIET_FIELDS,
    DIETS,
    DONORS,
    PERSONS,
    PREBIOTICS,
    PROBIOTICS,
)

NonNeg = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _choice(value: str, options: dict | tuple, what: str) -> str:
    if value not in options:
        raise ValueError(f"unknown {what} {value!r}; expected one of {', '.join(sorted(options))}")
    return value


class DietSpec(_Strict):
    """Custom diet: any field left out comes from ``base`` (default 'western')."""

    base: str = "western"
    fiber_g: NonNeg | None = None
    resistant_starch_g: NonNeg | None = None
    prebiotic_g: NonNeg | None = None
    sugar_g: NonNeg | None = None
    protein_g: NonNeg | None = None
    fat_g: NonNeg | None = None
    fruit_veg_servings: NonNeg | None = None
    fermented_servings: NonNeg | None = None
    tryptophan_mg: NonNeg | None = None

    @field_validator("base")
    @classmethod
    def _base(cls, v: str) -> str:
        return _choice(v, DIETS, "diet preset")

    def intakes(self) -> dict[str, float]:
        out = dict(DIETS[self.base])
        for f in DIET_FIELDS:
            v = getattr(self, f)
            if v is not None:
                out[f] = float(v)
        return out


def diet_intakes(diet: str | DietSpec) -> dict[str, float]:
    return dict(DIETS[diet]) if isinstance(diet, str) else diet.intakes()


class _Timed(_Strict):
    start_day: NonNeg = 0.0
    days: Positive | None = None  # None = until the end of the scenario

    def end(self, horizon: float) -> float:
        return horizon if self.days is None else min(horizon, self.start_day + self.days)


class Antibiotic(_Timed):
    type: Literal["antibiotic"]
    drug_class: str = Field(alias="class")
    days: Positive = 7.0
    courses: Annotated[int, Field(ge=1)] = 1
    interval_days: Positive | None = None  # start-to-start, for repeated courses

    @field_validator("drug_class")
    @classmethod
    def _cls(cls, v: str) -> str:
        return _choice(v, ANTIBIOTICS, "antibiotic class")

    @model_validator(mode="after")
    def _repeat(self) -> Antibiotic:
        if self.courses > 1:
            if self.interval_days is None:
                raise ValueError("repeated courses need interval_days (start to start)")
            if self.interval_days < self.days:
                raise ValueError(f"interval_days ({self.interval_days}) is shorter than a course "
                                 f"({self.days} days): courses would overlap")
        return self

    def windows(self) -> list[tuple[float, float]]:
        step = self.interval_days or 0.0
        return [(self.start_day + k * step, self.start_day + k * step + self.days)
                for k in range(self.courses)]


class Probiotic(_Timed):
    type: Literal["probiotic"]
    genus: str = "multi_strain"
    cfu_per_day: Positive

    @field_validator("genus")
    @classmethod
    def _genus(cls, v: str) -> str:
        return _choice(v, PROBIOTICS, "probiotic genus")


class Prebiotic(_Timed):
    type: Literal["prebiotic"]
    kind: str = "inulin"
    g_per_day: Positive

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        return _choice(v, PREBIOTICS, "prebiotic kind")


class DietChange(_Timed):
    type: Literal["diet"]
    pattern: str | DietSpec

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, v: str | DietSpec) -> str | DietSpec:
        return _choice(v, DIETS, "diet preset") if isinstance(v, str) else v


class FermentedFood(_Timed):
    type: Literal["fermented_food"]
    servings_per_day: Positive


class Stress(_Timed):
    type: Literal["stress"]
    level: Annotated[float, Field(ge=0, le=1)]


class StressReduction(_Timed):
    type: Literal["stress_reduction"]
    mindfulness_min_per_day: NonNeg = 0.0
    exercise_min_per_week: NonNeg = 0.0

    @model_validator(mode="after")
    def _some(self) -> StressReduction:
        if self.mindfulness_min_per_day == 0 and self.exercise_min_per_week == 0:
            raise ValueError("give mindfulness_min_per_day and/or exercise_min_per_week")
        return self


class Endotoxin(_Strict):
    type: Literal["endotoxin"]
    ng_per_kg: Positive
    day: NonNeg
    infusion_hours: Positive | None = None


class InterferonAlpha(_Timed):
    type: Literal["interferon_alpha"]
    miu: Positive
    times_per_week: Positive = 3.0
    days: Positive = 84.0


class Dexamethasone(_Strict):
    type: Literal["dexamethasone"]
    mg: Positive = 1.0
    day: NonNeg


class LabStressor(_Strict):
    type: Literal["lab_stressor"]
    day: NonNeg
    minutes: Positive = 15.0


class LifeEvent(_Strict):
    type: Literal["life_event"]
    severity: Annotated[float, Field(gt=0, le=1)]
    day: NonNeg


class TryptophanDepletion(_Strict):
    type: Literal["tryptophan_depletion"]
    day: NonNeg


class FMT(_Strict):
    type: Literal["fmt"]
    donor: str | dict[str, NonNeg] = "healthy"
    day: NonNeg
    dry_mass_g: Positive | None = None

    @field_validator("donor")
    @classmethod
    def _donor(cls, v: str | dict[str, float]) -> str | dict[str, float]:
        if isinstance(v, str):
            return _choice(v, DONORS, "FMT donor preset")
        from gutbrain.model.microbiota import GUILD_NAMES

        for k in v:
            _choice(k, GUILD_NAMES, "guild")
        if sum(v.values()) <= 0:
            raise ValueError("donor composition must have a positive total")
        return v


Intervention = Annotated[
    Antibiotic | Probiotic | Prebiotic | DietChange | FermentedFood | Stress | StressReduction
    | Endotoxin | InterferonAlpha | Dexamethasone | LabStressor | LifeEvent
    | TryptophanDepletion | FMT,
    Field(discriminator="type"),
]
INTERVENTION_TYPES = ("antibiotic", "probiotic", "prebiotic", "diet", "fermented_food", "stress",
                      "stress_reduction", "endotoxin", "interferon_alpha", "dexamethasone",
                      "lab_stressor", "life_event", "tryptophan_depletion", "fmt")


class PersonSpec(_Strict):
    """A preset with parameter overrides (traits, lifestyle inputs or research knobs)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    preset: str = "healthy_adult"
    profile: str | None = None  # measured taxonomic table (any format gutbrain reads)
    sample: str | None = None  # sample id in that table: sets the person's guilds

    @model_validator(mode="after")
    def _profile_sample(self) -> PersonSpec:
        if (self.profile is None) != (self.sample is None):
            raise ValueError("profile and sample must be given together")
        return self

    @field_validator("preset")
    @classmethod
    def _preset(cls, v: str) -> str:
        return _choice(v, PERSONS, "person preset")

    def overrides(self) -> dict[str, float]:
        out = dict(PERSONS[self.preset])
        for k, v in (self.model_extra or {}).items():
            out[k] = v
        return out


class Scenario(_Strict):
    name: str = "scenario"
    description: str = ""
    person: str | PersonSpec = "healthy_adult"
    days: Positive = 180.0
    seed: int = 0
    diet: str | DietSpec = "western"
    interventions: list[Intervention] = Field(default_factory=list)

    @field_validator("person")
    @classmethod
    def _person(cls, v: str | PersonSpec) -> str | PersonSpec:
        return _choice(v, PERSONS, "person preset") if isinstance(v, str) else v

    @field_validator("diet")
    @classmethod
    def _diet(cls, v: str | DietSpec) -> str | DietSpec:
        return _choice(v, DIETS, "diet preset") if isinstance(v, str) else v

    @model_validator(mode="before")
    @classmethod
    def _tag_unknown(cls, data: Any) -> Any:
        """Give an unknown intervention type a readable error instead of a union dump."""
        if isinstance(data, dict) and isinstance(data.get("interventions"), list):
            for i, item in enumerate(data["interventions"]):
                if isinstance(item, dict) and item.get("type") not in INTERVENTION_TYPES:
                    raise ValueError(
                        f"interventions.{i}.type: unknown intervention type "
                        f"{item.get('type')!r}; expected one of {', '.join(INTERVENTION_TYPES)}")
        return data

    @model_validator(mode="after")
    def _timing(self) -> Scenario:
        for i, iv in enumerate(self.interventions):
            start = getattr(iv, "start_day", None)
            if start is None:
                start = iv.day  # type: ignore[union-attr]
                field = "day"
            else:
                field = "start_day"
            if start >= self.days:
                raise ValueError(f"interventions.{i}.{field}: {start} is not before the end of "
                                 f"the scenario (days = {self.days})")
        courses: dict[str, list[tuple[float, float, int]]] = {}
        for i, iv in enumerate(self.interventions):
            if isinstance(iv, Antibiotic):
                for a, b in iv.windows():
                    for a2, b2, j in courses.get(iv.drug_class, []):
                        if a < b2 and a2 < b:
                            raise ValueError(
                                f"interventions.{i}: {iv.drug_class} course {a}-{b} overlaps "
                                f"the course {a2}-{b2} of interventions.{j}")
                    courses.setdefault(iv.drug_class, []).append((a, b, i))
        return self

    def person_overrides(self) -> dict[str, float]:
        if isinstance(self.person, str):
            return dict(PERSONS[self.person])
        return self.person.overrides()

    def person_name(self) -> str:
        return self.person if isinstance(self.person, str) else self.person.preset
