"""Named metric functions: how a target's number is computed from its runs.

A target's ``metric`` is ``{fn: <name>, <argument>: <value>, ...}``. Many metrics take
*selectors*: mappings that pick one number out of a run::

    {run: main, var: "butyrate/(acetate + propionate + butyrate)",
     from_day: 56, to_day: 70, stat: mean}

* ``run`` names a run of the protocol (default ``main``);
* ``var`` is an expression over observables (``gutbrain observables``), model states,
  parameters and, with ``include_states: true`` in the run, the model's assignments;
* the time window is ``day`` (nearest sample) or ``from_day``/``to_day`` (half-open; either
  may be left out to mean the start/end of the run); ``daily: true`` averages over calendar
  days first;
* ``stat`` is ``mean`` (default), ``max``, ``min``, ``first``, ``last``, ``argmax_day`` or
  ``argmin_day``.

Every metric returns a :class:`MetricOutput`: the value and a plot description used by the
HTML report (curves over time, with reference data where there are any).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from gutbrain.analysis.validation.data import resolve
from gutbrain.analysis.validation.protocols import FUNCS, evaluate


@dataclass
class MetricOutput:
    value: float
    plot: dict[str, Any] | None = None
    detail: str = ""


@dataclass
class Context:
    """What a metric sees: the protocol's runs and the target's local reference data."""

    runs: dict[str, xr.Dataset]
    data: dict[str, Any] = field(default_factory=dict)
    used: list[tuple[str, str, float | None, float | None]] = field(default_factory=list)
    events: list[tuple[str, str, float, float, str | None]] = field(default_factory=list)

    def run(self, name: str) -> xr.Dataset:
        if name not in self.runs:
            raise KeyError(f"metric refers to run {name!r}; the protocol has "
                           f"{', '.join(self.runs)}")
        return self.runs[name]

    def series(self, run: str, var: str) -> tuple[np.ndarray, np.ndarray]:
        ds = self.run(run)
        return ds["day"].values, evaluate(ds, var)


METRICS: dict[str, Callable[..., MetricOutput]] = {}


def metric(name: str) -> Callable:
    def deco(fn: Callable[..., MetricOutput]) -> Callable[..., MetricOutput]:
        METRICS[name] = fn
        return fn

    return deco


def check_arguments(spec: dict[str, Any]) -> None:
    """Raise ValueError when a metric mapping names an unknown function or arguments."""
    if not isinstance(spec, dict) or "fn" not in spec:
        raise ValueError("metric must be a mapping with 'fn'")
    fn = METRICS.get(spec["fn"])
    if fn is None:
        raise ValueError(f"unknown metric fn {spec['fn']!r}; expected one of "
                         f"{', '.join(sorted(METRICS))}")
    args = {k: v for k, v in spec.items() if k != "fn"}
    try:
        inspect.signature(fn).bind(None, **args)
    except TypeError as exc:
        raise ValueError(f"metric {spec['fn']}: {exc}") from None


def compute(ctx: Context, spec: dict[str, Any]) -> MetricOutput:
    fn = METRICS[spec["fn"]]
    out = fn(ctx, **{k: v for k, v in spec.items() if k != "fn"})
    if out.plot is None:
        out.plot = auto_plot(ctx)
    return out


# --- selection helpers -------------------------------------------------------------------

SELECTOR_KEYS = ("run", "var", "stat", "from_day", "to_day", "day", "daily")


def _daily(day: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Calendar-day means (only complete days)."""
    bins = np.floor(day + 1e-9).astype(int)
    step = np.median(np.diff(day)) if len(day) > 1 else 1.0
    per_day = int(round(1.0 / step)) if step > 0 else 1
    xs, ys = [], []
    for b in np.unique(bins):
        m = bins == b
        if m.sum() >= max(1, per_day):
            xs.append(float(b))
            ys.append(float(y[m][:per_day].mean()))
    return np.array(xs), np.array(ys)


def _mask(day: np.ndarray, from_day: float | None, to_day: float | None) -> np.ndarray:
    m = np.ones(len(day), bool)
    if from_day is not None:
        m &= day >= from_day - 1e-9
    if to_day is not None:
        m &= day < to_day - 1e-9 if (from_day is None or to_day > from_day) else day <= to_day
    return m


