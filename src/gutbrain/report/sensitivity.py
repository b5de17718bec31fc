"""HTML report of a global sensitivity run (``gutbrain sensitivity``): per output, ranked bars
(Morris μ* with its CI and σ; Sobol ST and S1 with CIs) and, for Morris, the μ*–σ plane;
an overview heat map of the leading parameters over all outputs. plotly.js is inlined once,
in the head, before any figure calls it."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gutbrain.results.io import write_text_atomic

TOP = 20  # parameters shown per output in the ranked bars
OVERVIEW_TOP = 30


def _num(x: Any) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "n/a"
    return f"{x:.3g}" if isinstance(x, float) else html.escape(str(x))


def _pct(x: Any) -> str:
    return "n/a" if x is None or (isinstance(x, float) and not np.isfinite(x)) else f"{x:.0%}"


def _wide(table: pd.DataFrame, output: str, index: str) -> pd.DataFrame:
    d = table[(table.output == output) & (table["index"] == index)]
    return d.set_index("parameter")


def _ranked(table: pd.DataFrame, output: str, method: str):
    import plotly.graph_objects as go

    main, second = ("mu_star", "sigma") if method == "morris" else ("ST", "S1")
    a, b = _wide(table, output, main), _wide(table, output, second)
    order = a["value"].fillna(-np.inf).sort_values(ascending=False).index[:TOP][::-1]
    fig = go.Figure()
    for name, d, color in ((main, a, "#1f77b4"), (second, b, "#ff7f0e")):
        d = d.loc[order]
        fig.add_trace(go.Bar(
            y=list(order), x=d["value"], orientation="h", name=_label(name),
            marker_color=color,
            error_x={"type": "data", "symmetric": False,
                     "array": (d["ci_high"] - d["value"]).fillna(0).to_numpy(),
                     "arrayminus": (d["value"] - d["ci_low"]).fillna(0).to_numpy()}))
    fig.update_layout(barmode="group", height=120 + 26 * len(order),
                      title=f"{output}: top {len(order)} by {_label(main)}",
                      margin={"t": 40, "b": 30, "l": 10, "r": 10},
                      legend={"orientation": "h", "y": -0.04})
    return fig


def _plane(table: pd.DataFrame, output: str):
    import plotly.graph_objects as go

    a, s = _wide(table, output, "mu_star"), _wide(table, output, "sigma")
    s = s.reindex(a.index)
    fig = go.Figure(go.Scatter(x=a["value"], y=s["value"], mode="markers",
                               text=list(a.index), hovertemplate="%{text}<br>μ* %{x:.3g}"
                               "<br>σ %{y:.3g}<extra></extra>"))
    top = a["value"].fillna(-np.inf).sort_values(ascending=False).index[:8]
    for p in top:
        fig.add_annotation(x=a.loc[p, "value"], y=s.loc[p, "value"], text=p, showarrow=False,
                           yshift=10, font={"size": 10})
    fig.update_layout(height=380, title=f"{output}: μ*–σ plane (σ/μ* high: non-linear or "
                      "interacting)", xaxis_title="μ*", yaxis_title="σ",
                      margin={"t": 40, "b": 40, "l": 50, "r": 10})
    return fig


def _overview(table: pd.DataFrame, method: str, outputs: list[str]):
    """Leading parameters x outputs, each output's index scaled to its largest value."""
    import plotly.graph_objects as go

    main = "mu_star" if method == "morris" else "ST"
    d = table[table["index"] == main].pivot(index="parameter", columns="output",
                                            values="value")
    d = d.reindex(columns=[o for o in outputs if o in d.columns])
    scaled = d / d.abs().max(axis=0).replace(0, np.nan)
    order = scaled.max(axis=1).fillna(-1).sort_values(ascending=False).index[:OVERVIEW_TOP]
    z = scaled.loc[order]
    fig = go.Figure(go.Heatmap(z=z.to_numpy(), x=list(z.columns), y=list(z.index),
                               colorscale="Blues", zmin=0, zmax=1,
                               colorbar={"title": "relative"}))
    fig.update_layout(height=160 + 20 * len(order), yaxis={"autorange": "reversed"},
                      title=f"Overview: {_label(main)} relative to each output's largest",
                      margin={"t": 40, "b": 60, "l": 10, "r": 10})
    return fig


def _label(index: str) -> str:
    return {"mu_star": "μ*", "mu": "μ", "sigma": "σ", "ST": "ST (total)",
            "S1": "S1 (first order)"}.get(index, index)


