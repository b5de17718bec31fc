"""Issue #15 items 2-3: priors, surrogate, MCMC, the shipped ensemble and its bands."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gutbrain.analysis.uncertainty.calibrate import (
    WindowLikelihood,
    contraction,
    log_posterior,
    run_mcmc,
    thin_to,
)
from gutbrain.analysis.uncertainty.emulator import Emulator, cross_validate
from gutbrain.analysis.uncertainty.priors import Prior, model_priors, source_interval


# ---- priors ----------------------------------------------------------------------------------
def test_every_non_input_parameter_has_a_prior_inside_its_range():
    from gutbrain.model import build_model

    spec = build_model()
    priors = model_priors()
    expected = {p.name for p in spec.parameters if p.kind != "input"}
    assert set(priors) == expected
    u = np.linspace(0, 1, 11)
    for p in spec.parameters:
        if p.kind == "input":
            continue
        x = priors[p.name].ppf(u)
        assert np.all((x >= p.low) & (x <= p.high)), p.name
        if priors[p.name].family != "fixed":  # cdf inverts ppf
            np.testing.assert_allclose(priors[p.name].cdf(x[1:-1]), u[1:-1], atol=1e-9)


def test_log_uniform_for_wide_positive_ranges_uniform_otherwise():
    assert Prior("a", "log-uniform", 0.1, 10.0).ppf(np.array([0.5]))[0] == pytest.approx(1.0)
    assert Prior("b", "uniform", 0.0, 4.0).ppf(np.array([0.25]))[0] == pytest.approx(1.0)
    pri = model_priors()
    assert pri["crh_scale"].family == "log-uniform"  # 0.1-10: a hundredfold range
    assert pri["circ_phase"].family == "uniform"


def test_a_source_interval_narrows_the_prior():
    """hr_depression's source quotes RR 1.85 (1.67-2.04): a log-normal whose central 95 % is
    that interval, so its central 50 % is far narrower than a uniform's over the same span."""
    p = model_priors()["hr_depression"]
    assert p.family == "lognormal-ci" and p.ci == (1.67, 2.04)
    q25, q75 = p.ppf(np.array([0.25, 0.75]))
    assert q75 - q25 < 0.5 * (2.04 - 1.67)
    assert math.isclose(float(p.ppf(np.array([0.5]))[0]), math.sqrt(1.67 * 2.04), rel_tol=1e-6)


def test_source_interval_takes_only_an_interval_around_the_value():
    assert source_interval(1.4, "HR 1.40 (1.13-1.73; Darweesh 2018)", 1.0, 2.0) == (1.13, 1.73)
    assert source_interval(1.4, "HR 1.50 (1.13-1.73; x)", 1.0, 2.0) is None  # another value
    assert source_interval(60.0, "plasma Trp 50-80 uM (Badawy 2017)", 40, 90) is None
    assert source_interval(1.4, "HR 1.40 (1.13-1.73)", 1.2, 2.0) is None  # outside the range


# ---- surrogate and sampler on problems with known answers -------------------------------------
def _toy(u: np.ndarray) -> np.ndarray:
    return np.column_stack([np.sin(3 * u[:, 0]) + u[:, 1] ** 2, u[:, 0] * u[:, 1]])


def test_emulator_recovers_a_smooth_function_on_runs_it_never_saw():
    from scipy.stats import qmc

    u = qmc.Sobol(2, seed=1).random(64)
    y = _toy(u)
    err, pred = cross_validate(u, y, ["a", "b"], seed=0)
    assert err["a"] < 0.02 * np.ptp(y[:, 0]) and err["b"] < 0.02 * np.ptp(y[:, 1])
    test = np.random.default_rng(3).uniform(size=(50, 2))
    em = Emulator(["a", "b"]).fit(u, y)
    assert np.max(np.abs(em.predict(test) - _toy(test))) < 0.05


def test_emulator_ignores_failed_runs_per_output():
    u = np.random.default_rng(0).uniform(size=(40, 2))
    y = _toy(u)
    y[::5, 0] = np.nan
    em = Emulator(["a", "b"]).fit(u, y)
    assert np.all(np.isfinite(em.predict(u)))