def select(ctx: Context, run: str = "main", var: str | None = None, stat: str = "mean",
           from_day: float | None = None, to_day: float | None = None,
           day: float | None = None, daily: bool = False) -> float:
    if var is None:
        raise ValueError("selector needs 'var'")
    x, y = ctx.series(run, var)
    if daily:
        x, y = _daily(x, y)
    ctx.used.append((run, var, day if day is not None else from_day,
                     day if day is not None else to_day))
    if day is not None:
        i = int(np.argmin(np.abs(x - day)))
        return float(y[i])
    m = _mask(x, from_day, to_day)
    if not m.any():
        raise ValueError(f"selector {var!r} on run {run!r}: no samples in "
                         f"[{from_day}, {to_day})")
    xs, ys = x[m], y[m]
    if stat == "mean":
        return float(np.mean(ys))
    if stat == "max":
        return float(np.max(ys))
    if stat == "min":
        return float(np.min(ys))
    if stat == "first":
        return float(ys[0])
    if stat == "last":
        return float(ys[-1])
    if stat == "argmax_day":
        return float(xs[int(np.argmax(ys))])
    if stat == "argmin_day":
        return float(xs[int(np.argmin(ys))])
    raise ValueError(f"unknown stat {stat!r}")


EVENT_KEYS = ("run", "var", "after_day", "within_hours", "minus_run", "stat", "hours")


def select_event(ctx: Context, var: str, after_day: float, run: str = "main",
                 within_hours: float = 12.0, minus_run: str | None = None,
                 stat: str = "peak", hours: float | None = None) -> float:
    """A number from the response to an event at ``after_day``: ``peak`` (maximum),
    ``peak_time_hours``, ``min``, ``min_time_hours``, ``pre`` (value at the event) or
    ``at_hours`` (value ``hours`` after it), of ``var`` or, with ``minus_run``, of its
    increment over that run."""
    h, y, _ = _event_window(ctx, run, var, after_day, within_hours, minus_run)
    ctx.events.append((run, var, after_day, within_hours, minus_run))
    if stat == "peak":
        return float(np.max(y))
    if stat == "peak_time_hours":
        return float(h[int(np.argmax(y))])
    if stat == "min":
        return float(np.min(y))
    if stat == "min_time_hours":
        return float(h[int(np.argmin(y))])
    if stat == "pre":
        return float(y[0])
    if stat == "at_hours":
        if hours is None:
            raise ValueError("stat at_hours needs 'hours'")
        return float(np.interp(hours, h, y))
    raise ValueError(f"unknown event stat {stat!r}")


def _sel(ctx: Context, spec: dict[str, Any] | float | int) -> float:
    """A window selector, or an event selector when the mapping has ``after_day``."""
    if isinstance(spec, int | float):
        return float(spec)
    if "after_day" in spec:
        unknown = set(spec) - set(EVENT_KEYS)
        if unknown:
            raise ValueError(f"unknown event-selector keys {sorted(unknown)}; expected "
                             f"{EVENT_KEYS}")
        return select_event(ctx, **spec)
    unknown = set(spec) - set(SELECTOR_KEYS)
    if unknown:
        raise ValueError(f"unknown selector keys {sorted(unknown)}; expected {SELECTOR_KEYS}")
    return select(ctx, **spec)


def _div(a: float, b: float) -> float:
    return a / b if b != 0 else (math.nan if a == 0 else math.copysign(math.inf, a))


# --- plot helpers ------------------------------------------------------------------------

def curve(name: str, x: np.ndarray, y: np.ndarray, kind: str = "sim",
          sd: np.ndarray | None = None) -> dict[str, Any]:
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    if len(x) > 2500:  # keep the report light
        idx = np.linspace(0, len(x) - 1, 2500).astype(int)
        x, y = x[idx], y[idx]
        sd = None if sd is None else np.asarray(sd)[idx]
    out = {"name": name, "x": x.tolist(), "y": [None if not np.isfinite(v) else float(v)
                                                  for v in y], "kind": kind}
    if sd is not None:
        out["sd"] = np.asarray(sd, float).tolist()
    return out


