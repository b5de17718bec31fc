"""Plain-language reading of model results: severity bands, clinically noticeable change,
the window where an effect is largest, sane plot ranges, and results to flag as the model's.

Everything here is a pure function of numbers (no plotting, no HTML), so the rules the
reports rely on are tested against known inputs (tests/test_report_plain.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import xarray as xr

from gutbrain.analysis.compare import (  # noqa: F401 - re-exported
    daily_means,
    largest_effect_window,
    score_window,
)
from gutbrain.analysis.explain import Explanation
from gutbrain.scenario.schema import Scenario


@dataclass(frozen=True)
class ScoreScale:
    """A questionnaire's range, severity bands and minimal clinically important difference."""

    name: str
    maximum: float
    bands: tuple[tuple[float, str], ...]  # (lower edge, label), ascending
    bands_source: str
    mcid: float  # change in points that clinicians regard as noticeable
    mcid_source: str


SCALES: dict[str, ScoreScale] = {
    # PHQ-9 0-4 minimal, 5-9 mild, 10-14 moderate, 15-19 moderately severe, 20-27 severe
    # (Kroenke, Spitzer & Williams 2001 J Gen Intern Med 16:606). A 5-point change is
    # clinically significant (Löwe et al. 2004 Med Care 42:1194).
    "phq9": ScoreScale("PHQ-9", 27.0, ((0.0, "minimal"), (5.0, "mild"), (10.0, "moderate"),
                                       (15.0, "moderately severe"), (20.0, "severe")),
                       "Kroenke et al. 2001", 5.0, "Löwe et al. 2004"),
    # GAD-7 cut-offs 5/10/15 (Spitzer et al. 2006 Arch Intern Med 166:1092); minimal
    # clinically important difference 4 points (Toussaint et al. 2020 J Affect Disord
    # 265:395).
    "gad7": ScoreScale("GAD-7", 21.0, ((0.0, "minimal"), (5.0, "mild"), (10.0, "moderate"),
                                       (15.0, "severe")),
                       "Spitzer et al. 2006", 4.0, "Toussaint et al. 2020"),
}

REFERENCES = {
    "Kroenke et al. 2001": "Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief "
                           "depression severity measure. J Gen Intern Med 2001;16:606-613.",
    "Löwe et al. 2004": "Löwe B, Unützer J, Callahan CM, Perkins AJ, Kroenke K. Monitoring "
                        "depression treatment outcomes with the Patient Health Questionnaire-9. "
                        "Med Care 2004;42:1194-1201.",
    "Spitzer et al. 2006": "Spitzer RL, Kroenke K, Williams JBW, Löwe B. A brief measure for "
                           "assessing generalized anxiety disorder: the GAD-7. Arch Intern Med "
                           "2006;166:1092-1097.",
    "Toussaint et al. 2020": "Toussaint A, Hüsing P, Gumz A, et al. Sensitivity to change and "
                             "minimal clinically important difference of the 7-item Generalized "
                             "Anxiety Disorder Questionnaire (GAD-7). J Affect Disord "
                             "2020;265:395-401.",
    "Wastyk et al. 2021": "Wastyk HC, Fragiadakis GK, Perelman D, et al. Gut-microbiota-"
                          "targeted diets modulate human immune status. Cell 2021;184:4137-4153.",
    "Dethlefsen & Relman 2011": "Dethlefsen L, Relman DA. Incomplete recovery and "
                                "individualized responses of the human distal gut microbiota "
                                "to repeated antibiotic perturbation. PNAS 2011;108 Suppl "
                                "1:4554-4561.",
    "Palleja et al. 2018": "Palleja A, Mikkelsen KH, Forslund SK, et al. Recovery of gut "
                           "microbiota of healthy adults following antibiotic exposure. Nat "
                           "Microbiol 2018;3:1255-1265.",
}

