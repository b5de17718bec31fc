"""The main job: simulate the gut–brain story and write an HTML report with PNG figures.

The report is written for a lay reader first: each scenario opens with what happened to the
mood scores in plain words, against the questionnaires' severity bands and the size of change
clinicians notice; the model's pathway arithmetic (logit units) sits in a details line. The
rules behind the sentences and plot ranges live in :mod:`gutbrain.report.plain`.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
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
from gutbrain.report import plain  # noqa: E402
from gutbrain.report.page import figure_div, page  # noqa: E402
from gutbrain.results.io import write_results, write_text_atomic  # noqa: E402
from gutbrain.scenario.library import DEMO_ORDER, builtin_scenario  # noqa: E402
from gutbrain.scenario.schema import Scenario  # noqa: E402

PANELS = [  # (observable, title); rows: mood and stress | gut | tryptophan pathway
    ("phq9", "PHQ-9 depression (0–27)"),
    ("gad7", "GAD-7 anxiety (0–21)"),
    ("cortisol", "cortisol, daily mean (µg/dL)"),
    ("il6", "IL-6, inflammation (pg/mL)"),
    ("butyrate", "colonic butyrate (mM)"),
    ("shannon", "microbial diversity (Shannon, species level)"),
    ("barrier_integrity", "gut barrier integrity (0–1)"),
    ("vagal_afferent", "vagal signal, gut→brain (rel.)"),
    ("trp_plasma", "blood tryptophan (µM)"),
    ("kyn_plasma", "blood kynurenine (µM)"),
    ("serotonin_gut", "gut serotonin (rel.)"),
    ("serotonin_brain", "brain serotonin (rel.)"),
]
COLS = 4
SUMMARY = ["phq9", "gad7", "cortisol", "il6", "butyrate", "shannon", "barrier_integrity",
           "vagal_afferent", "trp_plasma", "kt_ratio", "serotonin_brain"]
SUMMARY_TITLES = {"kt_ratio": "kynurenine/tryptophan (µmol/mmol)"}
WINDOW = (56.0, 70.0)  # the summary table: the end of the 8-week interventions
EFFECT_DAYS = 14  # width of the window of largest effect
LAG_SHARE = 0.6  # name the causes' own window when they have faded below this share
TITLES = {"baseline": "Baseline: nothing changes", "high_fiber": "High-fibre diet",
          "antibiotic": "Antibiotic course", "probiotic": "Probiotic",
          "prebiotic": "Prebiotic (inulin)", "chronic_stress": "Chronic stress",
          "stress_reduction": "Chronic stress, with stress reduction"}
REFERENCE = {"stress_reduction": "chronic_stress"}  # natural comparator besides the baseline
BAND_COLORS = ("#e6f4ea", "#fdf7dc", "#fdebd3", "#fbdcd0", "#f6cccc")
SHADES = {"antibiotic": ("#8e44ad", "purple"), "probiotic": ("#2e86c1", "blue"),
          "prebiotic": ("#17a589", "teal"), "diet": ("#7d9d2a", "olive"),
          "stress": ("#c0392b", "red"), "stress reduction": ("#27ae60", "green")}
OTHER_SHADE = ("#7f8c8d", "grey")
BASE_LABEL = "baseline (no intervention)"


def daily(ds: xr.Dataset, var: str) -> xr.DataArray:
    """Daily means (the circadian rhythm averaged out)."""
    return ds[var].coarsen(day=24, boundary="trim").mean()


@dataclass
class ScoreStory:
    """What one mood score did in one comparison, in words and in model units."""

    score: str
    headline: str  # plain: size, bands, clinical relevance, window
    pathways: str  # plain: which pathways carried it
    lag: str  # plain: when the drivers moved, if well before the score's peak
    details: str  # latent units


@dataclass
class Story:
    scenario: str
    intro: str
    scores: list[ScoreStory]
    versus: str | None = None  # the natural comparator's name (stress_reduction)
    versus_scores: list[ScoreStory] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


def score_story(ds: xr.Dataset, ref: xr.Dataset, score: str) -> ScoreStory:
    """The plain sentences for one score: measured over the window where the difference is
    largest (stated), with the drivers' own window when the score lags them."""
    name = plain.SCALES[score].name
    window = plain.score_window(ds, ref, score, EFFECT_DAYS)
    e = explain(ds, ref, score, window)
    headline = plain.change_sentence(score, e.reference, e.scenario, window)
    pathways = plain.pathway_sentence(e, lead=f"{name} moved") if abs(e.change) >= 0.05 \
        else ""
    lag = ""
    details = plain.details_line(e)
    dwin = plain.drive_window(ds, ref, score, EFFECT_DAYS)
    early = explain(ds, ref, score, dwin)
    now = sum(c.delta_logit for c in e.contributions)
    peak = sum(c.delta_logit for c in early.contributions)
    if pathways and dwin[1] <= window[0] + EFFECT_DAYS / 2 and abs(peak) > 0 \
            and now / peak < LAG_SHARE:  # the score peaks after its causes have faded
        text = plain.pathway_sentence(early, lead="")
        if not text.startswith("No single"):
            lag = (f"{name} follows its causes slowly, over weeks: by days {window[0]:g}–"
                   f"{window[1]:g} they had faded to {max(now / peak, 0):.0%} of their largest "
                   f"difference, on days {dwin[0]:g}–{dwin[1]:g},{text}")
            details += " " + plain.details_line(early).replace(f"{name}, ",
                                                               f"{name} causes, ")
    return ScoreStory(score, headline, pathways, lag, details)


