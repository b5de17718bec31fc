"""Trial spec files (YAML): the contract layout of issue #4, validated with pydantic."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from gutbrain.analysis.population import GENERAL_TRAITS, MAX_PERSONS, PRESETS
from gutbrain.scenario.loader import ScenarioError, format_validation_error, read_document
from gutbrain.scenario.parameters import check_parameters
from gutbrain.scenario.presets import DIETS
from gutbrain.scenario.schema import Choice, Count, Intervention, Number

OUTCOMES = {
    # id: (kind, description)
    "phq9": ("score", "PHQ-9 (0-27), self-report with visit noise"),
    "hamd17": ("score", "HAM-D17 (0-52), severity-band linked to the latent PHQ-9 + rater noise"),
    "madrs": ("score", "MADRS (0-60), equipercentile linked to the latent PHQ-9 (Kim 2024) + "
              "rater noise"),
    "gad7": ("score", "GAD-7 (0-21), self-report with visit noise"),
    "il6": ("lab", "plasma IL-6 (pg/mL)"),
    "crp": ("lab", "plasma CRP (mg/L)"),
    "tnf": ("lab", "plasma TNF (pg/mL)"),
    "cortisol": ("lab", "morning (08:00) plasma cortisol (ug/dL)"),
    "cortisol_awakening_response": ("lab", "cortisol rise 30 min after waking (% of waking)"),
    "shannon": ("lab", "species-level Shannon diversity (nats)"),
    "shannon_guilds": ("lab", "Shannon diversity over the 14 guilds (nats)"),
    "richness": ("lab", "observed species richness (species detected in a faecal sample)"),
    "pss10": ("lab", "Perceived Stress Scale PSS-10 score (0-40), from perceived stress"),
    "hrv_rmssd": ("lab", "resting heart-rate variability RMSSD (ms), from efferent vagal tone"),
    "butyrate": ("lab", "colonic butyrate (mM)"),
    # counted from the spec's events_from_day on (0: the whole follow-up); reports say when
    "mde_incidence": ("binary", "PHQ-9 >= 10 sustained >= 14 days during follow-up"),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


ARM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$")
MAX_TRIAL_DAYS = 3650.0  # ten years of follow-up


class PopulationSpec(_Strict):
    preset: Choice(PRESETS) = "general"
    n: Count = Field(gt=0, le=MAX_PERSONS)
    seed: Count = Field(default=0, ge=0)
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

# what a person's exposure rate may depend on in an observational read: their noise-free PHQ-9
# at baseline (before the arms part) and their sampled traits (Population.traits)
EXPOSURE_COVARIATES = ("phq9_true_baseline", "trait_mood_z",
                       *(f"trait_{t.param}" for t in GENERAL_TRAITS))


class ExposureCovariate(_Strict):
    """How much a person covariate multiplies the exposure rate: ``rate_ratio`` for every
    ``per`` units of it (log-linear), with its basis."""

    # bounded so a steep covariate stays finite on the log scale (a ratio of 1e6 per 1e-6
    # units already selects one person)
    rate_ratio: float = Field(ge=1e-6, le=1e6)
    per: float = Field(default=1.0, ge=1e-6, le=1e6)
    source: str = ""


class RecordsSpec(_Strict):
    """How an event reaches a record (a diagnosis in general-practice notes), for reading an
    observational contrast as a records-based study would: each person consults with a gamma
    propensity (mean 1, shape ``consultation_dispersion``) that is also part of their exposure
    proneness (prescriptions are written at consultations), and an episode is recorded if one
    of the consultations during it (``episode_days`` long, ``help_seeking`` times the person's
    usual rate) records it, each with probability ``recording_per_consultation``. Persons who
    consult more are then both exposed and recorded more: the detection effect
    (analysis.observational; sized with sources in calibration/lurie_detection.py).
    ``ranges`` gives [low, high] for any of the numbers: the read then also reports each
    recorded contrast's span over the corners of those ranges (how sure it is)."""

    consultations_per_year: float = Field(gt=0, le=365)
    consultation_dispersion: float = Field(gt=0, le=1e6)
    recording_per_consultation: float = Field(gt=0, le=1)
    episode_days: float = Field(gt=0, le=3650)
    help_seeking: float = Field(default=1.0, gt=0, le=100)
    ranges: dict[str, tuple[float, float]] = Field(default_factory=dict)
    source: str = ""

    @model_validator(mode="after")
    def _ranges(self) -> RecordsSpec:
        numbers = [n for n in type(self).model_fields if n not in ("ranges", "source")]
        for name, (low, high) in self.ranges.items():
            if name not in numbers:
                raise ValueError(f"ranges.{name}: not a number of the records model; expected "
                                 f"one of {', '.join(numbers)}")
            if not low <= high:
                raise ValueError(f"ranges.{name}: expected [low, high] with low <= high, got "
                                 f"[{low:g}, {high:g}]")
            for bound in (low, high):  # each end must be a valid value of the field
                try:
                    type(self).model_validate({**self.model_dump(exclude={"ranges"}),
                                               name: bound})
                except ValidationError as exc:
                    msg = exc.errors()[0]["msg"]
                    raise ValueError(f"ranges.{name}: {bound:g}: {msg}") from None
        return self

    def corners(self) -> list[RecordsSpec]:
        """The records model at every corner of its ranges (none: itself alone)."""
        names = list(self.ranges)
        out = []
        for ends in itertools.product(*(self.ranges[n] for n in names)):
            out.append(self.model_copy(update={**dict(zip(names, ends, strict=True)),
                                               "ranges": {}}))
        return out


