"""Modules 2–3 — microbial guilds, fermentation products and colonic pH (DESIGN §3.1.2-3).

Guild kinetics start from microPop's 10 human microbial functional groups (Kettle et al. 2015,
2018; parameter tables of microPop v1.6 ``inst/extdata``) with four gut–brain guilds added
(Lactobacillus, Akkermansia, Enterobacteriaceae, spore-forming Clostridia).

Engine lever (DESIGN §4): substrates, lactate and H2 turn over in minutes to hours, far faster
than the guilds, so they are taken at quasi-steady state. For a substrate with inflow ``In`` and
consumers of uptake capacity ``w_g = mu_max * f_pH * B / Y``, the linear-Monod steady state is
``S = In / (D + sum(w)/K)``; each guild takes ``w_g * S / (K + S)`` (which never exceeds its
Monod maximum), and whatever is not taken leaves with faeces. Mass is conserved exactly.

Prebiotic oligosaccharides (inulin, FOS, GOS) are their own substrate: bifidogenic, also used
by Roseburia, Faecalibacterium, Anaerostipes, lactobacilli and (less) Bacteroides, but not by
Enterobacteriaceae (Roberfroid 2007 J Nutr 137:2493S; Scott et al. 2014 FEMS Microbiol Ecol);
their mu_max are microPop's sugar values halved for the non-specialists (calibrated).

Products follow microPop's molar stoichiometry, converted to mass fractions. Succinate is
pooled with propionate (succinate is decarboxylated to propionate in the colon, Reichardt et al.
2014 ISME J) and formate with H2 (one formate = one H2 + CO2 as a reducing equivalent);
CO2, ethanol, CH4, water and protein by-products leave the colon unmodelled ("other").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from gutbrain.model.spec import Assignment, Module, Observable, Parameter, Species

MICROPOP = "microPop v1.6 inst/extdata (Kettle et al. 2015 Environ Microbiol 17:1615)"
MICROPOPGUT = "microPopGut (Kettle, Louis & Flint 2022)"

MOLAR_MASS = {  # g/mol, microPop resourceSysInfoHuman.csv
    "hex": 180.16, "protein": 111.0, "ac": 60.05, "pr": 74.08, "succ": 118.09, "bu": 88.1,
    "lac": 90.08, "formate": 46.03, "h2": 2.02, "co2": 44.01, "etoh": 46.07, "h2o": 18.02,
    "ch4": 16.04, "other": 43.67,
}
POOL = {"succ": "pr", "formate": "h2", "co2": "other", "etoh": "other", "h2o": "other",
        "ch4": "other", "other": "other", "ac": "ac", "pr": "pr", "bu": "bu", "lac": "lac",
        "h2": "h2"}
SUBSTRATES = ("nsp", "rs", "sugar", "oligo", "protein", "mucin")
YIELD = {"nsp": 0.286, "rs": 0.333, "sugar": 0.333, "oligo": 0.333, "protein": 0.2,
         "mucin": 0.286}


@dataclass(frozen=True)
class Guild:
    name: str
    examples: str
    mu: dict[str, float]  # /d per substrate
    ph: tuple[float, float, float, float]  # microPop trapezoid corners
    hexose_products: dict[str, float]  # mol per mol hexose (negative = consumed)
    source: str
    protein_products: dict[str, float] | None = None
    lps_potency: float = 0.0  # relative to Enterobacteriaceae lipid A
    target_share: float = 0.0  # healthy relative abundance used for calibration
    lactate_mu: float = 0.0
    lactate_products: dict[str, float] | None = None
    h2_mu: float = 0.0


BACTEROIDES_PROTEIN = {"ac": 2 / 6, "pr": 1 / 6, "succ": 1 / 6, "h2": 2 / 6, "co2": 1 / 6,
                       "other": 7 / 6}

# amino-acid fermentation by clostridia, built amino acid by amino acid (issue #13): the SCFA
# each amino acid gives in slurries of human faecal bacteria (Smith & Macfarlane 1997 Anaerobe
# 3:327: glutamate, lysine, histidine -> acetate + butyrate; serine -> acetate + butyrate;
# aspartate -> acetate + propionate; threonine -> propionate; methionine -> propionate +
# butyrate; alanine -> acetate, propionate, butyrate; glycine -> acetate; branched-chain and
# aromatic amino acids, proline and arginine -> BCFA, phenols, indoles, ornithine: "other"), with
# the moles of the clostridial pathways (Barker 1981 Annu Rev Biochem 50:23; Buckel 2001 Appl
# Microbiol Biotechnol 57:263: 5 glutamate -> 6 acetate + 2 butyrate by the methylaspartate
# pathway; lysine -> acetate + butyrate), weighted by the amino-acid make-up of a mixed Western
# diet's protein (mol fraction of residues; assumed: rounded typical values of meat, dairy and
# cereal proteins: Glu + Gln 15-25 %, Lys 5-8 %; glx = Glu + Gln, asx = Asp + Asn). The
# amino acids that reach the colon are taken to have the make-up of the protein eaten.
AA_COMPOSITION = {"glx": 0.16, "asx": 0.09, "lys": 0.07, "his": 0.025, "ser": 0.065,
                  "thr": 0.05, "ala": 0.075, "gly": 0.075, "met": 0.02, "cys": 0.015}
AA_SCFA = {  # mol SCFA per mol amino acid fermented
    "glx": {"ac": 1.2, "bu": 0.4}, "his": {"ac": 1.2, "bu": 0.4},  # via glutamate
    "lys": {"ac": 1.0, "bu": 1.0}, "ser": {"ac": 0.5, "bu": 0.25},
    "asx": {"ac": 0.5, "pr": 0.5}, "thr": {"pr": 1.0},
    "ala": {"ac": 0.6, "pr": 0.2, "bu": 0.1}, "gly": {"ac": 1.0},
    "met": {"pr": 0.5, "bu": 0.5}, "cys": {"ac": 0.5, "bu": 0.25},  # cys as ser (pyruvate)
}


def _clostridia_protein() -> dict[str, float]:
    """Moles of product per mol amino-acid residue: the SCFA from AA_COMPOSITION x AA_SCFA
    (Ac:Pr:Bu ~ 0.50 : 0.12 : 0.18, butyrate ~23 % of the SCFA), H2 and CO2 as before, and the
    rest of the formed mass (NH3, BCFA, phenols, indoles, amines) in "other", so that the formed
    mass per mol residue stays that of the earlier Stickland stoichiometry (96.3 g)."""
    scfa: dict[str, float] = {"ac": 0.0, "pr": 0.0, "bu": 0.0}
    for aa, frac in AA_COMPOSITION.items():
        for acid, mol in AA_SCFA[aa].items():
            scfa[acid] += frac * mol
    out = {**scfa, "h2": 2 / 6, "co2": 1 / 6}
    formed = sum(m * MOLAR_MASS[k] for k, m in out.items())
    out["other"] = (96.32333 - formed) / MOLAR_MASS["other"]
    return out


CLOSTRIDIA_PROTEIN = _clostridia_protein()

GUILDS: tuple[Guild, ...] = (
    Guild("bacteroides", "Bacteroides, Prevotella, Alistipes",
          {"nsp": 12, "rs": 24, "oligo": 6, "protein": 24, "mucin": 3}, (5.6, 6.35, 7.85, 8.6),
          {"ac": 1, "pr": 0.5, "succ": 0.5, "h2": 1, "co2": 0.5}, MICROPOP + "; mucin foraging"
          " only a back-up when glycans are plentiful (Desai 2016 Cell 167:1339), calibrated",
          BACTEROIDES_PROTEIN, 0.05, 0.15),
    Guild("starch_degraders", "Ruminococcus bromii", {"nsp": 3.6, "rs": 14.4},
          (5.35, 6.1, 7.6, 8.35), {"ac": 2, "h2": 4, "co2": 2, "h2o": -2}, MICROPOP,
          target_share=0.05),
    Guild("fibre_degraders", "Ruminococcus flavefaciens/albus",
          {"nsp": 16.8, "rs": 3.6, "mucin": 3}, (5.0, 5.75, 7.25, 8.0),
          {"ac": 1, "succ": 1, "h2": 1}, MICROPOP + "; mucin as a back-up substrate (calibrated)",
          target_share=0.04),
    Guild("bifidobacterium", "Bifidobacterium, Collinsella",
          {"nsp": 7.2, "rs": 7.0, "sugar": 24, "oligo": 24},
          (4.5, 5.25, 7.2, 7.95), {"ac": 10 / 6, "lac": 4 / 6, "formate": 2 / 6, "etoh": 1 / 6,
                                   "h2o": -1 / 6}, MICROPOPGUT + " LactateProducers",
          target_share=0.06),
    Guild("roseburia", "Roseburia, Eubacterium rectale",
          {"nsp": 8.4, "rs": 8.4, "sugar": 24, "oligo": 12},
          (4.95, 5.7, 7.2, 7.95), {"ac": -1, "bu": 1.5, "h2": 1, "co2": 2, "h2o": 1},
          MICROPOP + " ButyrateProducers1", target_share=0.08),
    Guild("faecalibacterium", "Faecalibacterium prausnitzii",
          {"nsp": 14.4, "rs": 7.2, "sugar": 24, "oligo": 12}, (4.85, 5.6, 7.1, 7.85),
          {"ac": -4 / 6, "bu": 7 / 6, "lac": 2 / 6, "formate": 1, "co2": 4 / 6, "h2o": 4 / 6},
          MICROPOP + " ButyrateProducers2", target_share=0.08),
    Guild("lactate_utilisers", "Eubacterium hallii, Anaerostipes",
          {"nsp": 7.2, "rs": 7.2, "sugar": 24, "oligo": 12}, (4.85, 5.6, 7.1, 7.85),
          {"ac": 0.2, "bu": 0.9, "formate": 1.2, "h2": 1.0, "co2": 0.8, "h2o": -0.2},
          MICROPOP + " ButyrateProducers3", target_share=0.03, lactate_mu=4.8,
          lactate_products={"lac": -1, "ac": -0.5, "bu": 0.75, "h2": 0.5, "co2": 1,
                            "h2o": 0.5}),
    Guild("propionate_producers", "Veillonella, Megasphaera, Coprococcus catus",
          {"nsp": 7.2, "rs": 7.2, "sugar": 24}, (4.75, 5.5, 7.0, 7.75),
          {"ac": 2 / 3, "pr": 4 / 3, "co2": 2 / 3, "h2o": 2 / 3}, MICROPOP + " PropionateProducers",
          target_share=0.03, lactate_mu=4.8,
          lactate_products={"lac": -1, "ac": 1 / 3, "pr": 2 / 3, "co2": 1 / 3, "h2o": 1 / 3}),
    Guild("acetogens", "Blautia hydrogenotrophica", {"nsp": 7.2, "rs": 7.2, "sugar": 24},
          (5.25, 6.0, 7.5, 8.25), {"ac": 3}, MICROPOP + " Acetogens", target_share=0.08,
          h2_mu=2.4),
    Guild("methanogens", "Methanobrevibacter smithii", {}, (5.25, 6.0, 7.5, 8.25), {},
          MICROPOP + " Methanogens; H2 mu_max calibrated: methanogens outcompete acetogens "
          "for H2 (lower threshold, Cord-Ruwisch 1988)", target_share=0.01, h2_mu=10.0),
    Guild("lactobacillus", "Lactobacillus, Lacticaseibacillus (probiotic, fermented food)",
          {"sugar": 8.0, "oligo": 8.0}, (3.5, 4.5, 7.0, 8.0), {"lac": 2},
          "homolactic fermentation (Madigan, Brock Biology of Microorganisms); mu_max "
          "calibrated: lactobacilli are transient in the adult colon (Frese 2012)",
          target_share=0.001),
    Guild("akkermansia", "Akkermansia muciniphila", {"mucin": 10.0}, (5.0, 5.5, 7.5, 8.5),
          {"ac": 1.0, "pr": 0.5, "co2": 0.5}, "mucin → acetate + propionate, pH 5.5-8, "
          "doubling ~1.5 h (Derrien et al. 2004 IJSEM 54:1469)", lps_potency=0.05,
          target_share=0.02),
    Guild("enterobacteriaceae", "Escherichia, Klebsiella, Proteus (pathobionts)",
          {"sugar": 12.0, "protein": 6.0, "mucin": 4.0}, (4.4, 5.5, 8.0, 9.0),
          {"ac": 0.4, "lac": 0.8, "succ": 0.1, "formate": 0.9, "etoh": 0.5},
          "mixed-acid fermentation (Madigan, Brock Biology of Microorganisms); E. coli grows "
          "at pH 4.4-9; it lives on the monosaccharides that anaerobes release from mucus, "
          "whatever the diet (Chang et al. 2004 PNAS 101:7427; Fabich et al. 2008 Infect Immun "
          "76:1143): mucin mu_max assumed, a third of its sugar rate",
          BACTEROIDES_PROTEIN, 1.0, 0.005),
    Guild("spore_formers", "spore-forming Clostridia (clusters IV/XIVa, Yano 2015)",
          {"nsp": 6.0, "protein": 12.0}, (5.0, 5.75, 7.5, 8.25),
          {"ac": 2.0, "bu": 0.5, "h2": 1.0, "co2": 1.0},
          "acetate-dominant Lachnospiraceae/Ruminococcaceae fermentation (Louis & Flint 2017 "
          "Environ Microbiol 19:29); proteolytic; stoichiometry and mu_max calibrated: colon "
          "Ac:Pr:Bu ~60:20:20",
          CLOSTRIDIA_PROTEIN, 0.0, 0.35),
)
GUILD_NAMES = tuple(g.name for g in GUILDS)

# output of calibration/guild_composition.py (guilds at 1e-4 are substrate-limited)
CALIBRATED_C_SELF = {
    "bacteroides": 1.371,
    "starch_degraders": 1.118,
    "fibre_degraders": 1.551,
    "bifidobacterium": 0.7273,
    "roseburia": 0.7638,
    "faecalibacterium": 1.026,
    "lactate_utilisers": 1.935,
    "propionate_producers": 1.81,
    "acetogens": 0.617,
    "methanogens": 0.0001,
    "lactobacillus": 0.0001,
    "akkermansia": 3.59,
    "enterobacteriaceae": 6.677,
    "spore_formers": 0.002805,
}
# guild_composition.py never lowers c_self below 1e-4 L/g/d; guilds there (and spore formers
# at 2.6e-4, ~1/1000 of the others) are held by their substrates, not by crowding
C_SELF_FLOOR = 1e-3
_SHARE_SUM = sum(g.target_share for g in GUILDS)

# --- species within guilds (issue #13) ----------------------------------------------------
# Species capacity of each guild: how many species of the guild's genera one adult colon can
# hold at once (its niches). Assumed from the genera each guild covers, as counted in
# species-level shotgun profiles of healthy Western adults; the total (248) is above the
# >= 160 abundant species each person carries (Qin et al. 2010 Nature 464:59) because a
# Western gut holds only part of its capacity (the steady state, not the capacity, is what
# the richness targets check).
SPECIES_CAPACITY = {
    "bacteroides": 30.0,  # Bacteroides ~15, Phocaeicola, Parabacteroides, Alistipes, Prevotella
    "starch_degraders": 10.0,  # Ruminococcus bromii and amylolytic Ruminococcaceae
    "fibre_degraders": 12.0,  # Ruminococcus flavefaciens/albus/champanellensis and kin
    "bifidobacterium": 8.0,  # B. longum, adolescentis, bifidum, catenulatum...; Collinsella
    "roseburia": 10.0,  # Roseburia spp., Agathobacter rectale, Lachnospira
    "faecalibacterium": 4.0,  # Faecalibacterium prausnitzii clades and sister species
    "lactate_utilisers": 6.0,  # Anaerobutyricum hallii, Anaerostipes, Coprococcus
    "propionate_producers": 8.0,  # Veillonella, Megasphaera, Coprococcus catus, Dialister
    "acetogens": 15.0,  # Blautia and other reductive acetogens
    "methanogens": 2.0,  # Methanobrevibacter smithii, Methanosphaera stadtmanae
    "lactobacillus": 6.0,  # lactobacilli and other lactic-acid bacteria of food origin
    "akkermansia": 2.0,  # Akkermansia muciniphila clades
    "enterobacteriaceae": 5.0,  # Escherichia, Klebsiella, Enterobacter, Citrobacter, Proteus
    "spore_formers": 130.0,  # the many other Lachnospiraceae/Oscillospiraceae (cluster IV/XIVa)
}
SPECIES_SOURCE = ("assumed: species of the guild's genera detected per healthy adult in "
                  "species-level shotgun profiles (>= 160 species per person, Qin et al. 2010 "
                  "Nature 464:59; HMP Consortium 2012 Nature 486:207)")
SPECIES_TOTAL = sum(SPECIES_CAPACITY.values())
# where the guilds outside microPop's tables take their pH corners from
PH_SOURCE = {
    "lactobacillus": "lactobacilli grow from pH ~3.5-4.5 (Madigan, Brock Biology of "
                     "Microorganisms)",
    "akkermansia": "Akkermansia muciniphila grows at pH 5.5-8 (Derrien et al. 2004 IJSEM "
                   "54:1469)",
    "enterobacteriaceae": "E. coli grows at pH 4.4-9 (Madigan, Brock Biology of "
                          "Microorganisms)",
    "spore_formers": "assumed: as microPop's butyrate producers (Lachnospiraceae/"
                     "Ruminococcaceae; Louis & Flint 2017 Environ Microbiol 19:29)",
    "faecalibacterium": MICROPOP,
}
# acid-side half-growth pH where measurements replace microPop's corners
PH_ACID = {
    # microPop's corners (5.6, 6.35) stop Bacteroides growth at pH 5.6, but the Bacteroides
    # group kept 20-27% of the community at pH 5.5 in continuous culture of faecal bacteria
    # (Walker et al. 2005 Appl Environ Microbiol 71:3692: 20%; Duncan et al. 2009 Environ
    # Microbiol 11:2112: 27%), and Prevotella/Bacteroides thrive on high-fibre diets (De
    # Filippo et al. 2010 PNAS 107:14691; Wu et al. 2011 Science 334:105)
    "bacteroides": (5.65, "calibrated: microbial.ph-switch.bacteroides-ph55, "
                    "microbial.ph-switch.bacteroides-ph65, microbial.diet.no-guild-collapse "
                    "(Walker 2005: Bacteroides 20% of eubacteria at pH 5.5; Duncan 2009: 27%; "
                    "microPop's corners give 0)"),
}


def mass_fractions(products: dict[str, float], substrate_mass: float) -> dict[str, float]:
    """Mass of each product pool per unit mass of product formed (consumed co-substrates
    other than acetate and lactate are ignored; fractions sum to 1 over formed pools)."""
    formed: dict[str, float] = {}
    for species, mol in products.items():
        if mol <= 0 or species == "h2o":
            continue
        pool = POOL[species]
        # pooled mole for mole (succinate -> propionate + CO2, formate -> H2 + CO2); the
        # mass difference leaves as CO2 ("other"), so moles and mass both balance
        pool_mass = mol * MOLAR_MASS[pool] if pool != "other" else mol * MOLAR_MASS[species]
        formed[pool] = formed.get(pool, 0.0) + pool_mass
        rest = mol * MOLAR_MASS[species] - pool_mass
        if rest > 0:
            formed["other"] = formed.get("other", 0.0) + rest
    total = sum(formed.values())
    return {p: m / total for p, m in formed.items()} if total > 0 else {}


def _fmt(x: float) -> str:
    return repr(round(x, 10))


def printed_fractions(products: dict[str, float], substrate_mass: float) -> dict[str, float]:
    """mass_fractions rounded as _fmt prints them, the largest taking the rounding remainder,
    so that the printed fractions still sum to 1 and the generated code conserves mass to
    floating-point precision (not only to the 1e-10 of the printed digits)."""
    frac = {k: round(v, 10) for k, v in mass_fractions(products, substrate_mass).items()}
    if frac:
        big = max(frac, key=frac.get)
        frac[big] = round(1.0 - sum(v for k, v in frac.items() if k != big), 10)
    return frac


PH_SCALE = 0.1875  # microPop's logistic scale: corner width 0.75 / 4, all ten of its groups


def _ph_factor(g: Guild) -> str:
    """Smooth microPop trapezoid, averaged over the colon's pH gradient: a logistic of scale
    s averaged over a uniform spread of half-width w is close to a logistic of scale
    s * sqrt(1 + w^2/(pi s)^2) (equal variances); ``ph_gradient_widening`` is that factor for
    microPop's s (the four guilds outside microPop, of other widths, take the same factor).
    exp(-(pH - m)/(s W)) is written exp(-pH/(s W)) * exp(m/(s W)): the second factor depends on
    parameters only (the compiler evaluates it once per segment) and the first is shared by
    every guild of the same width, so ~6 exponentials serve the 14 guilds instead of 28."""
    c1, c2, c3, c4 = g.ph
    lo = f"({_fmt((c2 - c1) / 4)}*ph_gradient_widening)"
    hi = f"({_fmt((c4 - c3) / 4)}*ph_gradient_widening)"
    return (f"1/(1 + exp(-colon_ph_s/{lo})*exp(ph_acid_{g.name}/{lo}))"
            f"/(1 + exp(colon_ph_s/{hi})*exp(-{_fmt((c3 + c4) / 2)}/{hi}))")


def _build() -> Module:
    params: list[Parameter] = []
    species: list[Species] = []
    asg: list[Assignment] = []
    obs: list[Observable] = []

    params += [
        Parameter("K_poly", 1.0, "g/L", "assumed: faecal loss of fermentable carbohydrate "
                  "< 5% (Cummings 1987); microPop uses 0.001 g/L", 0.001, 5.0,
                  "half-saturation of polysaccharide/protein/mucin uptake"),
        Parameter("K_lac", 0.1, "g/L", "assumed: faecal lactate < 3 mM (Belenguer 2007)",
                  0.001, 1.0, "half-saturation of lactate uptake"),
        Parameter("K_h2", 0.01, "g/L", "assumed: H2 largely consumed in the colon "
                  "(Carbonero 2012)", 0.001, 0.1, "half-saturation of H2 uptake"),
        Parameter("Y_lac", 0.111, "g/g", MICROPOP + " (lactate pathway)", 0.05, 0.3,
                  "biomass yield on lactate"),
        Parameter("Y_h2", 0.165, "g/g", MICROPOP + " (0.03 g/g CO2 = 0.165 g/g H2)", 0.05, 0.5,
                  "biomass yield on H2"),
        Parameter("k_lac_out", 2.0, "1/d", "lactate absorption by colonocytes (Belenguer 2007);"
                  " assumed", 0.0, 10.0, "lactate loss besides washout"),
        Parameter("k_h2_out", 20.0, "1/d", "H2 excreted in breath/flatus (Carbonero 2012); "
                  "assumed", 1.0, 100.0, "H2 loss by diffusion and flatus"),
        Parameter("K_ac_boost", 5.0, "mM", "assumed: acetate co-consumption by butyrate "
                  "producers saturates at a few mM (Duncan 2004)", 0.5, 30.0,
                  "half-saturation of acetate co-consumption"),
        Parameter("a_Z", 7.22, "1/d", "calibrated: microbial.colon.scfa-absorbed-fraction, "
                  "microbial.colon.tscfa, microbial.colon.ph, microbial.colon.scfa-production "
                  "(calibration/fit.py colon_scfa_absorption); whole-colon TSCFA ~90-100 mM "
                  "(Cummings 1987) and >= 90% absorbed (Topping & Clifton 2001); "
                  "within Kettle 2022 regional fits 4.2-25.2 /d (Ruppin 1980: 9.6)", 4.0, 25.0,
                  "SCFA absorption rate"),
        Parameter("ph_intercept", 6.9904, "pH", "calibrated with ph_slope, from which it is "
                  "derived (calibration/fit.py colon_ph_cross_diet: microbial.diet.ph-fall-plant-"
                  "based, microbial.diet.butyrate-share-max): the law passes through the "
                  "Western steady state of " + MICROPOPGUT + "'s pH = 8.02 - 0.0174 TSCFA "
                  "(pH 6.39 at 93.67 mM), i.e. 6.39 + ph_slope x 93.67", 6.5, 8.5,
                  "colonic pH at zero SCFA"),
        Parameter("ph_slope", 0.00641, "pH/mM", "calibrated: microbial.diet.ph-fall-plant-based, "
                  "microbial.diet.butyrate-share-max (calibration/fit.py colon_ph_cross_diet): "
                  "how far a fibre-rich diet acidifies the colon across people (faecal pH 6.9 "
                  "omnivores, 6.3 vegans: Zimmer 2012; no omnivore/lacto-ovo vegetarian "
                  "difference: van Faassen 1993), with butyrate kept a minority product on "
                  "every diet (Cummings 1987). A third of the slope of the pH gradient along "
                  "one colon (0.0174, " + MICROPOPGUT + ", from Cummings 1987's caecum-to-"
                  "rectum TSCFA and pH): that gradient also carries the bicarbonate and water "
                  "exchange of the distal colon, which a one-compartment colon cannot separate "
                  "from diet (ph_gradient_widening takes the gradient's spread)",
                  0.002, 0.025, "pH drop per mM total SCFA"),
        Parameter("imm_total", 2e-3, "g/L/d", "assumed: recovery 2-6 wk after antibiotics "
                  "(Palleja 2018)", 0.0, 0.05, "immigration of all guilds from the "
                  "environment (food, other people), split by healthy composition"),
        Parameter("mass_per_cfu", 3e-13, "g", "E. coli-size cell dry mass ~0.3 pg "
                  "(Bratbak & Dundas 1984)", 1e-13, 1e-12, "dry biomass per colony-forming unit"),
        Parameter("probiotic_survival", 0.8, "1", "calibrated: faecal LGG ~1e8 copies/g on "
                  "1e10 CFU/d (Saxelin 2010), i.e. ~1e-3 of ~1e11 bacteria/g (Sender 2016); "
                  "gives 4e-4 relative abundance during intake", 0.01, 1.0,
                  "share of ingested CFU reaching the colon alive"),
        Parameter("cfu_per_serving", 1e9, "CFU", "live LAB 1e5-1e9 CFU/g in fermented foods "
                  "(Marco et al. 2017 Curr Opin Biotechnol)", 1e6, 1e11,
                  "live microbes per fermented-food serving"),
        Parameter("probiotic_lacto_cfu", 0.0, "CFU/d", "scenario input", 0.0, 1e13,
                  "probiotic Lactobacillus dose", "input"),
        Parameter("probiotic_bifido_cfu", 0.0, "CFU/d", "scenario input", 0.0, 1e13,
                  "probiotic Bifidobacterium dose", "input"),
        Parameter("k_lacto_adhere", 1.75, "1/d", "calibrated: microbial.probiotic."
                  "undetectable-after-stop, microbial.probiotic.detectable-during-intake "
                  "(calibration/fit.py probiotic_persistence): faecal Lactobacillus stays "
                  "detectable ~10 d after a 14-d course; LGG persists on the colonic mucosa "
                  "after faecal shedding falls (Alander 1999 Appl Environ Microbiol 65:351)",
                  0.0, 5.0,
                  "rate at which luminal lactobacilli adhere to the mucosa"),
        Parameter("k_lacto_shed", 0.422, "1/d", "calibrated: microbial.probiotic."
                  "undetectable-after-stop, microbial.probiotic.detectable-during-intake (with "
                  "k_lacto_adhere): mucosal LGG falls over 1-3 weeks after intake stops "
                  "(Alander 1999)", 0.02, 2.0,
                  "shedding of mucosa-adherent lactobacilli back into the lumen"),
        Parameter("r_resp_ent", 3.0, "1/d", "calibrated: inflammation-derived nitrate lets "
                  "Enterobacteriaceae bloom (Winter et al. 2013 Science 339:708)", 0.0, 20.0,
                  "maximal respiratory growth of Enterobacteriaceae on acetate"),
        Parameter("Y_resp", 0.3, "g/g", "aerobic/nitrate respiration yield of E. coli on "
                  "acetate ~0.3 g/g (Madigan)", 0.1, 0.6, "biomass yield of respiration"),
        Parameter("K_tnf_gut", 30.0, "pg/mL", "calibrated: nitrate supply rises with mucosal "
                  "TNF (Winter 2013)", 5.0, 200.0, "TNF giving half-maximal gut inflammation"),
        Parameter("s_lacto_stress", 1.0, "1/d", "assumed: stress lowers faecal lactobacilli "
                  "(Bailey & Coe 1999; Galley 2014)", 0.0, 5.0,
                  "extra loss of Lactobacillus and Bifidobacterium per unit perceived stress"),
        Parameter("ph_gradient_widening", round(math.sqrt(1 + (0.45 / (math.pi * 0.1875))
                                                          ** 2), 4), "1",
                  "sqrt(1 + (w/(pi s))^2) with the colonic pH gradient's half-range w = 0.45 "
                  "(pH 5.7 / 6.2 / 6.6 proximal / transverse / distal: Cummings et al. 1987 Gut "
                  "28:1221; telemetry in Kettle 2022) and microPop's logistic scale s = 0.1875",
                  1.0, 2.0, "widening of the guilds' pH response by the pH gradient they grow "
                  "along (1 in a uniform chemostat)"),
        # --- species within guilds (issue #13) ---------------------------------------------
        Parameter("microbial_exposure", 1.0, "1", "definition: 1 = ordinary Western "
                  "environment and food; 0 = germ-free isolator (sterile food and air)",
                  0.0, 5.0, "microbes met in the environment and in food, relative to an "
                  "ordinary Western life", "trait"),
        Parameter("species_arrival_env", 0.3, "species/d", "calibrated: "
                  "microbial.diversity.baseline-richness, microbial.antibiotic."
                  "richness-day180 (a lost species returns over years: Jernberg et al. 2007 "
                  "ISME J 1:56, Bacteroides clones not back after 2 years; > 70% of species "
                  "stable over a year, Faith et al. 2013 Science 341:1237439)", 0.0, 1.0,
                  "new species establishing from the environment (other people, food, water) "
                  "at full niche vacancy"),
        Parameter("species_per_serving", 0.25, "species/d per serving/d", "calibrated: "
                  "clinical.fermented.richness-up (Wastyk et al. 2021 Cell 184:4137: "
                  "diversity rose steadily over 10 weeks of ~6 servings/d, more with more "
                  "servings)", 0.0, 0.5,
                  "new species arriving with the live microbes of one daily fermented-food "
                  "serving"),
        Parameter("m_viable", 5e-5, "g/L", "calibrated: microbial.antibiotic.richness-day180, "
                  "microbial.antibiotic.richness-recovers-6wk (~1e8 cells in 0.4 L of colon "
                  "content, 0.3 pg each; Palleja et al. 2018 Nat Microbiol 3:1255)",
                  1e-6, 1e-3, "population below which a species is at risk of extinction "
                  "(viable population size)"),
        Parameter("biomass_floor", 1e-9, "g/L", "numerical: keeps the guild shares defined "
                  "in a germ-free colon (3e-11 of a normal community's ~30 g/L, far below any "
                  "measurable biomass)", 1e-12, 1e-6,
                  "biomass added to the total before shares are taken"),
        Parameter("k_extinct", 1.0, "1/d", "assumed: a population below its viable size is lost "
                  "within days (it washes out at ~0.8/d)",
                  0.1, 10.0, "extinction rate of species whose populations are below viable "
                  "size"),
        Parameter("spore_survival", 0.97, "1", "assumed: spores survive antibiotics and "
                  "starvation; spore-forming taxa are the resilient, transmissible part of the "
                  "gut microbiota (Browne et al. 2016 Nature 533:543)", 0.0, 1.0,
                  "share of the extinction risk of spore-forming Clostridia that spores "
                  "avert"),
        Parameter("detection_limit", 1e-4, "1", "species-level shotgun profiles call a species "
                  "present reliably from ~0.01% relative abundance (MetaPhlAn: Truong et al. "
                  "2015 Nat Methods 12:902; 16S ASV tables at ~10,000 reads per sample: 1e-4)",
                  1e-6, 1e-3, "relative abundance a species needs to be detected"),
        Parameter("evenness_within", 0.7, "1", "assumed: Pielou evenness of gut species "
                  "communities ~0.6-0.8 (HMP Consortium 2012 Nature 486:207); checked by "
                  "microbial.diversity.baseline-shannon", 0.3, 1.0,
                  "Pielou evenness of species within a guild"),
        Parameter("abx_kill_cv", 0.47, "1", "assumed: the species of a guild differ in "
                  "susceptibility about as much as the guilds do, because beta-lactam "
                  "susceptibility among 38 human gut species does not follow phylogeny (Maier "
                  "et al. 2021 Nature 599:120); 0.47 is the median across-guild CV of the five "
                  "built-in spectra (0.41-0.72; scenario/presets.py). Ciprofloxacin changed "
                  "about a third of gut taxa, not all (Dethlefsen et al. 2008 PLoS Biol "
                  "6:e280)", 0.0, 1.5,
                  "coefficient of variation of antibiotic kill rates among a guild's species"),
        Parameter("probiotic_strain_rate", 0.012, "species/d", "assumed: one strain of a product "
                  "persisted >= 6 months in 30% of people after 28 days of intake "
                  "(Maldonado-Gómez et al. 2016 Cell Host Microbe 20:515)", 0.0, 0.2,
                  "establishment of new strains from a probiotic at saturating dose"),
        Parameter("K_probiotic_strain", 1e9, "CFU/d", "assumed (half-maximal at 1e9 CFU/d): "
                  "probiotics rarely change the faecal community of healthy adults (Kristensen "
                  "et al. 2016 Genome Med 8:52)",
                  1e7, 1e11, "dose giving half the maximal strain establishment"),
    ]

    # pH (SCFA states are declared below; colon_ph_s is the pH the guilds feel)
    asg.append(Assignment("tscfa", "acetate + propionate + butyrate", "mM", "total SCFA"))
    asg.append(Assignment("colon_ph_s", "ph_intercept - ph_slope*tscfa", "pH",
                          "colonic pH from total SCFA (microPopGut)"))
    asg.append(Assignment("gut_inflammation", "tnf/(tnf + K_tnf_gut)", "1",
                          "mucosal inflammation index (drives nitrate respiration)"))

    # guild species, uptake capacities
    biomass_terms = " + ".join(f"B_{g.name}" for g in GUILDS)
    asg.append(Assignment("biomass_total", biomass_terms + " + biomass_floor", "g/L",
                          "total microbial biomass (+ biomass_floor, so that shares are "
                          "defined in a germ-free gut)"))
    capacity: dict[str, list[str]] = {s: [] for s in (*SUBSTRATES, "lac", "h2")}
    for g in GUILDS:
        asg.append(Assignment(f"phf_{g.name}", _ph_factor(g), "1",
                              f"pH growth factor of {g.name} (smooth microPop trapezoid)"))
        params.append(Parameter(
            f"fitness_{g.name}", 1.0, "1", "trait; strain-level differences in growth between "
            "people (set from a measured profile by scenario/personalise.py)", 0.05, 20.0,
            f"person's growth-rate multiplier of {g.name}", "trait"))
        c1, c2 = g.ph[:2]
        ph_acid, ph_source = PH_ACID.get(
            g.name, ((c1 + c2) / 2, f"{PH_SOURCE.get(g.name, MICROPOP)}: midpoint of the "
                     f"acid-side pH corners {c1}-{c2}"))
        params.append(Parameter(
            f"ph_acid_{g.name}", round(ph_acid, 4), "pH", ph_source, 3.5, 7.0,
            f"pH of half-maximal growth of {g.name} at the acid end"))
        for s, mu in g.mu.items():
            asg.append(Assignment(f"w_{g.name}_{s}",
                                  f"{_fmt(mu / YIELD[s])}*fitness_{g.name}*phf_{g.name}"
                                  f"*B_{g.name}", "g/L/d",
                                  f"uptake capacity of {g.name} on {s} (mu_max {mu}/d / Y)"))
            capacity[s].append(f"w_{g.name}_{s}")
        if g.lactate_mu:
            asg.append(Assignment(f"w_{g.name}_lac", f"{_fmt(g.lactate_mu)}/Y_lac*fitness_"
                                  f"{g.name}*phf_{g.name}*B_{g.name}", "g/L/d",
                                  f"lactate uptake capacity of {g.name}"))
            capacity["lac"].append(f"w_{g.name}_lac")
        if g.h2_mu:
            asg.append(Assignment(f"w_{g.name}_h2", f"{_fmt(g.h2_mu)}/Y_h2*fitness_{g.name}"
                                  f"*phf_{g.name}*B_{g.name}", "g/L/d",
                                  f"H2 uptake capacity of {g.name}"))
            capacity["h2"].append(f"w_{g.name}_h2")

    # quasi-steady-state substrates
    for s in SUBSTRATES:
        total = " + ".join(capacity[s])
        asg.append(Assignment(f"W_{s}", total, "g/L/d", f"total uptake capacity on {s}"))
        asg.append(Assignment(f"S_{s}", f"in_{s}/(D_wash + W_{s}/K_poly)", "g/L",
                              f"quasi-steady {s} concentration"))
        asg.append(Assignment(f"sat_{s}", f"S_{s}/(K_poly + S_{s})", "1",
                              f"Monod saturation on {s}"))

    product_terms: dict[str, list[str]] = {p: [] for p in ("ac", "pr", "bu", "lac", "h2", "other")}
    acetate_use: list[str] = []
    growth: dict[str, list[str]] = {g.name: [] for g in GUILDS}
    for g in GUILDS:
        for s in g.mu:
            u = f"U_{g.name}_{s}"
            asg.append(Assignment(u, f"w_{g.name}_{s}*sat_{s}", "g/L/d",
                                  f"uptake of {s} by {g.name}"))
            growth[g.name].append(f"{_fmt(YIELD[s])}*{u}")
            prods = g.protein_products if s == "protein" else g.hexose_products
            if prods is None:
                raise ValueError(f"guild {g.name} eats protein without protein stoichiometry")
            co_ac = -prods.get("ac", 0.0)
            sub_mass = MOLAR_MASS["protein" if s == "protein" else "hex"]
            formed = f"{_fmt(1 - YIELD[s])}*{u}"
            if co_ac > 0:  # acetate co-consumption (butyrate producers), mass enters products
                ac_per_g = co_ac * MOLAR_MASS["ac"] / sub_mass
                use = f"{_fmt(ac_per_g)}*{u}*acetate/(K_ac_boost + acetate)"
                acetate_use.append(use)
                formed = f"({formed} + {use})"
            for pool, frac in printed_fractions(prods, sub_mass).items():
                product_terms[pool].append(f"{_fmt(frac)}*{formed}")

    # lactate and H2 at quasi-steady state (cross-feeding)
    asg.append(Assignment("P_lac", " + ".join(product_terms["lac"]), "g/L/d",
                          "lactate production"))
    asg.append(Assignment("W_lac", " + ".join(capacity["lac"]), "g/L/d",
                          "lactate uptake capacity"))
    asg.append(Assignment("S_lac", "P_lac/(D_wash + k_lac_out + W_lac/K_lac)", "g/L",
                          "quasi-steady lactate"))
    for g in GUILDS:
        if g.lactate_mu:
            u = f"U_{g.name}_lac"
            asg.append(Assignment(u, f"w_{g.name}_lac*S_lac/(K_lac + S_lac)", "g/L/d",
                                  f"lactate uptake by {g.name}"))
            growth[g.name].append(f"Y_lac*{u}")
            prods = g.lactate_products or {}
            co_ac = -prods.get("ac", 0.0)
            formed = f"(1 - Y_lac)*{u}"
            if co_ac > 0:
                use = f"{_fmt(co_ac * MOLAR_MASS['ac'] / MOLAR_MASS['lac'])}*{u}"
                use += "*acetate/(K_ac_boost + acetate)"
                acetate_use.append(use)
                formed = f"({formed} + {use})"
            for pool, frac in printed_fractions(prods, MOLAR_MASS["lac"]).items():
                product_terms[pool].append(f"{_fmt(frac)}*{formed}")
    asg.append(Assignment("P_h2", " + ".join(product_terms["h2"]), "g/L/d",
                          "H2 (+ formate) production"))
    asg.append(Assignment("W_h2", " + ".join(capacity["h2"]), "g/L/d", "H2 uptake capacity"))
    asg.append(Assignment("S_h2", "P_h2/(k_h2_out + W_h2/K_h2)", "g/L", "quasi-steady H2"))
    for g in GUILDS:
        if g.h2_mu:
            u = f"U_{g.name}_h2"
            asg.append(Assignment(u, f"w_{g.name}_h2*S_h2/(K_h2 + S_h2)", "g/L/d",
                                  f"H2 uptake by {g.name}"))
            growth[g.name].append(f"Y_h2*{u}")
            if g.name == "acetogens":  # 4 H2 + 2 CO2 -> acetate (CO2 mass counted as gain)
                product_terms["ac"].append(f"(1 - Y_h2)*{u}")
            else:  # methane leaves
                product_terms["other"].append(f"(1 - Y_h2)*{u}")

    # Enterobacteriaceae respire acetate when the mucosa is inflamed (nitrate)
    asg.append(Assignment("U_resp_ent", "r_resp_ent/Y_resp*gut_inflammation*B_enterobacteriaceae"
                          "*acetate/(K_ac_boost + acetate)", "g/L/d",
                          "acetate respired by Enterobacteriaceae"))
    growth["enterobacteriaceae"].append("Y_resp*U_resp_ent")
    acetate_use.append("U_resp_ent")
    product_terms["other"].append("(1 - Y_resp)*U_resp_ent")

    for pool in ("ac", "pr", "bu", "other"):
        asg.append(Assignment(f"P_{pool}", " + ".join(product_terms[pool]) or "0", "g/L/d",
                              f"production of {pool}"))
    asg.append(Assignment("acetate_use", " + ".join(acetate_use), "g/L/d",
                          "acetate consumed by butyrate producers and respiration"))

    # guild ODEs
    asg.append(Assignment("perceived_stress_micro", "stress_total", "1",
                          "perceived stress seen by acid-sensitive guilds"))
    asg.append(Assignment("probiotic_lacto_in",
                          "(probiotic_lacto_cfu + microbial_exposure*fermented_servings"
                          "*cfu_per_serving)*mass_per_cfu*probiotic_survival/V_colon", "g/L/d",
                          "live Lactobacillus arriving from supplements and fermented food"))
    asg.append(Assignment("species_influx",
                          "microbial_exposure*(species_arrival_env + species_per_serving"
                          f"*fermented_servings)/{_fmt(SPECIES_TOTAL)}", "species/d per species",
                          "new species arriving from the environment and with "
                          "fermented food, per species of niche capacity (spread over the "
                          "guilds in proportion to their capacity)"))
    asg.append(Assignment("probiotic_bifido_in",
                          "probiotic_bifido_cfu*mass_per_cfu*probiotic_survival/V_colon",
                          "g/L/d", "live Bifidobacterium arriving from supplements"))
    for g in GUILDS:
        share = g.target_share / _SHARE_SUM
        c_self = CALIBRATED_C_SELF[g.name]
        source = ("fitted by calibration/guild_composition.py to the healthy guild share "
                  "(target_share) on a Western diet") if c_self > C_SELF_FLOOR else (
            "driven to the fit floor by calibration/guild_composition.py: this guild is "
            "substrate-limited below its share, so its self-limitation is negligible and the "
            "value immaterial")
        params.append(Parameter(
            f"c_self_{g.name}", c_self, "L/g/d", source, 0.0, 10.0,
            f"self-limitation of {g.name} (niche crowding, phage; Stein 2013 M_ii < 0)"))
        params.append(Parameter(f"abx_{g.name}", 0.0, "1/d", "scenario input (antibiotic "
                                "class susceptibility × course)", 0.0, 20.0,
                                f"antibiotic kill rate of {g.name}", "input"))
        extra = ""
        if g.name in ("lactobacillus", "bifidobacterium"):
            extra = f" - s_lacto_stress*perceived_stress_micro*B_{g.name}"
        if g.name == "lactobacillus":
            extra += " + probiotic_lacto_in - lacto_exchange"
        if g.name == "bifidobacterium":
            extra += " + probiotic_bifido_in"
        asg.append(Assignment(f"growth_{g.name}", " + ".join(growth[g.name]), "g/L/d",
                              f"biomass formed by {g.name}"))
        cap = SPECIES_CAPACITY[g.name]
        params.append(Parameter(f"species_capacity_{g.name}", cap, "species", SPECIES_SOURCE,
                                max(1.0, cap / 3), cap * 3,
                                f"species of {g.name} one adult colon can hold (niches)"))
        params.append(Parameter(f"fmt_species_{g.name}", 0.0, "species/d", "scenario input "
                                "(FMT: the donor's species of this guild times engraftment, "
                                "over one day)", 0.0, 1e4,
                                f"species of {g.name} arriving with a faecal transplant",
                                "input"))
        params.append(Parameter(f"fmt_ceiling_{g.name}", cap, "species", "scenario input "
                                "(FMT: the guild's capacity for a foreign donor, the banked "
                                "richness for an autologous one, whose species are the "
                                "recipient's own)", 0.0, 1e4,
                                f"richness of {g.name} a transplant can bring the guild to",
                                "input"))
        # niche crowding per species: each species is held by its own niche (phage,
        # specialised substrates), so the guild's self-limitation c B^2 is spread over its
        # species, c B^2 K / R: fewer species carry less biomass, none carry none
        asg.append(Assignment(f"crowding_{g.name}", f"c_self_{g.name}*B_{g.name}**2"
                              f"*species_capacity_{g.name}/(R_{g.name} + 0.01)", "g/L/d",
                              f"self-limitation of {g.name} spread over its species"))
        # species below viable population size: with a log-logistic species abundance
        # distribution of shape 1 around the mean population B/R, the share of species
        # below m is m R / (m R + B); deep knock-downs (antibiotics, starvation, pH) raise it
        asg.append(Assignment(f"species_low_{g.name}", f"m_viable*R_{g.name}/(m_viable"
                              f"*(R_{g.name} + 1e-20) + B_{g.name})", "1",
                              f"share of {g.name} species below viable population size"))
        arrive = f"species_influx*{_fmt(cap)}"
        if g.name == "lactobacillus":
            arrive += (" + probiotic_strain_rate*probiotic_lacto_cfu/(probiotic_lacto_cfu"
                       " + K_probiotic_strain)")
        if g.name == "bifidobacterium":
            arrive += (" + probiotic_strain_rate*probiotic_bifido_cfu/(probiotic_bifido_cfu"
                       " + K_probiotic_strain)")
        species.append(Species(
            f"B_{g.name}", 1.0 * share * 30, "g/L", f"biomass of {g.name} ({g.examples})",
            f"growth_{g.name} - (D_wash + abx_{g.name})*B_{g.name} - crowding_{g.name}"
            f" + {_fmt(share)}*microbial_exposure*imm_total{extra}"))
        # spore-formers survive a crash as dormant spores (resistant to antibiotics and
        # starvation), so their species are rarely lost
        spores = "*(1 - spore_survival)" if g.name == "spore_formers" else ""
        species.append(Species(
            f"R_{g.name}", 0.8 * cap, "species", f"species of {g.name} present in the colon "
            "(detected or not): they leave by extinction and come back only by immigration",
            f"({arrive})*(1 - R_{g.name}/species_capacity_{g.name})"
            f" + fmt_species_{g.name}*(1 - R_{g.name}/(fmt_ceiling_{g.name} + 1e-9))"
            f" - k_extinct{spores}*R_{g.name}*species_low_{g.name}", slow=True))
        asg.append(Assignment(f"share_{g.name}", f"B_{g.name}/biomass_total", "1",
                              f"relative abundance of {g.name}"))
        # detection: a species is sequenced when its relative abundance exceeds the
        # detection limit; with the same abundance distribution (typical within-guild share
        # 1/R), the detected share of the guild's species is p / (p + limit R)
        asg.append(Assignment(f"detected_{g.name}", f"R_{g.name}*share_{g.name}/(share_"
                              f"{g.name} + detection_limit*R_{g.name} + 1e-12)", "species",
                              f"species of {g.name} detected in a faecal sample"))
        obs.append(Observable(f"guild_{g.name}", f"share_{g.name}", "1",
                              f"relative abundance of {g.name} ({g.examples})"))
        obs.append(Observable(f"richness_{g.name}", f"detected_{g.name}", "species",
                              f"species of {g.name} detected in a faecal sample"))

    asg.append(Assignment("lacto_exchange", "k_lacto_adhere*B_lactobacillus"
                          " - k_lacto_shed*lacto_mucosal", "g/L/d",
                          "net adhesion of luminal lactobacilli to the mucosa"))
    species.append(Species(
        "lacto_mucosal", 0.0, "g/L", "mucosa-adherent lactobacilli (per litre of colon content;"
        " not in faeces, not growing: a slow reservoir that sheds into the lumen)",
        "lacto_exchange - abx_lactobacillus*lacto_mucosal"))
    mm = MOLAR_MASS
    species += [
        Species("acetate", 60.0, "mM", "colonic acetate",
                f"(P_ac - acetate_use)*{_fmt(1000 / mm['ac'])} - (D_wash + a_Z)*acetate"),
        Species("propionate", 20.0, "mM", "colonic propionate (incl. succinate)",
                f"P_pr*{_fmt(1000 / mm['pr'])} - (D_wash + a_Z)*propionate"),
        Species("butyrate", 20.0, "mM", "colonic butyrate",
                f"P_bu*{_fmt(1000 / mm['bu'])} - (D_wash + a_Z)*butyrate"),
    ]
    crowding = " + ".join(f"crowding_{g.name}" for g in GUILDS)
    asg.append(Assignment("crowding_loss", crowding, "g/L/d",
                          "biomass lost to self-limitation (dead cells; not recycled as "
                          "substrate, so it leaves with faeces)"))
    shannon = " + ".join(f"-share_{g.name}*log(share_{g.name} + 1e-12)" for g in GUILDS)
    asg.append(Assignment("shannon_guild_index", shannon, "nats",
                          "Shannon diversity over guilds"))
    # within-guild unevenness under antibiotics: the species of a guild are killed at
    # different rates (abx_kill_cv), so their log-abundances spread; each species' own niche
    # (its share of the guild's substrates: polysaccharide utilisation loci are species-
    # specific, Sonnenburg et al. 2010 Cell 141:1241; plus its crowding) pulls it back at the
    # population's turnover rate, washout plus crowding (>= 0.8 /d, so the spread is taken
    # quasi-steady: it follows a course within about a day). A log-normal spread s lowers a
    # community's Shannon index by s^2/2 (to first order); the saturating form keeps the
    # within-guild index positive when one resistant species takes over its guild.
    for g in GUILDS:
        asg.append(Assignment(
            f"abx_spread_{g.name}", f"abx_kill_cv*abx_{g.name}/(D_wash + c_self_{g.name}"
            f"*B_{g.name}*species_capacity_{g.name}/(R_{g.name} + 0.01))", "1",
            f"SD of the log-abundances of {g.name}'s species added by an antibiotic's uneven "
            "kill"))
        asg.append(Assignment(
            f"shannon_within_{g.name}", f"evenness_within*log(1 + detected_{g.name})"
            f"*exp(-abx_spread_{g.name}**2/(2*evenness_within*log(1 + detected_{g.name})"
            " + 1e-12))", "nats", f"Shannon index among {g.name}'s detected species"))
    within = " + ".join(f"share_{g.name}*shannon_within_{g.name}" for g in GUILDS)
    asg.append(Assignment("shannon_index", f"shannon_guild_index + {within}",
                          "nats", "species-level Shannon diversity: the guild index plus each "
                          "guild's within-guild index (evenness x log detected species, less "
                          "an antibiotic's uneven kill), weighted by the guild's share "
                          "(Shannon's grouping property)"))
    asg.append(Assignment("richness_detected", " + ".join(f"detected_{g.name}" for g in GUILDS),
                          "species", "species detected in a faecal sample"))
    asg.append(Assignment("lactate_mM", f"S_lac*{_fmt(1000 / mm['lac'])}", "mM",
                          "colonic lactate"))
    obs += [
        Observable("acetate", "acetate", "mM", "colonic acetate"),
        Observable("propionate", "propionate", "mM", "colonic propionate"),
        Observable("butyrate", "butyrate", "mM", "colonic butyrate"),
        Observable("lactate", "lactate_mM", "mM", "colonic lactate (quasi-steady)"),
        Observable("colon_ph", "colon_ph_s", "pH", "colonic pH from total SCFA"),
        Observable("shannon", "shannon_index", "nats", "species-level Shannon diversity "
                   "(guild index + within-guild terms; comparable with species-level "
                   "sequencing)"),
        Observable("shannon_guilds", "shannon_guild_index", "nats",
                   "Shannon diversity over the 14 guilds (at most ln 14 = 2.64)"),
        Observable("richness", "richness_detected", "species",
                   "observed species richness (species above the detection limit)"),
        Observable("biomass", "biomass_total", "g/L", "total microbial biomass"),
        Observable("faecal_bacteria", "V_colon*(D_wash*biomass_total + crowding_loss)", "g/d",
                   "bacterial dry mass leaving in faeces, live (washout) and dead (crowding "
                   "losses); faecal bacteria are ~half dead or damaged (Ben-Amor et al. 2005 "
                   "Appl Environ Microbiol 71:4679)"),
        Observable("scfa_production", f"(P_ac - acetate_use)*{_fmt(1000 / mm['ac'])}*V_colon + "
                   f"P_pr*{_fmt(1000 / mm['pr'])}*V_colon + P_bu*{_fmt(1000 / mm['bu'])}"
                   "*V_colon", "mmol/d", "net SCFA production"),
    ]
    return Module("microbiota", "Microbial guilds, fermentation, SCFA and colonic pH",
                  tuple(params), tuple(species), tuple(asg), tuple(obs))


MODULE = _build()
