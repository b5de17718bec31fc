"""Validation scorecard (DESIGN §5; issue #3): targets as data, a harness, a report.

>>> from gutbrain.analysis.validation import load_targets, run_all, print_scorecard
>>> results = run_all(tier="anchor", workers=2)
>>> print_scorecard(results)

Targets live in ``gutbrain/validation/targets/*.yaml`` (one per file; see ``targets.py`` for
the layout), metrics in ``metrics.py``, protocols and Python experiments in ``protocols.py``.
"""

from gutbrain.analysis.validation.data import DataAbsent, shared_dir
from gutbrain.analysis.validation.harness import TargetResult, run_all, run_target, write_json
from gutbrain.analysis.validation.metrics import METRICS, metric
from gutbrain.analysis.validation.protocols import EXPERIMENTS, experiment
from gutbrain.analysis.validation.report import write_html
from gutbrain.analysis.validation.scorecard import print_scorecard, summarize
from gutbrain.analysis.validation.targets import (
    MODULES,
    TIERS,
    Target,
    TargetError,
    load_target,
    load_targets,
)

__all__ = ["DataAbsent", "EXPERIMENTS", "METRICS", "MODULES", "TIERS", "Target", "TargetError",
           "TargetResult", "experiment", "load_target", "load_targets", "metric",
           "print_scorecard", "run_all", "run_target", "shared_dir", "summarize", "write_html",
           "write_json"]
from gutbrain.analysis.validation import experiments_ecology  # noqa: E402,F401  (registers experiments)
