"""Issue #18, around the engine in a trial: chunks in flight two at a time, and the chunk's
per-person inputs built for the whole chunk at once, with the results of the serial, per-person
code (no timing asserted here: bench/bench_trial_e2e.py measures)."""

from __future__ import annotations

import math
import threading
import time

import numpy as np
import pandas as pd
import pytest

import gutbrain.analysis.chunks as chunks_mod
from gutbrain.analysis.chunks import run_chunks
from gutbrain.analysis.population import mood_value, weekly_mood, weekly_mood_many
from gutbrain.analysis.trial import STRESS_RHO, STRESS_SD, _weekly_stress_many


def _slow_chunk(i: int, delay: float, log: list) -> pd.DataFrame:
    log.append(("start", i, threading.current_thread().name))
    time.sleep(delay)
    log.append(("end", i))
    return pd.DataFrame({"i": [i], "sq": [i * i]})


@pytest.fixture
def parallel_layer(monkeypatch):
    """Run as if numba's threading layer were thread-safe (it is chosen at the first parallel
    call, which these tests do not make)."""
    monkeypatch.setattr(chunks_mod, "threadsafe_parallel", lambda: True)


def test_chunks_in_flight_give_task_order_files_and_progress(tmp_path, parallel_layer):
    log: list = []
    delays = [0.15, 0.01, 0.1, 0.01, 0.05]  # later chunks finish first
    tasks = [(f"c{i}", (i, d, log)) for i, d in enumerate(delays)]
    seen: list[str] = []
    frames = run_chunks(_slow_chunk, tasks, out=tmp_path, progress=seen.append,
                        digest="x", concurrent=2)
    assert [int(f.i.iloc[0]) for f in frames] == list(range(5))
    assert seen == [f"c{i}" for i in range(5)]  # in task order, from the calling thread
    written = sorted(p.stem for p in (tmp_path / "chunks").glob("*.parquet"))
    assert written == [f"c{i}" for i in range(5)]
    # two at a time, never more: chunk 1 started before chunk 0 ended
    starts = [e for e in log if e[0] == "start"]
    assert all(name.startswith("gutbrain-chunk") for _, _, name in starts)
    order = [(e[0], e[1]) for e in log]
    assert order.index(("start", 1)) < order.index(("end", 0))
    running = peak = 0
    for kind, *_ in log:
        running += 1 if kind == "start" else -1
        peak = max(peak, running)
    assert peak == 2
    # a rerun resumes: nothing is simulated again
    log.clear()
    again = run_chunks(_slow_chunk, tasks, out=tmp_path, digest="x", concurrent=2)
    assert log == [] and [int(f.i.iloc[0]) for f in again] == list(range(5))


def _failing_chunk(i: int, log: list) -> pd.DataFrame:
    log.append(i)
    if i == 1:
        raise RuntimeError("chunk 1 failed")
    time.sleep(0.05)
    return pd.DataFrame({"i": [i]})


def test_a_failing_chunk_in_flight_stops_the_run(tmp_path, parallel_layer):
    log: list = []
    tasks = [(f"c{i}", (i, log)) for i in range(6)]
    with pytest.raises(RuntimeError, match="chunk 1 failed"):
        run_chunks(_failing_chunk, tasks, out=tmp_path, digest="y", concurrent=2)
    assert max(log) <= 3  # the run stopped: the later chunks never started
    assert (tmp_path / "chunks" / "c0.parquet").exists()  # what finished is kept (resume)


def test_chunks_run_one_at_a_time_without_a_thread_safe_layer(monkeypatch):
    monkeypatch.setattr(chunks_mod, "threadsafe_parallel", lambda: False)
    log: list = []
    tasks = [(f"c{i}", (i, 0.01, log)) for i in range(3)]
    run_chunks(_slow_chunk, tasks, concurrent=2)
    assert [(e[0], e[1]) for e in log] == [("start", 0), ("end", 0), ("start", 1),
                                           ("end", 1), ("start", 2), ("end", 2)]
    assert all(name == threading.main_thread().name for k, _, name in
               (e for e in log if e[0] == "start"))


def test_weekly_processes_for_a_chunk_equal_one_person_and_one_draw_at_a_time():
    """The chunk's weekly stress and residual affect are each person's own AR(1) from their
    own generator, exactly (bit for bit) as drawn one person and one week at a time."""
    seeds = [[21, p, 2] for p in (0, 5, 9)]
    n_weeks = 53
    many = _weekly_stress_many(n_weeks, [np.random.default_rng(s) for s in seeds])
    for row, s in zip(many, seeds, strict=True):
        rng = np.random.default_rng(s)
        z = np.empty(n_weeks)
        z[0] = rng.standard_normal()
        for w in range(1, n_weeks):
            z[w] = STRESS_RHO * z[w - 1] + math.sqrt(1 - STRESS_RHO**2) * rng.standard_normal()
        assert np.array_equal(row, np.exp(STRESS_SD * z - 0.5 * STRESS_SD**2))
    z0 = np.array([0.3, -1.2, 2.0])
    moods = weekly_mood_many(z0, n_weeks, [np.random.default_rng(s) for s in seeds])
    rho, sd = mood_value("rho"), mood_value("sd")
    for row, z_first, s in zip(moods, z0, seeds, strict=True):
        rng = np.random.default_rng(s)
        z = np.empty(n_weeks)
        z[0] = z_first
        for w in range(1, n_weeks):
            z[w] = rho * z[w - 1] + np.sqrt(1 - rho**2) * rng.standard_normal()
        assert np.array_equal(row, sd * z)
        assert np.array_equal(row, weekly_mood(float(z_first), n_weeks,
                                               np.random.default_rng(s)))
    assert not np.array_equal(moods[0], moods[1])  # each person their own draws
