"""Module 4 — gut barrier and LPS translocation (DESIGN §3.1.4).

Barrier integrity (0–1) relaxes with epithelial turnover towards a target set by butyrate
(saturating then declining at high dose, Peng et al. 2009), mucus (Akkermansia), TNF, stress and
protein-fermentation products. Plasma endotoxin is expressed as an i.v.-dose equivalent in
ng/kg so that the Windoloski 2024 immune model (calibrated on 2 ng/kg boluses) applies as is.

Brain → gut arm: stress-driven CRH activates mucosal mast cells within minutes to hours and
opens tight junctions (Vanuytsel et al. 2014 Gut 63:1293: public speaking doubled small-
intestinal lactulose/mannitol permeability in those whose cortisol rose; peripheral CRH raised
it 1.5-fold; a mast-cell stabiliser blocked both). A fast mast-cell state multiplies the
paracellular permeability of the slowly renewing epithelium. CRH also speeds colonic transit
(CRH-R1; Fukudo 1998 Gut 42:845), which raises washout of the colon content, so sustained stress
reaches the community through a host pathway.

Measurement: ``lps_plasma`` is the TLR4-active endotoxin as an i.v.-equivalent concentration;
``lps_assay`` is what a Limulus (LAL) assay reports, in EU/mL: it also counts the
lipopolysaccharide of commensal Gram-negatives (LAL-reactive, far less TLR4-active) and
lipoprotein-bound LPS, so healthy plasma reads ~0.1 EU/mL (Nádházi 1998: 0.128 +- 0.215 EU/mL in
116 donors) though its TLR4 activity equals ~0.2 pg/mL of E. coli LPS.
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
    Parameter("k_translocation", 2.0, "ng/kg/d per g/L", "set so that baseline endotoxin "
              "adds ~1 pg/mL IL-6 (healthy IL-6 ~1.5 pg/mL; Cani 2007)", 0.0, 20.0,
              "LPS translocation per unit Gram-negative load at full permeability"),
    Parameter("fat_lps_gain", 0.01, "1/(g/d)", "high-fat diet raises plasma LPS 2-3x via "
              "chylomicrons (Cani 2007 Diabetes 56:1761); assumed", 0.0, 0.05,
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
    # brain -> gut arm
    Parameter("k_mast", 24.0, "1/d", "mast-cell mediators (tryptase, histamine) rise within "
              "minutes and are cleared within 1-2 h (Vanuytsel 2014: the 2-h permeability test "
              "started with the stressor); assumed", 4.0, 100.0,
              "mast-cell activation relaxation rate"),
    Parameter("K_mast_crh", 3.0, "1", "assumed (with p_mast, which is fitted): a public-speech "
              "stressor (CRH drive x ~20 "
              "for 30 min) doubles 2-h permeability (Vanuytsel 2014: 0.030 -> 0.059), while "
              "everyday chronic stress (drive x 1.1-1.5) adds little", 0.5, 20.0,
              "stress-driven CRH excess giving half-maximal mast-cell activation (Hill n = 2)"),
    Parameter("p_mast", 5.0, "1", "calibrated: host-barrier.stress.permeability-2h "
              "(calibration/fit.py stress_permeability): Vanuytsel 2014 public speech 0.059 vs "
              "0.030 lactulose/mannitol (x 2.0) in the 2 h after the stressor's start; the "
              "mast-cell state is at its peak for only part of those 2 h", 0.0, 10.0,
              "relative rise of paracellular permeability at full mast-cell activation"),
    Parameter("k_transit_crh", 0.1, "1", "CRH accelerates colonic transit via CRH-R1 (Fukudo "
              "1998 Gut 42:845; Taché & Perdue 2004 Neurogastroenterol Motil 16:137); assumed "
              "small: chronic stress 0.8 shortens transit ~10 %", 0.0, 0.5,
              "relative rise of colonic washout per unit stress-driven CRH excess"),
    Parameter("stress_ref", 0.1, "1", "everyday hassles (the default stress_level): the "
              "transit of the reference person", 0.0, 0.5,
              "perceived stress at which colonic transit is the person's own transit_d"),
    Parameter("leak_ref", 0.204, "1", "paracellular leak of the healthy_adult (model baseline; "
              "normalises intestinal_permeability)", 0.01, 1.0, "reference leak"),
    Parameter("lal_commensal", 0.5, "1", "assumed: penta-acylated Bacteroides lipid A is "
              "LAL-reactive though ~20x less TLR4-active (Vatanen 2016; d'Hennezel 2017 "
              "mSystems 2:e00046)", 0.05, 1.0,
              "LAL reactivity of commensal (Bacteroides/Akkermansia) LPS relative to E. coli"),
    Parameter("eu_baseline", 0.13, "EU/mL", "healthy plasma LAL endotoxin 0.128 +- 0.215 EU/mL "
              "(Nádházi et al. 1998 Orv Hetil 139:2889, 116 donors)", 0.01, 1.0,
              "assay endotoxin of the healthy reference person"),
    Parameter("eu_per_ng", 10.0, "EU/ng", "US reference standard endotoxin: 10 EU per ng "
              "(FDA 2012 guidance on pyrogen and endotoxins testing)", 5.0, 20.0,
              "LAL units per ng of E. coli reference LPS"),
    Parameter("lal_load_ref", 0.636, "g/L", "reference LAL-reactive Gram-negative load x "
              "permeability of the healthy_adult (model baseline; scales eu_baseline)", 0.001,
              1.0, "LAL-reactive translocating load of the reference person"),
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
    Assignment("crh_stress_excess", "k_stress_hpa*stress_total + k_lab_hpa*lab_stress", "1",
               "stress-driven rise of the CRH drive (relative; as in the HPA module)"),
    Assignment("permeability_factor", "1 + p_mast*mast_activation", "1",
               "fast (mast-cell) opening of tight junctions"),
    Assignment("leak", "(1 - barrier)*permeability_factor", "1",
               "paracellular leak (slow epithelial integrity x fast tight-junction opening)"),
    Assignment("transit_stress_factor",
               "1 + k_transit_crh*k_stress_hpa*(stress_total - stress_ref)", "1",
               "CRH acceleration of colonic washout by sustained stress (1 at everyday stress)"),
    Assignment("lps_translocation",
               "k_translocation*gram_negative_load*leak*(1 + fat_lps_gain*fat_g)",
               "ng/kg/d", "endotoxin crossing the barrier"),
    Assignment("lal_load", "(B_enterobacteriaceae + lal_commensal*(B_bacteroides + "
               "B_akkermansia))*leak*(1 + fat_lps_gain*fat_g)", "g/L",
               "LAL-reactive Gram-negative load crossing the barrier"),
)

species = (
    Species("barrier", 0.9, "1", "gut barrier integrity (1 = intact)",
            "k_barrier*(barrier_target - barrier)"),
    Species("mast_activation", 0.0, "1", "mucosal mast-cell activation by stress-driven CRH "
            "(0-1)", "k_mast*(crh_stress_excess**2/(crh_stress_excess**2 + K_mast_crh**2)"
            " - mast_activation)"),
    Species("endotoxin", 0.005, "ng/kg", "plasma endotoxin as i.v.-dose equivalent",
            "lps_translocation + lps_infusion - kE*endotoxin"),
)

observables = (
    Observable("barrier_integrity", "1 - leak", "1",
               "gut barrier integrity (0-1): epithelial integrity less the fast, stress-driven "
               "tight-junction opening"),
    Observable("intestinal_permeability", "leak/leak_ref", "1 (healthy = 1)",
               "paracellular permeability relative to the healthy reference (what a "
               "lactulose/mannitol ratio tracks)"),
    Observable("lps_plasma", "endotoxin*body_mass/plasma_volume", "pg/mL",
               "plasma endotoxin (TLR4-active, i.v.-equivalent concentration)"),
    Observable("lps_assay", "eu_baseline*lal_load/lal_load_ref"
               " + eu_per_ng*endotoxin*body_mass/plasma_volume/1000", "EU/mL",
               "plasma endotoxin as a LAL assay reports it (measurement model: LAL-reactive "
               "commensal and bound LPS plus active endotoxin; healthy ~0.13 EU/mL)"),
)

MODULE = Module("barrier", "Gut barrier and LPS translocation", parameters, species,
                assignments, observables)
