"""HTML report of a virtual trial: per-arm table, time courses by arm, change distributions,
responders, contrasts. All numbers come from trial.json (``result``) and persons.parquet."""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from gutbrain.analysis.trial_spec import OUTCOMES, TrialSpec
from gutbrain.report import plain
from gutbrain.report.page import figure_div, page
from gutbrain.results.io import write_text_atomic

ARM_COLORS = ("#666666", "#1f5fa8", "#c0392b", "#27ae60", "#8e44ad", "#d08a00", "#17a589")
BAND_COLORS = ("#e6f4ea", "#fdf7dc", "#fdebd3", "#fbdcd0", "#f6cccc")



# how the report names each trial design (analysis.trial.DESIGNS)
DESIGN_TEXT = {"open": "<code>open</code>: trial contact (visits, assessment) from randomisation",
               "placebo_controlled": "<code>placebo_controlled</code>: trial contact and the "
                                     "expectancy of a treatment believed possibly active (double "
                                     "blind) from randomisation",
               "observational": "<code>observational</code>: no trial contact or expectancy "
                                "(a cohort or survey)"}

# how the report names each allocation (TrialSpec.allocation)
ALLOCATION_TEXT = {
    "randomised": "Each person was randomised to one arm (equal allocation).",
    "every_arm": "Every person was simulated in every arm (<code>allocation: every_arm</code>, "
                 "the counterfactual design): a person meets the same life events, everyday "
                 "stress and visit noise in each arm, so contrasts are paired and carry the "
                 "arms' effect without sampling noise between persons."}


def _fmt(x: Any) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return "n/a"
    return f"{x:.3g}" if isinstance(x, float) else html.escape(str(x))


def _msd(mean: float | None, sd: float | None) -> str:
    """'12.3 ± 4.5' (n/a for undefined statistics)."""
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "n/a"
    if sd is None or (isinstance(sd, float) and math.isnan(sd)):
        return f"{mean:.2f}"
    return f"{mean:.2f} ± {sd:.2f}"


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def arm_table(spec: TrialSpec, result: dict[str, Any]) -> str:
    """Per arm: persons randomised, analysed and failed; per outcome and arm: baseline, end
    and change as mean ± SD (score outcomes with responder and remission rates)."""
    arms = result["arms"]
    every_arm = result.get("design", {}).get("allocation") == "every_arm"
    head = (f"<tr><th>arm</th><th>{'simulated' if every_arm else 'randomised'}</th>"
            "<th>analysed</th><th>failed to simulate</th></tr>")
    rows = "".join(
        f"<tr><td>{html.escape(a)}</td><td class='num'>{v.get('randomised', v['n'])}</td>"
        f"<td class='num'>{v['n']}</td><td class='num'>{v.get('failed', 0)}</td></tr>"
        for a, v in arms.items())
    out = [f"<table class='arms'>{head}{rows}</table>"]
    cont = ("<tr><th>outcome</th><th>arm</th><th>baseline</th><th>end</th><th>change</th>"
            "<th>responders (≥50% fall)</th><th>remission</th></tr>")
    body = []
    for o in spec.outcomes:
        if OUTCOMES[o][0] == "binary":
            continue
        for k, (a, v) in enumerate(arms.items()):
            s = v["outcomes"].get(o, {})
            name = f"<td rowspan={len(arms)}>{html.escape(OUTCOMES[o][1])}</td>" if k == 0 \
                else ""
            resp = s.get("responder_rate")
            rem = s.get("remission_rate")
            body.append(
                f"<tr>{name}<td>{html.escape(a)}</td>"
                f"<td class='num'>{_msd(s.get('baseline_mean'), s.get('baseline_sd'))}</td>"
                f"<td class='num'>{_msd(s.get('end_mean'), s.get('end_sd'))}</td>"
                f"<td class='num'>{_msd(s.get('change_mean'), s.get('change_sd'))}</td>"
                f"<td class='num'>{'' if resp is None else f'{resp:.0%}'}</td>"
                f"<td class='num'>{'' if rem is None else f'{rem:.0%}'}</td></tr>")
    if body:
        out.append(f"<table class='outcomes'>{cont}{''.join(body)}</table>")
    binary = [o for o in spec.outcomes if OUTCOMES[o][0] == "binary"]
    if binary:
        rows = "".join(
            f"<tr><td>{html.escape(_outcome_label(spec, o))}</td><td>{html.escape(a)}</td>"
            f"<td class='num'>{v['outcomes'][o]['events']} of {v['n']} "
            f"({v['outcomes'][o]['rate']:.0%})</td></tr>"
            for o in binary for a, v in arms.items())
        out.append("<table class='binary'><tr><th>outcome</th><th>arm</th><th>events</th></tr>"
                   f"{rows}</table>")
    return "".join(out)


