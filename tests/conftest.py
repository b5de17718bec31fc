"""Shared fixtures: compiled model, demo runs (computed once per session), ../shared data."""

from __future__ import annotations

from pathlib import Path

import pytest

from _browser import CHROMIUM_ARGS, chromium_path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared (project research data) is absent: data-anchored test skipped")
    return SHARED


@pytest.fixture(scope="session")
def model():
    from gutbrain.compile.build import compile_model

    return compile_model()


@pytest.fixture(scope="session")
def demo_runs():
    import gutbrain
    from gutbrain.scenario.library import demo_scenarios

    return {s.name: gutbrain.simulate(s) for s in demo_scenarios()}


def window_mean(ds, var: str, a: float, b: float) -> float:
    return float(ds[var].sel(day=slice(a, b)).mean())


@pytest.fixture(scope="session")
def browser():
    exe = chromium_path()
    if not exe:
        pytest.skip("no chromium on PATH (apt-get install chromium, or set GUTBRAIN_CHROMIUM): "
                    "the reports were not rendered in a browser")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (pip install '.[test]')")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()
