"""The demo and trial reports render in a real browser without a single console error, every
figure draws, and the text reads as promised (plain first, model units only in details).

The browser is Debian's chromium driven by Playwright (never a downloaded browser); these
tests skip only when no chromium is installed. CI installs it (.ci/run).
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest

from _browser import render
from gutbrain.report.demo import build_report, run_demo
from gutbrain.scenario.library import builtin_scenario

SUBSET = ("baseline", "antibiotic", "stress_reduction")  # + chronic_stress, its comparator


@pytest.fixture(scope="module")
def demo_report(demo_runs, tmp_path_factory) -> Path:
    """A demo report from the session's demo runs: three scenarios, no PNGs (the full demo
    is the slow test below)."""
    out = tmp_path_factory.mktemp("demo")
    return build_report([builtin_scenario(n) for n in SUBSET],
                        {n: demo_runs[n] for n in (*SUBSET, "chronic_stress")}, out,
                        pngs=False)


def test_plotly_is_inlined_once_before_every_figure(demo_report):
    text = demo_report.read_text()
    head_end = text.index("</head>")
    calls = [m.start() for m in re.finditer(r'Plotly\.newPlot\(\s*"', text)]  # figure calls
    assert calls and min(calls) > head_end  # the library is in the head, figures after it
    assert text.count("plotly.js v") <= 2 and text[:head_end].count("<script") == 1
    assert not re.search(r"<script[^>]+src=", text)  # nothing loaded from the network


def test_demo_report_reads_plain_first(demo_report):
    text = demo_report.read_text()
    outside = re.sub(r"<details>.*?</details>", "", text, flags=re.S)
    assert "logit" not in outside and "logit" in text  # model units only in details
    assert "What this model is and is not" in text
    assert "Löwe" in text and "Toussaint" in text and "Kroenke" in text
    assert "baseline / baseline" not in text
    # the antibiotic story: measured where the effect is largest (not days 56-70), stated,
    # clinically trivial, and the gut pathway is named
    section = text[text.index("<section id='antibiotic'>"):]
    section = section[:section.index("</section>")]
    headline = re.search(r"PHQ-9 rose (\d+\.\d) points</b> \(\d+\.\d → \d+\.\d, minimal; "
                         r"days (\d+)–(\d+)\): (well )?below the ~5-point change clinicians "
                         r"notice\.", section)
    assert headline, section[:600]
    assert 14 <= int(headline[2]) < int(headline[3]) <= 70  # after the course, not days 56-70
    assert 0.1 <= float(headline[1]) < 5
    assert "gut→brain vagal signal" in section and "days 56–70" not in section
    # since issue #13 the species-level diversity neither overshoots nor returns fully after
    # the course, so the report has no rebound to flag (report/plain.py _antibiotic_rebound)
    assert "overshoots its baseline" not in section


def test_demo_figures_shade_interventions_and_severity_bands(demo_runs):
    from gutbrain.report.demo import scenario_figure

    sc = builtin_scenario("antibiotic")
    fig = scenario_figure(sc, demo_runs["antibiotic"], demo_runs["baseline"])
    shapes = fig.layout.shapes
    vertical = [s for s in shapes if s.x0 == 14 and s.x1 == 21]
    assert len(vertical) == 12  # the course, shaded in every panel
    bands = {(s.y0, s.y1) for s in shapes if s.y0 is not None and s.xref.endswith("domain")}
    assert (0.0, 5.0) in bands and (5.0, 10.0) in bands  # PHQ-9/GAD-7 minimal and mild
    # the flat baseline panels keep a span of >= 20% of their level
    base_fig = scenario_figure(builtin_scenario("baseline"), demo_runs["baseline"],
                               demo_runs["baseline"])
    names = {t.name for t in base_fig.data}
    assert names == {"baseline (no intervention)"}
    for axis in ("yaxis3", "yaxis5", "yaxis6"):  # cortisol, butyrate, Shannon
        lo, hi = base_fig.layout[axis].range
        assert hi - lo >= 0.19 * (hi + lo) / 2


def test_demo_report_renders_in_chromium_without_errors(browser, demo_report):
    out = render(browser, demo_report)
    assert out["problems"] == []
    assert len(out["ids"]) == len(SUBSET) + 1  # one per scenario and the cortisol rhythm
    assert "fig-cortisol-rhythm" in out["ids"] and out["blank"] == []
    assert "logit" not in out["outsideDetails"]


TRIAL = textwrap.dedent("""\
    name: tiny-fibre
    population: {preset: general, n: 6, seed: 1}
    days: 14
    run_in_days: 3
    arms:
      control: []
      fibre:
        - {type: diet, pattern: high_fiber, start_day: 0}
    outcomes: [phq9, gad7, madrs, il6, mde_incidence]
