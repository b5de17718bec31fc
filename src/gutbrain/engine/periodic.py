"""Periodic (daily-cycle) steady states of many persons by shooting on the one-day map.

Why: a person's baseline is the state that repeats itself every day under constant inputs (the
circadian drive makes it a limit cycle, not a fixed point). Brute-force burn-in integrates until
the slow modes have died out; the slowest are months (neurodegeneration index 365 d, pituitary
and adrenal gland masses ~60–80 d, mood ~15–25 d; measured from the one-day map's spectrum), so a
200-day burn-in still left persons up to ~2 % (tens of cohort tolerances) away from their
steady state, at a cost of 200 person-days each.

How: the steady state y* solves F(y) = Φ(y) − y = 0, Φ the map from one midnight to the next.
Newton's method needs (I − M)⁻¹, M = ∂Φ/∂y the monodromy matrix. Its eigenvalues hardly differ
between persons (the same 16 modes above 0.5 in every person checked), so M is computed once,
at the population's reference person, by finite differences of the compiled one-day map (n + 1
one-day integrations at rtol 1e-10 in one batched call), and used as a frozen Newton Jacobian
for everyone. Anderson mixing over the last few Newton steps (a multisecant update) corrects
for each person's own M. Every iteration is one batched one-day integration of the persons not
yet converged, at a tight tolerance (the frozen Jacobian amplifies the map's integration noise
by up to 1/(1 − λ) ≈ 100 in the slowest directions). A person whose iteration has not converged
after ``max_iter`` days, or whose iterate leaves the state space, falls back to brute force
from the best iterate. Measured on 2,000 general persons: median 7 iterations, ~8 one-day
integrations per person (bench/bench_population.py) against 200 for the old burn-in, and
within 1 cohort tolerance of a 3,000-day brute-force burn-in where the 200-day one was a median
~100 tolerances away (tests/test_periodic.py). The iteration runs in log coordinates and
starts from a first-order prediction (see periodic_steady_states).

Integrating the 3,600 variational equations with the generated Jacobian was the other way to
get M; the finite-difference map reuses the production solver and its step control and costs
n + 1 one-day integrations once per population, a fraction of a second.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.linalg as sl

from gutbrain.compile.build import CompiledModel, cache_dir
from gutbrain.engine.batch import BatchSolution, integrate_batch, window_starts
from gutbrain.engine.blas import limit_blas_threads
from gutbrain.engine.single import Tolerances
from gutbrain.engine.tsit5 import load_solver

limit_blas_threads()  # numpy's and scipy's OpenBLAS are loaded by now

SHOOT_RTOL = 1e-7  # the one-day maps of the iteration: noise well below the cohort tolerance
ROUGH_RTOL = 1e-5  # early iterations, far from the solution (single-precision kernel)
ROUGH_UNTIL = 3.0  # cohort-tolerance units: an update smaller than this switches to SHOOT_RTOL
# ... and so does one below ROUGH_STALL_UNTIL that is not below ROUGH_STALL x the one before
# (the rough maps' noise, ~1-3 units, stalls the iteration there) or that comes after
# ROUGH_LATE iterations (a slowly converging person is taken to the tight maps as before)
ROUGH_STALL_UNTIL = 30.0
ROUGH_STALL = 0.5
ROUGH_LATE = 6
FIRST_RTOL = 1e-4  # the first FIRST_MAPS maps, hundreds to thousands of units from the solution
FIRST_MAPS = 2
POLISH_ITER = 20  # shooting again from a brute-force fallback's result (see below)
MAX_LOG_STEP = 2.0  # an update changes no state by more than a factor e^2
MAX_STEPS = 20_000  # one day takes ~60-140 steps; an iterate needing more is abandoned (the
# person is finished by brute force) instead of stalling its lockstep group
JACOBIAN_RTOL = 1e-10  # the finite-difference monodromy matrix
# A monodromy matrix for one local Newton solve (chained_steady_states): lockstep at this
# tolerance with relative perturbations of FAST_EPS, ~25 ms for all 62 columns instead of
# ~0.6 s; as a chord Jacobian it is as good (the contraction of the iteration with it, against
# the JACOBIAN_RTOL matrix, had spectral radius ~1e-4, measured at a sampled person).
FAST_JACOBIAN_RTOL = 1e-7
FAST_EPS = 1e-4
CONVERGED = 0.1  # last update below this many cohort-tolerance units in every state
ANDERSON_DEPTH = 5
MAX_ITER = 40
FALLBACK_DAYS = 400.0

_MONODROMY: dict[bytes, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
# part of the on-disk key of a monodromy matrix: change it when sensitivities() computes the
# matrix differently (perturbations, tolerance), so that older files are not reused
MONODROMY_FORMAT = f"monodromy-1 rtol={JACOBIAN_RTOL!r} eps=1e-6"


@dataclass
class PeriodicStates:
    """Steady states at midnight (person, state) with per-person status (0 ok) and how each
    was found: the shooting iterations taken, and whether brute force had to finish it."""

    y: np.ndarray
    status: np.ndarray
    info: np.ndarray  # as BatchSolution.info: [t reached, worst variable, steps, rejected]
    iterations: np.ndarray
    brute_force: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def as_batch(self) -> BatchSolution:
        return BatchSolution(np.array([0.0]), self.y[:, None, :], self.status, self.info)


def one_day(model: CompiledModel, params: np.ndarray, y: np.ndarray, tol: Tolerances,
            lockstep: bool = True, starts: np.ndarray | None = None) -> BatchSolution:
    """Φ(y): the states one day (midnight to midnight) later. params: (person, parameter);
    ``starts``: the persons' window_starts, where the caller has them."""
    return integrate_batch(model, np.array([0.0, 1.0]), params[:, None, :],
                           np.zeros((1, model.n_states)), y, np.array([1.0]), tol,
                           lockstep=lockstep, starts=starts)