class ObservationalSpec(_Strict):
    """Who would receive the exposure the arms stand for, had nobody assigned it: each
    person's count over the follow-up is negative binomial with mean ``mean_count`` times
    their covariates' rate ratios (centred on the population) and gamma frailty of shape
    ``dispersion`` (None: Poisson), so persons prone to the exposure weigh more in the arms
    of higher counts (analysis.observational)."""

    exposure: str = "exposure"
    # arm -> the count it stands for: n, or [low, high] (high null: open-ended); arms not
    # named (other exposures) are left out of the read; the first arm must be named
    counts: dict[str, int | tuple[int, int | None]]
    mean_count: float = Field(gt=0, le=1000)
    dispersion: float | None = Field(default=None, gt=0, le=1e6)
    covariates: dict[str, ExposureCovariate] = Field(default_factory=dict)
    # optional: read event outcomes as recorded diagnoses too (RecordsSpec)
    records: RecordsSpec | None = None
    source: str = ""

    @model_validator(mode="after")
    def _records_within_dispersion(self) -> ObservationalSpec:
        if self.records is None:
            return self
        if self.dispersion is None:
            raise ValueError("records: needs observational.dispersion (the exposure's gamma "
                             "frailty, of which consultations are a part); got none (Poisson)")
        low = min(self.records.ranges.get("consultation_dispersion",
                                          (self.records.consultation_dispersion,))[0],
                  self.records.consultation_dispersion)
        if low <= self.dispersion:
            where = ("ranges.consultation_dispersion" if low < self.records.consultation_dispersion
                     else "consultation_dispersion")
            raise ValueError(
                f"records.{where}: {low:g} must exceed observational.dispersion "
                f"({self.dispersion:g}): consultations can carry only part of the exposure's "
                "between-person spread (a larger shape is a narrower spread)")
        return self

    @field_validator("counts")
    @classmethod
    def _counts(cls, v: dict[str, Any]) -> dict[str, tuple[int, int | None]]:
        out: dict[str, tuple[int, int | None]] = {}
        for arm, c in v.items():
            low, high = (c, c) if isinstance(c, int) else c
            if low < 0 or (high is not None and high < low):
                raise ValueError(f"counts.{arm}: expected a count >= 0 or [low, high] with "
                                 f"0 <= low <= high (high null: no upper bound), got {c!r}")
            out[arm] = (low, high)
        return out

    @field_validator("covariates")
    @classmethod
    def _covariates(cls, v: dict[str, ExposureCovariate]) -> dict[str, ExposureCovariate]:
        for name in v:
            if name not in EXPOSURE_COVARIATES:
                raise ValueError(f"covariates.{name}: unknown person covariate; expected one "
                                 f"of {', '.join(EXPOSURE_COVARIATES)}")
        return v


