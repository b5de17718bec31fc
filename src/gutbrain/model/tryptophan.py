"""Module 7 — tryptophan → gut and brain serotonin vs kynurenine (DESIGN §3.1.7).

Plasma tryptophan is fed by the diet and consumed by hepatic TDO (induced by cortisol),
extra-hepatic IDO (induced by inflammation and IFN-α), enterochromaffin TPH1 (stimulated by
SCFA and spore-forming Clostridia) and net protein/other use. Fluxes are sized so that ~90% of
non-protein catabolism runs through the kynurenine pathway and ~2% to serotonin (Badawy 2017;
Stavrum 2013 gives 99%/0.2% in liver). Brain serotonin is homeostatic in plasma Trp (Best et al.
2010): TPH2 is near-saturated and autoreceptors compress the rest (square-root response).
Depression lowers Trp through poorer intake, not through a forced high K/T (Almulla 2022): with
TDO activated by its substrate, a lower Trp lowers hepatic TDO activity, which offsets the
cortisol induction of TDO in the K/T ratio.
"""

from gutbrain.model.spec import Assignment, Module, Observable, Parameter, Species

parameters = (
    Parameter("V_trp", 40.0, "L", "calibrated: plasma Trp ~60 uM at 1 g/d intake "
              "(Badawy 2017 Int J Tryptophan Res)", 10.0, 100.0,
              "distribution volume of free+bound tryptophan turnover"),
    Parameter("k_tdo", 1.84, "1/d", "calibrated: ~90% of Trp catabolism via hepatic TDO "
              "(Badawy 2017); Trp returns to baseline within ~8 h of a load", 0.5, 5.0,
              "TDO clearance of tryptophan"),
    Parameter("a_tdo", 0.3, "1", "glucocorticoids induce TDO (Knox 1951; Badawy 2017); "
              "calibrated", 0.0, 1.0, "TDO induction per unit excess relative cortisol"),
    Parameter("n_tdo_trp", 1.0, "1", "substrate activation and stabilisation of TDO by Trp "
              "(heme saturation of the apoenzyme; Badawy 2017 Int J Tryptophan Res 10:1): "
              "hepatic activity scales with plasma Trp", 0.0, 2.0,
              "exponent of TDO activation by plasma tryptophan"),
    Parameter("trp_intake_rel", 1.0, "1", "trait; 1 = the diet's Trp intake. Higher Trp intake "
              "goes with fewer depressive symptoms (Lieberman, Agarwal & Fulgoni 2016 J Nutr "
              "146:2609S); appetite loss is a depressive symptom (DSM-5)", 0.5, 1.5,
              "person's tryptophan intake relative to their diet pattern", "trait"),
    Parameter("k_ido", 0.06, "1/d", "calibrated: IDO ~3% of catabolism at rest", 0.0, 0.5,
              "basal IDO clearance of tryptophan"),
    Parameter("a_ido", 1.5, "1", "calibrated: endotoxin raises K/T by tens of % within 6 h "
              "(Kruse 2019 Brain Behav Immun)", 0.0, 50.0, "maximal IDO induction by IL-6/TNF"),
    Parameter("K_ido6", 100.0, "pg/mL", "calibrated with a_ido", 5.0, 1000.0,
              "IL-6 giving half-maximal IDO induction"),
    Parameter("a_ido_ifn", 6.0, "1", "IFN-α raises plasma Kyn and K/T (Raison 2010 Mol "
              "Psychiatry 15:393); calibrated: K/T roughly doubles", 0.0, 100.0,
              "maximal IDO induction by IFN-α"),
    Parameter("k_tph_gut", 0.04, "1/d", "1-3% of Trp to serotonin (Badawy 2017), ~90% of it in "
              "the gut (Gershon & Tack 2007)", 0.005, 0.2, "enterochromaffin TPH1 clearance"),
    Parameter("k_trp_other", 0.1, "1/d", "net protein accretion and minor pathways "
              "(assumed)", 0.0, 0.5, "other tryptophan use"),
    Parameter("f_tdo_export", 0.1, "1", "calibrated: plasma Kyn 1.8 uM, K/T ~30 umol/mmol; "
              "most hepatic Kyn is degraded in the liver (Stavrum 2013)", 0.02, 0.6,
              "share of hepatic kynurenine exported to plasma"),
    Parameter("k_kyn", 8.1, "1/d", "calibrated: plasma Kyn 1.3-2.5 uM", 2.0, 30.0,
              "plasma kynurenine clearance"),
    Parameter("ec_base", 0.5, "1", "germ-free colon keeps ~49% of 5-HT (Reigstad 2015 FASEB J:"
              " 17 vs 35 ng/mg)", 0.2, 0.8, "microbe-independent EC-cell TPH1 drive"),
    Parameter("ec_scfa", 0.25, "1", "SCFA induce TPH1 (Reigstad 2015)", 0.0, 0.6,
              "SCFA-dependent TPH1 drive at reference SCFA"),
    Parameter("ec_spore", 0.25, "1", "spore-forming Clostridia restore colonic 5-HT (Yano "
              "2015 Cell 161:264)", 0.0, 0.6, "spore-former-dependent TPH1 drive"),
    Parameter("tscfa_ref", 100.0, "mM", "healthy proximal colon TSCFA ~100-120 mM "
              "(Cummings 1987)", 50.0, 150.0, "reference total SCFA"),
    Parameter("spore_ref", 0.36, "1", "healthy share of spore-forming Clostridia (guild "
              "calibration target)", 0.05, 0.5, "reference spore-former share"),
    Parameter("k_ec", 2.0, "1/d", "EC 5-HT stores turn over in ~half a day (assumed)", 0.5,
              10.0, "gut serotonin turnover"),
    Parameter("tph2_rel", 0.1, "1", "brain (TPH2) serotonin synthesis ~10 % of enterochromaffin "
              "(TPH1) synthesis in a conventional gut: ~90 % of body serotonin is made by EC "
              "cells (Gershon & Tack 2007 Gastroenterology 132:397)", 0.03, 0.3,
              "brain serotonin synthesis relative to healthy gut synthesis"),
    Parameter("trp_ref", 60.0, "uM", "plasma total Trp 50-80 uM (Badawy 2017)", 40.0, 90.0,
              "reference plasma tryptophan"),
    Parameter("kyn_ref", 1.8, "uM", "plasma Kyn 1.3-2.5 uM", 1.0, 3.0, "reference kynurenine"),
    Parameter("K_bbb", 15.0, "uM", "calibrated: +-50% plasma Trp moves brain 5-HT < 10% "
              "(Best et al. 2010)", 5.0, 60.0, "Trp half-saturating brain uptake+TPH2"),
    Parameter("k_sb", 4.0, "1/d", "acute Trp depletion lowers mood within 5-7 h (Young 1985);"
              " assumed", 0.5, 20.0, "brain serotonin relaxation rate"),
    Parameter("a_5ht_inflam", 0.3, "1", "cytokines up-regulate SERT and divert Trp (Miller "
              "2013); assumed", 0.0, 2.0, "brain 5-HT loss per unit neuroinflammation"),
    Parameter("k_atd", 18.1, "1/d", "calibrated: host-tryptophan.atd.plasma-trp-fall "
              "(calibration/fit.py tryptophan_depletion): an amino-acid drink without Trp "
              "lowers plasma Trp 70-90% within 5-7 h (Young 1985; Moore 2000)", 1.0, 50.0,
              "Trp removal by protein synthesis after a depletion drink"),
    Parameter("k_atd_decay", 3.0, "1/d", "plasma Trp recovers within ~1 day (Moore 2000)", 0.5,
              10.0, "decay of the depletion load"),
    Parameter("lnaa_competition", 2.0, "1", "large neutral amino acids in the drink compete at "
              "the BBB (Fernstrom 2013)", 0.0, 10.0, "BBB competition per unit depletion load"),
)

