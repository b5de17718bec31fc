"""Modules 8–9 — vagus nerve both ways, and brain and mood (DESIGN §3.1.8-9).

Vagal afferents carry gut serotonin, SCFA and Lactobacillus/Bifidobacterium signals to the
brainstem (Bravo et al. 2011: a Lactobacillus' effects on GABA receptors, corticosterone and
behaviour vanish after vagotomy). The afferent signal is normalised to 1 in the healthy state;
its gain ``vagal_afferent_gain`` = 0 is a vagotomy. Efferent vagal tone (an HRV-like index) rises
with mindfulness and exercise, falls with stress, and damps TNF through the spleen.

Mood: slow latent depression and anxiety states (0-1) relax towards a logistic function of
their drivers (neuroinflammation, brain serotonin, BDNF-like plasticity, stress, vagal/GABA
tone, cortisol). PHQ-9 = 27 × depression, GAD-7 = 21 × anxiety. Depression has a
self-reinforcing term (rumination) that makes episodes outlast their triggers.
"""

from gutbrain.model.spec import Assignment, Module, Observable, Parameter, Species

parameters = (
    # vagus
    Parameter("vagal_afferent_gain", 1.0, "1", "1 = intact; 0 = subdiaphragmatic vagotomy "
              "(Bravo 2011)", 0.0, 2.0, "gain of the gut→brain vagal afferent channel"),
    Parameter("w_aff_5ht", 0.4, "1", "EC-cell 5-HT activates vagal 5-HT3 afferents (Bellono "
              "2017 Cell 170:185); weights calibrated", 0.0, 1.0,
              "weight of gut serotonin in the afferent signal"),
    Parameter("w_aff_scfa", 0.3, "1", "SCFA activate vagal afferents via FFAR3 (Goswami "
              "2018)", 0.0, 1.0, "weight of SCFA in the afferent signal"),
    Parameter("w_aff_lacto", 0.3, "1", "Lactobacillus/Bifidobacterium act via the vagus "
              "(Bravo 2011; Bercik 2011); calibrated", 0.0, 1.0,
              "maximal afferent signal added by transient lactic-acid bacteria"),
    Parameter("K_lab_vagal", 0.008, "g/L", "calibrated: a 1e10 CFU/d probiotic gives about "
              "half-maximal signal (luminal ~7e-3 g/L at probiotic_survival 0.8); probiotic vs "
              "placebo d ~ -0.24 (Liu 2019)", 1e-4, 0.1,
              "transient lactic-acid bacteria giving half-maximal vagal signal"),
    Parameter("k_vagal", 1 / 14, "1/d", "HRV rises over 4-8 weeks of training (assumed)",
              0.01, 1.0, "efferent vagal tone relaxation rate"),
    Parameter("v_mind", 0.3, "1", "meditation raises HRV (Zou 2018); assumed", 0.0, 1.0,
              "maximal vagal tone gain from mindfulness"),
    Parameter("v_ex", 0.3, "1", "aerobic training raises HRV (Sandercock 2005); assumed",
              0.0, 1.0, "maximal vagal tone gain from exercise"),
    Parameter("v_stress", 0.4, "1", "chronic stress lowers HRV (Kim 2018 Psychiatry "
              "Investig); assumed", 0.0, 1.0, "vagal tone loss per unit perceived stress"),
    Parameter("vagal_stimulation", 0.0, "1", "scenario input (VNS, relative tone added)", 0.0,
              10.0, "electrical vagus-nerve stimulation", "input"),
    # neuroinflammation and plasticity
    Parameter("k_neuroinflam", 0.5, "1/d", "microglial activation persists days after "
              "endotoxin (assumed)", 0.05, 5.0, "neuroinflammation relaxation rate"),
    Parameter("n_il6", 1.0, "1", "calibrated: peripheral IL-6 signals to the brain (Dantzer "
              "2008)", 0.0, 5.0, "neuroinflammation gain of IL-6"),
    Parameter("K_n_il6", 5.0, "pg/mL", "assumed: MDD-range IL-6 (+1.8 pg/mL, Dowlati 2010) "
              "is felt centrally", 1.0, 500.0, "IL-6 half-saturation"),
    Parameter("n_tnf", 1.0, "1", "assumed: TNF signals to the brain (Dantzer 2008)", 0.0,
              5.0, "neuroinflammation gain of TNF"),
    Parameter("K_n_tnf", 40.0, "pg/mL", "assumed", 1.0, 500.0, "TNF half-saturation"),
    Parameter("n_ifn", 0.8, "1", "assumed: IFN-α causes major depression in ~30% of "
              "patients (Raison 2009), a moderate mean rise",
              0.0, 10.0, "neuroinflammation gain of IFN-α"),
    Parameter("il6_ref", 1.2, "pg/mL", "healthy reference IL-6 (model baseline)", 0.3, 5.0,
              "reference IL-6"),
    Parameter("tnf_ref", 9.1, "pg/mL", "healthy reference TNF (model baseline)", 2.0,
              20.0, "reference TNF"),
    Parameter("k_plasticity", 1 / 14, "1/d", "BDNF and spine density change over weeks "
              "(Duman 2006)", 0.01, 0.5, "plasticity relaxation rate"),
    Parameter("p_cort", 0.3, "1", "glucocorticoids suppress BDNF (Duman 2006); assumed",
              0.0, 2.0, "plasticity loss per unit excess cortisol"),
    Parameter("p_inflam", 0.3, "1", "calibrated", 0.0, 2.0,
              "plasticity loss per unit neuroinflammation"),
    Parameter("p_exercise", 0.1, "1", "exercise raises resting BDNF, g 0.27 (Szuhany 2015 J "
              "Psychiatr Res); calibrated: +150 min/week in depression gives g 1.1 (target "
              "clinical.exercise.depression, Cooney 2013; 0.2 gave 1.9)", 0.0, 1.0,
              "plasticity gain at 150 min/week"),
    Parameter("p_5ht", 0.3, "1", "serotonin supports plasticity (assumed)", 0.0, 2.0,
              "plasticity gain per unit brain 5-HT"),
    # mood
    Parameter("k_depression", 1 / 21, "1/d", "depressive symptoms change over weeks "
              "(placebo/antidepressant trajectories, Furukawa 2016)", 0.01, 0.3,
              "depression relaxation rate"),
    Parameter("k_anxiety", 1 / 10, "1/d", "anxiety symptoms change faster (assumed)", 0.02,
              0.5, "anxiety relaxation rate"),
    Parameter("vulnerability", 0.0, "1", "trait; 0 = average person", -3.0, 4.0,
              "person's depression vulnerability (shifts the set point)", "trait"),
    Parameter("anxiety_trait", 0.0, "1", "trait; 0 = average person", -3.0, 4.0,
              "person's trait anxiety", "trait"),
    Parameter("d0", -2.21, "1", "calibrated: brain.population.healthy-phq9, brain.population."
              "healthy-gad7 (calibration/fit.py mood_set_points): healthy PHQ-9 ~3 (Kocalevent "
              "2013)", -5.0, 0.0,
              "depression set point"),
    Parameter("d_inflam", 1.0, "1", "inflammation-depression link (Dowlati 2010; Osimo 2020);"
              " assumed", 0.0, 5.0, "depression drive per unit neuroinflammation"),
    Parameter("d_5ht", 2.0, "1", "assumed", 0.0, 10.0, "depression drive per unit 5-HT loss"),
    Parameter("d_plasticity", 2.0, "1", "calibrated", 0.0, 10.0,
              "depression drive per unit plasticity loss"),
    Parameter("d_stress", 1.5, "1", "chronic stress predicts depression (Hammen 2005); "
              "calibrated", 0.0, 5.0, "depression drive per unit perceived stress"),
    Parameter("d_vagal", 1.0, "1", "calibrated", 0.0, 5.0,
              "depression drive per unit loss of vagal afferent signal"),
    Parameter("d_self", 2.0, "1", "calibrated: rumination sustains episodes (< 4 keeps one "
              "stable state)", 0.0, 3.9, "self-reinforcement of depression"),
    Parameter("x0", -2.12, "1", "calibrated: brain.population.healthy-phq9, brain.population."
              "healthy-gad7 (calibration/fit.py mood_set_points): healthy GAD-7 ~3 (Löwe 2008)",
              -5.0, 0.0,
              "anxiety set point"),
    Parameter("x_cort", 0.3, "1", "calibrated", 0.0, 3.0, "anxiety drive per unit cortisol"),
    Parameter("x_stress", 2.0, "1", "calibrated", 0.0, 6.0,
              "anxiety drive per unit perceived stress"),
    Parameter("x_vagal", 1.3, "1", "vagal/GABAergic tone is anxiolytic (Bravo 2011); "
              "calibrated: probiotic anxiety g -0.19 in 1200 persons (target clinical.probiotic."
              "anxiety-depressed, Liu 2019 d -0.10)", 0.0, 5.0,
              "anxiety drive per unit loss of vagal afferent signal"),
    Parameter("x_inflam", 0.5, "1", "assumed", 0.0, 3.0,
              "anxiety drive per unit neuroinflammation"),
    Parameter("x_depression", 1.5, "1", "depression-anxiety comorbidity (calibrated)", 0.0,
              5.0, "anxiety drive per unit depression"),
    Parameter("tau_neurodeg", 365.0, "d", "index is a one-year running exposure", 30.0, 3650.0,
              "averaging time of the neurodegeneration-risk index"),
)