""")


@pytest.fixture(scope="module")
def trial_report(tmp_path_factory) -> Path:
    from gutbrain.analysis.trial import run_trial
    from gutbrain.analysis.trial_spec import load_trial
    from gutbrain.report.trial import write_trial_report

    d = tmp_path_factory.mktemp("trial")
    (d / "spec.yaml").write_text(TRIAL)
    spec = load_trial(d / "spec.yaml")
    result, persons, _ = run_trial(spec, out=d / "out")
    return write_trial_report(spec, result, persons, d / "out" / "report.html")


def test_trial_json_gains_per_arm_time_courses(trial_report):
    saved = json.loads((trial_report.parent / "trial.json").read_text())
    tc = saved["time_course"]
    assert tc["day"][0] == -3 and tc["day"][-1] == 14 and len(tc["day"]) == 18
    for arm in ("control", "fibre"):
        assert tc["arms"][arm]["n"] == saved["arms"][arm]["n"]
        assert set(tc["arms"][arm]["outcomes"]) == {"phq9", "gad7", "madrs"}  # scores only
        assert len(tc["arms"][arm]["outcomes"]["phq9"]["sd"]) == 18
    # the noise-free arm mean on the last day sits near the recorded (noisy) end mean: they
    # differ by the mean of the arm's visit noise (3 persons here)
    from gutbrain.analysis.population import MEASUREMENT_SD

    end = saved["arms"]["control"]["outcomes"]["phq9"]
    n = saved["arms"]["control"]["n"]
    assert abs(tc["arms"]["control"]["outcomes"]["phq9"]["mean"][-1] - end["end_mean"]) < \
        3 * MEASUREMENT_SD["phq9"] / np.sqrt(n)
    # the chunks keep what a resumed run needs; persons.parquet stays one row per person
    import pandas as pd

    chunk = next((trial_report.parent / "chunks").glob("*.parquet"))
    assert "time_course" in pd.read_parquet(chunk).attrs
    assert not pd.read_parquet(trial_report.parent / "persons.parquet").attrs


def test_trial_report_shows_the_baseline_adjusted_contrast_beside_the_change_score(
        trial_report):
    from gutbrain.report.trial import _fmt

    saved = json.loads((trial_report.parent / "trial.json").read_text())
    text = trial_report.read_text()
    # headers may break after an underscore (<wbr>) so that the table fits the page
    assert "<th>hedges_<wbr>g</th>" in text
    assert "<th>hedges_g_ancova (95% CI)</th>" in text.replace("<wbr>", "")
    c = next(c for c in saved["contrasts"] if c["outcome"] == "phq9")
    row = next(r for r in text.split("<tr>") if r.startswith("<td>fibre</td><td>control</td>"
                                                          "<td>phq9</td>"))
    cells = row.split("</td><td>")
    assert _fmt(c["hedges_g"]) == cells[4]
    assert _fmt(c["mean_difference_ancova"]) == cells[8]
    assert cells[9].startswith(_fmt(c["hedges_g_ancova"]) + " (")
    # an event outcome has no ANCOVA: its cells stay empty
    rr = next(r for r in text.split("<tr>") if "<td>mde_incidence</td>" in r)
    assert rr.split("</td><td>")[8] == ""
    assert "baseline-adjusted" in text


def test_trial_report_has_arm_table_and_renders_in_chromium(browser, trial_report):
    text = trial_report.read_text()
    assert "<table class='arms'>" in text and " ± " in text
    assert "Time courses by arm" in text
    out = render(browser, trial_report)
    assert out["problems"] == []
    assert {"fig-course-phq9", "fig-course-gad7", "fig-course-madrs"} <= set(out["ids"])
    assert out["blank"] == []


@pytest.mark.slow
def test_full_demo_renders_in_chromium(browser, tmp_path):
    path = run_demo(tmp_path / "demo")
    out = render(browser, path)
    assert out["problems"] == []
    assert len(out["ids"]) == 8 and out["blank"] == []
    assert len(list((tmp_path / "demo" / "figures").glob("*.png"))) == 7