assignments = (
    Assignment("trp_intake", "trp_intake_rel*tryptophan_mg/204.23*1000/V_trp", "uM/d",
               "dietary tryptophan appearance (Trp 204.23 g/mol)"),
    Assignment("tdo_rate", "k_tdo*(1 + a_tdo*(cort_avg - 1))*(trp/trp_ref)**n_tdo_trp",
               "1/d", "TDO activity (induced by day-averaged cortisol, activated by its "
               "substrate)"),
    Assignment("ido_rate", "k_ido*(1 + a_ido*il6/(il6 + K_ido6) + a_ido_ifn*ifn_effect)", "1/d",
               "IDO activity"),
    Assignment("spore_share", "B_spore_formers/biomass_total", "1", "spore-former share"),
    Assignment("ec_drive", "(ec_base + ec_scfa*tscfa/tscfa_ref + ec_spore*spore_share/spore_ref)"
               "/(ec_base + ec_scfa + ec_spore)", "1", "enterochromaffin TPH1 drive"),
    Assignment("brain_trp_uptake", "trp/(trp + K_bbb*(1 + lnaa_competition*trp_depletion))",
               "1", "brain Trp uptake and TPH2 saturation"),
    Assignment("brain_trp_uptake_ref", "trp_ref/(trp_ref + K_bbb)", "1", "reference uptake"),
    Assignment("kt_ratio", "kyn/trp*1000", "umol/mmol", "kynurenine/tryptophan ratio"),
    Assignment("quin_rel", "kyn/kyn_ref*neuroinflammation", "1",
               "brain quinolinic acid (microglial KMO × kynurenine) relative to healthy"),
)

