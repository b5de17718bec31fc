"""Modules 8–9 — vagus nerve both ways, and brain and mood (DESIGN §3.1.8-9).

Vagal afferents carry gut serotonin, SCFA and Lactobacillus/Bifidobacterium signals to the
brainstem (Bravo et al. 2011: a Lactobacillus' effects on GABA receptors, corticosterone and
behaviour vanish after vagotomy). The afferent signal is ~1 in the healthy state.

The vagus is a modulator with central compensation, not a master switch. The tonic gut state
(EC serotonin, SCFA) reaches the brainstem by the vagus and also by spinal afferents and
humorally, and the brain re-weights its remaining visceral inputs when the vagus is cut: only
``f_vag_tonic`` of the tonic signal is lost after a vagotomy (human truncal vagotomy: HR 1.22
for later mental disorders, highly selective vagotomy 0.98; Bunyoz 2022), while the signal of
transient lactic-acid bacteria is carried by the vagus alone (Bravo 2011; Bercik 2011), so a
vagotomy still abolishes a probiotic's effect. ``vagotomy`` = 1 is a subdiaphragmatic (truncal)
vagotomy: abdominal afferents and efferents, including the celiac branch that carries the
splenic anti-inflammatory reflex, are cut; ``vagal_afferent_gain`` scales the afferents alone.
Efferent vagal tone (an HRV index, measured as RMSSD) rises with mindfulness and exercise,
falls with stress, and brakes TNF through the spleen.

Mood: slow latent depression and anxiety states (0-1) relax over weeks towards a logistic
function of their drivers (neuroinflammation, brain serotonin, BDNF-like plasticity, stress,
visceral signal, cortisol). Depression has a self-reinforcing term (rumination) that makes
episodes outlast their triggers. A fast sickness-behaviour state follows circulating IL-6 with a
lag of hours (Reichenberg 2001; Eisenberger 2010) and adds transient low mood and anxiety:
PHQ-9 = 27 × (d + (1 - d) × s_dep × sickness), GAD-7 likewise, where d is the slow depressive
state with the week's residual affect (``mood_fluctuation``, an input that trials draw per
person) added on the logit scale: self-reported symptoms move from week to week far more than a
slow state allows (general-population test-retest r 0.51-0.67 over 2-8 weeks, Radloff 1977).

``neurodegeneration_risk`` is an all-cause dementia hazard relative to a matched reference
(same age and sex, not depressed, IL-6 at the healthy reference, a Western diet): the product
of published hazard ratios of the model's own variables (Diniz 2013, depression; Darweesh 2018,
IL-6; Singh 2014, Mediterranean diet), each applied to its one-year running average, assuming
(as such risk scores do) that the published ratios multiply.
"""

from gutbrain.model.spec import Assignment, Module, Observable, Parameter, Species