# Plain names of the observables that appear in pathway chains and figures.
PLAIN_NAMES = {
    "vagal_afferent": "gut→brain vagal signal",
    "serotonin_gut": "gut serotonin",
    "serotonin_brain": "brain serotonin",
    "butyrate": "butyrate",
    "acetate": "acetate",
    "guild_lactobacillus": "lactobacilli",
    "neuroinflammation": "brain inflammation",
    "il6": "IL-6",
    "tnf": "TNF",
    "lps_plasma": "endotoxin in blood",
    "barrier_integrity": "gut barrier",
    "guild_enterobacteriaceae": "Enterobacteriaceae",
    "trp_plasma": "blood tryptophan",
    "kyn_plasma": "blood kynurenine",
    "kt_ratio": "kynurenine/tryptophan ratio",
    "plasticity": "neural plasticity",
    "cortisol": "cortisol",
    "acth": "ACTH",
    "perceived_stress": "perceived stress",
    "phq9": "depression score",
    "shannon": "microbial diversity (Shannon)",
}


def severity(score: str, value: float) -> str:
    """The severity band of a (continuous) questionnaire score."""
    label = SCALES[score].bands[0][1]
    for edge, name in SCALES[score].bands:
        if value >= edge:
            label = name
    return label


def _days(window: tuple[float, float]) -> str:
    return f"days {window[0]:g}–{window[1]:g}"


def change_sentence(score: str, reference: float, scenario: float,
                    window: tuple[float, float] | None = None) -> str:
    """One plain sentence: how much the score moved, its bands, and whether a clinician would
    notice a change of that size (against the scale's minimal clinically important
    difference)."""
    scale = SCALES[score]
    delta = scenario - reference
    where = f"; {_days(window)}" if window else ""
    b0, b1 = severity(score, reference), severity(score, scenario)
    bands = f"{b0}" if b0 == b1 else f"{b0} → {b1}"
    values = f"{reference:.1f} → {scenario:.1f}, {bands}{where}"
    if abs(delta) < 0.05:
        return f"{scale.name} barely moved ({values})."
    verb = "rose" if delta > 0 else "fell"
    size = abs(delta)
    mcid = f"~{scale.mcid:g}-point change clinicians notice"
    if size >= scale.mcid:
        verdict = f"at or above the {mcid}"
    elif size >= 0.5 * scale.mcid:
        verdict = f"below the {mcid}"
    else:
        verdict = f"well below the {mcid}"
    return f"{scale.name} {verb} {size:.1f} points ({values}): {verdict}."


def drive_window(scenario: xr.Dataset, reference: xr.Dataset, score: str,
                 width: int = 14) -> tuple[float, float]:
    """Where the score's drivers (the sum of the pathway terms) differ most: the score follows
    them with a lag of weeks, so this window can come well before the score's own peak."""
    from gutbrain.analysis.explain import SCORES

    _, prefix, paths = SCORES[score]
    total_s = sum(scenario[prefix + p] for p in paths)
    total_r = sum(reference[prefix + p] for p in paths)
    days, s = daily_means(total_s)
    _, r = daily_means(total_r)
    n = min(len(s), len(r))
    return largest_effect_window(days[:n], s[:n] - r[:n], width)


def _rel(reference: float, value: float) -> str | None:
    """'+27%', '−14%' or '×8.0'; None for changes under 2% (not worth a reader's time)."""
    if not (math.isfinite(reference) and math.isfinite(value)) or abs(reference) < 1e-12:
        return None
    ratio = value / reference
    if abs(ratio - 1) < 0.02:
        return None
    if ratio >= 2:
        return f"×{ratio:.1f}"
    return f"{100 * (ratio - 1):+.0f}%".replace("-", "−")


def _pathway_phrase(label: str, upstream: list[tuple[str, float, float]],
                    seen: set[str]) -> str:
    """'the gut→brain vagal signal (−14%; gut serotonin −23%, butyrate −44%)': the pathway's
    own change, then up to two upstream changes not already named in the sentence."""
    own, others = None, []
    for obs, ref, val in upstream[:3]:
        rel = _rel(ref, val)
        name = PLAIN_NAMES.get(obs, obs)
        if name in label:
            own = own or rel
        elif rel and name not in seen:
            others.append(f"{name} {rel}")
        seen.add(name)
    inner = "; ".join(x for x in (own, ", ".join(others)) if x)
    return label + (f" ({inner})" if inner else "")


