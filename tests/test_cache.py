"""The on-disk cache repairs itself (issue #16 item 5): damaged generated modules, numba
entries and steady states are rebuilt, a wrong steady state under a key is rejected, an
unwritable cache falls back to a temporary one with a warning, stale temporary files go.

Cheap by design: the numba cases use a one-line synthetic module, and the cases on the real
model copy the already compiled entries into a temporary cache (numba keys its machine code by
the sha256 of the source, so the solver, regenerated identically, reuses it). Only the test
that makes numba recompile the real solver is marked slow.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pickle
import re
import shutil
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from gutbrain.compile import build, cache
from gutbrain.compile.cache import (
    CacheWarning,
    cache_dir,
    cache_info,
    clear_cache,
    damaged_numba_entries,
    import_file,
    load_array,
    load_generated,
    remove_stale_tmp,
    save_array,
    verify_generated,
)
from gutbrain.engine import single
from gutbrain.engine.tsit5 import load_solver
from gutbrain.errors import EnvironmentProblem


def _source(value: float = 1.0) -> str:
    return (
        "from numba import njit\n\n\n"
        "@njit(cache=True)\n"
        "def f(x):\n"
        f"    return 2.0 * x + {value!r}\n\n\n"
        f"VALUE = {value!r}\n"
    )


class Source:
    """A module source that counts how often it was asked for (each call is a regeneration)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        return self.text


@pytest.fixture
def isolated(monkeypatch: pytest.MonkeyPatch):
    """No cache location remembered from other tests; sys.path restored afterwards."""
    monkeypatch.setattr(cache, "_ACTIVE", {})
    monkeypatch.setattr(cache, "_FALLBACK", {})
    monkeypatch.setattr(sys, "path", sys.path[:])


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated) -> Path:
    """An empty cache of this test's own."""
    root = tmp_path / "cache"
    monkeypatch.setenv("GUTBRAIN_CACHE_DIR", str(root))
    assert cache_dir() == root
    return root


@pytest.fixture
def name(request: pytest.FixtureRequest):
    """A synthetic module name unique to the test, dropped from sys.modules afterwards."""
    modname = "gutbrain_synth_" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:12]
    yield modname
    sys.modules.pop(modname, None)


def _reimport(modname: str) -> None:
    """What a new process sees: the module is no longer loaded."""
    sys.modules.pop(modname, None)


# -- generated modules ------------------------------------------------------------------------

def test_module_is_checksummed_and_reused(fresh: Path, name: str) -> None:
    src = Source(_source())
    module = load_generated(name, src)
    assert module.VALUE == 1.0 and src.calls == 1
    assert verify_generated(fresh / f"{name}.py", name) is None
    assert (fresh / f"{name}.sum").is_file()
    _reimport(name)
    assert load_generated(name, src).VALUE == 1.0
    assert src.calls == 1  # intact: not regenerated


