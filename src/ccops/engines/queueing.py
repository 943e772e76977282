"""Staffing maths: Erlang B, C and A (M/M/n+M), staffing solvers, chat and deferred work.

Notation used throughout (units in the names, as everywhere in ccops):

* ``rate_per_s`` -- arrival rate lambda, contacts per second.
* ``aht_s`` -- mean handle time 1/mu, seconds (exponential in the Erlang models).
* ``load`` -- offered load A = lambda x aht, erlangs.
* ``agents`` -- number of agents n. Erlang B and C accept fractional n (the continuous
  extension through the incomplete gamma function); the other measures use the same formulas
  for fractional n, which interpolates between the integer models.
* ``target_s`` -- service-level threshold T, seconds.
* ``patience_s`` -- mean of the exponential patience 1/theta, seconds (Erlang A, M/M/n+M).
  ``None`` (or ``inf`` per element) means callers never abandon: the Erlang C model, M/M/n.

Arrays broadcast like numpy. A function returns a Python ``float`` (``int`` for agent counts)
when every array argument is a Python or NumPy scalar, and a NumPy array of the broadcast shape
otherwise (a 0-d array in gives a 0-d array out).

Everything is computed in log space with special functions (``scipy.special.gammaincc``,
``gammainc``, ``gammaln``) and Loader's saddle-point form of the Poisson probability, so no
factorial or power is ever formed: loads from 0.01 to 100,000 erlangs and 100,000 agents work
without overflow or NaN. Where an incomplete gamma function would underflow, a continued
fraction (Erlang B) or a Gauss-Legendre quadrature of a log-concave integral (Erlang A) takes
over. Bad input raises :class:`QueueingInputError` naming the argument.

References:
    A. K. Erlang (1917); the continuous Erlang B function: D. L. Jagerman, "Some properties of
    the Erlang loss function", Bell System Technical Journal 53 (1974) 525-551.
    C. Loader, "Fast and accurate computation of binomial probabilities" (2000).
    O. Garnett, A. Mandelbaum, M. Reiman, "Designing a call center with impatient customers",
    Manufacturing & Service Operations Management 4(3) (2002) 208-227.
    A. Mandelbaum, S. Zeltyn, "The M/M/n+G queue: summary of performance measures" (technical
    note, Technion, 2004-2009).
    S. Halfin, W. Whitt, "Heavy-traffic limits for queues with many exponential servers",
    Operations Research 29 (1981) 567-588 (square-root staffing, used only for a first guess).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Final, TypeAlias, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

__all__ = [
    "MAX_AGENTS",
    "QueueingInputError",
    "abandon_probability",
    "asa_s",
    "chat_required_agents",
    "deferred_required_agents",
    "erlang_b",
    "erlang_c",
    "occupancy",
    "required_agents",
    "scheduled_from_required",
    "service_level",
]

Scalar: TypeAlias = float | np.floating[Any] | np.integer[Any]
FloatArray: TypeAlias = NDArray[np.float64]
IntArray: TypeAlias = NDArray[np.int64]
BoolArray: TypeAlias = NDArray[np.bool_]

MAX_AGENTS: Final = 10_000_000
"""Largest agent count the staffing solvers search; a goal needing more raises an error."""

_LOG_2PI: Final = math.log(2.0 * math.pi)
_SQRT_2PI: Final = math.sqrt(2.0 * math.pi)
_CF_SWITCH: Final = 1e-8  # Erlang B: below this Q(n+1, A) the continued fraction is used
_TINY_P: Final = 1e-280  # Erlang A: incomplete gamma values below this count as underflowed
_QUAD_LEVELS: Final = np.arange(1, 10, dtype=np.float64) ** 2 / 2.0  # panel ends: drops of z^2/2
_QUAD_FIXED: Final = np.array([0.0625, 0.25, 1.0, 4.0, 16.0])
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(12)
_QUAD_CHUNK: Final = 8192


class QueueingInputError(ValueError):
    """An argument of a queueing function is out of its domain or a goal cannot be met."""


# ---------------------------------------------------------------------------------------------
# input handling
# ---------------------------------------------------------------------------------------------


def _is_scalar(value: object) -> bool:
    return isinstance(value, int | float | np.generic)


def _array(
    value: ArrayLike,
    name: str,
    *,
    low: float | None = None,
    low_open: bool = False,
    high: float | None = None,
    high_open: bool = False,
    allow_inf: bool = False,
) -> FloatArray:
    """Convert to a float64 array and check its domain, naming ``name`` in any error."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise QueueingInputError(f"{name} must be numeric, got {value!r}") from exc
    if arr.size == 0:
        return arr
    if np.isnan(arr).any():
        raise QueueingInputError(f"{name} must not be NaN")
    if not allow_inf and not np.isfinite(arr).all():
        raise QueueingInputError(f"{name} must be finite")
    if low is not None:
        bad = arr <= low if low_open else arr < low
        if bad.any():
            sign = ">" if low_open else ">="
            got = arr[bad].flat[0]
            raise QueueingInputError(f"{name} must be {sign} {low:g}, got {got:g}")
    if high is not None:
        bad = arr >= high if high_open else arr > high
        if bad.any():
            sign = "<" if high_open else "<="
            got = arr[bad].flat[0]
            raise QueueingInputError(f"{name} must be {sign} {high:g}, got {got:g}")
    return arr


def _float_out(arr: FloatArray, scalar: bool) -> float | FloatArray:
    return float(arr) if scalar else np.asarray(arr, dtype=np.float64)


def _int_out(arr: IntArray, scalar: bool) -> int | IntArray:
    return int(arr) if scalar else np.asarray(arr, dtype=np.int64)


# ---------------------------------------------------------------------------------------------
# special functions in log space
# ---------------------------------------------------------------------------------------------


def _stirlerr(x: FloatArray) -> FloatArray:
    """log(x!) - [(x + 1/2) log x - x + log(2 pi)/2] by its asymptotic series (x >= 15)."""
    x2 = 1.0 / (x * x)
    poly = 1 / 1188 - x2 * (691 / 360360)
    poly = 1 / 1680 - x2 * poly
    poly = 1 / 1260 - x2 * poly
    poly = 1 / 360 - x2 * poly
    poly = 1 / 12 - x2 * poly
    result: FloatArray = poly / x
    return result


def _bd0(x: FloatArray, a: FloatArray) -> FloatArray:
    """Loader's deviance term x log(x/a) + a - x, accurate also when x is close to a."""
    v = (x - a) / (x + a)
    out = np.empty(v.shape)
    near = np.abs(v) < 0.1
    if near.any():  # (x - a) v + 2x (atanh(v) - v), the series in v^2 < 0.01
        vn, xn = v[near], x[near]
        v2 = vn * vn
        series = np.full(vn.shape, 1.0 / 19.0)
        for j in range(8, 0, -1):
            series = series * v2 + 1.0 / (2 * j + 1)
        out[near] = (xn - a[near]) * vn + 2.0 * xn * vn * v2 * series
    far = ~near
    if far.any():
        xf, af = x[far], a[far]
        out[far] = xf * np.log(xf / af) + af - xf
    return out


