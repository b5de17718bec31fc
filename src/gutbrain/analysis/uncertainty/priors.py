"""Priors of the model's parameters (issue #15 item 2).

Every non-input parameter gets one, built from what its declaration already says: its plausible
range and its source. Why these families: the range is the only quantitative statement most
sources support, so the prior is flat over it (log-uniform when it spans a decade or more, as
in the sensitivity designs: an order-of-magnitude range says "the scale is unknown"). Where the
source text quotes a confidence interval around the value, e.g. ``RR 1.85 (1.67-2.04; Diniz
2013)``, the prior is narrower: a normal (a log-normal for positive quantities) whose central
95 % is that interval, truncated to the range.

Inference works in the unit hypercube ``u = F(x)`` (each prior's own CDF): there the prior is
uniform, so samplers and designs need no knowledge of the families.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
from scipy import stats

LOG_RATIO = 10.0  # a range this wide (high / low, low > 0) is sampled on a log scale
Z95 = 1.959963984540054
# "1.85 (1.67-2.04" or "HR 0.67 (0.55–0.81;" : a value followed by a bracketed interval
_CI = re.compile(r"(?<![\w.])(-?\d+(?:\.\d+)?)\s*\(\s*(?:95\s*%\s*CI[:,]?\s*)?(-?\d+(?:\.\d+)?)"
                 r"\s*(?:-|–|to)\s*(-?\d+(?:\.\d+)?)\s*[;,)]")


@dataclass(frozen=True)
class Prior:
    """The prior of one parameter. ``family``: ``uniform``, ``log-uniform``, ``normal-ci``,
    ``lognormal-ci`` (truncated to [low, high]) or ``fixed`` (an empty range)."""

    name: str
    family: str
    low: float
    high: float
    unit: str = ""
    ci: tuple[float, float] | None = None  # the source's interval (the *-ci families)
    basis: str = ""  # why this family, in words

    @property
    def log(self) -> bool:
        return self.family in ("log-uniform", "lognormal-ci")

    def _space(self, x: np.ndarray) -> np.ndarray:
        return np.log(x) if self.log else x

    def _dist(self) -> stats.rv_continuous | None:
        if self.ci is None:
            return None
        lo, hi = self.ci
        a, b = (math.log(lo), math.log(hi)) if self.log else (lo, hi)
        mu, sd = 0.5 * (a + b), (b - a) / (2 * Z95)
        la, lb = (math.log(self.low), math.log(self.high)) if self.log else (self.low,
                                                                              self.high)
        return stats.truncnorm((la - mu) / sd, (lb - mu) / sd, loc=mu, scale=sd)

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Parameter values at prior quantiles u (in [0, 1]); clipped to the range."""
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if self.family == "fixed":
            return np.full_like(u, self.low)
        d = self._dist()
        if d is not None:
            z = d.ppf(u)
        else:
            lo, hi = (math.log(self.low), math.log(self.high)) if self.log else (self.low,
                                                                                  self.high)
            z = lo + u * (hi - lo)
        x = np.exp(z) if self.log else z
        return np.clip(x, self.low, self.high)

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """Prior quantiles of values x (the inverse of ``ppf``)."""
        x = np.clip(np.asarray(x, dtype=float), self.low, self.high)
        if self.family == "fixed":
            return np.full_like(x, 0.5)
        d = self._dist()
        z = self._space(x)
        if d is not None:
            return d.cdf(z)
        lo, hi = (math.log(self.low), math.log(self.high)) if self.log else (self.low,
                                                                              self.high)
        return (z - lo) / (hi - lo)

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "family": self.family, "low": self.low, "high": self.high,
                "unit": self.unit, "ci95": list(self.ci) if self.ci else None,
                "basis": self.basis}


def source_interval(value: float, source: str, low: float, high: float
                    ) -> tuple[float, float] | None:
    """The interval a source quotes around the parameter's value, if any: a number equal to
    the value (to 0.5 %) followed by ``(lo-hi`` with lo < value < hi inside the declared
    range. Anything looser (a range of other quantities, a year) is not taken."""
    for m in _CI.finditer(source):
        v, lo, hi = (float(g) for g in m.groups())
        if not math.isclose(v, value, rel_tol=5e-3, abs_tol=1e-12):
            continue
        if lo < value < hi and low <= lo and hi <= high:
            return lo, hi
    return None


def prior_for(p) -> Prior:  # p: gutbrain.model.spec.Parameter
    """The prior of a declared parameter (see the module docstring for the rule)."""
    if p.kind == "input":
        raise ValueError(f"{p.name} is an input (set by scenarios): it has no prior")
    if p.high <= p.low:
        return Prior(p.name, "fixed", p.low, p.high, p.unit, basis="empty declared range")
    ci = source_interval(p.value, p.source, p.low, p.high)
    positive = p.low > 0
    if ci is not None:
        fam = "lognormal-ci" if positive else "normal-ci"
        return Prior(p.name, fam, p.low, p.high, p.unit, ci,
                     f"source quotes {p.value:g} ({ci[0]:g}-{ci[1]:g}): central 95 % of a "
                     f"{'log-' if positive else ''}normal, truncated to the range")
    if positive and p.high / p.low >= LOG_RATIO:
        return Prior(p.name, "log-uniform", p.low, p.high, p.unit,
                     basis="declared range spans a decade or more")
    return Prior(p.name, "uniform", p.low, p.high, p.unit, basis="declared range")


def model_priors() -> dict[str, Prior]:
    """A prior for every non-input parameter of the model, in declaration order."""
    from gutbrain.model import build_model

    return {p.name: prior_for(p) for p in build_model().parameters if p.kind != "input"}


__all__ = ["Prior", "model_priors", "prior_for", "source_interval"]
