"""Fit of a primed stage MR -> MP -> MA and an alpha7-nAChR boost of IL-10 per activated
macrophage in the innate-immune equations of src/gutbrain/model/immune.py, so that activation is
driven mostly by LPS while the TNF peak stays late (vagus.cap.il10-not-lower,
host-immune.lps.il10-tnf-independent). Adopted on 2026-12-06: the model carries the LPS_DRIVEN
variant below, with the HPA's cytokine drive refitted to its own targets afterwards
(calibration/fit.py hpa_endotoxin: k_il6_hpa 49.3 -> 18.5, K_il6_hpa 92.1 -> 597 pg/mL).

The immune equations are integrated alone, in hours, with the model's other inputs held as a
full-model run gives them (resting endotoxin, glucocorticoid and diet gain GC, resting vagal
tone for the cholinergic brake). kMP = 0 means no primed stage and a10 = 0 no cholinergic IL-10
term, so FIXED is the previous set (calibration/immune_refit.py); FIXED with
VARIANTS["LPS_DRIVEN"] is the model's set, and with the model's values the script reproduces the
model's endotoxin peaks (tests/test_immune_il10.py). Objective: log residuals against the
Windoloski 2024 bolus and 4-h infusion mean TNF, IL-6 and IL-10 time courses
(validation/targets/_data.yaml) plus penalties for leaving the endotoxin anchor windows (as
calibration/immune_refit.py), van der Poll 1994's TNF-independent share of IL-10, the IL-6 peak
after 0.8 ng/kg that the HPA calibration assumes (drop with --no-low) and the resting activation
and resting IL-6 of the current set.

    python calibration/immune_il10.py                 # metrics of the current values
    python calibration/immune_il10.py variants        # metrics of the screened variants
    python calibration/immune_il10.py '{"kMP": 2.5}'  # one parameter set (rates per h)
    python calibration/immune_il10.py fit 700 START NAMES [--no-low] [--a10-3]

Variants found on 2026-12-06 (Nelder-Mead, 700-1000 evaluations each; full-model checks with
the structure compiled in a session copy of immune.py):
- LPS_DRIVEN (--no-low): every endotoxin anchor of host-immune, vagus, brain and
  host-tryptophan in its window (il10-not-lower 1.42, TNF off 0.25, log-residual sum 27.8 vs
  29.0), resting IL-6 and CRP kept, but host-hpa.lps.evening-vs-morning-cortisol 1.36 (>= 1.5):
  IL-6 after 0.8 ng/kg 195 vs 57 pg/mL saturated the HPA's cytokine drive as then calibrated;
  refitting that drive (K_il6_hpa 597 pg/mL) brought it to 1.99 with every other target of the
  scorecard keeping its verdict (relief_expectancy recalibrated 0.75 -> 0.6 on
  clinical.placebo.responders). Adopted.
- TNF_DRIVEN_IL6 (IL-6 production mostly TNF-driven): HPA anchor 1.52, il10-not-lower 1.01,
  but resting IL-6 0.65 vs 1.11 pg/mL and CRP 0.59 vs 1.0 mg/L (chronic calibrations).
- with resting IL-6 held as well, no start reached il10-not-lower (best 0.96, a10 3.6).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import yaml
from scipy.integrate import solve_ivp
from scipy.optimize import minimize

DATA = yaml.safe_load((Path(__file__).parents[1] / "src/gutbrain/validation/targets/_data.yaml")
                      .read_text())
KE = 1.01  # per h, Windoloski endotoxin clearance (barrier.kE)
E_REST = 0.00691263  # ng/kg, resting endotoxin of the default person (model)
CAP_GAIN = CAP_REST = 0.2
TONE = 1.0467  # resting efferent vagal tone of the default person (model)
GC = 0.83  # innate_gain of the default person during the response (cortisol, diet; matched to
#            the full model's bolus TNF/IL-6/IL-10 peaks with the 2026-12-06 values)
FIXED = {  # Windoloski constants (per h), as in immune.py
    "kMR": 0.006, "kTNF": 1.3951, "kTNFM": 0.997979, "k6": 0.66, "k6M": 0.81, "k6TNF": 0.81,
    "k10": 0.8, "k106": 0.0170536, "xM10": 3.88393, "xMTNF": 140.845, "hM10": 0.3,
    "hMTNF": 3.16, "Mmax": 30000.0, "xTNF10": 15.5357, "xTNF6": 560.0, "hTNF10": 3.0,
    "hTNF6": 2.0, "wTNF": 8.79257, "x610": 31.0714, "x66": 560.0, "x6TNF": 260.563,
    "h610": 4.0, "h66": 1.0, "h6TNF": 2.0, "w6": 0.609735, "x106": 560.0, "h106": 3.68,
    "w10": 3.74713, "xME": 0.50736, "hME": 1.32747, "kM": 0.020093, "kMTNF": 1.561293,
    "kMA": 2.02375, "k10M": 0.02873, "kMP": 0.0, "a10": 0.0,
}


def up(x, k, h):
    x = max(x, 0.0)
    return x**h / (x**h + k**h)


def dn(x, k, h):
    x = max(x, 0.0)
    return k**h / (x**h + k**h)


def rhs(t, y, p, inf_rate, inf_h, vagal, gc):
    mr, mp, ma, tnf, il6, il10, e = y
    cap = (1 + CAP_REST) / (1 + CAP_GAIN * vagal)
    chol = 1 / cap - 1  # cholinergic signal relative to rest (0 at rest, -1/6 vagotomy)
    act = up(e, p["xME"], p["hME"]) * (p["kM"] + p["kMTNF"] * up(tnf, p["xMTNF"], p["hMTNF"])) \
        * dn(il10, p["xM10"], p["hM10"]) * mr
    if p["kMP"] > 0:
        dmp = act - p["kMP"] * mp
        to_ma = p["kMP"] * mp
    else:
        dmp, to_ma = -mp, act
    g = gc
    dmr = p["kMR"] * mr * (1 - mr / p["Mmax"]) - act
    dma = to_ma - p["kMA"] * ma
    dtnf = g * cap * p["kTNFM"] * dn(il6, p["xTNF6"], p["hTNF6"]) \
        * dn(il10, p["xTNF10"], p["hTNF10"]) * ma - p["kTNF"] * (tnf - p["wTNF"])
    dil6 = g * (p["k6M"] + p["k6TNF"] * up(tnf, p["x6TNF"], p["h6TNF"])) \
        * dn(il6, p["x66"], p["h66"]) * dn(il10, p["x610"], p["h610"]) * ma \
        - p["k6"] * (il6 - p["w6"])
    dil10 = (p["k10M"] * (1 + p["a10"] * chol)
             + p["k106"] * up(il6, p["x106"], p["h106"])) * ma - p["k10"] * (il10 - p["w10"])
    de = (inf_rate if t < inf_h else 0.0) - KE * (e - E_REST)
    return [dmr, dmp, dma, dtnf, dil6, dil10, de]


def simulate(p, dose=2.0, infusion=False, vagal=TONE, gc=GC, hours=12.0):
    """Rest for 10 days (steady state), then the endotoxin at t = 0. Returns (t, y)."""
    y0 = [28200.0, 0.0, 0.0, 8.8, 0.6, 3.7, E_REST]
    args = (p, 0.0, 0.0, vagal, gc)
    r = solve_ivp(rhs, (-240.0, 0.0), y0, args=args, method="LSODA", rtol=1e-7, atol=1e-9)
    y0 = r.y[:, -1].copy()
    if infusion:
        args = (p, dose / 4.0, 4.0, vagal, gc)
    else:
        y0[6] += dose
    t = np.arange(0.0, hours + 1e-9, 0.02)
    r = solve_ivp(rhs, (0.0, hours), y0, args=args, method="LSODA", t_eval=t, rtol=1e-7,
                  atol=1e-9, max_step=0.05)
    return r.t, r.y


IDX = {"MR": 0, "MP": 1, "MA": 2, "tnf": 3, "il6": 4, "il10": 5}


def peak(t, y, var, within=12.0):
    m = t <= within + 1e-9
    v = y[IDX[var]][m]
    j = int(np.argmax(v))
    return float(v[j]), float(t[m][j])


WINDOWS = {  # target windows pulled inside (peaks 10 %, the full model differs a little)
    "tnf_peak": (185.0, 650.0), "tnf_time": (1.02, 1.98), "il6_peak": (385.0, 1380.0),
    "il6_time": (1.33, 2.67), "il10_peak": (25.0, 85.0), "il10_time": (2.53, 3.47),
    "inf_il10": (1.02, None), "vns5_cut": (0.42, 0.78),
    "vns3_cut": (0.42, 0.78), "vns5_il10": (1.02, None), "vagotomy": (1.22, None),
    "tnf6h": (None, 3.9), "vdp_il10": (0.25, 0.5),
    # IL-6 peak after 0.8 ng/kg: the HPA's cytokine drive (hpa.K_il6_hpa 92 pg/mL, Hill 2) was
    # calibrated on host-hpa.lps.evening-vs-morning-cortisol (Pollmächer 1996, 0.8 ng/kg) with
    # the previous immune set, whose IL-6 peak there was ~52 pg/mL; a flatter dose response
    # saturates that drive and the anchor fails (166 pg/mL: ratio 1.37, window >= 1.5)
    "il6_low": (30.0, 52.0),
}
if "--no-low" in sys.argv:  # variant: leave the HPA proxy out (the HPA drive would need a refit)
    del WINDOWS["il6_low"]
A10_MAX = 3.0 if "--a10-3" in sys.argv else 2.0
GUARDS = {  # plausibility only, not targets: the alpha7 boost of IL-10 per cell at tone x5
    # at most x2.3 (a10 2), and vagotomy not beyond doubling the endotoxin TNF peak
    "a10": (None, A10_MAX), "vagotomy": (None, 2.0), "hMTNF": (None, 6.0), "hME": (None, 3.0),
}


def evaluate(p):
    b = simulate(p)
    i = simulate(p, infusion=True)
    v5 = simulate(p, vagal=TONE + 4.0)
    v3 = simulate(p, vagal=TONE + 2.0)
    vg = simulate(p, vagal=0.0)
    c4 = simulate(p, dose=4.0)
    n4 = simulate(dict(p, kTNFM=0.0), dose=4.0)
    low = simulate(p, dose=0.8)
    sse = 0.0
    for (t, y), proto in ((b, "bolus"), (i, "infusion")):
        for var in ("tnf", "il6", "il10"):
            d = DATA[f"windoloski2024_{proto}_{var}"]
            m = np.interp(np.asarray(d["x"], float), t, y[IDX[var]])
            sse += float(np.sum((np.log(np.maximum(m, 1e-3)) - np.log(np.asarray(d["y"], float)))
                                ** 2))
    tnf, il6, il10 = (peak(*b, v) for v in ("tnf", "il6", "il10"))
    t6 = np.interp(6.0, b[0], b[1][3]) / b[1][3][0]
    m = {"tnf_peak": tnf[0], "tnf_time": tnf[1], "il6_peak": il6[0], "il6_time": il6[1],
         "il10_peak": il10[0], "il10_time": il10[1],
         "inf_tnf": peak(*i, "tnf")[0] / tnf[0], "inf_il10": peak(*i, "il10")[0] / il10[0],
         "vns5_cut": 1 - peak(*v5, "tnf", 6)[0] / peak(*b, "tnf", 6)[0],
         "vns3_cut": 1 - peak(*v3, "tnf", 6)[0] / peak(*b, "tnf", 6)[0],
         "vns5_il10": peak(*v5, "il10", 8)[0] / peak(*b, "il10", 8)[0],
         "vagotomy": peak(*vg, "tnf", 6)[0] / peak(*b, "tnf", 6)[0], "tnf6h": t6,
         "vdp_il10": peak(*n4, "il10", 12)[0] / peak(*c4, "il10", 12)[0],
         "ma_rest": float(b[1][2][0]), "ma_peak": peak(*b, "MA")[0],
         "il6_low": peak(*low, "il6")[0], "il6_rest": float(b[1][4][0])}
    pen = 0.0
    for k, (lo, hi) in WINDOWS.items():
        if lo is not None and m[k] < lo:
            pen += 1000 * ((lo - m[k]) / lo) ** 2
        if hi is not None and m[k] > hi:
            pen += 1000 * ((m[k] - hi) / hi) ** 2
    for k, (_lo, hi) in GUARDS.items():
        v = p[k] if k in p else m[k]
        if hi is not None and v > hi:
            pen += 100 * ((v - hi) / hi) ** 2
    return sse, pen, m


FIT = ("xME", "kM", "kMTNF", "kMP", "kMA", "k10M")
VARIANTS = {  # per h; the rest as FIXED
    "LPS_DRIVEN": {"xME": 0.85581, "hME": 1.4721, "kM": 0.061374, "kMTNF": 0.45887,
                   "kMP": 2.5077, "kMA": 1.5356, "k10M": 0.031405, "a10": 2.0122,
                   "xMTNF": 41.104, "hMTNF": 4.7906},
    "TNF_DRIVEN_IL6": {"xME": 0.89494, "hME": 1.5369, "kM": 0.080993, "kMTNF": 0.79409,
                       "kMP": 2.5066, "kMA": 1.4296, "k10M": 0.019705, "a10": 1.9094,
                       "xMTNF": 109.43, "hMTNF": 2.5675, "k6M": 0.11303, "k6TNF": 2.5529,
                       "x6TNF": 387.10},
}


def fit(p0, maxfev, names=FIT, ma_rest=None):
    def pars(x):
        p = dict(p0)
        p.update({n: float(np.exp(v)) for n, v in zip(names, x, strict=True)})
        return p

    def fun(x):
        try:
            sse, pen, m = evaluate(pars(x))
        except Exception:
            return 1e6
        extra = 0.0
        if ma_rest is not None:  # keep resting activation and resting IL-6 (chronic CRP and
            # IL-6 calibrations: healthy CRP ~1 mg/L, low-grade inflammation)
            extra = 100 * np.log(m["ma_rest"] / ma_rest[0]) ** 2 \
                + 1000 * np.log(m["il6_rest"] / ma_rest[1]) ** 2
        return sse + pen + extra

    x0 = np.log([p0[n] for n in names])
    res = minimize(fun, x0, method="Nelder-Mead",
                   options={"maxfev": maxfev, "xatol": 1e-3, "fatol": 1e-3})
    return pars(res.x)


def main(argv):
    argv = [a for a in argv if a not in ("--no-low", "--a10-3")]
    if argv and argv[0] == "variants":
        for name, v in VARIANTS.items():
            sse, pen, m = evaluate(dict(FIXED, **v))
            print(name, json.dumps({"sse": round(sse, 3), "pen": round(pen, 3),
                                    "metrics": {k: round(x, 3) for k, x in m.items()}}))
        return
    if argv and argv[0] == "fit":
        p0 = dict(FIXED)
        if len(argv) > 2:
            p0.update(json.loads(argv[2]))
        names = tuple(json.loads(argv[3])) if len(argv) > 3 else FIT
        m0 = evaluate(FIXED)[2]
        p = fit(p0, int(argv[1]), names, ma_rest=(m0["ma_rest"], m0["il6_rest"]))
        sse, pen, m = evaluate(p)
        print(json.dumps({"params": {k: p[k] for k in names}, "sse": sse, "pen": pen,
                          "metrics": {k: round(v, 3) for k, v in m.items()}}))
        return
    p = dict(FIXED)
    if argv:
        p.update(json.loads(argv[0]))
    sse, pen, m = evaluate(p)
    print(json.dumps({"sse": round(sse, 3), "pen": round(pen, 3),
                      "metrics": {k: round(v, 3) for k, v in m.items()}}))


if __name__ == "__main__":
    main(sys.argv[1:])