def _neg_log_poisson(x: FloatArray, a: FloatArray) -> FloatArray:
    """-log(a^x e^-a / Gamma(x + 1)) for x >= 0 and a > 0, without cancellation.

    For x >= 15 Loader's saddle-point form bd0(x, a) + log(2 pi x)/2 + stirlerr(x); below,
    log Gamma(x + 1) - x log a + a directly (its terms are then small or a dominates).
    """
    out = np.empty(x.shape)
    big = x >= 15.0
    if big.any():
        xb, ab = x[big], a[big]
        out[big] = _bd0(xb, ab) + 0.5 * (_LOG_2PI + np.log(xb)) + _stirlerr(xb)
    small = ~big
    if small.any():
        xs, as_ = x[small], a[small]
        out[small] = special.gammaln(xs + 1.0) - special.xlogy(xs, as_) + as_
    return out


def _log_inv_b_cf(x: FloatArray, a: FloatArray) -> FloatArray:
    """log(1/B(x, a)) = log(a * F) with F Legendre's continued fraction for Gamma(x+1, a).

    Gamma(s, a) = e^-a a^s F(s, a), F = 1/(a+1-s - 1(1-s)/(a+3-s - 2(2-s)/(a+5-s - ...))),
    evaluated by the modified Lentz method; used where a is far above x, there it converges in
    a few dozen terms.
    """
    tiny = 1e-300
    s = x + 1.0
    b = a + 1.0 - s
    c = np.full_like(b, 1.0 / tiny)
    d = 1.0 / b
    h = d.copy()
    active = np.arange(b.size)
    for i in range(1, 5000):
        an = -i * (i - s[active])
        b[active] += 2.0
        dd = an * d[active] + b[active]
        dd = np.where(np.abs(dd) < tiny, tiny, dd)
        cc = b[active] + an / c[active]
        cc = np.where(np.abs(cc) < tiny, tiny, cc)
        dd = 1.0 / dd
        delta = dd * cc
        d[active] = dd
        c[active] = cc
        h[active] *= delta
        active = active[np.abs(delta - 1.0) > 1e-16]
        if active.size == 0:
            break
    result: FloatArray = np.log(a) + np.log(h)
    return result


def _log_inv_erlang_b(x: FloatArray, a: FloatArray) -> FloatArray:
    """log(1/B(x, a)) for x >= 0 agents and a >= 0 erlangs (same-shape float arrays).

    1/B(x, a) = a^-x e^a Gamma(x + 1, a) = Q(x + 1, a) / [a^x e^-a / Gamma(x + 1)], with Q the
    regularized upper incomplete gamma function; the Poisson term is taken in Loader's form.
    """
    out = np.zeros(np.broadcast(x, a).shape)
    x, a = np.broadcast_arrays(x, a)
    pos = a > 0.0
    out[~pos & (x > 0.0)] = np.inf  # no load: nothing is blocked
    idx = np.flatnonzero(pos & (x > 0.0))
    if idx.size:
        xf = x.ravel()[idx]
        af = a.ravel()[idx]
        q = special.gammaincc(xf + 1.0, af)
        res = np.log(q) + _neg_log_poisson(xf, af)
        cf = (q < _CF_SWITCH) & (af > xf + 1.0)
        if cf.any():
            res[cf] = _log_inv_b_cf(xf[cf], af[cf])
        out.ravel()[idx] = np.maximum(res, 0.0)  # 1/B >= 1; rounding must not break it
    return out


def _log_erlang_c(x: FloatArray, a: FloatArray, log_inv_b: FloatArray) -> FloatArray:
    """log C(x, a): 1/C = a/x + (1 - a/x)/B for x > a; C = 1 for x <= a."""
    stable = x > a
    ratio = np.where(stable, a / np.where(x > 0.0, x, 1.0), 0.0)
    log_inv_c = np.logaddexp(np.log1p(-ratio) + log_inv_b, np.log(ratio))
    result: FloatArray = np.where(stable, -log_inv_c, 0.0)
    return result


def _log_expm1(z: FloatArray) -> FloatArray:
    """log(e^z - 1) for z >= 0, stable for large z."""
    big = z > 30.0
    small = np.log(np.expm1(np.where(big, 1.0, z)))
    result: FloatArray = np.where(big, z + np.log1p(-np.exp(-np.where(big, z, 30.0))), small)
    return result


# ---------------------------------------------------------------------------------------------
# the integrals of the Erlang A model
# ---------------------------------------------------------------------------------------------


def _psi(s: FloatArray, y: FloatArray, c: FloatArray) -> FloatArray:
    result: FloatArray = -y * np.expm1(-s) - c * s
    return result


def _quad_chunk(
    y: FloatArray, c: FloatArray, t_end: FloatArray, weight: str
) -> tuple[FloatArray, FloatArray]:
    """Panels and log-integral for one chunk (see :func:`_quad_log`)."""
    s_mode = np.where(y > c, np.log(y / c), 0.0)
    s_mode = np.minimum(s_mode, t_end)
    psi_mode = _psi(s_mode, y, c)
    kappa = y * np.exp(-s_mode)
    slope = np.minimum(kappa - c, 0.0)
    levels = _QUAD_LEVELS[None, :]
    # right of the mode: psi - psi_mode = -L, Newton from the quadratic lower bound
    sm = s_mode[:, None]
    yy, cc, pm = y[:, None], c[:, None], psi_mode[:, None]
    d0 = (
        2.0
        * levels
        / (np.abs(slope)[:, None] + np.sqrt(slope[:, None] ** 2 + 2 * kappa[:, None] * levels))
    )
    right = sm + d0
    for _ in range(8):
        grad = yy * np.exp(-right) - cc
        step = (_psi(right, yy, cc) - pm + levels) / grad
        right = np.maximum(right - np.where(grad < 0.0, step, 0.0), sm)
    right = np.minimum(right, t_end[:, None])
    # left of the mode (only when it is interior): Newton on the distance d from the mode
    dist = np.minimum(np.sqrt(2.0 * levels / np.maximum(kappa[:, None], 1e-300)), sm)
    for _ in range(8):
        s = sm - dist
        grad = yy * np.exp(-s) - cc  # > 0 left of the mode
        step = (_psi(s, yy, cc) - pm + levels) / np.where(grad > 0.0, grad, 1.0)
        dist = np.clip(dist + np.where(grad > 0.0, step, 0.0), 0.0, sm)
    left = sm - dist
    # fixed breaks resolve the unit scale of e^-s (in psi and in the weights) near s = 0
    fixed = np.minimum(_QUAD_FIXED[None, :], right[:, -1:])
    edges = np.sort(np.concatenate([left[:, ::-1], sm, right, fixed], axis=1), axis=1)
    lo, hi = edges[:, :-1], edges[:, 1:]
    half = 0.5 * (hi - lo)
    mid = 0.5 * (hi + lo)
    nodes = mid[:, :, None] + half[:, :, None] * _GL_NODES[None, None, :]
    wts = half[:, :, None] * _GL_WEIGHTS[None, None, :]
    expo = _psi(nodes, y[:, None, None], c[:, None, None]) - psi_mode[:, None, None]
    vals = np.exp(expo) * wts
    if weight == "s":
        vals = vals * nodes
    elif weight == "1-e^-s":
        vals = vals * -np.expm1(-nodes)
    elif weight == "mean":  # ratio of the s-weighted integral to the plain one, same nodes
        return np.zeros(y.shape), (vals * nodes).sum(axis=(1, 2)) / vals.sum(axis=(1, 2))
    total = vals.sum(axis=(1, 2))
    return psi_mode, total


