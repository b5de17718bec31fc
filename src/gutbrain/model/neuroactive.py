"""Module 3b — neuroactive microbial and gut metabolites: GABA and dopamine (issue #14).

GABA: glutamate decarboxylase (gadB) and the GABA antiporter (gadC) are carried by lactobacilli
and bifidobacteria (Barrett et al. 2012 J Appl Microbiol 113:411: L. brevis and B. dentium
strains convert glutamate to GABA) and by Bacteroides, the most abundant producers in the human
gut at colonic pH (Strandwitz et al. 2019 Nat Microbiol 4:396). Luminal GABA is taken at quasi-
steady state from its producers' biomass (equal per-biomass capacity is assumed: no human rate
is published), relative to the healthy reference. It acts on nothing in the model: luminal GABA
crosses the blood-brain barrier poorly (Boonstra et al. 2015 Front Psychol 6:1520) and its
local actions (GABA-A/B receptors on enteric neurons and vagal afferent terminals) have no
validated size in humans; the vagus-dependent Lactobacillus effect on brain GABA receptors
(Bravo 2011) is carried by the visceral signal of the brain module, not by luminal GABA.

Dopamine: about half of the body's dopamine is made in the gut and mesenteric organs, mostly by
non-neuronal cells from dietary tyrosine and L-DOPA, and leaves as dopamine sulfate (Eisenhofer
et al. 1997 J Clin Endocrinol Metab 82:3864: mesenteric organs make 12.0 nmol/min, 42-46 % of
the body's dopamine production).
Gut synthesis follows the tyrosine supply (protein intake, tyrosine hydroxylase saturating);
gut bacteria mainly transform L-DOPA and dopamine (Enterococcus tyrosine decarboxylase, van
Kessel et al. 2019 Nat Commun 10:310; Eggerthella lenta dehydroxylation, Maini Rekdal et al. 2019
Science 364:eaau6323) and matter for levodopa therapy, which the model does not include. Gut
dopamine acts on nothing in the model: it does not cross the blood-brain barrier, and its
enteric actions (motility, mucosal blood flow, sodium transport) are not modelled.
"""

from gutbrain.model.spec import Assignment, Module, Observable, Parameter

parameters = (
    Parameter("gaba_producers_ref", 3.77, "g/L", "biomass of Bacteroides + Lactobacillus + "
              "Bifidobacterium of the healthy_adult on a Western diet (model baseline; "
              "normalises gaba_gut)", 0.1, 30.0, "reference GABA-producer biomass"),
    Parameter("K_tyr_protein", 60.0, "g/d", "assumed: tyrosine hydroxylase is half-saturated "
              "at ordinary intakes (plasma tyrosine ~60 uM vs TH Km ~ 30-60 uM; Fernstrom & "
              "Fernstrom 2007 J Nutr 137:1539S)", 10.0, 300.0,
              "protein intake giving half-maximal gut dopamine synthesis"),
    Parameter("da_gut_share_ref", 0.44, "1", "mesenteric organs make 42-46 % of the body's "
              "dopamine (Eisenhofer et al. 1997 J Clin Endocrinol Metab 82:3864)", 0.3, 0.6,
              "gut and mesenteric share of dopamine production at the reference intake"),
    Parameter("da_gut_ref", 12.0, "nmol/min", "mesenteric dopamine production 12.0 nmol/min "
              "(Eisenhofer et al. 1997, portal-arterial differences in 8 subjects)", 5.0, 25.0,
              "gut and mesenteric dopamine production at the reference intake"),
    Parameter("protein_ref", 90.0, "g/d", "Western reference protein intake (NHANES)", 40.0,
              200.0, "protein intake of the reference person"),
)

assignments = (
    Assignment("gaba_producers", "B_bacteroides + B_lactobacillus + B_bifidobacterium", "g/L",
               "biomass of GABA-producing guilds (gadB/gadC carriers)"),
    Assignment("dopamine_gut_rel",
               "protein_g/(protein_g + K_tyr_protein)*(protein_ref + K_tyr_protein)/protein_ref",
               "1", "gut and mesenteric dopamine synthesis relative to the reference intake"),
)

observables = (
    Observable("gaba_gut", "gaba_producers/gaba_producers_ref", "1 (healthy = 1)",
               "luminal GABA from Bacteroides, Lactobacillus and Bifidobacterium relative to "
               "a healthy gut. Acts on nothing in the model: crosses the blood-brain barrier "
               "poorly and its enteric/vagal-terminal actions have no validated size"),
    Observable("dopamine_gut", "da_gut_ref*dopamine_gut_rel", "nmol/min",
               "gut and mesenteric dopamine production (from dietary tyrosine). Acts on nothing "
               "in the model (no BBB passage; enteric motility and secretion not modelled)"),
    Observable("dopamine_gut_share", "da_gut_share_ref*dopamine_gut_rel/(da_gut_share_ref"
               "*dopamine_gut_rel + 1 - da_gut_share_ref)", "1",
               "share of body dopamine production made in the gut and mesentery (0.42-0.46, "
               "Eisenhofer 1997)"),
)

MODULE = Module("neuroactive", "Neuroactive gut metabolites: GABA and dopamine", parameters,
                (), assignments, observables)
