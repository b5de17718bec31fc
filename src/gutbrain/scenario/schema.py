"""Scenario files: the pydantic schema of persons, diets and interventions.

The YAML layout is a public contract (issue #2): add fields, never rename. Days are fractional
(day 10.375 = 09:00 on day 10).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from gutbrain.scenario.presets import (
    ANTIBIOTICS,
    DIET_FIELDS,
    DIETS,
    DONORS,
    PERSONS,
    PREBIOTICS,
    PROBIOTICS,
)

# Input limits. A scenario beyond them is refused up front with the limit named, instead of
# running for minutes into a MemoryError or a solver failure (issue #16).
MAX_DAYS = 36525.0  # 100 years: a lifetime course; 36,500 days simulate in ~40 s
MAX_GRAMS = 1000.0  # g/d of one nutrient: physically impossible beyond (~1 kg dry food a day)
MAX_SERVINGS = 50.0  # servings a day
MAX_CFU = 1e13  # CFU/d: the highest-dose products reach ~4e12 (VSL#3 DS, 4 sachets a day)
MAX_PREBIOTIC_G = 100.0  # g/d: trials use <= 40 (Wilson & Whelan 2017); 100 is far beyond
MAX_ENDOTOXIN_NG_KG = 20.0  # ng/kg: human challenges use 0.4-4 (Windoloski 2024; Grigoleit
# 2011); the model is validated at 2
MAX_IFN_MIU = 100.0  # MIU a dose: high-dose therapy is 20 MIU/m2 (~40 MIU)
MAX_DEX_MG = 40.0  # mg: the dexamethasone suppression test uses 0.5-8 mg
MAX_FMT_DRY_G = 100.0  # g dry bacteria: a standard FMT brings ~6 (50 g stool)
MAX_COURSES = 10000
MIN_INFUSION_HOURS = 1.0 / 60.0  # an endotoxin infusion of less than a minute is a bolus
ILLNESS_DAYS = 7.0  # an acute infection's week of illness, as reports shade it
MAX_CRP_RISE_MG_L = 500.0  # mg/L: severe bacterial infection and sepsis reach 100-500 (Pepys &
# Hirschfield 2003 J Clin Invest 111:1805); the model is checked at common infections (~30)


def _number(value: Any) -> Any:
    """YAML's true/false would silently become 1/0 in a number field."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got a boolean ({str(value).lower()})")
    return value


Number = Annotated[float, BeforeValidator(_number)]
NonNeg = Annotated[float, BeforeValidator(_number), Field(ge=0)]
Positive = Annotated[float, BeforeValidator(_number), Field(gt=0)]
Count = Annotated[int, BeforeValidator(_number)]


def _capped(kind: Any, cap: float) -> Any:
    return Annotated[kind, Field(le=cap)]


def Choice(options: dict | tuple) -> Any:  # noqa: N802 - a type, read as one
    """A name from a fixed set: the JSON Schema lists the names (API docs, generated
    requests), while the field's validator checks it and says what was expected."""
    return Annotated[str, WithJsonSchema({"type": "string", "enum": sorted(options)})]


class _Strict(BaseModel):
    # NaN and infinity are never valid input (a .inf dose ran for a minute into a solver
    # failure)
    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)


def _choice(value: str, options: dict | tuple, what: str) -> str:
    if value not in options:
        raise ValueError(f"unknown {what} {value!r}; expected one of {', '.join(sorted(options))}")
    return value


class DietSpec(_Strict):
    """Custom diet: any field left out comes from ``base`` (default 'western')."""

    base: Choice(DIETS) = "western"
    fiber_g: _capped(NonNeg, MAX_GRAMS) | None = None
    resistant_starch_g: _capped(NonNeg, MAX_GRAMS) | None = None
    prebiotic_g: _capped(NonNeg, MAX_GRAMS) | None = None
    sugar_g: _capped(NonNeg, MAX_GRAMS) | None = None
    protein_g: _capped(NonNeg, MAX_GRAMS) | None = None
    fat_g: _capped(NonNeg, MAX_GRAMS) | None = None
    fruit_veg_servings: _capped(NonNeg, MAX_SERVINGS) | None = None
    fermented_servings: _capped(NonNeg, MAX_SERVINGS) | None = None
    tryptophan_mg: _capped(NonNeg, 20 * MAX_GRAMS) | None = None

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
    start_day: _capped(NonNeg, MAX_DAYS) = 0.0
    days: _capped(Positive, MAX_DAYS) | None = None  # None = until the end of the scenario

    def end(self, horizon: float) -> float:
        return horizon if self.days is None else min(horizon, self.start_day + self.days)