def test_window_likelihood_shapes():
    w = WindowLikelihood("t", 1.0, 3.0)
    assert w.logpdf(np.array([2.0]))[0] > w.logpdf(np.array([3.0]))[0]
    # the window is the 95 % interval: the edge is 1.96 SD from the centre
    d = w.logpdf(np.array([2.0]))[0] - w.logpdf(np.array([3.0]))[0]
    assert d == pytest.approx(0.5 * 1.959963984540054 ** 2)
    up = WindowLikelihood("e", 0.0, 0.35, "upper")
    assert up.logpdf(np.array([0.0]))[0] == pytest.approx(0.0, abs=1e-12)
    assert up.logpdf(np.array([0.5]))[0] < -10
    assert WindowLikelihood("n", 5.0, None).logpdf(np.array([np.nan]))[0] == -np.inf
    # surrogate error widens the likelihood
    wide = WindowLikelihood("t", 1.0, 3.0, model_sd=1.0)
    assert (wide.logpdf(np.array([5.0])) - wide.logpdf(np.array([2.0])))[0] > \
        (w.logpdf(np.array([5.0])) - w.logpdf(np.array([2.0])))[0]


def test_mcmc_recovers_a_known_posterior_and_flags_the_unconstrained_parameter():
    """y = u0 observed in [0.4, 0.6] (a normal of SD 0.1/1.96 around 0.5); u1 moves nothing.
    The posterior of u0 is that normal (truncation negligible), u1 stays uniform: u0 is
    identifiable (contraction ~1), u1 is not (~0). Seeded: the same chain every run."""
    pytest.importorskip("emcee")
    lk = [WindowLikelihood("y", 0.4, 0.6)]
    logp = log_posterior(lk, lambda u: u[:, :1])
    chain = run_mcmc(logp, 2, seed=4, walkers=16, steps=1500, burn=500, thin=5)
    u0, u1 = chain.samples[:, 0], chain.samples[:, 1]
    assert u0.mean() == pytest.approx(0.5, abs=0.01)
    assert u0.std() == pytest.approx(0.1 / 1.96, rel=0.15)
    assert u1.std() == pytest.approx(math.sqrt(1 / 12), rel=0.2)  # still the uniform prior
    c = contraction(chain.samples)
    assert c[0] > 0.9 and c[1] < 0.3
    again = run_mcmc(logp, 2, seed=4, walkers=16, steps=1500, burn=500, thin=5)
    np.testing.assert_array_equal(chain.samples, again.samples)
    draws = thin_to(chain.samples, 200, seed=1)
    assert draws.shape == (200, 2)


# ---- the ensemble file and what uses it ----------------------------------------------------
def _ensemble_file(tmp_path, members: list[dict[str, float]], name: str = "ens.json"):
    from gutbrain.analysis.uncertainty.ensemble import write_ensemble_file
    from gutbrain.compile.build import compile_model

    record = {"parameters": sorted(members[0]), "ensemble": members,
              "model": {"digest": compile_model().digest}, "created": "test"}
    return write_ensemble_file(tmp_path / name, record)


