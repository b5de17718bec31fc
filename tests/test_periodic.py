"""Periodic steady states by shooting (issue #18 item 2): the same states a long brute-force
burn-in reaches, within the cohort tolerance, for ordinary and extreme persons."""

from __future__ import annotations

import numpy as np
import pytest

import gutbrain.engine.periodic as periodic
from gutbrain.analysis.population import _params, cohort_tolerances, sample_traits
from gutbrain.engine.batch import integrate_batch
from gutbrain.engine.periodic import periodic_steady_states
from gutbrain.engine.single import Tolerances, steady_state
from gutbrain.scenario.schedule import person_parameters
from gutbrain.scenario.schema import Scenario


@pytest.fixture(scope="module")
def persons(model):
    base = person_parameters(model, Scenario(name="population"))
    traits = sample_traits("general", 14, np.random.default_rng(5))
    traits.loc[0, "transit_d"] = 0.6  # fast transit: a guild near washout
    traits.loc[1, "inflammatory_gain"] = 4.5
    traits.loc[1, "stress_level"] = 0.5
    params = _params(model, traits, base)
    ref = steady_state(model, base, tol=Tolerances(rtol=1e-6))
    return base, params, ref


def _units(a, b):
    tol = cohort_tolerances()
    return np.abs(a - b) / (tol.rtol * np.abs(b) + tol.atol(b))


@pytest.mark.slow
def test_shooting_reaches_the_brute_force_steady_state(model, persons):
    base, params, ref = persons
    shot = periodic_steady_states(model, params, ref, base, cohort_tolerances())
    assert (shot.status == 0).all() and not shot.brute_force.any()
    assert np.median(shot.iterations) <= 15
    # brute force from the same start, long enough for the slowest modes to die out (species
    # richness returns over years: after 3,000 days a rare guild is still ~8 tolerances off)
    long = integrate_batch(model, np.array([-6000.0, 0.0]), params[:, None, :],
                           np.zeros((1, model.n_states)), np.repeat(ref[None], len(params), 0),
                           np.array([0.0]), Tolerances(rtol=1e-6, norm="max")).y[:, 0]
    err = _units(shot.y, long)
    worst = np.unravel_index(err.argmax(), err.shape)
    assert err.max() < 1.0, (err.max(), model.state_names[worst[1]])
    # the 200-day burn-in it replaces was tens of tolerances away in the slow states
    old = integrate_batch(model, np.array([-200.0, 0.0]), params[:, None, :],
                          np.zeros((1, model.n_states)), np.repeat(ref[None], len(params), 0),
                          np.array([0.0]), cohort_tolerances()).y[:, 0]
    assert np.median(_units(old, long).max(axis=1)) > 10


def test_a_person_who_does_not_converge_is_finished_by_brute_force(model, persons,
                                                                 monkeypatch):
    base, params, ref = persons
    shot = periodic_steady_states(model, params[:3], ref, base, cohort_tolerances(),
                                  max_iter=2, fallback_days=50.0)
    assert shot.brute_force.all() and (shot.status == 0).all()
    assert (shot.iterations == 2).all()


@pytest.mark.slow
def test_a_brute_force_fallback_is_shot_again_to_its_steady_state(model, persons):
    """After its brute force, an unconverged person is shot again from there (issue #18): a
    short fallback from a poor iterate alone leaves the slow modes, the shot does not."""
    base, params, ref = persons
    tol = cohort_tolerances()
    kw = {"max_iter": 2, "fallback_days": 400.0}
    plain = periodic_steady_states(model, params[:3], ref, base, tol, polish=False, **kw)
    shot = periodic_steady_states(model, params[:3], ref, base, tol, **kw)
    assert shot.brute_force.all() and (shot.status == 0).all()
    assert np.array_equal(shot.status, plain.status) and np.array_equal(shot.info, plain.info)
    long = integrate_batch(model, np.array([-6000.0, 0.0]), params[:3, None, :],
                           np.zeros((1, model.n_states)), np.repeat(ref[None], 3, 0),
                           np.array([0.0]), Tolerances(rtol=1e-6, norm="max")).y[:, 0]
    assert _units(plain.y, long).max() > 10
    assert _units(shot.y, long).max() < 1.0


def test_the_first_maps_are_rough_and_the_last_tight(model, persons, monkeypatch):
    """FIRST_MAPS maps at FIRST_RTOL, then ROUGH_RTOL, and a person finishes on SHOOT_RTOL
    maps only; a guess (near its solution) skips the roughest maps."""
    base, params, ref = persons
    calls = []
    real = periodic.one_day

    def one_day(model, p, y, tol, **kw):
        calls.append((tol.rtol, len(p)))
        return real(model, p, y, tol, **kw)

    monkeypatch.setattr(periodic, "one_day", one_day)
    shot = periodic_steady_states(model, params[:4], ref, base, cohort_tolerances(),
                                  polish=False)
    rtols = [r for r, _ in calls]
    assert rtols[:periodic.FIRST_MAPS] == [periodic.FIRST_RTOL] * periodic.FIRST_MAPS
    assert periodic.ROUGH_RTOL in rtols and rtols[-1] == periodic.SHOOT_RTOL
    assert sum(k for _, k in calls) == shot.iterations.sum()
    calls.clear()
    periodic_steady_states(model, params[:4], ref, base, cohort_tolerances(), guess=shot.y)
    assert periodic.FIRST_RTOL not in [r for r, _ in calls]