class TrialSpec(_Strict):
    name: str = "trial"
    description: str = ""
    population: PopulationSpec
    days: Number = Field(gt=0, le=MAX_TRIAL_DAYS)
    run_in_days: Number = Field(default=0.0, ge=0, le=MAX_TRIAL_DAYS)
    diet: Choice(DIETS) = "western"
    arms: dict[str, list[Intervention]] = Field(json_schema_extra={"minProperties": 2})
    outcomes: list[str] = Field(min_length=1)
    # model parameter overrides for every person, screening included (e.g. a vagotomy trial,
    # or a calibration run); a sampled trait named here is fixed at this value for everyone
    parameters: dict[str, float] = Field(default_factory=dict)
    # everyone meets stressful life events as a seeded Poisson stream, over the 180 days before
    # screening and through run-in and trial
    # (population.LIFE_EVENT_STREAM: rate and severities with their sources). On by default
    # since 2026-12-07: the population norms the presets are calibrated on (PHQ-9, GAD-7,
    # PSS-10) were measured in people who meet life events; false runs a population without
    # them (lower symptom scores than the norms)
    background_life_events: bool = True
    # what taking part means from randomisation (analysis.trial.DESIGNS): "open" = trial
    # contact (visits, assessment) in every arm, as in open-label and wait-list trials;
    # "placebo_controlled" = contact plus the expectancy of a treatment believed possibly
    # active in every arm (double blind); "observational" = neither (a cohort or survey)
    design: Literal["open", "placebo_controlled", "observational"] = "open"
    # who is simulated in which arm (analysis.trial.allocate): "randomised" = each screened
    # person in one arm (equal allocation, seeded permutation), as in a real trial;
    # "every_arm" = every person in every arm, the counterfactual contrast only a simulation
    # can run: a person meets the same life events, weekly stress, residual affect and visit
    # noise in each arm, so a contrast carries the interventions' effect without the sampling
    # noise between persons, and its statistics are paired (analysis.trial.paired_contrast)
    allocation: Literal["randomised", "every_arm"] = "randomised"
    # events (mde_incidence) are counted from this day after randomisation on: a lagged
    # outcome window, as in studies that count exposures more than a year before the index
    # date (Lurie 2015); 0 = the whole follow-up
    events_from_day: Number = Field(default=0.0, ge=0, le=MAX_TRIAL_DAYS)
    # analysis only (every_arm): what an observational study would see if the arms' exposure
    # fell on persons by their proneness to it (analysis.observational)
    observational: ObservationalSpec | None = None

    @field_validator("parameters", mode="before")
    @classmethod
    def _parameters(cls, v: Any) -> dict[str, float]:
        if not isinstance(v, dict):
            raise ValueError("parameters: expected a mapping of model parameter names to "
                             "numbers")
        return check_parameters(v, "parameters")

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
        for name in v:
            if not ARM_NAME.match(str(name)) or ".." in str(name):
                raise ValueError(f"arms.{name}: arm names are 1-64 letters, digits, '_', '-', "
                                 "'.' or '+' starting with a letter or digit (they label files "
                                 "and tables), got " + repr(name))
        return v

    @model_validator(mode="after")
    def _whole(self) -> TrialSpec:
        """Everything the run needs is checked before the first simulation: every arm as
        the scenario it becomes (timing against the trial's length), and enough persons for
        a spread in every arm."""
        from gutbrain.scenario.schema import Scenario

        for arm, interventions in self.arms.items():
            shifted = []
            for iv in interventions:
                data = iv.model_dump(by_alias=True)
                for key in ("start_day", "day"):
                    if key in data:
                        data[key] = data[key] + self.run_in_days
                shifted.append(data)
            try:
                Scenario.model_validate({"name": arm, "days": self.run_in_days + self.days,
                                         "diet": self.diet, "interventions": shifted})
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(x) for x in first["loc"] if not str(x)[:1].isupper())
                msg = first["msg"].removeprefix("Value error, ")
                raise ValueError(f"arms.{arm}: {where + ': ' if where else ''}{msg} (days are "
                                 f"counted from randomisation; the trial lasts {self.days:g} "
                                 "days)") from None
        if self.events_from_day > 0 and self.events_from_day > self.days - 14:
            raise ValueError(f"events_from_day: {self.events_from_day:g} leaves less than the "
                             "14 days an episode needs before the trial ends (days = "
                             f"{self.days:g})")
        if self.observational is not None:
            if self.allocation != "every_arm":
                raise ValueError("observational: needs allocation every_arm (each person's "
                                 "outcome in every arm is what the exposure weights read)")
            counts = self.observational.counts
            first = next(iter(self.arms))
            extra = [a for a in counts if a not in self.arms]
            if extra:
                raise ValueError(f"observational.counts: no arm named {', '.join(extra)}")
            if first not in counts or len(counts) < 2:
                raise ValueError("observational.counts: expected the count of the first arm "
                                 f"({first}, the comparator) and of at least one other arm")
        per_arm = len(self.arms) if self.allocation == "randomised" else 1
        if self.population.n < 2 * per_arm:
            raise ValueError(f"population.n: {self.population.n} persons for "
                             f"{len(self.arms)} arms leaves fewer than 2 per arm; effect sizes "
                             "need a spread in every arm")
        return self

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
    return parse_trial(data, str(path), root)
