"""How large can health-care use make Lurie 2015's association without any causal effect?

Issue #14 item 6 asks the model's population to show Lurie et al. 2015's association of
antibiotic courses with a later depression diagnosis (adjusted OR 1.23 for one course of
penicillins, 1.56 for more than five, exposure more than a year before the diagnosis). The
model's causal contrast is already on the strong side of the self-controlled human estimate
(clinical.antibiotic.course-self-controlled), so the rest of Lurie's association would have to lie
between persons. This script sizes one between-person term the model lacks, the *detection*
effect of an electronic record: persons who consult more are prescribed more courses and also have
a depressive episode recorded more often. It is the package's records read
(observational.records in a trial spec; gutbrain.analysis.observational) applied to a population
of alike persons, to ask whether its size is pinned by sources.

Model (per person):
- consultation propensity u ~ Gamma(k_c, rate k_c) (mean 1); consultations per year c0 * u;
- courses in the exposure window ~ Poisson(m * T * u * v), v ~ Gamma(k_v, rate k_v) a per-
  consultation prescribing propensity independent of u, with k_v chosen so that u * v has the
  dispersion of the model's exposure model ((1 + 1/k_c)(1 + 1/k_v) = 1 + 1/k_total);
- an episode of length D is recorded if at least one of its consultations (Poisson,
  mean c0 * u * D * help_seeking) records it, each with probability s.
No causal effect of the courses and no covariate: every ratio below is detection alone, against
persons with no course in the window.

Sources of the ranges (none is Lurie's):
- c0: 3.9 (1995) to 5.3 (2006) consultations per patient-year in UK general practice (QResearch,
  Information Centre 2008), 5.16 in 2013-14 (Hobbs et al. 2016 Lancet 387:2323);
- k_c: the top 10 % of attenders make 30-50 % of consultations (Kontopantelis et al. 2021 BMJ Open
  11:e054666, "four in ten"), matched on the negative-binomial count distribution;
- s: GPs record depression in their notes in 33.6 % (22.4-45.7 %) of depressed attenders at a
  consultation (Mitchell, Vaze & Rao 2009 Lancet 374:609);
- D: 3 to 6 months (half of community episodes have ended by 3 months; Spijker et al. 2002 Br J
  Psychiatry 181:208, NEMESIS);
- m 0.67 courses per person-year and k_total 0.31 (Shallcross et al. 2017 J Antimicrob
  Chemother 72:1818), as in the antibiotic protocol's exposure model;
- help_seeking: 1 (none) or 2 (assumed: a depressed person consults twice as often during the
  episode), a sensitivity only;
- exposure window 1 year (the model's targets) or 3 years (Lurie counted every course in the
  record more than a year before the index date).

Lurie adjusted for the number of infectious events before the diagnosis, which removes part of
this term (how much is not in the abstract), so the ratios are an upper reference for what Lurie's
adjusted estimate could carry, not a prediction of it.

    python calibration/lurie_detection.py  # writes results/analyses/lurie_detection.json
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import numpy as np
from scipy import optimize, stats

from gutbrain.analysis.observational import propensity_nodes, recorded_share, records_weights
from gutbrain.analysis.trial_spec import RecordsSpec

RESULTS = Path(__file__).parent / "results" / "analyses" / "lurie_detection.json"
MEAN_COURSES = 0.67  # per person-year, Shallcross 2017
K_TOTAL = 0.31  # gamma frailty shape of prescribing, Shallcross 2017 (30.1 % prescribed a year)
CENTRAL = {"c0": 5.16, "top_share": 0.40, "s": 0.336, "D": 0.25, "help_seeking": 1.0,
           "exposure_years": 1.0}
GRID = {
    "c0": (3.9, 5.16),
    "top_share": (0.30, 0.40, 0.50),
    "s": (0.224, 0.336, 0.457),
    "D": (0.25, 0.5),
    "help_seeking": (1.0, 2.0),
    "exposure_years": (1.0, 3.0),
}
LURIE_ONE_WINDOW = (1.15, 1.3)  # clinical.antibiotic.one-course-association
ARMS = {"one": (1, 1), "two_to_five": (2, 5), "more_than_five": (6, None)}


def top_decile_share(k_c: float, c0: float) -> float:
    """Share of all consultations made by the 10 % of persons who consult most (negative-binomial
    counts of mean c0, gamma shape k_c), with ties at the threshold split."""
    n = np.arange(0, int(c0 * 60 + 200))
    pmf = stats.nbinom.pmf(n, k_c, k_c / (k_c + c0))
    above = stats.nbinom.sf(n, k_c, k_c / (k_c + c0))  # P(N > n)
    idx = int(np.nonzero(above < 0.1)[0][0])  # persons above this count are all in the top 10 %
    take = 0.1 - above[idx]
    top = (n[idx + 1:] * pmf[idx + 1:]).sum() + take * n[idx]
    return float(top / c0)


def k_c_for_share(share: float, c0: float) -> float:
    """The consultation frailty shape whose counts give this top-decile share."""
    return float(optimize.brentq(lambda k: top_decile_share(k, c0) - share, 0.05, 50.0))


def detection_ratios(k_c: float, c0: float, s: float, D: float, help_seeking: float = 1.0,
                     exposure_years: float = 1.0) -> dict[str, float]:
    """Recorded-episode risk in each count arm over that of persons with no course, by the
    package's records read (gutbrain.analysis.observational.records_weights) for one person
    of the population's mean rate (no covariate, so every person is alike)."""
    records = RecordsSpec(consultations_per_year=c0, consultation_dispersion=k_c,
                          recording_per_consultation=s, episode_days=D * 365.0,
                          help_seeking=help_seeking)
    rate = np.array([MEAN_COURSES * exposure_years])

    def risk(lo: int, hi: int | None) -> float:
        w, r = records_weights(rate, lo, hi, K_TOTAL, records)
        return float(r[0] / w[0])

    none = risk(0, 0)
    out = {name: risk(lo, hi) / none for name, (lo, hi) in ARMS.items()}
    u, pw = propensity_nodes(k_c)
    out["recorded_share"] = float(pw @ recorded_share(records, u))
    out["k_v"] = 1 / ((1 + 1 / K_TOTAL) / (1 + 1 / k_c) - 1)
    return out


