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

from ccops.engines.queueing.erlang import (
    MAX_AGENTS,
    QueueingInputError,
    abandon_probability,
    asa_s,
    erlang_b,
    erlang_c,
    occupancy,
    service_level,
)
from ccops.engines.queueing.staffing import (
    chat_required_agents,
    deferred_required_agents,
    required_agents,
    scheduled_from_required,
)

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
