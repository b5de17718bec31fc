"""HTML report of a virtual trial: change distributions, responders, contrasts."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from gutbrain.analysis.trial_spec import OUTCOMES, TrialSpec
from gutbrain.results.io import write_text_atomic


def _fmt(x: Any) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return "n/a"
    return f"{x:.3g}" if isinstance(x, float) else html.escape(str(x))


def write_trial_report(spec: TrialSpec, result: dict[str, Any], persons: pd.DataFrame,
                       path: str | Path) -> Path:
    ok = persons[persons.status == "ok"]
    parts = []
    first = True
    for o in spec.outcomes:
        fig = go.Figure()
        if OUTCOMES[o][0] == "binary":
            rates = [result["arms"][a]["outcomes"][o]["rate"] for a in spec.arms]
            fig.add_trace(go.Bar(x=list(spec.arms), y=rates))
            fig.update_layout(title=f"{o}: share of persons", yaxis_range=[0, 1])
        else:
            for arm in spec.arms:
                d = ok[ok.arm == arm]
                fig.add_trace(go.Violin(y=d[f"{o}_end"] - d[f"{o}_baseline"], name=arm,
                                        box_visible=True, meanline_visible=True, points=False))
            fig.update_layout(title=f"{o}: change from baseline ({OUTCOMES[o][1]})")
        fig.update_layout(height=340, margin={"t": 40, "b": 30})
        parts.append(fig.to_html(full_html=False, include_plotlyjs="inline" if first else False))
        first = False
    scores = [o for o in spec.outcomes if OUTCOMES[o][0] == "score"]
    if scores:
        fig = go.Figure()
        for arm in spec.arms:
            out = result["arms"][arm]["outcomes"]
            fig.add_trace(go.Bar(name=arm, x=[f"{o} responders" for o in scores] +
                                 [f"{o} remission" for o in scores],
                                 y=[out[o]["responder_rate"] for o in scores] +
                                   [out[o]["remission_rate"] for o in scores]))
        fig.update_layout(barmode="group", height=340, title="responders (>=50% reduction) "
                          "and remission", margin={"t": 40, "b": 30})
        parts.append(fig.to_html(full_html=False, include_plotlyjs=False))
    keys = ["arm", "vs", "outcome", "mean_difference", "hedges_g", "risk_ratio", "ci95",
            "p_value"]
    rows = "".join("<tr>" + "".join(
        f"<td>{_fmt(c.get(k, '')) if k != 'ci95' else _fmt(c[k][0]) + ' to ' + _fmt(c[k][1])}"
        "</td>" for k in keys) + "</tr>" for c in result["contrasts"])
    arms = "".join(f"<li>{html.escape(a)}: n = {v['n']} analysed"
                   + (f" ({v['failed']} of {v['randomised']} failed to simulate)"
                      if v.get("failed") else "") + "</li>"
                   for a, v in result["arms"].items())
    warnings = "".join(f"<li>{html.escape(w)}</li>" for w in result.get("warnings", []))
    if warnings:
        warnings = ("<div style='border:2px solid #c60;background:#fff4e5;padding:.5em 1em'>"
                    f"<b>Warnings</b><ul>{warnings}</ul></div>")
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(spec.name)}
</title><style>body{{font-family:system-ui,sans-serif;max-width:1100px;margin:auto;padding:1em}}
td,th{{border:1px solid #ccc;padding:3px 6px;font-size:13px}}table{{border-collapse:collapse}}
</style></head><body><h1>Virtual trial: {html.escape(spec.name)}</h1>{warnings}
<p>Population <code>{html.escape(spec.population.preset)}</code> (n = {len(persons)}, seed
{spec.population.seed}), run-in {spec.run_in_days:g} days, follow-up {spec.days:g} days.
Scores carry visit-to-visit measurement noise; HAM-D/MADRS are severity-band linked to the
latent PHQ-9. Everyday stress varies weekly; all arms receive the same non-specific care.
Failed persons: {result['failed_persons']}.</p><ul>{arms}</ul>
<h2>Contrasts against {html.escape(list(spec.arms)[0])}</h2>
<table><tr>{''.join(f'<th>{k}</th>' for k in keys)}</tr>{rows}</table>
{''.join(parts)}</body></html>"""
    return write_text_atomic(path, page)
