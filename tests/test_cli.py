"""CLI contract: outputs, column names, and clean exit-2 errors for bad scenario input."""

from __future__ import annotations

import json
import textwrap

import pandas as pd
import pytest
from typer.testing import CliRunner

from gutbrain.cli import app
from test_model_definition import CONTRACT_OBSERVABLES

runner = CliRunner()

GOOD = textwrap.dedent("""\
    name: t
    person: healthy_adult
    days: 5
    seed: 1
    diet: western
    interventions:
      - {type: probiotic, genus: lactobacillus, cfu_per_day: 1.0e10, start_day: 1, days: 3}
""")


def _write(tmp_path, text, name="s.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_simulate_writes_parquet_and_provenance(tmp_path):
    sc = _write(tmp_path, GOOD)
    res = runner.invoke(app, ["simulate", str(sc), "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    df = pd.read_parquet(tmp_path / "o" / "results.parquet")
    assert df.columns[0] == "day"
    for col in CONTRACT_OBSERVABLES:
        assert col in df.columns
    assert len(df) == 5 * 24 + 1 and df.day.diff().dropna().round(9).eq(round(1 / 24, 9)).all()
    prov = json.loads((tmp_path / "o" / "provenance.json").read_text())
    assert prov["columns"]["cortisol"] == "ug/dL" and prov["columns"]["crp"] == "mg/L"
    assert prov["scenario"]["name"] == "t" and prov["model_digest"]
    assert "rtol" in prov["engine"]


def test_every_option_changes_sampling(tmp_path):
    sc = _write(tmp_path, GOOD)
    res = runner.invoke(app, ["simulate", str(sc), "--out", str(tmp_path / "o"), "--every", "6"])
    assert res.exit_code == 0, res.output
    assert len(pd.read_parquet(tmp_path / "o" / "results.parquet")) == 5 * 4 + 1


BAD = {
    "unknown preset": ("person: superhero\n", "person", "unknown person preset 'superhero'", 2),
    "unknown diet": ("diet: keto\n", "diet", "unknown diet preset 'keto'", 4),
    "unknown intervention": ("interventions:\n  - {type: hypnosis, start_day: 1}\n",
                             "interventions.0.type", "unknown intervention type 'hypnosis'", 6),
    "unknown antibiotic": ("interventions:\n  - {type: antibiotic, class: penicillium, "
                           "start_day: 1}\n", "interventions.0.class",
                           "unknown antibiotic class 'penicillium'", 6),
    "negative dose": ("interventions:\n  - {type: probiotic, genus: lactobacillus, "
                      "cfu_per_day: -5, start_day: 1}\n", "interventions.0.cfu_per_day",
                      "greater than 0", 6),
    "start beyond days": ("interventions:\n  - {type: stress, level: 0.5, start_day: 40}\n",
                          "interventions.0.start_day", "not before the end of the scenario", 6),
    "overlapping courses": ("interventions:\n  - {type: antibiotic, class: amoxicillin, "
                            "start_day: 1, days: 7}\n  - {type: antibiotic, class: amoxicillin, "
                            "start_day: 3, days: 7}\n", "interventions.1", "overlaps", 7),
}

BASE = "name: bad\nperson: healthy_adult\ndays: 30\ndiet: western\n"


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_exits_2_with_file_field_line(tmp_path, case):
    snippet, field, expected, line = BAD[case]
    lines = {k: v for k, v in (ln.split(": ", 1) for ln in BASE.strip().splitlines())}
    text = BASE
    key = snippet.split(":", 1)[0]
    if key in lines:
        text = BASE.replace(f"{key}: {lines[key]}\n", snippet)
    else:
        text = BASE + snippet
    path = _write(tmp_path, text)
    res = runner.invoke(app, ["simulate", str(path), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2, res.output
    msg = " ".join(res.output.split())
    assert str(path) in msg and field in msg and expected in msg, msg
    assert f"line {line}" in msg, msg
    assert "Traceback" not in res.output
    assert not (tmp_path / "o" / "results.parquet").exists()


def test_malformed_yaml_names_the_line(tmp_path):
    path = _write(tmp_path, "name: x\ndays: [1, 2\ndiet: western\n")
    res = runner.invoke(app, ["simulate", str(path)])
    assert res.exit_code == 2
    msg = " ".join(res.output.split())
    assert str(path) in msg and "malformed YAML" in msg and "line" in msg


def test_unknown_person_override_is_rejected(tmp_path):
    path = _write(tmp_path, BASE.replace("person: healthy_adult",
                                         "person: {preset: healthy_adult, charisma: 3}"))
    res = runner.invoke(app, ["simulate", str(path)])
    assert res.exit_code == 2
    assert "person.charisma: unknown parameter" in " ".join(res.output.split())


def test_params_lists_sources_and_observables_lists_units():
    res = runner.invoke(app, ["params", "--module", "hpa"])
    assert res.exit_code == 0 and "Karin" in res.output and "g_cort" in res.output
    res = runner.invoke(app, ["observables"])
    assert res.exit_code == 0 and "ug/dL" in res.output and "phq9" in res.output


def test_params_basis_separates_calibrated_from_assumed_values():
    wide = {"COLUMNS": "400"}
    res = runner.invoke(app, ["params", "--basis", "assumed"], env=wide)
    assert res.exit_code == 0 and "k_sb" in res.output and "crh_scale" not in res.output
    res = runner.invoke(app, ["params", "--basis", "calibrated"], env=wide)
    assert res.exit_code == 0 and "crh_scale" in res.output and "k_sb" not in res.output
    assert "host-hpa.circadian.peak" in res.output  # the targets it is calibrated against
    res = runner.invoke(app, ["params", "--basis", "guessed"])
    assert res.exit_code == 2 and "--basis" in res.output