def _events_plot(ctx: Context) -> dict[str, Any]:
    """Event responses. One event time: the runs' curves (reference runs dashed). Several
    event times: each response aligned on its own event (increments over the reference run
    where the selector subtracted one)."""
    times = sorted({a for _, _, a, _, _ in ctx.events})
    span = max(w for *_, w, _ in ctx.events)
    curves, seen = [], set()
    if len(times) == 1:
        t0 = times[0]
        for run, var, _, _, minus in ctx.events:
            for r, kind in ((run, "sim"), (minus, "ref")):
                if r is None or (r, var) in seen:
                    continue
                seen.add((r, var))
                x, y = ctx.series(r, var)
                m = (x >= t0 - 2 / 24) & (x <= t0 + span / 24)
                label = var if len(ctx.runs) == 1 else f"{var} [{r}]"
                curves.append(curve(label, (x[m] - t0) * 24, y[m], kind=kind))
        x_title = f"hours after day {t0:g}"
    else:
        for run, var, after, _, minus in ctx.events:
            if (run, var, after, minus) in seen:
                continue
            seen.add((run, var, after, minus))
            x, y = ctx.series(run, var)
            if minus is not None:
                y = y - ctx.series(minus, var)[1]
            m = (x >= after - 2 / 24) & (x <= after + span / 24)
            label = f"{var}{' increment' if minus else ''} [{run}, day {after:g}]"
            curves.append(curve(label, (x[m] - after) * 24, y[m]))
        x_title = "hours after each event"
    return {"x_title": x_title, "curves": curves[:14],
            "y_title": ", ".join(sorted({v for _, v, *_ in ctx.events}))[:80],
            "vlines": [0.0]}


def auto_plot(ctx: Context) -> dict[str, Any] | None:
    """Curves of every (run, var) a metric selected, over the days it looked at (padded)."""
    if ctx.events and not ctx.used:
        return _events_plot(ctx)
    if not ctx.used:
        return None
    lo = [a for _, _, a, _ in ctx.used if a is not None]
    hi = [b for _, _, _, b in ctx.used if b is not None]
    curves, seen = [], set()
    for run, var, _, _ in ctx.used:
        if (run, var) in seen:
            continue
        seen.add((run, var))
        x, y = ctx.series(run, var)
        a = min(lo) if lo else x[0]
        b = max(hi) if hi else x[-1]
        pad = max(1.0, 0.25 * (b - a))
        m = (x >= a - pad) & (x <= b + pad)
        label = var if len(ctx.runs) == 1 else f"{var} [{run}]"
        curves.append(curve(label, x[m], y[m]))
        if len(curves) >= 12:
            break
    spans = sorted({(a, b) for _, _, a, b in ctx.used if a is not None and b is not None
                    and b > a})
    return {"x_title": "day", "y_title": ", ".join(sorted({v for _, v, _, _ in ctx.used}))[:80],
            "curves": curves, "xspans": [list(s) for s in spans[:6]]}


# --- generic metrics ---------------------------------------------------------------------

@metric("stat")
def m_stat(ctx: Context, run: str = "main", var: str | None = None, stat: str = "mean",
           from_day: float | None = None, to_day: float | None = None,
           day: float | None = None, daily: bool = False) -> MetricOutput:
    """One selected number (see the module docstring)."""
    return MetricOutput(select(ctx, run, var, stat, from_day, to_day, day, daily))


@metric("ratio")
def m_ratio(ctx: Context, num: dict, den: dict) -> MetricOutput:
    """num / den."""
    a, b = _sel(ctx, num), _sel(ctx, den)
    return MetricOutput(_div(a, b), detail=f"{a:.4g} / {b:.4g}")


@metric("reduction")
def m_reduction(ctx: Context, num: dict, den: dict) -> MetricOutput:
    """1 - num / den (the fractional fall of num below den)."""
    a, b = _sel(ctx, num), _sel(ctx, den)
    return MetricOutput(1.0 - _div(a, b), detail=f"1 - {a:.4g} / {b:.4g}")


@metric("difference")
def m_difference(ctx: Context, a: dict, b: dict) -> MetricOutput:
    """a - b."""
    x, y = _sel(ctx, a), _sel(ctx, b)
    return MetricOutput(x - y, detail=f"{x:.4g} - {y:.4g}")


@metric("expression")
def m_expression(ctx: Context, expr: str, values: dict[str, dict]) -> MetricOutput:
    """An arithmetic expression over named selected values (``abs``, ``min``, ``max``,
    ``exp``, ``log``, ``sqrt`` are available)."""
    vals = {k: _sel(ctx, v) for k, v in values.items()}
    with np.errstate(all="ignore"):
        try:
            v = float(eval(compile(expr, "<metric expression>", "eval"), FUNCS,  # noqa: S307
                           dict(vals)))
        except ZeroDivisionError:
            v = math.nan
    detail = ", ".join(f"{k} = {x:.4g}" for k, x in vals.items())
    return MetricOutput(v, detail=detail)


