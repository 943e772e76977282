"""`ccops value set|assumptions|summary|monthly|whatif`: the value model from the command line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from ccops.cli_support import console, day_option, handle_errors, print_json, print_table, who
from ccops.value import schemas

if TYPE_CHECKING:
    from ccops.metrics.service import KpiSource

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

value_app = typer.Typer(
    help="What service is worth in money: assumptions, summary, what-if and ROI.",
    no_args_is_help=True,
)


@contextmanager
def _source() -> Iterator[KpiSource]:
    from ccops.metrics import service as kpi_service
    from ccops.runtime import session_factory
    from ccops.settings import get_settings

    settings = get_settings()
    session_factory(settings)  # refuses an unmigrated database with a clear message
    with kpi_service.source_for_database(settings.resolved_database_url()) as source:
        yield source


def _money(x: float | None, currency: str = "") -> str:
    """A money amount to 3 significant figures (no false precision)."""
    if x is None:
        return ""
    return f"{float(f'{x:.3g}'):,.0f} {currency}".strip() if abs(x) >= 100 else f"{x:.3g}"


@value_app.command("set")
@handle_errors
def set_assumption(
    key: Annotated[str, typer.Argument(help="Assumption key, e.g. cost_per_agent_hour")],
    value: Annotated[float, typer.Argument(help="Stated value")],
    site: Annotated[str, typer.Option(help="Site")],
    source: Annotated[str, typer.Option(help="Where the figure comes from")],
    queue: Annotated[str | None, typer.Option(help="Only this queue of the site")] = None,
    low: Annotated[float | None, typer.Option(help="Low end of the range")] = None,
    high: Annotated[float | None, typer.Option(help="High end of the range")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Set one assumption of a site or queue, with its range and source."""
    from ccops.org.access import EVERYTHING
    from ccops.runtime import unit_of_work
    from ccops.value import service as value_service

    data = schemas.AssumptionIn(
        site=site, queue=queue, key=key, value=value, low=low, high=high, source=source
    )
    with unit_of_work() as s:
        out = value_service.set_assumption(session=s, data=data, set_by=who(), scope=EVERYTHING)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    console.print(
        f"{out.site}{' / ' + out.queue if out.queue else ''}: {out.key} = {out.value:g} "
        f"({out.low:g} to {out.high:g} {out.unit}), source: {out.source}",
        highlight=False,
    )


