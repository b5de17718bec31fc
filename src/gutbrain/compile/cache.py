"""The on-disk cache: generated numba modules, numba's machine code and burnt-in steady states.

Why a module of its own: the cache outlives the process that wrote it, so anything in it may be
stale, half written (a SIGKILL), damaged (a full disk, a bad copy) or unwritable (a read-only
home). Every entry is therefore checked before use and rebuilt when it fails the check
(issue #16):

- a generated module ``<name>.py`` has a sidecar ``<name>.sum`` (JSON: cache format, package
  version, the key it was generated for, sha256 and size of the module). A module whose sidecar
  is missing or disagrees is regenerated; a regeneration with the same text (the solver's, and
  an old cache's modules that only lack the sidecar) keeps numba's machine code, which numba
  keys by the sha256 of the source.
- numba's own entries (``__pycache__/<name>.<function>-<line>.pyXY.nbi/.nbc``) are pickles that
  numba loads on the first call, far from the import, and a damaged one raises
  ``UnpicklingError``/``EOFError`` there every time (numba never repairs it). They are walked
  with :mod:`pickletools` (structure only: nothing is built or imported) when the module is
  imported, and a damaged function's entries are deleted so numba compiles it again.
- a steady state is an ``.npz`` holding the array with its key, the cache version and a sha256,
  so a file copied from another key, an old-format file or a truncated one is recomputed.
- a cache that cannot be written falls back, with one warning, to a temporary cache for this
  process; temporary files older than an hour (left by a killed writer) are removed on open.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import importlib.util
import io
import json
import os
import pickle
import pickletools
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import numpy as np

from gutbrain.errors import EnvironmentProblem

CACHE_FORMAT = 1
"""Bump when the layout or the entry formats change: every entry written before is rebuilt."""

STALE_TMP_SECONDS = 3600.0
"""A temporary file this old belongs to a writer that died (writes take seconds)."""

PREFIX = "gutbrain_"
SUM_SUFFIX = ".sum"
STEADY = "steady"
PYCACHE = "__pycache__"

# what a damaged module or numba entry raises on import (FileNotFoundError: another process
# is repairing the same entry)
_BROKEN = (SyntaxError, ImportError, AttributeError, pickle.UnpicklingError, EOFError, ValueError,
           OSError)


class CacheWarning(RuntimeWarning):
    """The cache could not be used as configured (it was replaced by a temporary one)."""


def cache_version() -> str:
    """Cache format and package version: an entry written under another one is rebuilt."""
    from gutbrain import __version__

    return f"{CACHE_FORMAT}/{__version__}"


def cache_location() -> Path:
    """The configured cache folder (``GUTBRAIN_CACHE_DIR`` or the user cache dir); no side
    effects, so ``gutbrain cache info`` can report it even when it is unusable."""
    env = os.environ.get("GUTBRAIN_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("gutbrain"))


_ACTIVE: dict[str, Path] = {}  # configured location -> folder this process uses
_FALLBACK: dict[str, Path] = {}  # configured location -> temporary folder that replaced it


def _probe_writable(path: Path) -> str | None:
    """None when files can be created in ``path`` (tried for real: ``os.access`` misses
    read-only mounts), else the reason."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path, prefix=f"{PREFIX}probe", suffix=".tmp")
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        return f"{type(exc).__name__}: {exc.strerror or exc}"
    return None


def _writable(path: Path) -> str | None:
    """None when the cache and the subfolders that exist are writable, else the reason."""
    for sub in (path, path / PYCACHE, path / STEADY):
        if sub is path or sub.is_dir():
            problem = _probe_writable(sub)
            if problem is not None:
                return f"{sub}: {problem}"
    return None


def _is_tmp(name: str) -> bool:
    return name.endswith(".tmp") or ".tmp." in name