def scenario_story(sc: Scenario, ds: xr.Dataset, base: xr.Dataset,
                   ref: xr.Dataset | None = None, ref_name: str | None = None) -> Story:
    """Everything the report says about one scenario."""
    if not sc.interventions:
        b = ds.sel(day=slice(*WINDOW)).mean()
        intro = (f"{sc.description} This is the reference every other scenario is compared "
                 f"with. The person's PHQ-9 is {float(b.phq9):.1f} "
                 f"({plain.severity('phq9', float(b.phq9))}) and GAD-7 {float(b.gad7):.1f} "
                 f"({plain.severity('gad7', float(b.gad7))}); cortisol averages "
                 f"{float(b.cortisol):.1f} µg/dL over the day, IL-6 {float(b.il6):.2f} pg/mL; "
                 f"the colon holds acetate, propionate and butyrate at {float(b.acetate):.0f}, "
                 f"{float(b.propionate):.0f} and {float(b.butyrate):.0f} mM (pH "
                 f"{float(b.colon_ph):.2f}); microbial diversity (Shannon) is "
                 f"{float(b.shannon):.2f}. The lines stay flat: nothing changes.")
        return Story(sc.name, intro, [])
    story = Story(sc.name, sc.description,
                  [score_story(ds, base, s) for s in ("phq9", "gad7")],
                  flags=plain.belief_flags(sc, ds, base))
    if ref is not None:
        story.versus = ref_name
        story.versus_scores = [score_story(ds, ref, s) for s in ("phq9", "gad7")]
    return story


def _bold_lead(sentence: str) -> str:
    """'<b>PHQ-9 rose 0.4 points</b> (3.0 → 3.4 ...' (the answer first, in bold)."""
    head, sep, rest = sentence.partition(" (")
    return f"<b>{html.escape(head)}</b>{html.escape(sep + rest)}"


def _scores_html(items: list[ScoreStory]) -> str:
    parts = [f"<p class='headline'>{' '.join(_bold_lead(s.headline) for s in items)}</p>"]
    why = " ".join(s.pathways for s in items if s.pathways)
    lags = " ".join(s.lag for s in items if s.lag)
    if lags:
        why += " " + lags
    if why:
        parts.append(f"<p><b>Why, in the model:</b> {html.escape(why)}</p>")
    det = "<br>".join(html.escape(s.details) for s in items)
    parts.append(f"<details><summary>Details in model units</summary><p>{det}</p></details>")
    return "".join(parts)


