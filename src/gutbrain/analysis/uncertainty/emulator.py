"""A surrogate of the validation metrics as functions of the calibrated parameters.

Why a surrogate: the posterior needs 10^5 likelihood evaluations; one evaluation of the seven
calibration targets costs seconds of simulation. So the targets are run at a designed set of
parameter sets (Sobol' points over the prior, then points drawn from a first posterior: a
second wave where the posterior lives) and each target's metric is emulated.

The emulator of one output is a quadratic polynomial (ridge-regularised least squares) in the
prior-quantile coordinates u plus a thin-plate radial-basis interpolant of its residuals
(``scipy.interpolate.RBFInterpolator`` with smoothing): the polynomial carries the trend
where runs are sparse, the RBF the curvature where they are dense. Its error is measured on
runs it was not fitted to (k-fold cross-validation), and that error's SD is added to the
likelihood's variance, so surrogate error widens the posterior instead of being ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.interpolate import RBFInterpolator

RIDGE = 1e-6
MIN_WEIGHT = 0.05


def _features(u: np.ndarray) -> np.ndarray:
    """1, u_i, u_i u_j (i <= j): the quadratic basis, on u centred at 0.5."""
    z = np.atleast_2d(u) - 0.5
    n, d = z.shape
    cols = [np.ones(n), *z.T]
    cols += [z[:, i] * z[:, j] for i in range(d) for j in range(i, d)]
    return np.column_stack(cols)


def _gradient_rms(coef: np.ndarray, u: np.ndarray) -> np.ndarray:
    """RMS over the runs of the quadratic trend's partial derivative in each u_k."""
    z = np.atleast_2d(u) - 0.5
    d = z.shape[1]
    grad = np.tile(coef[1:d + 1], (len(z), 1))
    k = d + 1
    for i in range(d):
        for j in range(i, d):
            c = coef[k]
            grad[:, i] += c * z[:, j]
            grad[:, j] += c * z[:, i]
            k += 1
    return np.sqrt(np.mean(grad ** 2, axis=0))


@dataclass
class OutputEmulator:
    """Quadratic trend + RBF residual interpolant of one output over u in [0, 1]^d.

    The RBF is anisotropic: each coordinate is stretched by how strongly the trend moves with
    it (RMS partial derivative, relative to the strongest; at least MIN_WEIGHT). Why: an
    output usually depends on two or three of the nine parameters, and an isotropic RBF
    spends its few runs resolving directions in which nothing happens."""

    smoothing: float = 1e-3
    coef: np.ndarray = field(default_factory=lambda: np.zeros(0))
    rbf: RBFInterpolator | None = None
    scale: float = 1.0
    weights: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def fit(self, u: np.ndarray, y: np.ndarray) -> OutputEmulator:
        X = _features(u)
        self.scale = float(np.std(y)) or 1.0
        ys = y / self.scale
        A = X.T @ X + RIDGE * len(y) * np.eye(X.shape[1])
        self.coef = np.linalg.solve(A, X.T @ ys)
        resid = ys - X @ self.coef
        g = _gradient_rms(self.coef, u)
        self.weights = np.maximum(g / (g.max() or 1.0), MIN_WEIGHT)
        if len(y) > X.shape[1] // 2:
            self.rbf = RBFInterpolator(u * self.weights, resid, kernel="thin_plate_spline",
                                       smoothing=self.smoothing * len(y), degree=1)
        return self

    def predict(self, u: np.ndarray) -> np.ndarray:
        u = np.atleast_2d(u)
        out = _features(u) @ self.coef
        if self.rbf is not None:
            out = out + self.rbf(u * self.weights)
        return out * self.scale


