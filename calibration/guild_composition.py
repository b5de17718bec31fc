"""Calibrate guild self-limitation (c_self_*) towards a healthy composition (Western diet).

Iterates c_self multiplicatively: a guild above its target share gets stronger
self-limitation, one below gets weaker (never below zero). Guilds that stay below target with
c_self ~ 0 are substrate-limited; that is reported, not forced. Run:
    python calibration/guild_composition.py
and paste the printed values into the CALIBRATED_C_SELF table of model/microbiota.py.
"""

from __future__ import annotations

import numpy as np

from gutbrain.compile.build import compile_model
from gutbrain.engine.single import Schedule, equilibrate_slow, integrate
from gutbrain.model.microbiota import GUILDS
from gutbrain.scenario.schedule import person_parameters
from gutbrain.scenario.schema import Scenario


def main(iterations: int = 25, days: float = 200.0) -> None:
    model = compile_model()
    p = person_parameters(model, Scenario(name="cal", diet="western"))
    target = np.array([g.target_share for g in GUILDS])
    target /= target.sum()
    gi = [model.state_index(f"B_{g.name}") for g in GUILDS]
    ci = [model.param_index(f"c_self_{g.name}") for g in GUILDS]
    y = model.initial_state()
    c = p[ci].copy()
    for it in range(iterations):
        p[ci] = c
        sched = Schedule(np.array([0.0, days]), p[None, :].copy(), np.zeros((1, len(y))))
        y = integrate(model, sched, y, np.array([days])).y[-1].copy()
        equilibrate_slow(model, y, p)  # species richness (years) with the guilds
        sched = Schedule(np.array([0.0, 60.0]), p[None, :].copy(), np.zeros((1, len(y))))
        y = integrate(model, sched, y, np.array([60.0])).y[-1].copy()
        share = y[gi] / y[gi].sum()
        c = np.clip(c * (share / target) ** 1.0, 1e-4, 50.0)
        err = np.abs(np.log(share / target))
        print(f"iteration {it}: max |log(share/target)| = {err.max():.3f}")
    for g, cv, sh, tg in zip(GUILDS, c, share, target, strict=True):
        print(f'    "{g.name}": {cv:.4g},  # share {sh:.4f} (target {tg:.4f})')
    obs = np.zeros(len(model.observable_ids))
    model.module.observe(0.0, y, p, obs)
    for k in ("acetate", "propionate", "butyrate", "colon_ph", "shannon", "shannon_guilds",
              "richness", "biomass", "scfa_production"):
        print(k, round(float(obs[model.observable_ids.index(k)]), 3))


if __name__ == "__main__":
    main()
