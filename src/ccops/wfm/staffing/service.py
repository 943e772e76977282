"""Staffing and simulation use cases on top of the pure engines."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

import numpy as np

from ccops.engines import queueing
from ccops.engines import simulation as sim
from ccops.errors import Invalid, NotFound, Problem
from ccops.wfm.staffing import schemas


def _row(data: schemas.StaffingIn, agents: int) -> schemas.StaffingRow:
    rate, aht, patience = data.rate_per_s, data.aht_s, data.patience_s
    sl = (
        float(queueing.service_level(agents, rate, aht, data.target_s, patience_s=patience))
        if data.target_s is not None
        else None
    )
    asa = float(queueing.asa_s(agents, rate, aht, patience_s=patience))
    aband = float(queueing.abandon_probability(agents, rate, aht, patience_s=patience))
    occ = float(queueing.occupancy(agents, rate, aht, patience_s=patience))
    meets = (
        (data.service_level is None or (sl is not None and sl >= data.service_level))
        and (data.asa_s is None or asa <= data.asa_s)
        and (data.abandon_rate is None or aband <= data.abandon_rate)
        and (data.max_occupancy is None or occ <= data.max_occupancy)
    )
    return schemas.StaffingRow(
        agents=agents,
        service_level=sl,
        # JSON has no infinity: an unbounded wait is sent as null, as the schema says.
        asa_s=asa if math.isfinite(asa) else None,
        abandon_rate=aband,
        occupancy=occ,
        meets_goals=meets,
    )


def staffing(*, data: schemas.StaffingIn) -> schemas.StaffingOut:
    """Return the fewest agents that meet every goal, with a table from n-2 to n+3."""
    try:
        agents = int(
            queueing.required_agents(
                data.rate_per_s,
                data.aht_s,
                service_level=data.service_level,
                target_s=data.target_s,
                asa_s=data.asa_s,
                abandon_rate=data.abandon_rate,
                max_occupancy=data.max_occupancy,
                patience_s=data.patience_s,
            )
        )
    except queueing.QueueingInputError as exc:
        raise Invalid(str(exc), [Problem(str(exc))]) from None
    table = [_row(data, n) for n in range(max(agents - 2, 0), agents + 4)]
    at = next(r for r in table if r.agents == agents)
    return schemas.StaffingOut(
        model="Erlang A (M/M/n+M)" if data.patience_s else "Erlang C (M/M/n)",
        load_erlangs=data.rate_per_s * data.aht_s,
        agents=agents,
        scheduled=int(queueing.scheduled_from_required(agents, data.shrinkage)),
        service_level=at.service_level,
        asa_s=at.asa_s,
        abandon_rate=at.abandon_rate,
        occupancy=at.occupancy,
        table=table,
    )


def staffing_intervals(*, data: schemas.StaffingSeriesIn) -> schemas.StaffingSeriesOut:
    """Return the agents each interval of a series needs (vectorised over the whole series)."""
    # A huge count over a short interval overflows to infinity: refuse it as the single-interval
    # calculator does, without numpy's overflow warning (an error under warnings-as-errors).
    with np.errstate(over="ignore"):
        rate = np.asarray(data.calls, dtype=float) / data.interval_s
    if not np.isfinite(rate).all():
        raise Invalid(
            "calls / interval_s is too large",
            [Problem("too many contacts for the interval length", field="calls")],
        )
    aht = np.asarray(data.aht_s if isinstance(data.aht_s, list) else [data.aht_s], dtype=float)
    if aht.size not in (1, rate.size):
        raise Invalid(
            f"aht_s has {aht.size} values for {rate.size} intervals",
            [Problem("length differs from calls", field="aht_s")],
        )
    try:
        agents = queueing.required_agents(
            rate,
            aht,
            service_level=data.service_level,
            target_s=data.target_s,
            asa_s=data.asa_s,
            abandon_rate=data.abandon_rate,
            max_occupancy=data.max_occupancy,
            patience_s=data.patience_s,
        )
    except queueing.QueueingInputError as exc:
        raise Invalid(str(exc), [Problem(str(exc))]) from None
    agents_arr = np.atleast_1d(np.asarray(agents, dtype=np.int64))
    scheduled = np.atleast_1d(
        np.asarray(queueing.scheduled_from_required(agents_arr, data.shrinkage), dtype=np.int64)
    )
    return schemas.StaffingSeriesOut(
        agents=[int(x) for x in agents_arr], scheduled=[int(x) for x in scheduled]
    )


def _estimate(e: sim.Estimate) -> schemas.EstimateOut:
    def clean(x: float) -> float | None:
        return float(x) if math.isfinite(x) else None

    return schemas.EstimateOut(value=clean(e.value), low=clean(e.low), high=clean(e.high))


def _scenario_from(doc: dict[str, Any], file: str) -> tuple[sim.Scenario, dict[str, Any]]:
    """Build a Scenario from a parsed TOML document, naming the key at fault on error."""
    interval_s = float(doc.get("interval_s", 900))
    queues_doc = doc.get("queue")
    groups_doc = doc.get("group")
    if not isinstance(queues_doc, list) or not queues_doc:
        raise Invalid(f"{file}: no [[queue]] table", [Problem("missing", "queue", file=file)])
    if not isinstance(groups_doc, list) or not groups_doc:
        raise Invalid(f"{file}: no [[group]] table", [Problem("missing", "group", file=file)])
    queues = []
    for i, q in enumerate(queues_doc):
        where = f"queue[{i}]"
        if "calls_per_interval" in q:
            rate = np.asarray(q["calls_per_interval"], dtype=float) / interval_s
        elif "arrival_rate_per_s" in q:
            rate = np.asarray(q["arrival_rate_per_s"], dtype=float)
        else:
            raise Invalid(
                f"{file}: {where} needs calls_per_interval or arrival_rate_per_s",
                [Problem("missing arrivals", field=where, file=file)],
            )
        queues.append(
            sim.QueueSpec(
                name=str(q.get("name", "")),
                arrival_rate_per_s=rate,
                aht_s=q.get("aht_s", 0),
                handle_cv=q.get("handle_cv"),
                patience_s=q.get("patience_s"),
            )
        )
    groups = [
        sim.AgentGroup(str(g.get("name", "")), dict(g.get("skills", {})), g.get("staffing", 0))
        for g in groups_doc
    ]
    scenario = sim.Scenario(
        queues=queues,
        agent_groups=groups,
        interval_s=interval_s,
        n_intervals=doc.get("n_intervals"),
    )
    return scenario, doc


def simulate_file(*, path: Path) -> schemas.SimulationOut:
    """Run the scenario in a TOML file and return KPIs with confidence intervals."""
    if not path.exists():
        raise NotFound(f"{path}: no such scenario file", [Problem("missing", file=str(path))])
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise Invalid(
            f"{path}: not a TOML file: {exc}", [Problem(str(exc), file=str(path))]
        ) from None
    return simulate_document(doc=doc, name=str(path))


MAX_SIM_INTERVALS = 10_000
"""Intervals one simulated scenario may have (over three months of 15-minute intervals)."""


def simulated_arrivals(scenario: sim.Scenario) -> float:
    """The contacts a scenario's arrival rates make in one replication, on average."""
    n = scenario.intervals
    return float(
        sum(
            np.broadcast_to(np.asarray(q.arrival_rate_per_s, dtype=float), (n,)).sum()
            for q in scenario.queues
        )
        * scenario.interval_s
    )


