"""Generalized Lotka–Volterra (gLV) community model, as a stand-alone ModelSpec.

    dx_i/dt = x_i (mu_i + sum_j M_ij x_j + eps_i u(t))

The form fitted by Stein et al. 2013 (PLoS Comput Biol 9:e1003388) to the mouse gut after
clindamycin and C. difficile (Buffie et al. 2012), with x in 1e11 16S rRNA gene copies per cm^3,
t in days and u(t) the antibiotic signal (an ``input`` parameter, piecewise constant through the
schedule segments: u = 1 while clindamycin acts). The spec is generic in the number of taxa;
the values of mu, M and eps are not stored here but passed as the parameter vector (the
validation experiment reads them from ``shared/data/stein2013/stein_parameters.csv``).

This model is a validation instrument for gutbrain's compiler and engine (anchor §3 of
shared/research/microbial-anchors.md); it is *not* part of the gut–brain model
(``gutbrain.model.build_model``).
"""

from __future__ import annotations

from functools import lru_cache

from gutbrain.model.spec import ModelSpec, Module, Observable, Parameter, Species

SOURCE = ("Stein RR et al. 2013 PLoS Comput Biol 9:e1003388 (Dataset S1, via "
          "erijones/ssr_module stein_parameters.csv); values passed at run time")
GLV_VERSION = "1"


def taxon(i: int) -> str:
    """State name of taxon ``i`` (0-based)."""
    return f"x{i:02d}"


def growth_name(i: int) -> str:
    return f"mu_{i:02d}"


def susceptibility_name(i: int) -> str:
    return f"eps_{i:02d}"


def interaction_name(i: int, j: int) -> str:
    """M_ij: effect of taxon j on the growth of taxon i."""
    return f"M_{i:02d}_{j:02d}"


def parameter_names(n: int) -> list[str]:
    """Parameter order of :func:`glv_spec` (the order of the parameter vector)."""
    names = [growth_name(i) for i in range(n)] + [susceptibility_name(i) for i in range(n)]
    names += [interaction_name(i, j) for i in range(n) for j in range(n)]
    return [*names, "u_antibiotic"]


@lru_cache(maxsize=8)
def glv_spec(n: int) -> ModelSpec:
    """gLV model of ``n`` taxa: parameters mu_ii, eps_ii, M_ij_jj (all 0 by default) and the
    input u_antibiotic; states x00..x(n-1); observables the taxa and their total."""
    if n < 1:
        raise ValueError("a gLV model needs at least one taxon")
    params = []
    for i in range(n):
        params.append(Parameter(growth_name(i), 0.0, "1/d", SOURCE, -100.0, 100.0,
                                f"intrinsic growth rate of taxon {i}"))
    for i in range(n):
        params.append(Parameter(susceptibility_name(i), 0.0, "1/d", SOURCE, -100.0, 100.0,
                                f"antibiotic susceptibility of taxon {i} (growth change at u=1)"))
    for i in range(n):
        for j in range(n):
            params.append(Parameter(interaction_name(i, j), 0.0, "cm^3/(1e11 copies d)", SOURCE,
                                    -1e3, 1e3, f"effect of taxon {j} on the growth of taxon {i}"))
    params.append(Parameter("u_antibiotic", 0.0, "1", "schedule input (1 while the antibiotic "
                            "acts)", 0.0, 1.0, "antibiotic signal u(t)", kind="input"))
    species = []
    for i in range(n):
        inter = " + ".join(f"{interaction_name(i, j)}*{taxon(j)}" for j in range(n))
        rate = (f"{taxon(i)}*({growth_name(i)} + {inter} + "
                f"{susceptibility_name(i)}*u_antibiotic)")
        species.append(Species(taxon(i), 0.0, "1e11 copies/cm^3", f"density of taxon {i}",
                               rate))
    obs = [Observable(taxon(i), taxon(i), "1e11 copies/cm^3", f"density of taxon {i}")
           for i in range(n)]
    obs.append(Observable("total", " + ".join(taxon(i) for i in range(n)), "1e11 copies/cm^3",
                          "total density"))
    module = Module("glv", "generalized Lotka–Volterra community", tuple(params),
                    tuple(species), (), tuple(obs))
    return ModelSpec(name=f"glv{n}", version=GLV_VERSION, modules=[module])


__all__ = ["glv_spec", "parameter_names", "taxon", "growth_name", "susceptibility_name",
           "interaction_name"]
