"""What the Bayesian calibration (issue #15 item 2) calibrates, against what, and what it
holds out (item 3). Fixed here, in code, before any fitting: the split must not be chosen
after seeing which targets the posterior meets.

Why these parameters and targets: a full ABC on the scorecard (160 targets, 3-5 min per
scorecard on 2 cores) is out of reach, so the calibration takes two blocks whose anchor
targets are cheap (a few simulated days each) and whose parameters move them by a tenth of a
window or more (``calibration/results_provenance.json``):

* the circadian HPA axis: crh_scale, car_amp, circ_floor, circ_kappa, circ_phase against
  Carroll 2007's control cortisol profile (08:00 value, trough, NRMSE). The profile's peak
  is held out: the model's peak falls at 08:00, so peak and 08:00 value are one number, and
  calibrating on both would count one observation twice;
* tryptophan partition: V_trp, k_tdo, a_tdo, k_tph_gut against the serotonin share of Trp
  catabolism and the lower Trp of depression. (The acute-depletion fall and the plasma
  baselines would constrain V_trp and k_tdo too, but they are soft targets; they are held
  out and checked instead.)
* the depression set point d0 against the healthy person's PHQ-9 (same three runs as the
  depression Trp target, so free). Why it is in: cortisol and tryptophan feed mood, and an
  ensemble that moved them with the set point held would move every baseline PHQ-9 away from
  the population's (a first ensemble without it gave the healthy person in the probiotic
  scenario a PHQ-9 band of 0.9-4.5 where the anchor says 2.5-3.5). The anxiety set point
  x0 stays out: only a soft target (healthy GAD-7) sees it.

Held out: every other target. Among them, ``HELD_OUT_RELATED`` are the ones the calibrated
parameters move (same protocols or same axis): the posterior-predictive check runs them for
posterior draws. Two anchors of the calibrated protocols are held out on purpose
(acrophase, peak/trough ratio; the kynurenine share, which is 1 - serotonin share - IDO's
share) so that the held-out set tests the fit where it is not the fit itself.
"""

from __future__ import annotations

CALIBRATED = ("crh_scale", "car_amp", "circ_floor", "circ_kappa", "circ_phase",
              "V_trp", "k_tdo", "a_tdo", "k_tph_gut", "d0")

CALIBRATION_TARGETS = (
    "host-hpa.circadian.cortisol-0800",
    "host-hpa.circadian.trough",
    "host-hpa.circadian.nrmse-carroll",
    "host-tryptophan.partition.serotonin-share",
    "host-tryptophan.depression.trp-lower",
    "brain.population.healthy-phq9",
)

HELD_OUT_RELATED = (
    "host-hpa.circadian.peak",
    "host-hpa.circadian.acrophase",
    "host-hpa.circadian.peak-trough-ratio",
    "host-hpa.circadian.acth-nrmse-carroll",
    "host-hpa.car.rise-30min",
    "clinical.hpa.serum-peak",
    "clinical.hpa.midnight-cortisol",
    "host-hpa.dst.suppression",
    "host-tryptophan.partition.kynurenine-share",
    "host-tryptophan.atd.plasma-trp-fall",
    "host-tryptophan.plasma.trp-baseline",
    "host-tryptophan.plasma.kyn-baseline",
    "host-tryptophan.plasma.kt-baseline",
    "host-tryptophan.depression.kt-not-raised",
    "host-tryptophan.brain-serotonin.homeostasis",
    "brain.population.healthy-gad7",
    "brain.population.depressive-episode-phq9",
)


def split_of(target_id: str) -> str:
    """``calibration`` or ``held-out``: the set a target belongs to in the scorecard."""
    return "calibration" if target_id in CALIBRATION_TARGETS else "held-out"


__all__ = ["CALIBRATED", "CALIBRATION_TARGETS", "HELD_OUT_RELATED", "LIKELIHOOD_SHAPE",
           "split_of"]

# Windows that are bounds, not ranges of a measured value: an error metric whose window starts
# at 0 is met by any small error, so its likelihood is a step at the upper edge, not a normal
# pulling it to half the bound.
LIKELIHOOD_SHAPE = {"host-hpa.circadian.nrmse-carroll": "upper"}
