"""Compiled Tsitouras 5(4) integrator with dense output, one person or a lockstep group at a time
(LANES persons with a double-precision rhs, LANES32 with a single-precision one).

Why explicit: the 24 h cortisol rhythm, not stiffness, sets the step count (engine benchmark,
DESIGN §4; bench/integrator_study.md); the fastest processes (CRH) are at quasi-steady state, so
an explicit order-5 method with no Jacobian work is the cheapest. Why Tsitouras' pair rather
than Dormand–Prince: same cost per step (7 stages, first-same-as-last) but smaller error
coefficients, so it takes 12 % fewer steps for a smaller error on this model (measured in
bench/integrator_study.md). The schedule is a list of segments with their own parameter
vectors; the integrator restarts at each boundary (inputs are never if-statements in the RHS)
and applies bolus increments there.

The solver source is a template, written next to the generated model module and compiled by
numba with ``cache=True``, so the machine code is reused across runs.
"""

from __future__ import annotations

import hashlib
from types import ModuleType

from gutbrain.compile.build import CompiledModel, load_generated

STATUS = {
    0: "ok",
    1: "maximum number of steps exceeded",
    2: "step size underflow",
    3: "non-finite value",
    4: "value out of bounds (|value| > 1e30: no physiological quantity is that large)",
    5: "left its physiological range",  # an observable; engine.batch.flag_implausible
}
# A state beyond this magnitude has left physiology even where it is still finite (checked on
# the samples after a solve, engine.batch.flag_bad_samples).
STATE_LIMIT = 1e30

BETA = 0.04

# Tsitouras 2011, "Runge–Kutta pairs of order 5(4) satisfying only the first column simplifying
# assumption", Comput. Math. Appl. 62:770–775: nodes C, stage matrix A (row i: a_i1..a_i,i-1;
# the last row is B, first same as last), weights B, error weights E = b - b_hat (order 4
# embedded pair), and the order-4 continuous extension b_i(th) = sum_k R[i][k] th^(k+1)
# (the paper's polynomials, expanded). tests/test_solver_tableau.py checks the order conditions.
C = (0.0, 0.161, 0.327, 0.9, 0.9800255409045097, 1.0, 1.0)
A = ((),
     (0.161,),
     (-0.008480655492356989, 0.335480655492357),
     (2.8971530571054935, -6.359448489975075, 4.3622954328695815),
     (5.325864828439257, -11.748883564062828, 7.4955393428898365, -0.09249506636175525),
     (5.86145544294642, -12.92096931784711, 8.159367898576159, -0.071584973281401,
      -0.028269050394068383))
B = (0.09646076681806523, 0.01, 0.4798896504144996, 1.379008574103742, -3.290069515436081,
     2.324710524099774, 0.0)
E = (-0.0017800110522257771, -0.0008164344596567469, 0.007880878010261995,
     -0.1447110071732629, 0.5823571654525552, -0.45808210592918697, 1.0 / 66.0)
R = ((1.0, -2.763706197274826, 2.9132554618219126, -1.0530884977290216),
     (0.0, 0.1317, -0.2234, 0.1017),
     (0.0, 3.9302962368947516, -5.941033872131505, 2.490627285651253),
     (0.0, -12.411077166933676, 30.33818863028232, -16.548102889244902),
     (0.0, 37.50931341651104, -88.1789048947664, 47.37952196281928),
     (0.0, -27.896526289197286, 65.09189467479366, -34.87065786149661),
     (0.0, 1.5, -4.0, 2.5))


def _tableau_source() -> str:
    """The coefficients as named constants of the generated solver module."""
    lines = ["C2, C3, C4, C5 = " + ", ".join(map(repr, C[1:5]))]
    for i, row in enumerate(A[1:], start=2):
        names = ", ".join(f"A{i}{j}" for j in range(1, len(row) + 1))
        lines.append(f"{names} = " + ", ".join(map(repr, row)))
    lines.append("B1, B2, B3, B4, B5, B6 = " + ", ".join(map(repr, B[:6])))
    lines.append("E1, E2, E3, E4, E5, E6, E7 = " + ", ".join(map(repr, E)))
    for i, row in enumerate(R, start=1):
        names = ", ".join(f"R{i}{k}" for k in range(1, 5))
        lines.append(f"{names} = " + ", ".join(map(repr, row)))
    return "\n".join(lines)


