"""Erlang B, C and A (M/M/n+M) measures in log space: blocking, waiting, service level, ASA,
abandonment and occupancy; input handling shared with the staffing solvers."""

from __future__ import annotations

import math
from typing import Any, Final, TypeAlias, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

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