@pytest.mark.slow
def test_a_failing_person_gets_a_status_and_the_others_do_not_notice(model, persons):
    base, params, ref = persons
    bad = params[:4].copy()
    bad[2, model.param_index("inflammatory_gain")] = np.nan
    shot = periodic_steady_states(model, bad, ref, base, cohort_tolerances())
    assert shot.status[2] != 0 and (np.delete(shot.status, 2) == 0).all()
    good = periodic_steady_states(model, params[:4], ref, base, cohort_tolerances())
    assert np.allclose(np.delete(shot.y, 2, axis=0), np.delete(good.y, 2, axis=0))


def test_sensitivities_are_cached_per_reference(model, persons):
    base, params, ref = persons
    a = periodic.sensitivities(model, base, ref, params)
    b = periodic.sensitivities(model, base, ref, params)
    assert a is b
    m, dphi, varied = a
    assert m.shape == (model.n_states, model.n_states)
    assert dphi.shape == (len(varied), model.n_states)
    assert model.param_names.index("transit_d") in varied


def test_monodromy_matrices_are_cached_on_disk(model, persons, tmp_path, monkeypatch):
    """A fresh process (a CLI trial, a dask worker) reads the reference's monodromy matrix
    from the cache instead of recomputing it: the same arrays; a damaged file is recomputed."""
    base, params, ref = persons
    monkeypatch.setattr(periodic, "cache_dir", lambda: tmp_path)
    monkeypatch.setattr(periodic, "_MONODROMY", {})
    m, dphi, varied = periodic.sensitivities(model, base, ref, params[:3])
    files = list((tmp_path / "steady").glob("*.npz"))
    assert len(files) == 1
    monkeypatch.setattr(periodic, "_MONODROMY", {})  # as in a new process
    calls = []
    real = periodic.one_day
    monkeypatch.setattr(periodic, "one_day", lambda *a, **k: calls.append(1) or real(*a, **k))
    m2, dphi2, varied2 = periodic.sensitivities(model, base, ref, params[:3])
    assert not calls  # read, not integrated
    assert np.array_equal(m, m2) and np.array_equal(dphi, dphi2)
    assert np.array_equal(varied, varied2)
    files[0].write_bytes(files[0].read_bytes()[:100])  # damaged: recomputed, same values
    monkeypatch.setattr(periodic, "_MONODROMY", {})
    m3, _, _ = periodic.sensitivities(model, base, ref, params[:3])
    assert calls and np.array_equal(m, m3)


@pytest.mark.slow
def test_chained_solves_of_a_morris_trajectory_reach_the_brute_force_steady_state(model):
    """A Morris trajectory's sets (one parameter changed per step, over the whole ranges, far
    from the reference person): the chained solve (anchors, local monodromy matrices)
    converges for every set, to the state
    a 6,000-day brute-force burn-in from the reference reaches, within 1 cohort tolerance;
    the 400-day burn-in of the fallback is far from it in the slow states."""
    from gutbrain.analysis.sensitivity import make_design, model_factors

    every = model_factors()
    names = ["k_depression", "crh_scale", "transit_d", "K_GR", "inflammatory_gain"]
    design = make_design("morris", [every[n] for n in names], 2, seed=3)
    base = person_parameters(model, Scenario(name="population"))
    ref = steady_state(model, base, tol=Tolerances(rtol=1e-6))
    params = np.repeat(base[None], design.block_size, axis=0)  # the first trajectory
    params[:, [model.param_index(n) for n in names]] = design.values()[:design.block_size]
    tol = cohort_tolerances()
    shot = periodic.chained_steady_states(model, params, ref, base, tol)
    assert not shot.brute_force.any(), shot.iterations
    zero = np.zeros((1, model.n_states))
    start = np.repeat(ref[None], len(params), 0)
    long = integrate_batch(model, np.array([-6000.0, 0.0]), params[:, None, :], zero, start,
                           np.array([0.0]), Tolerances(rtol=1e-6, norm="max")).y[:, 0]
    err = _units(shot.y, long)
    worst = np.unravel_index(err.argmax(), err.shape)
    assert err.max() < 1.0, (err.max(), model.state_names[worst[1]])
    old = integrate_batch(model, np.array([-400.0, 0.0]), params[:, None, :], zero, start,
                          np.array([0.0]), tol).y[:, 0]
    assert np.median(_units(old, long).max(axis=1)) > 3