class Antibiotic(_Timed):
    type: Literal["antibiotic"]
    drug_class: Choice(ANTIBIOTICS) = Field(alias="class")
    days: _capped(Positive, MAX_DAYS) = 7.0
    courses: Annotated[Count, Field(ge=1, le=MAX_COURSES)] = 1
    interval_days: _capped(Positive, MAX_DAYS) | None = None  # start-to-start, for repeated courses

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
    genus: Choice(PROBIOTICS) = "multi_strain"
    cfu_per_day: _capped(Positive, MAX_CFU)

    @field_validator("genus")
    @classmethod
    def _genus(cls, v: str) -> str:
        return _choice(v, PROBIOTICS, "probiotic genus")


class Prebiotic(_Timed):
    type: Literal["prebiotic"]
    kind: Choice(PREBIOTICS) = "inulin"
    g_per_day: _capped(Positive, MAX_PREBIOTIC_G)

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        return _choice(v, PREBIOTICS, "prebiotic kind")


class DietChange(_Timed):
    type: Literal["diet"]
    pattern: Choice(DIETS) | DietSpec

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, v: str | DietSpec) -> str | DietSpec:
        return _choice(v, DIETS, "diet preset") if isinstance(v, str) else v


class FermentedFood(_Timed):
    type: Literal["fermented_food"]
    servings_per_day: _capped(Positive, MAX_SERVINGS)


class Stress(_Timed):
    type: Literal["stress"]
    level: Annotated[Number, Field(ge=0, le=1)]


class StressReduction(_Timed):
    type: Literal["stress_reduction"]
    mindfulness_min_per_day: _capped(NonNeg, 1440.0) = 0.0  # minutes in a day
    exercise_min_per_week: _capped(NonNeg, 10080.0) = 0.0  # minutes in a week

    @model_validator(mode="after")
    def _some(self) -> StressReduction:
        if self.mindfulness_min_per_day == 0 and self.exercise_min_per_week == 0:
            raise ValueError("give mindfulness_min_per_day and/or exercise_min_per_week")
        return self


class Endotoxin(_Strict):
    type: Literal["endotoxin"]
    ng_per_kg: _capped(Positive, MAX_ENDOTOXIN_NG_KG)
    day: _capped(NonNeg, MAX_DAYS)
    infusion_hours: _capped(Positive, 24.0 * 30) | None = None

    @field_validator("infusion_hours")
    @classmethod
    def _infusion(cls, v: float | None) -> float | None:
        # a rate of dose / duration: a vanishing duration is a bolus, and one of 5e-324 h
        # divided the dose by zero (found by the web fuzz)
        if v is not None and v < MIN_INFUSION_HOURS:
            raise ValueError(f"{v:g} h is shorter than an infusion (at least "
                             f"{MIN_INFUSION_HOURS * 60:g} minute); leave infusion_hours out "
                             "for a bolus")
        return v


class Infection(_Strict):
    """An acute infection (respiratory, urinary, skin): its inflammatory drive, sized by the
    rise of plasma CRP at its peak (2-4 days after the onset), resolving over about a week.
    The drug a doctor may give for it is a separate intervention (``antibiotic``): an infection
    and its treatment act on the gut-brain axis through different routes."""

    type: Literal["infection"]
    day: _capped(NonNeg, MAX_DAYS)
    crp_rise_mg_per_l: _capped(Positive, MAX_CRP_RISE_MG_L) = 30.0
    episodes: Annotated[Count, Field(ge=1, le=MAX_COURSES)] = 1
    interval_days: _capped(Positive, MAX_DAYS) | None = None  # onset to onset, for repeats

    @model_validator(mode="after")
    def _repeat(self) -> Infection:
        if self.episodes > 1 and self.interval_days is None:
            raise ValueError("repeated episodes need interval_days (onset to onset)")
        return self

    def onsets(self) -> list[float]:
        step = self.interval_days or 0.0
        return [self.day + k * step for k in range(self.episodes)]

    def windows(self) -> list[tuple[float, float]]:
        """Each episode's week of illness (for shading and reports; the drive itself fades
        over about two weeks)."""
        return [(t, t + ILLNESS_DAYS) for t in self.onsets()]


class InterferonAlpha(_Timed):
    type: Literal["interferon_alpha"]
    miu: _capped(Positive, MAX_IFN_MIU)
    times_per_week: _capped(Positive, 14.0) = 3.0
    days: _capped(Positive, MAX_DAYS) = 84.0


class Dexamethasone(_Strict):
    type: Literal["dexamethasone"]
    mg: _capped(Positive, MAX_DEX_MG) = 1.0
    day: _capped(NonNeg, MAX_DAYS)


class LabStressor(_Strict):
    type: Literal["lab_stressor"]
    day: _capped(NonNeg, MAX_DAYS)
    minutes: _capped(Positive, 1440.0) = 15.0


class LifeEvent(_Strict):
    type: Literal["life_event"]
    severity: Annotated[Number, Field(gt=0, le=1)]
    day: _capped(NonNeg, MAX_DAYS)


class TryptophanDepletion(_Strict):
    type: Literal["tryptophan_depletion"]
    day: _capped(NonNeg, MAX_DAYS)


