"""Issue #15 item 4: every parameter at each end of its declared range burns in (periodic
steady state) and simulates 90 days with finite, plausible observables. A range that breaks
the model is either a model bug or a range wider than its source allows; both must show here."""

from __future__ import annotations

import numpy as np

from gutbrain.analysis.population import cohort_tolerances
from gutbrain.engine.batch import flag_implausible, integrate_batch, observe_batch
from gutbrain.engine.periodic import periodic_steady_states
from gutbrain.engine.single import Tolerances, steady_state
from gutbrain.model import build_model
from gutbrain.scenario.schedule import person_parameters
from gutbrain.scenario.schema import Scenario


def test_every_parameter_at_both_ends_of_its_range_burns_in_and_simulates(model):
    base = person_parameters(model, Scenario(name="walk"))
    ref = steady_state(model, base, tol=Tolerances(rtol=1e-6))
    rows, labels = [], []
    for p in build_model().parameters:
        if p.kind == "input":  # set by scenarios, whose schema bounds them
            continue
        for end, value in (("low", p.low), ("high", p.high)):
            q = base.copy()
            q[model.param_index(p.name)] = value
            rows.append(q)
            labels.append(f"{p.name}={value:g} ({end})")
    params = np.array(rows)
    assert len(params) > 400  # every constant and trait, both ends
    shot = periodic_steady_states(model, params, ref, base, cohort_tolerances())
    failed = [labels[i] for i in np.flatnonzero(shot.status != 0)]
    assert not failed, f"no periodic steady state: {failed}"
    boundaries = np.array([0.0, 90.0])
    sol = integrate_batch(model, boundaries, params[:, None, :],
                          np.zeros((1, model.n_states)), shot.y, np.arange(0.0, 91.0),
                          cohort_tolerances())
    obs = observe_batch(model, sol, boundaries, params[:, None, :])
    flag_implausible(model, sol, obs)
    failed = [labels[i] for i in np.flatnonzero(sol.status != 0)]
    assert not failed, f"90-day run failed or left the plausible range: {failed}"
    assert np.isfinite(obs).all()