def _outcome_label(spec: TrialSpec, outcome: str) -> str:
    """An outcome's description, with the lagged event window when the spec sets one."""
    label = OUTCOMES[outcome][1]
    if outcome == "mde_incidence" and spec.events_from_day:
        label += f" (from day {spec.events_from_day:g} on)"
    return label


def _events_text(spec: TrialSpec) -> str:
    """Says when a lagged event window (``events_from_day``) leaves early episodes out."""
    if not spec.events_from_day:
        return ""
    return (f" Episodes (mde_incidence) are counted from day {spec.events_from_day:g} after "
            "randomisation on (<code>events_from_day</code>), not over the whole follow-up.")


def _ci(ci: list | None) -> str:
    return "" if not ci else f"{_fmt(ci[0])} to {_fmt(ci[1])}"


CONTRAST_COLUMNS = (
    # (header, trial.json key or None for a derived cell)
    ("arm", "arm"), ("vs", "vs"), ("outcome", "outcome"),
    ("mean_difference", "mean_difference"), ("hedges_g", "hedges_g"),
    ("risk_ratio", "risk_ratio"), ("ci95", "ci95"), ("p_value", "p_value"),
    ("mean_difference_ancova", "mean_difference_ancova"),
    ("hedges_g_ancova (95% CI)", "hedges_g_ancova"), ("p_value_ancova", "p_value_ancova"),
)


def contrast_table(result: dict[str, Any]) -> str:
    """The contrasts of trial.json: change-score statistics (mean_difference, hedges_g, ci95,
    p_value; risk_ratio for events) and, for continuous outcomes, the baseline-adjusted
    (ANCOVA) difference and g beside them; a caption says how the two differ."""
    # headers may wrap after an underscore (<wbr>), so the table fits the page's width
    head = "".join(f"<th>{html.escape(h).replace('_', '_<wbr>')}</th>"
                   for h, _ in CONTRAST_COLUMNS)
    rows = []
    for c in result["contrasts"]:
        cells = []
        for _, k in CONTRAST_COLUMNS:
            v = c.get(k, "")
            cell = _ci(v) if k.endswith("ci95") else _fmt(v)
            if k == "hedges_g_ancova" and k in c:
                cell += f" ({_ci(c.get('hedges_g_ancova_ci95'))})"
            cells.append(cell)
        rows.append("<tr>" + "".join(f"<td>{v}</td>" for v in cells) + "</tr>")
    caption = ("<p class='caption'>mean_difference and hedges_g compare the arms' change "
               "scores (end minus baseline; g standardised by the pooled SD of the change). "
               "The _ancova columns are baseline-adjusted: the arm coefficient of a regression "
               "of the end value on arm and baseline (ANCOVA), with g standardised by the "
               "pooled SD of the end values. With a chance difference between the arms' "
               "baselines, change scores regress to the mean and the two disagree; the "
               "adjusted estimate is the one most published trials report.</p>")
    paired = ("<p class='caption'>Every person was simulated in every arm: each contrast "
              "compares the same persons (n_pairs in trial.json), with paired intervals and p "
              "values (paired t; risk ratios with the paired delta-method interval). Their "
              "baselines are the same, so the _ancova columns are the paired difference of "
              "the end values.</p>"
              if result.get("design", {}).get("allocation") == "every_arm" else "")
    return (f"<div class='scroll'><table class='contrasts'><tr>{head}</tr>{''.join(rows)}"
            f"</table></div>{caption}{paired}")


