"""How big an infection's drive must be for the CRP rise a scenario asks for.

A scenario sizes an infection the way a clinician would, by its CRP rise at the peak; the
model's input is the IL-6 drive set at the onset (immune module: ``infection_nascent`` ->
``infection`` -> IL-6 -> hepatic synthesis -> CRP). This module inverts that chain for one
person's rates.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from gutbrain.compile.build import CompiledModel
from gutbrain.errors import InputError


def infection_drive(model: CompiledModel, p: np.ndarray, crp_rise: float) -> float:
    """The drive (pg/mL of IL-6 set at the onset) whose CRP rises by ``crp_rise`` mg/L at its
    peak in this person.

    Drive -> IL-6 (k6) is linear, and so is the drive's build-up (k_infection_onset) and
    resolution (k_infection_resolve); hepatic synthesis saturates with IL-6 (k_crp_syn
    il6 / (1 + il6 / K_crp6), followed at k_hep_apr; CRP cleared at k_crp), which takes ~13 %
    off a CRP rise of 150 mg/L. So the IL-6 course of a unit drive is stepped exactly (matrix
    exponential) and the size is found by bisection on the CRP peak it gives."""
    names = ("k_infection_onset", "k_infection_resolve", "k6", "k_hep_apr", "k_crp_syn",
             "K_crp6", "k_crp")
    return _drive_for(*(float(p[model.param_index(n)]) for n in names), float(crp_rise))


DT_DAYS = 0.01
HORIZON_DAYS = 30.0


@lru_cache(maxsize=64)
def _unit_il6(onset: float, resolve: float, k6: float) -> np.ndarray:
    """IL-6 added by a unit drive, every DT_DAYS over HORIZON_DAYS."""
    from scipy.linalg import expm

    step = expm(np.array([[-onset, 0.0, 0.0], [onset, -resolve, 0.0], [0.0, k6, -k6]])
                * DT_DAYS)
    x = np.array([1.0, 0.0, 0.0])
    out = np.empty(int(HORIZON_DAYS / DT_DAYS))
    for i in range(out.size):
        x = step @ x
        out[i] = x[2]
    return out


def _crp_peak(il6: np.ndarray, h: float, gain: float, k_sat: float, kc: float) -> float:
    """Peak of CRP above its baseline for an IL-6 excess course (exponential-Euler steps)."""
    target = gain * il6 / (1.0 + il6 / k_sat)
    fs, fc = np.exp(-h * DT_DAYS), np.exp(-kc * DT_DAYS)
    syn = crp = peak = 0.0
    for u in target:
        syn = u + (syn - u) * fs
        crp = syn / kc + (crp - syn / kc) * fc
        peak = max(peak, crp)
    return peak


@lru_cache(maxsize=1024)
def _drive_for(onset: float, resolve: float, k6: float, h: float, gain: float, k_sat: float,
               kc: float, crp_rise: float) -> float:
    unit = _unit_il6(onset, resolve, k6)
    linear = crp_rise / _crp_peak(unit, h, gain, np.inf, kc)
    lo, hi = linear, 10.0 * linear
    reach = _crp_peak(hi * unit, h, gain, k_sat, kc)
    if reach < crp_rise:
        raise InputError(f"crp_rise_mg_per_l: {crp_rise:g} mg/L is more than this person's "
                         f"hepatic CRP synthesis reaches (about {reach:.0f} mg/L with "
                         f"K_crp6 = {k_sat:g} pg/mL)")
    for _ in range(40):  # the peak grows monotonically with the drive
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if _crp_peak(mid * unit, h, gain, k_sat, kc) < crp_rise else (lo, mid)
        if hi - lo < 1e-4 * linear:
            break
    return 0.5 * (lo + hi)


__all__ = ["infection_drive"]