def pathway_sentence(explanation: Explanation, n: int = 2, lead: str = "In the model this "
                     "came") -> str:
    """Which pathways moved the score, in plain words (no latent units). Only pathways that
    pushed in the direction of the change are named."""
    sig = [c for c in explanation.contributions
           if abs(c.delta_logit) > 0.02 and c.delta_logit * explanation.change > 0][:n]
    if not sig:
        return "No single pathway of the model stands out."
    seen: set[str] = set()
    parts = [_pathway_phrase(c.label, c.upstream, seen) for c in sig]
    then = f", then through {parts[1]}" if len(parts) > 1 else ""
    return f"{lead} mainly through {parts[0]}{then}."


def details_line(explanation: Explanation) -> str:
    """The latent quantities behind the plain sentences (for the details line only)."""
    name = SCALES[explanation.score].name
    terms = ", ".join(f"{c.pathway} {c.delta_logit:+.2f}" for c in explanation.contributions)
    target = "depression" if explanation.score == "phq9" else "anxiety"
    return (f"{name}, {_days(explanation.window)}: change {explanation.change:+.2f} points; "
            f"contributions to the {target} set point (logit units): {terms}.")


# ---- plot ranges -------------------------------------------------------------------------
def y_range(series: Iterable[Sequence[float] | np.ndarray], *, min_rel_span: float = 0.2,
            pad: float = 0.08, floor: float | None = 0.0) -> tuple[float, float]:
    """A y-range that never zooms into numerical noise.

    A panel spans at least ``min_rel_span`` of its level (±10% by default), so a series that
    is flat up to solver noise (a 1e-8 drift) is drawn as the flat line it is, in the middle
    of the panel; real changes get ``pad`` of headroom. The range stays above ``floor``
    when the data do (concentrations are not negative)."""
    vals = np.concatenate([np.asarray(s, dtype=float).ravel() for s in series])
    vals = vals[np.isfinite(vals)]
    if not len(vals):
        return 0.0, 1.0
    lo, hi = float(vals.min()), float(vals.max())
    center = 0.5 * (lo + hi)
    need = min_rel_span * abs(center)
    if hi - lo < need or (center == 0 and hi - lo < 1e-9):
        if need == 0:
            return (0.0, 1.0) if floor == 0.0 and lo >= 0 else (-1.0, 1.0)
        lo, hi = center - 0.5 * need, center + 0.5 * need
    else:
        span = hi - lo
        lo, hi = lo - pad * span, hi + pad * span
    if floor is not None and lo < floor <= float(vals.min()):
        lo = floor
    return lo, hi


def score_range(score: str, series: Iterable[Sequence[float] | np.ndarray]) -> tuple[float, float]:
    """Scores are drawn from 0 to at least the top of the 'mild' band, so that small changes
    look as small as they are against the severity bands."""
    vals = np.concatenate([np.asarray(s, dtype=float).ravel() for s in series])
    top = float(np.nanmax(vals)) if np.isfinite(vals).any() else 0.0
    upper = max(10.0, 5.0 * math.ceil((top + 1.0) / 5.0))
    return 0.0, min(upper, SCALES[score].maximum)


def visible_bands(score: str, top: float) -> list[tuple[float, float, str]]:
    """(low, high, label) of the severity bands below ``top`` (the panel's upper limit)."""
    bands = SCALES[score].bands
    edges = [b[0] for b in bands[1:]] + [SCALES[score].maximum]
    return [(lo, min(hi, top), name) for (lo, name), hi in zip(bands, edges, strict=True)
            if lo < top]


# ---- intervention windows ----------------------------------------------------------------
def intervention_windows(sc: Scenario) -> list[tuple[float, float, str]]:
    """(start, end, label) of every intervention, for shading; one-off events get a day."""
    out = []
    for iv in sc.interventions:
        label = iv.type.replace("_", " ")
        if hasattr(iv, "windows"):  # repeats past the end of the scenario are not run
            out += [(a, min(b, sc.days), label) for a, b in iv.windows() if a < sc.days]
        elif hasattr(iv, "start_day"):
            out.append((float(iv.start_day), float(iv.end(sc.days)), label))
        else:
            day = float(iv.day)
            out.append((day, min(day + 1.0, sc.days), label))
    return out