def observational_table(result: dict[str, Any]) -> str:
    """The observational read (trial.json ``observational``): each arm's contrast as a cohort
    study would see it beside the causal one, with the exposure model in words."""
    obs = result.get("observational")
    if not obs:
        return ""
    records = obs.get("records")
    rows = []
    for c in obs["contrasts"]:
        key = "risk_ratio" if "risk_ratio" in c else "mean_difference"
        conf = c.get("confounding_ratio", c.get("confounding_difference"))
        rec = c.get("recorded")
        spans = bool(records and records.get("corners"))
        rec_cells = "" if not records else (
            f"<td class='num'>{_fmt(rec['risk_ratio'])}</td><td>{_ci(rec['ci95'])}</td>"
            + (f"<td>{_ci(rec.get('span'))}</td>" if spans else "")
            + f"<td class='num'>{_fmt(rec['detection_ratio'])}</td>" if rec
            else "<td>–</td>" * (4 if spans else 3))
        rows.append(f"<tr><td>{html.escape(c['arm'])}</td><td>{html.escape(c['outcome'])}</td>"
                    f"<td>{key if key == 'risk_ratio' else 'mean_difference (end)'}</td>"
                    f"<td class='num'>{_fmt(c[key])}</td>"
                    f"<td>{_ci(c['ci95'])}</td><td class='num'>{_fmt(c[f'causal_{key}'])}</td>"
                    f"<td class='num'>{_fmt(conf)}</td>"
                    f"<td class='num'>{_fmt(c['effective_n'])}</td>{rec_cells}</tr>")
    spans = bool(records and records.get("corners"))
    rec_head = ("<th>recorded</th><th>95% CI (recorded)</th>"
                + ("<th>over the records ranges</th>" if spans else "")
                + "<th>detection</th>" if records else "")
    rec_text = "" if not records else (
        "<p>Recorded: the same events as a records-based study sees them. A diagnosis enters "
        f"the record only at a consultation ({records['consultations_per_year']:g} a year on "
        "average, each person's rate a gamma propensity of shape "
        f"{records['consultation_dispersion']:g} that is part of their exposure proneness), "
        f"recorded at each consultation during an episode ({records['episode_days']:g} days, "
        f"consultations × {records['help_seeking']:g}) with probability "
        f"{records['recording_per_consultation']:g}; {records['recorded_share']:.0%} of "
        "episodes reach the record. Persons who consult more are both exposed and recorded "
        "more; detection is the recorded over the unrecorded risk ratio."
        + (f" Over the records ranges: the recorded risk ratio's lowest and highest value at "
           f"the {records['corners']} corners of "
           + ", ".join(f"{html.escape(k)} {lo:g}-{hi:g}" for k, (lo, hi)
                       in records["ranges"].items())
           + " (how sure the recorded read is; the 95% CI is persons' sampling alone)."
           if spans else "") + "</p>")
    counts = ", ".join(
        f"{html.escape(a)} {lo if hi == lo else f'{lo}-{hi}' if hi is not None else f'{lo}+'}"
        f" ({obs['share'][a]:.1%})" for a, (lo, hi) in obs["counts"].items())
    covs = "; ".join(f"{html.escape(k)}: rate × {v['rate_ratio']:g} per {v['per']:g}"
                     for k, v in obs["covariates"].items()) or "none (exposure at random)"
    frailty = ("Poisson" if obs["dispersion"] is None else
               f"negative binomial, gamma frailty of shape {obs['dispersion']:g}")
    return (f"<h2>Observational read</h2><p>What a cohort study would see if "
            f"{html.escape(obs['exposure'])} fell on persons by their proneness instead of "
            f"being assigned: a person's count over the follow-up is {frailty}, mean "
            f"{obs['mean_count']:g}, its rate multiplied by their covariates ({covs}); each "
            "person's outcome in an arm is weighted by their probability of that arm's count "
            f"(count and population share: {counts}).</p>"
            "<div class='scroll'><table class='contrasts'><tr><th>arm</th><th>outcome</th>"
            "<th>statistic</th><th>observational</th><th>95% CI (bootstrap)</th>"
            f"<th>causal</th><th>confounding</th><th>effective n</th>{rec_head}</tr>"
            f"{''.join(rows)}</table></div>{rec_text}<p class='caption'>Scores are compared "
            "at the end "
            "(a cohort study sees persons after their exposure, not their change). Causal: "
            "the same persons' "
            "unweighted paired contrast. Confounding: observational over causal (risk "
            "ratios) or their difference (means); it is the part the covariates carry, and "
            "nothing the exposure model leaves out.</p>")