def _story_html(story: Story) -> str:
    parts = [f"<p>{html.escape(story.intro)}</p>"]
    if story.scores:
        parts.append(_scores_html(story.scores))
    if story.versus:
        parts.append(f"<p><b>Compared with {html.escape(story.versus)} alone:</b></p>"
                     + _scores_html(story.versus_scores))
    for f in story.flags:
        parts.append(f"<p class='flag'><b>The model's result, not established fact.</b> "
                     f"{html.escape(f)}</p>")
    return "".join(parts)


# ---- figures -----------------------------------------------------------------------------
def shade_caption(sc: Scenario) -> str:
    """'antibiotic (purple), days 14–21' for the shaded intervention windows."""
    return "; ".join(f"{label} ({SHADES.get(label, OTHER_SHADE)[1]}), days {a:g}–{b:g}"
                     for a, b, label in plain.intervention_windows(sc))


def _lines(sc: Scenario, ds: xr.Dataset, base: xr.Dataset, ref: xr.Dataset | None,
           ref_name: str | None) -> list[tuple[xr.Dataset, str, str, str]]:
    """(run, legend label, colour, dash) of the lines drawn in every panel."""
    if not sc.interventions:
        return [(ds, BASE_LABEL, "#555", "solid")]
    lines = [(base, BASE_LABEL, "#888", "dash")]
    if ref is not None and ref_name:
        lines.append((ref, f"{ref_name} alone", "#d08a00", "dot"))
    lines.append((ds, sc.name, "#1f5fa8", "solid"))
    return lines


def _panel_range(var: str, values: list) -> tuple[float, float]:
    return plain.score_range(var, values) if var in plain.SCALES else plain.y_range(values)


