"""Module 4 — gut barrier and LPS translocation (DESIGN §3.1.4).

Barrier integrity (0–1) relaxes with epithelial turnover towards a target set by butyrate
(saturating then declining at high dose, Peng et al. 2009), mucus (Akkermansia), TNF, stress and
protein-fermentation products. Plasma endotoxin is expressed as an i.v.-dose equivalent in
ng/kg so that the Windoloski 2024 immune model (calibrated on 2 ng/kg boluses) applies as is.
"""

from gutbrain.model.spec import Assignment, Module, Observable, Parameter, Species

parameters = (
    Parameter("k_barrier", 0.5, "1/d", "epithelial renewal every 3-5 d (Barker 2014 Nat Rev Mol "
              "Cell Biol); tight junctions faster", 0.1, 5.0, "barrier relaxation rate"),
    Parameter("bu_colonocyte_frac", 0.05, "1", "assumed: colonocytes oxidise butyrate, so "
              "luminal 20-60 mM → 1-3 mM at the crypt (Kaiko 2016 Cell 165:1708; Peng 2009 "
              "optimum 2 mM)", 0.01, 1.0,
              "colonocyte-facing share of luminal butyrate"),
    Parameter("K_bu_barrier", 1.0, "mM", "Peng et al. 2009 J Nutr 139:1619 (TJ assembly at "
              "~2 mM)", 0.2, 5.0, "colonocyte butyrate giving half-maximal barrier support"),
    Parameter("K_bu_toxic", 8.0, "mM", "Peng 2009: 8 mM lowers TER (apoptosis)", 3.0, 20.0,
              "colonocyte butyrate at which the barrier support halves again"),
    Parameter("barrier_base", 0.6, "1", "assumed: germ-free/low-SCFA barrier still largely "
              "intact", 0.0, 2.0, "barrier support without butyrate"),
    Parameter("barrier_akk", 0.3, "1", "Akkermansia restores mucus thickness (Everard 2013 "
              "PNAS 110:9066); assumed", 0.0, 1.0, "barrier support from Akkermansia"),
    Parameter("K_akk", 0.02, "1", "assumed: half effect at 2% relative abundance", 0.001,
              0.2, "Akkermansia share giving half its barrier support"),
    Parameter("barrier_harm_tnf", 0.02, "1/(pg/mL)", "TNF opens tight junctions (Ma 2004 Am J "
              "Physiol); assumed: TNF 50 pg/mL halves integrity", 0.0, 0.2,
              "barrier harm per pg/mL TNF"),
    Parameter("barrier_harm_stress", 0.4, "1", "psychological stress raises permeability via "
              "CRH/mast cells (Vanuytsel 2014 Gut 63:1293); assumed", 0.0, 2.0,
              "barrier harm per unit perceived stress"),
    Parameter("barrier_harm_protein", 0.005, "L*d/g", "protein fermentation products (phenols, "
              "H2S, NH3) impair barrier (Windey 2012 Mol Nutr Food Res); calibrated", 0.0, 0.05,
              "barrier harm per g/L/d protein fermented"),
    Parameter("barrier_bu_max", 2.0, "1", "assumed: healthy integrity ~0.85 with ~2 mM "
              "colonocyte butyrate", 0.5, 5.0, "maximal barrier support from butyrate"),
    Parameter("barrier_wear", 0.1, "1", "assumed: baseline wear (shear, bile, turnover)",
              0.01, 1.0, "damage present in every gut"),
    Parameter("k_translocation", 2.0, "ng/kg/d per g/L", "calibrated: baseline endotoxin "
              "adds ~1 pg/mL IL-6 (healthy IL-6 ~1.5 pg/mL; Cani 2007)", 0.0, 20.0,
              "LPS translocation per unit Gram-negative load at full permeability"),
    Parameter("fat_lps_gain", 0.01, "1/(g/d)", "high-fat diet raises plasma LPS 2-3x via "
              "chylomicrons (Cani 2007 Diabetes 56:1761); calibrated", 0.0, 0.05,
              "relative increase of LPS absorption per g/d dietary fat"),
    Parameter("lps_potency_commensal", 0.05, "1", "Bacteroides lipid A is far less "
              "TLR4-active than E. coli's (Vatanen 2016 Cell 165:842); assumed", 0.0, 0.5,
              "endotoxic potency of Bacteroides/Akkermansia LPS relative to Enterobacteriaceae"),
    Parameter("kE", 24.24, "1/d", "Windoloski 2024 kE = 1.01 /h", 5.0, 100.0,
              "plasma endotoxin clearance"),
    Parameter("lps_infusion", 0.0, "ng/kg/d", "scenario input (endotoxin infusion)", 0.0, 1e3,
              "endotoxin infusion rate", "input"),
    Parameter("body_mass", 70.0, "kg", "reference adult", 40.0, 150.0, "body mass", "trait"),
    Parameter("plasma_volume", 3.0, "L", "adult plasma volume ~3 L", 2.0, 5.0,
              "plasma volume"),
)

assignments = (
    Assignment("bu_colonocyte", "bu_colonocyte_frac*butyrate", "mM",
               "butyrate at the colonocytes"),
    Assignment("barrier_support",
               "barrier_base + bu_colonocyte/(K_bu_barrier + bu_colonocyte)"
               "/(1 + (bu_colonocyte/K_bu_toxic)**2)*barrier_bu_max"
               " + barrier_akk*guild_akk/(K_akk + guild_akk)", "1",
               "support of tight junctions and mucus (biphasic in butyrate)"),
    Assignment("guild_akk", "B_akkermansia/biomass_total", "1", "Akkermansia share"),
    Assignment("barrier_harm",
               "barrier_harm_tnf*tnf + barrier_harm_stress*stress_total"
               " + barrier_harm_protein*U_protein_total", "1", "damage to the barrier"),
    Assignment("U_protein_total", "U_bacteroides_protein + U_enterobacteriaceae_protein"
               " + U_spore_formers_protein", "g/L/d", "protein fermented"),
    Assignment("barrier_target",
               "barrier_support/(barrier_support + barrier_wear + barrier_harm)", "1",
               "integrity the epithelium relaxes to"),
    Assignment("gram_negative_load",
               "B_enterobacteriaceae + lps_potency_commensal*(B_bacteroides + B_akkermansia)",
               "g/L",
               "potency-weighted Gram-negative biomass (Bacteroides/Akkermansia lipid A is "
               "~20x less TLR4-active: Vatanen 2016 Cell 165:842)"),
    Assignment("lps_translocation",
               "k_translocation*gram_negative_load*(1 - barrier)*(1 + fat_lps_gain*fat_g)",
               "ng/kg/d", "endotoxin crossing the barrier"),
)

species = (
    Species("barrier", 0.9, "1", "gut barrier integrity (1 = intact)",
            "k_barrier*(barrier_target - barrier)"),
    Species("endotoxin", 0.005, "ng/kg", "plasma endotoxin as i.v.-dose equivalent",
            "lps_translocation + lps_infusion - kE*endotoxin"),
)

observables = (
    Observable("barrier_integrity", "barrier", "1", "gut barrier integrity (0-1)"),
    Observable("lps_plasma", "endotoxin*body_mass/plasma_volume", "pg/mL",
               "plasma endotoxin (i.v.-equivalent concentration)"),
)

MODULE = Module("barrier", "Gut barrier and LPS translocation", parameters, species,
                assignments, observables)