def write_sensitivity_report(table: pd.DataFrame, info: dict[str, Any],
                             path: str | Path) -> Path:
    """report.html: the run's design, what failed and was dropped, and per output the
    ranked indices."""
    from plotly.offline import get_plotlyjs

    method = info["method"]
    outputs = list(info["outputs"])
    figs = []
    if len(outputs) > 1:
        figs.append(_overview(table, method, outputs))
    for o in outputs:
        figs.append(_ranked(table, o, method))
        if method == "morris":
            figs.append(_plane(table, o))
    body = "".join(f.to_html(full_html=False, include_plotlyjs=False) for f in figs)
    warn = "".join(f"<li>{html.escape(w)}</li>" for w in info.get("warnings", []))
    if warn:
        warn = ("<div style='border:2px solid #c60;background:#fff4e5;padding:.5em 1em'>"
                f"<b>Notes and warnings</b><ul>{warn}</ul></div>")
    reasons = "".join(f"<li>{html.escape(str(k))}: {v}</li>"
                      for k, v in info.get("failure_reasons", {}).items())
    culprits = "".join(
        f"<tr><td>{html.escape(c['parameter'])}</td><td>{_pct(c['failed_low'])}</td>"
        f"<td>{_pct(c['failed_high'])}</td><td>{c['steps_to_failure']}</td>"
        f"<td>{c['steps_to_success']}</td></tr>"
        for c in info.get("failures_by_parameter", [])[:10])
    if culprits:
        culprits = (
            f"<details><summary>Parameters that go with failures (overall "
            f"{_pct(info['failures_by_parameter'][0]['failed_all'])} of runs)</summary><table>"
            "<tr><th>parameter</th><th>failed, lowest 10 % of range</th><th>failed, highest "
            "10 %</th><th>its step made a run fail</th><th>its step made a run succeed</th>"
            f"</tr>{culprits}</table></details>")
    dropped = "".join(
        f"<tr><td>{html.escape(o)}</td><td>{d['blocks_complete']} of {d['blocks']}</td>"
        + (f"<td>{d['effects_dropped']} of {d['effects']}</td>" if method == "morris" else "")
        + "</tr>" for o, d in info.get("dropped", {}).items())
    params = "".join(
        f"<tr><td>{html.escape(p['name'])}</td><td>{_num(p['low'])}</td>"
        f"<td>{_num(p['high'])}</td><td>{html.escape(p['unit'])}</td>"
        f"<td>{p['distribution']}</td><td>{html.escape(p['basis'])}</td>"
        f"<td>{html.escape(p['module'])}</td></tr>" for p in info["parameters"])
    if method == "morris":
        what = (f"Morris elementary effects: r = {info['n']} trajectories, {info['levels']} "
                "grid levels, one trajectory = one run per parameter + 1. μ* is the mean "
                "absolute effect of moving a parameter across 2/3 of its range (of its "
                "logarithm for log-uniform ones), in the output's units per range fraction; σ "
                "their spread (non-linearity or interactions); μ their mean (sign).")
    else:
        what = (f"Sobol indices: N = {info['n']} Saltelli base samples (scrambled Sobol' "
                "sequence), N (D + 2) runs. ST: share of the output's variance involving the "
                "parameter (with all its interactions); S1: its share alone. Second-order "
                "indices are not computed.")
    target = info["target"]
    summ = ("the trial's contrasts (Hedges' g, risk ratios) and arm means" if
            target["kind"] == "trial" else {
                "end": "the value on the last day (midnight)",
                "mean": "the time average over the run (daily midnight samples)",
                "change": "the last day minus day 0 (midnight values)"}[info["summary"]])
    dropped_head = ("<th>output</th><th>blocks complete</th>"
                    + ("<th>effects dropped</th>" if method == "morris" else ""))
    page = f"""<!doctype html><html><head><meta charset="utf-8">
<title>gutbrain sensitivity: {html.escape(target['name'])}</title>
<script type="text/javascript">{get_plotlyjs()}</script>
<style>body{{font-family:system-ui,sans-serif;max-width:1150px;margin:auto;padding:1em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:3px 6px;font-size:13px}}
details{{margin:.5em 0}}</style></head><body>
<h1>Global sensitivity: {html.escape(target['name'])} <small>({target['kind']})</small></h1>
{warn}
<p>{what}</p>
<p>Each sampled parameter set is a person: the {target['kind']}'s person with those values,
started at their own periodic steady state and simulated by the batch engine at the cohort
tolerance (rtol {info['rtol']:g}, {info['error_norm']} norm). Parameters are sampled
{html.escape(info['distributions'])}. Outputs: {html.escape(summ)}. Confidence intervals:
{html.escape(info['confidence'])}. Seed {info['seed']}; {info['runs']:,} runs.</p>
<p>Failed runs: {info['failed_runs']} (in {info['failed_blocks']} of {info['blocks']} blocks:
one block is a {html.escape(info['block'])}). Effects smaller than about rtol × the output's
size are at the level of the integration error.</p>{f'<ul>{reasons}</ul>' if reasons else ''}
{culprits}
<details><summary>What was dropped, per output</summary><table><tr>{dropped_head}</tr>
{dropped}</table></details>
<details><summary>{len(info['parameters'])} parameters sampled</summary><table><tr>
<th>parameter</th><th>low</th><th>high</th><th>unit</th><th>distribution</th><th>basis</th>
<th>module</th></tr>{params}</table></details>
{body}
<p style="color:#666">Sensitivity of a mechanistic research model over its declared
plausible ranges; not a statement about real persons.</p></body></html>"""
    return write_text_atomic(path, page)


__all__ = ["write_sensitivity_report"]
