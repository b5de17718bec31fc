"""Colon mass balance: what the generated RHS changes equals inflow minus every exit.

The colon holds guild biomass and SCFA (g/L). Inflows: substrates, immigration, probiotic
microbes. Exits: unfermented substrate and washout, SCFA absorption, lactate/H2 not taken up,
gases and by-products ("other"), self-limitation, antibiotic kill and stress losses. The
bookkeeping uses the model's own assignments, evaluated independently with sympy.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from gutbrain.compile.symbolic import build_symbolic
from gutbrain.model.microbiota import GUILDS, MOLAR_MASS, SUBSTRATES


@pytest.fixture(scope="module")
def sym(model):
    return build_symbolic(model.spec)


def _assignments(sym, y, p):
    env = {s: v for s, v in zip(sym.states, y, strict=True)}
    env.update({s: v for s, v in zip(sym.params, p, strict=True)})
    env[sp.Symbol("t")] = 0.25
    vals = {}
    for a, e in sym.assignments:
        vals[a.name] = float(sp.sympify(e.xreplace(env)))
        env[a] = vals[a.name]
    return vals


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_colon_mass_is_conserved(model, sym, seed):
    rng = np.random.default_rng(seed)
    from gutbrain.engine.single import steady_state

    p = model.default_parameters()
    y = steady_state(model, p) * rng.uniform(0.5, 1.5, model.n_states)
    for g in GUILDS:  # perturb inputs too: antibiotics, probiotics, prebiotic, stress
        p[model.param_index(f"abx_{g.name}")] = rng.uniform(0, 2)
    p[model.param_index("probiotic_lacto_cfu")] = 1e10
    p[model.param_index("probiotic_bifido_cfu")] = 5e9
    p[model.param_index("prebiotic_g")] = 10.0
    p[model.param_index("stress_level")] = 0.7
    v = _assignments(sym, y, p)
    P = dict(zip(model.param_names, p, strict=True))
    Y = dict(zip(model.state_names, y, strict=True))
    dy = np.zeros(model.n_states)
    model.module.rhs(0.25, y, p, dy)
    D = dict(zip(model.state_names, dy, strict=True))

    scfa_mass = {"acetate": MOLAR_MASS["ac"], "propionate": MOLAR_MASS["pr"],
                 "butyrate": MOLAR_MASS["bu"]}
    dmass = sum(D[f"B_{g.name}"] for g in GUILDS) + D["lacto_mucosal"]
    dmass += sum(D[k] * m / 1000 for k, m in scfa_mass.items())

    inflow = sum(v[f"in_{s}"] for s in SUBSTRATES) + P["microbial_exposure"] * P["imm_total"]
    inflow += v["probiotic_lacto_in"] + v["probiotic_bifido_in"]
    taken = {s: sum(v[k] for k in v if k.startswith("U_") and k.endswith(f"_{s}")
                    and k.count("_") >= 2 and k.split("_")[1] != "resp") for s in SUBSTRATES}
    unfermented = sum(v[f"in_{s}"] - taken[s] for s in SUBSTRATES)
    lac_left = v["P_lac"] - sum(v[f"U_{g.name}_lac"] for g in GUILDS if g.lactate_mu)
    h2_left = v["P_h2"] - sum(v[f"U_{g.name}_h2"] for g in GUILDS if g.h2_mu)
    biomass = sum(Y[f"B_{g.name}"] for g in GUILDS)
    # self-limitation spread over each guild's species (issue #13): c B^2 K / (R + 0.01)
    deaths = sum(P[f"c_self_{g.name}"] * Y[f"B_{g.name}"] ** 2
                 * P[f"species_capacity_{g.name}"] / (Y[f"R_{g.name}"] + 0.01)
                 + P[f"abx_{g.name}"] * Y[f"B_{g.name}"] for g in GUILDS)
    deaths += P["abx_lactobacillus"] * Y["lacto_mucosal"]  # the adherent reservoir
    deaths += P["s_lacto_stress"] * v["stress_total"] * (Y["B_lactobacillus"]
                                                         + Y["B_bifidobacterium"])
    scfa_out = (v["D_wash"] + P["a_Z"]) * sum(Y[k] * m / 1000 for k, m in scfa_mass.items())
    outflow = (unfermented + lac_left + h2_left + v["P_other"] + v["D_wash"] * biomass
               + deaths + scfa_out)
    assert unfermented >= 0 and lac_left >= 0 and h2_left >= 0
    assert dmass == pytest.approx(inflow - outflow, rel=1e-9, abs=1e-9)


def test_states_stay_non_negative_through_antibiotics(demo_runs, model):
    ds = demo_runs["antibiotic"]
    for var in ds.data_vars:
        if var.startswith("guild_") or var in ("acetate", "propionate", "butyrate", "lactate",
                                                "lps_plasma", "il6", "tnf", "crp"):
            assert float(ds[var].min()) >= 0.0, var
    shares = sum(ds[v] for v in ds.data_vars if v.startswith("guild_"))
    assert np.allclose(shares, 1.0, atol=1e-9)