species = (
    Species("trp", 60.0, "uM", "plasma total tryptophan",
            "trp_intake - (tdo_rate + ido_rate + k_tph_gut*ec_drive + k_trp_other"
            " + k_atd*trp_depletion)*trp"),
    Species("kyn", 1.8, "uM", "plasma kynurenine",
            "(f_tdo_export*tdo_rate + ido_rate)*trp - k_kyn*kyn"),
    Species("serotonin_gut_rel", 1.0, "1", "colonic EC-cell serotonin relative to healthy",
            "k_ec*(ec_drive*trp/trp_ref - serotonin_gut_rel)"),
    Species("serotonin_brain_rel", 1.0, "1", "brain extracellular serotonin relative to healthy",
            "k_sb*(sqrt(brain_trp_uptake/brain_trp_uptake_ref)"
            "*exp(-a_5ht_inflam*(neuroinflammation - 1)) - serotonin_brain_rel)"),
    Species("trp_depletion", 0.0, "1", "load of an acute tryptophan-depletion drink",
            "-k_atd_decay*trp_depletion"),
)

observables = (
    Observable("trp_plasma", "trp", "uM", "plasma total tryptophan"),
    Observable("kyn_plasma", "kyn", "uM", "plasma kynurenine"),
    Observable("kt_ratio", "kt_ratio", "umol/mmol", "kynurenine/tryptophan ratio"),
    Observable("serotonin_gut", "serotonin_gut_rel", "1 (healthy = 1)",
               "colonic serotonin (EC cells) relative to a healthy conventional gut"),
    Observable("serotonin_brain", "serotonin_brain_rel", "1 (healthy = 1)",
               "brain extracellular serotonin relative to healthy"),
    Observable("serotonin_gut_share", "ec_drive*trp/trp_ref/(ec_drive*trp/trp_ref"
               " + tph2_rel*brain_trp_uptake/brain_trp_uptake_ref)", "1",
               "gut share of body serotonin synthesis: EC (TPH1) synthesis, which depends on "
               "SCFA, spore-formers and plasma Trp, over EC plus brain (TPH2) synthesis; it "
               "falls without microbes as EC serotonin does (Yano 2015; Reigstad 2015)"),
)

MODULE = Module("tryptophan", "Tryptophan, kynurenine and serotonin", parameters, species,
                assignments, observables)
