"""`ccops staffing` and `ccops simulate`: agents needed for a load, and a simulated check of it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ccops.cli_support import handle_errors, pct, print_json, print_table
from ccops.wfm.staffing import schemas

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@handle_errors
def staffing(
    calls: Annotated[float, typer.Option(help="Contacts offered in the interval")],
    aht_s: Annotated[float, typer.Option(help="Average handle time, seconds")],
    interval_s: Annotated[float, typer.Option(help="Interval length, seconds")] = 1800,
    target_s: Annotated[float | None, typer.Option(help="Service-level threshold T, s")] = None,
    service_level: Annotated[float | None, typer.Option(help="Goal: fraction within T")] = None,
    asa: Annotated[
        float | None, typer.Option("--asa-s", help="Goal: average speed of answer")
    ] = None,
    abandon_rate: Annotated[float | None, typer.Option(help="Goal: abandonment fraction")] = None,
    max_occupancy: Annotated[float | None, typer.Option(help="Occupancy cap, fraction")] = None,
    patience_s: Annotated[float | None, typer.Option(help="Mean patience: Erlang A")] = None,
    shrinkage: Annotated[float, typer.Option(help="Share of paid time off the queue")] = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """Agents needed for one interval (Erlang C, or Erlang A with --patience-s)."""
    data = schemas.StaffingIn(
        calls=calls,
        interval_s=interval_s,
        aht_s=aht_s,
        target_s=target_s,
        service_level=service_level,
        asa_s=asa,
        abandon_rate=abandon_rate,
        max_occupancy=max_occupancy,
        patience_s=patience_s,
        shrinkage=shrinkage,
    )
    from ccops.wfm.staffing import service as staffing_service

    out = staffing_service.staffing(data=data)
    if as_json:
        print_json(out.model_dump(mode="json", exclude={"table"}))
        return
    rows = [
        {
            "agents": f"{r.agents} ←" if r.agents == out.agents else r.agents,
            "service level": pct(r.service_level),
            "ASA s": "∞" if r.asa_s is None else f"{r.asa_s:.1f}",
            "abandoned": pct(r.abandon_rate),
            "occupancy": pct(r.occupancy),
            "meets goals": "yes" if r.meets_goals else "no",
        }
        for r in out.table
    ]
    print_table(
        f"{out.model}, load {out.load_erlangs:.2f} erlangs: {out.agents} agents on the queue, "
        f"{out.scheduled} to schedule at {shrinkage:.0%} shrinkage",
        rows,
        ["agents", "service level", "ASA s", "abandoned", "occupancy", "meets goals"],
    )


@handle_errors
def simulate(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (TOML)")],
    as_json: JsonOpt = False,
) -> None:
    """Simulate a scenario file and print KPIs with confidence intervals."""
    from ccops.wfm.staffing import service as staffing_service

    out = staffing_service.simulate_file(path=scenario)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return

    def ci(e: schemas.EstimateOut, pct: bool) -> str:
        if e.value is None:
            return ""

        def fmt(x: float | None) -> str:
            return "?" if x is None else (f"{x:.1%}" if pct else f"{x:.1f}")

        return f"{fmt(e.value)} [{fmt(e.low)}, {fmt(e.high)}]"

    rows = [
        {
            "queue": q.queue,
            "offered": q.offered,
            "service level": ci(q.service_level, True),
            "ASA s": ci(q.asa_s, False),
            "abandoned": ci(q.abandon_rate, True),
            "occupancy": ci(q.occupancy, True),
        }
        for q in out.queues
    ]
    print_table(
        f"{out.replications} {out.method}, {out.confidence:.0%} intervals, "
        f"service level within {out.target_s:g} s (abandons count against)",
        rows,
        ["queue", "offered", "service level", "ASA s", "abandoned", "occupancy"],
    )
