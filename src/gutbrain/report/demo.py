"""The main job: simulate the gut–brain story and write an HTML report with PNG figures."""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import plotly.graph_objects as go  # noqa: E402
import xarray as xr  # noqa: E402
from plotly.subplots import make_subplots  # noqa: E402

from gutbrain import __version__  # noqa: E402
from gutbrain.analysis.explain import explain  # noqa: E402
from gutbrain.api import simulate  # noqa: E402
from gutbrain.results.io import write_results, write_text_atomic  # noqa: E402
from gutbrain.scenario.library import demo_scenarios  # noqa: E402
from gutbrain.scenario.schema import Scenario  # noqa: E402

PANELS = [  # (observable, title, daily statistic)
    ("phq9", "PHQ-9 (0-27)", "mean"),
    ("gad7", "GAD-7 (0-21)", "mean"),
    ("cortisol", "cortisol, daily mean (µg/dL)", "mean"),
    ("il6", "IL-6 (pg/mL)", "mean"),
    ("butyrate", "colonic butyrate (mM)", "mean"),
    ("shannon", "Shannon diversity (species level)", "mean"),
    ("barrier_integrity", "barrier integrity (0-1)", "mean"),
    ("vagal_afferent", "vagal afferent signal", "mean"),
]
WINDOW = (56.0, 70.0)  # days compared in the summary: the end of the 8-week interventions
REFERENCE = {"stress_reduction": "chronic_stress"}  # natural comparator besides the baseline


def daily(ds: xr.Dataset, var: str) -> xr.DataArray:
    return ds[var].coarsen(day=24, boundary="trim").mean()


def _scenario_figure(name: str, ds: xr.Dataset, base: xr.Dataset) -> go.Figure:
    fig = make_subplots(rows=2, cols=4, subplot_titles=[p[1] for p in PANELS],
                        horizontal_spacing=0.06, vertical_spacing=0.16)
    for k, (var, _, _) in enumerate(PANELS):
        r, c = divmod(k, 4)
        for data, label, color, dash in ((base, "baseline", "#888", "dash"),
                                         (ds, name, "#1f77b4", "solid")):
            d = daily(data, var)
            fig.add_trace(go.Scatter(x=d.day.values, y=d.values, name=label,
                                     line={"color": color, "dash": dash},
                                     showlegend=(k == 0), legendgroup=label),
                          row=r + 1, col=c + 1)
    fig.update_layout(height=520, margin={"t": 40, "b": 30, "l": 40, "r": 10},
                      legend={"orientation": "h", "y": -0.08})
    fig.update_xaxes(title_text="day", row=2)
    return fig


def _png(name: str, ds: xr.Dataset, base: xr.Dataset, path: Path) -> None:
    fig, axes = plt.subplots(2, 4, figsize=(14, 6), constrained_layout=True)
    for ax, (var, title, _) in zip(axes.flat, PANELS, strict=True):
        b = daily(base, var)
        s = daily(ds, var)
        ax.plot(b.day, b, "--", color="0.5", label="baseline")
        ax.plot(s.day, s, color="tab:blue", label=name)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("day")
    axes.flat[0].legend(fontsize=8)
    fig.suptitle(f"gutbrain {__version__}: {name} vs baseline")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _circadian_figure(runs: dict[str, xr.Dataset]) -> go.Figure:
    fig = go.Figure()
    for name in ("baseline", "chronic_stress", "stress_reduction"):
        if name in runs:
            d = runs[name].sel(day=slice(*WINDOW[:1], WINDOW[0] + 2))
            fig.add_trace(go.Scatter(x=(d.day.values - WINDOW[0]) * 24, y=d.cortisol.values,
                                     name=name))
    fig.update_layout(height=330, xaxis_title="hours from midnight of day 56",
                      yaxis_title="cortisol (µg/dL)", margin={"t": 30, "b": 40})
    return fig