# The lockstep solvers, written once and filled in twice (_lanes_source): in double precision
# for LANES persons per group, and with the single-precision right-hand side for LANES32
# persons. Each stage's state is written straight into the work array's y block (rounded to
# float32 in the second case); the state, the stages, the error norm and the step control stay
# double.
LANES_TEMPLATE = '''@njit(cache=True, nogil=True, error_model='numpy')
def _stage@S@(t, w, kout, intexp):
    """Right-hand side of all lanes at the state in w's y block, into kout."""
    if intexp:
        rhs_lanes@S@_intexp(t, w)
    else:
        rhs_lanes@S@(t, w)
    for j in range(kout.shape[0]):
        kout[j] = w[@W@_DY + j]


@njit(cache=True, nogil=True, error_model='numpy')
def solve_lanes@S@(tb, P, bolus, y0, nonneg, t_out, rtol, atol, h_max, maxnorm, max_steps, Y_out,
                  info):
    """@LANES@ persons in lockstep: one step size for all (the lane with the largest error
    decides), the right-hand side vectorised over the lanes. Flat (state x lane) layouts:
    P[seg] is (parameter x lane), bolus[seg] and y0, atol are (state x lane), Y_out[j] is
    (state x lane); info[l] as for solve (steps and rejections are the group's); the error
    norm (RMS or, with ``maxnorm``, maximum) and the step windows as for solve. Returns a
    status code for the group; the caller re-runs a failed group person by person."""
    L = @LANES@
    intexp = _intexp_holds(P, L)
    nl = y0.shape[0]
    n = nl // L
    m = P.shape[1] // L
    w = np.zeros(@W@_SIZE, dtype=np.@DTYPE@)
    y = y0.copy()
    k1 = np.empty(nl); k2 = np.empty(nl); k3 = np.empty(nl); k4 = np.empty(nl)
    k5 = np.empty(nl); k6 = np.empty(nl); k7 = np.empty(nl)
    y1 = np.empty(nl)
    rr = np.empty(nl)  # squared scaled errors
    en_l = np.empty(L)
    nonneg_l = np.empty(nl, dtype=np.bool_)
    for i in range(nl):
        nonneg_l[i] = nonneg[i // L]
    pl = np.empty(m)
    ql = np.empty(N_Q)
    winl = np.empty((L, N_STEP_WINDOWS, 3))
    n_out = t_out.shape[0]
    j = 0
    steps = 0
    rejected = 0
    h = 0.0
    t = tb[0]
    en_old = 1e-4
    status = 0
    for seg in range(tb.shape[0] - 1):
        t = tb[seg]
        t_end = tb[seg + 1]
        for i in range(m * L):
            w[@W@_P + i] = P[seg, i]
        for l in range(L):
            for i in range(m):
                pl[i] = P[seg, i * L + l]
            prep(pl, ql)
            step_windows(pl, winl[l])
            for i in range(N_Q):
                w[@W@_Q + i * L + l] = ql[i]
        for i in range(nl):
            y[i] += bolus[seg, i]
        while j < n_out and t_out[j] <= t:
            for i in range(nl):
                Y_out[j, i] = y[i]
            j += 1
        if t_end <= t:
            continue
        for i in range(nl):
            w[@W@_Y + i] = y[i]
        _stage@S@(t, w, k1, intexp)
        if h <= 0.0:
            h = h_max
            for l in range(L):
                sc = 0.0
                d0 = 0.0
                for i in range(n):
                    s = atol[i * L + l] + rtol * abs(y[i * L + l])
                    d0 += (y[i * L + l] / s) ** 2
                    sc += (k1[i * L + l] / s) ** 2
                d0 = math.sqrt(d0 / n)
                sc = math.sqrt(sc / n)
                h = min(h, 1e-6 if (d0 < 1e-5 or sc < 1e-5) else 0.01 * d0 / sc)
        h = min(h, h_max, t_end - t)
        after_reject = False
        while t < t_end:
            if steps + rejected >= max_steps:
                status = 1
                break
            last = False
            for l in range(L):
                h = _windowed(t, h, winl[l])
            if t + h >= t_end - 1e-12 * max(1.0, abs(t_end)):
                h = t_end - t
                last = True
            for i in range(nl):
                w[@W@_Y + i] = y[i] + h * A21 * k1[i]
            _stage@S@(t + C2 * h, w, k2, intexp)
            for i in range(nl):
                w[@W@_Y + i] = y[i] + h * (A31 * k1[i] + A32 * k2[i])
            _stage@S@(t + C3 * h, w, k3, intexp)
            for i in range(nl):
                w[@W@_Y + i] = y[i] + h * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i])
            _stage@S@(t + C4 * h, w, k4, intexp)
            for i in range(nl):
                w[@W@_Y + i] = y[i] + h * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i])
            _stage@S@(t + C5 * h, w, k5, intexp)
            for i in range(nl):
                w[@W@_Y + i] = y[i] + h * (A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i]
                                    + A65 * k5[i])
            _stage@S@(t + h, w, k6, intexp)
            for i in range(nl):
                y1[i] = y[i] + h * (B1 * k1[i] + B2 * k2[i] + B3 * k3[i] + B4 * k4[i] + B5 * k5[i]
                                    + B6 * k6[i])
                w[@W@_Y + i] = y1[i]
            _stage@S@(t + h, w, k7, intexp)
            # error norm per lane: one flat loop over (state x lane) that LLVM vectorises (with
            # the numpy error model there is no zero-division branch; a non-finite y1 turns the
            # lane's sum non-finite), then the per-lane sums
            for c in range(nl):
                e = h * (E1 * k1[c] + E2 * k2[c] + E3 * k3[c] + E4 * k4[c] + E5 * k5[c]
                         + E6 * k6[c] + E7 * k7[c])
                r = e / (atol[c] + rtol * max(abs(y[c]), abs(y1[c])))
                rr[c] = r * r + 0.0 * y1[c]
            for l in range(L):
                en_l[l] = 0.0
            if maxnorm:  # a NaN must win the maximum (max() would drop it: NaN < x is False)
                for i in range(n):
                    for l in range(L):
                        v = rr[i * L + l]
                        e0 = en_l[l]
                        en_l[l] = v if (v > e0 or v != v) else e0
            else:
                for i in range(n):
                    for l in range(L):
                        en_l[l] += rr[i * L + l]
            en = 0.0
            finite = True
            for l in range(L):
                if not math.isfinite(en_l[l]):
                    finite = False
                en = max(en, math.sqrt(en_l[l] if maxnorm else en_l[l] / n))
            if not finite:
                en = 1e300
            if en <= 1.0:
                j = _dense_samples(j, t, h, t_end, seg == tb.shape[0] - 2, t_out, y, k1, k2,
                                   k3, k4, k5, k6, k7, Y_out)
                t = t_end if last else t + h
                if _take_step(y, y1, nonneg_l):
                    for i in range(nl):
                        w[@W@_Y + i] = y[i]
                    _stage@S@(t, w, k1, intexp)
                else:
                    for i in range(nl):
                        k1[i] = k7[i]
                steps += 1
                h = _grown(h, en, en_old, after_reject, h_max)
                en_old = max(en, 1e-4)
                after_reject = False
            else:
                rejected += 1
                after_reject = True
                h = _shrunk(h, en, finite)
                if h < 1e-14 * max(1.0, abs(t)):
                    status = 2 if finite else 3
                    break
        if status != 0:
            break
    for l in range(L):
        info[l, 0] = tb[tb.shape[0] - 1] if status == 0 else t
        info[l, 1] = 0  # not tracked in lockstep (a failed group is re-run person by person)
        info[l, 2] = steps
        info[l, 3] = rejected
    if status != 0:
        return status
    while j < n_out:
        for i in range(nl):
            Y_out[j, i] = y[i]
        j += 1
    return 0


@njit(cache=True, parallel=True)
def solve_batch@S@(tb, P, bolus, Y0, nonneg, t_out, rtol, atol, h_max, maxnorm, max_steps, Y_out,
                info, status):
    """Persons in parallel, @LANES@ at a time in lockstep (solve_lanes@S@, vectorised rhs); groups
    in parallel (prange). P[k] is person k's (segment x parameter) matrix, bolus[k] their
    (segment x state) increments, Y0[k] and atol[k] their start state and tolerances. The last
    group is padded with copies of the last person. A group that fails is solved again person
    by person (solve), so a failed person only sets their own status."""
    N = Y0.shape[0]
    n = Y0.shape[1]
    m = P.shape[2]
    nseg = P.shape[1]
    n_out = t_out.shape[0]
    L = @LANES@
    for g in prange((N + L - 1) // L):
        Pl = np.empty((nseg, m * L))
        Bl = np.empty((nseg, n * L))
        yl = np.empty(n * L)
        al = np.empty(n * L)
        for l in range(L):
            k = min(g * L + l, N - 1)
            for s in range(nseg):
                for i in range(m):
                    Pl[s, i * L + l] = P[k, s, i]
                for i in range(n):
                    Bl[s, i * L + l] = bolus[k, s, i]
            for i in range(n):
                yl[i * L + l] = Y0[k, i]
                al[i * L + l] = atol[k, i]
        Yl = np.empty((n_out, n * L))
        il = np.zeros((L, 4))
        st = solve_lanes@S@(tb, Pl, Bl, yl, nonneg, t_out, rtol, al, h_max, maxnorm, max_steps,
                            Yl, il)
        for l in range(L):
            k = g * L + l
            if k >= N:
                break
            if st == 0:
                for jj in range(n_out):
                    for i in range(n):
                        Y_out[k, jj, i] = Yl[jj, i * L + l]
                for c in range(4):
                    info[k, c] = il[l, c]
                status[k] = 0
            else:
                status[k] = solve(tb, P[k], bolus[k], Y0[k], nonneg, t_out, rtol, atol[k],
                                  h_max, maxnorm, max_steps, Y_out[k], info[k])
'''


