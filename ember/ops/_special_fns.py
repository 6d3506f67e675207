"""Array kernels of special functions without SciPy: erfc, erfinv, lgamma, digamma, polygamma, i0 and i1.

Written with the input's array module ``xp`` only (arithmetic, ``where``, elementwise ufuncs; no boolean
indexing), so the same formulas run on NumPy and CuPy. Computed in float64 and cast back to the input's dtype.
Accuracy in float64 (checked against PyTorch and exact sums): about 1e-15 relative; lgamma and digamma 1e-15
absolute near their zeros; erfc 1e-13 relative in the far tail (x > 20, where exp(-x*x) loses digits); erfinv
is limited by erf's conditioning as |x| -> 1 (as PyTorch's). Polygamma sums the recurrence one step at a time,
so it is slow for large negative x (about -x steps).
"""
import math

import numpy as np

from ._special import _P, _Q, _R, _S, _T, _U, _poly

__all__ = ["erf64", "erfc", "erfinv", "lgamma", "digamma", "polygamma", "bessel_i"]

# Lanczos approximation, g = 7, 9 terms (relative error about 1e-15 for Re(x) >= 0.5)
_LANCZOS_G = 7.0
_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
            1.5056327351493116e-7)
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
# Bernoulli numbers B_2k / (2k)! for the Euler-Maclaurin tail of the Hurwitz zeta function
_B2K_FACT = (1.0 / 12, -1.0 / 720, 1.0 / 30240, -1.0 / 1209600, 1.0 / 47900160, -691.0 / 1307674368000,
             1.0 / 74724249600)
# B_2k / 2k for the asymptotic series of digamma
_B2K_OVER_2K = (1.0 / 12, -1.0 / 120, 1.0 / 252, -1.0 / 240, 1.0 / 132, -691.0 / 32760, 1.0 / 12)


def _f64(x):
    return x.astype(np.float64, copy=False)


def _done(r, dt):
    with np.errstate(over="ignore"):          # float32 results past its range become inf, as in PyTorch
        return r.astype(dt, copy=False)


def _erfc_abs(xp, a):
    """erfc(a) for a >= 1 (Cephes' rational forms; a is clipped where the result underflows anyway)."""
    a = xp.minimum(a, 30.0)
    mid = a < 8.0
    p = xp.where(mid, _poly(xp, a, _P), _poly(xp, a, _R))
    q = xp.where(mid, _poly(xp, a, _Q, monic=True), _poly(xp, a, _S, monic=True))
    return xp.exp(-a * a) * p / q


def _erf_small(xp, x):
    z = x * x
    return x * _poly(xp, z, _T) / _poly(xp, z, _U, monic=True)


def erf64(xp, x):
    """erf of a float64 array with the same Cephes formulas as ``_special.erf``, on any array module."""
    a = xp.abs(x)
    big = xp.copysign(1.0 - _erfc_abs(xp, xp.maximum(a, 1.0)), x)
    return xp.where(a <= 1.0, _erf_small(xp, xp.minimum(a, 1.0) * xp.sign(x)), big)


def erfc(xp, x):
    dt, x = x.dtype, _f64(x)
    with np.errstate(all="ignore"):
        a = xp.abs(x)
        tail = _erfc_abs(xp, xp.maximum(a, 1.0))
        big = xp.where(x < 0, 2.0 - tail, tail)
        r = xp.where(a < 1.0, 1.0 - _erf_small(xp, xp.where(a < 1.0, x, 0.0)), big)
        r = xp.where(xp.isnan(x), np.nan, r)
    return _done(r, dt)


def erfinv(xp, y):
    """PyTorch's algorithm: a rational first guess (central and tail forms), then Newton steps on erf."""
    dt, y = y.dtype, _f64(y)
    with np.errstate(all="ignore"):
        a = xp.abs(y)
        z = y * y
        num = ((-0.140543331 * z + 0.914624893) * z - 1.645349621) * z + 0.886226899
        den = (((0.012229801 * z - 0.329097515) * z + 1.442710462) * z - 2.118377725) * z + 1.0
        central = y * num / den
        w = xp.sqrt(-xp.log((1.0 - xp.minimum(a, 0.9999999999999999)) / 2.0))
        num = ((1.641345311 * w + 3.429567803) * w - 1.624906493) * w - 1.970840454
        den = (1.637067800 * w + 3.543889200) * w + 1.0
        x = xp.where(a <= 0.7, central, xp.copysign(num, y) / den)
        for _ in range(3):
            x = x - (erf64(xp, x) - y) / ((2.0 / math.sqrt(math.pi)) * xp.exp(-x * x))
        x = xp.where(a == 1.0, xp.copysign(np.inf, y), x)
        x = xp.where((a > 1.0) | xp.isnan(y), np.nan, x)
    return _done(x, dt)


def _abs_sinpi(xp, x):
    # |sin(pi x)| with exact argument reduction: exactly 0 at the integers, accurate near them
    r = x - xp.floor(x)
    return xp.sin(math.pi * xp.minimum(r, 1.0 - r))


def _lgamma_lanczos(xp, x):
    z = x - 1.0
    acc = xp.full_like(z, _LANCZOS[0])
    for i, c in enumerate(_LANCZOS[1:], 1):
        acc = acc + c / (z + i)
    t = z + (_LANCZOS_G + 0.5)
    return _HALF_LOG_2PI + (z + 0.5) * xp.log(t) - t + xp.log(acc)


