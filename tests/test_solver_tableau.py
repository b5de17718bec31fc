"""The integrator's Butcher tableau (Tsitouras 5(4)) satisfies the Runge–Kutta order conditions.

A mistyped coefficient would still integrate, only less accurately than promised; these checks
fail on any digit that matters. Order conditions are written with the tree notation of Hairer,
Nørsett & Wanner (Solving ODEs I, §II.2): for weights w, sum_i w_i Phi_i(tree) = 1/gamma(tree).
"""

from __future__ import annotations

import numpy as np
import pytest

from gutbrain.engine import tsit5


def _matrix() -> tuple[np.ndarray, np.ndarray]:
    c = np.array(tsit5.C)
    a = np.zeros((7, 7))
    for i, row in enumerate(tsit5.A):
        a[i, :len(row)] = row
    a[6, :] = tsit5.B  # first same as last: the 7th stage is the new solution
    return a, c


def _conditions(w: np.ndarray, a: np.ndarray, c: np.ndarray, order: int) -> list[float]:
    """Residuals sum w Phi - 1/gamma of all rooted trees up to ``order``."""
    ac = a @ c
    res = [w.sum() - 1, w @ c - 1 / 2]
    if order >= 3:
        res += [w @ c**2 - 1 / 3, w @ ac - 1 / 6]
    if order >= 4:
        res += [w @ c**3 - 1 / 4, w @ (c * ac) - 1 / 8, w @ (a @ c**2) - 1 / 12,
                w @ (a @ ac) - 1 / 24]
    if order >= 5:
        res += [w @ c**4 - 1 / 5, w @ (c**2 * ac) - 1 / 10, w @ (c * (a @ c**2)) - 1 / 15,
                w @ (c * (a @ ac)) - 1 / 30, w @ (ac * ac) - 1 / 20, w @ (a @ c**3) - 1 / 20,
                w @ (a @ (c * ac)) - 1 / 40, w @ (a @ (a @ c**2)) - 1 / 60,
                w @ (a @ (a @ ac)) - 1 / 120]
    return res


def test_rows_sum_to_nodes():
    a, c = _matrix()
    assert np.abs(a.sum(axis=1) - c).max() < 1e-14


def test_solution_weights_are_order_five():
    a, c = _matrix()
    assert np.abs(_conditions(np.array(tsit5.B), a, c, 5)).max() < 1e-14


def test_embedded_weights_are_order_four_not_five():
    """b_hat = b - E: order 4 exactly, and not order 5 (else the error estimate would vanish)."""
    a, c = _matrix()
    b_hat = np.array(tsit5.B) - np.array(tsit5.E)
    assert np.abs(_conditions(b_hat, a, c, 4)).max() < 1e-14
    assert np.abs(_conditions(b_hat, a, c, 5)[8:]).max() > 1e-4


@pytest.mark.parametrize("theta", [0.0, 0.25, 0.5, 0.9, 1.0])
def test_continuous_extension_is_order_four_and_ends_on_the_step(theta):
    """b_i(theta) meets the order-4 conditions scaled to theta (sum w Phi = theta^r / gamma) and
    equals b_i at theta = 1, so dense output joins the steps continuously."""
    a, c = _matrix()
    r = np.array(tsit5.R)
    w = r @ theta ** np.arange(1, 5)
    ac = a @ c
    scaled = [w.sum() - theta, w @ c - theta**2 / 2, w @ c**2 - theta**3 / 3,
              w @ ac - theta**3 / 6, w @ c**3 - theta**4 / 4, w @ (c * ac) - theta**4 / 8,
              w @ (a @ c**2) - theta**4 / 12, w @ (a @ ac) - theta**4 / 24]
    assert np.abs(scaled).max() < 1e-13
    if theta == 1.0:
        assert np.abs(w - np.array(tsit5.B)).max() < 1e-14


def test_generated_constants_match_the_tableau():
    """The solver module is generated from these tuples, not from a second copy."""
    src = tsit5._tableau_source()
    ns: dict[str, float] = {}
    exec(src, {}, ns)  # noqa: S102 - our own generated source
    assert ns["A54"] == tsit5.A[4][3] and ns["E7"] == tsit5.E[6] and ns["R24"] == tsit5.R[1][3]
    assert ns["C5"] == tsit5.C[4] and ns["B6"] == tsit5.B[5]
