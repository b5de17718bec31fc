"""Which validation targets constrain each hand-calibrated parameter (issue #3).

``fit.py`` fits a few parameter groups by least squares. The other parameters marked
"calibrated" were tuned by hand, target by target, in earlier development. This script makes
that tuning auditable: for every such parameter (and those now called "assumed") it moves
the value by +25 % (or -20 % where +25 % leaves the plausible range; by 5 % of the range
where the value is 0), re-runs the candidate targets listed in ``CANDIDATES`` and records
how far each target moves, in units of its window (half-width for two-sided windows, the
edge's magnitude for one-sided ones). The targets that move by at least ``MIN_SENSITIVITY``
are the ones the value is calibrated against; they are written to
``gutbrain/model/calibration_targets.json``, from which the model appends "calibrated against
targets: ..." to each parameter's source. A parameter that moves no target is not
identifiable from the scorecard: its source calls the value "assumed" (it keeps its
literature rationale) and the model appends "no validation target constrains it"; the suite
fails if a parameter still called "calibrated" names no target.

    python calibration/provenance.py            # every parameter (18 min on 2 cores)
    python calibration/provenance.py K_lac k_kyn  # some (merged into the existing record)

The full record, with every candidate's base and perturbed value, is
``calibration/results_provenance.json``. All runs are seeded, so a difference is the effect
of the parameter, not sampling noise (common random numbers).
"""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from fit import PROBLEMS, evaluate

from gutbrain.analysis.validation.targets import Target, load_targets
from gutbrain.model import build_model

HERE = Path(__file__).parent
RECORD = HERE / "results_provenance.json"
PACKAGE_MAP = HERE.parent / "src" / "gutbrain" / "model" / "calibration_targets.json"
STEP_UP, STEP_DOWN, STEP_ZERO = 1.25, 0.8, 0.05
# a target constrains a parameter when a 25 % change moves it by >= 10 % of its half-window
MIN_SENSITIVITY = 0.1

