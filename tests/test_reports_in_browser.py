"""Every report besides the demo and trial ones (tested in test_report_render) renders in a
real browser without a console error or a network request, and every figure draws: the
compare page, the validation scorecard, the sensitivity report and the profile responses."""

from __future__ import annotations

import textwrap

import pytest
from typer.testing import CliRunner

from _browser import render
from gutbrain.cli import app

runner = CliRunner()


def _ok(*args: str) -> None:
    res = runner.invoke(app, list(args))
    assert res.exit_code == 0, res.output


def _renders(browser, path, min_figures: int) -> dict:
    out = render(browser, path)
    assert not out["problems"], out["problems"]
    assert len(out["ids"]) >= min_figures, out["ids"]
    assert not out["blank"], f"figures that did not draw: {out['blank']}"
    return out


def test_compare_page_renders(browser, tmp_path):
    _ok("compare", "antibiotic", "--out", str(tmp_path / "c"), "--every", "6")
    out = _renders(browser, tmp_path / "c" / "compare.html", 1)
    assert "Why mood differs" in out["outsideDetails"]


def test_validation_scorecard_renders_with_the_failure_note(browser, tmp_path):
    page = tmp_path / "scorecard.html"
    # a failing anchor with its failure note, and a passing one
    _ok("validate", "--only", "microbial.colon.bacterial-output", "--only",
        "microbial.colon.acetate-fraction", "--html", str(page))
    out = _renders(browser, page, 2)
    assert "no explanation recorded" not in out["outsideDetails"]


def test_sensitivity_report_renders(browser, tmp_path):
    sc = tmp_path / "tiny.yaml"
    sc.write_text(textwrap.dedent("""\
        name: tiny
        days: 6
        interventions:
          - {type: probiotic, genus: lactobacillus, cfu_per_day: 1.0e10, start_day: 2, days: 3}
        """))
    _ok("sensitivity", str(sc), "--method", "morris", "--params", "k_depression,K_GR",
        "--outputs", "phq9", "--summary", "change", "--n", "2", "--seed", "1", "--out",
        str(tmp_path / "s"))
    _renders(browser, tmp_path / "s" / "report.html", 1)


@pytest.mark.slow
def test_profile_responses_report_renders(browser, tmp_path):
    from conftest import REPO

    table = REPO / "tests" / "data" / "profiles" / "metaphlan3_merged.tsv"
    _ok("profile", "responses", str(table), "--out", str(tmp_path / "r"))
    pages = list((tmp_path / "r").glob("*.html"))
    assert pages, list((tmp_path / "r").iterdir())
    _renders(browser, pages[0], 1)
