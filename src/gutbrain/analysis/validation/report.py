"""Self-contained HTML validation report: scorecard table, then one plot per target, grouped
by module (plotly.js is inlined once, so the page works offline)."""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

from gutbrain.analysis.validation.harness import TargetResult
from gutbrain.analysis.validation.scorecard import (
    _all,
    summarize,
    summary_line,
    value_text,
    window_text,
)

COLORS = {"pass": "#1a7f37", "fail": "#cf222e", "error": "#8250df", "skipped": "#bf8700"}
SIM_COLORS = ["#0969da", "#d1242f", "#1a7f37", "#8250df", "#bc4c00", "#0550ae", "#6e7781",
              "#116329", "#a40e26", "#953800", "#3e1f79", "#1b7c83", "#4d2d00", "#24292f"]

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#24292f}
h1{margin-bottom:4px} h2{border-bottom:1px solid #d0d7de;padding-bottom:4px;margin-top:36px}
table{border-collapse:collapse;font-size:13px;margin:12px 0}
th,td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa} td.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{color:#fff;border-radius:4px;padding:1px 6px;font-size:12px;font-weight:600}
.target{border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;margin:14px 0}
.meta{font-size:13px;color:#57606a;margin:2px 0}
"""


def _badge(status: str) -> str:
    return f'<span class="badge" style="background:{COLORS[status]}">{status.upper()}</span>'


def _figure(r: TargetResult) -> Any:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, column_widths=[0.74, 0.26], horizontal_spacing=0.1,
                        subplot_titles=("simulation" + (" vs data" if _has_data(r) else ""),
                                        "value vs accepted window"))
    p = r.plot or {}
    k = 0
    for c in p.get("curves", []):
        kind = c.get("kind", "sim")
        if kind == "data":
            err = dict(type="data", array=c["sd"], visible=True) if c.get("sd") else None
            fig.add_trace(go.Scatter(x=c["x"], y=c["y"], name=c["name"], mode="markers",
                                     marker=dict(color="black", size=7, symbol="circle-open"),
                                     error_y=err), 1, 1)
        elif kind == "ref":
            fig.add_trace(go.Scatter(x=c["x"], y=c["y"], name=c["name"], mode="lines",
                                     line=dict(color="#8c959f", dash="dash")), 1, 1)
        else:
            fig.add_trace(go.Scatter(x=c["x"], y=c["y"], name=c["name"],
                                     mode=c.get("mode", "lines"),
                                     line=dict(color=SIM_COLORS[k % len(SIM_COLORS)])), 1, 1)
            k += 1
    for a, b in p.get("xspans", []):
        fig.add_vrect(x0=a, x1=b, fillcolor="#0969da", opacity=0.07, line_width=0, row=1, col=1)
    for v in p.get("vlines", []):
        fig.add_vline(x=v, line=dict(color="#57606a", dash="dot", width=1), row=1, col=1)
    for h in p.get("hlines", []):
        fig.add_hline(y=h, line=dict(color="#57606a", dash="dot", width=1), row=1, col=1)
    fig.update_xaxes(title_text=p.get("x_title", ""), row=1, col=1)
    fig.update_yaxes(title_text=p.get("y_title", ""), row=1, col=1,
                     type="log" if p.get("y_log") else None)
    if p.get("categorical"):
        fig.update_xaxes(type="category", row=1, col=1)
    _bullet(fig, r)
    fig.update_layout(height=340, margin=dict(l=60, r=20, t=40, b=50),
                      legend=dict(font=dict(size=10)), template="plotly_white")
    return fig


def _has_data(r: TargetResult) -> bool:
    return any(c.get("kind") == "data" for c in (r.plot or {}).get("curves", []))


def _bullet(fig: Any, r: TargetResult) -> None:
    import plotly.graph_objects as go

    lo, hi = r.window
    v = r.value if r.value is not None and math.isfinite(r.value) else None
    pts = [x for x in (lo, hi, v) if x is not None]
    span = (max(pts) - min(pts)) or (abs(pts[0]) or 1.0)
    ymin, ymax = min(pts) - 0.3 * span, max(pts) + 0.3 * span
    wlo = lo if lo is not None else ymin
    whi = hi if hi is not None else ymax
    fig.add_trace(go.Scatter(x=[0, 1, 1, 0, 0], y=[wlo, wlo, whi, whi, wlo], fill="toself",
                             fillcolor="rgba(26,127,55,0.18)", line=dict(width=0),
                             name=f"window {window_text(r.window)}", hoverinfo="name"), 1, 2)
    if v is not None:
        fig.add_trace(go.Scatter(x=[0.5], y=[v], mode="markers+text", text=[value_text(v)],
                                 textposition="middle right",
                                 marker=dict(size=13, color=COLORS[r.status], symbol="diamond"),
                                 name=f"value {value_text(v)}"), 1, 2)
    else:
        fig.add_annotation(x=0.5, y=(wlo + whi) / 2, text=r.status, showarrow=False, row=1,
                           col=2)
    fig.update_xaxes(visible=False, range=[-0.2, 1.6], row=1, col=2)
    fig.update_yaxes(range=[ymin, ymax], title_text=r.unit, row=1, col=2)


def _scorecard_html(results: list[TargetResult]) -> str:
    rows = []
    for r in results:
        rows.append(
            f"<tr><td><a href='#{html.escape(r.id)}'>{html.escape(r.id)}</a></td>"
            f"<td>{r.module}</td><td>{r.tier}</td><td class=num>{value_text(r.value)}</td>"
            f"<td class=num>{html.escape(window_text(r.window))}</td>"
            f"<td>{html.escape(r.unit)}</td><td>{_badge(r.status)}</td>"
            f"<td class=num>{r.runtime_s:.2f}</td><td>{html.escape(r.note)}</td></tr>")
    head = ("<tr><th>id</th><th>module</th><th>tier</th><th>value</th><th>window</th>"
            "<th>unit</th><th>result</th><th>time (s)</th><th>note</th></tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _summary_html(results: list[TargetResult]) -> str:
    rows = [("all", _all(results))]
    rows += [(f"tier {k}", c) for k, c in summarize(results, "tier").items()]
    rows += [(f"module {k}", c) for k, c in summarize(results, "module").items()]
    body = "".join(f"<tr><td>{html.escape(n)}</td><td class=num>{c['pass']}</td>"
                   f"<td class=num>{c['fail']}</td><td class=num>{c['error']}</td>"
                   f"<td class=num>{c['skipped']}</td><td class=num>{c['total']}</td></tr>"
                   for n, c in rows)
    return ("<table><tr><th>group</th><th>passed</th><th>failed</th><th>errors</th>"
            f"<th>skipped</th><th>total</th></tr>{body}</table>")


def write_html(results: list[TargetResult], path: str | Path,
               targets: dict[str, Any] | None = None, total_s: float | None = None) -> Path:
    """Write the report. ``targets`` (id -> Target) adds quantity, source and notes."""
    from plotly.offline import get_plotlyjs

    from gutbrain import __version__

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    targets = targets or {}
    parts = [f"<h1>gutbrain validation report</h1><p class=meta>gutbrain {__version__} · "
             f"{html.escape(summary_line(_all(results)))}"
             + (f" · {total_s:.1f} s" if total_s is not None else "") + "</p>",
             "<h2>Summary</h2>", _summary_html(results), "<h2>Scorecard</h2>",
             _scorecard_html(results)]
    by_module: dict[str, list[TargetResult]] = {}
    for r in results:
        by_module.setdefault(r.module, []).append(r)
    for module in sorted(by_module):
        rs = by_module[module]
        c = summarize(rs, "module")[module]
        parts.append(f"<h2>{html.escape(module)} <span class=meta>({summary_line(c)})</span>"
                     "</h2>")
        for r in rs:
            t = targets.get(r.id)
            meta = [f"<b>{html.escape(r.quantity)}</b>",
                    f"value {value_text(r.value)} {html.escape(r.unit)} · window "
                    f"{html.escape(window_text(r.window))} · tier {r.tier} · "
                    f"{r.runtime_s:.2f} s"]
            if r.detail:
                meta.append(html.escape(r.detail))
            if r.note:
                meta.append("note: " + html.escape(r.note))
            meta.append("source: " + html.escape(r.source))
            if t is not None and getattr(t, "notes", ""):
                meta.append("notes: " + html.escape(t.notes))
            fig = _figure(r).to_html(full_html=False, include_plotlyjs=False,
                                     config={"displaylogo": False, "responsive": True})
            parts.append(f"<div class=target id='{html.escape(r.id)}'><div>{_badge(r.status)} "
                         f"<code>{html.escape(r.id)}</code></div>"
                         + "".join(f"<p class=meta>{m}</p>" for m in meta) + fig + "</div>")
    page = ("<!DOCTYPE html><html><head><meta charset='utf-8'>"
            "<title>gutbrain validation report</title>"
            f"<style>{CSS}</style><script type='text/javascript'>{get_plotlyjs()}</script>"
            "</head><body>" + "\n".join(parts) + "</body></html>")
    path.write_text(page, encoding="utf-8")
    return path


__all__ = ["write_html"]