def _cv_rmse(u: np.ndarray, v: np.ndarray, log: bool, folds: int = 5,
             window: tuple[float | None, float | None] | None = None) -> float:
    """Out-of-fold RMS error of one output's emulator, on v's own scale (fixed folds); with a
    window, over the runs near it (``local_error``), where the likelihood lives."""
    fold = np.random.default_rng(0).permutation(len(v)) % folds
    err = np.empty(len(v))
    for k in range(folds):
        tr, te = fold != k, fold == k
        m = OutputEmulator().fit(u[tr], np.log(v[tr]) if log else v[tr])
        p = m.predict(u[te])
        err[te] = (np.exp(np.minimum(p, 700.0)) if log else p) - v[te]
    if window is not None:
        return local_error(v, v + err, window)[0]
    return float(np.sqrt(np.mean(err ** 2)))


@dataclass
class Emulator:
    """One OutputEmulator per output (target id), each fitted on the runs where it is finite.
    A strictly positive output is emulated on the log scale when that predicts runs left out
    better (5-fold, on the original scale): a cortisol level spans orders of magnitude over a
    log-uniform prior and is near-linear in its log, while a product of parameters is exactly
    quadratic and its log is not. The choice is made on the runs, not assumed."""

    outputs: list[str]
    # the targets' windows: the log/linear choice is judged near them when given
    windows: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)
    models: dict[str, OutputEmulator] = field(default_factory=dict)
    log: dict[str, bool] = field(default_factory=dict)

    def fit(self, u: np.ndarray, y: np.ndarray) -> Emulator:
        for j, o in enumerate(self.outputs):
            ok = np.isfinite(y[:, j])
            v = y[ok, j]
            w = self.windows.get(o)
            self.log[o] = bool(len(v) >= 10 and np.all(v > 0) and _cv_rmse(
                u[ok], v, True, window=w) < _cv_rmse(u[ok], v, False, window=w))
            self.models[o] = OutputEmulator().fit(u[ok], np.log(v) if self.log[o] else v)
        return self

    def predict(self, u: np.ndarray) -> np.ndarray:
        cols = []
        for o in self.outputs:
            p = self.models[o].predict(u)
            cols.append(np.exp(np.minimum(p, 700.0)) if self.log[o] else p)
        return np.column_stack(cols)


def cross_validate(u: np.ndarray, y: np.ndarray, outputs: list[str], folds: int = 5,
                   seed: int = 0, windows: dict | None = None
                   ) -> tuple[dict[str, float], np.ndarray]:
    """Out-of-fold predictions of every run (each predicted by an emulator fitted without
    it) and each output's out-of-fold RMS error. Deterministic for a seed."""
    rng = np.random.default_rng(seed)
    fold = rng.permutation(len(u)) % folds
    pred = np.full_like(y, np.nan, dtype=float)
    for k in range(folds):
        train, test = fold != k, fold == k
        em = Emulator(outputs, dict(windows or {})).fit(u[train], y[train])
        pred[test] = em.predict(u[test])
    err = {o: float(np.sqrt(np.nanmean((pred[:, j] - y[:, j]) ** 2)))
           for j, o in enumerate(outputs)}
    return err, pred


MIN_LOCAL = 10  # runs needed near a window for a local error estimate


def local_error(y: np.ndarray, pred: np.ndarray, window: tuple[float | None, float | None]
                ) -> tuple[float, int]:
    """RMS out-of-fold error over the runs whose value lies near the target's window (within
    one window width of it; one-sided: within the edge's magnitude), and how many runs that
    is. Why local: the likelihood only matters there, and the error far away (a cortisol of
    40 ug/dL at a corner of the prior) would otherwise set the surrogate's error where the
    posterior lives. Falls back to every run when fewer than MIN_LOCAL are near."""
    lo, hi = window
    if lo is not None and hi is not None:
        w = hi - lo
        near = (y >= lo - w) & (y <= hi + w)
    else:
        edge = lo if lo is not None else hi
        near = np.abs(y - edge) <= max(abs(edge), 1e-12)
    near &= np.isfinite(y) & np.isfinite(pred)
    if near.sum() < MIN_LOCAL:
        near = np.isfinite(y) & np.isfinite(pred)
    return float(np.sqrt(np.mean((pred[near] - y[near]) ** 2))), int(near.sum())


__all__ = ["Emulator", "OutputEmulator", "cross_validate", "local_error"]