def _quad_log(y: FloatArray, c: FloatArray, t_end: FloatArray, weight: str = "1") -> FloatArray:
    """log of the integral over [0, t_end] of w(s) exp(psi(s)), psi(s) = y(1 - e^-s) - c s.

    psi is concave with its maximum at max(0, log(y/c)), so the integrand is log-concave. The
    range is cut into panels whose ends are where psi has dropped by z^2/2 (z = 1..9) on each
    side of the maximum (Newton's method on the concave psi), plus fixed breaks at s = 1/16 ..
    16 (the unit scale of e^-s), and each panel gets a 12-point Gauss-Legendre rule; beyond a
    drop of 40.5 the mass is below 1e-17 of the total. ``weight`` is ``"1"``, ``"s"``,
    ``"1-e^-s"``, or ``"mean"`` for the log of the mean of s under the normalised integrand
    (one pass). y > 0, c > 0, t_end > 0 (may be inf), 1-d arrays. Checked against mpmath
    quadrature to 1e-14 in the log over c from 0.01 to 1e6 and y/c from 0.03 to 3.
    """
    out = np.empty(y.shape)
    for start in range(0, y.size, _QUAD_CHUNK):
        sl = slice(start, start + _QUAD_CHUNK)
        psi_mode, total = _quad_chunk(y[sl], c[sl], t_end[sl], weight)
        out[sl] = psi_mode + np.log(total)
    return out


def _log_int(y: FloatArray, c: FloatArray, t_end: FloatArray) -> FloatArray:
    """log I(y, c, T), I = integral over [0, T] of exp(y(1 - e^-s) - c s) ds (1-d arrays).

    Closed form: I = e^y y^-c Gamma(c) [P(c, y) - P(c, y e^-T)] with P the regularized lower
    incomplete gamma function (the difference of Q's when both arguments are above c), so
    log I = -log Poisson(c; y) - log c + log(difference). Where the difference underflows or
    cancels, the quadrature :func:`_quad_log` is used instead.
    """
    y_low = y * np.exp(-t_end)
    upper = y_low >= c  # both arguments right of the shape: difference of upper tails
    diff = np.empty(y.shape)
    ref = np.empty(y.shape)
    if upper.any():
        q_lo = special.gammaincc(c[upper], y_low[upper])
        diff[upper] = q_lo - special.gammaincc(c[upper], y[upper])
        ref[upper] = q_lo
    lower = ~upper
    if lower.any():
        p_hi = special.gammainc(c[lower], y[lower])
        finite = np.isfinite(t_end[lower])
        p_lo = np.zeros(p_hi.shape)
        if finite.any():
            p_lo[finite] = special.gammainc(c[lower][finite], y_low[lower][finite])
        diff[lower] = p_hi - p_lo
        ref[lower] = p_hi
        # scipy's gammainc loses accuracy in the left tail (P < 1e-4) once the shape is above
        # about 2e5 (measured against the quadrature: 1e-8 at 5e5, 1e-2 at 1e7): there the
        # quadrature is used instead
        big_shape = c[lower] > 1e5
        shaky_hi = big_shape & (p_hi < 1e-4)
        shaky_lo = big_shape & (p_lo < 1e-4) & (p_lo > 1e-13 * (p_hi - p_lo))
        ref[np.flatnonzero(lower)[shaky_hi | shaky_lo]] = 0.0
    good = (ref > _TINY_P) & (diff > 1e-3 * ref)
    out = _neg_log_poisson(c, y) - np.log(c) + np.log(np.where(good, diff, 1.0))
    bad = ~good
    if bad.any():
        out[bad] = _quad_log(y[bad], c[bad], t_end[bad])
    return out


class _ErlangA:
    """The M/M/n+M quantities for n > 0 agents, load A > 0, patience p, target t (1-d arrays).

    With r = p / aht, X = n r, y = A r (service and arrival rates in units of the abandonment
    rate theta = 1/p), rho = A/n, E = Erlang B(n, A), q = 1/E - 1 and I as in :func:`_log_int`:

    * J = X I(y, X, inf) = A(X, y) of Garnett et al., K = X I(y, X + 1, inf) = (J - 1)/rho,
      D = q + J (so that pi_n = 1/D);
    * P(wait > 0) = J/D; P(abandon) = (J - K)/D;
    * fraction answered within t = [q + X I(y, X + 1, t/p)]/D (abandoners count as not
      answered): the offered wait V has an atom q/D at 0 and density proportional to
      exp(lambda H(x) - n mu x), H(x) = (1 - e^-theta x)/theta (Mandelbaum & Zeltyn), and a
      caller who would wait x is answered with probability e^-theta x;
    * mean wait of answered contacts = p m K/(q + K), m the mean of s under the density
      proportional to exp(y(1 - e^-s) - (X + 1)s) on s > 0 (quadrature);
    * occupancy = A (1 - P(abandon))/n = rho (q + K)/D.
    """

    def __init__(self, n: FloatArray, load: FloatArray, aht: FloatArray, patience: FloatArray):
        r = patience / aht
        self.n, self.patience = n, patience
        self.rho = load / n
        self.x = n * r
        self.y = load * r
        self.log_x = np.log(self.x)
        self.log_q = _log_expm1(_log_inv_erlang_b(n, load))
        inf = np.full(n.shape, np.inf)
        self.log_j = self.log_x + _log_int(self.y, self.x, inf)
        # Everything is formed from ratios whose logs are small, so that no large log is
        # differenced: P(W > 0) = J/(q + J) = expit(log J - log q), and K/J. K = (J - 1)/rho
        # exactly; it is taken so where J >= 2 (no cancellation, and K/J = (1 - 1/J)/rho is
        # exact when J is huge), else K = X I(y, X + 1, inf) is integrated directly.
        self.wait = special.expit(self.log_j - self.log_q)  # P(W > 0)
        self.no_wait = special.expit(self.log_q - self.log_j)  # 1 - P(W > 0)
        big_j = self.log_j >= math.log(2.0)
        self.log_k = self.log_j + np.log1p(-np.exp(-self.log_j)) - np.log(self.rho)
        self.k_over_j = -np.expm1(-self.log_j) / self.rho
        if not big_j.all():
            small = ~big_j
            self.log_k[small] = self.log_x[small] + _log_int(
                self.y[small], self.x[small] + 1.0, inf[small]
            )
            self.k_over_j[small] = np.exp(self.log_k[small] - self.log_j[small])

    def abandon(self) -> FloatArray:
        given_wait = 1.0 - self.k_over_j  # P(abandon | W > 0) = (J - K)/J
        close = self.k_over_j > 0.99
        if close.any():  # J - K cancels: integrate X exp(psi)(1 - e^-s) directly
            idx = np.flatnonzero(close)
            inf = np.full(idx.size, np.inf)
            log_jk = self.log_x[idx] + _quad_log(self.y[idx], self.x[idx], inf, "1-e^-s")
            given_wait[idx] = np.exp(log_jk - self.log_j[idx])
        result: FloatArray = self.wait * np.clip(given_wait, 0.0, 1.0)
        return result

    def service_level(self, target: FloatArray) -> FloatArray:
        l_over_j = np.zeros(self.n.shape)
        pos = target > 0.0
        if pos.any():
            t_end = target[pos] / self.patience[pos]
            log_l = self.log_x[pos] + _log_int(self.y[pos], self.x[pos] + 1.0, t_end)
            l_over_j[pos] = np.exp(log_l - self.log_j[pos])
        result: FloatArray = np.minimum(self.no_wait + self.wait * l_over_j, 1.0)
        return result

    def asa(self) -> FloatArray:
        inf = np.full(self.n.shape, np.inf)
        c = self.x + 1.0
        log_m = _quad_log(self.y, c, inf, weight="mean")
        answered_after_wait = special.expit(self.log_k - self.log_q)  # K/(q + K)
        result: FloatArray = self.patience * np.exp(log_m) * answered_after_wait
        return result

    def occupancy(self) -> FloatArray:
        result: FloatArray = np.minimum(self.rho * (self.no_wait + self.wait * self.k_over_j), 1.0)
        return result