def _paragraph(sc: Scenario, ds: xr.Dataset, base: xr.Dataset,
               ref: xr.Dataset | None = None) -> str:
    if sc.name == "baseline":
        b = ds.sel(day=slice(*WINDOW)).mean()
        return (f"The reference person at steady state on a Western diet: PHQ-9 "
                f"{float(b.phq9):.1f}, GAD-7 {float(b.gad7):.1f}, cortisol daily mean "
                f"{float(b.cortisol):.1f} µg/dL, IL-6 {float(b.il6):.2f} pg/mL, colonic "
                f"acetate:propionate:butyrate {float(b.acetate):.0f}:{float(b.propionate):.0f}:"
                f"{float(b.butyrate):.0f} mM at pH {float(b.colon_ph):.2f}, Shannon "
                f"{float(b.shannon):.2f}. Every other scenario is compared with this one.")
    dep = explain(ds, base, "phq9", WINDOW)
    anx = explain(ds, base, "gad7", WINDOW)
    extra = ""
    if ref is not None:
        d2 = explain(ds, ref, "phq9", WINDOW)
        a2 = explain(ds, ref, "gad7", WINDOW)
        extra += f" Compared with {REFERENCE[sc.name]} alone: {d2.text()} {a2.text()}"
    if any(iv.type == "antibiotic" for iv in sc.interventions):
        low = float(ds.shannon.min())
        day_low = float(ds.shannon.idxmin())
        extra = (f" Shannon diversity fell from {float(base.shannon[0]):.2f} to {low:.2f} "
                 f"(day {day_low:.0f}) and was back to {float(ds.shannon.sel(day=90)):.2f} "
                 "by day 90.")
    return html.escape(f"{sc.description} {dep.text()} {anx.text()}{extra}")


def run_demo(out_dir: str | Path, progress: Callable[[str], None] | None = None) -> Path:
    """Simulate the built-in scenarios and write report.html, figures and result tables."""
    out = Path(out_dir)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    runs: dict[str, xr.Dataset] = {}
    scenarios = demo_scenarios()
    for sc in scenarios:
        runs[sc.name] = simulate(sc)
        write_results(runs[sc.name], out / "runs" / sc.name)
        if progress:
            progress(sc.name)
    base = runs["baseline"]
    sections = []
    first = True
    for sc in scenarios:
        ds = runs[sc.name]
        fig_html = _scenario_figure(sc.name, ds, base).to_html(
            full_html=False, include_plotlyjs="inline" if first else False)
        first = False
        _png(sc.name, ds, base, out / "figures" / f"{sc.name}.png")
        text = _paragraph(sc, ds, base, runs.get(REFERENCE.get(sc.name, "")))
        sections.append(f"<h2>{html.escape(sc.name)}</h2><p>{text}</p>"
                        f"{fig_html}<p class='png'>PNG: <a href='figures/{sc.name}.png'>"
                        f"figures/{sc.name}.png</a></p>")
    rows = "".join(
        "<tr><td>{}</td>{}</tr>".format(
            html.escape(name),
            "".join(f"<td>{float(runs[name][v].sel(day=slice(*WINDOW)).mean()):.2f}</td>"
                    for v, _, _ in PANELS))
        for name in runs)
    header = "".join(f"<th>{html.escape(t)}</th>" for _, t, _ in PANELS)
    circ = _circadian_figure(runs).to_html(full_html=False, include_plotlyjs=False)
    elapsed = time.perf_counter() - t0
    page = f"""<!doctype html><html><head><meta charset="utf-8">
<title>gutbrain demo report</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1150px;margin:auto;padding:1em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:3px 6px;font-size:13px}}
p{{line-height:1.45}}</style></head><body>
<h1>gutbrain: the gut–brain story of one person</h1>
<p>One simulated healthy adult (preset <code>healthy_adult</code>, Western diet) lives through
each built-in scenario for 120 days; interventions start on day 14. Dashed grey lines are the
unchanged baseline. Each paragraph attributes the change of the mood scores to the model's
pathways (contributions to the depression/anxiety set points, averaged over days
{WINDOW[0]:g}–{WINDOW[1]:g}). Model and engine: gutbrain {__version__}; {len(runs)} runs in
{elapsed:.1f} s. This is a mechanistic model calibrated to published anchors, not a clinical
prediction for any real person.</p>
<h2>Summary (days {WINDOW[0]:g}–{WINDOW[1]:g})</h2>
<table><tr><th>scenario</th>{header}</tr>{rows}</table>
<h2>Cortisol rhythm</h2><p>Two days of plasma cortisol: the morning peak and awakening response,
raised by chronic stress and partly restored by mindfulness and exercise.</p>{circ}
{''.join(sections)}
</body></html>"""
    return write_text_atomic(out / "report.html", page)
