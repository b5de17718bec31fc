"""Compile a ModelSpec into importable numba code, cached on disk across runs."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np

from gutbrain.compile.cache import cache_dir, import_file, load_generated, write_atomic
from gutbrain.compile.digest import spec_digest
from gutbrain.model import build_model
from gutbrain.model.spec import ModelSpec


@dataclass
class CompiledModel:
    """Numeric form of the model: generated functions plus names, units and defaults."""

    spec: ModelSpec
    digest: str
    module: ModuleType = field(repr=False)
    state_names: list[str]
    param_names: list[str]
    observable_ids: list[str]

    def __reduce__(self):  # ship by name: workers recompile (from cache) instead of pickling code
        return (compile_model, ())

    @property
    def n_states(self) -> int:
        return len(self.state_names)

    def default_parameters(self) -> np.ndarray:
        return np.array([p.value for p in self.spec.parameters], dtype=float)

    def initial_state(self) -> np.ndarray:
        return np.array([s.initial for s in self.spec.species], dtype=float)

    def param_index(self, name: str) -> int:
        try:
            return self._pidx[name]
        except AttributeError:
            self._pidx = {n: i for i, n in enumerate(self.param_names)}
            return self._pidx[name]

    def state_index(self, name: str) -> int:
        try:
            return self._sidx[name]
        except AttributeError:
            self._sidx = {n: i for i, n in enumerate(self.state_names)}
            return self._sidx[name]

    @property
    def slow_states(self) -> np.ndarray:
        """Indices of the states that relax over years (see Species.slow)."""
        return np.array([i for i, s in enumerate(self.spec.species) if s.slow], dtype=np.int64)

    @property
    def nonnegative(self) -> np.ndarray:
        return np.array([s.nonnegative for s in self.spec.species], dtype=np.bool_)

    def observable_units(self) -> dict[str, str]:
        return {o.id: o.unit for o in self.spec.observables}

    @property
    def observable_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(low, high) of every observable's declared plausible range (-inf/inf if none)."""
        lo = np.array([o.plausible[0] if o.plausible else -np.inf
                       for o in self.spec.observables])
        hi = np.array([o.plausible[1] if o.plausible else np.inf
                       for o in self.spec.observables])
        return lo, hi


_COMPILED: dict[str, CompiledModel] = {}


def codegen_version() -> str:
    """Hash of the code generator and the maths it emits calls to: generated modules are
    cached by model digest *and* this, so a changed generator never reuses stale code (numba's
    own cache only notices changes to the generated file itself)."""
    import importlib.util

    h = hashlib.sha256()
    for name in ("gutbrain.compile.codegen", "gutbrain.engine.vmath"):
        spec = importlib.util.find_spec(name)  # the file, without importing sympy or numba
        assert spec is not None and spec.origin is not None
        h.update(Path(spec.origin).read_bytes())
    return h.hexdigest()[:8]


def _generated(name: str, spec: ModelSpec) -> ModuleType:
    """Import the generated module ``name`` from the cache (checksummed; written, or rewritten
    when absent or damaged, by running sympy on ``spec``)."""

    def source() -> str:
        from gutbrain.compile.codegen import generate_source
        from gutbrain.compile.symbolic import build_symbolic

        return generate_source(build_symbolic(spec))

    return load_generated(name, source)


def _folded_defaults_changed(module: ModuleType, spec: ModelSpec) -> bool:
    defaults = {p.name: p.value for p in spec.parameters}
    folded = zip(module.INTEXP_NAMES, module.INTEXP_VALUE, strict=True)
    return any(defaults.get(n) != v for n, v in folded)


def compile_model(spec: ModelSpec | None = None) -> CompiledModel:
    """Generate (or reuse) the model's numeric code. Sympy runs only when the model changed."""
    spec = spec or build_model()
    digest = spec_digest(spec)
    # the digest covers structure; the defaults are part of the key too, so that a spec with
    # other defaults gets its own CompiledModel (its default_parameters) and, where a default
    # that the generated code folds in (the integer exponents) differs, its own code
    defaults = np.array([p.value for p in spec.parameters]).tobytes()
    key = f"{digest}_{hashlib.sha256(defaults).hexdigest()[:8]}"
    if key in _COMPILED:
        return _COMPILED[key]
    name = f"gutbrain_model_{digest}_{codegen_version()}"
    module = _generated(name, spec)
    if _folded_defaults_changed(module, spec):
        # the old code would stay correct (the solvers use the folded right-hand sides only for
        # persons with the folded values) but slow for persons with the new defaults
        module = _generated(f"{name}_{key[-8:]}", spec)
    compiled = CompiledModel(
        spec=spec,
        digest=digest,
        module=module,
        state_names=[s.name for s in spec.species],
        param_names=[p.name for p in spec.parameters],
        observable_ids=[o.id for o in spec.observables],
    )
    _COMPILED[key] = compiled
    return compiled


# cache_dir, import_file, write_atomic moved to gutbrain.compile.cache; re-exported here
__all__ = ["CompiledModel", "cache_dir", "codegen_version", "compile_model", "import_file",
           "load_generated", "write_atomic"]