# ---------------------------------------------------------------------------------------------
# the four measures on flat arrays (shared by the public functions and the solvers)
# ---------------------------------------------------------------------------------------------


def _erlang_c_value(
    kind: str,
    n: FloatArray,
    load: FloatArray,
    aht: FloatArray,
    target: FloatArray,
    log_inv_b: FloatArray,
) -> FloatArray:
    """Erlang C service level (``sl``) or ASA (``asa``) from log(1/B(n, A)); n > 0, A > 0."""
    stable = n > load
    log_c = _log_erlang_c(n, load, log_inv_b)
    gap = np.where(stable, n - load, 1.0)
    if kind == "sl":
        decay = np.where(np.isinf(target), np.inf, gap * target / aht)
        result: FloatArray = np.where(stable, -np.expm1(log_c - decay), 0.0)
    else:
        result = np.where(stable, np.exp(log_c) * aht / gap, np.inf)
    return result


def _measure(
    kind: str,
    n: FloatArray,
    rate: FloatArray,
    aht: FloatArray,
    patience: FloatArray,
    target: FloatArray,
) -> FloatArray:
    """One measure (``sl``, ``asa``, ``abandon``, ``occupancy``) on 1-d arrays of equal size."""
    load = rate * aht
    out = np.empty(n.shape)
    no_load = load == 0.0
    no_agents = (n == 0.0) & ~no_load
    erlang_a = np.isfinite(patience) & ~no_load & ~no_agents
    erlang_c = ~np.isfinite(patience) & ~no_load & ~no_agents
    trivial = {"sl": (1.0, 0.0), "asa": (0.0, np.inf), "abandon": (0.0, 1.0)}
    if kind == "occupancy":
        out[no_load] = 0.0
        out[no_agents] = 1.0
    else:
        out[no_load], none_value = trivial[kind]
        out[no_agents] = none_value
        if kind == "abandon":  # no patience: nobody abandons, however long the wait
            out[no_agents & ~np.isfinite(patience)] = 0.0
    if erlang_c.any():
        nc, ac, hc = n[erlang_c], load[erlang_c], aht[erlang_c]
        if kind == "occupancy":
            out[erlang_c] = np.minimum(ac, nc) / nc
        elif kind == "abandon":
            out[erlang_c] = 0.0
        else:
            log_inv_b = _log_inv_erlang_b(nc, ac)
            out[erlang_c] = _erlang_c_value(kind, nc, ac, hc, target[erlang_c], log_inv_b)
    if erlang_a.any():
        model = _ErlangA(n[erlang_a], load[erlang_a], aht[erlang_a], patience[erlang_a])
        if kind == "sl":
            out[erlang_a] = model.service_level(target[erlang_a])
        elif kind == "asa":
            out[erlang_a] = model.asa()
        elif kind == "abandon":
            out[erlang_a] = model.abandon()
        else:
            out[erlang_a] = model.occupancy()
    return out


def _measure_public(
    kind: str,
    agents: ArrayLike,
    rate_per_s: ArrayLike,
    aht_s: ArrayLike,
    target_s: ArrayLike | None,
    patience_s: ArrayLike | None,
) -> float | FloatArray:
    values: list[object] = [agents, rate_per_s, aht_s]
    n = _array(agents, "agents", low=0.0)
    rate = _array(rate_per_s, "rate_per_s", low=0.0)
    aht = _array(aht_s, "aht_s", low=0.0, low_open=True)
    target = np.zeros(())
    if target_s is not None:
        values.append(target_s)
        target = _array(target_s, "target_s", low=0.0, allow_inf=True)
    patience = np.full((), np.inf)
    if patience_s is not None:
        values.append(patience_s)
        patience = _array(patience_s, "patience_s", low=0.0, low_open=True, allow_inf=True)
    scalar = all(_is_scalar(v) for v in values)
    arrays = np.broadcast_arrays(n, rate, aht, target, patience)
    shape = arrays[0].shape
    flat = [np.ascontiguousarray(a).ravel() for a in arrays]
    with np.errstate(divide="ignore", over="ignore", invalid="ignore", under="ignore"):
        result = _measure(kind, flat[0], flat[1], flat[2], flat[4], flat[3]).reshape(shape)
    return _float_out(result, scalar)


# ---------------------------------------------------------------------------------------------
# public measures
# ---------------------------------------------------------------------------------------------


@overload
def erlang_b(agents: Scalar, load: Scalar) -> float: ...
@overload
def erlang_b(agents: ArrayLike, load: ArrayLike) -> FloatArray: ...
def erlang_b(agents: ArrayLike, load: ArrayLike) -> float | FloatArray:
    """Erlang B blocking probability of an M/M/n/n loss system.

    B(n, A) = (A^n/n!) / sum_{k=0..n} A^k/k!, extended to real n >= 0 by
    1/B(x, A) = A^-x e^A Gamma(x + 1, A) (Jagerman 1974), which equals the sum for integer n.
    Computed as log(1/B) = log Q(x + 1, A) - log[A^x e^-A / Gamma(x + 1)] with Q the
    regularized upper incomplete gamma function, or by its continued fraction where Q
    underflows; B(0, A) = 1 and B(n > 0, 0) = 0.

    Args:
        agents: number of servers n (>= 0, may be fractional).
        load: offered load A in erlangs (>= 0).

    Returns:
        Blocking probability in [0, 1] (a float for scalar inputs, else an array).

    Raises:
        QueueingInputError: an argument is negative, NaN or infinite.
    """
    n = _array(agents, "agents", low=0.0)
    a = _array(load, "load", low=0.0)
    scalar = _is_scalar(agents) and _is_scalar(load)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore", under="ignore"):
        result = np.exp(-_log_inv_erlang_b(*np.broadcast_arrays(n, a)))
    return _float_out(result, scalar)


