"""Microbial communities as doses: FMT donors and the germ-free start (issue #13).

A donor is a community: the share of each guild and the species of each guild it carries.
A faecal transplant adds the donor's biomass to the recipient's guilds (a bolus) and lets the
donor's species arrive for one day; the model's niche vacancy term decides how many of them
establish (``species_capacity`` and the recipient's own species), so a donor brings richness as
well as abundance, most into an emptied gut.

Donor forms (scenario field ``donor``):

* a person preset (``healthy_adult``, ``depressive_episode``, ``low_grade_inflammation``,
  ``germ_free``; ``healthy`` is ``healthy_adult``): that person's steady state on the
  scenario's baseline diet, richness included;
* ``autologous``: the recipient's own community before the first intervention of the
  scenario (the steady state the scenario starts from, i.e. stool banked before any
  intervention);
* ``{profile: FILE, sample: ID}``: a measured sample; guild shares from the taxa, species per
  guild counted where the table resolves species, otherwise the reference person's species in
  each guild the sample carries;
* ``{guild: share, ...}``: a guild mapping; species as for a genus-level sample.

The engine layer resolves donors because a preset donor is a simulated person (a burn-in).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from gutbrain.compile.build import CompiledModel
from gutbrain.model.microbiota import GUILD_NAMES

GERM_FREE = "germ_free"
DONOR_ALIASES = {"healthy": "healthy_adult"}
SHARE_DETECTED = 1e-4  # a guild below this share of a sample is taken as absent


@dataclass(frozen=True)
class Community:
    """Guild shares (summing to 1, or all 0 for no microbes) and species present per guild."""

    shares: dict[str, float]
    richness: dict[str, float]

    @property
    def empty(self) -> bool:
        return sum(self.shares.values()) <= 0


def community_of_state(model: CompiledModel, y: np.ndarray) -> Community:
    """The community a model state carries (biomass shares and species present)."""
    b = np.array([max(0.0, y[model.state_index(f"B_{g}")]) for g in GUILD_NAMES])
    total = b.sum()
    shares = b / total if total > 0 else np.zeros_like(b)
    rich = {g: max(0.0, float(y[model.state_index(f"R_{g}")])) for g in GUILD_NAMES}
    return Community({g: float(s) for g, s in zip(GUILD_NAMES, shares, strict=True)}, rich)


def germ_free_start(model: CompiledModel, start: np.ndarray | None = None) -> np.ndarray:
    """A state without microbes: no biomass, no species, no SCFA, no adherent lactobacilli.
    With ``microbial_exposure`` 0 (the germ_free preset) nothing arrives, so the burn-in keeps
    it sterile; an FMT or a probiotic colonises it."""
    y = (model.initial_state() if start is None else np.asarray(start, float)).copy()
    for g in GUILD_NAMES:
        y[model.state_index(f"B_{g}")] = 0.0
        y[model.state_index(f"R_{g}")] = 0.0
    for s in ("acetate", "propionate", "butyrate", "lacto_mucosal"):
        y[model.state_index(s)] = 0.0
    return y


def person_start(model: CompiledModel, preset: str) -> np.ndarray | None:
    """Burn-in start for a person preset: sterile for ``germ_free``, else the default."""
    return germ_free_start(model) if preset == GERM_FREE else None


@lru_cache(maxsize=4)
def _reference_richness(digest: str) -> tuple[float, ...]:
    from gutbrain.compile.build import compile_model
    from gutbrain.engine.single import steady_state

    model = compile_model()
    y = steady_state(model, model.default_parameters())
    return tuple(float(y[model.state_index(f"R_{g}")]) for g in GUILD_NAMES)


def reference_richness(model: CompiledModel) -> dict[str, float]:
    """Species per guild of the default person (healthy adult, Western diet) at steady
    state: the richness a donor known only by its guilds is taken to carry."""
    return dict(zip(GUILD_NAMES, _reference_richness(model.digest), strict=True))


def _from_shares(model: CompiledModel, shares: Mapping[str, float],
                 richness: Mapping[str, float] | None = None) -> Community:
    total = sum(max(0.0, float(v)) for v in shares.values())
    norm = {g: max(0.0, float(shares.get(g, 0.0))) / total if total > 0 else 0.0
            for g in GUILD_NAMES}
    ref = reference_richness(model)
    rich = {g: (float(richness[g]) if richness is not None and g in richness else ref[g])
            if norm[g] >= SHARE_DETECTED else 0.0 for g in GUILD_NAMES}
    return Community(norm, rich)


def measured_guild_richness(profile: str | Path, sample: str) -> dict[str, float] | None:
    """Species detected per guild in one sample of a species-resolved table (MetaPhlAn
    ``s__`` rows, binomials); None when the table does not resolve species."""
    from gutbrain.profiles._io import ProfileError
    from gutbrain.profiles.guilds import map_taxa
    from gutbrain.profiles.readers import read_profile

    try:
        prof = read_profile(profile, level="species")
    except (ProfileError, TypeError, ValueError):
        return None
    table = prof.table
    columns = {str(c): c for c in table.columns}
    key = sample if sample in columns else sample.replace("-", ".")
    if key not in columns:
        return None
    mapping = map_taxa(table.index)
    if mapping["species"].isna().all():
        return None
    present = table[columns[key]].to_numpy(dtype=float) > 0
    out = {g: 0.0 for g in GUILD_NAMES}
    for guild, has_species, here in zip(mapping["guild"], mapping["species"].notna(), present,
                                        strict=True):
        if here and has_species and guild in out:
            out[guild] += 1.0
    return out if sum(out.values()) > 0 else None


def donor_community(model: CompiledModel, donor: Any, *, diet: Mapping[str, float],
                    recipient_params: np.ndarray, recipient_state: np.ndarray | None = None,
                    base_dir: str | Path | None = None) -> Community:
    """Resolve a scenario's ``donor`` field (see the module docstring) to a Community."""
    from gutbrain.engine.single import steady_state
    from gutbrain.scenario.presets import PERSONS

    if isinstance(donor, str):
        name = DONOR_ALIASES.get(donor, donor)
        if name == "autologous":
            y = recipient_state
            if y is None:
                y = steady_state(model, recipient_params)
            return community_of_state(model, y)
        if name == GERM_FREE:
            return Community({g: 0.0 for g in GUILD_NAMES}, {g: 0.0 for g in GUILD_NAMES})
        p = model.default_parameters()
        for k, v in PERSONS[name].items():
            p[model.param_index(k)] = v
        for k, v in diet.items():
            p[model.param_index(k)] = v
        return community_of_state(model, steady_state(model, p))
    profile = getattr(donor, "profile", None)
    if profile is not None:
        from gutbrain.api import measured_guild_shares

        path = Path(profile)
        if base_dir is not None and not path.is_absolute():
            path = Path(base_dir) / path
        shares = measured_guild_shares(path, donor.sample)
        return _from_shares(model, shares, measured_guild_richness(path, donor.sample))
    return _from_shares(model, dict(donor))


__all__ = ["Community", "DONOR_ALIASES", "GERM_FREE", "community_of_state", "donor_community",
           "germ_free_start", "measured_guild_richness", "person_start", "reference_richness"]
