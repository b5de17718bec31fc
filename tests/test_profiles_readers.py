"""Profile readers: format detection, each tool's quirks, and errors that say where."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gutbrain.profiles import ProfileError, detect_format, read_profile
from gutbrain.profiles.readers import profile_from_frame

DATA = Path(__file__).resolve().parent / "data" / "profiles"


def _write(tmp_path: Path, text: str, name: str = "t.tsv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# ---------------------------------------------------------------------------------------------
# formats
# ---------------------------------------------------------------------------------------------

def test_generic_ko_table():
    p = read_profile(DATA / "toy_ko.tsv")
    assert p.format == "table" and p.table.shape == (18, 3)
    assert p.table.dtypes.eq(np.float64).all()
    assert p.table.loc["K00025", "S1"] == 20.0
    assert p.info["orientation"] == "features"


def test_samples_by_features_orientation_is_detected_and_overridable(tmp_path):
    path = _write(tmp_path, "sample\tK00001\tK00002\nA\t1\t2\nB\t3\t4\nC\t5\t6\n")
    p = read_profile(path)
    assert p.info["orientation"] == "samples"
    assert list(p.table.columns) == ["A", "B", "C"] and p.table.loc["K00002", "B"] == 4.0
    forced = read_profile(path, orientation="features")
    assert list(forced.table.index) == ["A", "B", "C"]


def test_biom_tsv_with_taxonomy_column(tmp_path):
    path = _write(tmp_path, "# Constructed from biom file\n#OTU ID\tS1\tS2\ttaxonomy\n"
                  "OTU_1\t3\t0\tk__Bacteria; g__Blautia\nOTU_2\t1\t2\tk__Bacteria\n")
    p = read_profile(path)
    assert list(p.table.columns) == ["S1", "S2"] and p.info["dropped_columns"] == ["taxonomy"]
    assert p.table.loc["OTU_1", "S1"] == 3.0 and p.info["header_line"] == 2


def test_csv_and_gzip(tmp_path):
    csv_path = _write(tmp_path, "id,S1,S2\nK00001,1,2\nK00002,0,3.5\n", "t.csv")
    assert read_profile(csv_path).table.loc["K00002", "S2"] == 3.5
    gz = tmp_path / "t.tsv.gz"
    with gzip.open(gz, "wt") as fh:
        fh.write("entry\tS1\nK00001\t7\n")
    assert read_profile(gz).table.loc["K00001", "S1"] == 7.0


def test_progress_bar_path_for_large_files(tmp_path, monkeypatch):
    import gutbrain.profiles.readers as readers

    monkeypatch.setattr(readers, "LARGE_FILE_BYTES", 0)
    plain = _write(tmp_path, "entry\tS1\nK00001\t7\n")
    assert read_profile(plain, progress=True).table.loc["K00001", "S1"] == 7.0
    gz = tmp_path / "t.tsv.gz"
    with gzip.open(gz, "wt") as fh:
        fh.write("entry\tS1\nK00001\t8\n")
    assert read_profile(gz, progress=True).table.loc["K00001", "S1"] == 8.0


def test_metaphlan3_merged_genus_and_species():
    path = DATA / "metaphlan3_merged.tsv"
    assert detect_format(path) == "metaphlan"
    g = read_profile(path)  # level="genus" by default
    assert g.format == "metaphlan"
    assert list(g.table.index) == ["g__Bacteroides", "g__Faecalibacterium", "g__Eubacterium",
                                   "UNKNOWN"]
    assert g.table["S2"].sum() == pytest.approx(100.0)
    assert g.info["dropped_columns"] == ["NCBI_tax_id"]
    s = read_profile(path, level="species", unclassified="drop")
    assert list(s.table.index) == ["s__Bacteroides_fragilis", "s__Faecalibacterium_prausnitzii",
                                   "s__Eubacterium_hallii"]
    with pytest.raises(ProfileError, match="no clades at level 'strain'"):
        read_profile(path, level="strain")


def test_metaphlan4_and_single_profile(tmp_path):
    merged = _write(tmp_path, "#mpa_vJan21_CHOCOPhlAnSGB_202103\nclade_name\tA\tB\n"
                    "k__Bacteria\t100\t100\nk__Bacteria|p__Firmicutes\t100\t100\n"
                    "k__Bacteria|p__Firmicutes|c__C|o__O|f__Lachnospiraceae|g__Blautia\t60\t10\n"
                    "k__Bacteria|p__Firmicutes|c__C|o__O|f__Lachnospiraceae|g__Roseburia\t40\t90\n")
    p = read_profile(merged)
    assert p.format == "metaphlan" and p.table.loc["g__Blautia", "A"] == 60.0
    single = _write(tmp_path, "#mpa_v30_CHOCOPhlAn_201901\n#/usr/bin/metaphlan in.fq\n"
                    "#SampleID\tMetaphlan_Analysis\n"
                    "#clade_name\tNCBI_tax_id\trelative_abundance\tadditional_species\n"
                    "k__Bacteria\t2\t100.0\t\n"
                    "k__Bacteria|p__Firmicutes|c__C|o__O|f__F|g__Dorea\t2|1|2|3|4|5\t100.0\t\n",
                    "s1_profile.txt")
    p1 = read_profile(single)
    assert p1.info["single_profile"] and p1.table.loc["g__Dorea"].tolist() == [100.0]


def test_humann_totals_special_rows_and_stratified():
    path = DATA / "humann_ko_stratified.tsv"
    assert detect_format(path) == "humann"
    p = read_profile(path, stratified=True)
    assert list(p.table.columns) == ["S1", "S2"]  # _Abundance-RPKs stripped
    assert list(p.table.index) == ["K00001", "K00003", "K00031"]
    assert list(p.info["special_rows"].index) == ["UNMAPPED", "UNGROUPED"]
    strat = p.stratified
    assert strat is not None and strat.index.names == ["feature", "taxon"]
    assert strat.loc[("K00001", "unclassified"), "S1"] == 1.0
    assert ("UNGROUPED", "unclassified") not in strat.index
    kept = read_profile(path, keep_special=True)
    assert "UNMAPPED" in kept.table.index


def test_humann_stratified_only_file_sums_taxa(tmp_path):
    path = _write(tmp_path, "# Gene Family\tS1_Abundance-CPM\nK00001|g__A.s__A_b\t2\n"
                  "K00001|unclassified\t3\nK00002|g__A.s__A_b\t1\n")
    p = read_profile(path)
    assert p.table.loc["K00001", "S1"] == 5.0
    assert "sum of stratified" in p.info["totals_from"]


def test_picrust2_description_column_is_dropped(tmp_path):
    p = read_profile(DATA / "picrust2_ko.tsv")
    assert p.format == "picrust2" and list(p.table.columns) == ["S1", "S2"]
    assert p.info["dropped_columns"] == ["description"]
    assert p.table.loc["K00031", "S2"] == 2.25
    strat = _write(tmp_path, "function\tsequence\tS1\nK00001\tASV1\t1\nK00001\tASV2\t2\n")
    ps = read_profile(strat, stratified=True)
    assert ps.table.loc["K00001", "S1"] == 3.0 and ps.stratified is not None
    assert ps.stratified.loc[("K00001", "ASV2"), "S1"] == 2.0


def test_biom_json_and_hdf5(tmp_path):
    biom = pytest.importorskip("biom")
    tab = biom.Table(np.array([[1.0, 0.0], [2.0, 5.0]]), ["g__Bacteroides", "g__Blautia"],
                     ["S1", "S2"])
    js = tmp_path / "t.biom"
    js.write_text(tab.to_json("gutbrain test"))
    p = read_profile(js)
    assert p.format == "biom" and p.table.loc["g__Blautia", "S2"] == 5.0
    h5py = pytest.importorskip("h5py")
    h5 = tmp_path / "t2.biom"
    with h5py.File(h5, "w") as fh:
        tab.to_hdf5(fh, "gutbrain test")
    assert detect_format(h5) == "biom"
    assert read_profile(h5).table.loc["g__Bacteroides", "S1"] == 1.0
    bad = tmp_path / "bad.biom"
    bad.write_text(json.dumps({"not": "biom"}))
    with pytest.raises(ProfileError, match="not a readable BIOM"):
        read_profile(bad)


# ---------------------------------------------------------------------------------------------
# errors name the file, line, column and what was expected
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "line", "column", "needle"), [
    ("entry\tS1\tS1\nK00001\t1\t2\n", 1, None, "duplicated sample 'S1' in columns 2 and 3"),
    ("entry\tS1\nK00001\t1\nK00002\t2\nK00001\t3\n", 4, None,
     "duplicated feature 'K00001' (first on line 2)"),
    ("entry\tS1\tS2\nK00001\t1\t2\nK00002\tabc\t2\n", 3, "2 ('S1')", "'abc' is not a number"),
    ("entry\tS1\tS2\nK00001\t1\t\n", 2, "3 ('S2')", "an empty cell"),
    ("entry\tS1\tS2\nK00001\t1\t-0.5\n", 2, "3 ('S2')", "-0.5 is negative"),
    ("entry\tS1\tS2\nK00001\t1\tnan\n", 2, "3 ('S2')", "not a finite number"),
    ("entry\tS1\tS2\nK00001\t1\n", 2, None, "2 fields but the header (line 1) has 3"),
    ("# note\n\nentry\tS1\nK00001\t1\n\nK00002\t-1\n", 6, "2 ('S1')", "negative"),
])
def test_bad_tables(tmp_path, text, line, column, needle):
    path = _write(tmp_path, text)
    with pytest.raises(ProfileError) as info:
        read_profile(path)
    msg = str(info.value)
    assert needle in msg and str(path) in msg
    assert info.value.line == line and info.value.column == column
    assert "expected" in msg


@pytest.mark.parametrize(("text", "needle"), [
    ("", "the file is empty"),
    ("entry\tS1\tS2\n", "no data rows"),
    ("entry\nK00001\nK00002\n", "no sample columns"),
    ("# only comments\n", "only comment lines"),
])
def test_empty_tables(tmp_path, text, needle):
    with pytest.raises(ProfileError, match=needle):
        read_profile(_write(tmp_path, text))


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ProfileError, match="file not found"):
        read_profile(tmp_path / "none.tsv")
    with pytest.raises(ProfileError, match="is a folder"):
        read_profile(tmp_path)


def test_samples_orientation_duplicates_are_samples(tmp_path):
    path = _write(tmp_path, "sample\tK00001\tK00002\nA\t1\t2\nA\t3\t4\n")
    with pytest.raises(ProfileError, match="duplicated sample 'A'"):
        read_profile(path)


def test_profile_from_frame_validates():
    ok = profile_from_frame(pd.DataFrame({"S1": [1, 2]}, index=["a", "b"]))
    assert ok.table.dtypes.iloc[0] == np.float64
    with pytest.raises(ProfileError, match="negative"):
        profile_from_frame(pd.DataFrame({"S1": [1, -2]}, index=["a", "b"]))
    with pytest.raises(ProfileError, match="duplicated feature"):
        profile_from_frame(pd.DataFrame({"S1": [1, 2]}, index=["a", "a"]))