# ---- results that contradict common belief -------------------------------------------------
@dataclass(frozen=True)
class Belief:
    """A common expectation about an intervention; the report flags a model result that runs
    against it as the model's result (not established fact)."""

    applies: Callable[[Scenario], bool]
    check: Callable[[Scenario, xr.Dataset, xr.Dataset], str | None]


def _has(kind: str, **fields: str) -> Callable[[Scenario], bool]:
    """The scenario changes this lever and no other: a belief is about one lever's effect, and
    a change that other levers carry cannot be held against it (stress together with stress
    reduction or a diet may well lower cortisol)."""
    def applies(sc: Scenario) -> bool:
        ivs = sc.interventions
        return bool(ivs) and all(
            iv.type == kind and all(getattr(iv, k, None) == v for k, v in fields.items())
            for iv in ivs)
    return applies


def _direction(var: str, expected: int, belief: str, evidence: str = ""
               ) -> Callable[[Scenario, xr.Dataset, xr.Dataset], str | None]:
    """Flag when the largest change of ``var`` goes against the ``expected`` sign by > 2%."""
    def check(sc: Scenario, ds: xr.Dataset, base: xr.Dataset) -> str | None:
        a, b = score_window(ds, base, var)
        s = float(ds[var].sel(day=slice(a, b)).mean())
        r = float(base[var].sel(day=slice(a, b)).mean())
        if abs(r) < 1e-12 or (s - r) * expected >= 0 or abs(s / r - 1) < 0.02:
            return None
        verb = "fell" if s < r else "rose"
        name = PLAIN_NAMES.get(var, var)
        return (f"In the model, {name} {verb} ({r:.2f} → {s:.2f}, days {a:g}–{b:g}). "
                f"{belief}{' ' + evidence if evidence else ''}")
    return check


def _antibiotic_rebound(sc: Scenario, ds: xr.Dataset, base: xr.Dataset) -> str | None:
    """Diversity overshooting its baseline after a course, or fully back within weeks: model
    results that differ from the slow, incomplete recoveries seen in people."""
    end = max(b for _, b, label in intervention_windows(sc) if label == "antibiotic")
    days, s = daily_means(ds.shannon)
    _, r = daily_means(base.shannon)
    n = min(len(s), len(r))
    after = days[:n] >= end
    if not after.any():
        return None
    days, s, r = days[:n][after], s[:n][after], r[:n][after]
    rel = s / r - 1
    parts = []
    k = int(np.argmax(rel))
    if rel[k] > 0.02:
        parts.append(f"microbial diversity overshoots its baseline after the course "
                     f"(Shannon {s[k]:.2f} vs {r[k]:.2f} on day {days[k]:g})")
    outside = np.flatnonzero(np.abs(rel) >= 0.01)
    if abs(rel[-1]) < 0.01:  # within 1% at the end of the run
        settled = days[int(outside[-1]) + 1] if len(outside) else days[0]
        parts.append(("and is" if parts else "microbial diversity is")
                     + f" back within 1% of baseline from day {settled:g}")
    if not parts:
        return None
    return ("In the model, " + " ".join(parts) + ". In people, recovery after broad-spectrum "
            "antibiotics is often slower and incomplete, with some species still missing "
            "months later (Dethlefsen & Relman 2011; Palleja et al. 2018).")


BELIEFS: tuple[Belief, ...] = (
    Belief(_has("diet", pattern="high_fiber"),
           _direction("shannon", +1, "A high-fibre diet is widely expected to raise gut "
                      "microbial diversity; in a 10-week trial it did not raise it on average "
                      "either (Wastyk et al. 2021).")),
    Belief(_has("prebiotic"), _direction("butyrate", +1, "Fermentable fibre is expected to "
                                          "raise butyrate.")),
    Belief(_has("probiotic"), _direction("phq9", -1, "Probiotics are widely expected to "
                                         "lift mood.")),
    Belief(_has("stress"), _direction("cortisol", +1, "Chronic stress is expected to raise "
                                      "cortisol.")),
    Belief(_has("antibiotic"), _antibiotic_rebound),
)


def belief_flags(sc: Scenario, ds: xr.Dataset, base: xr.Dataset) -> list[str]:
    """Sentences flagging results that run against common belief (empty for the baseline)."""
    return [msg for b in BELIEFS if b.applies(sc) and (msg := b.check(sc, ds, base))]