def test_ensemble_file_is_checked_against_the_model(tmp_path):
    from gutbrain import InputError
    from gutbrain.analysis.uncertainty.ensemble import load_ensemble

    with pytest.raises(InputError, match="no posterior ensemble"):
        load_ensemble(tmp_path / "absent.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="not a JSON posterior ensemble"):
        load_ensemble(bad)
    with pytest.raises(InputError, match="is a trait"):  # traits vary between persons
        load_ensemble(_ensemble_file(tmp_path, [{"gr_sensitivity": 1.0}], "trait.json"))
    with pytest.raises(InputError, match="outside its range"):
        load_ensemble(_ensemble_file(tmp_path, [{"crh_scale": 50.0}], "range.json"))
    ens = load_ensemble(_ensemble_file(tmp_path, [{"crh_scale": 3.0}, {"crh_scale": 3.5}]))
    assert len(ens) == 2 and ens.names == ("crh_scale",)
    assert "warning" not in ens.provenance()
    with pytest.raises(InputError, match="expected 1 to 2"):
        ens.members(3)


def test_bands_bracket_and_follow_the_ensemble(tmp_path):
    """Members differing in crh_scale (HPA drive) give a cortisol band of non-zero width that
    holds the median; a scenario that fixes crh_scale itself (its `parameters:`) wins over the
    ensemble, so the same members then give a band of zero width: the scenario's experiment
    is not what the ensemble varies."""
    from gutbrain.analysis.uncertainty.bands import COLUMNS, uncertainty_bands
    from gutbrain.analysis.uncertainty.ensemble import load_ensemble

    ens = load_ensemble(_ensemble_file(tmp_path, [{"crh_scale": v} for v in
                                                  (2.5, 2.8, 3.2, 3.6, 4.0)]))
    bands, info = uncertainty_bands({"name": "b", "days": 2}, every_hours=6.0, ensemble=ens,
                                    observables=["cortisol", "phq9"])
    assert tuple(bands.columns) == COLUMNS
    assert set(bands.observable) == {"cortisol", "phq9"}
    assert np.all(bands.q05 <= bands.q50) and np.all(bands.q50 <= bands.q95)
    cort = bands[bands.observable == "cortisol"]
    assert np.all(cort.q95 - cort.q05 > 0.05 * cort.q50)
    assert info["members_ok"] == 5 and info["varied"] == ["crh_scale"]
    held, info2 = uncertainty_bands({"name": "h", "days": 2, "parameters": {"crh_scale": 3.0}},
                                    every_hours=6.0, ensemble=ens, observables=["cortisol"])
    np.testing.assert_allclose(held.q05, held.q95, rtol=1e-6)
    assert info2["held_by_scenario"] == ["crh_scale"] and info2["varied"] == []


def test_model_interval_sits_beside_the_sampling_ci():
    from gutbrain.analysis.uncertainty.trial_interval import attach_intervals

    result = {"contrasts": [{"arm": "p", "vs": "c", "outcome": "phq9", "hedges_g": -0.2,
                             "ci95": [-0.4, 0.0]},
                            {"arm": "p", "vs": "c", "outcome": "mde_incidence",
                             "risk_ratio": 0.8, "ci95": [0.5, 1.2]}]}
    attach_intervals(result, {("p", "phq9"): [-0.3, -0.1]}, {"draws": 2})
    c0, c1 = result["contrasts"]
    assert c0["ci95"] == [-0.4, 0.0] and c0["model_interval"] == [-0.3, -0.1]
    assert c0["model_interval_of"] == "hedges_g" and c1["model_interval_of"] == "risk_ratio"
    assert c1["model_interval"] == [None, None]
    assert result["uncertainty"] == {"draws": 2}


def test_the_split_names_real_anchor_targets_and_constants_only():
    from gutbrain.analysis.uncertainty.plan import (
        CALIBRATED,
        CALIBRATION_TARGETS,
        HELD_OUT_RELATED,
        LIKELIHOOD_SHAPE,
        split_of,
    )
    from gutbrain.analysis.validation import load_targets
    from gutbrain.model import build_model

    targets = {t.id: t for t in load_targets()}
    assert set(CALIBRATION_TARGETS) <= set(targets) and set(HELD_OUT_RELATED) <= set(targets)
    assert not set(CALIBRATION_TARGETS) & set(HELD_OUT_RELATED)
    assert all(targets[t].tier == "anchor" for t in CALIBRATION_TARGETS)
    assert set(LIKELIHOOD_SHAPE) <= set(CALIBRATION_TARGETS)
    spec = build_model()
    assert all(spec.parameter(n).kind == "constant" for n in CALIBRATED)
    assert split_of(CALIBRATION_TARGETS[0]) == "calibration"
    assert split_of(HELD_OUT_RELATED[0]) == "held-out"


def test_scorecard_reports_each_split():
    from collections import Counter

    from gutbrain.analysis.validation.harness import TargetResult
    from gutbrain.analysis.validation.scorecard import split_lines

    def r(i: str, split: str, status: str) -> TargetResult:
        return TargetResult(id=i, module="m", tier="anchor", value=1.0, window=(0, 2),
                            passed=status == "pass", runtime_s=0.0, status=status, split=split)

    lines = split_lines([r("a", "calibration", "pass"), r("b", "held-out", "pass"),
                         r("c", "held-out", "fail")])
    assert "calibration set: 1/1 passed" in lines[0]
    assert "held-out set: 1/2 passed, 1 failed" in lines[1]
    assert Counter(x.split(" set")[0] for x in lines[:2]) == {"calibration": 1, "held-out": 1}


def test_a_stale_ensemble_is_flagged(tmp_path):
    """The model digest covers structure only: a re-fitted default must warn as well."""
    from gutbrain.analysis.uncertainty.ensemble import load_ensemble, write_ensemble_file
    from gutbrain.compile.build import compile_model

    base = {"parameters": ["crh_scale"], "ensemble": [{"crh_scale": 3.0}], "created": "t"}
    write_ensemble_file(tmp_path / "a.json", {**base, "model": {"digest": "0" * 16}})
    assert "calibrated on model" in load_ensemble(tmp_path / "a.json").provenance()["warning"]
    write_ensemble_file(tmp_path / "b.json", {**base, "model": {"digest": compile_model().digest},
                                              "nominal": {"crh_scale": 1.0}})
    assert "changed since" in load_ensemble(tmp_path / "b.json").provenance()["warning"]