def _lanes_source(single: bool) -> str:
    """The lockstep solvers (_stage, solve_lanes, solve_batch) in double or single precision;
    the single-precision ones carry the suffix 32."""
    fill = {
        "@S@": "32" if single else "",
        "@W@": "W32" if single else "W",
        "@LANES@": "LANES32" if single else "LANES",
        "@DTYPE@": "float32" if single else "float64",
    }
    src = LANES_TEMPLATE
    for token, text in fill.items():
        src = src.replace(token, text)
    return src


TEMPLATE = '''"""Generated by gutbrain.engine.tsit5 for model {digest}. Do not edit."""
import math
import numpy as np
from numba import njit, prange
from {model_module} import (INTEXP_INDEX, INTEXP_VALUE, LANES, LANES32, N_Q, N_STEP_WINDOWS,
                            W32_DY, W32_P, W32_Q, W32_SIZE, W32_Y, W_DY, W_P, W_Q, W_SIZE, W_Y,
                            observe, prep, rhs_lanes, rhs_lanes32, rhs_lanes32_intexp,
                            rhs_lanes_intexp, rhs_q, rhs_q_intexp, step_windows)

# step-size control: PI (Gustafsson; the settings of Hairer's DOPRI5: err^-alpha * err_old^beta),
# no growth right after a rejection, growth and shrink limited to [FAC_MIN, FAC_MAX]
SAFETY = 0.9
BETA = {beta}
ALPHA = 0.2 - 0.75 * BETA
FAC_MIN = 0.2
FAC_MAX = 5.0
# the smallest magnitude a non-zero state keeps after a step (_take_step): far below any
# absolute tolerance (rtol x atol_scale x max(1, |typical|) >= ~1e-12) and 8 decades above the
# subnormal range (< 2.2e-308), so that a rate constant times it stays normal. Without it a
# state resting at 0 whose start carries a rounding residue (6e-25 from the log-coordinate
# periodic steady state), or a drug after its course, decays into subnormals and stays there.
# Not higher: the microbe_free validation protocol starts the guilds at 1e-300 g/L (a numerical
# zero that keeps relative abundances defined) so that they need weeks to regrow; a floor of
# 1e-30 let them regrow within its week (host-tryptophan.germ-free.gut-serotonin 0.504 -> 0.700).
TINY_FLOOR = 1e-300

{tableau}


@njit(cache=True, nogil=True, error_model='numpy')
def _dense_row(th, h, y, k1, k2, k3, k4, k5, k6, k7, row):
    """Continuous extension (order 4) at fraction th of the accepted step [t, t + h]."""
    b1 = th * (R11 + th * (R12 + th * (R13 + th * R14)))
    b2 = th * th * (R22 + th * (R23 + th * R24))
    b3 = th * th * (R32 + th * (R33 + th * R34))
    b4 = th * th * (R42 + th * (R43 + th * R44))
    b5 = th * th * (R52 + th * (R53 + th * R54))
    b6 = th * th * (R62 + th * (R63 + th * R64))
    b7 = th * th * (R72 + th * (R73 + th * R74))
    for i in range(row.shape[0]):
        row[i] = y[i] + h * (b1 * k1[i] + b2 * k2[i] + b3 * k3[i] + b4 * k4[i] + b5 * k5[i]
                             + b6 * k6[i] + b7 * k7[i])


@njit(cache=True, nogil=True, error_model='numpy', inline='always')
def _dense_samples(j, t, h, t_end, last_segment, t_out, y, k1, k2, k3, k4, k5, k6, k7, Y_out):
    """Dense output for the requested times in (t, t + h] from sample j on; returns the next
    sample's index. A sample exactly at a segment boundary is written after the next
    segment's bolus and with its inputs (post-event), except at the very end."""
    while j < t_out.shape[0] and t_out[j] <= t + h and (t_out[j] < t_end or last_segment):
        _dense_row((t_out[j] - t) / h, h, y, k1, k2, k3, k4, k5, k6, k7, Y_out[j])
        j += 1
    return j


@njit(cache=True, nogil=True, error_model='numpy', inline='always')
def _take_step(y, y1, nonneg):
    """y <- y1 after an accepted step, non-negative states clipped at 0 (in y1 as well);
    whether any was clipped (then the first stage must be evaluated again). A non-zero state
    smaller than TINY_FLOOR in magnitude is held at +-TINY_FLOOR (without a new first stage:
    the change is ~1e-288 of any absolute tolerance), so that a state decaying towards 0 never
    enters the subnormal range, where every operation on it costs ~100 cycles and the decay
    stalls at the smallest subnormals. It is held rather than set to 0 because relative
    abundances divide by total biomass, which is 0/0 when every guild decays to exactly 0;
    a state that is exactly 0 stays 0."""
    clipped = False
    for i in range(y.shape[0]):
        if nonneg[i] and y1[i] < 0.0:
            y1[i] = 0.0
            clipped = True
        elif y1[i] != 0.0 and abs(y1[i]) < TINY_FLOOR:
            y1[i] = math.copysign(TINY_FLOOR, y1[i])
        y[i] = y1[i]
    return clipped


@njit(cache=True, nogil=True, error_model='numpy', inline='always')
def _grown(h, en, en_old, after_reject, h_max):
    """Next step after an accepted one: PI factor, no growth right after a rejection."""
    fac = SAFETY * max(en, 1e-10) ** -ALPHA * en_old ** BETA
    h = h * min(FAC_MAX if not after_reject else 1.0, max(FAC_MIN, fac))
    return min(h, h_max)


@njit(cache=True, nogil=True, error_model='numpy', inline='always')
def _shrunk(h, en, finite):
    """Next try after a rejected step (a tenth after a non-finite value)."""
    return h * 0.1 if not finite else h * max(FAC_MIN, SAFETY * en ** -ALPHA)


@njit(cache=True, nogil=True, error_model='numpy', inline='always')
def _windowed(t, h, win):
    """The step from t capped inside the model's daily step windows (rows of step_windows:
    clock start, length, cap): no step longer than a window's cap overlaps it. A longer step
    that would stride into a window lands on its start, unless the start is nearer than the
    cap (then one step of the cap's length: no tiny landing steps, which in a lockstep group
    with several nearby window starts would otherwise come one per member)."""
    for k in range(win.shape[0]):
        ph = (t - win[k, 0]) % 1.0
        if ph > 1.0 - 1e-9:  # at the start, up to rounding
            ph = 0.0
        if ph < win[k, 1]:
            h = min(h, win[k, 2])
        elif 1.0 - ph < h:
            h = min(h, max(1.0 - ph, win[k, 2]))
    return h


@njit(cache=True, nogil=True, error_model='numpy')
def _intexp_holds(P, lanes):
    """Whether every segment (and lane) of P has the model's integer exponents (INTEXP_VALUE),
    so that the right-hand sides with those values folded in compute the same model. P is
    (segment x parameter), or (segment x parameter * lanes) with parameter i of lane l at
    i * lanes + l."""
    for s in range(P.shape[0]):
        for k in range(INTEXP_INDEX.shape[0]):
            for l in range(lanes):
                if P[s, INTEXP_INDEX[k] * lanes + l] != INTEXP_VALUE[k]:
                    return False
    return True


@njit(cache=True, nogil=True, error_model='numpy', inline='always')
def _rhs(intexp, t, y, p, q, dy):
    if intexp:
        rhs_q_intexp(t, y, p, q, dy)
    else:
        rhs_q(t, y, p, q, dy)


@njit(cache=True, nogil=True, error_model='numpy')
def solve(tb, P, bolus, y0, nonneg, t_out, rtol, atol, h_max, maxnorm, max_steps, Y_out, info):
    """Integrate over segments [tb[k], tb[k+1]] with parameters P[k]; bolus[k] is added to the
    state at tb[k]. Fills Y_out at t_out (dense output). The error norm is the RMS of the
    scaled errors, or their maximum with ``maxnorm``; steps are capped inside the model's step
    windows. Returns a status code; info holds [t reached, index of the worst variable,
    accepted steps, rejected steps]."""
    n = y0.shape[0]
    intexp = _intexp_holds(P, 1)
    y = y0.copy()
    k1 = np.empty(n); k2 = np.empty(n); k3 = np.empty(n); k4 = np.empty(n)
    k5 = np.empty(n); k6 = np.empty(n); k7 = np.empty(n)
    yt = np.empty(n); y1 = np.empty(n)
    q = np.empty(N_Q)
    win = np.empty((N_STEP_WINDOWS, 3))
    n_out = t_out.shape[0]
    j = 0
    steps = 0
    rejected = 0
    h = 0.0
    en_old = 1e-4
    for seg in range(tb.shape[0] - 1):
        t = tb[seg]
        t_end = tb[seg + 1]
        p = P[seg]
        prep(p, q)
        step_windows(p, win)
        for i in range(n):
            y[i] += bolus[seg, i]
        while j < n_out and t_out[j] <= t:
            for i in range(n):
                Y_out[j, i] = y[i]
            j += 1
        if t_end <= t:
            continue
        _rhs(intexp, t, y, p, q, k1)
        if h <= 0.0:
            sc = 0.0
            d0 = 0.0
            for i in range(n):
                s = atol[i] + rtol * abs(y[i])
                d0 += (y[i] / s) ** 2
                sc += (k1[i] / s) ** 2
            d0 = math.sqrt(d0 / n)
            sc = math.sqrt(sc / n)
            h = 1e-6 if (d0 < 1e-5 or sc < 1e-5) else 0.01 * d0 / sc
        h = min(h, h_max, t_end - t)
        after_reject = False
        while t < t_end:
            if steps + rejected >= max_steps:
                info[0] = t
                info[2] = steps
                info[3] = rejected
                return 1
            last = False
            h = _windowed(t, h, win)
            if t + h >= t_end - 1e-12 * max(1.0, abs(t_end)):
                h = t_end - t
                last = True
            for i in range(n):
                yt[i] = y[i] + h * A21 * k1[i]
            _rhs(intexp, t + C2 * h, yt, p, q, k2)
            for i in range(n):
                yt[i] = y[i] + h * (A31 * k1[i] + A32 * k2[i])
            _rhs(intexp, t + C3 * h, yt, p, q, k3)
            for i in range(n):
                yt[i] = y[i] + h * (A41 * k1[i] + A42 * k2[i] + A43 * k3[i])
            _rhs(intexp, t + C4 * h, yt, p, q, k4)
            for i in range(n):
                yt[i] = y[i] + h * (A51 * k1[i] + A52 * k2[i] + A53 * k3[i] + A54 * k4[i])
            _rhs(intexp, t + C5 * h, yt, p, q, k5)
            for i in range(n):
                yt[i] = y[i] + h * (A61 * k1[i] + A62 * k2[i] + A63 * k3[i] + A64 * k4[i]
                                    + A65 * k5[i])
            _rhs(intexp, t + h, yt, p, q, k6)
            for i in range(n):
                y1[i] = y[i] + h * (B1 * k1[i] + B2 * k2[i] + B3 * k3[i] + B4 * k4[i] + B5 * k5[i]
                                    + B6 * k6[i])
            _rhs(intexp, t + h, y1, p, q, k7)
            en = 0.0
            worst = 0
            worst_v = -1.0
            finite = True
            for i in range(n):
                e = h * (E1 * k1[i] + E2 * k2[i] + E3 * k3[i] + E4 * k4[i] + E5 * k5[i] + E6 * k6[i]
                         + E7 * k7[i])
                s = atol[i] + rtol * max(abs(y[i]), abs(y1[i]))
                r = (e / s) ** 2
                if not math.isfinite(r) or not math.isfinite(y1[i]):
                    finite = False
                    worst = i
                    r = 1e300
                if r > worst_v:
                    worst_v = r
                    worst = i
                en = max(en, r) if maxnorm else en + r
            en = (math.sqrt(en if maxnorm else en / n)) if finite else 1e300
            info[1] = worst
            if en <= 1.0:
                j = _dense_samples(j, t, h, t_end, seg == tb.shape[0] - 2, t_out, y, k1, k2,
                                   k3, k4, k5, k6, k7, Y_out)
                t = t_end if last else t + h
                if _take_step(y, y1, nonneg):
                    _rhs(intexp, t, y, p, q, k1)
                else:
                    for i in range(n):
                        k1[i] = k7[i]
                steps += 1
                h = _grown(h, en, en_old, after_reject, h_max)
                en_old = max(en, 1e-4)
                after_reject = False
            else:
                rejected += 1
                after_reject = True
                h = _shrunk(h, en, finite)
                if h < 1e-14 * max(1.0, abs(t)):
                    info[0] = t
                    info[2] = steps
                    info[3] = rejected
                    return 2 if finite else 3
    while j < n_out:
        for i in range(n):
            Y_out[j, i] = y[i]
        j += 1
    info[0] = tb[tb.shape[0] - 1]
    info[2] = steps
    info[3] = rejected
    return 0


{lanes64}

{lanes32}

@njit(cache=True, parallel=True)
def solve_batch_single(tb, P, bolus, Y0, nonneg, t_out, rtol, atol, h_max, maxnorm, max_steps,
                       Y_out, info, status):
    """As solve_batch, one person at a time (no lockstep): the reference for the lanes."""
    for k in prange(Y0.shape[0]):
        status[k] = solve(tb, P[k], bolus[k], Y0[k], nonneg, t_out, rtol, atol[k], h_max,
                          maxnorm, max_steps, Y_out[k], info[k])


@njit(cache=True, parallel=True)
def observe_batch(t_out, Y, P, seg, O):
    """Observables for every person and sample time (persons in parallel)."""
    for k in prange(Y.shape[0]):
        for i in range(t_out.shape[0]):
            observe(t_out[i], Y[k, i], P[k, seg[i]], O[k, i])
'''


def load_solver(model: CompiledModel) -> ModuleType:
    """Write (once) and import the solver module compiled against this model's RHS."""
    src = TEMPLATE.format(digest=model.digest, model_module=model.module.__name__, beta=BETA,
                          tableau=_tableau_source(), lanes64=_lanes_source(False),
                          lanes32=_lanes_source(True))
    name = f"gutbrain_tsit5_{hashlib.sha256(src.encode()).hexdigest()[:16]}"
    # checksummed in the cache; a damaged file or numba entry is rebuilt (compile/cache.py)
    return load_generated(name, lambda: src)