parameters = (
    # vagus
    Parameter("vagal_afferent_gain", 1.0, "1", "1 = intact; 0 = abdominal vagal "
              "deafferentation (afferents only; Klarer 2014 J Neurosci 34:7067)", 0.0, 2.0,
              "gain of the gut→brain vagal afferent channel"),
    Parameter("vagotomy", 0.0, "1", "0 = intact; 1 = subdiaphragmatic (truncal) vagotomy: "
              "abdominal afferents and efferents, including the celiac branch to the spleen, "
              "are cut (Bravo 2011; Huston 2006; Bunyoz 2022 Acta Psychiatr Scand 145:67)",
              0.0, 1.0, "abdominal vagus cut"),
    Parameter("f_vag_tonic", 0.184, "1", "calibrated: vagus.vagotomy.phq9-steady-state, vagus."
              "vagotomy.gad7-steady-state (calibration/fit.py vagal_compensation): vagotomy "
              "alone changes PHQ-9/GAD-7 by at "
              "most ~2 points (human truncal vagotomy HR 1.22 for later mental disorders, "
              "highly selective 0.98: Bunyoz 2022; rodents: vagotomy alone leaves baseline "
              "behaviour near sham, Bercik 2011 Gastroenterology 141:599, Bravo 2011); the "
              "gut state also reaches the brain by spinal afferents and humorally", 0.0, 1.0,
              "share of the tonic gut-state signal lost with the abdominal vagus after "
              "central compensation"),
    Parameter("w_aff_5ht", 0.4, "1", "EC-cell 5-HT activates vagal 5-HT3 afferents (Bellono "
              "2017 Cell 170:185); weight tuned by hand earlier (probiotic targets), assumed", 0.0,
              1.0,
              "weight of gut serotonin in the afferent signal"),
    Parameter("w_aff_scfa", 0.3, "1", "SCFA activate vagal afferents via FFAR3 (Goswami "
              "2018)", 0.0, 1.0, "weight of SCFA in the afferent signal"),
    Parameter("w_aff_reference", 1e-6, "1", "numerical: the weight of the healthy reference "
              "(1) in the weighted mean, so that the signal stays defined when both sensed "
              "channels are switched off (w_aff_5ht = w_aff_scfa = 0 gave 0/0 in 163 of 2,980 "
              "runs of a Morris design over every parameter); 1e-6 of the default weights "
              "moves the signal by < 1e-5", 1e-9, 1e-3,
              "weight of the healthy reference in the afferent gut-state signal"),
    Parameter("w_aff_lacto", 0.85, "1", "Lactobacillus/Bifidobacterium act via the vagus "
              "(Bravo 2011; Bercik 2011); calibrated: the probiotic targets (clinical.probiotic."
              "*, run as double-blind trials since issue #14 item 6: both arms carry the "
              "treatment expectancy): depressed g 0.41 (Hofmeister 2021), mixed cohort -0.12, "
              "anxiety -0.17; 0.8 put the mixed cohort at its edge (-0.111), 0.9 moved anxiety "
              "to -0.18 (window -0.2-0). 0.7 when the trials ran open, 0.3 before the weekly "
              "residual affect", 0.0, 1.0,
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
    Parameter("p_inflam", 0.3, "1", "assumed (tuned by hand earlier; the provenance screen "
              "finds no target that moves with it)", 0.0, 2.0,
              "plasticity loss per unit neuroinflammation"),
    Parameter("p_exercise", 0.3, "1", "exercise raises resting BDNF, g 0.27 (Szuhany 2015 J "
              "Psychiatr Res); calibrated: +150 min/week in depression gives g 0.95 (target "
              "clinical.exercise.depression, window 0.4-1.43 from Cooney 2013 and Schuch 2016; "
              "0.15 gave 0.51, 0.2 0.68) with trial scores carrying the weekly residual affect "
              "(0.1 before it, when within-person noise was a third of the measured)", 0.0, 1.0,
              "plasticity gain at 150 min/week"),
    Parameter("p_5ht", 0.3, "1", "serotonin supports plasticity (assumed)", 0.0, 2.0,
              "plasticity gain per unit brain 5-HT"),
    # mood
    Parameter("k_depression", 1 / 21, "1/d", "depressive symptoms change over weeks "
              "(placebo/antidepressant trajectories, Furukawa 2016)", 0.01, 0.3,
              "depression relaxation rate"),
    Parameter("mood_fluctuation", 0.0, "logit", "scenario input: residual week-to-week affect "
              "(sleep, illness, social contact, weather: what the modelled drivers do not carry); "
              "trials draw it per person as a weekly AR(1) (analysis/population.py "
              "MOOD_FLUCTUATION), sized by the 2-8-week test-retest correlations of "
              "self-reported depressive symptoms in the general population (Radloff 1977: "
              "0.51-0.67); 0 = none", -8.0, 8.0,
              "shift of the logit of expressed depressive and anxious symptoms", "input"),
    Parameter("k_anxiety", 1 / 10, "1/d", "anxiety symptoms change faster (assumed)", 0.02,
              0.5, "anxiety relaxation rate"),
    Parameter("vulnerability", 0.0, "1", "trait; 0 = average person", -3.0, 4.0,
              "person's depression vulnerability (shifts the set point)", "trait"),
    Parameter("anxiety_trait", 0.0, "1", "trait; 0 = average person", -3.0, 4.0,
              "person's trait anxiety", "trait"),
    Parameter("d0", -2.05, "1", "calibrated: brain.population.healthy-phq9, brain.population."
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
    Parameter("x0", -2.13, "1", "calibrated: brain.population.healthy-phq9, brain.population."
              "healthy-gad7 (calibration/fit.py mood_set_points): healthy GAD-7 ~3 (Löwe 2008)",
              -5.0, 0.0,
              "anxiety set point"),
    Parameter("x_cort", 0.3, "1", "assumed (tuned by hand earlier to the healthy GAD-7)", 0.0,
              3.0, "anxiety drive per unit cortisol"),
    Parameter("x_stress", 2.0, "1", "calibrated", 0.0, 6.0,
              "anxiety drive per unit perceived stress"),
    Parameter("x_vagal", 1.1, "1", "vagal/GABAergic tone is anxiolytic (Bravo 2011); "
              "calibrated with w_aff_lacto: probiotic anxiety g -0.18 in 1200 persons (target "
              "clinical.probiotic.anxiety-depressed, Liu 2019 d -0.10; 1.3 before the weekly "
              "residual affect)", 0.0, 5.0,
              "anxiety drive per unit loss of vagal afferent signal"),
    Parameter("x_inflam", 0.5, "1", "assumed", 0.0, 3.0,
              "anxiety drive per unit neuroinflammation"),
    Parameter("x_depression", 1.5, "1", "depression-anxiety comorbidity (calibrated)", 0.0,
              5.0, "anxiety drive per unit depression"),
    # fast sickness behaviour (hours)
    Parameter("k_sickness", 12.0, "1/d", "sickness mood follows cytokines with a lag of ~1-2 h:"
              " after low-dose endotoxin anxiety and depressed mood are raised at 3 h and fade "
              "by 9 h (Reichenberg 2001 Arch Gen Psychiatry 58:445; Eisenberger 2010 Biol "
              "Psychiatry 68:748)", 2.0, 50.0, "sickness-behaviour relaxation rate"),
    Parameter("K_sick_il6", 150.0, "pg/mL", "assumed: endotoxin-size IL-6 (hundreds of "
              "pg/mL) drives sickness behaviour, so that it peaks ~2 h after IL-6 and fades "
              "within hours as IL-6 falls below ~100 pg/mL; MDD-range IL-6 (+1.8 pg/mL) does "
              "not act acutely (its slow effect runs through neuroinflammation)", 5.0, 500.0,
              "IL-6 giving half-maximal sickness behaviour (Hill n = 2)"),
    Parameter("s_dep", 0.2, "1", "calibrated: low-dose endotoxin raises depressed mood by "
              "ES 0.66 at 3 h (Reichenberg 2001, 0.8 ng/kg S. abortus equi)", 0.0, 1.0,
              "latent depression added by full sickness behaviour (share of the gap to 1)"),
    Parameter("s_anx", 0.2, "1", "calibrated: low-dose endotoxin raises anxiety by ES 0.55 "
              "at 3 h (Reichenberg 2001)", 0.0, 1.0,
              "latent anxiety added by full sickness behaviour (share of the gap to 1)"),
    # measurement models
    Parameter("rmssd_ref", 42.0, "ms", "short-term RMSSD of healthy adults 42 +- 15 ms (Nunan, "
              "Sandercock & Brodie 2010 Pacing Clin Electrophysiol 33:1407)", 19.0, 75.0,
              "RMSSD at typical vagal tone (tone 1)"),
    Parameter("pss_a", -1.45, "logit", "calibrated: general-population PSS-10 mean 13.0, SD 6.2 "
              "(Cohen & Williamson 1988) with the population's perceived stress, surveyed "
              "without trial contact (design observational) in persons who meet the "
              "background life-event stream, as the surveyed did (13.07, SD 6.18); -1.56 "
              "with pss_b 6.4 before 2026-12-07 (fourth session), calibrated without the "
              "stream, which then gave 17.8 +- 10.2 with it", -5.0, 2.0,
              "PSS-10 logit at zero perceived stress"),
    Parameter("pss_b", 3.0, "1", "calibrated with pss_a (population SD of PSS-10 6.2)", 0.5,
              20.0, "PSS-10 logit per unit perceived stress"),
    # dementia hazard (neurodegeneration_risk)
    Parameter("hr_depression", 1.85, "1", "late-life depression and all-cause dementia, pooled "
              "RR 1.85 (1.67-2.04; Diniz et al. 2013 Br J Psychiatry 202:329)", 1.67, 2.04,
              "dementia hazard ratio of a depressive episode"),
    Parameter("hr_il6", 1.40, "1", "IL-6 highest vs lowest quantile, all-cause dementia HR 1.40 "
              "(1.13-1.73; Darweesh et al. 2018 Alzheimers Dement 14:1450)", 1.13, 1.73,
              "dementia hazard ratio of high vs low IL-6"),
    Parameter("il6_quantile_span", 1.6, "ln(pg/mL)", "assumed: extreme quartile medians of a "
              "log-normal IL-6 (SD of ln IL-6 ~0.65) lie ~1.6 ln-units apart", 1.0, 2.5,
              "ln IL-6 distance between the highest and lowest quantile"),
    Parameter("hr_medi", 0.67, "1", "highest vs lowest Mediterranean-diet tertile, MCI or "
              "Alzheimer's disease HR 0.67 (0.55-0.81; Singh et al. 2014 J Alzheimers Dis "
              "39:271)", 0.55, 0.81, "dementia hazard ratio of high Mediterranean adherence"),
    Parameter("tau_neurodeg", 365.0, "d", "hazards are of sustained exposures: one-year running "
              "averages", 30.0, 3650.0, "averaging time of the dementia-hazard exposures"),
)

assignments = (
    Assignment("lab_transient", "B_lactobacillus + probiotic_bifido_in/D_wash", "g/L",
               "transient lactic-acid bacteria (lactobacilli, probiotic bifidobacteria)"),
    Assignment("lab_signal", "lab_transient/(lab_transient + K_lab_vagal)", "1",
               "vagal signal of transient lactic-acid bacteria (0-1)"),
    Assignment("vagal_path", "vagal_afferent_gain*(1 - vagotomy)", "1",
               "integrity of the abdominal vagal afferents"),
    Assignment("gut_state_signal", "(w_aff_5ht*serotonin_gut_rel"
               " + w_aff_scfa*2*tscfa/(tscfa + tscfa_ref) + w_aff_reference)"
               "/(w_aff_5ht + w_aff_scfa + w_aff_reference)", "1",
               "tonic gut state sensed by afferents (EC serotonin, SCFA; 1 = healthy): a "
               "weighted mean, the healthy reference when both channels are switched off"),
    Assignment("vagal_afferent", "vagal_path*(gut_state_signal + w_aff_lacto*lab_signal)", "1",
               "gut→brain vagal afferent signal (~1 = healthy)"),
    Assignment("visceral_central",
               "(1 - f_vag_tonic*(1 - vagal_path))*gut_state_signal"
               " + vagal_path*w_aff_lacto*lab_signal", "1",
               "the brain's visceral gut-state signal: the tonic part also arrives by spinal "
               "and humoral routes (central compensation), the lactic-acid-bacteria part by the "
               "vagus alone"),
    Assignment("vagal_efferent_splenic", "vagal_tone*(1 - vagotomy)", "1",
               "efferent vagal drive of the splenic anti-inflammatory reflex"),
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
               " + d_stress*stress_total + d_vagal*(1 - visceral_central)"
               " + d_self*depression", "1", "logit of the depression set point"),
    Assignment("anxiety_drive",
               "x0 + anxiety_trait + x_cort*(cort_rel - 1) + x_stress*stress_total"
               " + x_vagal*(1 - visceral_central) + x_inflam*(neuroinflammation - 1)"
               " + x_depression*depression", "1", "logit of the anxiety set point"),
    Assignment("depression_expressed",
               "depression*exp(mood_fluctuation)/(1 - depression"
               " + depression*exp(mood_fluctuation))", "1",
               "depressive symptoms as expressed at this moment: the slow depressive state "
               "with the week's residual affect added on the logit scale (= depression when "
               "mood_fluctuation = 0). Not averaged over the PHQ-9's two-week recall window: "
               "a recorded score is this value plus visit measurement error"),
    Assignment("anxiety_expressed",
               "anxiety*exp(mood_fluctuation)/(1 - anxiety + anxiety*exp(mood_fluctuation))",
               "1", "anxious symptoms as reported: the slow anxiety state with the week's "
               "residual affect (= anxiety when mood_fluctuation = 0)"),
    Assignment("mdd_probability", "1/(1 + exp(-(27*depression - 10)/1.5))", "1",
               "probability that the latent PHQ-9 is in the depressive-episode range "
               "(>= 10: sensitivity and specificity 0.88, Kroenke 2001)"),
    Assignment("medi_adherence",
               "1/(1 + exp(-6*(((fruit_veg_servings - 3)/4 + (fiber_g - 15)/15)/2 - 0.5)))",
               "1", "probability of the highest Mediterranean-diet tertile: 0.05 on the Western "
               "diet (3 fruit/veg servings, 15 g fibre), 0.95 on the Mediterranean (7, 30 g)"),
    Assignment("log_dementia_hazard",
               "log(hr_depression)*(mdd_probability - 0.00932)"
               " + log(hr_il6)/il6_quantile_span*log(il6/il6_ref)"
               " + log(hr_medi)*(medi_adherence - 0.0474)", "1",
               "log dementia hazard relative to the matched reference (not depressed: latent "
               "PHQ-9 3; IL-6 at il6_ref; Western diet)"),
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
    Species("neurodeg_load", 0.0, "1", "one-year running average of the log dementia hazard",
            "(log_dementia_hazard - neurodeg_load)/tau_neurodeg", nonnegative=False),
    Species("sickness", 0.0, "1", "acute sickness behaviour (0-1), driven by circulating IL-6",
            "k_sickness*(il6**2/(il6**2 + K_sick_il6**2) - sickness)"),
)

observables = (
    Observable("phq9", "27*(depression_expressed + (1 - depression_expressed)*s_dep*sickness)",
               "score 0-27", "PHQ-9 depression score (slow depressive state with the week's "
               "residual affect, plus transient sickness mood)"),
    Observable("gad7", "21*(anxiety_expressed + (1 - anxiety_expressed)*s_anx*sickness)",
               "score 0-21", "GAD-7 anxiety score (slow anxiety state with the week's residual "
               "affect, plus transient sickness anxiety)"),
    Observable("sickness_behaviour", "sickness", "1 (0-1)",
               "acute cytokine-driven sickness behaviour (hours)"),
    Observable("vagal_tone", "vagal_tone", "1", "efferent vagal tone (1 = typical adult)"),
    Observable("hrv_rmssd", "rmssd_ref*vagal_tone", "ms",
               "heart-rate variability RMSSD (short-term, resting), proportional to efferent "
               "vagal tone (measurement model; 42 ms = typical adult, Nunan 2010)"),
    Observable("pss10", "40/(1 + exp(-(pss_a + pss_b*stress_total)))", "score 0-40",
               "Perceived Stress Scale (PSS-10) from perceived stress (measurement model "
               "calibrated to Cohen & Williamson 1988 norms)"),
    Observable("vagal_afferent", "vagal_afferent", "1", "gut→brain vagal signal (1 = healthy)"),
    Observable("visceral_signal", "visceral_central", "1",
               "the brain's visceral gut-state signal (vagal + spinal/humoral; 1 = healthy)"),
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
    Observable("dep_drive_vagal", "d_vagal*(1 - visceral_central)", "logit",
               "depression drive from the gut→brain visceral signal (vagal and other routes)"),
    Observable("anx_drive_cortisol", "x_cort*(cort_rel - 1)", "logit",
               "anxiety drive from cortisol"),
    Observable("anx_drive_stress", "x_stress*stress_total", "logit",
               "anxiety drive from perceived stress"),
    Observable("anx_drive_vagal", "x_vagal*(1 - visceral_central)", "logit",
               "anxiety drive from the gut→brain visceral signal (vagal and other routes)"),
    Observable("anx_drive_inflammation", "x_inflam*(neuroinflammation - 1)", "logit",
               "anxiety drive from neuroinflammation"),
    Observable("anx_drive_depression", "x_depression*depression", "logit",
               "anxiety drive from depression (comorbidity)"),
    Observable("neurodegeneration_risk", "exp(neurodeg_load)", "hazard ratio",
               "all-cause dementia hazard relative to a matched reference person (same age "
               "and sex; not depressed, IL-6 at the healthy reference 1.2 pg/mL, Western diet), "
               "from published hazard ratios of one-year averages of depression (Diniz 2013), "
               "IL-6 (Darweesh 2018) and Mediterranean-diet adherence (Singh 2014)"),
)

MODULE = Module("brain", "Vagus nerve and brain: neuroinflammation, plasticity, mood",
                parameters, species, assignments, observables)
