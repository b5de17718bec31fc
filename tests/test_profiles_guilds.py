"""Taxa → guild mapping: the documented table, name formats, and guild profiles."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gutbrain.model.microbiota import GUILD_NAMES
from gutbrain.profiles import ProfileError, read_profile
from gutbrain.profiles.guilds import guild_profile, guild_table, map_taxa, parse_taxon

DATA = Path(__file__).resolve().parent / "data" / "profiles"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def test_table_is_documented_and_uses_simulator_guilds():
    t = guild_table()
    assert set(t.guild) - {"none"} <= set(GUILD_NAMES)
    assert set(GUILD_NAMES) <= set(t.guild), "every simulator guild has at least one taxon"
    assert t.basis.str.len().min() > 10
    assert not t.duplicated(["taxon", "rank"]).any()


@pytest.mark.parametrize(("name", "guild", "rank"), [
    ("g__Bacteroides", "bacteroides", "genus"),
    ("Bacteroidaceae_Bacteroides", "bacteroides", "genus"),
    ("Bacteroides", "bacteroides", "genus"),
    ("s__Faecalibacterium_prausnitzii", "faecalibacterium", "species"),
    ("Eubacterium hallii", "lactate_utilisers", "species"),
    ("s__Eubacterium_rectale", "roseburia", "species"),
    ("Eubacteriaceae_Eubacterium", "spore_formers", "genus"),
    ("Ruminococcus bromii", "starch_degraders", "species"),
    ("Ruminococcus_flavefaciens", "fibre_degraders", "species"),
    ("Akkermansia muciniphila", "akkermansia", "species"),
    ("Methanobrevibacter_smithii", "methanogens", "species"),
    ("Blautia hydrogenotrophica", "acetogens", "species"),
    ("Coprococcus catus", "propionate_producers", "species"),
    ("Lachnospiraceae_Lachnospiraceae_unclassified", "spore_formers", "family"),
    ("k__Bacteria|p__Firmicutes|c__Bacilli|o__Lactobacillales|f__Lactobacillaceae"
     "|g__Lactobacillus", "lactobacillus", "genus"),
    ("g__Ruminococcus_B", "starch_degraders", "genus"),  # GTDB suffix removed
    ("k__Bacteria; f__Ruminococcaceae; g__Ruminococcus; s__flavefaciens", "fibre_degraders",
     "species"),  # Greengenes lineage: the species field holds only the epithet
    ("Enterobacteriaceae_Escherichia", "enterobacteriaceae", "genus"),
    ("Acidaminococcaceae_Acidaminococcus", "none", "genus"),  # deliberate: blocks the family
])
def test_map_taxa(name, guild, rank):
    row = map_taxa([name]).iloc[0]
    assert row.guild == guild and row.matched_rank == rank
    assert isinstance(row.basis, str) and row.basis


def test_unmapped_names():
    m = map_taxa(["UNKNOWN", "Bacteroidales_unclassified_Bacteroidales_unclassified",
                  "Fusobacteriaceae_Fusobacterium"])
    assert m.guild.isna().all()


def test_parse_taxon_formats():
    assert parse_taxon("Clostridiales_Family_XIII_Incertae_Sedis_Mogibacterium") == (
        None, "Mogibacterium", None)
    assert parse_taxon("Bacillales_unclassified_Gemella") == (None, "Gemella", None)
    assert parse_taxon("f__Ruminococcaceae|g__Faecalibacterium") == (
        "Ruminococcaceae", "Faecalibacterium", None)


def test_guild_profile_metaphlan_genus_and_species():
    g, unmapped = guild_profile(read_profile(DATA / "metaphlan3_merged.tsv"))
    assert list(g.index) == list(GUILD_NAMES)
    assert g.loc["bacteroides"].tolist() == pytest.approx([0.60, 0.40])
    assert g.loc["spore_formers"].tolist() == pytest.approx([0.15, 0.25])  # genus Eubacterium
    assert unmapped.tolist() == pytest.approx([0.0, 0.05])  # UNKNOWN row
    assert (g.sum() + unmapped).tolist() == pytest.approx([1.0, 1.0])
    gs, _ = guild_profile(read_profile(DATA / "metaphlan3_merged.tsv", level="species"))
    assert gs.loc["lactate_utilisers"].tolist() == pytest.approx([0.15, 0.25])  # E. hallii
    gm, um = guild_profile(read_profile(DATA / "metaphlan3_merged.tsv"), normalize="mapped")
    assert gm.sum().tolist() == pytest.approx([1.0, 1.0]) and um.iloc[1] == pytest.approx(0.05)


def test_guild_profile_rejects_mixed_levels_and_empty_samples():
    mixed = pd.DataFrame({"S1": [1.0, 1.0]}, index=["g__Bacteroides", "s__Bacteroides_ovatus"])
    with pytest.raises(ProfileError, match="mixes taxonomic levels"):
        guild_profile(mixed)
    zero = pd.DataFrame({"S1": [0.0], "S2": [1.0]}, index=["Bacteroides"])
    with pytest.raises(ProfileError, match="sample 'S1' has total abundance 0"):
        guild_profile(zero)


def test_guild_profile_on_tjazi_counts():
    path = SHARED / "data" / "cohorts" / "zhu2020_schizophrenia_tjazi" / "counts.tsv"
    if not path.is_file():
        pytest.skip("../shared cohort data absent: Tjazi Family_Genus test skipped")
    table = read_profile(path).table
    g, unmapped = guild_profile(table)
    assert g.shape == (14, 171)
    assert ((g.sum() + unmapped) - 1).abs().max() < 1e-12
    # computed independently: share of reads in genera the table maps to no guild
    mapping = map_taxa(table.index)
    rel = table / table.sum()
    expect = rel[mapping.guild.isna().to_numpy() | (mapping.guild == "none").to_numpy()].sum()
    assert (unmapped - expect).abs().max() < 1e-12
    assert unmapped.median() < 0.05  # the table covers the bulk of each sample
    assert g.loc["bacteroides"].median() > g.loc["methanogens"].median()


def test_guild_profile_uses_biom_taxonomy(tmp_path):
    biom = pytest.importorskip("biom")
    import numpy as np

    from gutbrain.profiles import read_profile as rp

    tab = biom.Table(np.array([[3.0, 1.0], [1.0, 3.0]]), ["OTU_1", "OTU_2"], ["S1", "S2"],
                     observation_metadata=[
                         {"taxonomy": ["k__Bacteria", "f__Lachnospiraceae", "g__Roseburia", "s__"]},
                         {"taxonomy": ["k__Bacteria", "f__Verrucomicrobiaceae", "g__Akkermansia",
                                       "s__muciniphila"]}])
    path = tmp_path / "t.biom"
    path.write_text(tab.to_json("test"))
    g, unmapped = guild_profile(rp(path))
    assert g.loc["roseburia"].tolist() == pytest.approx([0.75, 0.25])
    assert g.loc["akkermansia"].tolist() == pytest.approx([0.25, 0.75])
    assert unmapped.tolist() == [0.0, 0.0]
    assert list(g.attrs["mapping"].feature) == ["OTU_1", "OTU_2"]
