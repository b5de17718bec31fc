"""Pathway attribution: why did a mood score change between two runs?

The depression and anxiety states relax towards a logistic function of a sum of driver terms
(model/brain.py). Each term is an observable (``dep_drive_*``, ``anx_drive_*``), so the change
of the score between a scenario and its reference decomposes exactly into pathway
contributions to the logit. Each pathway is then traced upstream through the model's own
variables (e.g. inflammation ← IL-6 ← plasma LPS ← barrier ← butyrate).
"""

from __future__ import annotations

from dataclasses import dataclass

import xarray as xr

# pathway -> (label, upstream chain of observables, most proximal first)
PATHWAYS: dict[str, tuple[str, tuple[str, ...]]] = {
    "inflammation": ("inflammation", ("neuroinflammation", "il6", "tnf", "lps_plasma",
                                      "barrier_integrity", "butyrate",
                                      "guild_enterobacteriaceae")),
    "serotonin": ("brain serotonin", ("serotonin_brain", "trp_plasma", "kt_ratio")),
    "plasticity": ("neural plasticity", ("plasticity", "cortisol", "neuroinflammation")),
    "stress": ("perceived stress", ("perceived_stress",)),
    "vagal": ("the gut→brain vagal signal", ("vagal_afferent", "serotonin_gut", "butyrate",
                                             "acetate", "guild_lactobacillus")),
    "cortisol": ("cortisol", ("cortisol", "acth", "perceived_stress")),
    "depression": ("comorbid depression", ("phq9",)),
}
SCORES = {
    "phq9": ("PHQ-9", "dep_drive_", ("inflammation", "serotonin", "plasticity", "stress",
                                     "vagal")),
    "gad7": ("GAD-7", "anx_drive_", ("cortisol", "stress", "vagal", "inflammation",
                                     "depression")),
}


@dataclass
class Contribution:
    pathway: str
    label: str
    delta_logit: float
    upstream: list[tuple[str, float, float]]  # (observable, reference mean, scenario mean)


@dataclass
class Explanation:
    score: str
    reference: float
    scenario: float
    window: tuple[float, float]
    contributions: list[Contribution]

    @property
    def change(self) -> float:
        return self.scenario - self.reference

    def text(self) -> str:
        name = SCORES[self.score][0]
        a, b = self.window
        verb = "rose" if self.change > 0 else "fell"
        if abs(self.change) < 0.05:
            return (f"{name} barely moved ({self.reference:.1f} → {self.scenario:.1f}, days "
                    f"{a:g}–{b:g}).")
        parts = []
        top = [c for c in self.contributions if abs(c.delta_logit) > 0.02][:2]
        for c in top:
            direction = "raised" if c.delta_logit > 0 else "lowered"
            ups = []
            for obs, r, v in c.upstream[:3]:
                if abs(r) > 1e-12 and abs(v / r - 1) > 0.02:
                    ups.append(f"{obs} {100 * (v / r - 1):+.0f}%")
            chain = f" ({', '.join(ups)})" if ups else ""
            parts.append(f"{c.label} {direction} it by {abs(c.delta_logit):.2f} logit "
                         f"units{chain}")
        carried = "; ".join(parts) if parts else "no single pathway dominated"
        return (f"{name} {verb} by {abs(self.change):.1f} points ({self.reference:.1f} → "
                f"{self.scenario:.1f}, days {a:g}–{b:g}). Main pathways: {carried}.")


def explain(scenario: xr.Dataset, reference: xr.Dataset, score: str = "phq9",
            window: tuple[float, float] | None = None) -> Explanation:
    """Attribute the change of ``score`` (phq9 or gad7) between two runs to pathways,
    averaged over ``window`` (days; default the last quarter of the run)."""
    if score not in SCORES:
        raise ValueError(f"score must be one of {', '.join(SCORES)}, got {score!r}")
    end = float(min(scenario.day.max(), reference.day.max()))
    window = window or (0.75 * end, end)
    sel = {"day": slice(*window)}
    _, prefix, paths = SCORES[score]
    # only the variables read below: averaging all of a run's observables took 10x longer
    names = list(dict.fromkeys([score, *(prefix + p for p in paths),
                                *(o for p in paths for o in PATHWAYS[p][1])]))
    s_mean = scenario[names].sel(sel).mean()
    r_mean = reference[names].sel(sel).mean()
    contributions = []
    for path in paths:
        label, chain = PATHWAYS[path]
        delta = float(s_mean[prefix + path] - r_mean[prefix + path])
        upstream = [(o, float(r_mean[o]), float(s_mean[o])) for o in chain]
        contributions.append(Contribution(path, label, delta, upstream))
    contributions.sort(key=lambda c: -abs(c.delta_logit))
    return Explanation(score, float(r_mean[score]), float(s_mean[score]), window,
                       contributions)
