"""The generated model code is the same text in every process (issue #18: a regenerated module
that differed only in the order of its Jacobian lines made numba recompile for minutes)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest

SCRIPT = """
import hashlib
from gutbrain.compile.codegen import generate_source
from gutbrain.compile.symbolic import build_symbolic
from gutbrain.model import build_model
print(hashlib.sha256(generate_source(build_symbolic(build_model())).encode()).hexdigest())
"""


@pytest.mark.slow
def test_generated_source_does_not_depend_on_the_hash_seed():
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                             text=True, check=True)
        digests.add(out.stdout.strip())
    assert len(digests) == 1, digests
    assert all(len(d) == len(hashlib.sha256().hexdigest()) for d in digests)