@pytest.mark.parametrize("damage", ["truncated", "edited", "syntax", "empty", "no_checksum"])
def test_damaged_module_is_regenerated(fresh: Path, name: str, damage: str) -> None:
    src = Source(_source())
    load_generated(name, src)
    path = fresh / f"{name}.py"
    text = path.read_text()
    if damage == "truncated":
        path.write_text(text[: len(text) // 2])
    elif damage == "edited":
        path.write_text(text.replace("VALUE = 1.0", "VALUE = 2.0"))
    elif damage == "syntax":
        path.write_text(text + "\n)garbage(\n")
    elif damage == "empty":
        path.write_text("")
    else:
        (fresh / f"{name}.sum").unlink()
    _reimport(name)
    module = load_generated(name, src)
    assert module.VALUE == 1.0 and module.f(1.0) == 3.0
    assert src.calls == 2
    assert path.read_text() == text
    assert verify_generated(path, name) is None


def test_module_copied_from_another_key_is_rejected(fresh: Path, name: str) -> None:
    other = name + "_other"
    try:
        load_generated(other, Source(_source(5.0)))
        for suffix in (".py", ".sum"):  # a valid module and checksum, but for another name
            shutil.copy(fresh / f"{other}{suffix}", fresh / f"{name}{suffix}")
        assert verify_generated(fresh / f"{name}.py", name) is not None
        assert load_generated(name, Source(_source(1.0))).VALUE == 1.0
    finally:
        sys.modules.pop(other, None)


def test_module_broken_after_rebuild_names_the_file(fresh: Path, name: str) -> None:
    src = Source("raise AttributeError('generated code is broken')\n")
    with pytest.raises(EnvironmentProblem) as info:
        load_generated(name, src)
    message = str(info.value)
    assert str(fresh / f"{name}.py") in message and "gutbrain cache clear" in message
    assert src.calls == 2  # written, then rebuilt once
    assert name not in sys.modules
    assert not (fresh / f"{name}.py").exists()


def test_damaged_bytecode_is_rebuilt(fresh: Path, name: str,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    src = Source(_source())
    load_generated(name, src)
    pyc = Path(importlib.util.cache_from_source(str(fresh / f"{name}.py")))
    assert pyc.is_file()
    pyc.write_bytes(pyc.read_bytes()[:16] + b"\x00garbage")  # valid header, bad code
    _reimport(name)
    with pytest.raises((ValueError, EOFError)):  # what Python does with it
        import_file(name, fresh / f"{name}.py")
    assert load_generated(name, src).VALUE == 1.0
    assert src.calls == 2


def test_import_file_leaves_no_broken_module(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.py"
    path.write_text("import math\nmath.no_such_function\n")
    with pytest.raises(AttributeError):
        import_file(name, path)
    assert name not in sys.modules
    path.write_text("VALUE = 3\n")
    assert import_file(name, path).VALUE == 3


# -- numba's entries --------------------------------------------------------------------------

def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    if how == "garbage":
        path.write_bytes(bytes(range(7, 256, 3)) * 4)
    elif how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    else:
        path.write_bytes(b"")


@pytest.mark.parametrize("suffix", [".nbi", ".nbc"])
@pytest.mark.parametrize("how", ["garbage", "truncated", "empty"])
def test_damaged_numba_entry_is_recompiled(fresh: Path, name: str, suffix: str,
                                           how: str) -> None:
    src = Source(_source())
    assert load_generated(name, src).f(1.0) == 3.0  # compiled and cached by numba
    entries = sorted((fresh / "__pycache__").glob(f"{name}.f-*{suffix}"))
    assert len(entries) == 1
    _damage(entries[0], how)
    assert damaged_numba_entries(fresh, name)

    # numba itself never recovers: the first call of a fresh import fails, every time
    _reimport(name)
    raw = import_file(name, fresh / f"{name}.py")
    with pytest.raises((pickle.UnpicklingError, EOFError, ValueError)):
        raw.f(1.0)

    _reimport(name)
    module = load_generated(name, src)
    assert damaged_numba_entries(fresh, name) == []
    assert module.f(1.0) == 3.0
    assert src.calls == 1  # the module itself was intact: only numba's entry was rebuilt
    assert damaged_numba_entries(fresh, name) == []
    assert len(list((fresh / "__pycache__").glob(f"{name}.f-*.nbi"))) == 1


# -- location, fallback, stale files ----------------------------------------------------------

def test_unusable_cache_falls_back_with_one_warning(tmp_path: Path, name: str, isolated,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    location = blocker / "cache"  # cannot be created, even by root
    monkeypatch.setenv("GUTBRAIN_CACHE_DIR", str(location))
    with pytest.warns(CacheWarning, match=re.escape(str(location))):
        root = cache_dir()
    try:
        assert root != location and root.is_dir() and root.name.startswith("gutbrain-cache-")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert cache_dir() == root  # once per process
            assert load_generated(name, Source(_source())).f(2.0) == 5.0
        assert (root / f"{name}.py").is_file()
        assert cache_info()["fallback"] == str(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_read_only_cache_falls_back(tmp_path: Path, isolated,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    location = tmp_path / "ro"
    location.mkdir()
    location.chmod(0o555)
    try:
        if os.access(location, os.W_OK):
            pytest.skip("chmod does not stop this user writing (root)")
        monkeypatch.setenv("GUTBRAIN_CACHE_DIR", str(location))
        with pytest.warns(CacheWarning, match="not writable"):
            root = cache_dir()
        assert root != location
        shutil.rmtree(root, ignore_errors=True)
    finally:
        location.chmod(0o755)


def test_stale_temporary_files_are_removed_on_open(tmp_path: Path, isolated,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "cache"
    (root / "__pycache__").mkdir(parents=True)
    (root / "steady").mkdir()
    old = time.time() - 2 * 3600
    stale = [root / "gutbrain_model_x.pyab12cd.tmp",
             root / "__pycache__" / "gutbrain_model_x.f-3.py311.nbi.tmp.0123456789abcdef",
             root / "steady" / "0123456789abcdef01234567.tmp.npy"]
    young = root / "gutbrain_tsit5_y.pyzz99.tmp"
    foreign = root / "someone-elses.tmp"
    for path in [*stale, young, foreign]:
        path.write_text("x")
    for path in [*stale, foreign]:
        os.utime(path, (old, old))
    monkeypatch.setenv("GUTBRAIN_CACHE_DIR", str(root))
    assert cache_dir() == root
    assert not any(p.exists() for p in stale)
    assert young.exists() and foreign.exists()
    assert remove_stale_tmp(root, older_than=-1.0) == 1  # the young one, when asked


def test_cache_info_and_clear(fresh: Path, name: str) -> None:
    load_generated(name, Source(_source())).f(1.0)
    save_array(fresh / "steady" / "k.npz", "k", np.arange(3.0))
    (fresh / "steady" / "old.npy").write_bytes(b"legacy")
    (fresh / "notes.txt").write_text("not ours")
    (fresh / "gutbrain_model_z.pyq.tmp").write_text("half")
    info = cache_info()
    assert info["location"] == str(fresh) and info["writable"] and info["fallback"] is None
    assert info["version"] == cache.cache_version()
    entries = info["entries"]
    assert isinstance(entries, dict)
    assert entries["steady"] == 2 and entries["tmp"] == 1 and entries["numba"] == 2
    assert entries["other"] == 2  # the synthetic module and its checksum
    sizes = sum(p.stat().st_size for p in fresh.rglob("*") if p.is_file() and p.name != "notes.txt")
    assert info["files"] == 7 and info["bytes"] == sizes
    assert clear_cache() == (7, sizes)
    assert sorted(p.name for p in fresh.iterdir()) == ["notes.txt"]
    assert cache_info()["files"] == 0
    assert clear_cache() == (0, 0)


# -- steady states ----------------------------------------------------------------------------

@pytest.fixture
def steady_cache(model, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated) -> Path:
    """An empty cache, with the model and solver already loaded (from the real cache: loaded
    here first, they would compile from scratch), and no steady state in memory."""
    load_solver(model)
    root = tmp_path / "cache"
    monkeypatch.setenv("GUTBRAIN_CACHE_DIR", str(root))
    monkeypatch.setattr(single, "_BURN_CACHE", {})
    return root


def _steady_files(root: Path) -> dict[str, Path]:
    return {p.stem: p for p in (root / "steady").glob("*.npz")}


def test_steady_state_entry_is_reused(model, steady_cache: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    y = single.steady_state(model, model.default_parameters())
    (key, path), = _steady_files(steady_cache).items()
    assert np.array_equal(load_array(path, key), y)
    single._BURN_CACHE.clear()

    def no_integration(*args, **kwargs):
        raise AssertionError("the cached steady state was not used")

    monkeypatch.setattr(single, "integrate", no_integration)
    assert np.array_equal(single.steady_state(model, model.default_parameters()), y)


@pytest.mark.parametrize("damage", ["other_key", "legacy_npy", "truncated", "garbage",
                                    "edited"])
def test_wrong_or_damaged_steady_state_is_recomputed(model, steady_cache: Path,
                                                     damage: str) -> None:
    p0 = model.default_parameters()
    p1 = p0.copy()
    p1[model.param_index("fiber_g")] *= 0.5
    y0 = single.steady_state(model, p0)
    (key0, path0), = _steady_files(steady_cache).items()
    y1 = single.steady_state(model, p1)
    (key1, path1), = (kv for kv in _steady_files(steady_cache).items() if kv[0] != key0)
    assert not np.allclose(y0, y1)
    single._BURN_CACHE.clear()

    if damage == "other_key":  # a valid entry, but for other parameters
        shutil.copy(path1, path0)
    elif damage == "legacy_npy":  # the old format, holding a wrong state
        path0.unlink()
        np.save(path0.with_suffix(".npy"), y1)
    elif damage == "truncated":
        path0.write_bytes(path0.read_bytes()[:300])
    elif damage == "garbage":
        path0.write_bytes(b"\x93NUMPY" + bytes(200))
    else:  # the state changed but not its checksum
        with np.load(path0) as z:
            fields = {k: z[k] for k in z.files}
        fields["y"] = y1
        np.savez(path0, **fields)
    assert load_array(path0, key0) is None

    assert np.array_equal(single.steady_state(model, p0), y0)
    assert np.array_equal(load_array(path0, key0), y0)  # rewritten
    assert np.array_equal(single.steady_state(model, p1), y1)


def test_array_entry_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "s" / "a.npz"
    y = np.linspace(0.0, 1.0, 5)
    save_array(path, "a", y)
    assert np.array_equal(load_array(path, "a"), y)
    assert load_array(path, "b") is None
    assert load_array(tmp_path / "absent.npz", "a") is None
    assert not [p for p in path.parent.iterdir() if p != path]  # no temporary file left


# -- the real model and solver ----------------------------------------------------------------

def _copy_entries(src_root: Path, dst_root: Path, modname: str) -> None:
    (dst_root / "__pycache__").mkdir(parents=True, exist_ok=True)
    for path in src_root.glob(f"{modname}.*"):
        shutil.copy2(path, dst_root / path.name)
    for path in (src_root / "__pycache__").glob(f"{modname}.*"):
        shutil.copy2(path, dst_root / "__pycache__" / path.name)


def _forget_steady_states(root: Path) -> None:
    """Make the next steady_state integrate (with whatever solver is loaded then)."""
    single._BURN_CACHE.clear()
    for path in (root / "steady").glob("*"):
        path.unlink()


@pytest.fixture
def warm(model, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated) -> Path:
    """A temporary cache holding a copy of the compiled model and solver."""
    solver = load_solver(model)
    root = tmp_path / "warm"
    for module in (model.module, solver):
        _copy_entries(Path(module.__file__).parent, root, module.__name__)
    monkeypatch.setenv("GUTBRAIN_CACHE_DIR", str(root))
    monkeypatch.setattr(single, "_BURN_CACHE", {})
    return root


@pytest.mark.slow
def test_truncated_model_module_is_regenerated(model, warm: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    modname = model.module.__name__
    path = warm / f"{modname}.py"
    text = path.read_bytes()
    path.write_bytes(text[: len(text) // 3])
    assert verify_generated(path, modname) is not None
    monkeypatch.setattr(build, "_COMPILED", {})
    monkeypatch.delitem(sys.modules, modname)
    again = build.compile_model(model.spec)
    assert again.module is not model.module
    assert verify_generated(path, modname) is None
    # not called: sympy's output depends on PYTHONHASHSEED, so the regenerated text may differ
    # and numba would compile it from scratch (minutes); the synthetic tests cover that part
    for attr in ("INTEXP_NAMES", "INTEXP_VALUE", "N_Q", "LANES"):
        assert np.array_equal(getattr(again.module, attr), getattr(model.module, attr))
    assert callable(again.module.rhs) and callable(again.module.rhs_q)


def test_damaged_solver_module_is_regenerated(model, warm: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    solver = load_solver(model)
    path = warm / f"{solver.__name__}.py"
    expected = single.steady_state(model, model.default_parameters())
    _forget_steady_states(warm)
    path.write_text(path.read_text() + "\n)garbage(\n")
    monkeypatch.delitem(sys.modules, solver.__name__)
    again = load_solver(model)
    assert again is not solver and verify_generated(path, solver.__name__) is None
    # the repaired module runs from numba's cached code and gives the same burnt-in state
    assert np.array_equal(single.steady_state(model, model.default_parameters()), expected)


@pytest.mark.slow
def test_damaged_solver_numba_entry_is_recompiled(model, warm: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    solver = load_solver(model)
    expected = single.steady_state(model, model.default_parameters())
    _forget_steady_states(warm)
    index, = (warm / "__pycache__").glob(f"{solver.__name__}.solve-*.nbi")
    _damage(index, "garbage")
    monkeypatch.delitem(sys.modules, solver.__name__)
    load_solver(model)
    assert damaged_numba_entries(warm, solver.__name__) == []
    assert np.array_equal(single.steady_state(model, model.default_parameters()), expected)