assignments = (
    Assignment("lab_transient", "B_lactobacillus + probiotic_bifido_in/D_wash", "g/L",
               "transient lactic-acid bacteria (lactobacilli, probiotic bifidobacteria)"),
    Assignment("lab_signal", "lab_transient/(lab_transient + K_lab_vagal)", "1",
               "vagal signal of transient lactic-acid bacteria (0-1)"),
    Assignment("vagal_afferent",
               "vagal_afferent_gain*((w_aff_5ht*serotonin_gut_rel"
               " + w_aff_scfa*2*tscfa/(tscfa + tscfa_ref))"
               "/(w_aff_5ht + w_aff_scfa) + w_aff_lacto*lab_signal)", "1",
               "gut→brain vagal afferent signal (~1 = healthy)"),
    Assignment("vagal_tone_target",
               "(1 + v_mind*mindfulness_min/(mindfulness_min + K_mind)"
               " + v_ex*exercise_min/(exercise_min + K_ex))*exp(-v_stress*stress_total)"
               " + vagal_stimulation", "1", "efferent tone the vagus adapts to"),
    Assignment("neuroinflam_target",
               "(1 + n_il6*il6/(il6 + K_n_il6) + n_tnf*tnf/(tnf + K_n_tnf) + n_ifn*ifn_effect)"
               "/(1 + n_il6*il6_ref/(il6_ref + K_n_il6) + n_tnf*tnf_ref/(tnf_ref + K_n_tnf))",
               "1", "microglial activation drive (1 = healthy)"),
    Assignment("plasticity_target",
               "exp(-p_cort*(cort_rel - 1) - p_inflam*(neuroinflammation - 1)"
               " + p_exercise*exercise_norm + p_5ht*(serotonin_brain_rel - 1))", "1",
               "BDNF-like plasticity set point"),
    Assignment("depression_drive",
               "d0 + vulnerability + d_inflam*(neuroinflammation - 1)"
               " + d_5ht*(1 - serotonin_brain_rel) + d_plasticity*(1 - plasticity)"
               " + d_stress*stress_total + d_vagal*(1 - vagal_afferent)"
               " + d_self*depression", "1", "logit of the depression set point"),
    Assignment("anxiety_drive",
               "x0 + anxiety_trait + x_cort*(cort_rel - 1) + x_stress*stress_total"
               " + x_vagal*(1 - vagal_afferent) + x_inflam*(neuroinflammation - 1)"
               " + x_depression*depression", "1", "logit of the anxiety set point"),
)

