"""microPop-style chemostat of microbial functional groups (MFGs), as a stand-alone ModelSpec.

A re-implementation of the default equations of the R package microPop (Kettle et al. 2018
Methods Ecol Evol 9:399; Kettle et al. 2015 Environ Microbiol 17:1615), built from microPop's
own parameter tables (one data frame per MFG plus the resource / microbe "system info"
frames, read at run time from ``shared/data/micropop``). This is a validation instrument for
gutbrain's compiler and engine (microbial-anchors.md §1b, §7 item 1); it is *not* part of the
gut–brain model (``gutbrain.model.build_model``).

Equations (per group g with biomass X_g, per metabolic path p, resources R, all g/L and days):

* pH limitation (trapezoid through the group's pHcorners c1..c4; 1 when the pH limit is off);
* growth limitation: substitutable resources ``R_r / (K_r (1 + sum_j R_j/K_j))`` (sum over the
  path's substitutable resources), essential and boosting resources ``R / (R + K)``;
* specific growth on a path: ``sum_S mu_r lim_r`` (x the product of the essential limits, or
  x ``nbf + (1 - nbf) lim_boost`` with a booster); essential-only paths ``mu_key x prod lim``;
  mu is the table's maxGrowthRate times the pH limitation;
* uptake per biomass: substitutable ``mu_r lim_r / Y_r`` (x the same factor), essential and
  boosting resources in proportion to their stoichiometric mass (molar mass x moles) relative
  to the mean substitutable stoichiometric mass (or to the key resource on essential-only
  paths); water (Rtype Sw) in proportion to the path's total uptake;
* products: uptake (+ water) minus new biomass, split by stoichiometric mass;
* paths of one group are weighted by their share of the group's growth (microPop's
  ``combinePathsFunc``: growth, uptake and production on path p times G_p / sum G);
* chemostat: inflow (g/L/d) and first-order washout of every resource and group.

Not reproduced: microPop's ``bacCutOff`` (no growth below 1e-14 g/L), which only matters for
groups already washed out to below 1e-14 g/L.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

from gutbrain.model.spec import (
    Assignment,
    ModelSpec,
    Module,
    Observable,
    Parameter,
    Species,
)

MICROPOP_VERSION = "1"
SOURCE = ("microPop v1.5/1.6 inst/extdata (Kettle et al. 2018 Methods Ecol Evol 9:399; "
          "cran/microPop commit ad3fb02), read at run time")
SUBSTRATE_TYPES = ("S", "Se", "Sb", "Sw")
HUMAN10 = ("Bacteroides", "NoButyStarchDeg", "NoButyFibreDeg", "LactateProducers",
           "ButyrateProducers1", "ButyrateProducers2", "PropionateProducers",
           "ButyrateProducers3", "Acetogens", "Methanogens")


@dataclass
class Path_:
    """One metabolic path of a group: resource types, kinetics and stoichiometry (moles)."""

    rtype: dict[str, str]
    half_sat: dict[str, float]
    yield_: dict[str, float]
    max_growth: dict[str, float]
    moles: dict[str, float]
    key: str | None
    non_boost_frac: float = 1.0

    def of(self, kind: str) -> list[str]:
        return [r for r, t in self.rtype.items() if t == kind]


@dataclass
class Group:
    name: str
    paths: list[Path_]
    ph_corners: tuple[float, float, float, float]
    resources: list[str] = field(default_factory=list)  # every column of the table


@dataclass
class System:
    """Groups plus the resource / microbe system information."""

    groups: list[Group]
    resources: list[str]
    start: dict[str, float]
    inflow: dict[str, float]
    washout: dict[str, float]
    molar_mass: dict[str, float]


def _num(s: str) -> float:
    s = s.strip()
    return math.nan if s in ("", "NA") else float(s)


def _rows(path: Path) -> tuple[list[str], dict[str, list[str]]]:
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = [h.strip() for h in rows[0]]
    return header, {r[0].strip(): [c.strip() for c in r] for r in rows[1:] if r and r[0]}


def read_group(path: Path) -> Group:
    """Parse one microPop MFG data frame (csv: rows Rtype, halfSat, ... ; a units column)."""
    header, rows = _rows(path)
    res = header[2:]
    n_paths = int(_num(rows["numPathways"][2]))
    paths = []
    for p in range(1, n_paths + 1):
        sfx = "" if p == 1 else f".{p}"

        def row(name: str, sfx: str = sfx) -> dict[str, str]:
            vals = rows[name + sfx]
            return {r: vals[i + 2] if i + 2 < len(vals) else "" for i, r in enumerate(res)}

        rtype = row("Rtype")
        key = row("keyResource")[res[0]]
        nbf_row = rows.get("nonBoostFrac" + sfx)
        nbf = _num(nbf_row[2]) if nbf_row else 1.0
        paths.append(Path_(
            rtype={r: t for r, t in rtype.items() if t},
            half_sat={r: _num(v) for r, v in row("halfSat").items()},
            yield_={r: _num(v) for r, v in row("yield").items()},
            max_growth={r: _num(v) for r, v in row("maxGrowthRate").items()},
            moles={r: _num(v) for r, v in row("stoichiom").items()},
            key=None if key in ("", "NA") else key,
            non_boost_frac=nbf,
        ))
    c = rows["pHcorners"]
    corners = tuple(_num(x) for x in c[2:6])
    return Group(path.stem, paths, corners, res)  # type: ignore[arg-type]


def read_system(folder: Path, groups: tuple[str, ...] = HUMAN10,
                resource_file: str = "resourceSysInfoHuman.csv",
                microbe_file: str = "microbeSysInfoHuman.csv") -> System:
    """Read the MFG tables and the system files of a microPop data folder."""
    grps = [read_group(folder / f"{g}.csv") for g in groups]
    resources: list[str] = []
    for g in grps:
        for r in g.resources:
            if r not in resources:
                resources.append(r)
    rh, rr = _rows(folder / resource_file)
    mh, mr = _rows(folder / microbe_file)
    col = {n: i for i, n in enumerate(rh)}
    mcol = {n: i for i, n in enumerate(mh)}
    start, inflow, washout, mm = {}, {}, {}, {}
    for r in resources:
        start[r] = _num(rr["startValue"][col[r]])
        inflow[r] = _num(rr["inflowRate"][col[r]])
        washout[r] = _num(rr["washOut"][col[r]])
        mm[r] = _num(rr["molarMass"][col[r]])
    for g in grps:
        start[g.name] = _num(mr["startValue"][mcol[g.name]])
        inflow[g.name] = _num(mr["inflowRate"][mcol[g.name]])
        washout[g.name] = _num(mr["washOut"][mcol[g.name]])
    return System(grps, resources, start, inflow, washout, mm)


def _par(name: str, value: float, unit: str, desc: str, low: float = 0.0,
         high: float = 1e6) -> Parameter:
    return Parameter(name, float(value), unit, SOURCE, min(low, value), max(high, value), desc)


def micropop_spec(system: System) -> ModelSpec:
    """Chemostat ModelSpec of the system's groups; parameter defaults are the table values and
    the inputs ``pH`` and ``pH_limit_on`` (0: no pH limitation, microPop's pHLimit=FALSE)."""
    params: list[Parameter] = [
        Parameter("pH", 6.5, "pH", "chemostat setting", 0.0, 14.0, "fixed pH", kind="input"),
        Parameter("pH_limit_on", 0.0, "1", "chemostat setting", 0.0, 1.0,
                  "1: growth multiplied by the pH limitation (microPop pHLimit=TRUE)",
                  kind="input"),
    ]
    assigns: list[Assignment] = []
    mm = system.molar_mass
    flux: dict[str, list[str]] = {r: [] for r in system.resources}
    growth_terms: dict[str, list[str]] = {}
    for g in system.groups:
        G = g.name
        for k, c in enumerate(g.ph_corners, start=1):
            params.append(_par(f"pHc{k}__{G}", c, "pH", f"pH corner {k} of {G}", 0.0, 14.0))
        c = [f"pHc{k}__{G}" for k in range(1, 5)]
        assigns.append(Assignment(
            f"phlim__{G}",
            f"1 - pH_limit_on + pH_limit_on*Max(0, Min(1, (pH - {c[0]})/({c[1]} - {c[0]}), "
            f"({c[3]} - pH)/({c[3]} - {c[2]})))", "1", f"pH limitation of {G}"))
        gammas = []
        path_terms: list[tuple[str, dict[str, str], dict[str, str]]] = []
        for pi, path in enumerate(g.paths, start=1):
            tag = f"{G}__{pi}"
            subst, ess, boost = path.of("S"), path.of("Se"), path.of("Sb")
            water, prods = path.of("Sw"), path.of("P")
            if path.of("Sm") or path.of("Pb"):
                raise NotImplementedError(f"{G} path {pi}: microbial substrates/products")
            smass = {r: path.moles[r] * mm[r] for r in path.rtype
                     if path.rtype[r] in (*SUBSTRATE_TYPES, "P") and not math.isnan(path.moles[r])}
            for r in subst + ess + boost:
                params.append(_par(f"K__{tag}__{r}", path.half_sat[r], "g/L",
                                   f"half-saturation of {G} path {pi} for {r}"))
            rate_res = subst if subst else [path.key]
            for r in rate_res:
                params.append(_par(f"mu__{tag}__{r}", path.max_growth[r], "1/d",
                                   f"max growth rate of {G} path {pi} on {r}"))
                params.append(_par(f"Y__{tag}__{r}", path.yield_[r], "g/g",
                                   f"yield of {G} path {pi} on {r}"))
            for r, v in smass.items():
                params.append(_par(f"s__{tag}__{r}", v, "g/mol-reaction",
                                   f"stoichiometric mass of {r} on {G} path {pi}"))
            if boost:
                params.append(_par(f"nbf__{tag}", path.non_boost_frac, "1",
                                   f"non-boosted growth fraction of {G} path {pi}", 0.0, 1.0))
            # growth limitations
            denom = " + ".join(f"R_{r}/K__{tag}__{r}" for r in subst)
            for r in subst:
                assigns.append(Assignment(f"lim__{tag}__{r}",
                                          f"R_{r}/(K__{tag}__{r}*(1 + {denom}))", "1",
                                          f"Monod limitation of {G} path {pi} by {r}"))
            for r in ess + boost:
                assigns.append(Assignment(f"lim__{tag}__{r}", f"R_{r}/(R_{r} + K__{tag}__{r})",
                                          "1", f"limitation of {G} path {pi} by {r}"))
            ess_lim = "*".join(f"lim__{tag}__{r}" for r in ess) or "1"
            if boost:
                assert len(boost) == 1, "one boosting resource per path"
                factor = f"(nbf__{tag} + (1 - nbf__{tag})*lim__{tag}__{boost[0]})"
            else:
                factor = f"({ess_lim})" if ess else "1"
            ph = f"phlim__{G}"
            up: dict[str, str] = {}
            if subst:
                sg = " + ".join(f"mu__{tag}__{r}*lim__{tag}__{r}" for r in subst)
                su = " + ".join(f"mu__{tag}__{r}*lim__{tag}__{r}/Y__{tag}__{r}" for r in subst)
                gamma = f"{ph}*({sg})*{factor}"
                mean_s = "(" + " + ".join(f"s__{tag}__{r}" for r in subst) + f")/{len(subst)}"
                for r in subst:
                    up[r] = f"{ph}*{factor}*mu__{tag}__{r}*lim__{tag}__{r}/Y__{tag}__{r}"
                for r in ess:
                    up[r] = f"s__{tag}__{r}/({mean_s})*{ph}*{ess_lim}*({su})"
                for r in boost:
                    up[r] = (f"s__{tag}__{r}/({mean_s})*(1 - nbf__{tag})*lim__{tag}__{r}"
                             f"*{ph}*({su})")
            else:
                key = path.key
                assert key in ess, f"{G} path {pi}: key resource {key!r} must be essential"
                gamma = f"{ph}*mu__{tag}__{key}*{ess_lim}"
                for r in ess:
                    ratio = "" if r == key else f"s__{tag}__{r}/s__{tag}__{key}*"
                    up[r] = f"{ratio}{ph}*mu__{tag}__{key}*{ess_lim}/Y__{tag}__{key}"
            assigns.append(Assignment(f"gamma__{tag}", gamma, "1/d",
                                      f"specific growth of {G} on path {pi}"))
            gammas.append(f"gamma__{tag}")
            for r, e in up.items():
                assigns.append(Assignment(f"up__{tag}__{r}", e, "g/(g d)",
                                          f"uptake of {r} by {G} path {pi} per biomass"))
            total_up = " + ".join(f"up__{tag}__{r}" for r in up)
            if water:
                s_s = [f"s__{tag}__{r}" for r in subst]
                upstoich = [f"({' + '.join(s_s)})/{len(s_s)}"] if s_s else []
                upstoich += [f"s__{tag}__{r}" for r in ess + boost]
                wr = (f"({' + '.join(f's__{tag}__{r}' for r in water)})/"
                      f"({' + '.join(upstoich)})")
                for r in water:
                    share = f"s__{tag}__{r}/({' + '.join(f's__{tag}__{w}' for w in water)})"
                    assigns.append(Assignment(f"up__{tag}__{r}",
                                              f"{share}*{wr}*({total_up})", "g/(g d)",
                                              f"water uptake by {G} path {pi} per biomass"))
                    up[r] = f"up__{tag}__{r}"
            available = " + ".join(f"up__{tag}__{r}" for r in up) + f" - gamma__{tag}"
            s_prod = " + ".join(f"s__{tag}__{r}" for r in prods)
            prod = {}
            for r in prods:
                prod[r] = f"pr__{tag}__{r}"
                assigns.append(Assignment(prod[r], f"s__{tag}__{r}/({s_prod})*({available})",
                                          "g/(g d)",
                                          f"production of {r} by {G} path {pi} per biomass"))
            path_terms.append((tag, {r: f"up__{tag}__{r}" for r in up}, prod))
        if len(gammas) == 1:
            tag = path_terms[0][0]
            assigns.append(Assignment(f"frac__{tag}", "1", "1", "path weight"))
        else:
            tot = " + ".join(gammas)
            for tag, _, _ in path_terms:
                assigns.append(Assignment(f"frac__{tag}", f"gamma__{tag}/({tot} + 1e-300)",
                                          "1", f"weight of path {tag} (share of growth)"))
        growth_terms[G] = [f"frac__{tag}*gamma__{tag}" for tag, _, _ in path_terms]
        for tag, upt, prod in path_terms:
            for r, e in upt.items():
                flux[r].append(f"- X_{G}*frac__{tag}*{e}")
            for r, e in prod.items():
                flux[r].append(f"+ X_{G}*frac__{tag}*{e}")
    species: list[Species] = []
    for g in system.groups:
        G = g.name
        params.append(_par(f"D__{G}", system.washout[G], "1/d", f"washout of {G}"))
        params.append(_par(f"in__{G}", system.inflow[G], "g/(L d)", f"inflow of {G}"))
        rate = f"X_{G}*({' + '.join(growth_terms[G])}) + in__{G} - D__{G}*X_{G}"
        species.append(Species(f"X_{G}", system.start[G], "g/L", f"biomass of {G}", rate))
    for r in system.resources:
        params.append(_par(f"D__{r}", system.washout[r], "1/d", f"washout of {r}"))
        params.append(_par(f"in__{r}", system.inflow[r], "g/(L d)", f"inflow of {r}"))
        rate = f"in__{r} - D__{r}*R_{r} " + " ".join(flux[r])
        species.append(Species(f"R_{r}", system.start[r], "g/L", f"concentration of {r}",
                               rate))
    obs = [Observable(f"X_{g.name}", f"X_{g.name}", "g/L", f"biomass of {g.name}")
           for g in system.groups]
    obs += [Observable(f"R_{r}", f"R_{r}", "g/L", f"{r}") for r in system.resources]
    module = Module("micropop_chemostat", "microPop-style chemostat", tuple(params),
                    tuple(species), tuple(assigns), tuple(obs))
    return ModelSpec(name="micropop_chemostat", version=MICROPOP_VERSION, modules=[module])


__all__ = ["HUMAN10", "Group", "Path_", "System", "micropop_spec", "read_group", "read_system"]