def time_course_figure(spec: TrialSpec, course: dict[str, Any], outcome: str) -> go.Figure:
    """Mean ± SD of a score outcome by day for every arm; day 0 is randomisation."""
    day = np.asarray(course["day"], dtype=float)
    fig = go.Figure()
    values = []
    for k, arm in enumerate(spec.arms):
        arm_course = course["arms"].get(arm)
        if not arm_course or outcome not in arm_course["outcomes"]:
            continue
        tc = arm_course["outcomes"][outcome]
        mean = np.array([np.nan if v is None else v for v in tc["mean"]], dtype=float)
        sd = np.array([np.nan if v is None else v for v in tc["sd"]], dtype=float)
        color = ARM_COLORS[k % len(ARM_COLORS)]
        values.append(mean + np.nan_to_num(sd))
        values.append(mean - np.nan_to_num(sd))
        fig.add_trace(go.Scatter(x=np.concatenate([day, day[::-1]]),
                                 y=np.concatenate([mean + sd, (mean - sd)[::-1]]),
                                 fill="toself", fillcolor=_rgba(color, 0.15),
                                 line={"width": 0}, hoverinfo="skip", legendgroup=arm,
                                 showlegend=False, name=f"{arm} ± SD"))
        fig.add_trace(go.Scatter(x=day, y=mean, name=f"{arm} (n = {arm_course['n']})",
                                 legendgroup=arm, line={"color": color, "width": 2},
                                 hovertemplate="day %{x:.0f}: %{y:.1f}"))
    if outcome in plain.SCALES:
        lo, hi = plain.score_range(outcome, values)
        for (y0, y1, name), color in zip(plain.visible_bands(outcome, hi), BAND_COLORS,
                                         strict=False):
            fig.add_hrect(y0=y0, y1=y1, fillcolor=color, line_width=0,
                          layer="below", annotation_text=name,
                          annotation_position="top left",
                          annotation_font={"size": 10, "color": "#777"})
    else:
        lo, hi = plain.y_range(values)
    if spec.run_in_days > 0:
        fig.add_vrect(x0=-spec.run_in_days, x1=0, fillcolor="#999", opacity=0.12,
                      line_width=0, layer="below", annotation_text="run-in",
                      annotation_position="top right")
    fig.add_vline(x=0, line={"color": "#555", "dash": "dot", "width": 1})
    fig.update_layout(height=360, template="plotly_white", margin={"t": 40, "b": 40},
                      title=f"{OUTCOMES[outcome][1].split(',')[0]}: arm mean ± SD by day "
                            "(noise-free model score)",
                      xaxis_title="days from randomisation", yaxis={"range": [lo, hi]},
                      hovermode="x unified")
    return fig