@overload
def erlang_c(agents: Scalar, load: Scalar) -> float: ...
@overload
def erlang_c(agents: ArrayLike, load: ArrayLike) -> FloatArray: ...
def erlang_c(agents: ArrayLike, load: ArrayLike) -> float | FloatArray:
    """Erlang C probability that an arriving contact waits in an M/M/n queue.

    C(n, A) = n B / (n - A(1 - B)) with B = B(n, A), i.e. 1/C = A/n + (1 - A/n)/B, for n > A;
    C = 1 when n <= A (the queue is unstable and everyone waits). Real n >= 0 is accepted (the
    continuous Erlang B extension). Computed in log space.

    Args:
        agents: number of agents n (>= 0, may be fractional).
        load: offered load A in erlangs (>= 0).

    Returns:
        Probability of waiting in [0, 1] (a float for scalar inputs, else an array).

    Raises:
        QueueingInputError: an argument is negative, NaN or infinite.
    """
    n = _array(agents, "agents", low=0.0)
    a = _array(load, "load", low=0.0)
    scalar = _is_scalar(agents) and _is_scalar(load)
    nb, ab = np.broadcast_arrays(n, a)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore", under="ignore"):
        result = np.exp(_log_erlang_c(nb, ab, _log_inv_erlang_b(nb, ab)))
    return _float_out(result, scalar)


@overload
def service_level(
    agents: Scalar,
    rate_per_s: Scalar,
    aht_s: Scalar,
    target_s: Scalar,
    patience_s: Scalar | None = None,
) -> float: ...
@overload
def service_level(
    agents: ArrayLike,
    rate_per_s: ArrayLike,
    aht_s: ArrayLike,
    target_s: ArrayLike,
    patience_s: ArrayLike | None = None,
) -> FloatArray: ...
def service_level(
    agents: ArrayLike,
    rate_per_s: ArrayLike,
    aht_s: ArrayLike,
    target_s: ArrayLike,
    patience_s: ArrayLike | None = None,
) -> float | FloatArray:
    """Fraction of all arriving contacts answered within ``target_s`` seconds.

    Erlang C (no patience): SL = 1 - C(n, A) exp(-(n - A) T / aht) for n > A, 0 for n <= A.
    Erlang A (``patience_s`` given): the fraction of all arrivals answered within T, abandoners
    counting as not answered, SL = [q + X I(y, X + 1, T/p)] / (q + J) with the notation of
    Garnett, Mandelbaum & Reiman (2002) and Mandelbaum & Zeltyn: X = n p/aht, y = A p/aht,
    q = 1/B(n, A) - 1, J = X I(y, X, inf), I(y, c, S) = e^y y^-c [gamma(c, y) - gamma(c, y e^-S)]
    (lower incomplete gamma), all in log space. No load gives 1; no agents (with load) gives 0.

    Args:
        agents: number of agents n (>= 0).
        rate_per_s: arrival rate lambda, contacts per second (>= 0).
        aht_s: mean handle time, seconds (> 0).
        target_s: service-level threshold T, seconds (>= 0, may be inf).
        patience_s: mean exponential patience, seconds (> 0, inf per element = no abandonment);
            ``None`` for the Erlang C model.

    Returns:
        Service level in [0, 1] (a float for scalar inputs, else an array).

    Raises:
        QueueingInputError: an argument is out of its domain or NaN.
    """
    return _measure_public("sl", agents, rate_per_s, aht_s, target_s, patience_s)


@overload
def asa_s(
    agents: Scalar, rate_per_s: Scalar, aht_s: Scalar, *, patience_s: Scalar | None = None
) -> float: ...
@overload
def asa_s(
    agents: ArrayLike,
    rate_per_s: ArrayLike,
    aht_s: ArrayLike,
    *,
    patience_s: ArrayLike | None = None,
) -> FloatArray: ...
def asa_s(
    agents: ArrayLike,
    rate_per_s: ArrayLike,
    aht_s: ArrayLike,
    *,
    patience_s: ArrayLike | None = None,
) -> float | FloatArray:
    """Average speed of answer: mean wait of answered contacts (zero waits included), seconds.

    Erlang C: ASA = C(n, A) aht / (n - A) for n > A, inf for n <= A.
    Erlang A: ASA = E[W; answered] / P(answered) = p m K / (q + K), with K = X I(y, X + 1, inf)
    and m the mean of s under the density proportional to exp(y(1 - e^-s) - (X + 1) s), s > 0,
    computed by Gauss-Legendre quadrature (this mean has no incomplete-gamma closed form); the
    mean wait of all arrivals, abandoners included, is ``abandon_probability * patience_s`` by
    Little's law. No load gives 0; no agents (with load) gives inf.

    Args:
        agents: number of agents n (>= 0).
        rate_per_s: arrival rate, contacts per second (>= 0).
        aht_s: mean handle time, seconds (> 0).
        patience_s: mean exponential patience, seconds (> 0, may be inf); ``None`` = Erlang C.

    Returns:
        Mean wait of answered contacts in seconds (a float for scalar inputs, else an array).

    Raises:
        QueueingInputError: an argument is out of its domain or NaN.
    """
    return _measure_public("asa", agents, rate_per_s, aht_s, None, patience_s)


@overload
def abandon_probability(
    agents: Scalar, rate_per_s: Scalar, aht_s: Scalar, *, patience_s: Scalar | None = None
) -> float: ...
@overload
def abandon_probability(
    agents: ArrayLike,
    rate_per_s: ArrayLike,
    aht_s: ArrayLike,
    *,
    patience_s: ArrayLike | None = None,
) -> FloatArray: ...
def abandon_probability(
    agents: ArrayLike,
    rate_per_s: ArrayLike,
    aht_s: ArrayLike,
    *,
    patience_s: ArrayLike | None = None,
) -> float | FloatArray:
    """Probability that an arriving contact abandons before being answered.

    Erlang C (no patience): 0. Erlang A: P(Ab) = (J - K)/(q + J) = P(W > 0) (1/(rho J) + 1 -
    1/rho) (Garnett, Mandelbaum & Reiman 2002), with J, K, q as in :func:`service_level`; where
    J - K cancels it is integrated directly. Accurate to about 1e-15 absolutely (relative
    accuracy degrades only for abandonment far below 1e-6). No agents (with load) gives 1.

    Args:
        agents: number of agents n (>= 0).
        rate_per_s: arrival rate, contacts per second (>= 0).
        aht_s: mean handle time, seconds (> 0).
        patience_s: mean exponential patience, seconds (> 0, may be inf); ``None`` = Erlang C.

    Returns:
        Abandonment probability in [0, 1] (a float for scalar inputs, else an array).

    Raises:
        QueueingInputError: an argument is out of its domain or NaN.
    """
    return _measure_public("abandon", agents, rate_per_s, aht_s, None, patience_s)


@overload
def occupancy(
    agents: Scalar, rate_per_s: Scalar, aht_s: Scalar, *, patience_s: Scalar | None = None
) -> float: ...
@overload
def occupancy(
    agents: ArrayLike,
    rate_per_s: ArrayLike,
    aht_s: ArrayLike,
    *,
    patience_s: ArrayLike | None = None,
) -> FloatArray: ...
def occupancy(
    agents: ArrayLike,
    rate_per_s: ArrayLike,
    aht_s: ArrayLike,
    *,
    patience_s: ArrayLike | None = None,
) -> float | FloatArray:
    """Agent occupancy: carried load / agents.

    Erlang C: min(A, n)/n (1 when the queue is unstable). Erlang A: A (1 - P(Ab)) / n. No load
    gives 0; no agents with load gives 1 (the limit as n -> 0).

    Args:
        agents: number of agents n (>= 0).
        rate_per_s: arrival rate, contacts per second (>= 0).
        aht_s: mean handle time, seconds (> 0).
        patience_s: mean exponential patience, seconds (> 0, may be inf); ``None`` = Erlang C.

    Returns:
        Occupancy in [0, 1] (a float for scalar inputs, else an array).

    Raises:
        QueueingInputError: an argument is out of its domain or NaN.
    """
    return _measure_public("occupancy", agents, rate_per_s, aht_s, None, patience_s)


