"""Reference data for validation targets: inline arrays or files under ``../shared``.

A target's metric names a data set (``data: carroll2007_control_cortisol``). The name is looked
up first in the target's own ``data:`` block, then in the library file
``gutbrain/validation/targets/_data.yaml``. An entry is either inline::

    carroll2007_control_cortisol:
      source: "Carroll et al. 2007 ... via VeVaPy (MIT)"
      x_unit: h
      y_unit: ug/dL
      x: [0.0, 0.1667, ...]
      y: [1.90, 1.90, ...]

or a file in the project's shared research folder (absent from an installed package)::

    carroll2007_control_acth:
      shared: data/hpa_carroll2007/carroll2007_control_acth.csv
      x_col: time_min
      y_col: acth_pg_per_mL
      x_scale: 0.016666666666666666   # minutes -> hours

A missing shared file raises :class:`DataAbsent`, which the harness reports as ``skipped``.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml

TARGETS_DIR = Path(__file__).resolve().parents[2] / "validation" / "targets"
LIBRARY_FILE = "_data.yaml"


class DataAbsent(LookupError):
    """A target needs a reference data file that is not available here."""


@dataclass(frozen=True)
class RefData:
    name: str
    x: np.ndarray
    y: np.ndarray
    x_unit: str
    y_unit: str
    source: str
    sd: np.ndarray | None = None


def shared_dir() -> Path | None:
    """The project's ``shared`` folder (research data), or None when it is absent.

    ``GUTBRAIN_SHARED_DIR`` overrides the search (an empty or missing path means absent);
    otherwise a ``shared`` folder beside any ancestor of this package or of the working
    directory is used (the repository layout ``<root>/main`` + ``<root>/shared``).
    """
    env = os.environ.get("GUTBRAIN_SHARED_DIR")
    if env is not None:
        p = Path(env)
        return p if env and p.is_dir() else None
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for anc in start.parents:
            cand = anc / "shared"
            if (cand / "data").is_dir():
                return cand
    return None


@lru_cache(maxsize=1)
def library() -> dict[str, dict[str, Any]]:
    path = TARGETS_DIR / LIBRARY_FILE
    if not path.is_file():
        return {}
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def _read_shared(entry: dict[str, Any], name: str) -> tuple[np.ndarray, np.ndarray,
                                                            np.ndarray | None]:
    root = shared_dir()
    rel = entry["shared"]
    if root is None:
        raise DataAbsent(f"data absent: {name} needs shared/{rel} (the project's research "
                         "folder is not available here)")
    path = root / rel
    if not path.is_file():
        raise DataAbsent(f"data absent: {name} needs {path}")
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    x = np.array([float(r[entry["x_col"]]) for r in rows]) * float(entry.get("x_scale", 1.0))
    y = np.array([float(r[entry["y_col"]]) for r in rows]) * float(entry.get("y_scale", 1.0))
    sd = None
    if entry.get("sd_col"):
        sd = np.array([float(r[entry["sd_col"]]) for r in rows]) * float(
            entry.get("y_scale", 1.0))
    return x, y, sd


def resolve(name: str, local: dict[str, Any] | None = None) -> RefData:
    """Find a named reference data set (target-local first, then the library)."""
    entry = (local or {}).get(name) or library().get(name)
    if entry is None:
        raise KeyError(f"unknown reference data {name!r}: not in the target's data block nor "
                       f"in {LIBRARY_FILE}")
    if "shared" in entry:
        x, y, sd = _read_shared(entry, name)
    else:
        x = np.asarray(entry["x"], float) * float(entry.get("x_scale", 1.0))
        y = np.asarray(entry["y"], float) * float(entry.get("y_scale", 1.0))
        sd = np.asarray(entry["sd"], float) if entry.get("sd") is not None else None
        if len(x) != len(y):
            raise ValueError(f"reference data {name!r}: x has {len(x)} values, y {len(y)}")
    return RefData(name, x, y, str(entry.get("x_unit", "")), str(entry.get("y_unit", "")),
                   str(entry.get("source", "")), sd)


__all__ = ["DataAbsent", "RefData", "resolve", "shared_dir", "library", "TARGETS_DIR"]
