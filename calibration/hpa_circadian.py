"""Fit the circadian CRH drive to the Carroll et al. 2007 control cortisol profile.

Free parameters: circ_phase, circ_kappa, circ_floor, car_amp and crh_scale (the last sets the
daily mean through the gland masses). The data file lives in ../shared (not shipped):
    python calibration/hpa_circadian.py \
        ../shared/data/hpa_carroll2007/carroll2007_control_cortisol.csv
Prints the fitted values to paste into model/hpa.py, and the fit's peak, trough and NRMSE.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from gutbrain.compile.build import compile_model
from gutbrain.engine.single import Schedule, integrate, steady_state
from gutbrain.scenario.schedule import person_parameters
from gutbrain.scenario.schema import Scenario

NAMES = ("circ_phase", "circ_kappa", "circ_floor", "car_amp", "crh_scale")


def main(path: str) -> None:
    data = pd.read_csv(path)
    t_day = data["time_min"].to_numpy() / 1440.0
    target = data["cortisol_ug_per_dL"].to_numpy()
    model = compile_model()
    p = person_parameters(model, Scenario(name="cal"))
    idx = [model.param_index(n) for n in NAMES]
    ci = model.observable_ids.index("cortisol")
    state = {"y": steady_state(model, p)}

    def simulate(x: np.ndarray) -> np.ndarray:
        q = p.copy()
        q[idx] = x
        days = 200.0
        sched = Schedule(np.array([0.0, days]), q[None, :].copy(),
                         np.zeros((1, model.n_states)))
        t = np.concatenate([[days - 1.0], days - 1.0 + t_day[1:], [days]])
        sol = integrate(model, sched, state["y"], np.unique(t))
        obs = np.zeros(len(model.observable_ids))
        out = []
        for k in range(len(t_day)):
            model.module.observe(sol.t[k], sol.y[k], q, obs)
            out.append(obs[ci])
        return np.array(out)

    x0 = p[idx]
    lo = [model.spec.parameters[i].low for i in idx]
    hi = [model.spec.parameters[i].high for i in idx]
    fit = least_squares(lambda x: simulate(x) - target, x0, bounds=(lo, hi), diff_step=1e-3)
    sim = simulate(fit.x)
    nrmse = np.sqrt(np.mean((sim - target) ** 2)) / (target.max() - target.min())
    for n, v in zip(NAMES, fit.x, strict=True):
        print(f"{n} = {v:.5g}")
    print(f"peak {sim.max():.2f} at {t_day[sim.argmax()] * 24:.2f} h (data {target.max():.2f} at "
          f"{t_day[target.argmax()] * 24:.2f} h); trough {sim.min():.2f} at "
          f"{t_day[sim.argmin()] * 24:.2f} h (data {target.min():.2f}); mean {sim.mean():.2f} "
          f"(data {target.mean():.2f}); NRMSE {nrmse:.3f}")


if __name__ == "__main__":
    main(sys.argv[1])
