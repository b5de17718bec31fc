"""Parameter uncertainty (issue #15 items 2-3): priors, the surrogate-based Bayesian
calibration, the shipped posterior ensemble, and the bands and intervals it gives
predictions (``gutbrain simulate --uncertainty``, ``gutbrain trial --uncertainty``)."""