def sweep() -> dict:
    rows = []
    for c0, share, s, D, help_seeking, years in itertools.product(*GRID.values()):
        k_c = k_c_for_share(share, c0)
        r = detection_ratios(k_c, c0, s, D, help_seeking, years)
        rows.append({"c0": c0, "top_share": share, "k_c": k_c, "s": s, "D": D,
                     "help_seeking": help_seeking, "exposure_years": years, **r})
    central_k = k_c_for_share(CENTRAL["top_share"], CENTRAL["c0"])
    central = detection_ratios(central_k, CENTRAL["c0"], CENTRAL["s"], CENTRAL["D"],
                               CENTRAL["help_seeking"], CENTRAL["exposure_years"])
    span = {arm: [min(r[arm] for r in rows), max(r[arm] for r in rows)] for arm in ARMS}
    in_window = [r for r in rows if LURIE_ONE_WINDOW[0] <= r["one"] <= LURIE_ONE_WINDOW[1]]
    return {
        "what": "recorded-diagnosis risk ratio from detection alone (no causal effect), by "
                "antibiotic courses in the exposure window (1 or 3 years) against none; see the "
                "module docstring",
        "lurie_2015_adjusted_or": {"one": 1.23, "two_to_five": 1.40, "more_than_five": 1.56},
        "central": {**CENTRAL, "k_c": central_k, **central},
        "span_over_grid": span,
        "grid_points": len(rows),
        "grid_points_one_course_in_target_window": len(in_window),
        "target_window_one_course": list(LURIE_ONE_WINDOW),
        "grid": rows,
    }


def main(argv: list[str]) -> int:
    out = sweep()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    tmp = RESULTS.with_suffix(".tmp")
    tmp.write_text(json.dumps(out, indent=1) + "\n")
    tmp.replace(RESULTS)
    c = out["central"]
    print(f"central (k_c {c['k_c']:.2f}, recorded share {c['recorded_share']:.2f}): "
          + ", ".join(f"{a} {c[a]:.2f}" for a in ARMS))
    print(f"{out['grid_points_one_course_in_target_window']} of {out['grid_points']} grid points "
          f"put one course in the target window {LURIE_ONE_WINDOW}")
    for arm, (lo, hi) in out["span_over_grid"].items():
        print(f"{arm}: {lo:.2f} to {hi:.2f} over the grid "
              f"(Lurie {out['lurie_2015_adjusted_or'][arm]})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