def write_trial_report(spec: TrialSpec, result: dict[str, Any], persons: pd.DataFrame,
                       path: str | Path) -> Path:
    ok = persons[persons.status == "ok"]
    arms_list = list(spec.arms)
    scores = [o for o in spec.outcomes if OUTCOMES[o][0] == "score"]
    course = result.get("time_course")
    courses = []
    if scores and course:
        courses = [figure_div(time_course_figure(spec, course, o), f"fig-course-{o}")
                   for o in scores]
    elif scores:
        courses = ["<p>Time courses are not available for this run (its chunks were written "
                   "by a version that did not record them).</p>"]
    parts = []
    for o in spec.outcomes:
        fig = go.Figure()
        if OUTCOMES[o][0] == "binary":
            rates = [result["arms"][a]["outcomes"][o]["rate"] for a in spec.arms]
            fig.add_trace(go.Bar(x=arms_list, y=rates))
            fig.update_layout(title=f"{_outcome_label(spec, o)}: share of persons",
                              yaxis_range=[0, 1])
        else:
            for k, arm in enumerate(spec.arms):
                d = ok[ok.arm == arm]
                fig.add_trace(go.Violin(y=d[f"{o}_end"] - d[f"{o}_baseline"], name=arm,
                                        box_visible=True, meanline_visible=True, points=False,
                                        line_color=ARM_COLORS[k % len(ARM_COLORS)]))
            fig.update_layout(title=f"{OUTCOMES[o][1]}: change from baseline to end")
        fig.update_layout(height=340, margin={"t": 40, "b": 30}, template="plotly_white")
        parts.append(figure_div(fig, f"fig-{o}"))
    if scores:
        fig = go.Figure()
        for k, arm in enumerate(spec.arms):
            out = result["arms"][arm]["outcomes"]
            fig.add_trace(go.Bar(name=arm, x=[f"{o} responders" for o in scores] +
                                 [f"{o} remission" for o in scores],
                                 y=[out[o]["responder_rate"] for o in scores] +
                                   [out[o]["remission_rate"] for o in scores],
                                 marker_color=ARM_COLORS[k % len(ARM_COLORS)]))
        fig.update_layout(barmode="group", height=340, title="responders (>=50% reduction) "
                          "and remission", margin={"t": 40, "b": 30}, template="plotly_white",
                          yaxis_range=[0, 1])
        parts.append(figure_div(fig, "fig-responders"))
    table = contrast_table(result)
    warnings = "".join(f"<li>{html.escape(w)}</li>" for w in result.get("warnings", []))
    if warnings:
        warnings = f"<div class='warn'><b>Warnings</b><ul>{warnings}</ul></div>"
    basis = html.escape(course["basis"]) if course else ""
    n_persons = persons["person"].nunique() if "person" in persons else len(persons)
    body = f"""<h1>Virtual trial: {html.escape(spec.name)}</h1>{warnings}
<p>Population <code>{html.escape(spec.population.preset)}</code> (n = {n_persons}, seed
{spec.population.seed}), run-in {spec.run_in_days:g} days, follow-up {spec.days:g} days.
Scores carry visit-to-visit measurement noise; HAM-D17 is severity-band linked and MADRS
equipercentile linked (Kim 2024) to the PHQ-9. Everyday stress and each person's residual
affect (reported symptoms) vary weekly; every arm shares the non-specific effects of the
design, {DESIGN_TEXT[spec.design]}. {ALLOCATION_TEXT[spec.allocation]}{_events_text(spec)}
Failed persons: {result['failed_persons']}. These are simulated persons: the trial shows
what the model predicts for a population like this, not what a real trial would find.</p>
<h2>Arms</h2>{arm_table(spec, result)}
<p class='caption'>Baseline is the visit at randomisation, end the last visit; mean ± SD over
the analysed persons of each arm (the values in trial.json <code>arms</code>).</p>
<h2>Time courses by arm</h2>
<p class='caption'>Lines: arm mean; bands: ± 1 SD across persons; {basis}. Day 0 is
randomisation; the grey area before it is the run-in. PHQ-9 and GAD-7 panels show their
severity bands.</p>
{''.join(courses)}
<h2>Contrasts against {html.escape(arms_list[0])}</h2>
{table}
{observational_table(result)}
<h2>Distributions</h2>
{''.join(parts)}"""
    return write_text_atomic(path, page(f"Virtual trial: {spec.name}", body))