class DonorSample(_Strict):
    """A measured stool sample as FMT donor: a taxonomic table and a sample id in it."""

    profile: str
    sample: str


class FMT(_Strict):
    """Faecal microbiota transplant. ``donor``: a person preset (``healthy_adult``,
    ``depressive_episode``, ``low_grade_inflammation``, ``germ_free``; ``healthy`` =
    ``healthy_adult``), ``autologous`` (the recipient's own community before the scenario's
    first intervention), a measured sample ``{profile: FILE, sample: ID}`` or a guild mapping
    ``{guild: share, ...}``. The donor brings its species as well as its biomass."""

    type: Literal["fmt"]
    donor: Choice(DONORS) | DonorSample | dict[str, NonNeg] = "healthy"
    day: _capped(NonNeg, MAX_DAYS)
    dry_mass_g: _capped(Positive, MAX_FMT_DRY_G) | None = None

    @field_validator("donor")
    @classmethod
    def _donor(cls, v: str | DonorSample | dict[str, float]
               ) -> str | DonorSample | dict[str, float]:
        if isinstance(v, str):
            return _choice(v, DONORS, "FMT donor")
        if isinstance(v, DonorSample):
            return v
        from gutbrain.model.microbiota import GUILD_NAMES

        for k in v:
            _choice(k, GUILD_NAMES, "guild")
        if sum(v.values()) <= 0:
            raise ValueError("donor composition must have a positive total")
        return v


Intervention = Annotated[
    Antibiotic | Probiotic | Prebiotic | DietChange | FermentedFood | Stress | StressReduction
    | Endotoxin | InterferonAlpha | Dexamethasone | LabStressor | LifeEvent
    | TryptophanDepletion | FMT | Infection,
    Field(discriminator="type"),
]
INTERVENTION_TYPES = ("antibiotic", "probiotic", "prebiotic", "diet", "fermented_food", "stress",
                      "stress_reduction", "endotoxin", "interferon_alpha", "dexamethasone",
                      "lab_stressor", "life_event", "tryptophan_depletion", "fmt",
                      "infection")


class PersonSpec(_Strict):
    """A preset with parameter overrides (traits, lifestyle inputs or research knobs)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)
    preset: Choice(PERSONS) = "healthy_adult"
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

    @model_validator(mode="after")
    def _known_parameters(self) -> PersonSpec:
        """Overrides are model parameters within their plausible range (checked here, so the
        error names the file and line; the schedule would only name the field)."""
        from gutbrain.scenario.parameters import check_parameters

        self.__pydantic_extra__ = check_parameters(self.model_extra or {}, "person")
        return self

    def overrides(self) -> dict[str, float]:
        out = dict(PERSONS[self.preset])
        for k, v in (self.model_extra or {}).items():
            out[k] = v
        return out


class Scenario(_Strict):
    name: str = "scenario"
    description: str = ""
    person: Choice(PERSONS) | PersonSpec = "healthy_adult"
    days: _capped(Positive, MAX_DAYS) = 180.0
    seed: Annotated[Count, Field(ge=0)] = 0
    diet: Choice(DIETS) | DietSpec = "western"
    interventions: list[Intervention] = Field(default_factory=list)
    # model parameter overrides for burn-in and scenario (research knobs, e.g. a vagotomy:
    # {vagal_afferent_gain: 0}); range-checked like trial specs' parameters, recorded in the
    # provenance with the rest of the scenario
    parameters: dict[str, Any] = Field(default_factory=dict)

    @field_validator("parameters", mode="before")
    @classmethod
    def _parameters(cls, v: Any) -> dict[str, float]:
        if not isinstance(v, dict):
            raise ValueError("expected a mapping of model parameter names to numbers")
        from gutbrain.scenario.parameters import check_parameters

        return check_parameters(v, "parameters")

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
        # overlapping courses of one drug: sort each drug's windows by start, then compare
        # neighbours (n log n; 30,000 courses took 55 s pairwise)
        courses: dict[str, list[tuple[float, float, int]]] = {}
        for i, iv in enumerate(self.interventions):
            if isinstance(iv, Antibiotic):
                courses.setdefault(iv.drug_class, []).extend((a, b, i) for a, b in iv.windows())
        for drug, windows in courses.items():
            windows.sort()
            for (a2, b2, j), (a, b, i) in zip(windows, windows[1:], strict=False):
                if a < b2:
                    first, second = sorted([(j, a2, b2), (i, a, b)])
                    raise ValueError(
                        f"interventions.{second[0]}: {drug} course {second[1]:g}-{second[2]:g} "
                        f"overlaps the course {first[1]:g}-{first[2]:g} of "
                        f"interventions.{first[0]}")
        return self

    def person_overrides(self) -> dict[str, float]:
        if isinstance(self.person, str):
            return dict(PERSONS[self.person])
        return self.person.overrides()

    def person_name(self) -> str:
        return self.person if isinstance(self.person, str) else self.person.preset
