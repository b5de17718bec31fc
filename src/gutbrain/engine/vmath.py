"""exp, log, pow and cos written in plain arithmetic so that LLVM can vectorise them.

numba lowers ``math.exp`` and friends to libm calls, which block the loop vectoriser (the
llvmlite wheels carry no SVML vector library). The lockstep solver evaluates the right-hand side
for several persons at once in a loop over lanes; with these functions that loop compiles to
AVX2 code. Accuracy: a few units in the last place over the ranges the model uses (checked
against libm in the tests); special values follow libm where it matters to the solver: exp
overflows to inf and underflows to 0 (below ~3e-308 already, no subnormal results), log of 0
is -inf, of a negative number or nan is nan.
``vpow(x, y)`` is ``exp(y log x)``, so unlike libm a negative base gives nan even for an
integer exponent (the generated code writes small integer powers as products instead).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, types
from numba.extending import intrinsic


@intrinsic
def _f64_from_bits(typingctx, bits):
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))

    return sig, codegen


@intrinsic
def _bits_from_f64(typingctx, x):
    sig = types.int64(types.float64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.int64))

    return sig, codegen


_MAGIC = 6755399441055744.0  # 1.5 * 2^52: adding it rounds to an integer in the low bits
_MAGIC_BITS = 0x4338000000000000
_TWO52 = 4503599627370496.0
_TWO52_BITS = 0x4330000000000000


_LOG2E = 1.4426950408889634
_LN2_HI = 0.6931471803691238  # 0x3FE62E42FEE00000
_LN2_LO = 1.9082149292705877e-10


# 2 exp(r) on |r| <= ln2/2: twice the degree-11 polynomial interpolating exp at the 12
# Chebyshev nodes of that interval (coefficients solved in 40-digit arithmetic with mpmath;
# truncation error 4e-18 relative, against 1e-17 for the degree-13 Taylor polynomial it
# replaces). The factor 2 lets one power of two, 2^(n-1), do the scaling (see vexp).
_EXP_C = (2.0, 2.0, 1.0000000000000038, 0.3333333333333336,
          0.0833333333329762, 0.016666666666639202, 0.002777777790462955, 0.00039682539780094226,
          4.960297096465699e-05, 5.511448183715794e-06, 5.526527927808206e-07,
          5.0220075211927554e-08)


@njit(nogil=True, error_model="numpy", inline="always")
def vexp(x):
    # x = n ln2 + r, |r| <= ln2/2, exp(x) = 2^(n-1) * 2 exp(r). The polynomial runs in Estrin's
    # scheme (short dependency chains). Clamping x to [-708.3, 709.79] makes 2^(n-1) a normal
    # number or 0 (n - 1 = -1023 has exponent bits 0) or, for n = 1024, exactly 2^1023 with
    # the product overflowing to inf as libm does. So results below ~3e-308 (x < -708.05) are
    # flushed to 0 instead of becoming subnormal; the model never comes near them.
    xc = min(max(x, -708.3), 709.79)
    n = np.floor(xc * _LOG2E + 0.5)  # np.floor stays float; math.floor is an int in numba
    r = (xc - n * _LN2_HI) - n * _LN2_LO
    r2 = r * r
    r4 = r2 * r2
    r8 = r4 * r4
    b0 = (_EXP_C[0] + r * _EXP_C[1]) + r2 * (_EXP_C[2] + r * _EXP_C[3])
    b1 = (_EXP_C[4] + r * _EXP_C[5]) + r2 * (_EXP_C[6] + r * _EXP_C[7])
    b2 = (_EXP_C[8] + r * _EXP_C[9]) + r2 * (_EXP_C[10] + r * _EXP_C[11])
    p = (b0 + r4 * b1) + r8 * b2
    y = p * _f64_from_bits((_bits_from_f64(n + _MAGIC) - _MAGIC_BITS + 1022) << 52)
    return x if x != x else y


@njit(nogil=True, error_model="numpy", inline="always")
def vlog(x):
    # x = m 2^e with m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(s), s = (m-1)/(m+1)
    tiny = x < 2.2250738585072014e-308
    xs = x * 18014398509481984.0 if tiny else x  # 2^54: subnormals become normal
    bits = _bits_from_f64(xs)
    # the biased exponent as a float, without an integer-to-float conversion
    fe = _f64_from_bits(((bits >> 52) & 0x7FF) | _TWO52_BITS) - _TWO52
    fe = fe - (1077.0 if tiny else 1023.0)
    m = _f64_from_bits((bits & 0xFFFFFFFFFFFFF) | 0x3FF0000000000000)
    big = m > 1.4142135623730951
    m = m * 0.5 if big else m
    fe = fe + 1.0 if big else fe
    s = (m - 1.0) / (m + 1.0)
    z = s * s
    z2 = z * z
    z4 = z2 * z2
    z8 = z4 * z4
    # 1/3 + z/5 + ... + z^10/23 (atanh series, |s| < 0.172: truncation < 1e-19), Estrin
    p0 = (1.0 / 3.0 + z * (1.0 / 5.0)) + z2 * (1.0 / 7.0 + z * (1.0 / 9.0))
    p1 = (1.0 / 11.0 + z * (1.0 / 13.0)) + z2 * (1.0 / 15.0 + z * (1.0 / 17.0))
    p2 = (1.0 / 19.0 + z * (1.0 / 21.0)) + z2 * (1.0 / 23.0)
    p = (p0 + z4 * p1) + z8 * p2
    y = fe * _LN2_HI + (2.0 * s + (2.0 * s * z * p + fe * _LN2_LO))
    y = -math.inf if x == 0.0 else y
    y = math.nan if x < 0.0 else y
    y = x if (x == math.inf or x != x) else y
    return y


@njit(nogil=True, error_model="numpy", inline="always")
def vpow(x, y):
    return vexp(y * vlog(x))


# 2 pi in three parts, the first two with 25 significant bits: k * part is exact for
# |k| < 2^28, so the reduction below is accurate for |x| up to about 1e9
_TWO_PI_HI = 6.283185243606567
_TWO_PI_MID = 6.357301884918343e-08
_TWO_PI_LO = 2.4492935982947064e-16


@njit(nogil=True, error_model="numpy", inline="always")
def vcos(x):
    # reduce to |r| <= pi, then cos r = 2 cos^2(r/2) - 1 with a Taylor polynomial in (r/2)^2
    k = np.floor(x * (1.0 / 6.283185307179586) + 0.5)
    r = ((x - k * _TWO_PI_HI) - k * _TWO_PI_MID) - k * _TWO_PI_LO
    h = 0.5 * r
    z = h * h
    z2 = z * z
    z4 = z2 * z2
    z8 = z4 * z4
    # cos(h) = sum (-z)^k / (2k)!, k <= 11 (|h| <= pi/2: truncation < 2e-17), Estrin
    c0 = (1.0 - z * 0.5) + z2 * (1.0 / 24.0 - z * (1.0 / 720.0))
    c1 = (1.0 / 40320.0 - z * (1.0 / 3628800.0)) + z2 * (1.0 / 479001600.0
                                                         - z * (1.0 / 87178291200.0))
    c2 = (1.0 / 20922789888000.0 - z * (1.0 / 6402373705728000.0)) + z2 * (
        1.0 / 2432902008176640000.0 - z * (1.0 / 1124000727777607680000.0))
    c = (c0 + z4 * c1) + z8 * c2
    return 2.0 * c * c - 1.0


@intrinsic
def _pow2_f32(typingctx, n):
    """2^(n-1) as float32 for an integer-valued float32 n in [-125, 128] (0 for n = -126):
    the exponent bits built in 32-bit integers, so that 8 lanes fit one AVX2 register."""
    sig = types.float32(types.float32)

    def codegen(context, builder, signature, args):
        i32 = context.get_value_type(types.int32)
        f32 = context.get_value_type(types.float32)
        t = builder.fadd(args[0], f32(12582912.0))  # 1.5 * 2^23: n in the low bits
        bits = builder.bitcast(t, i32)
        e = builder.add(bits, i32(126 - 0x4B400000))
        return builder.bitcast(builder.shl(e, i32(23)), f32)

    return sig, codegen


# 2 exp(r) on |r| <= ln2/2 in single precision: the degree-6 polynomial interpolating it at
# the 7 Chebyshev nodes (mpmath), rounded to float32: 9e-8 relative evaluated in float32.
_EXP32_C = (2.0, 2.0, 1.0, 0.3333283066749573, 0.08333270251750946, 0.01675025187432766,
            0.0027882216963917017)
_LN2_HI32 = 0.693359375  # ln 2 = HI + LO, HI with 11 significant bits (n * HI exact)
_LN2_LO32 = -2.12194440e-4


# Single precision for the float32 lockstep kernel. exp in float32 arithmetic (the kernel
# calls it most); log through the double-precision function, rounded once.
@njit(nogil=True, error_model="numpy", inline="always")
def vexp_f32(x):
    """exp of a float32, within ~2 float32 ulps: overflows to inf above 88.72; results below
    ~3e-38 are flushed to 0 (no subnormals)."""
    xc = min(max(x, np.float32(-87.5)), np.float32(88.73))
    n = np.floor(xc * np.float32(_LOG2E) + np.float32(0.5))
    r = (xc - n * np.float32(_LN2_HI32)) - n * np.float32(_LN2_LO32)
    r2 = r * r
    b0 = (np.float32(_EXP32_C[0]) + r * np.float32(_EXP32_C[1])) + r2 * (
        np.float32(_EXP32_C[2]) + r * np.float32(_EXP32_C[3]))
    b1 = (np.float32(_EXP32_C[4]) + r * np.float32(_EXP32_C[5])) + r2 * np.float32(
        _EXP32_C[6])
    p = b0 + (r2 * r2) * b1
    y = p * _pow2_f32(n)
    return x if x != x else y


@njit(nogil=True, error_model="numpy", inline="always")
def vlog_f32(x):
    return np.float32(vlog(np.float64(x)))


@njit(nogil=True, error_model="numpy", inline="always")
def vcos_f32(x):
    """cos of a double-precision argument (it holds the time), rounded to float32."""
    return np.float32(vcos(x))