def lgamma(xp, x):
    """log|Gamma(x)|: Lanczos for x >= 0.5, reflection ``log(pi / |sin(pi x)|) - lgamma(1 - x)`` below."""
    dt, x = x.dtype, _f64(x)
    with np.errstate(all="ignore"):
        refl = x < 0.5
        lg = _lgamma_lanczos(xp, xp.where(refl, 1.0 - x, x))
        r = xp.where(refl, math.log(math.pi) - xp.log(_abs_sinpi(xp, x)) - lg, lg)
        r = xp.where(xp.isinf(x), np.inf, r)      # poles and -inf give +inf, as std::lgamma
        r = xp.where((x == 1.0) | (x == 2.0), 0.0, r)
    return _done(r, dt)


def _shift_up(xp, x, bound, s, floor=None):
    """Recurrence: add ``(x + k) ** -s`` for k = 0, 1... while ``x + k < bound``; returns (sum, shifted x).
    ``floor``, a known lower bound of ``x``, fixes the step count off the CPU: reading ``min(x)`` would be a
    device sync per call; the extra steps add exact zeros and leave ``x`` as it is."""
    acc = xp.zeros_like(x)
    if floor is not None and xp is not np:
        lo = floor
    else:
        lo = float(xp.min(x)) if x.size else bound
    for _ in range(max(0, math.ceil(bound - lo))):
        low = x < bound
        acc = acc + xp.where(low, x, 1.0) ** -s * low
        x = xp.where(low, x + 1.0, x)
    return acc, x


def digamma(xp, x):
    """psi(x): reflection ``psi(1 - x) - pi / tan(pi x)`` for x < 0, recurrence up to 10, asymptotic series.
    Like PyTorch: -inf at +0, +inf at -0, NaN at the negative integers."""
    dt, x = x.dtype, _f64(x)
    with np.errstate(all="ignore"):
        neg = x < 0
        y = xp.where(neg, 1.0 - x, x)
        y = xp.where(xp.isfinite(y), y, 10.0)
        acc, y = _shift_up(xp, xp.where(y == 0, 1.0, y), 10.0, 1, floor=0.0)      # y > 0 here
        z = 1.0 / (y * y)
        series = xp.zeros_like(z)
        for c in reversed(_B2K_OVER_2K):
            series = (series + c) * z
        r = xp.log(y) - 0.5 / y - series - acc
        r = xp.where(neg, r - math.pi / xp.tan(math.pi * (x - xp.round(x))), r)
        r = xp.where(x == 0, xp.copysign(np.inf, -x), r)
        r = xp.where(neg & (x == xp.floor(x)), np.nan, r)
        r = xp.where(x == np.inf, np.inf, xp.where(xp.isnan(x), np.nan, r))
    return _done(r, dt)


def polygamma(xp, n, x):
    """psi^(n)(x) = (-1)^(n+1) n! zeta(n + 1, x) for n >= 1: the sum ``(x + k) ** -(n+1)`` by recurrence up to
    20 + n, then the Euler-Maclaurin tail. Negative x is summed directly (slow for large negative values)."""
    if n == 0:
        return digamma(xp, x)
    dt, x = x.dtype, _f64(x)
    s = n + 1
    with np.errstate(all="ignore"):
        bad = ~xp.isfinite(x) | ((x <= 0) & (x == xp.floor(x)))
        acc, w = _shift_up(xp, xp.where(bad, 1.0, x), 20.0 + n, s)
        tail = w ** (1 - s) / (s - 1) + 0.5 * w ** -s
        rising, wp = float(s), w ** (-s - 1)
        for j, c in enumerate(_B2K_FACT):
            tail = tail + c * rising * wp
            rising *= (s + 2 * j + 1) * (s + 2 * j + 2)
            wp = wp / (w * w)
        r = (-1.0) ** (n + 1) * math.factorial(n) * (acc + tail)
        pole = (-1.0) ** (n + 1) * np.inf
        # PyTorch at +-inf: its trigamma (n = 1) gives 0 at +inf, NaN at -inf; its zeta (n > 1) NaN and the pole
        at_inf = (0.0, np.nan) if n == 1 else (np.nan, pole)
        r = xp.where(bad, xp.where(x == np.inf, at_inf[0], xp.where(x == -np.inf, at_inf[1], pole)), r)
        r = xp.where(xp.isnan(x), np.nan, r)
    return _done(r, dt)


def bessel_i(xp, x, nu):
    """Modified Bessel function I_nu(x), nu = 0 or 1: power series below 30, asymptotic expansion above."""
    dt, x = x.dtype, _f64(x)
    with np.errstate(all="ignore"):
        a = xp.abs(x)
        s = xp.minimum(a, 30.0)
        q = s * s / 4.0
        term = xp.ones_like(s) if nu == 0 else s / 2.0
        total = term
        for k in range(1, 80):
            term = term * q / (k * (k + nu))
            total = total + term
        b = xp.maximum(a, 30.0)
        mu = 4.0 * nu * nu
        t = xp.ones_like(b)
        series = t
        for k in range(1, 21):
            t = t * -(mu - (2 * k - 1) ** 2) / (k * 8.0 * b)
            series = series + t
        h = xp.exp(b / 2.0)                       # e^b in two halves: I(b) is finite a little past e^b's overflow
        r = xp.where(a < 30.0, total, h * (h * series / xp.sqrt(2.0 * math.pi * b)))
        r = xp.where(a == np.inf, np.nan, r)      # PyTorch's (Cephes') value at +-inf
        if nu == 1:
            r = xp.where(x < 0, -r, r)
    return _done(r, dt)