# ---------------------------------------------------------------------------------------------
# staffing solvers
# ---------------------------------------------------------------------------------------------


def _hw_beta(tau: FloatArray, k: float, const: FloatArray) -> FloatArray:
    """Solve log alpha(b) - b tau - k log b = const for b > 0 by Newton's method.

    alpha(b) = 1/(1 + b Phi(b)/phi(b)) is the Halfin-Whitt limit of P(wait) at n = A + b sqrt(A).
    Only a starting guess for the exact integer search.
    """
    b = np.ones_like(tau)
    for _ in range(5):  # quadratic convergence: 4 steps reach 1e-9 for the usual goals
        ratio = _SQRT_2PI * special.ndtr(b) * np.exp(0.5 * b * b)  # Phi(b)/phi(b)
        f = -np.log1p(b * ratio) - b * tau - k * np.log(b) - const
        fp = -(ratio + b + b * b * ratio) / (1.0 + b * ratio) - tau - k / b
        b = np.clip(b - f / fp, 1e-6, 30.0)
    return b


def _search(
    evaluate: Callable[[FloatArray, IntArray], tuple[BoolArray, FloatArray]],
    guess: IntArray,
    lower: IntArray,
    goal: str,
) -> IntArray:
    """Smallest integer n >= lower with meets(n) for each element (meets nondecreasing in n).

    ``evaluate(n, idx)`` returns, for the elements ``idx`` at counts ``n``, whether the goal is
    met and a signed gap (>= 0 where met, roughly linear in n: a log of the measure over the
    goal). Starts at ``guess``; each next count is the secant root of the last two gaps when
    that falls strictly inside the bracket still open (not twice running once both ends are
    known), else a gallop (steps 1, 2, 4, ... up or down) or a bisection. Only unresolved
    elements are evaluated. Raises if an element needs more than MAX_AGENTS.
    """
    size = guess.size
    lo = lower - 1  # largest count known (or taken) to fail
    hi = np.full(size, MAX_AGENTS + 1, dtype=np.int64)  # smallest count known to meet
    lo_known = np.zeros(size, dtype=bool)
    hi_known = np.zeros(size, dtype=bool)
    step = np.ones(size, dtype=np.int64)
    last_n = np.full(size, np.nan)
    last_gap = np.full(size, np.nan)
    secant_used = np.zeros(size, dtype=bool)
    probe = np.clip(guess, lower, MAX_AGENTS)
    idx = np.arange(size)
    first = True
    while idx.size:
        ok, gap = evaluate(probe.astype(np.float64), idx)
        hi[idx] = np.where(ok, probe, hi[idx])
        hi_known[idx] |= ok
        lo[idx] = np.where(ok, lo[idx], probe)
        lo_known[idx] |= ~ok
        if (~ok & (probe >= MAX_AGENTS)).any():
            raise QueueingInputError(
                f"{goal} cannot be met with {MAX_AGENTS:,} agents or fewer; check the goal"
            )
        root = probe - gap * (probe - last_n[idx]) / (gap - last_gap[idx])
        last_n[idx], last_gap[idx] = probe, gap
        if not first:  # gallop steps double while galloping, and start again after a secant
            step[idx] = np.where(secant_used[idx], 1, step[idx] * 2)
        first = False
        open_ = hi[idx] - lo[idx] > 1
        idx, root = idx[open_], root[open_]
        if not idx.size:
            break
        lo_i, hi_i = lo[idx], hi[idx]
        both = hi_known[idx] & lo_known[idx]
        up = ~hi_known[idx]
        down = hi_known[idx] & ~lo_known[idx]
        p = np.empty(idx.size, dtype=np.int64)
        p[up] = np.minimum(lo_i[up] + step[idx][up], MAX_AGENTS)
        p[down] = np.maximum(hi_i[down] - step[idx][down], lo_i[down] + 1)
        p[both] = (lo_i[both] + hi_i[both]) // 2
        candidate = np.ceil(np.clip(root, -1.0, MAX_AGENTS + 1.0) - 1e-9)
        use = (
            np.isfinite(root)
            & (candidate > lo_i)
            & (candidate < np.minimum(hi_i, MAX_AGENTS + 1))
            & ~(both & secant_used[idx])
        )
        p[use] = candidate[use].astype(np.int64)
        secant_used[idx] = use
        probe = p
    return hi


def _solve(
    kind: str,
    goal_value: FloatArray,
    rate: FloatArray,
    aht: FloatArray,
    patience: FloatArray,
    target: FloatArray,
    goal: str,
) -> IntArray:
    """Smallest integer agent count meeting one goal, element by element (1-d arrays)."""
    load = rate * aht
    size = load.size
    erlang_c = ~np.isfinite(patience)
    lower = np.zeros(size, dtype=np.int64)
    stable_floor = np.floor(load) + 1.0
    if (erlang_c & (load > 0) & (stable_floor > MAX_AGENTS)).any():
        raise QueueingInputError(f"offered load needs more than {MAX_AGENTS:,} agents")
    lower = np.where(erlang_c & (load > 0), stable_floor, 0.0).astype(np.int64)
    sqrt_a = np.sqrt(load)
    if kind == "sl":
        tau = sqrt_a * np.minimum(target, 1e6) / aht
        beta = _hw_beta(tau, 0.0, np.log1p(-goal_value))
        guess_f = load + beta * sqrt_a
    elif kind == "asa":
        const = np.log(goal_value * np.maximum(sqrt_a, 1e-12) / aht)
        beta = _hw_beta(np.zeros(size), 1.0, const)
        guess_f = load + beta * sqrt_a
    elif kind == "abandon":
        guess_f = load * (1.0 - goal_value)
    else:
        guess_f = load / goal_value
    guess = np.maximum(np.ceil(np.minimum(guess_f, MAX_AGENTS)).astype(np.int64), lower)

    def reached(value: FloatArray, goal_part: FloatArray) -> BoolArray:
        result: BoolArray = value >= goal_part if kind == "sl" else value <= goal_part
        return result

    answer = np.zeros(size, dtype=np.int64)
    todo = np.ones(size, dtype=bool)
    fast = np.flatnonzero(erlang_c & (load > 0)) if kind in ("sl", "asa") else np.arange(0)
    if fast.size:
        # Erlang C fast path: test the guess g exactly, then its neighbour (g - 1 if g meets,
        # g + 1 if not) from the guess's Erlang B by one step of the recursion
        # 1/B(n) = 1 + (n/A)/B(n - 1). Within 1e-9 of the goal the neighbour is left to the
        # exact search below, so every answer agrees with the public measure functions.
        g = guess[fast].astype(np.float64)
        a, h, t, goal_part = load[fast], aht[fast], target[fast], goal_value[fast]
        log_inv_b = _log_inv_erlang_b(g, a)
        ok = reached(_erlang_c_value(kind, g, a, h, t, log_inv_b), goal_part)
        nb = np.where(ok, g - 1.0, g + 1.0)
        up = np.logaddexp(0.0, np.log(nb / a) + log_inv_b)
        down = np.log(a / g) + _log_expm1(log_inv_b)
        value_nb = _erlang_c_value(kind, nb, a, h, t, np.where(ok, down, up))
        ok_nb = reached(value_nb, goal_part)
        clear = np.abs(value_nb - goal_part) > 1e-9 * goal_part
        at_floor = ok & (g <= lower[fast])
        done = at_floor | (clear & (ok != ok_nb))
        answer[fast[done]] = np.where(ok[done], g[done], nb[done]).astype(np.int64)
        todo[fast[done]] = False
    rest = np.flatnonzero(todo)
    if rest.size:

        def evaluate(n: FloatArray, idx: IntArray) -> tuple[BoolArray, FloatArray]:
            sel = rest[idx]
            value = _measure(kind, n, rate[sel], aht[sel], patience[sel], target[sel])
            goal_part = goal_value[sel]
            if kind == "sl":  # 1 - SL falls about geometrically with n
                gap = np.log1p(-goal_part) - np.log1p(-np.minimum(value, 1.0))
            else:
                gap = np.log(goal_part) - np.log(value)
            return reached(value, goal_part), gap

        answer[rest] = _search(evaluate, guess[rest], lower[rest], goal)
    return answer


