"""The observational read of an every-arm trial: what a cohort or case-control study would
see if the arms' exposure (antibiotic courses, say) had fallen on persons by their proneness
to it instead of being assigned.

An every-arm trial gives each person's outcome under every exposure level (the potential
outcomes). An exposure model says how likely each person is to have received each level:
their count over the follow-up is negative binomial, its mean the population's mean count
times the rate ratios of their covariates (centred so the population mean is kept), with a
gamma frailty for the proneness the model's persons do not carry (comorbidity, sex, health-
care use). The observational risk of an arm is then each person's outcome in that arm
weighted by their probability of that exposure level; its ratio to the causal (unweighted,
paired) contrast is the confounding that the covariates carry, and only that.

With a ``records`` block, event outcomes are also read as a records-based study sees them:
a diagnosis enters the record only at a consultation, and the persons who consult more are
also those prescribed more, so the recorded contrast carries a detection effect on top
(``recorded``; RecordsSpec says how).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from gutbrain.analysis.trial_spec import OUTCOMES, ObservationalSpec, RecordsSpec, TrialSpec
from gutbrain.errors import InputError

BOOTSTRAP = 1000  # person resamples for the observational contrasts' 95 % intervals
MIN_EFFECTIVE_N = 10.0  # below it a count's contrasts are flagged as resting on few persons
RECORDS_NODES = 128  # Gauss-Legendre nodes over the consultation propensity's quantiles


def exposure_rates(spec: ObservationalSpec, persons: pd.DataFrame) -> np.ndarray:
    """Each person's expected exposure count: ``mean_count`` times the product of their
    covariates' rate ratios, rescaled so the population's mean count is ``mean_count``."""
    log_rate = np.zeros(len(persons))
    for name, cov in spec.covariates.items():
        if name not in persons:
            raise InputError(f"observational.covariates.{name}: the trial's persons have no "
                             f"column {name!r}")
        x = persons[name].to_numpy(dtype=float)
        log_rate += math.log(cov.rate_ratio) / cov.per * (x - x.mean())
    rel = np.exp(log_rate - log_rate.max(initial=0.0))  # shifted: steep covariates overflow
    return spec.mean_count * rel / rel.mean()


def count_probability(rate: np.ndarray, low: int, high: int | None,
                      dispersion: float | None) -> np.ndarray:
    """P(low <= count <= high) for each person's mean count: Poisson, or negative binomial
    with gamma frailty of shape ``dispersion`` (variance mean + mean^2 / dispersion)."""
    if dispersion is None:
        dist = stats.poisson(rate)
    else:
        dist = stats.nbinom(dispersion, dispersion / (dispersion + rate))
    below = dist.cdf(low - 1) if low > 0 else 0.0
    upper = 1.0 if high is None else dist.cdf(high)
    return np.clip(upper - below, 0.0, 1.0)


def propensity_nodes(shape: float) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights (summing to 1) of a mean-1 gamma propensity, by Gauss-Legendre over
    its quantiles: the integrands (probabilities) are bounded, so no tail is lost."""
    x, w = np.polynomial.legendre.leggauss(RECORDS_NODES)
    return stats.gamma.ppf((x + 1) / 2, shape, scale=1 / shape), w / 2


def recorded_share(records: RecordsSpec, u: np.ndarray) -> np.ndarray:
    """P(an episode is recorded) at consultation propensity u: at least one of its
    consultations (Poisson, mean rate x u x episode length x help-seeking) records it, each
    with probability s, so P = 1 - exp(-s x mean consultations)."""
    visits = (records.consultations_per_year * records.help_seeking * records.episode_days
              / 365.0) * u
    return -np.expm1(-records.recording_per_consultation * visits)