# candidate targets per parameter: the quantities each value was tuned against (source text)
CANDIDATES: dict[str, tuple[str, ...]] = {
    # microbiota
    "f_sugar_colon": ("microbial.colon.lactate", "microbial.colon.scfa-production",
                      "microbial.carbohydrate.tscfa-rises"),
    "K_poly": ("microbial.colon.scfa-production", "microbial.colon.tscfa",
               "microbial.colon.bacterial-output"),
    "K_lac": ("microbial.colon.lactate", "microbial.ph-switch.lactate-ph65"),
    "K_h2": ("microbial.colon.acetate-fraction", "microbial.colon.scfa-production"),
    "k_lac_out": ("microbial.colon.lactate", "microbial.ph-switch.lactate-ph65"),
    "k_h2_out": ("microbial.colon.acetate-fraction", "microbial.colon.butyrate-fraction"),
    "K_ac_boost": ("microbial.colon.butyrate-fraction", "microbial.colon.acetate-fraction",
                   "microbial.ph-switch.butyrate-ratio"),
    "imm_total": ("microbial.antibiotic.shannon-recovered",
                  "microbial.antibiotic.incomplete-recovery-180d",
                  "microbial.diet-animal.recovery-halves-3d"),
    "probiotic_survival": ("microbial.probiotic.detectable-during-intake",
                           "microbial.probiotic.undetectable-after-stop"),
    "r_resp_ent": ("microbial.antibiotic.enterobacteriaceae-rises",),
    "K_tnf_gut": ("microbial.antibiotic.enterobacteriaceae-rises",),
    "s_lacto_stress": ("microbial.probiotic.detectable-during-intake",
                       "clinical.mindfulness.depression"),
    "spore_ref": ("microbial.antibiotic.shannon-loss-4d",
                  "microbial.antibiotic.shannon-recovered"),
    "fv_antiinflam": ("clinical.diet.smiles-madrs-d", "host-immune.population.healthy-crp"),
    # barrier
    "bu_colonocyte_frac": ("host-immune.population.healthy-crp",
                           "host-barrier.permeability-x2.il6-rise"),
    "barrier_base": ("host-barrier.butyrate.not-monotone", "host-immune.population.healthy-crp"),
    "barrier_akk": ("host-immune.population.healthy-crp", "host-barrier.permeability-x2.il6-rise"),
    "K_akk": ("host-immune.population.healthy-crp", "host-barrier.permeability-x2.il6-rise"),
    "barrier_harm_tnf": ("host-barrier.permeability-x2.il6-rise",
                         "host-barrier.permeability-x3.il6-rise"),
    "barrier_harm_stress": ("clinical.mindfulness.inflammation",
                            "host-immune.population.healthy-crp"),
    "barrier_harm_protein": ("host-immune.population.healthy-crp", "clinical.diet.smiles-madrs-d"),
    "barrier_bu_max": ("host-barrier.butyrate.not-monotone", "host-immune.population.healthy-crp"),
    "barrier_wear": ("host-immune.population.healthy-crp", "host-barrier.permeability-x2.il6-rise"),
    "k_translocation": ("host-immune.population.healthy-crp",
                        "host-barrier.permeability-x2.il6-rise",
                        "host-barrier.permeability-x3.il6-rise"),
    "fat_lps_gain": ("host-immune.population.healthy-crp", "clinical.diet.smiles-madrs-d"),
    "lps_potency_commensal": ("host-immune.population.healthy-crp",
                              "host-barrier.permeability-x2.il6-rise"),
    # immune
    "K_gc_immune": ("host-immune.lps-bolus.tnf-peak", "host-immune.lps-bolus.il6-peak",
                    "host-immune.population.healthy-crp"),
    "k6_stress": ("clinical.mindfulness.inflammation", "host-immune.population.healthy-crp"),
    "K_ifn": ("host-tryptophan.ifn.kt-rises", "host-tryptophan.ifn.trp-falls"),
    "k6_ifn": ("host-tryptophan.ifn.kt-rises", "host-tryptophan.ifn.trp-falls"),
    "k10_treg": ("host-immune.population.healthy-crp", "host-immune.lps-bolus.il10-peak"),
    "k_crp_syn": ("host-immune.population.healthy-crp",
                  "host-immune.population.low-grade-inflammation-crp"),
    "K_crp6": ("host-immune.population.healthy-crp",
               "host-immune.population.low-grade-inflammation-crp",
               "host-immune.lps-bolus.crp-peak-time"),
    "a10_chol": ("vagus.cap.il10-not-lower", "vagus.cap.tnf-peak-cut",
                 "vagus.cap.tnf-peak-cut-top-human-tone", "host-immune.lps-bolus.il10-peak"),
    "cap_gain": ("vagus.vagotomy.endotoxin-tnf-rises", "vagus.cap.tnf-peak-cut-top-human-tone",
                 "vagus.cap.tnf-peak-cut", "vagus.vagotomy.endotoxin-cortisol-not-raised"),
    # HPA
    "circ_phase": ("host-hpa.circadian.acrophase", "host-hpa.circadian.nrmse-carroll",
                   "host-hpa.circadian.cortisol-0800"),
    "circ_kappa": ("host-hpa.circadian.trough", "host-hpa.circadian.nrmse-carroll",
                   "host-hpa.circadian.peak-trough-ratio"),
    "circ_floor": ("host-hpa.circadian.trough", "host-hpa.circadian.peak-trough-ratio"),
    "car_amp": ("host-hpa.car.rise-30min", "host-hpa.circadian.peak",
                "host-hpa.circadian.nrmse-carroll", "host-hpa.circadian.cortisol-0800",
                "clinical.hpa.serum-peak", "host-hpa.circadian.acth-nrmse-carroll"),
    "car_kappa": ("host-hpa.car.rise-30min", "host-hpa.circadian.cortisol-0800",
                  "host-hpa.circadian.nrmse-carroll"),
    "car_delay": ("host-hpa.car.rise-30min", "host-hpa.circadian.cortisol-0800"),
    "adr_circ_amp": ("host-hpa.circadian.acth-nrmse-carroll", "host-hpa.circadian.nrmse-carroll",
                     "host-hpa.circadian.trough", "host-hpa.circadian.peak-trough-ratio",
                     "host-hpa.lps.evening-vs-morning-cortisol"),
    "adr_circ_phase": ("host-hpa.circadian.acth-nrmse-carroll",
                       "host-hpa.circadian.nrmse-carroll", "host-hpa.circadian.acrophase",
                       "host-hpa.circadian.trough"),
    "adr_car_amp": ("host-hpa.car.rise-30min", "host-hpa.circadian.acth-nrmse-carroll",
                    "host-hpa.circadian.cortisol-0800", "clinical.hpa.serum-peak"),
    "crh_scale": ("host-hpa.circadian.peak", "host-hpa.circadian.nrmse-carroll",
                  "host-hpa.circadian.trough", "host-hpa.circadian.cortisol-0800",
                  "clinical.hpa.serum-peak"),
    "K_adr": ("host-hpa.chronic-stress.acth-recovery-days",
              "host-hpa.chronic-stress.acth-undershoot",
              "host-hpa.chronic-stress.cortisol-day30-over-day1"),
    "gr_floor": ("host-hpa.chronic-stress.acth-recovery-days",
                 "host-hpa.chronic-stress.acth-undershoot",
                 "host-hpa.chronic-stress.cortisol-day30-over-day1"),
    "f_vag_immune": ("vagus.vagotomy.endotoxin-cortisol-not-raised",),
    "k_stress_hpa": ("host-hpa.chronic-stress.cortisol-day30-over-day1",
                     "host-hpa.chronic-stress.acth-undershoot"),
    "k_lab_hpa": ("vagus.vagotomy.stress-cortisol-effect-abolished",),
    "k_aff_hpa": ("vagus.vagotomy.stress-cortisol-effect-abolished",
                  "vagus.vagotomy.endotoxin-cortisol-not-raised",
                  "vagus.vagotomy.gad7-steady-state", "clinical.probiotic.mixed-cohort-depression"),
    "a_gr": ("host-hpa.chronic-stress.cortisol-day30-over-day1",
             "host-hpa.chronic-stress.acth-undershoot",
             "host-hpa.chronic-stress.acth-recovery-days"),
    "k_gr": ("host-hpa.chronic-stress.acth-recovery-days",
             "host-hpa.chronic-stress.acth-undershoot"),
    "dex_ref": ("host-hpa.dst.suppression",),
    "relief_care": ("clinical.placebo.natural-course", "clinical.placebo.responders"),
    "relief_expectancy": ("clinical.placebo.responders",),
    "relief_mind": ("clinical.mindfulness.anxiety", "clinical.mindfulness.depression",
                    "clinical.mindfulness.cortisol"),
    "relief_ex": ("clinical.exercise.depression",),
    # tryptophan
    "V_trp": ("host-tryptophan.atd.plasma-trp-fall", "host-tryptophan.depression.trp-lower",
              "host-tryptophan.plasma.trp-baseline"),
    "k_tdo": ("host-tryptophan.partition.kynurenine-share",
              "host-tryptophan.partition.serotonin-share",
              "host-tryptophan.plasma.trp-baseline"),
    "a_tdo": ("host-tryptophan.depression.kt-not-raised", "host-tryptophan.depression.trp-lower"),
    "k_ido": ("host-tryptophan.partition.kynurenine-share", "host-tryptophan.lps.kt-modest-rise",
              "host-tryptophan.plasma.kt-baseline"),
    "a_ido": ("host-tryptophan.lps.kt-modest-rise", "host-tryptophan.ido.tph-flux-falls",
              "host-tryptophan.ido.serotonin-share-falls"),
    "K_ido6": ("host-tryptophan.lps.kt-modest-rise", "host-tryptophan.ido.tph-flux-falls"),
    "a_ido_ifn": ("host-tryptophan.ifn.kt-rises", "host-tryptophan.ifn.trp-falls"),
    "k_trp_other": ("host-tryptophan.partition.serotonin-share",
                    "host-tryptophan.partition.kynurenine-share",
                    "host-tryptophan.plasma.trp-baseline"),
    "f_tdo_export": ("host-tryptophan.depression.kt-not-raised", "host-tryptophan.ifn.kt-rises",
                     "host-tryptophan.plasma.kyn-baseline", "host-tryptophan.plasma.kt-baseline"),
    "k_kyn": ("host-tryptophan.depression.kt-not-raised", "host-tryptophan.ifn.kt-rises",
              "host-tryptophan.plasma.kyn-baseline", "host-tryptophan.plasma.kt-baseline"),
    "k_ec": ("host-tryptophan.partition.serotonin-share", "vagus.vagotomy.phq9-effect-abolished"),
    "K_bbb": ("host-tryptophan.brain-serotonin.homeostasis",),
    "k_sb": ("host-tryptophan.brain-serotonin.homeostasis",),
    "a_5ht_inflam": ("host-tryptophan.brain-serotonin.homeostasis",
                     "brain.population.depressive-episode-phq9"),
    # vagus and brain
    "w_aff_5ht": ("vagus.vagotomy.phq9-effect-abolished", "clinical.probiotic.depressed-hedges-g",
                  "vagus.vagotomy.phq9-steady-state"),
    "w_aff_lacto": ("clinical.probiotic.depressed-hedges-g", "clinical.probiotic.anxiety-depressed",
                    "vagus.vagotomy.phq9-effect-abolished", "vagus.vagotomy.phq9-steady-state",
                    "vagus.vagotomy.gad7-steady-state"),
    "K_lab_vagal": ("clinical.probiotic.depressed-hedges-g",
                    "clinical.probiotic.anxiety-depressed", "vagus.vagotomy.phq9-steady-state"),
    "k_vagal": ("clinical.mindfulness.depression", "clinical.exercise.depression"),
    "v_mind": ("clinical.mindfulness.depression", "clinical.mindfulness.anxiety"),
    "v_ex": ("clinical.exercise.depression",),
    "v_stress": ("brain.population.depressive-episode-phq9", "clinical.mindfulness.depression"),
    "k_neuroinflam": ("brain.population.depressive-episode-phq9", "clinical.exercise.depression"),
    "n_il6": ("brain.population.depressive-episode-phq9", "clinical.population.phq9-sd"),
    "K_n_il6": ("brain.population.depressive-episode-phq9", "clinical.population.phq9-sd"),
    "n_tnf": ("brain.population.depressive-episode-phq9", "clinical.population.phq9-sd"),
    "K_n_tnf": ("brain.population.depressive-episode-phq9", "clinical.population.phq9-sd"),
    "n_ifn": ("host-tryptophan.ifn.kt-rises",),
    "p_cort": ("brain.population.depressive-episode-phq9", "clinical.exercise.depression"),
    "p_inflam": ("brain.population.depressive-episode-phq9", "clinical.exercise.depression"),
    "p_5ht": ("brain.population.depressive-episode-phq9", "clinical.exercise.depression"),
    "k_anxiety": ("clinical.mindfulness.anxiety", "clinical.probiotic.anxiety-depressed"),
    "d_inflam": ("brain.population.depressive-episode-phq9", "clinical.population.phq9-sd"),
    "d_5ht": ("brain.population.depressive-episode-phq9", "clinical.population.phq9-sd"),
    "d_plasticity": ("brain.population.depressive-episode-phq9", "clinical.exercise.depression"),
    "d_stress": ("brain.population.depressive-episode-phq9", "clinical.mindfulness.depression",
                 "clinical.population.phq9-sd"),
    "d_vagal": ("clinical.probiotic.depressed-hedges-g", "vagus.vagotomy.phq9-effect-abolished",
                "vagus.vagotomy.phq9-steady-state", "clinical.probiotic.mixed-cohort-depression"),
    "x_vagal": ("clinical.probiotic.anxiety-depressed", "vagus.vagotomy.gad7-steady-state"),
    # fast sickness behaviour, measurement models, brain -> gut arm (issue #14)
    "s_dep": ("brain.sickness.endotoxin-phq9-3h",),
    "s_anx": ("brain.sickness.endotoxin-gad7-3h",),
    "K_sick_il6": ("brain.sickness.peak-time", "brain.sickness.transient",
                   "brain.sickness.endotoxin-phq9-3h"),
    "k_sickness": ("brain.sickness.peak-time", "brain.sickness.transient",
                   "brain.sickness.endotoxin-phq9-3h"),
    "pss_a": ("clinical.population.pss10-mean",),
    "pss_b": ("clinical.population.pss10-mean",),
    "K_mast_crh": ("host-barrier.stress.permeability-2h", "clinical.mindfulness.inflammation",
                   "host-immune.population.healthy-crp"),
    "k_mast": ("host-barrier.stress.permeability-2h",),
    "k_transit_crh": ("clinical.mindfulness.depression", "clinical.mindfulness.inflammation"),
    "d_self": ("brain.population.depressive-episode-phq9", "clinical.population.phq9-sd"),
    "x_cort": ("brain.population.healthy-gad7", "clinical.population.gad7-mean"),
    "x_stress": ("clinical.mindfulness.anxiety", "clinical.population.gad7-mean"),
    "x_inflam": ("brain.population.healthy-gad7", "clinical.population.gad7-mean"),
    "x_depression": ("clinical.population.gad7-mean", "clinical.probiotic.anxiety-depressed"),
    # guild self-limitation (calibration/guild_composition.py fits it to the guilds'
    # healthy shares; these are the measured quantities those shares move)
    "c_self_bacteroides": ("microbial.colon.propionate-fraction",
                           "microbial.colon.acetate-fraction",
                           "microbial.diet-animal.bacteroides-rises"),
    "c_self_starch_degraders": ("microbial.colon.acetate-fraction",
                                "microbial.colon.scfa-production"),
    "c_self_fibre_degraders": ("microbial.colon.acetate-fraction",
                               "microbial.colon.propionate-fraction"),
    "c_self_bifidobacterium": ("microbial.composition.bifidobacterium-share",
                               "microbial.colon.lactate",
                               "microbial.antibiotic.bifidobacterium-falls"),
    "c_self_roseburia": ("microbial.colon.butyrate-fraction",
                         "microbial.antibiotic.butyrate-producers-fall"),
    "c_self_faecalibacterium": ("microbial.composition.faecalibacterium-share",
                                "microbial.colon.butyrate-fraction"),
    "c_self_lactate_utilisers": ("microbial.colon.lactate", "microbial.colon.butyrate-fraction"),
    "c_self_propionate_producers": ("microbial.colon.propionate-fraction",
                                    "microbial.colon.lactate"),
    "c_self_acetogens": ("microbial.colon.acetate-fraction", "microbial.colon.scfa-production"),
    "c_self_akkermansia": ("microbial.composition.akkermansia-share",),
    "c_self_enterobacteriaceae": ("microbial.composition.enterobacteriaceae-share",
                                  "microbial.antibiotic.enterobacteriaceae-rises"),
}


