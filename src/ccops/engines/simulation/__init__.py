"""Discrete-event contact-centre simulation: time-varying load, abandonment, multi-skill routing.

The model, in the words of the queueing literature:

* **Arrivals** are a non-homogeneous Poisson process per queue with a rate that is piecewise
  constant over intervals of ``interval_s`` seconds (``arrival_rate_per_s`` per queue and
  interval). Each interval's count is Poisson(rate x interval_s) and, given the count, the
  arrival times are independent and uniform over the interval (the order-statistics property of
  the Poisson process), which is exact.
* **Handle times** belong to the contact and are drawn when it arrives: exponential with mean
  ``aht_s`` (``handle_cv=None``) or lognormal with mean ``aht_s`` and coefficient of variation
  ``handle_cv`` (sigma^2 = ln(1 + cv^2), mu = ln(aht) - sigma^2 / 2). ``aht_s`` may vary by the
  interval of arrival.
* **Patience** (time a caller is willing to wait) is infinite (``patience_s=None``), exponential
  with mean ``patience_s`` (a number: the M/M/n+M "Erlang A" model) or drawn with replacement
  from an empirical sample (a one-dimensional array of seconds).
* **Staffing** is given per agent group and interval. At each interval boundary agents log in or
  out; an agent scheduled off while on a contact finishes that contact first and then logs out.
  Agents of a group are numbered by slot; the slots ``0 .. staffing - 1`` are scheduled on (so a
  cut logs out the highest slots, busy or not). Agents logging in take waiting work at once, in
  group order, then slot order.
* **Routing** (multi-skill). Each agent group has a skill map ``{queue name: priority}`` where a
  smaller number is a higher priority. When an agent frees it takes the oldest waiting contact of
  its highest-priority non-empty queues (FCFS within a queue; across queues of equal priority the
  oldest contact wins). An arriving contact goes to a free agent with the skill, preferring
  agents for whom the queue has the best priority rank (rank 0 = the group's highest priority),
  then the agent who has been idle longest (remaining ties: group order, then slot).
* **Events at the same instant** are processed in this order: interval boundary (staffing),
  service completions, arrivals.
* **Horizon.** Arrivals occur in ``[0, horizon_s)`` with ``horizon_s = n_intervals x
  interval_s``. The run stops at the horizon: contacts in service finish their handle time (their
  ``end_s`` and the agent's ``on_contact`` span may pass the horizon), contacts whose patience ran
  out before the horizon are abandoned, and the rest are still waiting (outcome ``other``).

Abandonment is handled lazily, which is exact: an agent looking at a queue drops from its head
every contact whose deadline (arrival + patience) has passed; such a contact abandoned at its
deadline and never occupied an agent, so who is served, and when, is unchanged. All random
numbers are drawn vectorised before the event loop, so a seed fixes the whole run.

Output is columnar (:class:`ContactRecords`, :class:`AgentStateSpans`), shaped like the imported
contact records and agent-state events (outcome and state codes name the values of
``ccops.enums.Outcome`` and ``ccops.enums.AgentState``). :func:`kpis` summarises one run with
batch-means confidence intervals; :func:`replicate` runs independent replications.
"""

from __future__ import annotations

from ccops.engines.simulation.estimates import (
    Estimate,
    GroupKpis,
    KpiSummary,
    QueueKpis,
    kpis,
    replicate,
)
from ccops.engines.simulation.run import (
    AgentStateSpans,
    ContactRecords,
    SimulationResult,
    simulate,
    simulate_trace,
)
from ccops.engines.simulation.scenario import (
    ABANDONED,
    ANSWERED,
    AVAILABLE,
    OFFLINE,
    ON_CONTACT,
    OTHER,
    OUTCOME_NAMES,
    STATE_NAMES,
    AgentGroup,
    QueueSpec,
    Scenario,
)

__all__ = [
    "ABANDONED",
    "ANSWERED",
    "AVAILABLE",
    "OFFLINE",
    "ON_CONTACT",
    "OTHER",
    "OUTCOME_NAMES",
    "STATE_NAMES",
    "AgentGroup",
    "AgentStateSpans",
    "ContactRecords",
    "Estimate",
    "GroupKpis",
    "KpiSummary",
    "QueueKpis",
    "QueueSpec",
    "Scenario",
    "SimulationResult",
    "kpis",
    "replicate",
    "simulate",
    "simulate_trace",
]
