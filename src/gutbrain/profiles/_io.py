"""Shared plumbing for profiles: the one error type and crash-safe file writes.

Every bad-input problem is a :class:`ProfileError` whose message names the file, the place (1-based
line and column where the format has them) and what was expected, so the CLI can print it as is
and exit with code 2 (DESIGN §8: nothing finished is lost, errors say where and what).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from gutbrain.errors import InputError


class ProfileError(InputError):
    """Bad profile, module database or metadata; the message says where and what was expected."""

    def __init__(self, message: str, *, path: str | os.PathLike[str] | None = None,
                 line: int | None = None, column: int | str | None = None) -> None:
        self.path = None if path is None else str(path)
        self.line = line
        self.column = column
        where = []
        if path is not None:
            where.append(str(path))
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


def atomic_write(path: str | os.PathLike[str], write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary file next to *path*, then rename it over *path*.

    The rename is atomic on POSIX and Windows, so a crash never leaves a half-written output
    that looks finished.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write *text* (UTF-8) to *path* atomically."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def atomic_write_tsv(df: pd.DataFrame, path: str | os.PathLike[str], *, index: bool = True,
                     float_format: str | None = None) -> Path:
    """Write a DataFrame as TSV atomically (full float precision unless *float_format*)."""
    return atomic_write(path, lambda tmp: df.to_csv(tmp, sep="\t", index=index,
                                                     float_format=float_format,
                                                     lineterminator="\n"))