def fitted_elsewhere() -> set[str]:
    """Parameters fitted by fit.py problems (their records name the targets)."""
    return {name for p in PROBLEMS.values() for name in p.parameters}


def scale_of(target: Target) -> float:
    lo, hi = target.window
    if lo is not None and hi is not None:
        return max(0.5 * (hi - lo), 1e-12)
    return max(abs(lo if lo is not None else hi), 1e-12)


def perturbed(value: float, low: float, high: float) -> float:
    if value == 0.0:
        return value + STEP_ZERO * (high - low)
    up = value * STEP_UP
    return up if low <= up <= high else value * STEP_DOWN


def screen(name: str) -> dict[str, Any]:
    """Move one parameter and measure each candidate target (runs in a worker process)."""
    p = build_model().parameter(name)
    by_id = {t.id: t for t in load_targets()}
    targets = [by_id[i] for i in CANDIDATES[name]]
    _, base = evaluate(targets, {})  # simulations are cached between parameters of a worker
    moved = perturbed(p.value, p.low, p.high)
    _, after = evaluate(targets, {name: moved})
    rows = []
    for t, b, a in zip(targets, base, after, strict=True):
        s = (a - b) / scale_of(t)
        rows.append({"id": t.id, "base": b, "perturbed": a, "window": list(t.window),
                     "inside": bool(t.contains(b)), "sensitivity": round(s, 4)})
    named = [r["id"] for r in rows if abs(r["sensitivity"]) >= MIN_SENSITIVITY]
    return {"value": p.value, "perturbed_value": moved, "targets": rows, "named": named}


