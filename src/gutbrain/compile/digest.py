"""The model digest: a hash of everything that changes the generated code.

Its own module, free of sympy, so that loading an already generated model (the common case)
never imports sympy (about a second of start-up)."""

from __future__ import annotations

import hashlib
import json

from gutbrain.model.spec import ModelSpec


def spec_digest(spec: ModelSpec) -> str:
    """Stable hash of everything that changes the generated code."""
    payload = {
        "species": [(s.name, s.rate) for s in spec.species],
        "params": [p.name for p in spec.parameters],
        "assignments": [(a.name, a.expr) for a in spec.assignments],
        "observables": [(o.id, o.expr) for o in spec.observables],
    }
    if spec.step_windows:  # only when present, so models without windows keep their digest
        payload["step_windows"] = [(w.start, w.length, w.h_max) for w in spec.step_windows]
    return hashlib.sha256(json.dumps(payload).encode()).hexdigest()[:16]