@overload
def required_agents(
    rate_per_s: Scalar,
    aht_s: Scalar,
    *,
    service_level: Scalar | None = None,
    target_s: Scalar | None = None,
    asa_s: Scalar | None = None,
    abandon_rate: Scalar | None = None,
    max_occupancy: Scalar | None = None,
    patience_s: Scalar | None = None,
) -> int: ...
@overload
def required_agents(
    rate_per_s: ArrayLike,
    aht_s: ArrayLike,
    *,
    service_level: ArrayLike | None = None,
    target_s: ArrayLike | None = None,
    asa_s: ArrayLike | None = None,
    abandon_rate: ArrayLike | None = None,
    max_occupancy: ArrayLike | None = None,
    patience_s: ArrayLike | None = None,
) -> IntArray: ...
def required_agents(
    rate_per_s: ArrayLike,
    aht_s: ArrayLike,
    *,
    service_level: ArrayLike | None = None,
    target_s: ArrayLike | None = None,
    asa_s: ArrayLike | None = None,
    abandon_rate: ArrayLike | None = None,
    max_occupancy: ArrayLike | None = None,
    patience_s: ArrayLike | None = None,
) -> int | IntArray:
    """Smallest integer number of agents meeting every goal given, element by element.

    Goals: service level (``service_level`` within ``target_s``, as :func:`service_level`),
    ``asa_s`` (mean wait of answered contacts at most this), ``abandon_rate`` (abandonment
    probability at most this; needs ``patience_s``) and ``max_occupancy``. Each measure is
    monotone in n, so the answer is the largest of the per-goal minima; each minimum is exact:
    n meets the goal and n - 1 does not, as computed by the public measure functions. In the
    Erlang C model (no patience) n is also at least the smallest integer above the load (a
    stable queue). The search starts at the square-root staffing estimate n = A + b sqrt(A)
    (Halfin & Whitt) and walks exactly, vectorised, on the elements still open.

    Args:
        rate_per_s: arrival rate, contacts per second (>= 0).
        aht_s: mean handle time, seconds (> 0).
        service_level: fraction to answer within ``target_s``, in (0, 1).
        target_s: service-level threshold, seconds (>= 0); only with ``service_level``.
        asa_s: largest mean wait of answered contacts, seconds (> 0).
        abandon_rate: largest abandonment probability, in (0, 1).
        max_occupancy: largest occupancy, in (0, 1].
        patience_s: mean exponential patience, seconds (> 0, inf per element = none);
            ``None`` = Erlang C.

    Returns:
        Agent counts (an int for scalar inputs, else an int64 array).

    Raises:
        QueueingInputError: an argument is out of its domain, no goal is given, or a goal needs
            more than ``MAX_AGENTS`` agents.
    """
    values: list[object] = [rate_per_s, aht_s]
    rate = _array(rate_per_s, "rate_per_s", low=0.0)
    aht = _array(aht_s, "aht_s", low=0.0, low_open=True)
    if (service_level is None) != (target_s is None):
        raise QueueingInputError("service_level and target_s must be given together")
    goals: dict[str, FloatArray] = {}
    if service_level is not None and target_s is not None:
        values += [service_level, target_s]
        goals["sl"] = _array(
            service_level, "service_level", low=0.0, low_open=True, high=1.0, high_open=True
        )
        target = _array(target_s, "target_s", low=0.0, allow_inf=True)
    else:
        target = np.zeros(())
    if asa_s is not None:
        values.append(asa_s)
        goals["asa"] = _array(asa_s, "asa_s", low=0.0, low_open=True)
    if abandon_rate is not None:
        if patience_s is None:
            raise QueueingInputError("abandon_rate needs patience_s (without it nobody abandons)")
        values.append(abandon_rate)
        goals["abandon"] = _array(
            abandon_rate, "abandon_rate", low=0.0, low_open=True, high=1.0, high_open=True
        )
    if max_occupancy is not None:
        values.append(max_occupancy)
        goals["occupancy"] = _array(
            max_occupancy, "max_occupancy", low=0.0, low_open=True, high=1.0
        )
    if not goals:
        raise QueueingInputError(
            "give at least one goal: service_level, asa_s, abandon_rate or max_occupancy"
        )
    patience = np.full((), np.inf)
    if patience_s is not None:
        values.append(patience_s)
        patience = _array(patience_s, "patience_s", low=0.0, low_open=True, allow_inf=True)
    scalar = all(_is_scalar(v) for v in values)
    kinds = list(goals)
    arrays = np.broadcast_arrays(rate, aht, target, patience, *(goals[k] for k in kinds))
    shape = arrays[0].shape
    flat = [np.ascontiguousarray(a, dtype=np.float64).ravel() for a in arrays]
    names = {"sl": "service_level", "asa": "asa_s", "abandon": "abandon_rate"}
    result = np.zeros(flat[0].size, dtype=np.int64)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore", under="ignore"):
        for kind, goal_value in zip(kinds, flat[4:], strict=True):
            goal = names.get(kind, "max_occupancy")
            n = _solve(kind, goal_value, flat[0], flat[1], flat[3], flat[2], goal)
            result = np.maximum(result, n)
    return _int_out(result.reshape(shape), scalar)