@value_app.command("assumptions")
@handle_errors
def assumptions(
    site: Annotated[str | None, typer.Option(help="Only this site")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the stated assumptions with who set them and when."""
    from ccops.org.access import EVERYTHING
    from ccops.runtime import unit_of_work
    from ccops.value import service as value_service

    with unit_of_work() as s:
        rows = value_service.list_assumptions(session=s, scope=EVERYTHING, site=site)
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        "Value model assumptions",
        [
            {
                "site": r.site,
                "queue": r.queue or "(site)",
                "key": r.key,
                "value": f"{r.value:g}",
                "range": f"{r.low:g} to {r.high:g}",
                "unit": r.unit,
                "source": r.source,
                "set by": r.set_by,
                "set at": r.set_at.strftime("%Y-%m-%d %H:%M"),
            }
            for r in rows
        ],
        ["site", "queue", "key", "value", "range", "unit", "source", "set by", "set at"],
    )


@value_app.command("summary")
@handle_errors
def summary(
    site: Annotated[str | None, typer.Option(help="Only this site")] = None,
    last: Annotated[str | None, typer.Option(help="Last day (YYYY-MM-DD; default latest)")] = None,
    day: Annotated[str | None, typer.Option(help="Day to cost (default: last Monday)")] = None,
    days: Annotated[int, typer.Option(help="Days in the period")] = 28,
    as_json: JsonOpt = False,
) -> None:
    """What each queue's service cost and earned, and one day's abandon cost."""
    from ccops.org.access import EVERYTHING
    from ccops.runtime import unit_of_work
    from ccops.value import service as value_service

    with _source() as source, unit_of_work() as s:
        out = value_service.summary(
            session=s,
            source=source,
            scope=EVERYTHING,
            site=site,
            last=_date(last, "--last"),
            day=_date(day, "--day"),
            days=days,
        )
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    print_table(
        f"Value of service {out.first} to {out.last}",
        [
            {
                "queue": q.queue,
                "offered": q.offered,
                "abandoned": q.abandoned,
                "staff cost": _range(q.money.get("staff_cost"), q.currency),
                "cost/contact": _range(q.money.get("cost_per_contact"), q.currency),
                "revenue": _range(q.money.get("revenue"), q.currency),
                "money lost": _range(q.money.get("money_lost"), q.currency),
                "missing": ", ".join(q.missing),
            }
            for q in out.queues
        ],
        [
            "queue",
            "offered",
            "abandoned",
            "staff cost",
            "cost/contact",
            "revenue",
            "money lost",
            "missing",
        ],
    )
    print_table(
        f"What {out.day} ({out.day:%A}) cost beyond a normal {out.day:%A}",
        [
            {
                "queue": c.queue,
                "offered": c.offered,
                "abandoned": c.abandoned,
                "normal rate": ""
                if c.normal_abandon_rate is None
                else f"{c.normal_abandon_rate:.1%}",
                "excess abandons": f"{c.excess_abandoned:.0f}",
                "cost": _range(c.cost),
            }
            for c in out.day_costs
        ],
        ["queue", "offered", "abandoned", "normal rate", "excess abandons", "cost"],
    )


@value_app.command("monthly")
@handle_errors
def monthly(
    site: Annotated[str | None, typer.Option(help="Only this site")] = None,
    first: Annotated[
        str | None, typer.Option("--from", help="First day (YYYY-MM-DD; default 12 months back)")
    ] = None,
    last: Annotated[
        str | None, typer.Option("--to", help="Last day (YYYY-MM-DD; default latest contacts)")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """The summary's figures per calendar month, per currency, partial months marked."""
    from calendar import monthrange

    from ccops.org.access import EVERYTHING
    from ccops.runtime import unit_of_work
    from ccops.value import service as value_service

    with _source() as source, unit_of_work() as s:
        out = value_service.monthly(
            session=s,
            source=source,
            scope=EVERYTHING,
            site=site,
            first=_date(first, "--from"),
            last=_date(last, "--to"),
        )
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    keys = ("staff_cost", "revenue", "money_lost", "contribution")
    rows = [
        {
            "month": m.month + ("*" if m.partial else ""),
            "days": f"{m.days}/{monthrange(m.first.year, m.first.month)[1]}",
            "currency": currency or "-",
            "offered": sum(q.offered for q in m.queues if q.currency == currency),
            **{k.replace("_", " "): _compact(figures.get(k)) for k in keys},
        }
        for m in out.months
        for currency, figures in sorted(m.totals.items())
    ]
    columns = ["month", "days", "currency", "offered", *(k.replace("_", " ") for k in keys)]
    print_table(f"Value of service per month, {out.first} to {out.last}", rows, columns)
    if any(m.partial for m in out.months):
        console.print("* partial month: only the days shown count; compare it with care")
    console.print("money in each row's currency ('-': none set), ranges 5th to 95th percentile")
    for note in out.notes:
        console.print(note)


def _compact(f: schemas.Figure | None) -> str:
    """A figure and its range in few characters: 57.1 (53.8-65.4)."""
    return "" if f is None else f"{_money(f.value)} ({_money(f.low)}-{_money(f.high)})"


def _range(f: schemas.Figure | None, currency: str = "") -> str:
    if f is None:
        return ""
    return f"{_money(f.value, currency)} ({_money(f.low)} to {_money(f.high)})"


def _date(text: str | None, option: str) -> date | None:
    return day_option(text, option)


@value_app.command("whatif")
@handle_errors
def whatif(
    queue: Annotated[str, typer.Option(help="Queue")],
    add_agents: Annotated[int, typer.Option(help="Agents added (negative: removed) per hour")] = 0,
    aht_change: Annotated[float, typer.Option(help="AHT change, -0.1 = 10% lower")] = 0.0,
    fcr_change: Annotated[float, typer.Option(help="FCR change, 0.05 = +5 points")] = 0.0,
    attrition_change: Annotated[
        float,
        typer.Option(help="Annual attrition change, -0.05 = 5 points fewer leavers (-0.5..0.5)"),
    ] = 0.0,
    deflection: Annotated[
        float, typer.Option(help="Share of offered contacts removed before the queue (0..0.9)")
    ] = 0.0,
    system_name: Annotated[
        str | None, typer.Option(help="The system bought (its price: --upfront, --monthly-cost)")
    ] = None,
    upfront: Annotated[float, typer.Option(help="One-off cost of the investment")] = 0.0,
    monthly_cost: Annotated[float, typer.Option(help="Cost a month (licence)")] = 0.0,
    horizon_months: Annotated[int, typer.Option(help="Months the return is counted")] = 12,
    discount_rate: Annotated[float, typer.Option(help="Annual discount rate")] = 0.08,
    days: Annotated[int, typer.Option(help="Days of history representing a month")] = 28,
    save: Annotated[
        str | None, typer.Option(help="Save the scenario under this name to compare later")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Baseline against a scenario on a queue and the return of the investment."""
    from ccops.org.access import EVERYTHING
    from ccops.runtime import unit_of_work
    from ccops.value import service as value_service

    data = schemas.WhatIfIn(
        queue=queue,
        add_agents=add_agents,
        aht_change=aht_change,
        fcr_change=fcr_change,
        attrition_change=attrition_change,
        deflection=deflection,
        system_name=system_name,
        upfront=upfront,
        monthly_cost=monthly_cost,
        horizon_months=horizon_months,
        discount_rate=discount_rate,
        days=days,
    )
    with _source() as source, unit_of_work() as s:
        if save is None:
            out = value_service.whatif(session=s, source=source, data=data, scope=EVERYTHING)
        else:
            saved = value_service.save_scenario(
                session=s,
                source=source,
                data=schemas.ScenarioIn(**data.model_dump(), name=save),
                created_by=who(),
                scope=EVERYTHING,
            )
            out = saved.result
            console.print(f"saved as scenario {saved.id} ({saved.name})", highlight=False)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    cur = out.currency
    print_table(
        f"What-if on {out.queue}, per month ({out.engine})",
        [
            {
                "": name,
                "service level": f"{side.service_level:.1%}",
                "abandon": f"{side.abandon_rate:.1%}",
                "ASA s": f"{side.asa_s:.0f}",
                "occupancy": f"{side.occupancy:.0%}",
                "paid h": f"{side.paid_hours:,.0f}",
                "cost": _money(side.cost, cur),
                "revenue": _money(side.revenue, cur),
                "money lost": _money(side.money_lost, cur),
            }
            for name, side in (("baseline", out.baseline), ("scenario", out.scenario))
        ],
        [
            "",
            "service level",
            "abandon",
            "ASA s",
            "occupancy",
            "paid h",
            "cost",
            "revenue",
            "money lost",
        ],
    )
    console.print(f"headline figures: {out.engine} ({out.engine_reason})", highlight=False)
    if out.simulation is not None and out.erlang_a is not None:
        sim, erl = out.simulation, out.erlang_a
        print_table(
            "Erlang A beside the simulation (shared agents)",
            [
                {
                    "": f"{name} {engine}",
                    "service level": f"{side.service_level:.1%}"
                    + (
                        f" +/- {side.service_level_error:.1%}"
                        if side.service_level_error is not None
                        else ""
                    ),
                    "abandon": f"{side.abandon_rate:.1%}",
                    "ASA s": f"{side.asa_s:.0f}",
                    "occupancy": f"{side.occupancy:.0%}",
                }
                for name, pair in (("baseline", "baseline"), ("scenario", "scenario"))
                for engine, side in (
                    ("erlang", getattr(erl, pair)),
                    ("simulation", getattr(sim, pair)),
                )
            ],
            ["", "service level", "abandon", "ASA s", "occupancy"],
        )
    roi = "n/a" if out.roi is None else f"{out.roi:.0%}"
    payback = "never" if out.payback_months is None else f"{out.payback_months:.1f} months"
    console.print(
        f"net benefit {_money(out.net_benefit, cur)} ({_money(out.net_benefit_low)} to "
        f"{_money(out.net_benefit_high)}); NPV {_money(out.npv, cur)}; ROI {roi}; payback "
        f"{payback}",
        highlight=False,
    )
    print_table(
        "Sensitivity of the NPV (largest swing first)",
        [
            {
                "assumption": s.name,
                "range": f"{s.low:g} to {s.high:g}",
                "NPV at low": _money(s.npv_at_low, cur),
                "NPV at high": _money(s.npv_at_high, cur),
            }
            for s in out.sensitivity
        ],
        ["assumption", "range", "NPV at low", "NPV at high"],
    )
    if out.levers:
        print_table(
            "Each lever alone against the baseline, per month"
            + (f" (system {out.system_name})" if out.system_name else ""),
            [
                {
                    "lever": lv.lever,
                    "change": f"{lv.change:g}",
                    "service level": f"{lv.service_level:.1%}",
                    "abandon": f"{lv.abandon_rate:.1%}",
                    "benefit a month": f"{_money(lv.monthly_benefit, cur)} "
                    f"({_money(lv.monthly_benefit_low)} to {_money(lv.monthly_benefit_high)})",
                    "effect": lv.effect,
                }
                for lv in out.levers
            ],
            ["lever", "change", "service level", "abandon", "benefit a month", "effect"],
        )
    for note in out.notes:
        console.print(note, highlight=False)


@value_app.command("scenarios")
@handle_errors
def scenarios(
    queue: Annotated[str | None, typer.Option(help="Only this queue")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Saved scenarios side by side (oldest first)."""
    from ccops.org.access import EVERYTHING
    from ccops.runtime import unit_of_work
    from ccops.value import service as value_service

    with unit_of_work() as s:
        rows = value_service.list_scenarios(session=s, scope=EVERYTHING, queue=queue)
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        "Saved scenarios",
        [
            {
                "id": r.id,
                "name": r.name,
                "queue": r.queue,
                "agents": f"{r.inputs.add_agents:+d}",
                "AHT": f"{r.inputs.aht_change:+.0%}",
                "FCR": f"{r.inputs.fcr_change:+.0%}",
                "attrition": f"{r.inputs.attrition_change * 100:+g} pts",
                "deflection": f"{r.inputs.deflection:.0%}",
                "system": r.inputs.system_name or "",
                "service level": f"{r.result.baseline.service_level:.1%} -> "
                f"{r.result.scenario.service_level:.1%}",
                "NPV": f"{_money(r.result.npv, r.result.currency)} ({_money(r.result.npv_low)} "
                f"to {_money(r.result.npv_high)})",
                "ROI": "n/a" if r.result.roi is None else f"{r.result.roi:.0%}",
                "by": r.created_by,
            }
            for r in rows
        ],
        [
            "id",
            "name",
            "queue",
            "agents",
            "AHT",
            "FCR",
            "attrition",
            "deflection",
            "system",
            "service level",
            "NPV",
            "ROI",
            "by",
        ],
    )
