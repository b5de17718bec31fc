"""Personalise a simulated person from a measured microbiome (guild relative abundances).

A measured composition is made the person's own steady state: at a steady state every guild
balances growth, washout, immigration and self-limitation (spread over its species), so the
self-limitation constants (c_self_*) that make the measured shares a steady state follow
algebraically, with each guild's species richness at its equilibrium with the measured
biomass, once the SCFA
(and so the colonic pH) at that composition are known. A guild that cannot grow to its
measured share on this diet gets a higher growth multiplier (fitness_*: this person's strains
grow faster), found by fixed-point iteration; guilds not detected get the strongest plausible
self-limitation, so they stay at the level of transient immigrants. The same intervention then
meets a different community in each person.
"""

from __future__ import annotations

import numpy as np

from gutbrain.compile.build import CompiledModel
from gutbrain.model.microbiota import GUILD_NAMES

MIN_C_SELF = 1e-4  # L/g/d, floor for guilds the diet cannot support at their measured share
ABSENT_C_SELF = 10.0  # L/g/d, upper plausible bound: undetected guilds stay at immigrant level
DETECTION = 1e-4  # shares below this are treated as not detected


def personalise_parameters(model: CompiledModel, params: np.ndarray, state: np.ndarray,
                           shares: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Return (parameters, start state) whose steady state carries the measured guild shares.

    ``state`` is the person's unpersonalised steady state (gives total biomass and host
    context); ``shares`` maps guild name -> relative abundance (normalised here).
    """
    unknown = set(shares) - set(GUILD_NAMES)
    if unknown:
        raise ValueError(f"unknown guilds {sorted(unknown)}; expected {', '.join(GUILD_NAMES)}")
    total_share = sum(max(0.0, v) for v in shares.values())
    if total_share <= 0:
        raise ValueError("the measured profile maps to no guild (all shares are zero)")
    p = params.copy()
    y = state.copy()
    gi = np.array([model.state_index(f"B_{g}") for g in GUILD_NAMES])
    ci = np.array([model.param_index(f"c_self_{g}") for g in GUILD_NAMES])
    si = np.array([model.state_index(n) for n in ("acetate", "propionate", "butyrate")])
    target = np.array([max(0.0, shares.get(g, 0.0)) / total_share for g in GUILD_NAMES])
    biomass = y[gi].sum()
    detected = target >= DETECTION
    y[gi] = np.where(detected, biomass * target, 1e-6)
    # species richness at equilibrium with the measured guilds (it does not depend on the
    # self-limitation, which it scales: crowding c B^2 K / (R + 0.01))
    from gutbrain.engine.single import equilibrate_slow  # the engine's Newton on slow states

    equilibrate_slow(model, y, params)
    ri = np.array([model.state_index(f"R_{g}") for g in GUILD_NAMES])
    ki = np.array([model.param_index(f"species_capacity_{g}") for g in GUILD_NAMES])
    spread = p[ki] / (y[ri] + 0.01)
    fi = np.array([model.param_index(f"fitness_{g}") for g in GUILD_NAMES])
    wash = 1.0 / p[model.param_index("transit_d")]
    loss = wash + p[model.param_index("a_Z")]
    dy = np.zeros_like(y)
    for _ in range(40):
        p0 = p.copy()
        p0[ci] = 0.0
        for _ in range(60):  # SCFA (hence pH) consistent with the measured community
            model.module.rhs(0.0, y, p0, dy)
            y[si] = np.maximum(y[si] + dy[si] / loss, 0.0)
        model.module.rhs(0.0, y, p0, dy)
        b = y[gi]
        net = dy[gi]  # growth - washout + immigration at zero self-limitation
        c = net / (b**2 * spread)
        short = detected & (c < MIN_C_SELF)
        if not short.any():
            break
        # too little growth for the measured share: this person's strain grows faster
        need = wash * b + MIN_C_SELF * b**2 * spread
        have = np.maximum(net + wash * b, 1e-12)
        p[fi] = np.where(short, np.clip(p[fi] * np.clip(need / have, 1.0, 3.0), 0.05, 20.0),
                         p[fi])
    p[ci] = np.where(detected, np.clip(c, MIN_C_SELF, ABSENT_C_SELF), ABSENT_C_SELF)
    return p, y
