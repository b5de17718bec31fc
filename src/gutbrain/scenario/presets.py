"""Built-in diets, persons, antibiotic classes and FMT donors (all values with sources)."""

from __future__ import annotations

from gutbrain.model.microbiota import GUILDS

# --- diets: daily intakes (model input parameters of gutbrain.model.diet) ------------------
DIET_FIELDS = ("fiber_g", "resistant_starch_g", "prebiotic_g", "sugar_g", "protein_g", "fat_g",
               "fruit_veg_servings", "fermented_servings", "tryptophan_mg")

DIETS: dict[str, dict[str, float]] = {
    # US/UK averages (NHANES, NDNS): low fibre, high sugar and fat
    "western": dict(fiber_g=15, resistant_starch_g=20, prebiotic_g=0, sugar_g=90, protein_g=90,
                    fat_g=90, fruit_veg_servings=3, fermented_servings=0.3,
                    tryptophan_mg=1000),
    # PREDIMED/SMILES ModiMedDiet: whole grains, legumes, fish, olive oil, 7+ fruit/veg
    "mediterranean": dict(fiber_g=30, resistant_starch_g=28, prebiotic_g=2, sugar_g=45,
                          protein_g=85, fat_g=80, fruit_veg_servings=7, fermented_servings=1,
                          tryptophan_mg=1100),
    # Wastyk 2021 high-fibre arm: ~45 g/d
    "high_fiber": dict(fiber_g=45, resistant_starch_g=32, prebiotic_g=3, sugar_g=50,
                       protein_g=80, fat_g=70, fruit_veg_servings=6, fermented_servings=0.3,
                       tryptophan_mg=1000),
    # David 2014 plant-based arm: fibre 25.6 g/1000 kcal
    "plant_based": dict(fiber_g=55, resistant_starch_g=32, prebiotic_g=3, sugar_g=50,
                        protein_g=60, fat_g=50, fruit_veg_servings=9, fermented_servings=0.5,
                        tryptophan_mg=800),
    # David 2014 animal-based arm: negligible fibre, high protein and fat
    "animal_based": dict(fiber_g=2, resistant_starch_g=8, prebiotic_g=0, sugar_g=20,
                         protein_g=170, fat_g=150, fruit_veg_servings=0, fermented_servings=0.3,
                         tryptophan_mg=1800),
}

# --- persons: traits and lifestyle inputs at baseline ----------------------------------------
PERSONS: dict[str, dict[str, float]] = {
    "healthy_adult": {},
    # CRP > 3 mg/L (Osimo 2019): higher innate gain (adiposity), little exercise
    "low_grade_inflammation": dict(inflammatory_gain=3.0, exercise_min=30.0),
    # PHQ-9 ~13 (moderate): vulnerability, ongoing stress, inactivity, slightly raised innate
    # gain, 10% less dietary Trp (poorer appetite and diet; Lieberman 2016); gives cortisol
    # +30% (Stetler & Miller 2011 d 0.3-0.6), lower Trp without a raised K/T (Almulla 2022),
    # IL-6 +0.4 pg/mL (Dowlati 2010: +1.8)
    "depressive_episode": dict(vulnerability=0.8, stress_level=0.25, exercise_min=20.0,
                               inflammatory_gain=1.3, anxiety_trait=0.6, trp_intake_rel=0.9),
    # no microbes (issue #13): sterile food and surroundings, and a burn-in that starts
    # without biomass, species or SCFA (engine/donors.py germ_free_start); an FMT or a
    # probiotic colonises it. Held against germ-free animals (Yano 2015; Sudo 2004): no human
    # is germ-free, so this is a research preset, not a clinical one
    "germ_free": dict(microbial_exposure=0.0),
}
GERM_FREE_PRESET = "germ_free"
PERSON_INPUT_FIELDS = ("stress_level", "exercise_min", "mindfulness_min")

# --- antibiotics: kill rate (1/d) per guild during a course ----------------------------------
# Magnitudes from Stein et al. 2013 (clindamycin epsilon up to ~3.3 /d for susceptible taxa);
# spectra from the drugs' known coverage (EUCAST expected phenotypes, Sanford Guide):
#  * broad_spectrum (e.g. meropenem + gentamicin + vancomycin, Palleja 2018): nearly all,
#    Enterobacteriaceae least (resistance blooms);
#  * amoxicillin: Gram-positives and many anaerobes, Enterobacteriaceae partly resistant;
#  * ciprofloxacin: Gram-negatives (Enterobacteriaceae most), moderate on anaerobes;
#  * clindamycin: anaerobes (Bacteroides, Clostridia); Enterobacteriaceae resistant;
#  * vancomycin (oral): Gram-positives; Gram-negatives resistant.
_G = [g.name for g in GUILDS]


def _spectrum(default: float, **override: float) -> dict[str, float]:
    out = {g: default for g in _G}
    out.update(override)
    return out


ANTIBIOTICS: dict[str, dict[str, float]] = {
    # Palleja 2018: butyrate producers and bifidobacteria are depleted most
    "broad_spectrum": _spectrum(3.0, enterobacteriaceae=0.3, lactobacillus=1.5,
                                methanogens=0.5, bacteroides=2.0, roseburia=4.0,
                                faecalibacterium=4.0, lactate_utilisers=4.0,
                                bifidobacterium=4.0),
    "amoxicillin": _spectrum(1.5, enterobacteriaceae=0.3, bacteroides=0.8, akkermansia=0.8,
                             methanogens=0.0),
    "ciprofloxacin": _spectrum(1.5, enterobacteriaceae=3.0, bacteroides=1.2, akkermansia=1.0,
                               methanogens=0.0, lactobacillus=0.4),
    "clindamycin": _spectrum(2.5, enterobacteriaceae=0.0, lactobacillus=0.5, methanogens=0.0,
                             bifidobacterium=1.5),
    "vancomycin": _spectrum(2.5, bacteroides=0.0, enterobacteriaceae=0.0, akkermansia=0.0,
                            methanogens=0.0, lactobacillus=0.3),
}

# --- probiotic genera: share of CFU by genus -------------------------------------------------
PROBIOTICS: dict[str, dict[str, float]] = {
    "lactobacillus": {"lactobacillus": 1.0},
    "bifidobacterium": {"bifidobacterium": 1.0},
    "multi_strain": {"lactobacillus": 0.5, "bifidobacterium": 0.5},
}

# --- prebiotics: fraction fermented as fast sugars vs resistant starch -----------------------
PREBIOTICS: dict[str, str] = {
    "inulin": "prebiotic_g", "fos": "prebiotic_g", "gos": "prebiotic_g",
    "resistant_starch": "resistant_starch_g",
}

# --- FMT donors: any person preset, "healthy" (= healthy_adult, the original name) or the
# recipient's own banked stool ("autologous"); engine/donors.py resolves them to communities
DONORS: tuple[str, ...] = ("healthy", "autologous", *PERSONS)
FMT_DRY_MASS_G = 6.0  # g dry bacteria in ~50 g stool (25% solids, ~50% bacteria; Stephen 1980)
# share of a donor's species new to the recipient that establish in vacant niches: donor
# strain engraftment after FMT ranges ~0.2-0.9 between recipients and studies and is highest
# in guts emptied by antibiotics or bowel lavage (Smillie et al. 2018 Cell Host Microbe
# 23:229; Ianiro et al. 2022 Nat Med 28:1913); niche vacancy is the model's own term
FMT_ENGRAFTMENT = 0.5
FMT_ARRIVAL_DAYS = 1.0  # the donor's species arrive over one day
