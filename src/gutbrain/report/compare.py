"""HTML page of a comparison of two runs (``gutbrain compare``): panels of key observables
for both runs, the difference table and the pathway attribution."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import xarray as xr

from gutbrain.analysis.compare import daily_means
from gutbrain.results.io import write_text_atomic

PANELS = (("phq9", "PHQ-9 (0-27)"), ("gad7", "GAD-7 (0-21)"), ("cortisol", "cortisol (µg/dL)"),
          ("il6", "IL-6 (pg/mL)"), ("butyrate", "butyrate (mM)"),
          ("barrier_integrity", "barrier integrity"), ("trp_plasma", "plasma Trp (µM)"),
          ("vagal_afferent", "vagal afferent signal"))


def _num(x: Any) -> str:
    if x is None:
        return "n/a"
    return f"{x:.4g}" if isinstance(x, float) else html.escape(str(x))


def write_compare_html(path: str | Path, result: dict[str, Any], scenario: xr.Dataset,
                       reference: xr.Dataset, names: tuple[str, str]) -> Path:
    import plotly.graph_objects as go
    from plotly.offline import get_plotlyjs
    from plotly.subplots import make_subplots

    panels = [(v, t) for v, t in PANELS if v in scenario and v in reference]
    rows = (len(panels) + 3) // 4
    fig = make_subplots(rows=rows, cols=4, subplot_titles=[t for _, t in panels],
                        horizontal_spacing=0.06, vertical_spacing=0.14)
    a, b = result["window"]
    for k, (var, _) in enumerate(panels):
        r, c = divmod(k, 4)
        for ds, label, color, dash in ((reference, names[1], "#888", "dash"),
                                       (scenario, names[0], "#1f77b4", "solid")):
            x, y = daily_means(ds[var])
            fig.add_trace(go.Scatter(x=x, y=y, name=label, legendgroup=label,
                                     showlegend=(k == 0), line={"color": color, "dash": dash}),
                          row=r + 1, col=c + 1)
        fig.add_vrect(x0=a, x1=b, fillcolor="#fd3", opacity=0.15, line_width=0,
                      row=r + 1, col=c + 1)
    fig.update_layout(height=280 * rows, margin={"t": 40, "b": 30, "l": 40, "r": 10},
                      legend={"orientation": "h", "y": -0.08})
    table = "".join(
        f"<tr><td>{html.escape(o['observable'])}</td><td>{html.escape(o['unit'])}</td>"
        f"<td class=n>{_num(o['reference'])}</td><td class=n>{_num(o['scenario'])}</td>"
        f"<td class=n>{_num(o['difference'])}</td><td class=n>"
        + ("n/a" if o["relative_change"] is None else f"{100 * o['relative_change']:+.1f} %")
        + "</td></tr>" for o in result["observables"])
    why = "".join(f"<p>{html.escape(e['text'])}</p>" for e in result["attribution"].values())
    page = f"""<!doctype html><html><head><meta charset="utf-8">
<title>gutbrain: {html.escape(names[0])} vs {html.escape(names[1])}</title>
<script type="text/javascript">{get_plotlyjs()}</script>
<style>body{{font-family:system-ui,sans-serif;max-width:1150px;margin:auto;padding:1em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:3px 6px;font-size:13px}}
td.n{{text-align:right}}</style></head><body>
<h1>{html.escape(names[0])} <small>vs</small> {html.escape(names[1])}</h1>
<p>Means over days {a:g}–{b:g} (shaded). The reference is dashed.</p>
{fig.to_html(full_html=False, include_plotlyjs=False)}
<h2>Why mood differs</h2>{why}
<h2>Key observables</h2><table><tr><th>observable</th><th>unit</th>
<th>{html.escape(names[1])}</th><th>{html.escape(names[0])}</th><th>difference</th>
<th>change</th></tr>{table}</table>
<p style="color:#666">A mechanistic research model, not a clinical prediction for a real
person.</p></body></html>"""
    return write_text_atomic(path, page)
