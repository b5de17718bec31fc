"""Bayesian calibration on the surrogate: likelihood of the targets' windows, MCMC, and what
the posterior says about identifiability.

Likelihood. A target's window is read as the 95 % interval of what the literature says the
quantity is: the metric's likelihood is normal around the window's centre with SD
half-width / 1.96. A one-sided window (or one declared ``upper``/``lower`` in the plan, e.g.
an error metric whose window starts at 0) is a probit step at its edge with a scale of 5 % of
the edge. In both, the emulator's cross-validated error SD is added in quadrature: where the
surrogate is unsure, the posterior stays wide.

Sampler: emcee's ensemble (differential-evolution and snooker moves) in the prior-quantile cube
u in [0, 1]^d, where the prior is uniform, so the log-posterior is the log-likelihood inside
the cube and -inf outside it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import log_ndtr

Z95 = 1.959963984540054
EDGE_SCALE = 0.05  # probit step width of a one-sided window, relative to its edge


@dataclass(frozen=True)
class WindowLikelihood:
    """The likelihood of one target's metric value."""

    target: str
    low: float | None
    high: float | None
    shape: str = "window"  # window | upper | lower
    model_sd: float = 0.0  # surrogate (emulator) error SD, added in quadrature

    def logpdf(self, v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=float)
        shape = self.shape
        if shape == "window" and (self.low is None or self.high is None):
            shape = "lower" if self.high is None else "upper"
        if shape == "window":
            centre, half = 0.5 * (self.low + self.high), 0.5 * (self.high - self.low)
            sd = math.hypot(half / Z95, self.model_sd)
            out = -0.5 * ((v - centre) / sd) ** 2 - math.log(sd)
        else:
            edge = self.high if shape == "upper" else self.low
            s = math.hypot(EDGE_SCALE * max(abs(edge), 1e-9), self.model_sd)
            z = (edge - v) / s if shape == "upper" else (v - edge) / s
            out = log_ndtr(z)
        return np.where(np.isfinite(v), out, -np.inf)


def log_posterior(likelihoods: list[WindowLikelihood],
                  predict: Callable[[np.ndarray], np.ndarray]
                  ) -> Callable[[np.ndarray], np.ndarray]:
    """The vectorised log-posterior over u (walkers x d) for emcee."""

    def fn(u: np.ndarray) -> np.ndarray:
        u = np.atleast_2d(u)
        inside = np.all((u >= 0.0) & (u <= 1.0), axis=1)
        out = np.full(len(u), -np.inf)
        if inside.any():
            pred = predict(u[inside])
            out[inside] = sum(lk.logpdf(pred[:, j]) for j, lk in enumerate(likelihoods))
        return out

    return fn


@dataclass
class Chain:
    samples: np.ndarray  # (draws, d) after burn-in and thinning, in u
    log_prob: np.ndarray
    acceptance: float
    autocorr: np.ndarray  # integrated autocorrelation time per parameter (steps)
    walkers: int
    steps: int
    burn: int
    thin: int


def run_mcmc(logp: Callable[[np.ndarray], np.ndarray], d: int, seed: int, walkers: int = 32,
             steps: int = 4000, burn: int = 1500, thin: int = 10,
             start: np.ndarray | None = None) -> Chain:
    """emcee in the unit cube, deterministic for a seed. Walkers start at ``start`` (draws
    from a previous posterior) or uniformly over the cube."""
    import emcee

    rng = np.random.default_rng(seed)
    if start is None:
        p0 = rng.uniform(0.05, 0.95, (walkers, d))
    else:
        p0 = start[rng.choice(len(start), walkers, replace=len(start) < walkers)]
        p0 = np.clip(p0 + rng.normal(0, 1e-3, p0.shape), 0.0, 1.0)
    # differential-evolution moves mix better than the default stretch move when several
    # directions are flat (non-identifiable parameters; ter Braak & Vrugt 2008)
    moves = [(emcee.moves.DEMove(), 0.8), (emcee.moves.DESnookerMove(), 0.2)]
    sampler = emcee.EnsembleSampler(walkers, d, logp, vectorize=True, moves=moves)
    sampler.random_state = np.random.RandomState(seed).get_state()  # emcee's own stream
    sampler.run_mcmc(p0, steps, progress=False)
    flat = sampler.get_chain(discard=burn, thin=thin, flat=True)
    lp = sampler.get_log_prob(discard=burn, thin=thin, flat=True)
    tau = sampler.get_autocorr_time(discard=burn, quiet=True)
    return Chain(flat, lp, float(np.mean(sampler.acceptance_fraction)), tau, walkers, steps,
                 burn, thin)


def contraction(u_post: np.ndarray) -> np.ndarray:
    """Posterior contraction per parameter, 1 - Var_post(u) / Var_prior(u) with
    Var_prior(u) = 1/12 (uniform in the prior-quantile cube): 0 = the data say nothing
    about it, 1 = pinned down (Betancourt 2018's identifiability diagnostic)."""
    return 1.0 - np.var(u_post, axis=0) / (1.0 / 12.0)


IDENTIFIABLE_CONTRACTION = 0.5  # below this the targets leave half the prior variance


def thin_to(samples: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n draws spread over a chain (evenly spaced after a seeded shuffle of ties)."""
    if len(samples) < n:
        raise ValueError(f"the chain holds {len(samples)} draws; {n} requested")
    idx = np.linspace(0, len(samples) - 1, n).round().astype(int)
    return samples[np.random.default_rng(seed).permutation(idx)]


__all__ = ["Chain", "IDENTIFIABLE_CONTRACTION", "WindowLikelihood", "contraction",
           "log_posterior", "run_mcmc", "thin_to"]