def main(names: list[str]) -> None:
    spec = build_model()
    ids = {t.id for t in load_targets()}
    unknown = [n for c in CANDIDATES.values() for n in c if n not in ids]
    if unknown:
        raise KeyError(f"unknown candidate targets: {sorted(set(unknown))}")
    calibrated = [p.name for p in spec.parameters if "calibrated" in p.source.lower()
                  and p.name not in fitted_elsewhere() and not any(i in p.source for i in ids)]
    missing = sorted(set(calibrated) - set(CANDIDATES))
    if missing:
        raise KeyError(f"calibrated parameters without candidate targets: {missing}")
    names = names or sorted(CANDIDATES)
    if set(names) - set(CANDIDATES):
        raise SystemExit(f"no candidate targets for {sorted(set(names) - set(CANDIDATES))}; "
                         f"known: {', '.join(sorted(CANDIDATES))}")
    record = json.loads(RECORD.read_text()) if RECORD.exists() else {}
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        for name, row in zip(names, pool.map(screen, names), strict=True):
            record[name] = row
            flag = ", ".join(row["named"]) or "UNCONSTRAINED"
            print(f"{name:22s} {row['value']:<10g} -> {flag}", flush=True)
    record = dict(sorted(record.items()))
    for path, text in ((RECORD, json.dumps(record, indent=1) + "\n"),
                       (PACKAGE_MAP, json.dumps({k: v["named"] for k, v in record.items()},
                                                indent=1) + "\n")):
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(text)
        tmp.replace(path)
    print(f"{len(names)} parameters in {time.perf_counter() - t0:.0f} s; record {RECORD}")


if __name__ == "__main__":
    main(sys.argv[1:])
