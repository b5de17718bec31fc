"""``gutbrain profile`` CLI contract: outputs, --help, and exit code 2 with a clean message."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from gutbrain.cli.profile import profile_app

DATA = Path(__file__).resolve().parent / "data" / "profiles"
runner = CliRunner()


def _run(*args: str):
    return runner.invoke(profile_app, [str(a) for a in args])


def _clean_failure(res, needle: str) -> None:
    text = res.output + (res.stderr if hasattr(res, "stderr") and res.stderr_bytes else "")
    assert res.exit_code == 2, text
    assert needle in " ".join(text.split())
    assert "Traceback" not in text


@pytest.mark.parametrize("cmd", [[], ["modules"], ["guilds"], ["associate"]])
def test_help(cmd):
    res = _run(*cmd, "--help")
    assert res.exit_code == 0 and "Usage" in res.output


def test_modules_writes_omixer_tables(tmp_path):
    res = _run("modules", DATA / "toy_ko.tsv", "--db", DATA / "toy_modules.txt", "--out",
               tmp_path)
    assert res.exit_code == 0, res.output
    assert "cut-off 1 (automatic)" in res.output and "4 modules of 5" in res.output
    ab = pd.read_csv(tmp_path / "modules.tsv", sep="\t", index_col="module")
    cov = pd.read_csv(tmp_path / "modules-coverage.tsv", sep="\t", index_col="module")
    assert list(ab.columns) == ["S1", "S2", "S3"] and ab.loc["T001", "S1"] == 3.0
    assert cov.loc["T004"].tolist() == [1.0, 0.0, 0.0]


def test_modules_options(tmp_path):
    res = _run("modules", DATA / "toy_ko.tsv", "--db", DATA / "toy_modules.txt", "--out",
               tmp_path, "--min-coverage", "0.4", "--estimator", "median",
               "--normalize-by-length", "--distribute")
    assert res.exit_code == 0, res.output
    ab = pd.read_csv(tmp_path / "modules.tsv", sep="\t", index_col="module")
    assert ab.loc["T003", "S1"] == 10.0 and ab.loc["T004", "S1"] == 5.0


def test_modules_per_taxon_from_humann(tmp_path):
    res = _run("modules", DATA / "humann_ko_stratified.tsv", "--db", DATA / "toy_modules.txt",
               "--out", tmp_path, "--per-taxon", "--min-coverage", "0.5")
    assert res.exit_code == 0, res.output
    ab = pd.read_csv(tmp_path / "modules.tsv", sep="\t")
    assert list(ab.columns[:2]) == ["taxon", "module"]
    row = ab[(ab.taxon == "g__Bacteroides.s__Bacteroides_dorei") & (ab.module == "T001")]
    assert row[["S1", "S2"]].to_numpy().tolist() == [[2.5, 1.0]]  # median(3, 2); S2 only K3


def test_modules_bad_inputs_exit_2(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("entry\tS1\nK00001\t1\nK00002\t-3\n")
    _clean_failure(_run("modules", bad, "--db", DATA / "toy_modules.txt", "--out", tmp_path),
                   "line 3, column 2 ('S1'): -3 is negative")
    _clean_failure(_run("modules", DATA / "toy_ko.tsv", "--db", tmp_path / "missing.txt",
                        "--out", tmp_path), "module database not found")
    _clean_failure(_run("modules", DATA / "toy_ko.tsv", "--db", DATA / "toy_ko.tsv",
                        "--out", tmp_path), "is a number, not an ortholog ID")
    _clean_failure(_run("modules", DATA / "toy_ko.tsv", "--db", DATA / "toy_modules.txt",
                        "--out", tmp_path, "--per-taxon"), "needs stratified input")
    _clean_failure(_run("modules", DATA / "toy_ko.tsv", "--db", DATA / "toy_modules.txt",
                        "--out", tmp_path, "--min-coverage", "2"), "out of range")
    res = _run("modules", DATA / "toy_ko.tsv", "--db", DATA / "toy_modules.txt", "--out",
               tmp_path, "--estimator", "mode")
    assert res.exit_code == 2


def test_guilds(tmp_path):
    out_file, mapping = tmp_path / "g.tsv", tmp_path / "map.tsv"
    res = _run("guilds", DATA / "metaphlan3_merged.tsv", "--out", out_file, "--mapping",
               mapping)
    assert res.exit_code == 0, res.output
    g = pd.read_csv(out_file, sep="\t", index_col="guild")
    assert g.shape == (15, 2) and g.index[-1] == "unmapped"
    assert g.loc["bacteroides", "S1"] == pytest.approx(0.6)
    assert g.sum().tolist() == pytest.approx([1.0, 1.0])
    m = pd.read_csv(mapping, sep="\t")
    assert {"feature", "guild", "basis"} <= set(m.columns)
    _clean_failure(_run("guilds", tmp_path / "none.tsv"), "file not found")


def _assoc_files(tmp_path: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(0)
    n = 40
    group = np.array(["hc", "sz"] * (n // 2))
    x = rng.lognormal(2, 0.4, size=(5, n))
    x[0] *= np.where(group == "sz", 2.0, 1.0)
    ids = [f"P-{i}" for i in range(n)]
    table = pd.DataFrame(x, index=[f"g__G{i}" for i in range(5)],
                         columns=[i.replace("-", ".") for i in ids])
    table.index.name = "genus"
    meta = pd.DataFrame({"id": ids, "Group": group, "BMI": rng.normal(22, 3, n)})
    tp, mp = tmp_path / "t.tsv", tmp_path / "m.tsv"
    table.to_csv(tp, sep="\t")
    meta.to_csv(mp, sep="\t", index=False)
    return tp, mp


def test_associate(tmp_path):
    tp, mp = _assoc_files(tmp_path)
    res = _run("associate", tp, "--metadata", mp, "--outcome", "Group", "--covariates", "BMI",
               "--out", tmp_path / "o")
    assert res.exit_code == 0, res.output
    assert "logistic model" in res.output and "5 of 5 features" in res.output
    out = pd.read_csv(tmp_path / "o" / "associations.tsv", sep="\t")
    assert list(out.columns[:7]) == ["feature", "term", "coef", "se", "p", "q", "n_nonzero"]
    assert out.iloc[0].feature == "g__G0" and out.iloc[0].coef > 0
    assert (tmp_path / "o" / "report.md").read_text().startswith("# gutbrain association")
    res = _run("associate", tp, "--metadata", mp, "--formula", "feature ~ Group + BMI",
               "--out", tmp_path / "o2")
    assert res.exit_code == 0, res.output and "linear model" in res.output


def test_associate_bad_inputs_exit_2(tmp_path):
    tp, mp = _assoc_files(tmp_path)
    _clean_failure(_run("associate", tp, "--metadata", mp, "--outcome", "Mood", "--out",
                        tmp_path / "o"), "outcome 'Mood' is not a metadata column")
    _clean_failure(_run("associate", tp, "--metadata", tmp_path / "none.tsv", "--outcome",
                        "Group", "--out", tmp_path / "o"), "metadata file not found")
    _clean_failure(_run("associate", tp, "--metadata", mp, "--formula", "Group ~ BMI",
                        "--out", tmp_path / "o"), "use the word 'feature'")