def scenario_figure(sc: Scenario, ds: xr.Dataset, base: xr.Dataset,
                    ref: xr.Dataset | None = None, ref_name: str | None = None) -> go.Figure:
    """Daily means of the panels, intervention windows shaded, severity bands on the mood
    scores, y-ranges that keep flat lines flat."""
    rows = -(-len(PANELS) // COLS)
    fig = make_subplots(rows=rows, cols=COLS, subplot_titles=[p[1] for p in PANELS],
                        horizontal_spacing=0.07, vertical_spacing=0.11)
    fig.update_annotations(font_size=13)
    lines = _lines(sc, ds, base, ref, ref_name)
    windows = plain.intervention_windows(sc)
    shapes: list[dict] = []  # built as plain dicts: add_vrect per panel is slow
    labels: list[dict] = []
    for k, (var, _) in enumerate(PANELS):
        r, c = divmod(k, COLS)
        ax = "" if k == 0 else str(k + 1)
        values = []
        for run, label, color, dash in lines:
            d = daily(run, var)
            values.append(d.values)
            fig.add_trace(go.Scatter(x=d.day.values, y=d.values, name=label, mode="lines",
                                     line={"color": color, "dash": dash, "width": 2},
                                     showlegend=(k == 0), legendgroup=label,
                                     hovertemplate="day %{x:.0f}: %{y:.3g}"),
                          row=r + 1, col=c + 1)
        lo, hi = _panel_range(var, values)
        fig.update_yaxes(range=[lo, hi], row=r + 1, col=c + 1)
        if var in plain.SCALES:
            for (y0, y1, name), color in zip(plain.visible_bands(var, hi), BAND_COLORS,
                                             strict=False):
                shapes.append({"type": "rect", "xref": f"x{ax} domain", "yref": f"y{ax}",
                               "x0": 0, "x1": 1, "y0": y0, "y1": y1, "fillcolor": color,
                               "line": {"width": 0}, "layer": "below"})
                labels.append({"xref": f"x{ax} domain", "yref": f"y{ax}", "x": 0.01, "y": y1,
                               "text": name, "showarrow": False, "xanchor": "left",
                               "yanchor": "top", "font": {"size": 9, "color": "#777"}})
        for a, b, label in windows:
            shapes.append({"type": "rect", "xref": f"x{ax}", "yref": f"y{ax} domain",
                           "x0": a, "x1": b, "y0": 0, "y1": 1, "opacity": 0.12,
                           "fillcolor": SHADES.get(label, OTHER_SHADE)[0],
                           "line": {"width": 0}, "layer": "below"})
    fig.update_layout(height=250 * rows + 60, margin={"t": 40, "b": 40, "l": 45, "r": 10},
                      legend={"orientation": "h", "y": -0.06}, template="plotly_white",
                      hovermode="x unified", shapes=shapes,
                      annotations=[*fig.layout.annotations, *labels])
    fig.update_xaxes(range=[0, float(ds.day.max())], dtick=20)
    fig.update_xaxes(title_text="day", row=rows)
    return fig


def scenario_png(sc: Scenario, ds: xr.Dataset, base: xr.Dataset, path: Path,
                 ref: xr.Dataset | None = None, ref_name: str | None = None) -> None:
    """The same panels as a static PNG (for slides and papers)."""
    rows = -(-len(PANELS) // COLS)
    fig, axes = plt.subplots(rows, COLS, figsize=(14, 2.8 * rows + 0.6))
    fig.subplots_adjust(left=0.04, right=0.99, bottom=0.06, top=0.92, wspace=0.22,
                        hspace=0.42)  # fixed: constrained layout costs seconds per figure
    lines = _lines(sc, ds, base, ref, ref_name)
    windows = plain.intervention_windows(sc)
    for ax, (var, title) in zip(axes.flat, PANELS, strict=True):
        values = []
        for run, label, color, dash in lines:
            d = daily(run, var)
            values.append(d.values)
            ax.plot(d.day, d, color=color, label=label,
                    linestyle={"dash": "--", "dot": ":", "solid": "-"}[dash], lw=1.6)
        lo, hi = _panel_range(var, values)
        ax.set_ylim(lo, hi)
        ax.ticklabel_format(axis="y", useOffset=False, style="plain")
        if var in plain.SCALES:
            for (y0, y1, name), color in zip(plain.visible_bands(var, hi), BAND_COLORS,
                                             strict=False):
                ax.axhspan(y0, y1, color=color, zorder=0)
                ax.text(0.01, y1 - 0.02 * (hi - lo), name, fontsize=7, color="0.45",
                        va="top", transform=ax.get_yaxis_transform())
        for a, b, label in windows:
            ax.axvspan(a, b, color=SHADES.get(label, OTHER_SHADE)[0], alpha=0.12, lw=0,
                       zorder=0)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("day", fontsize=9)
        ax.tick_params(labelsize=8)
    axes.flat[0].legend(fontsize=7, loc="upper right")
    shaded = shade_caption(sc)
    fig.suptitle(f"gutbrain {__version__}: {sc.name}" + (f" (shaded: {shaded})" if shaded
                                                         else ""), fontsize=11)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def circadian_figure(runs: dict[str, xr.Dataset]) -> go.Figure:
    """Two days of plasma cortisol around day 56, when the stress scenarios are running."""
    fig = go.Figure()
    colors = {"baseline": "#888", "chronic_stress": "#c0392b", "stress_reduction": "#1f5fa8"}
    values = []
    for name in ("baseline", "chronic_stress", "stress_reduction"):
        if name in runs:
            d = runs[name].cortisol.sel(day=slice(WINDOW[0], WINDOW[0] + 2))
            values.append(d.values)
            fig.add_trace(go.Scatter(x=(d.day.values - WINDOW[0]) * 24, y=d.values,
                                     name=name, line={"color": colors[name]},
                                     hovertemplate="%{x:.0f} h: %{y:.1f} µg/dL"))
    lo, hi = plain.y_range(values) if values else (0.0, 1.0)
    fig.update_layout(height=330, template="plotly_white", margin={"t": 20, "b": 40},
                      xaxis={"title": f"hours from midnight at the start of day {WINDOW[0]:g}",
                             "dtick": 6},
                      yaxis={"title": "plasma cortisol (µg/dL)", "range": [lo, hi]})
    return fig


# ---- page --------------------------------------------------------------------------------
MODEL_BOX = """<div class="box"><b>What this model is and is not</b><ul>
<li><b>It is</b> a mechanistic model of one simulated adult: gut microbes fed by diet, their
fermentation products, the gut barrier, inflammation, the stress hormone system with its daily
rhythm, tryptophan's routes to serotonin or kynurenine, the vagus nerve, and mood. Its
parameters come from published studies and are calibrated to published anchors; the same
inputs always give the same result.</li>
<li><b>It is a tool</b> to explore how these systems could interact and to generate
hypotheses. The pathway explanations describe the model's own arithmetic.</li>
<li><b>It is not</b> a prediction, diagnosis or advice for any real person, and it is not
proven to forecast anyone's response to a treatment. PHQ-9 and GAD-7 here are the model's mood
states expressed on those questionnaires' scales, not anyone's answers.</li>
<li><b>It is not complete:</b> it leaves out genetics, sleep, medication, life events and
day-to-day variation, and <code>gutbrain validate</code> shows that it does not yet reproduce
every published experiment it is compared with. Results that run against common belief are
flagged as the model's.</li></ul></div>"""


def _how_to_read() -> str:
    bands = []
    for s in plain.SCALES.values():
        edges = [b[0] for b in s.bands[1:]] + [s.maximum + 1]
        ranges = ", ".join(f"{name} {edge:g}–{nxt - 1:g}"
                           for (edge, name), nxt in zip(s.bands, edges, strict=True))
        bands.append(f"<li><b>{s.name}</b>: {ranges} ({s.bands_source}). A change of about "
                     f"{s.mcid:g} points is the smallest that clinicians regard as "
                     f"meaningful ({s.mcid_source}).</li>")
    return ("<h2>How to read the scores</h2><p>PHQ-9 measures depressive symptoms (0–27) and "
            "GAD-7 anxiety symptoms (0–21). The figures shade their severity bands:</p>"
            f"<ul>{''.join(bands)}</ul><p>Changes well below these sizes would not be "
            "noticed in a clinic, even where the model computes them precisely.</p>")


def _glance_table(scenarios: Sequence[Scenario], runs: dict[str, xr.Dataset]) -> str:
    base = runs["baseline"]
    rows = []
    for sc in scenarios:
        if not sc.interventions:
            continue
        cells = [f"<td><a href='#{html.escape(sc.name)}'>"
                 f"{html.escape(TITLES.get(sc.name, sc.name))}</a></td>"]
        for score in ("phq9", "gad7"):
            a, b = plain.score_window(runs[sc.name], base, score, EFFECT_DAYS)
            s = float(runs[sc.name][score].sel(day=slice(a, b)).mean())
            r = float(base[score].sel(day=slice(a, b)).mean())
            noticed = "yes" if abs(s - r) >= plain.SCALES[score].mcid else "no"
            cells.append(f"<td class='num'>{s - r:+.1f}</td><td>days {a:g}–{b:g}</td>"
                         f"<td>{noticed}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    head = ("<tr><th rowspan=2>scenario</th><th colspan=3>PHQ-9 vs baseline</th>"
            "<th colspan=3>GAD-7 vs baseline</th></tr><tr>"
            + "<th>largest change</th><th>when</th><th>clinically noticeable?</th>" * 2
            + "</tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _values_table(runs: dict[str, xr.Dataset]) -> str:
    titles = dict(PANELS) | SUMMARY_TITLES
    header = "".join(f"<th>{html.escape(titles[v])}</th>" for v in SUMMARY)
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td>"
        + "".join(f"<td class='num'>{float(ds[v].sel(day=slice(*WINDOW)).mean()):.2f}</td>"
                  for v in SUMMARY) + "</tr>"
        for name, ds in runs.items())
    return f"<table><tr><th>scenario</th>{header}</tr>{rows}</table>"


def _references() -> str:
    items = "".join(f"<li>{html.escape(t)}</li>" for t in plain.REFERENCES.values())
    return f"<h2>References</h2><ol class='refs'>{items}</ol>"


def build_report(scenarios: Sequence[Scenario], runs: dict[str, xr.Dataset], out_dir: Path,
                 elapsed: float | None = None, pngs: bool = True) -> Path:
    """Write report.html and figures/*.png for runs already simulated (``runs`` holds a
    ``baseline``; ``pngs=False`` skips the static figures, e.g. in quick tests)."""
    out = Path(out_dir)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    base = runs["baseline"]
    sections = []
    for sc in scenarios:
        ds = runs[sc.name]
        ref_name = REFERENCE.get(sc.name)
        ref = runs.get(ref_name) if ref_name else None
        if ref is None:
            ref_name = None
        story = scenario_story(sc, ds, base, ref, ref_name)
        fig = scenario_figure(sc, ds, base, ref, ref_name)
        if pngs:
            scenario_png(sc, ds, base, out / "figures" / f"{sc.name}.png", ref, ref_name)
        shaded = shade_caption(sc)
        caption = " ".join(x for x in (
            f"Daily means over {sc.days:g} days.",
            f"Shaded: {shaded}. Grey dashed: the same person without intervention." if shaded
            else "",
            "Coloured bands on PHQ-9 and GAD-7: severity bands. 'rel.': relative to a healthy "
            "person (= 1). Panels never zoom in below ±10% of their level, so a flat line is "
            "a real non-change.") if x)
        sections.append(
            f"<section id='{html.escape(sc.name)}'><h2>{html.escape(TITLES.get(sc.name, sc.name))}"
            f" <small><code>{html.escape(sc.name)}</code></small></h2>"
            f"{_story_html(story)}{figure_div(fig, f'fig-{sc.name}')}"
            f"<p class='caption'>{html.escape(caption)} PNG: <a href='figures/{sc.name}.png'>"
            f"figures/{sc.name}.png</a></p></section>")
    circ = ""
    if any(n in runs for n in ("chronic_stress", "stress_reduction")):
        circ = ("<h2>Cortisol rhythm</h2><p>Two days of plasma cortisol during the stress "
                "scenarios: the morning peak and the rise after waking, raised by chronic "
                "stress and partly restored by mindfulness and exercise.</p>"
                + figure_div(circadian_figure(runs), "fig-cortisol-rhythm"))
    timing = f"; {len(runs)} runs in {elapsed:.1f} s" if elapsed is not None else ""
    body = f"""<h1>gutbrain: the gut–brain story of one person</h1>
<p>One simulated healthy adult on a Western diet lives through each scenario below for
{scenarios[0].days:g} days; interventions start on day 14. For each scenario the report says
first how the mood scores changed and whether a clinician would notice, then which of the
model's pathways carried the change. Changes are measured over the {EFFECT_DAYS} days where
they are largest, and the report says which days those are. Model and engine: gutbrain
{__version__}{timing}.</p>
{MODEL_BOX}{_how_to_read()}
<h2>At a glance</h2>{_glance_table(scenarios, runs)}
{circ}
{''.join(sections)}
<h2>Values at the end of the 8-week interventions (days {WINDOW[0]:g}–{WINDOW[1]:g})</h2>
{_values_table(runs)}
{_references()}"""
    return write_text_atomic(out / "report.html", page("gutbrain demo report", body))


def run_demo(out_dir: str | Path, progress: Callable[[str], None] | None = None,
             names: Sequence[str] | None = None) -> Path:
    """Simulate the built-in scenarios (``names``, default all; the baseline is always run)
    and write report.html, figures and result tables."""
    out = Path(out_dir)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    wanted = ["baseline", *[n for n in (names or DEMO_ORDER) if n != "baseline"]]
    scenarios = [builtin_scenario(n) for n in wanted]
    runs: dict[str, xr.Dataset] = {}
    for sc in scenarios:
        runs[sc.name] = simulate(sc)
        write_results(runs[sc.name], out / "runs" / sc.name)
        if progress:
            progress(sc.name)
    return build_report(scenarios, runs, out, time.perf_counter() - t0)
