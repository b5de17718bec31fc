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


def test_simulate_table_is_the_datasets_frame(tmp_path):
    """The command writes its run's arrays directly (no xarray): the same columns, order and
    values as the Python API's Dataset, and the same units in provenance.json."""
    from gutbrain.api import simulate
    from gutbrain.results.io import observables_frame

    sc = _write(tmp_path, GOOD)
    res = runner.invoke(app, ["simulate", str(sc), "--out", str(tmp_path / "o"), "--every", "3"])
    assert res.exit_code == 0, res.output
    df = pd.read_parquet(tmp_path / "o" / "results.parquet")
    ds = simulate(sc, every_hours=3.0)
    pd.testing.assert_frame_equal(df, observables_frame(ds), check_exact=True)
    prov = json.loads((tmp_path / "o" / "provenance.json").read_text())
    assert prov["columns"] == {**{c: ds[c].attrs["units"] for c in df.columns[1:]}, "day": "d"}
    from gutbrain.results.io import write_results  # a Dataset (gutbrain demo) writes the same

    write_results(ds, tmp_path / "d")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "d" / "results.parquet"), df,
                                  check_exact=True)
    again = json.loads((tmp_path / "d" / "provenance.json").read_text())
    assert again["columns"] == prov["columns"] and again["status"] == prov["status"]


def test_results_table_writes_nan_as_null(tmp_path):
    """A NaN sample is a null in the Parquet file, as pandas' to_parquet wrote it."""
    import numpy as np
    import pyarrow.parquet as pq

    from gutbrain.results.dataset import RunResult
    from gutbrain.results.io import write_results

    values = np.array([[1.0, np.nan], [np.nan, 4.0], [5.0, 6.0]])
    run = RunResult(np.array([0.0, 0.5, 1.0]), ["a", "state_x"], values, ["mM", "g"], ["", ""],
                    {"model": "m"}, "ok")
    write_results(run, tmp_path / "o")
    table = pq.read_table(tmp_path / "o" / "results.parquet")
    assert table.column_names == ["day", "a"]  # state columns are not part of the table
    assert table.column("a").to_pylist() == [1.0, None, 5.0]
    assert pd.read_parquet(tmp_path / "o" / "results.parquet")["a"].isna().tolist() == [
        False, True, False]


def test_simulate_command_imports_no_xarray_pandas_or_dask(tmp_path):
    """Start-up (issue #18): ``gutbrain simulate`` needs none of xarray, pandas and dask
    (~0.9 s of imports together)."""
    import os
    import subprocess
    import sys

    sc = _write(tmp_path, GOOD)
    code = ("import sys\n"
            "from gutbrain.cli import app\n"
            f"sys.argv = ['gutbrain', 'simulate', {str(sc)!r}, '--out', "
            f"{str(tmp_path / 'o')!r}, '--every', '24']\n"
            "try:\n    app()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "print(sorted(m for m in ('xarray', 'pandas', 'dask') if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=os.environ, timeout=300, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout + out.stderr
    assert (tmp_path / "o" / "results.parquet").exists()


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
