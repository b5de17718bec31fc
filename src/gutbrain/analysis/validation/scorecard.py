"""The scorecard: a table of targets (value vs window, pass/fail, runtime) and summaries."""

from __future__ import annotations

import math
from collections import Counter

from rich.console import Console
from rich.table import Table

from gutbrain.analysis.validation.harness import TargetResult

STYLE = {"pass": "green", "fail": "red", "error": "bold red", "skipped": "yellow"}


def window_text(window: tuple[float | None, float | None]) -> str:
    lo, hi = window
    if lo is None:
        return f"≤ {hi:g}"
    if hi is None:
        return f"≥ {lo:g}"
    return f"[{lo:g}, {hi:g}]"


def value_text(value: float | None) -> str:
    if value is None:
        return "—"
    if not math.isfinite(value):
        return str(value)
    return f"{value:.4g}"


def summarize(results: list[TargetResult], key: str) -> dict[str, Counter]:
    """Counts of statuses per tier or per module (``key``)."""
    out: dict[str, Counter] = {}
    for r in results:
        c = out.setdefault(getattr(r, key), Counter())
        c[r.status] += 1
        c["total"] += 1
    return dict(sorted(out.items()))


def summary_line(c: Counter) -> str:
    ran = c["total"] - c["skipped"]
    parts = [f"{c['pass']}/{ran} passed"]
    if c["fail"]:
        parts.append(f"{c['fail']} failed")
    if c["error"]:
        parts.append(f"{c['error']} errors")
    if c["skipped"]:
        parts.append(f"{c['skipped']} skipped")
    return ", ".join(parts)


def scorecard_table(results: list[TargetResult]) -> Table:
    """One row per target, grouped by module (ids never wrap, so they can be copied)."""
    table = Table(title="gutbrain validation scorecard", show_lines=False)
    table.add_column("id", overflow="fold", min_width=16)
    table.add_column("tier", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("window", justify="right", overflow="fold")
    table.add_column("result", no_wrap=True)
    table.add_column("s", justify="right", no_wrap=True)
    by_module: dict[str, list[TargetResult]] = {}
    for r in results:
        by_module.setdefault(r.module, []).append(r)
    for k, module in enumerate(sorted(by_module)):
        table.add_row(f"[bold]{module}[/]")
        rs = by_module[module]
        for i, r in enumerate(rs):
            table.add_row(r.id, r.tier, value_text(r.value), window_text(r.window),
                          f"[{STYLE[r.status]}]{r.status.upper()}[/]", f"{r.runtime_s:.2f}",
                          end_section=(i == len(rs) - 1 and k < len(by_module) - 1))
    return table


def notes_lines(results: list[TargetResult]) -> list[str]:
    """Notes of targets that did not pass (errors, skips, NaN values)."""
    return [f"[{STYLE[r.status]}]{r.status}[/] {r.id}: {r.note}" for r in results if r.note]


def summary_table(results: list[TargetResult]) -> Table:
    table = Table(title="summary", show_lines=False)
    for col in ("group", "passed", "failed", "errors", "skipped", "total"):
        table.add_column(col, justify="right" if col != "group" else "left")
    rows = [("all", _all(results))]
    rows += [(f"tier {k}", c) for k, c in summarize(results, "tier").items()]
    rows += [(f"module {k}", c) for k, c in summarize(results, "module").items()]
    rows += [(f"split {k}", c) for k, c in summarize(results, "split").items() if k]
    for name, c in rows:
        table.add_row(name, str(c["pass"]), str(c["fail"]), str(c["error"]), str(c["skipped"]),
                      str(c["total"]))
    return table


def _all(results: list[TargetResult]) -> Counter:
    c: Counter = Counter()
    for r in results:
        c[r.status] += 1
        c["total"] += 1
    return c


def print_scorecard(results: list[TargetResult], console: Console | None = None,
                    total_s: float | None = None) -> None:
    console = console or Console()
    console.print(scorecard_table(results))
    for line in notes_lines(results):
        console.print(line, soft_wrap=True)
    console.print(summary_table(results))
    line = f"overall: {summary_line(_all(results))}"
    if total_s is not None:
        line += f" in {total_s:.1f} s"
    console.print(line, highlight=False)
    for text in split_lines(results):
        console.print(text, highlight=False, soft_wrap=True)


def split_lines(results: list[TargetResult]) -> list[str]:
    """The calibration / held-out split of the Bayesian calibration: pass rate of each part,
    and the posterior-predictive coverage of the related held-out targets recorded with the
    shipped ensemble (``calibration/uncertainty.py`` checks; not rerun here)."""
    parts = summarize(results, "split")
    lines = [f"{k} set: {summary_line(c)}" for k, c in parts.items() if k]
    try:
        from gutbrain.analysis.uncertainty.ensemble import load_ensemble

        checks = load_ensemble().record.get("checks")
    except Exception:  # no ensemble shipped or readable: the scorecard stands without it
        checks = None
    if checks:
        lines.append(
            f"posterior ensemble ({checks['members']} members run): related held-out targets "
            f"whose 90 % predictive interval meets the window {checks['held_out_covered']}/"
            f"{checks['held_out_total']}; held-out pass rate of the members "
            f"{checks['held_out_member_pass_rate']:.0%} (calibration/uncertainty.py checks)")
    return lines


__all__ = ["print_scorecard", "scorecard_table", "split_lines", "summary_table", "summarize",
           "summary_line", "window_text", "value_text", "notes_lines"]
