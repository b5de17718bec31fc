"""The adrenal's circadian and awakening gate of ACTH sensitivity (model/hpa.py adrenal_gate):
the same ACTH makes more cortisol in the morning than in the evening, and more just after
waking than before, so both Carroll 2007 hormone profiles and the awakening rise fit at once."""

from __future__ import annotations

import numpy as np

from gutbrain.engine.single import Schedule, integrate, steady_state


def _secretion(model, p, y, t):
    """Cortisol secretion (1/d, relative units) at clock time t for a fixed state y."""
    dy = np.zeros(model.n_states)
    model.module.rhs(t, y, p, dy)
    ci = model.state_index("cort_rel")
    return dy[ci] + p[model.param_index("g_cort")] * y[ci]


def test_same_acth_makes_more_cortisol_in_the_morning_and_after_waking(model):
    p = model.default_parameters()
    y = steady_state(model, p)  # one state: same ACTH, adrenal mass, cortisol at every time
    linear = (p[model.param_index("g_cort")] * y[model.state_index("acth_rel")]
              * y[model.state_index("adr_mass")])
    day = np.arange(1440) / 1440 + 2.0
    gate = np.array([_secretion(model, p, y, t) for t in day]) / linear
    assert abs(gate.mean() - 1) < 0.01  # the gate moves secretion over the day, not its mean
    # Carroll 2007 controls: cortisol/ACTH 0.39 (ug/dL)/(pg/mL) at 08-10 h, 0.10-0.13 at 21-24 h
    morning = gate[8 * 60:10 * 60].mean()
    evening = gate[21 * 60:24 * 60].mean()
    assert 2.0 < morning / evening < 6.0
    # awakening sensitisation (Clow 2010): 30 min after waking > 30 min before, same ACTH
    wake = int(round(p[model.param_index("wake_time")] * 1440))
    assert gate[wake + 30] > 1.5 * gate[wake - 30]
    # lowest sensitivity in the evening/night, highest in the morning
    assert 5.0 <= day[gate.argmax()] % 1 * 24 <= 9.0
    assert day[gate.argmin()] % 1 * 24 >= 15.0


def test_awakening_rise_without_a_large_acth_burst(model):
    """With the gate, a +40-60 % awakening cortisol rise (Wüst 2000) comes with ACTH in
    Carroll's range (control maximum 35.7 pg/mL, 14-24 h mean 17.3), not the 108 pg/mL burst
    and 7.8 pg/mL evening of a linear adrenal."""
    p = model.default_parameters()
    y0 = steady_state(model, p)
    grid = 1.0 + np.arange(0.0, 1.0 + 1e-9, 5 / 1440)
    sol = integrate(model, Schedule(np.array([0.0, 2.0]), p[None, :].copy(),
                                    np.zeros((1, model.n_states))), y0, grid)
    obs = np.zeros(len(model.observable_ids))
    ci, ai = model.observable_ids.index("cortisol"), model.observable_ids.index("acth")
    c, a = np.array([(model.module.observe(t, y, p, obs), obs[ci], obs[ai])[1:]
                     for t, y in zip(sol.t, sol.y, strict=True)]).T
    clock = (grid - 1.0) * 24
    wake = p[model.param_index("wake_time")] * 24
    car = np.interp(wake + 0.5, clock, c) / np.interp(wake, clock, c) - 1
    assert 0.4 <= car <= 0.6
    assert a.max() < 50.0
    assert a[clock >= 14].mean() > 12.0