def records_weights(rate: np.ndarray, low: int, high: int | None, dispersion: float,
                    records: RecordsSpec) -> tuple[np.ndarray, np.ndarray]:
    """Each person's P(count in [low, high]) and E[P(count in [low, high]) x P(recorded)],
    with the exposure's gamma frailty split into the consultation propensity u (shape
    ``consultation_dispersion``) and an independent prescribing propensity v whose shape k_v
    keeps the product's spread ((1 + 1/k_c)(1 + 1/k_v) = 1 + 1/dispersion); given u the
    count is negative binomial with shape k_v. The split keeps the exposure's variance, not
    its exact shape (a product of gammas is not a gamma: P(no course) at mean 0.7 and shape
    0.3 is 0.674 here against 0.697), so the recorded contrast is read against the
    unrecorded one under these same weights (``detection_ratio``)."""
    k_c = records.consultation_dispersion
    excess = (1 + 1 / dispersion) / (1 + 1 / k_c) - 1
    if excess <= 0:
        raise ValueError(f"consultation_dispersion {k_c:g} carries more dispersion than the "
                         f"exposure's ({dispersion:g}); it must be the larger shape")
    k_v = 1.0 / excess
    u, pw = propensity_nodes(k_c)
    given_u = count_probability(np.asarray(rate, float)[:, None] * u[None, :], low, high, k_v)
    return given_u @ pw, given_u @ (pw * recorded_share(records, u))


def _weighted(w: np.ndarray, y: np.ndarray, w0: np.ndarray, y0: np.ndarray,
              binary: bool) -> np.ndarray:
    """Weighted risk ratio (events) or difference of means over the last axis."""
    with np.errstate(divide="ignore", invalid="ignore"):  # no weight: NaN, said in warnings
        a = (w * y).sum(-1) / w.sum(-1)
        b = (w0 * y0).sum(-1) / w0.sum(-1)
        return a / b if binary else a - b


def _contrast(w: np.ndarray, y: np.ndarray, w0: np.ndarray, y0: np.ndarray, binary: bool,
              draws: np.ndarray) -> dict[str, Any]:
    key = "risk_ratio" if binary else "mean_difference"
    ones = np.ones_like(w)
    stat = float(_weighted(w, y, w0, y0, binary)) if len(w) else math.nan
    causal = float(_weighted(ones, y, ones, y0, binary)) if len(w) else math.nan
    boot = _weighted(w[draws], y[draws], w0[draws], y0[draws], binary) if len(w) else []
    boot = np.asarray(boot)[np.isfinite(boot)]
    lo, hi = np.percentile(boot, [2.5, 97.5]) if len(boot) else (math.nan, math.nan)
    if not (np.isfinite(stat) and np.isfinite(causal)):
        confounding = math.nan
    else:
        confounding = stat / causal if binary else stat - causal
    return {key: stat, "ci95": [float(lo), float(hi)], f"causal_{key}": causal,
            "confounding_ratio" if binary else "confounding_difference": confounding,
            "effective_n": _effective_n(w)}


def _effective_n(w: np.ndarray) -> float:
    """Kish's effective number of persons of a set of weights (0 when none carries any)."""
    square = float((w * w).sum())
    return float(w.sum()) ** 2 / square if square > 0 else 0.0


