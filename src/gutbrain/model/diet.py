"""Module 1 — diet → colon inputs (DESIGN §3.1.1).

Daily intakes are piecewise-constant *inputs* set by the scenario schedule. This module turns
them into substrate inflows to a single well-mixed colon compartment (g per litre of colon
content per day) and carries the colon's physical constants (volume, transit).
"""

from gutbrain.model.spec import Assignment, Module, Parameter

KETTLE = "Kettle, Louis & Flint 2022 (microPopGut) default drivers"

parameters = (
    # --- intakes (inputs; defaults = 'western' preset, see scenario/presets.py) -------------
    Parameter("fiber_g", 15.0, "g/d", "NHANES US mean fibre intake ~15-17 g/d (Quagliani 2017)",
              0.0, 120.0, "dietary fibre (non-starch polysaccharide) intake", "input"),
    Parameter("resistant_starch_g", 20.0, "g/d",
              "starch escaping digestion 8-40 g/d (Cremer 2017 via Kettle 2022)", 0.0, 60.0,
              "resistant starch reaching the colon", "input"),
    Parameter("prebiotic_g", 0.0, "g/d", "inulin/FOS/GOS trial doses 2.5-20 g/d", 0.0, 60.0,
              "prebiotic oligosaccharides (inulin, FOS, GOS)", "input"),
    Parameter("sugar_g", 90.0, "g/d", "US free-sugar intake ~ 80-100 g/d (NHANES)", 0.0, 300.0,
              "simple sugars eaten", "input"),
    Parameter("protein_g", 90.0, "g/d", "Western adult protein intake 80-100 g/d (NHANES)", 0.0,
              300.0, "dietary protein intake", "input"),
    Parameter("fat_g", 90.0, "g/d", "Western fat intake ~ 35% energy (NHANES)", 0.0, 250.0,
              "dietary fat intake", "input"),
    Parameter("fruit_veg_servings", 3.0, "servings/d", "US adults ~3 servings/d (CDC 2017)", 0.0,
              15.0, "fruit and vegetable servings (polyphenols)", "input"),
    Parameter("fermented_servings", 0.3, "servings/d", "Wastyk 2021 baseline fermented intake",
              0.0, 10.0, "fermented-food servings (live lactic-acid bacteria)", "input"),
    Parameter("tryptophan_mg", 1000.0, "mg/d", "adult intake 900-1000 mg/d (Richard 2009)", 0.0,
              4000.0, "dietary tryptophan", "input"),
    # --- physiology ---------------------------------------------------------------------
    Parameter("V_colon", 0.4, "L", "colon content 0.4 L (Sender, Fuchs & Milo 2016)", 0.2, 3.0,
              "volume of colon content (one well-mixed compartment)"),
    Parameter("transit_d", 1.25, "d", KETTLE + " (transit 1.25 d)", 0.6, 3.0,
              "colonic transit time; washout rate = 1/transit", "trait"),
    Parameter("f_fiber_colon", 0.9, "1", "most NSP escapes small-intestinal digestion "
              "(Cummings & Macfarlane 1991)", 0.6, 1.0, "fraction of fibre reaching the colon"),
    Parameter("f_sugar_colon", 0.03, "1", "assumed: 1-5 g/d malabsorbed sugars/fructose "
              "(Rumessen 1992)", 0.0, 0.2, "fraction of simple sugars reaching the colon"),
    Parameter("f_prebiotic_colon", 0.95, "1", "inulin/FOS are not digested (Roberfroid 2007)",
              0.7, 1.0, "fraction of prebiotic oligosaccharides reaching the colon"),
    Parameter("f_protein_colon", 0.1, "1", "6-18 g/d of protein reach the colon (Yao 2016 via "
              "Kettle 2022)", 0.03, 0.25, "fraction of dietary protein reaching the colon"),
    Parameter("mucin_g", 5.0, "g/d", KETTLE + " (mucin 5 g/d)", 1.0, 10.0,
              "host mucin secretion into the lumen"),
    Parameter("fv_antiinflam", 0.02, "1/serving", "fruit/veg intake lowers CRP and TNF "
              "(Hosseini 2018 Nutr Res meta-analysis); set to ~10% at 5 servings", 0.0,
              0.05, "fractional lowering of innate cytokine production per daily serving"),
    Parameter("ff_antiinflam", 0.06, "d/serving", "calibrated: clinical.fermented.il6-down, "
              "clinical.fermented.crp-down (Wastyk et al. 2021 Cell 184:4137: 19 inflammatory "
              "proteins, IL-6 among them, fell over 10 weeks of ~6 servings/d, more with more "
              "servings); mechanism: metabolites of lactic-acid bacteria in fermented foods "
              "(D-phenyllactic acid, indole-3-lactic acid) reach the blood and act on monocytes "
              "through HCA3 and AhR (Peters et al. 2019 PLoS Genet 15:e1008145)", 0.0, 0.1,
              "fractional lowering of innate cytokine production per daily fermented-food "
              "serving"),
)

assignments = (
    # issue #14 (brain -> gut arm): stress-driven CRH speeds colonic transit; the factor is
    # declared in barrier.py (1 at everyday stress levels of 0)
    Assignment("D_wash", "transit_stress_factor/transit_d", "1/d",
               "washout (dilution) rate of colon content (sped up by stress-driven CRH)"),
    Assignment("in_nsp", "fiber_g*f_fiber_colon/V_colon", "g/L/d", "fibre inflow"),
    Assignment("in_rs", "resistant_starch_g/V_colon", "g/L/d", "resistant-starch inflow"),
    Assignment("in_sugar", "sugar_g*f_sugar_colon/V_colon", "g/L/d",
               "inflow of simple sugars escaping absorption"),
    Assignment("in_oligo", "prebiotic_g*f_prebiotic_colon/V_colon", "g/L/d",
               "inflow of prebiotic oligosaccharides"),
    Assignment("in_protein", "protein_g*f_protein_colon/V_colon", "g/L/d", "protein inflow"),
    Assignment("in_mucin", "mucin_g/V_colon", "g/L/d", "mucin inflow from the host"),
    # one input of the immune module (innate_gain) fed from the diet side (issue #13):
    # polyphenols of fruit/veg and lactic-acid-bacteria metabolites of fermented food
    Assignment("fv_factor", "1/(1 + fv_antiinflam*fruit_veg_servings"
               " + ff_antiinflam*fermented_servings)", "1",
               "dietary damping of innate cytokine production (fruit/veg polyphenols, "
               "fermented-food lactic-acid-bacteria metabolites)"),
)

MODULE = Module("diet", "Diet → colon substrate inflows", parameters, (), assignments, ())