def sensitivities(model: CompiledModel, start_params: np.ndarray, start: np.ndarray,
                  params: np.ndarray, fast: bool = False
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The monodromy matrix M (state x state), ∂Φ/∂p (varied parameter x state) for the
    parameters that differ between the persons and the reference, and their indices; by
    forward differences in one batched call of n + 1 + k one-day integrations. ``fast``: at
    FAST_JACOBIAN_RTOL in lockstep with FAST_EPS perturbations, not cached (one local solve
    of chained_steady_states uses it once)."""
    varied = np.flatnonzero((params != start_params[None, :]).any(axis=0))
    key = model.digest.encode() + start_params.tobytes() + start.tobytes() + varied.tobytes()
    if not fast and key in _MONODROMY:
        return _MONODROMY[key]
    n, k = model.n_states, varied.size
    if not fast:  # on disk too: a fresh process (a CLI trial, a dask worker) saves ~0.5 s
        from gutbrain.compile.cache import STEADY, load_array, save_array

        disk_key = hashlib.sha256(MONODROMY_FORMAT.encode() + key
                                  + load_solver(model).__name__.encode()).hexdigest()[:24]
        path = cache_dir() / STEADY / f"{disk_key}.npz"
        stored = load_array(path, disk_key)
        if stored is not None and stored.shape == (n + k, n):
            _MONODROMY[key] = (stored[:n], stored[n:], varied)
            return _MONODROMY[key]
    rel = FAST_EPS if fast else 1e-6
    eps = rel * np.maximum(np.abs(start), 1e-6)
    dp = rel * np.maximum(np.abs(start_params[varied]), 1e-3)
    y0 = np.repeat(start[None], n + 1 + k, axis=0)
    y0[np.arange(1, n + 1), np.arange(n)] += eps
    p0 = np.repeat(start_params[None], n + 1 + k, axis=0)
    p0[np.arange(n + 1, n + 1 + k), varied] += dp
    if fast:
        sol = one_day(model, p0, y0, Tolerances(rtol=FAST_JACOBIAN_RTOL, norm="max",
                                                 max_steps=MAX_STEPS))
    else:
        sol = one_day(model, p0, y0, Tolerances(rtol=JACOBIAN_RTOL, norm="max"),
                      lockstep=False)
    g = sol.y[:, 0]
    m = ((g[1:n + 1] - g[0]) / eps[:, None]).T
    dphi_dp = (g[n + 1:] - g[0]) / dp[:, None]
    if fast:
        return m, dphi_dp, varied
    stored = np.concatenate([m, dphi_dp])
    save_array(path, disk_key, stored)
    _MONODROMY[key] = (stored[:n], stored[n:], varied)
    return _MONODROMY[key]


class _Coordinates:
    """Log coordinates for non-negative states, scaled linear ones for signed states."""

    def __init__(self, nonnegative: np.ndarray, start: np.ndarray) -> None:
        self.log = np.asarray(nonnegative, dtype=bool)
        self.floor = 1e-9 * np.maximum(1.0, np.abs(start))
        self.scale = np.maximum(1.0, np.abs(start))

    def to_z(self, y: np.ndarray) -> np.ndarray:
        logged = np.log(np.maximum(y, 0.0) + self.floor)
        return np.where(self.log, logged, y / self.scale)

    def to_y(self, z: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            logged = np.maximum(np.exp(np.where(self.log, z, 0.0)) - self.floor, 0.0)
        return np.where(self.log, logged, z * self.scale)

    def dy_dz(self, y: np.ndarray) -> np.ndarray:
        return np.where(self.log, np.maximum(y, 0.0) + self.floor, self.scale)


def _anderson(d_f: np.ndarray, d_h: np.ndarray, f: np.ndarray, h: np.ndarray,
              count: np.ndarray) -> np.ndarray:
    """Anderson-mixed iterates for every person at once: h − ΔH γ with γ minimising
    |f − ΔF γ| (normal equations, Tikhonov-regularised; persons with fewer than two entries in
    their history keep h). ΔF, ΔH: (person, depth, state), the differences of consecutive
    entries of the histories, newest last (kept as the iteration goes: the same values that
    np.diff of the histories gives); f, h the newest entries, f scaled.

    The entries that do not count (the initial zeros, and the first difference, taken from
    the zero "previous" entry) are zeroed in ΔF and ΔH in place: an entry counts for its whole
    time in the history or never (it counts iff it was appended at count >= 2), so this is the
    same as masking copies, without two copies of the histories (~5 kB a person, the peak of
    a population's memory)."""
    h = h.copy()
    depth = d_f.shape[1]
    if (count < depth + 1).any():  # short histories: their oldest differences do not count
        valid = np.arange(depth)[None, :] >= (depth - (count[:, None] - 1))
        d_f *= valid[:, :, None]
        d_h *= valid[:, :, None]
    gram = np.einsum("pis,pjs->pij", d_f, d_f)
    rhs = np.einsum("pis,ps->pi", d_f, f)
    scale = np.maximum(np.trace(gram, axis1=1, axis2=2), 1e-300)[:, None, None]
    gram = gram + (1e-10 * scale + 1e-300) * np.eye(gram.shape[1])[None]
    gamma = np.linalg.solve(gram, rhs[:, :, None])[:, :, 0]
    mixed = h - np.einsum("pis,pi->ps", d_h, gamma)
    use = count >= 2
    h[use] = mixed[use]
    return h


def periodic_steady_states(model: CompiledModel, params: np.ndarray, start: np.ndarray,
                           start_params: np.ndarray, tol: Tolerances, *,
                           max_iter: int = MAX_ITER, depth: int = ANDERSON_DEPTH,
                           fallback_days: float = FALLBACK_DAYS,
                           fast_jacobian: bool = False, guess: np.ndarray | None = None,
                           polish: bool = True) -> PeriodicStates:
    """Each person's periodic steady state at midnight. ``start`` is the periodic steady
    state of a reference person with ``start_params`` (the iteration's first guess and where
    the Jacobian is taken); ``tol`` is the tolerance the states will be used at (convergence
    is measured in its units). params: (person, parameter).

    The iteration runs in log coordinates z = log(y + c) for the non-negative states (c is a
    floor far below any tolerance; the few signed states, e.g. a log hazard, stay linear,
    scaled): a guild that one person's diet or transit drives towards
    washout decays geometrically, which the reference person's Jacobian captures in log
    coordinates but not in linear ones (2.5 % of 2,000 general persons stalled in linear
    coordinates, 0.1-0.3 % in log coordinates). Early iterations, far from the solution, use
    ROUGH_RTOL (the single-precision kernel); a person switches to SHOOT_RTOL once an update
    changes no state by more than ROUGH_UNTIL cohort-tolerance units. ``fast_jacobian``:
    the monodromy matrix of sensitivities(fast=True) (a local solve near ``start``).
    ``guess``: (person, state) first iterates instead of the first-order prediction.

    The first FIRST_MAPS maps run at FIRST_RTOL (their noise, ~30 units, is far below the
    updates then), the next at ROUGH_RTOL until an update is below ROUGH_UNTIL units, stalls in
    the rough maps' noise, or comes late (ROUGH_STALL_UNTIL, ROUGH_LATE); then SHOOT_RTOL.
    A person still unconverged after ``max_iter`` days is brute-forced for ``fallback_days``
    (its status and info are that integration's) and, with ``polish``, shot again from there
    (at most POLISH_ITER days, the slowest modes are left there): the brute force from a
    thrashing iterate alone ended anywhere from 0.1 to 2,500 cohort-tolerance units from a
    3,000-day burn-in depending on where the iteration stopped, the shot from its result
    within 0.07 (one 0.7) in 2-11 days (general and depressed persons, 6 seeds and settings)."""
    n_persons, n = params.shape[0], model.n_states
    coords = _Coordinates(model.nonnegative, start)
    m, dphi_dp, varied = sensitivities(model, start_params, start, params, fast=fast_jacobian)
    g0 = coords.dy_dz(start)
    lu = sl.lu_factor(np.eye(n) - m * g0[None, :] / g0[:, None])
    tight = Tolerances(rtol=SHOOT_RTOL, norm="max", max_steps=MAX_STEPS)
    rough = Tolerances(rtol=ROUGH_RTOL, norm="max", max_steps=MAX_STEPS)
    first_tol = Tolerances(rtol=FIRST_RTOL, norm="max", max_steps=MAX_STEPS)
    first_maps = FIRST_MAPS if guess is None else 0  # a guess is near its solution
    z = np.repeat(coords.to_z(start)[None], n_persons, axis=0)
    if guess is not None:
        z = coords.to_z(guess)
    elif varied.size:  # first-order guess: dz* = (I - M_z)^-1 dPhi_z/dp dp (implicit function)
        dp = params[:, varied] - start_params[varied]
        dp[~np.isfinite(dp).all(axis=1)] = 0.0  # such a person fails in the first day
        dz = sl.lu_solve(lu, (dp @ (dphi_dp / g0[None, :])).T, check_finite=False).T
        z = z + np.clip(dz, -MAX_LOG_STEP, MAX_LOG_STEP)
        del dp, dz  # the population's memory peaks in the iteration below: nothing extra held
    y = coords.to_y(z)
    status = np.zeros(n_persons, dtype=np.int64)
    info = np.zeros((n_persons, 4))
    iterations = np.zeros(n_persons, dtype=np.int64)
    starts = window_starts(model, params[:, None, :])  # lockstep grouping, once
    # The working set: the persons still iterating, compacted as they finish (row r is person
    # act[r]), so that an iteration touches no finished person's history. Per person the
    # arithmetic is that of a full-size iteration (results do not depend on who else runs).
    act = np.arange(n_persons)
    za, ya = z, y.copy()
    del z
    d_f = np.zeros((n_persons, depth, n))  # Anderson histories as differences, newest last
    d_h = np.zeros((n_persons, depth, n))
    f_last = np.zeros((n_persons, n))
    h_last = np.zeros((n_persons, n))
    count = np.zeros(n_persons, dtype=np.int64)
    precise = np.zeros(n_persons, dtype=bool)
    prev = np.full(n_persons, np.inf)  # the last update (cohort-tolerance units)

    def compact(keep: np.ndarray) -> None:
        # one array at a time: each old array is freed before the next is copied (a tuple
        # assignment held every old and every new array at once, ~7 kB a person)
        nonlocal act, za, ya, d_f, d_h, f_last, h_last, count, precise, prev
        d_f = d_f[keep]
        d_h = d_h[keep]
        za = za[keep]
        ya = ya[keep]
        f_last = f_last[keep]
        h_last = h_last[keep]
        act, count, precise, prev = act[keep], count[keep], precise[keep], prev[keep]

    for _ in range(max_iter):
        if act.size == 0:
            break
        g = np.empty((act.size, n))
        ok = np.ones(act.size, dtype=bool)
        first = (iterations[act] < first_maps) & ~precise
        for sel, level_tol in ((first, first_tol), (~first & ~precise, rough),
                               (precise, tight)):
            if sel.all() and act.size == n_persons:  # everyone (the first maps): no copies
                sol = one_day(model, params, ya, level_tol, starts=starts)
                g[:] = sol.y[:, 0]
                ok[:] = sol.status == 0
            elif sel.any():
                rows = act[sel]
                sol = one_day(model, params[rows], ya[sel], level_tol,
                              starts=starts[rows])
                g[sel] = sol.y[:, 0]
                ok[sel] = sol.status == 0
        if not ok.all():  # the iterate left the state space: brute force from the start
            lost = act[~ok]
            y[lost] = start
            iterations[lost] = max_iter
            g = g[ok]
            compact(ok)
            if act.size == 0:
                break
        step = sl.lu_solve(lu, (coords.to_z(g) - za).T, check_finite=False).T
        h = za + step  # frozen-Jacobian Newton step in log coordinates
        f = step / tol.rtol
        d_f[:, :-1] = d_f[:, 1:]
        d_f[:, -1] = f - f_last
        d_h[:, :-1] = d_h[:, 1:]
        d_h[:, -1] = h - h_last
        f_last, h_last = f, h
        count = np.minimum(count + 1, depth + 1)
        z_new = _anderson(d_f, d_h, f, h, count)
        z_new[~np.isfinite(z_new).all(axis=1)] = h[~np.isfinite(z_new).all(axis=1)]
        # trust region: no state moves by more than a factor e^MAX_LOG_STEP in one update
        z_new = za + np.clip(z_new - za, -MAX_LOG_STEP, MAX_LOG_STEP)
        y_new = coords.to_y(z_new)
        weight = tol.rtol * np.abs(y_new) + tol.atol(y_new)
        change = np.max(np.abs(y_new - ya) / weight, axis=1)
        ya, za = y_new, z_new
        iterations[act] += 1
        finished = (change < CONVERGED) & precise
        precise = (precise | (change < ROUGH_UNTIL)
                   | ((change < ROUGH_STALL_UNTIL)
                      & ((change > ROUGH_STALL * prev) | (iterations[act] >= ROUGH_LATE))))
        prev = change
        if finished.any():
            y[act[finished]] = ya[finished]
            compact(~finished)
    y[act] = ya  # the last iterates of those still iterating (brute force finishes them)
    brute = iterations >= max_iter
    if brute.any():
        k = np.flatnonzero(brute)
        sol = integrate_batch(model, np.array([-fallback_days, 0.0]), params[k][:, None, :],
                              np.zeros((1, n)), y[k], np.array([0.0]), tol)
        y[k] = sol.y[:, 0]
        status[k] = sol.status
        info[k] = sol.info
        again = k[(sol.status == 0) & np.isfinite(sol.y[:, 0]).all(axis=1)]
        if polish and fallback_days > 0 and again.size:
            s = periodic_steady_states(model, params[again], start, start_params, tol,
                                       max_iter=POLISH_ITER, depth=depth, fallback_days=0.0,
                                       fast_jacobian=fast_jacobian, guess=y[again],
                                       polish=False)
            ok = ((s.iterations < POLISH_ITER) & (s.status == 0)
                  & np.isfinite(s.y).all(axis=1))
            y[again[ok]] = s.y[ok]
    return PeriodicStates(y, status, info, iterations, brute)


CHAIN_GROUP = 16  # consecutive parameter sets shot together from one anchor
CHAIN_ITER = 25  # iterations of a group shot (near its anchor a set converges in ~5-11):
# measured on two Morris chunks of 256 sets, 10 / 15 / 25 iterations left 143-158 / 112-137 /
# 74-95 sets to brute force at about the same CPU (25 the least); 40 was erratic
PREBURN_DAYS = 30.0  # brute force before a local solve: the days-to-weeks transients decay


def chained_steady_states(model: CompiledModel, params: np.ndarray, start: np.ndarray,
                          start_params: np.ndarray, tol: Tolerances, *,
                          group: int = CHAIN_GROUP, preburn: float = PREBURN_DAYS
                          ) -> PeriodicStates:
    """Periodic steady states of parameter sets that come as a chain of neighbours, in row
    order: a Morris trajectory changes one parameter per step, a Saltelli block's AB_i rows
    each change one parameter of its A row. Sampled sets lie anywhere in the declared ranges,
    where the reference person's frozen monodromy matrix fails (its slowest modes differ:
    colonic acetate, e.g., has a mode at 0.9994 per day in some sets and none in the
    reference), so shooting from the reference (periodic_steady_states) converged for none of
    a Morris trajectory's sets. Here each group of ``group`` consecutive sets is shot from an
    *anchor*, the steady state of the last set of the previous group that converged, with the
    monodromy matrix taken there (sensitivities(fast=True), ~25 ms) and the first-order
    prediction for the few parameters that differ. A set the group shot leaves unconverged
    (a step that moved a slow mode far, e.g. a log-uniform parameter jumping 20-fold) gets a
    *local* solve: ``preburn`` days of brute force from the anchor (the fast and medium
    transients decay), then shooting with its own monodromy matrix there; the first such set
    becomes the anchor of a second group shot of the others. The first group's anchor is
    ``start`` (the reference). Sets still unconverged are flagged ``brute_force`` (with y at the
    nearest finite start: their best iterate or the anchor) for the caller's fallback; no
    fallback runs here. Deterministic: the result depends only on the rows and their order."""
    n_rows, n = params.shape
    y = np.repeat(start[None], n_rows, axis=0)
    iterations = np.zeros(n_rows, dtype=np.int64)
    done = np.zeros(n_rows, dtype=bool)
    zero = np.zeros((1, n))

    def shoot(rows: np.ndarray, ya: np.ndarray, pa: np.ndarray, max_iter: int) -> np.ndarray:
        s = periodic_steady_states(model, params[rows], ya, pa, tol, max_iter=max_iter,
                                   fallback_days=0.0, fast_jacobian=True, polish=False)
        ok = (s.iterations < max_iter) & (s.status == 0) & np.isfinite(s.y).all(axis=1)
        y[rows] = np.where(ok[:, None], s.y, ya[None])
        iterations[rows] += s.iterations
        done[rows] = ok
        return ok

    def local(rows: np.ndarray, ya: np.ndarray) -> np.ndarray:
        pre = integrate_batch(model, np.array([-preburn, 0.0]), params[rows][:, None, :], zero,
                              np.repeat(ya[None], rows.size, axis=0), np.array([0.0]),
                              replace(tol, max_steps=MAX_STEPS))
        ok = np.zeros(rows.size, dtype=bool)
        for i, r in enumerate(rows):
            yp = pre.y[i, 0]
            if pre.status[i] == 0 and np.isfinite(yp).all():
                ok[i] = shoot(np.array([r]), yp, params[r], MAX_ITER)[0]
            else:
                y[r] = ya
                iterations[r] = MAX_ITER
        return ok

    anchor: int | None = None
    for g0 in range(0, n_rows, group):
        rest = np.arange(g0, min(g0 + group, n_rows))
        ya = y[anchor] if anchor is not None else start
        pa = params[anchor] if anchor is not None else start_params
        rest = rest[~shoot(rest, ya, pa, CHAIN_ITER)]
        if rest.size:  # a step too far for the anchor: solve the first one locally
            first = rest[:1]
            rest = rest[1:]
            if local(first, ya)[0] and rest.size:
                rest = rest[~shoot(rest, y[first[0]], params[first[0]], CHAIN_ITER)]
        ok = np.flatnonzero(done[g0:g0 + group])
        if ok.size:
            anchor = g0 + int(ok[-1])
    status = np.zeros(n_rows, dtype=np.int64)
    return PeriodicStates(y, status, np.zeros((n_rows, 4)), iterations, ~done)
