"""Deterministic refit of a few Windoloski 2024 immune parameters in the full model to the
published mean time courses (validation/targets/_data.yaml windoloski2024_*: 2 ng/kg bolus
and the same dose over 4 h; TNF, IL-6, IL-10; log residuals), with penalties for leaving the
windows of the endotoxin anchors (bolus peaks and times, infusion/bolus, vagus.cap.*, vagotomy).

How the model's values were set (2026-12-06):
1. START: a Nelder-Mead fit of xME, kMTNF, kM, k10M, kMA (per h) of the same equations
   integrated alone (the model's cortisol course and resting state held fixed) to the same
   data and penalties; that screen was session code and is not kept: ``refine`` below is its
   full-model counterpart.
2. ``landed()``: hME chosen so that activation at the model's resting endotoxin equals the
   published set's (the chronic calibrations of CRP and IL-6 keep their meaning), then kM x0.96
   and kMTNF x0.9936 of START, a hand scan in the full model that put every penalised anchor
   inside its window (log-residual sum 58.2 -> 29.0).

    python calibration/immune_refit.py           # metrics of the model's current values
    python calibration/immune_refit.py landed    # values step 2 gives (copied into immune.py)
    python calibration/immune_refit.py refine 90 # exploratory full-model Nelder-Mead from START
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import yaml
from immune_variants import DAY, H, _peak, _run
from scipy.optimize import brentq, minimize

DATA = yaml.safe_load((Path(__file__).parents[1] / "src/gutbrain/validation/targets/_data.yaml")
                      .read_text())  # windoloski2024_{bolus,infusion}_{tnf,il6,il10} means
NAMES = ("xME", "kMTNF", "kM", "k10M", "kMA", "kTNFM")
# start: a standalone screen of the same equations (cortisol course held at the model's) found
# this corner (LPS recognition saturating at ~0.5 ng/kg, TNF self-amplification x0.18)
START = {"xME": 0.50736, "kMTNF": 1.57135 * H, "kM": 0.02093 * H, "k10M": 0.02873 * H,
         "kMA": 2.02375 * H, "kTNFM": 0.997979 * H}
# anchors no variant of these terms reached (see the failure notes); left out of the penalty
UNREACHED = ("inf_tnf", "vns5_il10")
WINDOWS = {  # metric: (low, high), target windows pulled 2 % inside
    "tnf_peak": (170.0, 650.0), "tnf_time": (1.02, 1.98), "il6_peak": (360.0, 1380.0),
    "il6_time": (1.33, 2.67), "il10_peak": (22.5, 85.0), "il10_time": (2.53, 3.47),
    "inf_tnf": (1.02, None), "inf_il10": (1.02, None), "vns5_cut": (0.42, 0.78),
    "vns3_cut": (0.42, 0.78), "vns5_il10": (1.02, None), "vagotomy": (1.22, None),
    "tnf6h": (None, 3.9),
}


def _series(ds, var: str, hours: np.ndarray) -> np.ndarray:
    t = np.asarray(ds[next(iter(ds.coords))].values, dtype=float)
    return np.interp(DAY + hours / 24, t, np.asarray(ds[var].values, dtype=float))


def evaluate(params: dict[str, float]) -> tuple[float, float, dict[str, float]]:
    bolus, inf = _run(params), _run(params, infusion=True)
    vns5 = _run(params, {"vagal_stimulation": 4.0})
    vns3 = _run(params, {"vagal_stimulation": 2.0})
    vag = _run(params, {"vagotomy": 1.0})
    sse = 0.0
    for ds, protocol in ((bolus, "bolus"), (inf, "infusion")):
        for var in ("tnf", "il6", "il10"):
            d = DATA[f"windoloski2024_{protocol}_{var}"]
            m = _series(ds, var, np.asarray(d["x"], dtype=float))
            sse += float(np.sum((np.log(np.maximum(m, 1e-3))
                                 - np.log(np.asarray(d["y"], dtype=float))) ** 2))
    tnf, il6, il10 = (_peak(bolus, v, 12) for v in ("tnf", "il6", "il10"))
    t6 = _series(bolus, "tnf", np.array([6.0]))[0] / _series(bolus, "tnf", np.array([0.0]))[0]
    m = {"tnf_peak": tnf[0], "tnf_time": tnf[1], "il6_peak": il6[0], "il6_time": il6[1],
         "il10_peak": il10[0], "il10_time": il10[1],
         "inf_tnf": _peak(inf, "tnf", 12)[0] / tnf[0],
         "inf_il10": _peak(inf, "il10", 12)[0] / il10[0],
         "vns5_cut": 1 - _peak(vns5, "tnf", 6)[0] / _peak(bolus, "tnf", 6)[0],
         "vns3_cut": 1 - _peak(vns3, "tnf", 6)[0] / _peak(bolus, "tnf", 6)[0],
         "vns5_il10": _peak(vns5, "il10", 8)[0] / _peak(bolus, "il10", 8)[0],
         "vagotomy": _peak(vag, "tnf", 6)[0] / _peak(bolus, "tnf", 6)[0], "tnf6h": t6}
    pen = 0.0
    for k, (lo, hi) in WINDOWS.items():
        if k in UNREACHED:
            continue
        if lo is not None and m[k] < lo:
            pen += 100 * ((lo - m[k]) / lo) ** 2
        if hi is not None and m[k] > hi:
            pen += 100 * ((m[k] - hi) / hi) ** 2
    return sse, pen, m


RESTING_E = 0.00691263  # ng/kg, the healthy default person's resting endotoxin (model)
RESTING_TNF = 8.8  # pg/mL, the model's resting TNF
HAND = {"kM": 0.96, "kMTNF": 0.9936}  # step 2 scan factors on START


def _up(x: float, k: float, h: float) -> float:
    return x**h / (x**h + k**h)


def resting_activation(xme: float, hme: float, km: float, kmtnf: float, kma: float) -> float:
    """Activated macrophages per resting one at the resting endotoxin (rates per h)."""
    return (_up(RESTING_E, xme, hme) * (km + kmtnf * _up(RESTING_TNF, 140.845, 3.16)) / kma)


def landed() -> dict[str, float]:
    """The values in immune.py (per h, as the module's table lists them)."""
    v = {k: START[k] / H for k in ("kMTNF", "kM", "k10M", "kMA")}
    v.update({k: v[k] * f for k, f in HAND.items()})
    v["xME"] = START["xME"]
    published = resting_activation(3.3, 1.0, 0.0414, 8.6497, 2.67382)
    v["hME"] = float(brentq(lambda h: resting_activation(v["xME"], h, v["kM"], v["kMTNF"],
                                                         v["kMA"]) - published, 0.5, 3.0))
    return v


def refine(maxfev: int) -> None:
    def params_of(x: np.ndarray) -> dict[str, float]:
        return {n: float(np.exp(v)) for n, v in zip(NAMES, x, strict=True)}

    def fun(x: np.ndarray) -> float:
        sse, pen, _ = evaluate(params_of(x))
        return sse + pen

    x0 = np.log([START[n] for n in NAMES])
    res = minimize(fun, x0, method="Nelder-Mead",
                   options={"maxfev": maxfev, "xatol": 1e-3, "fatol": 1e-3})
    p = params_of(res.x)
    sse, pen, m = evaluate(p)
    print(json.dumps({"params": p, "sse": sse, "penalty": pen,
                      "metrics": {k: round(v, 3) for k, v in m.items()}}, indent=1))


def main(argv: list[str]) -> None:
    if argv and argv[0] == "landed":
        print(json.dumps({k: round(v, 6) for k, v in landed().items()}, indent=1))
    elif argv and argv[0] == "refine":
        refine(int(argv[1]) if len(argv) > 1 else 90)
    else:
        sse, pen, m = evaluate({})
        print(json.dumps({"sse": round(sse, 3), "penalty": round(pen, 3),
                          "metrics": {k: round(v, 3) for k, v in m.items()}}, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