@metric("monotone")
def m_monotone(ctx: Context, values: list[dict], direction: str = "increasing",
               labels: list[str] | None = None) -> MetricOutput:
    """Smallest step along a sequence of selected values, relative to the first value's
    magnitude, signed so that >= 0 means monotone in ``direction``."""
    vals = [_sel(ctx, v) for v in values]
    sign = 1.0 if direction == "increasing" else -1.0
    scale = abs(vals[0]) or 1.0
    steps = [sign * (b - a) / scale for a, b in zip(vals[:-1], vals[1:], strict=True)]
    labels = labels or [str(i) for i in range(len(vals))]
    plot = {"x_title": "condition", "y_title": values[0].get("var", ""), "categorical": True,
            "curves": [{"name": values[0].get("var", "value"), "x": labels, "y": vals,
                        "kind": "sim", "mode": "lines+markers"}]}
    return MetricOutput(min(steps), plot,
                        detail="values " + ", ".join(f"{v:.4g}" for v in vals))


# --- time-course metrics -----------------------------------------------------------------

def _event_window(ctx: Context, run: str, var: str, after_day: float, within_hours: float,
                  minus_run: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    x, y = ctx.series(run, var)
    base = None
    if minus_run is not None:
        xb, yb = ctx.series(minus_run, var)
        if len(xb) != len(x) or not np.allclose(xb, x):
            raise ValueError(f"runs {run!r} and {minus_run!r} are sampled differently")
        base = yb
    m = (x >= after_day - 1e-9) & (x <= after_day + within_hours / 24.0 + 1e-9)
    # sample times are stored in days: round the hours back to the sampling grid (1e-6 h)
    # so that a peak sampled at 2.5 h reads 2.5, not 2.4999999 (windows are inclusive)
    hours = np.round((x[m] - after_day) * 24.0, 6)
    yy = y[m] - (base[m] if base is not None else 0.0)
    return hours, yy, (base[m] if base is not None else None)


def _event_plot(ctx: Context, run: str, vars_: list[str], after_day: float,
                within_hours: float, minus_run: str | None = None,
                data: list[str] | None = None, pre_hours: float = 2.0,
                y_title: str | None = None) -> dict[str, Any]:
    curves = []
    for var in vars_:
        x, y = ctx.series(run, var)
        m = (x >= after_day - pre_hours / 24) & (x <= after_day + within_hours / 24)
        curves.append(curve(f"{var} (model)", (x[m] - after_day) * 24, y[m]))
        if minus_run is not None:
            _, yb = ctx.series(minus_run, var)
            curves.append(curve(f"{var} [{minus_run}]", (x[m] - after_day) * 24, yb[m],
                                kind="ref"))
    for name in data or []:
        ref = resolve(name, ctx.data)
        curves.append(curve(f"{name} (data)", ref.x, ref.y, kind="data", sd=ref.sd))
    return {"x_title": "hours after the event", "y_title": y_title or ", ".join(vars_),
            "curves": curves}


@metric("peak_time_hours")
def m_peak_time(ctx: Context, var: str, after_day: float, run: str = "main",
                within_hours: float = 12.0, minus_run: str | None = None,
                data: str | None = None) -> MetricOutput:
    """Hours from ``after_day`` to the maximum of ``var`` (minus run ``minus_run``'s
    curve, i.e. the increment, when given) within ``within_hours``."""
    h, y, _ = _event_window(ctx, run, var, after_day, within_hours, minus_run)
    i = int(np.argmax(y))
    plot = _event_plot(ctx, run, [var], after_day, within_hours, minus_run,
                       [data] if data else None)
    plot["vlines"] = [float(h[i])]
    return MetricOutput(float(h[i]), plot, detail=f"peak {y[i]:.4g} at {h[i]:.2f} h")


@metric("peak_value")
def m_peak_value(ctx: Context, var: str, after_day: float, run: str = "main",
                 within_hours: float = 12.0, minus_run: str | None = None,
                 relative_to_pre: bool = False, data: str | None = None) -> MetricOutput:
    """Maximum of ``var`` (or of its increment over ``minus_run``) within ``within_hours``
    after ``after_day``; ``relative_to_pre`` divides by the value at ``after_day``."""
    h, y, _ = _event_window(ctx, run, var, after_day, within_hours, minus_run)
    i = int(np.argmax(y))
    v = float(y[i])
    if relative_to_pre:
        v = _div(v, float(y[0]))
    plot = _event_plot(ctx, run, [var], after_day, within_hours, minus_run,
                       [data] if data else None)
    plot["vlines"] = [float(h[i])]
    return MetricOutput(v, plot, detail=f"peak {y[i]:.4g} at {h[i]:.2f} h")


@metric("value_at_hours")
def m_value_at_hours(ctx: Context, var: str, after_day: float, hours: float,
                     run: str = "main", relative_to_pre: bool = False,
                     data: str | None = None) -> MetricOutput:
    """``var`` at ``hours`` after ``after_day`` (divided by its value just before the
    event when ``relative_to_pre``)."""
    x, y = ctx.series(run, var)
    i = int(np.argmin(np.abs(x - (after_day + hours / 24.0))))
    j = max(0, int(np.searchsorted(x, after_day - 1e-9)) - 1)
    v = float(y[i])
    if relative_to_pre:
        v = _div(v, float(y[j]))
    plot = _event_plot(ctx, run, [var], after_day, max(hours * 1.5, 8.0), None,
                       [data] if data else None)
    plot["vlines"] = [hours]
    return MetricOutput(v, plot, detail=f"{var} {y[i]:.4g} at {hours:g} h, "
                                        f"{y[j]:.4g} before")


@metric("peak_order")
def m_peak_order(ctx: Context, vars: list[str], after_day: float, run: str = "main",
                 within_hours: float = 12.0, data: list[str] | None = None) -> MetricOutput:
    """1 when the peaks of ``vars`` come strictly in the listed order, else 0."""
    times = []
    for v in vars:
        h, y, _ = _event_window(ctx, run, v, after_day, within_hours, None)
        times.append(float(h[int(np.argmax(y))]))
    ok = all(a < b for a, b in zip(times[:-1], times[1:], strict=True))
    plot = _event_plot(ctx, run, vars, after_day, within_hours, None, data)
    plot["y_log"] = True
    plot["vlines"] = times
    return MetricOutput(1.0 if ok else 0.0, plot,
                        detail="peaks at " + ", ".join(f"{v} {t:.2f} h"
                                                       for v, t in zip(vars, times,
                                                                       strict=True)))


@metric("return_time_hours")
def m_return_time(ctx: Context, var: str, after_day: float, minus_run: str,
                  run: str = "main", within_hours: float = 24.0,
                  fraction: float = 0.1) -> MetricOutput:
    """Hours from ``after_day`` until the increment of ``var`` over ``minus_run`` falls
    back below ``fraction`` of its peak (after the peak)."""
    h, y, _ = _event_window(ctx, run, var, after_day, within_hours, minus_run)
    i = int(np.argmax(y))
    below = np.nonzero(y[i:] <= fraction * y[i])[0]
    v = float(h[i + below[0]]) if len(below) else math.inf
    plot = _event_plot(ctx, run, [var], after_day, within_hours, minus_run)
    plot["vlines"] = [v] if np.isfinite(v) else []
    return MetricOutput(v, plot, detail=f"peak increment {y[i]:.4g} at {h[i]:.2f} h")


@metric("time_below")
def m_time_below(ctx: Context, var: str, after_day: float, threshold: float,
                 run: str = "main", baseline: dict | None = None,
                 unit: str = "days") -> MetricOutput:
    """Time from ``after_day`` until ``var`` (minus its mean over the ``baseline`` window
    of the same run, when given) first falls below ``threshold``."""
    x, y = ctx.series(run, var)
    b = 0.0
    if baseline is not None:
        b = select(ctx, run=run, var=var, **baseline)
    z = y - b
    m = x >= after_day - 1e-9
    idx = np.nonzero(m & (z < threshold))[0]
    v = float(x[idx[0]] - after_day) if len(idx) else math.inf
    if unit == "hours":
        v *= 24.0
    sel = (x >= (baseline or {}).get("from_day", after_day) - 1) if baseline else x >= 0
    plot = {"x_title": "day", "y_title": f"{var} - baseline" if baseline else var,
            "y_log": True, "curves": [curve(var + (" excess" if baseline else ""), x[sel],
                                            np.maximum(z[sel], 1e-12))],
            "hlines": [threshold], "vlines": [after_day]}
    return MetricOutput(v, plot, detail=f"baseline {b:.3g}" if baseline else "")


@metric("recovery_time")
def m_recovery_time(ctx: Context, var: str, after_day: float, baseline: dict,
                    run: str = "main", tol: float = 0.05, daily: bool = True) -> MetricOutput:
    """Days from ``after_day`` until ``var`` (calendar-day means when ``daily``) is back
    within ``tol`` of its baseline, counted after its largest deviation."""
    x, y = ctx.series(run, var)
    b = select(ctx, run=run, var=var, **baseline)
    if daily:
        x, y = _daily(x, y)
    m = x >= after_day - 1e-9
    xs, dev = x[m], np.abs(y[m] / b - 1.0)
    i = int(np.argmax(dev))
    back = np.nonzero(dev[i:] <= tol)[0]
    v = float(xs[i + back[0]] - after_day) if len(back) else math.inf
    plot = {"x_title": "day", "y_title": f"{var} / baseline",
            "curves": [curve(f"{var} / baseline" + (" (daily means)" if daily else ""),
                             x, y / b)],
            "hlines": [1 - tol, 1 + tol], "vlines": [after_day] + ([after_day + v]
                                                               if np.isfinite(v) else [])}
    return MetricOutput(v, plot, detail=f"largest deviation {dev[i]:.3f} at day {xs[i]:g}")


# --- circadian and data comparison -------------------------------------------------------

def _one_day(ctx: Context, run: str, var: str, day: int) -> tuple[np.ndarray, np.ndarray]:
    x, y = ctx.series(run, var)
    m = (x >= day - 1e-9) & (x < day + 1 - 1e-9)
    if m.sum() < 12:
        raise ValueError(f"run {run!r} has fewer than 12 samples on day {day}")
    return (x[m] - day) * 24.0, y[m]


@metric("circadian")
def m_circadian(ctx: Context, var: str, day: int, stat: str, run: str = "main",
                data: str | None = None) -> MetricOutput:
    """A daily-rhythm statistic of ``var`` on ``day``: ``acrophase_h`` (clock hour of the
    maximum), ``nadir_h``, ``peak``, ``trough``, ``peak_trough_ratio`` or ``mean``."""
    h, y = _one_day(ctx, run, var, day)
    values = {"acrophase_h": float(h[int(np.argmax(y))]), "nadir_h": float(h[int(np.argmin(y))]),
              "peak": float(y.max()), "trough": float(y.min()),
              "peak_trough_ratio": _div(float(y.max()), float(y.min())),
              "mean": float(y.mean())}
    if stat not in values:
        raise ValueError(f"unknown circadian stat {stat!r}; expected {sorted(values)}")
    curves = [curve(f"{var} (model, day {day})", h, y)]
    if data:
        ref = resolve(data, ctx.data)
        curves.append(curve(f"{data} (data)", ref.x, ref.y, kind="data", sd=ref.sd))
    plot = {"x_title": "clock time (h)", "y_title": var, "curves": curves}
    if stat in ("acrophase_h", "nadir_h"):
        plot["vlines"] = [values[stat]]
    elif stat in ("peak", "trough"):
        plot["hlines"] = [values[stat]]
    return MetricOutput(values[stat], plot)


@metric("nrmse_vs_data")
def m_nrmse(ctx: Context, var: str, data: str, day: float, run: str = "main",
            normalise: str = "range", x_unit: str = "h") -> MetricOutput:
    """Root-mean-square error of ``var`` against a reference curve, divided by the data's
    range (``normalise: range``) or mean. The data's x is hours after ``day`` (0 = the
    day's midnight for circadian data, the event time for challenges)."""
    ref = resolve(data, ctx.data)
    x, y = ctx.series(run, var)
    hours = (x - day) * 24.0
    sim = np.interp(ref.x, hours, y, left=np.nan, right=np.nan)
    if np.isnan(sim).any():
        raise ValueError(f"run {run!r} does not cover the data's time span")
    rmse = float(np.sqrt(np.mean((sim - ref.y) ** 2)))
    denom = float(ref.y.max() - ref.y.min()) if normalise == "range" else float(ref.y.mean())
    m = (hours >= ref.x.min() - 1) & (hours <= ref.x.max() + 1)
    plot = {"x_title": f"hours after day {day:g}", "y_title": var,
            "curves": [curve(f"{var} (model)", hours[m], y[m]),
                       curve(f"{data} (data)", ref.x, ref.y, kind="data", sd=ref.sd)]}
    return MetricOutput(rmse / denom, plot, detail=f"RMSE {rmse:.4g} {ref.y_unit}")


# --- microbial composition ---------------------------------------------------------------

def _guild_vector(ctx: Context, sel: dict[str, Any]) -> tuple[list[str], np.ndarray]:
    from gutbrain.model.microbiota import GUILD_NAMES

    vals = []
    for g in GUILD_NAMES:
        vals.append(select(ctx, **{**sel, "var": f"guild_{g}"}))
    return list(GUILD_NAMES), np.array(vals)


def bray_curtis(a: np.ndarray, b: np.ndarray) -> float:
    s = float(np.sum(a + b))
    return float(np.sum(np.abs(a - b)) / s) if s > 0 else 0.0


def _composition_plot(ctx: Context, run: str, days: list[float]) -> dict[str, Any]:
    from gutbrain.model.microbiota import GUILD_NAMES

    ds = ctx.run(run)
    x = ds["day"].values
    lo, hi = min(days), max(days)
    pad = max(2.0, 0.2 * (hi - lo))
    m = (x >= lo - pad) & (x <= hi + pad)
    curves = [curve(g, x[m], ds[f"guild_{g}"].values[m]) for g in GUILD_NAMES]
    return {"x_title": "day", "y_title": "relative abundance", "curves": curves,
            "vlines": days}


@metric("composition_distance")
def m_composition_distance(ctx: Context, a: dict, b: dict) -> MetricOutput:
    """Bray-Curtis dissimilarity between the guild compositions selected by a and b."""
    _, va = _guild_vector(ctx, a)
    _, vb = _guild_vector(ctx, b)
    days = [d for s in (a, b) for d in (s.get("day"), s.get("from_day")) if d is not None]
    return MetricOutput(bray_curtis(va, vb), _composition_plot(ctx, a.get("run", "main"),
                                                               days or [0.0]))


@metric("composition_recovery")
def m_composition_recovery(ctx: Context, ref: dict, at_day: float, after_days: float,
                           run: str = "main") -> MetricOutput:
    """Bray-Curtis distance to the ``ref`` composition ``after_days`` after ``at_day``,
    divided by the distance at ``at_day`` (0.5 = halved)."""
    _, base = _guild_vector(ctx, {**ref, "run": run})
    _, d0 = _guild_vector(ctx, {"run": run, "day": at_day})
    _, d1 = _guild_vector(ctx, {"run": run, "day": at_day + after_days})
    a, b = bray_curtis(d0, base), bray_curtis(d1, base)
    return MetricOutput(_div(b, a), _composition_plot(ctx, run, [at_day, at_day + after_days]),
                        detail=f"distance {a:.3f} at day {at_day:g}, {b:.3f} "
                               f"{after_days:g} d later")


@metric("min_ratio")
def m_min_ratio(ctx: Context, at: dict | list[dict], ref: dict,
                vars: list[str] | str = "guilds", run: str = "main",
                min_ref: float = 0.0) -> MetricOutput:
    """Smallest ratio var(at)/var(ref) over ``vars`` (``guilds`` = every guild's relative
    abundance), ignoring variables whose reference value is below ``min_ref``. ``at`` and
    ``ref`` may name their own ``run`` (default ``run``); ``at`` may be a list of selectors
    (e.g. one per diet), the smallest ratio over all of them is taken."""
    if vars == "guilds":
        from gutbrain.model.microbiota import GUILD_NAMES

        vars = [f"guild_{g}" for g in GUILD_NAMES]
    ratios = {}
    for v in vars:
        r = select(ctx, **{"run": run, **ref, "var": v})
        if r < min_ref:
            continue
        for a in (at if isinstance(at, list) else [at]):
            label = v if isinstance(at, dict) else f"{v} [{a.get('run', run)}]"
            ratios[label] = _div(select(ctx, **{"run": run, **a, "var": v}), r)
    name = min(ratios, key=ratios.get)
    plot = {"x_title": "variable", "y_title": "ratio", "categorical": True, "y_log": True,
            "curves": [{"name": "ratio", "x": list(ratios), "y": list(ratios.values()),
                        "kind": "sim", "mode": "markers"}]}
    return MetricOutput(ratios[name], plot, detail=f"lowest: {name}")


__all__ = ["METRICS", "Context", "MetricOutput", "check_arguments", "compute", "metric",
           "select", "bray_curtis"]


def _trial(ctx: Context) -> dict[str, Any]:
    import json

    return json.loads(ctx.run("trial").attrs["trial"])


@metric("trial_contrast")
def m_trial_contrast(ctx: Context, outcome: str, stat: str = "hedges_g",
                     arm: str | None = None, sign: float = 1.0) -> MetricOutput:
    """A contrast of a virtual trial against its first arm: of change scores (hedges_g,
    mean_difference), baseline-adjusted (hedges_g_ancova, mean_difference_ancova: ANCOVA of
    the end value on arm and baseline, analysis.trial.ancova), or of events (risk_ratio,
    responder_risk_ratio); ``sign`` flips the convention (e.g. positive = benefit in
    Hofmeister 2021)."""
    res = _trial(ctx)
    cis = {"hedges_g": "ci95", "risk_ratio": "ci95",
           "hedges_g_ancova": "hedges_g_ancova_ci95",
           "mean_difference_ancova": "mean_difference_ancova_ci95"}
    for c in res["contrasts"]:
        if c["outcome"] == outcome and (arm is None or c["arm"] == arm):
            if stat not in c:
                raise KeyError(f"the trial's {outcome!r} contrast has no statistic {stat!r} "
                               f"(it has {', '.join(k for k in c if k not in ('arm', 'vs'))})")
            lo, hi = c[cis[stat]] if stat in cis else (None, None)
            detail = f"{c['arm']} vs {c['vs']}, {outcome}: {stat} = {c[stat]:.3f}"
            if lo is not None:
                detail += f" (95% CI {lo:.2f} to {hi:.2f})"
            return MetricOutput(sign * float(c[stat]), detail=detail)
    raise KeyError(f"the trial has no contrast for outcome {outcome!r} (arm {arm})")


def _contrast(res: dict[str, Any], outcome: str, arm: str, stat: str) -> dict[str, Any]:
    for c in res["contrasts"]:
        if c["outcome"] == outcome and c["arm"] == arm:
            if stat not in c:
                raise KeyError(f"the trial's {outcome!r} contrast of arm {arm!r} has no "
                               f"statistic {stat!r}")
            return c
    raise KeyError(f"the trial has no contrast for outcome {outcome!r} (arm {arm})")


@metric("trial_contrast_ratio")
def m_trial_contrast_ratio(ctx: Context, outcome: str, arm: str, over: str,
                           stat: str = "risk_ratio") -> MetricOutput:
    """One arm's contrast against the first arm divided by another arm's (e.g. the risk
    ratio of three courses over that of one: how much the risk rises between two doses,
    read within one trial, so the shared comparator cancels)."""
    res = _trial(ctx)
    top, bottom = _contrast(res, outcome, arm, stat), _contrast(res, outcome, over, stat)
    value = float(top[stat]) / float(bottom[stat])
    return MetricOutput(value, detail=f"{outcome} {stat}: {arm} {top[stat]:.3f} / {over} "
                                      f"{bottom[stat]:.3f} (vs {top['vs']})")


@metric("trial_observational")
def m_trial_observational(ctx: Context, outcome: str, arm: str,
                          stat: str = "risk_ratio") -> MetricOutput:
    """An every-arm trial's observational read of one arm against the first (trial.json
    ``observational``, analysis.observational): the contrast a cohort study would see if the
    arms' exposure fell on persons by their proneness to it."""
    block = _trial(ctx).get("observational")
    if block is None:
        raise KeyError("the trial has no observational read (its spec has no observational "
                       "block)")
    for c in block["contrasts"]:
        if c["outcome"] == outcome and c["arm"] == arm:
            if stat.startswith("recorded_"):  # the records-based read (observational.records)
                rec = c.get("recorded")
                name = stat.removeprefix("recorded_")
                if rec is None or name not in rec:
                    raise KeyError(f"the observational {outcome!r} contrast of arm {arm!r} has "
                                   f"no recorded {name!r} (does the spec have a records "
                                   "block?)")
                lo, hi = rec["ci95"]
                return MetricOutput(float(rec[name]), detail=(
                    f"{arm} vs {c['vs']}, {outcome}: recorded {name} = {rec[name]:.3f} (95% "
                    f"CI {lo:.2f} to {hi:.2f}; unrecorded observational {c['risk_ratio']:.3f})"))
            if stat not in c:
                raise KeyError(f"the observational {outcome!r} contrast of arm {arm!r} has no "
                               f"statistic {stat!r}")
            lo, hi = c["ci95"]
            causal = c.get(f"causal_{stat}", float("nan"))
            detail = (f"{arm} vs {c['vs']}, {outcome}: observational {stat} = {c[stat]:.3f} "
                      f"(95% CI {lo:.2f} to {hi:.2f}; causal {causal:.3f}, effective n "
                      f"{c['effective_n']:.0f})")
            return MetricOutput(float(c[stat]), detail=detail)
    raise KeyError(f"the trial has no observational contrast for outcome {outcome!r} "
                   f"(arm {arm})")


@metric("trial_arm")
def m_trial_arm(ctx: Context, arm: str, outcome: str, stat: str) -> MetricOutput:
    """A per-arm summary of a virtual trial (e.g. responder_rate, change_mean, rate)."""
    value = _trial(ctx)["arms"][arm]["outcomes"][outcome][stat]
    return MetricOutput(float(value), detail=f"{arm}: {outcome} {stat} = {value:.3f}")