@overload
def scheduled_from_required(required: Scalar, shrinkage: Scalar) -> int: ...
@overload
def scheduled_from_required(required: ArrayLike, shrinkage: ArrayLike) -> IntArray: ...
def scheduled_from_required(required: ArrayLike, shrinkage: ArrayLike) -> int | IntArray:
    """People to schedule so that ``required`` remain after shrinkage.

    scheduled = ceil(required / (1 - shrinkage)); a relative tolerance of 1e-12 absorbs
    floating-point noise (8 / (1 - 0.2) gives 10, not 11).

    Args:
        required: agents needed on the phones (>= 0, may be fractional).
        shrinkage: fraction of scheduled time lost to breaks, training, absence..., in [0, 1).

    Returns:
        People to schedule (an int for scalar inputs, else an int64 array).

    Raises:
        QueueingInputError: an argument is out of its domain.
    """
    req = _array(required, "required", low=0.0)
    shr = _array(shrinkage, "shrinkage", low=0.0, high=1.0, high_open=True)
    raw = req / (1.0 - shr)
    result = np.ceil(raw * (1.0 - 1e-12)).astype(np.int64)
    return _int_out(result, _is_scalar(required) and _is_scalar(shrinkage))


@overload
def chat_required_agents(
    rate_per_s: Scalar,
    aht_s: Scalar,
    concurrency: int,
    *,
    service_level: Scalar,
    target_s: Scalar,
    aht_growth: Scalar = 0.0,
) -> int: ...
@overload
def chat_required_agents(
    rate_per_s: ArrayLike,
    aht_s: ArrayLike,
    concurrency: ArrayLike,
    *,
    service_level: ArrayLike,
    target_s: ArrayLike,
    aht_growth: ArrayLike = 0.0,
) -> IntArray: ...
def chat_required_agents(
    rate_per_s: ArrayLike,
    aht_s: ArrayLike,
    concurrency: ArrayLike,
    *,
    service_level: ArrayLike,
    target_s: ArrayLike,
    aht_growth: ArrayLike = 0.0,
) -> int | IntArray:
    """Agents for a chat queue where an agent handles up to ``concurrency`` sessions at once.

    Model (a slot model, stated as assumptions): an agent is k = ``concurrency`` slots; a
    session handled alongside j - 1 others takes aht_s (1 + g (j - 1)) with g = ``aht_growth``,
    and slots are sized at full concurrency, so each slot is an M/M/1-like server with handle
    time h_k = aht_s (1 + g (k - 1)). The slots form an Erlang C M/M/m system with load
    lambda h_k; m is the smallest slot count meeting the service level (as
    :func:`required_agents`) and the agents are ceil(m / k). Sizing at full concurrency is
    conservative when agents often run below k sessions. With the default g = 0, ``aht_s``
    should be the handle time measured at the usual concurrency.

    Args:
        rate_per_s: session arrival rate per second (>= 0).
        aht_s: handle time of a session handled alone, seconds (> 0).
        concurrency: most sessions per agent, an integer >= 1.
        service_level: fraction to answer within ``target_s``, in (0, 1).
        target_s: service-level threshold, seconds (>= 0).
        aht_growth: relative handle-time growth per extra concurrent session (>= 0).

    Returns:
        Agents (an int for scalar inputs, else an int64 array).

    Raises:
        QueueingInputError: an argument is out of its domain.
    """
    conc = _array(concurrency, "concurrency", low=1.0)
    if (conc != np.round(conc)).any():
        raise QueueingInputError("concurrency must be a whole number of sessions")
    growth = _array(aht_growth, "aht_growth", low=0.0)
    aht = _array(aht_s, "aht_s", low=0.0, low_open=True)
    slot_aht = aht * (1.0 + growth * (conc - 1.0))
    slots = required_agents(
        np.asarray(rate_per_s, dtype=np.float64),
        slot_aht,
        service_level=np.asarray(service_level, dtype=np.float64),
        target_s=np.asarray(target_s, dtype=np.float64),
    )
    agents = -((-slots) // conc.astype(np.int64))  # ceil(slots / k) in integers
    scalar = all(
        _is_scalar(v) for v in (rate_per_s, aht_s, concurrency, service_level, target_s, aht_growth)
    )
    return _int_out(agents, scalar)


def deferred_required_agents(
    arrivals_per_interval: ArrayLike,
    aht_s: ArrayLike,
    interval_s: float,
    deadline_s: float,
    backlog0: float = 0.0,
) -> FloatArray:
    """Agents per interval so that every deferred item (email, message) meets its deadline.

    Fluid FIFO model. Arrivals of interval i (``arrivals_per_interval[i]`` items of
    ``aht_s`` seconds of work each, ``aht_s`` a number or one per interval) come uniformly over
    the interval; ``backlog0`` items (of the first interval's handle time) are waiting at time 0.
    An item arriving at u is due at u + D, D = ``deadline_s``; work due by time s is
    Due(s) = Arr(s - D), Arr the cumulative work arrived. Capacity is c_i agents working the
    whole of interval i. Going forward in time, c_i is the smallest constant rate with
    Done(s) >= Due(s) at every s in the interval, given the work done before it:
    c_i = max over s in (start_i, end_i] of (Due(s) - Done_i)/(s - start_i), attained at the
    interval end or at the one break point start_i + (D mod interval_s). The FIFO queue then
    completes Done_{i+1} = min(Done_i + c_i interval_s, Arr(end_i)). This just-in-time plan
    never works ahead, so it has the least cumulative work done at every instant; work that
    falls due after the last interval is left for later intervals (give a longer horizon).

    Args:
        arrivals_per_interval: items arriving in each interval (>= 0), one-dimensional.
        aht_s: handle time per item, seconds (> 0), a number or one per interval.
        interval_s: interval length, seconds (> 0).
        deadline_s: response-time deadline from arrival, seconds (> 0).
        backlog0: items already waiting at the start (>= 0), due at ``deadline_s``.

    Returns:
        Agents needed in each interval (fractional agent-equivalents; a float array).

    Raises:
        QueueingInputError: an argument is out of its domain.
    """
    arrivals = _array(arrivals_per_interval, "arrivals_per_interval", low=0.0)
    if arrivals.ndim != 1:
        raise QueueingInputError("arrivals_per_interval must be one-dimensional")
    aht = _array(aht_s, "aht_s", low=0.0, low_open=True)
    if aht.ndim > 1 or (aht.ndim == 1 and aht.size != arrivals.size):
        raise QueueingInputError("aht_s must be a number or one value per interval")
    step = float(_array(interval_s, "interval_s", low=0.0, low_open=True))
    deadline = float(_array(deadline_s, "deadline_s", low=0.0, low_open=True))
    backlog = float(_array(backlog0, "backlog0", low=0.0))
    count = arrivals.size
    work = arrivals * np.broadcast_to(aht, arrivals.shape)
    backlog_work = backlog * float(np.broadcast_to(aht, arrivals.shape)[0]) if count else 0.0
    cumulative = np.concatenate([[0.0], np.cumsum(work)]) + backlog_work

    def arrived(s: float) -> float:
        """Arr(s): work arrived by time s (the backlog at s = 0, uniform within intervals)."""
        if s < 0.0:
            return 0.0
        k = min(int(s // step), count)
        if k >= count:
            return float(cumulative[count])
        return float(cumulative[k] + work[k] * (s - k * step) / step)

    offset = math.fmod(deadline, step)
    done = 0.0
    out = np.zeros(count)
    for i in range(count):
        start, end = i * step, (i + 1) * step
        points = [end] if offset == 0.0 else [start + offset, end]
        rate = 0.0
        for s in points:
            rate = max(rate, (arrived(s - deadline) - done) / (s - start))
        out[i] = rate  # seconds of work per second = agents
        done = min(done + rate * step, arrived(end))
    return out