def _check_size(doc: dict[str, Any]) -> None:
    n = doc.get("n_intervals")
    if isinstance(n, int | float) and not isinstance(n, bool) and n > MAX_SIM_INTERVALS:
        raise ValueError(f"n_intervals must be at most {MAX_SIM_INTERVALS}, got {n}")


def simulate_document(
    *, doc: dict[str, Any], name: str, max_arrivals: int | None = None
) -> schemas.SimulationOut:
    """Run a scenario given as a parsed document (TOML file or JSON body); ``name`` locates it.

    ``max_arrivals`` caps the contacts simulated over every replication (a web request's
    setting; the CLI runs what it is given): a larger scenario is refused before it runs.
    """
    try:
        _check_size(doc)
        scenario, _ = _scenario_from(doc, name)
        reps = int(doc.get("replications", 10))
        target_s = float(doc.get("target_s", 20))
        if not 2 <= reps <= 1000:
            raise ValueError("replications must be between 2 and 1000")
        if not math.isfinite(target_s) or target_s < 0:
            raise ValueError(f"target_s must be a finite number of seconds >= 0, got {target_s}")
        expected = simulated_arrivals(scenario) * reps
        if not math.isfinite(expected):
            raise ValueError("the arrival rates must be finite numbers")
        if max_arrivals is not None and expected > max_arrivals:
            raise ValueError(
                f"the scenario would simulate about {expected:,.0f} contacts "
                f"({reps} replications); one request may simulate at most {max_arrivals:,}: "
                "use fewer intervals, lower rates or fewer replications"
            )
        summary = sim.replicate(
            scenario,
            reps,
            int(doc.get("seed", 1)),
            target_s=target_s,
            warmup_s=float(doc.get("warmup_s", 0)),
        )
    except (ValueError, TypeError) as exc:
        raise Invalid(f"{name}: {exc}", [Problem(str(exc), file=name)]) from None
    return schemas.SimulationOut(
        method=summary.method,
        replications=summary.n_batches,
        confidence=summary.confidence,
        target_s=summary.target_s,
        queues=[
            schemas.SimulatedQueue(
                queue=q.queue,
                offered=q.offered,
                answered=q.answered,
                abandoned=q.abandoned,
                service_level=_estimate(q.service_level),
                asa_s=_estimate(q.asa_s),
                abandon_rate=_estimate(q.abandon_rate),
                occupancy=_estimate(q.occupancy),
            )
            for q in (*summary.queues, summary.overall)
        ],
    )