def observational_contrasts(spec: TrialSpec, ok: pd.DataFrame,
                            seed: int = 0) -> dict[str, Any]:
    """trial.json's ``observational`` block: for every arm against the first and every
    outcome, the weighted contrast (risk ratio for events, difference of end means
    otherwise) with a person-bootstrap 95 % interval, the causal contrast in the same persons,
    their ratio (``confounding_ratio``; ``confounding_difference`` for means), the weights'
    effective number of persons (Kish), and each arm's share of the population."""
    obs = spec.observational
    if obs is None:
        raise ValueError("the trial spec has no observational block")
    arms = [a for a in spec.arms if a in obs.counts]  # the first arm is always named
    frames = {a: ok[ok.arm == a].set_index("person") for a in arms}
    common = frames[arms[0]].index
    for a in arms[1:]:
        common = common.intersection(frames[a].index)
    common = common.sort_values()
    rate = exposure_rates(obs, frames[arms[0]].loc[common])
    weights = {a: count_probability(rate, *obs.counts[a], obs.dispersion) for a in arms}
    recorded: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    corners: list[dict[str, tuple[np.ndarray, np.ndarray]]] = []
    if obs.records is not None and obs.dispersion is not None:
        recorded = {a: records_weights(rate, *obs.counts[a], obs.dispersion, obs.records)
                    for a in arms}
        if obs.records.ranges:
            corners = [{a: records_weights(rate, *obs.counts[a], obs.dispersion, corner)
                        for a in arms} for corner in obs.records.corners()]
    rng = np.random.default_rng([seed, 0x0B5])
    draws = rng.integers(0, max(len(common), 1), size=(BOOTSTRAP, len(common)))
    block: dict[str, Any] = {
        "exposure": obs.exposure, "mean_count": obs.mean_count, "dispersion": obs.dispersion,
        "counts": {a: list(obs.counts[a]) for a in arms},
        "covariates": {k: v.model_dump() for k, v in obs.covariates.items()},
        "n_persons": int(len(common)),
        "share": {a: float(weights[a].mean()) if len(common) else math.nan for a in arms},
        "contrasts": [], "warnings": []}
    if obs.records is not None:
        u, pw = propensity_nodes(obs.records.consultation_dispersion)
        block["records"] = {**obs.records.model_dump(),
                            "recorded_share": float(pw @ recorded_share(obs.records, u))}
        if corners:
            block["records"]["corners"] = len(corners)
    for a in arms:
        n_eff = _effective_n(weights[a])
        if n_eff < MIN_EFFECTIVE_N:
            block["warnings"].append(
                f"observational read: few persons in this population would have the count of "
                f"arm {a!r} ({list(obs.counts[a])}; share {block['share'][a]:.2g}, effective "
                f"n {n_eff:.2g}), so its contrasts rest on them alone"
                + (" and are undefined (null)" if n_eff == 0 else ""))
    for a in arms[1:]:
        for o in spec.outcomes:
            binary = OUTCOMES[o][0] == "binary"
            col = o if binary else f"{o}_end"
            y = frames[a].loc[common, col].to_numpy(dtype=float)
            y0 = frames[arms[0]].loc[common, col].to_numpy(dtype=float)
            contrast = {"arm": a, "vs": arms[0], "outcome": o,
                        **_contrast(weights[a], y, weights[arms[0]], y0, binary, draws)}
            if binary and recorded:
                contrast["recorded"] = _recorded_contrast(recorded[a], y, recorded[arms[0]],
                                                          y0, draws)
                if corners:
                    values = [_recorded_ratio(c[a], y, c[arms[0]], y0) for c in corners]
                    finite = [v for v in values if np.isfinite(v)]
                    contrast["recorded"]["span"] = ([min(finite), max(finite)] if finite
                                                    else [math.nan, math.nan])
            block["contrasts"].append(contrast)
    return block


def _recorded_ratio(arm: tuple[np.ndarray, np.ndarray], y: np.ndarray,
                    ref: tuple[np.ndarray, np.ndarray], y0: np.ndarray) -> float:
    """The recorded-event risk ratio alone (no interval), for the corners of the ranges."""
    (w, r), (w0, r0) = arm, ref
    with np.errstate(divide="ignore", invalid="ignore"):
        return float((r * y).sum() / w.sum() / ((r0 * y0).sum() / w0.sum()))


def _recorded_contrast(arm: tuple[np.ndarray, np.ndarray], y: np.ndarray,
                       ref: tuple[np.ndarray, np.ndarray], y0: np.ndarray,
                       draws: np.ndarray) -> dict[str, Any]:
    """The risk ratio of recorded events (sum of E[weight x P(recorded)] x event over the sum
    of weights, arm over comparator), its bootstrap interval, and ``detection_ratio``: the
    recorded over the unrecorded risk ratio under the same (split-frailty) weights."""
    (w, r), (w0, r0) = arm, ref
    with np.errstate(divide="ignore", invalid="ignore"):
        q, q0 = np.where(w > 0, r / w, 0.0), np.where(w0 > 0, r0 / w0, 0.0)
    if not len(w):
        return {"risk_ratio": math.nan, "ci95": [math.nan, math.nan],
                "detection_ratio": math.nan}
    stat = _recorded_ratio(arm, y, ref, y0)
    unrecorded = float(_weighted(w, y, w0, y0, True))
    boot = np.asarray(_weighted(w[draws], (y * q)[draws], w0[draws], (y0 * q0)[draws], True))
    boot = boot[np.isfinite(boot)]
    lo, hi = np.percentile(boot, [2.5, 97.5]) if len(boot) else (math.nan, math.nan)
    detection = stat / unrecorded if np.isfinite(stat) and unrecorded > 0 else math.nan
    return {"risk_ratio": stat, "ci95": [float(lo), float(hi)], "detection_ratio": detection}
