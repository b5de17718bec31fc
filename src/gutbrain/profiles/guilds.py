"""Taxa → the simulator's 14 microbial guilds, from a documented genus/species table.

The table (``data/guild_map.csv``: taxon, rank, guild, basis) assigns genera, a few key species
and, as a last resort, families to the guilds of :mod:`gutbrain.model.microbiota`. Each row
cites its basis: microPop's functional-group examples (Kettle et al. 2015, Table 1), Louis &
Flint 2017 and Reichardt et al. 2014 for butyrate and propionate producers, Yano et al. 2015 for
spore-forming Clostridia, and the taxonomic descriptions of reclassified genera. ``guild = none``
marks a deliberate non-assignment (it also blocks the family fallback).

Lookup order for one name: species (first two words of the binomial), genus (GTDB suffixes such
as ``_A`` removed), family. Names may be MetaPhlAn clades (``g__Bacteroides``, full lineages),
Tjazi/curatedMetagenomicData ``Family_Genus`` (``Bacteroidaceae_Bacteroides``), plain genera or
binomials (``Faecalibacterium prausnitzii`` or ``Faecalibacterium_prausnitzii``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from gutbrain.model.microbiota import GUILD_NAMES
from gutbrain.profiles._io import ProfileError
from gutbrain.profiles.readers import Profile

NONE = "none"
_RANK_PREFIX = {"f": "family", "g": "genus", "s": "species"}
_GTDB_SUFFIX = re.compile(r"_[A-Z]{1,2}$")
_SPECIAL = {"UNKNOWN", "UNCLASSIFIED", "unclassified", "unknown", "UNMAPPED", "Other", "other"}


@dataclass(frozen=True)
class _Row:
    taxon: str
    rank: str
    guild: str
    basis: str


@lru_cache(maxsize=1)
def _rows() -> tuple[_Row, ...]:
    text = resources.files("gutbrain.profiles").joinpath("data/guild_map.csv").read_text(
        encoding="utf-8")
    rows = tuple(_Row(r["taxon"].strip(), r["rank"].strip(), r["guild"].strip(),
                      r["basis"].strip()) for r in csv.DictReader(text.splitlines()))
    for i, r in enumerate(rows, 2):
        if r.guild != NONE and r.guild not in GUILD_NAMES:
            raise ProfileError(f"unknown guild {r.guild!r}; expected one of "
                               f"{', '.join(GUILD_NAMES)} or 'none'", path="guild_map.csv",
                               line=i)
        if r.rank not in ("genus", "species", "family"):
            raise ProfileError(f"unknown rank {r.rank!r}; expected genus, species or family",
                               path="guild_map.csv", line=i)
    return rows


def guild_table() -> pd.DataFrame:
    """The mapping table (taxon, rank, guild, basis) as shipped with gutbrain."""
    return pd.DataFrame([r.__dict__ for r in _rows()])


@lru_cache(maxsize=1)
def _lookup() -> dict[str, dict[str, _Row]]:
    out: dict[str, dict[str, _Row]] = {"species": {}, "genus": {}, "family": {}}
    for r in _rows():
        out[r.rank][r.taxon.lower()] = r
    return out


def parse_taxon(name: str) -> tuple[str | None, str | None, str | None]:
    """Split a taxon name into (family, genus, species binomial); parts not present are None."""
    name = str(name).strip().strip('"').strip()
    family = genus = species = None
    if name in _SPECIAL:
        return None, None, None
    if "__" in name:  # MetaPhlAn / GTDB / QIIME clade strings
        for seg in re.split(r"[|;]", name):
            seg = seg.strip()
            if len(seg) < 4 or seg[1:3] != "__":
                continue
            rank, value = _RANK_PREFIX.get(seg[0].lower()), seg[3:].strip()
            if not value or rank is None:
                continue
            if rank == "family":
                family = value
            elif rank == "genus":
                genus = value
            else:
                species = value.replace("_", " ")
        if species and not genus:
            genus = species.split(" ")[0]
        elif species and genus and " " not in species:  # Greengenes: s__ holds the epithet
            species = f"{genus} {species}"
        return family, _clean_genus(genus), species
    tokens = [t for t in re.split(r"[_ ]+", name) if t]
    if not tokens:
        return None, None, None
    if len(tokens) >= 2 and tokens[1][:1].islower() and tokens[1] not in ("unclassified", "sp",
                                                                          "sp."):
        if not tokens[0].endswith(("aceae", "ales")):
            return None, _clean_genus(tokens[0]), f"{tokens[0]} {tokens[1]}"
    if len(tokens) >= 2 and tokens[1] in ("sp", "sp."):
        return None, _clean_genus(tokens[0]), None
    family = next((t for t in tokens if t.endswith("aceae")), None)
    last = tokens[-1]
    if (len(tokens) == 1 and not last.endswith(("aceae", "ales"))) or (
            len(tokens) > 1 and last[:1].isupper() and not last.isupper()
            and not last.endswith(("aceae", "ales", "Sedis"))):
        genus = last
    return family, _clean_genus(genus), None


def _clean_genus(genus: str | None) -> str | None:
    if not genus or "unclassified" in genus.lower():
        return None
    return _GTDB_SUFFIX.sub("", genus.strip())


def map_taxa(names: Iterable[str]) -> pd.DataFrame:
    """Guild of each name, with how it matched (species, genus or family) and the basis.

    Unmatched names get guild ``None`` (NaN); deliberately excluded taxa get ``none``.
    """
    table = _lookup()
    rows = []
    for name in names:
        family, genus, species = parse_taxon(name)
        hit, on = None, None
        candidates = (("species", " ".join(species.split()[:2]) if species else None),
                      ("genus", genus), ("family", family))
        for rank, key in candidates:
            if key and key.lower() in table[rank]:
                hit, on = table[rank][key.lower()], rank
                break
        rows.append({"feature": str(name), "family": family, "genus": genus,
                     "species": species, "guild": hit.guild if hit else None,
                     "matched_rank": on, "matched_taxon": hit.taxon if hit else None,
                     "basis": hit.basis if hit else None})
    return pd.DataFrame(rows, columns=["feature", "family", "genus", "species", "guild",
                                       "matched_rank", "matched_taxon", "basis"])


def _lineage(tax: object) -> str | None:
    if tax is None:
        return None
    if isinstance(tax, list | tuple):
        return "; ".join(str(t) for t in tax)
    return str(tax)


def _check_single_level(index: pd.Index) -> None:
    ranks = set()
    for name in index:
        s = str(name)
        if s in _SPECIAL:
            continue
        last = s.rsplit("|", 1)[-1].strip()
        if len(last) > 3 and last[1:3] == "__":
            ranks.add(last[0].lower())
    if len(ranks) > 1:
        raise ProfileError(
            "the table mixes taxonomic levels (" + ", ".join(sorted(r + "__" for r in ranks))
            + "), which would count reads more than once; expected one level, e.g. "
            "read_profile(path, level='genus') for MetaPhlAn tables")


def guild_profile(table: pd.DataFrame | Profile, *, normalize: str = "total",
                  ) -> tuple[pd.DataFrame, pd.Series]:
    """Guild relative abundances (guilds × samples) and the unmapped fraction per sample.

    ``normalize="total"`` (default): fractions of each sample's total, so guilds + unmapped = 1.
    ``normalize="mapped"``: guilds renormalised to sum to 1 over mapped taxa (what a simulator
    seed needs); the unmapped fraction is still reported. Rows ``UNKNOWN``/``UNCLASSIFIED``
    (MetaPhlAn) count as unmapped.
    """
    names: list[str] | None = None
    if isinstance(table, Profile):
        taxonomy = table.info.get("taxonomy")
        table = table.table
        if taxonomy:  # BIOM observation metadata: map OTUs/ASVs through their lineage
            names = [_lineage(taxonomy.get(str(i))) or str(i) for i in table.index]
    if normalize not in ("total", "mapped"):
        raise ProfileError(f"unknown normalize {normalize!r}; expected 'total' or 'mapped'")
    if table.shape[0] == 0 or table.shape[1] == 0:
        raise ProfileError("empty table; expected taxa × samples abundances")
    if names is None:
        _check_single_level(table.index)
    values = table.to_numpy(dtype=np.float64)
    totals = values.sum(axis=0)
    zero = np.flatnonzero(totals <= 0)
    if zero.size:
        raise ProfileError(f"sample {table.columns[zero[0]]!r} has total abundance 0; expected "
                           "at least one non-zero taxon per sample")
    rel = values / totals
    mapping = map_taxa(table.index if names is None else names)
    mapping["feature"] = [str(i) for i in table.index]
    guild = mapping["guild"].where(mapping["guild"].isin(GUILD_NAMES))
    out = np.zeros((len(GUILD_NAMES), table.shape[1]))
    for gi, g in enumerate(GUILD_NAMES):
        mask = (guild == g).to_numpy()
        if mask.any():
            out[gi] = rel[mask].sum(axis=0)
    unmapped = rel[guild.isna().to_numpy()].sum(axis=0)
    cols = pd.Index([str(c) for c in table.columns], name="sample")
    guilds = pd.DataFrame(out, index=pd.Index(GUILD_NAMES, name="guild"), columns=cols)
    if normalize == "mapped":
        mapped = guilds.sum(axis=0)
        guilds = guilds / mapped.where(mapped > 0)
    guilds.attrs["mapping"] = mapping
    return guilds, pd.Series(unmapped, index=cols, name="unmapped")


__all__ = ["guild_profile", "guild_table", "map_taxa", "parse_taxon"]
