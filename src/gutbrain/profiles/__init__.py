"""Real microbiome profiles: readers, module inference (GBM/GMM), guilds, associations.

DESIGN §6. Submodules import lazily-heavy dependencies (statsmodels, biom) only when used.
"""

from gutbrain.profiles._io import ProfileError
from gutbrain.profiles.modules import (
    ModuleDB,
    ModuleResult,
    automatic_coverage_threshold,
    infer_modules,
    infer_modules_per_taxon,
    ko_only_detectability,
    parse_modules,
    read_module_db,
    write_module_tables,
)
from gutbrain.profiles.readers import Profile, detect_format, read_profile

__all__ = [
    "ModuleDB",
    "ModuleResult",
    "Profile",
    "ProfileError",
    "automatic_coverage_threshold",
    "detect_format",
    "infer_modules",
    "infer_modules_per_taxon",
    "ko_only_detectability",
    "parse_modules",
    "read_module_db",
    "read_profile",
    "write_module_tables",
]