def remove_stale_tmp(root: Path, older_than: float = STALE_TMP_SECONDS) -> int:
    """Delete temporary files a killed writer left behind (ours and numba's); returns how many.
    Young ones may belong to a live writer and are kept."""
    now = time.time()
    removed = 0
    for folder, mine in ((root, True), (root / PYCACHE, True), (root / STEADY, False)):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if not _is_tmp(name) or (mine and not name.startswith(PREFIX)):
                continue
            path = folder / name
            try:
                if now - path.stat().st_mtime > older_than:
                    path.unlink()
                    removed += 1
            except OSError:
                pass
    return removed


def _fallback(location: Path, problem: str) -> Path:
    """A fresh temporary cache for this process (removed at exit), announced once."""
    tmp = Path(tempfile.mkdtemp(prefix="gutbrain-cache-"))
    atexit.register(shutil.rmtree, tmp, True)
    warnings.warn(
        f"gutbrain cache {location} is not writable ({problem}); using the temporary cache "
        f"{tmp} for this run, so the model is compiled again. Set GUTBRAIN_CACHE_DIR to a "
        "writable folder to keep the compiled code.", CacheWarning, stacklevel=3)
    return tmp


def cache_dir() -> Path:
    """Where generated code, numba's machine code and steady states live (the configured
    location, or a temporary one when that is not writable). Checked once per process."""
    location = cache_location()
    key = str(location)
    path = _ACTIVE.get(key)
    if path is None or not path.is_dir():
        problem = _writable(location)
        if problem is None:
            path = location
            remove_stale_tmp(path)
        else:
            if key not in _FALLBACK or not _FALLBACK[key].is_dir():
                _FALLBACK[key] = _fallback(location, problem)
            path = _FALLBACK[key]
        _ACTIVE[key] = path
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
    return path


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write to a temporary file and rename it into place: readers never see a half file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode() if isinstance(text, str) else text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def import_file(name: str, path: Path) -> ModuleType:
    """Import ``path`` as module ``name`` (once per process). A failed import leaves nothing in
    ``sys.modules``, so a retry runs the repaired file instead of the broken module."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


# -- generated modules ------------------------------------------------------------------------

def _sidecar(path: Path) -> Path:
    return path.with_suffix(SUM_SUFFIX)


def _stamp(key: str, data: bytes) -> dict[str, object]:
    return {"format": CACHE_FORMAT, "version": cache_version(), "key": key,
            "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def write_generated(path: Path, key: str, source: str) -> None:
    """Write a generated module and then its checksum sidecar (a crash in between leaves a
    module without a sidecar, which is regenerated)."""
    data = source.encode()
    write_atomic(path, data)
    write_atomic(_sidecar(path), json.dumps(_stamp(key, data)))


def verify_generated(path: Path, key: str) -> str | None:
    """None when ``path`` is intact and was generated for ``key`` by this cache version, else
    what is wrong with it."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return "absent"
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})"
    try:
        stamp = json.loads(_sidecar(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "no checksum"
    except (OSError, ValueError) as exc:
        return f"unreadable checksum ({exc})"
    if stamp != _stamp(key, data):
        return "checksum, key or version mismatch"
    return None


def _numba_groups(root: Path, name: str) -> dict[str, list[Path]]:
    """numba's entries for module ``name``, by function (``<name>.<qualname>-<line>.pyXY``)."""
    groups: dict[str, list[Path]] = {}
    try:
        names = os.listdir(root / PYCACHE)
    except OSError:
        return groups
    for fname in names:
        if not fname.startswith(f"{name}.") or not fname.endswith((".nbi", ".nbc")):
            continue
        stem = fname[:-4]
        if fname.endswith(".nbc"):
            stem = stem.rsplit(".", 1)[0]  # drop the data file's number
        groups.setdefault(stem, []).append(root / PYCACHE / fname)
    return groups


def _pickles_intact(data: bytes, count: int) -> bool:
    """Whether ``data`` is exactly ``count`` well-formed pickles (opcodes only: no object is
    built, nothing is imported)."""
    stream = io.BytesIO(data)
    try:
        for _ in range(count):
            for _op in pickletools.genops(stream):
                pass
    except Exception:  # genops raises ValueError, but garbage may trip anything
        return False
    return stream.read(1) == b""


def damaged_numba_entries(root: Path, name: str) -> list[Path]:
    """numba's cache files for module ``name`` that numba could not unpickle: for each damaged
    function, its index and all its data files (numba then compiles that function again)."""
    bad: list[Path] = []
    for files in _numba_groups(root, name).values():
        for path in files:
            try:
                data = path.read_bytes()
            except OSError:
                continue  # numba treats an unreadable data file as a miss
            # index: numba's version, then (source stamp, overloads); data: one pickle
            if not _pickles_intact(data, 2 if path.suffix == ".nbi" else 1):
                bad.extend(files)
                break
    return sorted(bad)


def _unlink(paths: Iterator[Path] | list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _purge_module(root: Path, name: str, numba: bool) -> None:
    """Forget module ``name``: in this process, its source and checksum, Python's bytecode
    and (``numba``) numba's entries."""
    sys.modules.pop(name, None)
    path = root / f"{name}.py"
    _unlink([path, _sidecar(path)])
    pyc = (root / PYCACHE).glob(f"{name}.*.pyc")
    _unlink(list(pyc))
    if numba:
        _unlink([p for files in _numba_groups(root, name).values() for p in files])


def load_generated(name: str, source: Callable[[], str], key: str | None = None) -> ModuleType:
    """Import generated module ``name`` from the cache, verified; write it (calling
    ``source``) when it is absent, damaged or from another version. A module that fails to
    import is purged and regenerated once; if it fails again, :class:`EnvironmentProblem`
    names the file and ``gutbrain cache clear``."""
    if name in sys.modules:
        return sys.modules[name]
    key = key or name
    root = cache_dir()
    path = root / f"{name}.py"
    try:
        if verify_generated(path, key) is not None:
            text = source()
            try:
                same = path.read_bytes() == text.encode()
            except OSError:
                same = False
            if same:  # an older cache, or only the sidecar was lost: keep numba's code
                write_atomic(_sidecar(path), json.dumps(_stamp(key, text.encode())))
            else:
                write_generated(path, key, text)
        _unlink(damaged_numba_entries(root, name))
    except OSError as exc:
        raise EnvironmentProblem(
            f"cannot write the cached module {path} ({exc.strerror or exc}); check the disk "
            "or set GUTBRAIN_CACHE_DIR to a writable folder") from exc
    try:
        return import_file(name, path)
    except _BROKEN as first:
        broken: BaseException = first
    try:
        _purge_module(root, name, numba=False)
        write_generated(path, key, source())
        return import_file(name, path)
    except _BROKEN as exc:
        _purge_module(root, name, numba=True)
        raise EnvironmentProblem(
            f"the cached module {path} failed to import even after it was rebuilt "
            f"({type(exc).__name__}: {exc}; first {type(broken).__name__}: {broken}); "
            "run `gutbrain cache clear` and try again") from exc


# -- steady states and other arrays -----------------------------------------------------------

def _array_digest(key: str, y: np.ndarray) -> str:
    h = hashlib.sha256()
    h.update(f"{cache_version()}|{key}|{y.dtype.str}|{y.shape}|".encode())
    h.update(np.ascontiguousarray(y).tobytes())
    return h.hexdigest()


def save_array(path: Path, key: str, y: np.ndarray) -> None:
    """Store ``y`` under ``key`` with a checksum (``.npz``, written atomically). Best effort: a
    cache that cannot take it costs a recomputation next time, not the run."""
    y = np.asarray(y)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, y=y, key=np.array(key), version=np.array(cache_version()),
                         sha256=np.array(_array_digest(key, y)))
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        warnings.warn(f"could not cache {path} ({exc.strerror or exc})", CacheWarning,
                      stacklevel=2)


def load_array(path: Path, key: str) -> np.ndarray | None:
    """The array stored under ``key`` at ``path``, or None when the file is absent, unreadable,
    truncated, from another cache version or key, or fails its checksum."""
    try:
        with np.load(path, allow_pickle=False) as z:
            if not isinstance(z, np.lib.npyio.NpzFile):
                return None
            if str(z["key"]) != key or str(z["version"]) != cache_version():
                return None
            y = np.array(z["y"])
            if str(z["sha256"]) != _array_digest(key, y):
                return None
    except Exception:  # whatever a damaged file raises (zip, zlib, npy header): recompute
        return None
    return y


# -- the `gutbrain cache` verbs ---------------------------------------------------------------

def _kind(rel: Path) -> str | None:
    """Which kind of entry a file under the cache root is, None when it is not ours."""
    name = rel.name
    if len(rel.parts) == 1:
        if not name.startswith(PREFIX):
            return None
        if _is_tmp(name):
            return "tmp"
        if name.startswith(f"{PREFIX}model_"):
            return "models"
        if name.startswith(f"{PREFIX}tsit5_"):
            return "solvers"
        return "other"
    if len(rel.parts) == 2 and rel.parts[0] == PYCACHE and name.startswith(PREFIX):
        if _is_tmp(name):
            return "tmp"
        return "numba" if name.endswith((".nbi", ".nbc")) else "bytecode"
    if len(rel.parts) == 2 and rel.parts[0] == STEADY:
        return "tmp" if _is_tmp(name) else "steady"
    return None


def _entries(root: Path) -> Iterator[tuple[Path, str]]:
    for folder in (root, root / PYCACHE, root / STEADY):
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            continue
        for fname in names:
            path = folder / fname
            kind = _kind(path.relative_to(root))
            if kind is not None and path.is_file():
                yield path, kind


def clear_cache(path: Path | None = None) -> tuple[int, int]:
    """Delete gutbrain's entries from the cache (default: the configured location) and return
    (files removed, bytes freed). Only gutbrain's files are touched, so a
    ``GUTBRAIN_CACHE_DIR`` that points at a shared folder keeps the rest. Processes already
    running keep what they imported."""
    root = path if path is not None else cache_location()
    count = size = 0
    failed: list[tuple[Path, OSError]] = []
    for entry, _ in _entries(root):
        try:
            nbytes = entry.stat().st_size
            entry.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            failed.append((entry, exc))
            continue
        count += 1
        size += nbytes
    for sub in (root / STEADY, root / PYCACHE):
        with contextlib.suppress(OSError):
            sub.rmdir()  # only when empty
    for key in [k for k, v in _ACTIVE.items() if v == root]:
        del _ACTIVE[key]
    if failed:
        where, exc = failed[0]
        raise EnvironmentProblem(
            f"could not remove {len(failed)} of {len(failed) + count} cache files under {root} "
            f"(first {where}: {exc.strerror or exc}); removed {count}")
    return count, size


def cache_info(path: Path | None = None) -> dict[str, object]:
    """What the cache holds: location, whether it is writable, the temporary folder this process
    uses instead (if any), the cache version, and files, bytes and entry counts by kind
    (models, solvers, numba, bytecode, steady, other, tmp)."""
    root = path if path is not None else cache_location()
    counts = dict.fromkeys(
        ("models", "solvers", "numba", "bytecode", "steady", "other", "tmp"), 0)
    files = size = 0
    for entry, kind in _entries(root):
        try:
            size += entry.stat().st_size
        except OSError:
            continue
        files += 1
        if kind not in ("models", "solvers") or entry.suffix == ".py":  # not the checksums
            counts[kind] += 1
    fallback = _FALLBACK.get(str(root))
    return {
        "location": str(root),
        "exists": root.is_dir(),
        "writable": root.is_dir() and _writable(root) is None,
        "fallback": str(fallback) if fallback is not None else None,
        "version": cache_version(),
        "files": files,
        "bytes": size,
        "entries": counts,
    }


__all__ = ["CACHE_FORMAT", "CacheWarning", "cache_dir", "cache_info", "cache_location",
           "cache_version", "clear_cache", "damaged_numba_entries", "import_file",
           "load_array", "load_generated", "remove_stale_tmp", "save_array", "verify_generated",
           "write_atomic", "write_generated"]
