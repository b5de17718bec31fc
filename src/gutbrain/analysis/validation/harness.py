"""Run validation targets and collect results (serially or over worker processes)."""

from __future__ import annotations

import json
import math
import multiprocessing as mp
import os
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from gutbrain.analysis.validation.data import DataAbsent
from gutbrain.analysis.validation.metrics import Context, compute
from gutbrain.analysis.validation.protocols import run_protocol
from gutbrain.analysis.validation.targets import Target, load_targets

STATUSES = ("pass", "fail", "error", "skipped")
NO_FAILURE_NOTE = ("no explanation recorded: a failing target must say why (failure_note in "
                   "its YAML)")


@dataclass
class TargetResult:
    id: str
    module: str
    tier: str
    value: float | None
    window: tuple[float | None, float | None]
    passed: bool | None  # None when skipped
    runtime_s: float
    status: str  # pass | fail | error | skipped
    note: str = ""
    quantity: str = ""
    unit: str = ""
    source: str = ""
    notes: str = ""  # the target's own notes: where the window comes from, caveats
    detail: str = ""
    # calibration or held-out in the Bayesian calibration's split (issue #15 item 3; fixed
    # before fitting in gutbrain.analysis.uncertainty.plan)
    split: str = ""
    plot: dict[str, Any] | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("plot")
        d["window"] = list(self.window)
        if d["value"] is not None and not math.isfinite(d["value"]):
            d["value"] = None
            d["note"] = (d["note"] + "; " if d["note"] else "") + f"value {self.value}"
        d["runtime_s"] = round(self.runtime_s, 3)
        return d


def run_target(target: Target) -> TargetResult:
    """Run one target. Never raises: failures inside the target become status ``error``,
    missing reference data becomes ``skipped``."""
    from gutbrain.analysis.uncertainty.plan import split_of

    t0 = time.perf_counter()
    common = dict(id=target.id, module=target.module, tier=target.tier, window=target.window,
                  split=split_of(target.id),
                  quantity=target.quantity, unit=target.unit, source=target.source,
                  notes=" ".join(target.notes.split()))
    try:
        runs = run_protocol(target.protocol)
        ctx = Context(runs=runs, data=target.data)
        out = compute(ctx, target.metric)
        value = float(out.value)
        if math.isnan(value):
            status, passed, note = "fail", False, "value is NaN"
        else:
            passed = target.contains(value)
            status, note = ("pass" if passed else "fail"), ""
        if status == "fail":
            note = "; ".join(filter(None, [note, target.failure_note.strip() or NO_FAILURE_NOTE]))
        return TargetResult(value=value, passed=passed, status=status, note=note,
                            runtime_s=time.perf_counter() - t0, detail=out.detail,
                            plot=out.plot, **common)
    except DataAbsent as exc:
        return TargetResult(value=None, passed=None, status="skipped", note=str(exc),
                            runtime_s=time.perf_counter() - t0, **common)
    except Exception as exc:  # a broken target must not stop the scorecard
        tb = traceback.extract_tb(exc.__traceback__)
        where = f" ({Path(tb[-1].filename).name}:{tb[-1].lineno})" if tb else ""
        return TargetResult(value=None, passed=False, status="error",
                            note=f"{type(exc).__name__}: {exc}{where}",
                            runtime_s=time.perf_counter() - t0, **common)


def _protocol_key(t: Target) -> str:
    return json.dumps(t.protocol, sort_keys=True, default=str)


def _run_group(targets: list[Target]) -> list[TargetResult]:
    return [run_target(t) for t in targets]


def _pool_context() -> mp.context.BaseContext:
    # fork shares the already-loaded compiled model; elsewhere fall back to the default
    if "fork" in mp.get_all_start_methods() and os.name == "posix":
        return mp.get_context("fork")
    return mp.get_context()


def run_all(tier: str | None = None, only: list[str] | None = None, workers: int = 1,
            targets: list[Target] | None = None) -> list[TargetResult]:
    """Run every target (filtered by tier and ``only``) and return results in id order.

    Targets sharing a protocol go to the same worker so their simulations are cached and run
    once. The result does not depend on ``workers``.
    """
    if targets is None:
        targets = load_targets(tier=tier, only=only)
    groups: dict[str, list[Target]] = {}
    for t in targets:
        groups.setdefault(_protocol_key(t), []).append(t)
    batches = list(groups.values())
    workers = max(1, int(workers or 1))
    if workers == 1 or len(batches) == 1:
        results = [r for b in batches for r in _run_group(b)]
    else:
        from gutbrain.api import simulate

        # compile and JIT everything once in the parent, so forked workers inherit it
        simulate({"name": "warm-up", "days": 0.25})
        # longest batches first for balance; results are re-sorted below
        batches.sort(key=len, reverse=True)
        with ProcessPoolExecutor(max_workers=min(workers, len(batches)),
                                 mp_context=_pool_context()) as pool:
            results = [r for rs in pool.map(_run_group, batches) for r in rs]
    order = {t.id: i for i, t in enumerate(targets)}
    return sorted(results, key=lambda r: order[r.id])


def write_json(results: list[TargetResult], path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump([r.to_json() for r in results], fh, indent=2, allow_nan=False)
        fh.write("\n")
    return path


__all__ = ["TargetResult", "run_target", "run_all", "write_json", "STATUSES"]