species = (
    Species("vagal_tone", 1.0, "1", "efferent vagal tone (HRV-like index, 1 = typical)",
            "k_vagal*(vagal_tone_target - vagal_tone)"),
    Species("neuroinflammation", 1.0, "1", "microglial activation (1 = healthy)",
            "k_neuroinflam*(neuroinflam_target - neuroinflammation)"),
    Species("plasticity", 1.0, "1", "BDNF-like neural plasticity (1 = healthy)",
            "k_plasticity*(plasticity_target - plasticity)"),
    Species("depression", 0.1, "1", "latent depression severity (0-1)",
            "k_depression*(1/(1 + exp(-depression_drive)) - depression)"),
    Species("anxiety", 0.13, "1", "latent anxiety severity (0-1)",
            "k_anxiety*(1/(1 + exp(-anxiety_drive)) - anxiety)"),
    Species("neurodeg_load", 1.0, "1", "running neuroinflammatory/QUIN exposure",
            "(0.5*neuroinflammation + 0.5*quin_rel - neurodeg_load)/tau_neurodeg"),
)

observables = (
    Observable("phq9", "27*depression", "score 0-27", "PHQ-9 depression score"),
    Observable("gad7", "21*anxiety", "score 0-21", "GAD-7 anxiety score"),
    Observable("vagal_tone", "vagal_tone", "1", "efferent vagal tone (1 = typical adult)"),
    Observable("vagal_afferent", "vagal_afferent", "1", "gut→brain vagal signal (1 = healthy)"),
    Observable("neuroinflammation", "neuroinflammation", "1",
               "microglial activation (1 = healthy)"),
    Observable("plasticity", "plasticity", "1", "BDNF-like plasticity (1 = healthy)"),
    # contributions to the depression and anxiety logits (for pathway attribution)
    Observable("dep_drive_inflammation", "d_inflam*(neuroinflammation - 1)", "logit",
               "depression drive from neuroinflammation"),
    Observable("dep_drive_serotonin", "d_5ht*(1 - serotonin_brain_rel)", "logit",
               "depression drive from low brain serotonin"),
    Observable("dep_drive_plasticity", "d_plasticity*(1 - plasticity)", "logit",
               "depression drive from lost plasticity (cortisol, inflammation, exercise)"),
    Observable("dep_drive_stress", "d_stress*stress_total", "logit",
               "depression drive from perceived stress"),
    Observable("dep_drive_vagal", "d_vagal*(1 - vagal_afferent)", "logit",
               "depression drive from the gut→brain vagal signal"),
    Observable("anx_drive_cortisol", "x_cort*(cort_rel - 1)", "logit",
               "anxiety drive from cortisol"),
    Observable("anx_drive_stress", "x_stress*stress_total", "logit",
               "anxiety drive from perceived stress"),
    Observable("anx_drive_vagal", "x_vagal*(1 - vagal_afferent)", "logit",
               "anxiety drive from the gut→brain vagal signal"),
    Observable("anx_drive_inflammation", "x_inflam*(neuroinflammation - 1)", "logit",
               "anxiety drive from neuroinflammation"),
    Observable("anx_drive_depression", "x_depression*depression", "logit",
               "anxiety drive from depression (comorbidity)"),
    Observable("neurodegeneration_risk", "neurodeg_load", "1 (healthy = 1)",
               "one-year running neuroinflammatory and quinolinic-acid exposure"),
)

MODULE = Module("brain", "Vagus nerve and brain: neuroinflammation, plasticity, mood",
                parameters, species, assignments, observables)
