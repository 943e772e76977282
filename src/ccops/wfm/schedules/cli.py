"""`ccops schedule ...`: build, show, list, publish and edit schedules; templates, contracts,
time off and fixed activities."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from ccops.cli_support import console, handle_errors, print_json, print_table, week_text, who
from ccops.errors import Invalid, Problem
from ccops.relative_days import WEEK_HELP
from ccops.wfm.schedules import schemas

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
schedule_app = typer.Typer(help="Schedules: build, show, publish, edit.", no_args_is_help=True)
template_app = typer.Typer(help="Shift templates of a site.", no_args_is_help=True)
contract_app = typer.Typer(help="Contracts and who has which.", no_args_is_help=True)
timeoff_app = typer.Typer(help="Time off of people.", no_args_is_help=True)
activity_app = typer.Typer(help="Fixed activities (meetings, training, ...).", no_args_is_help=True)
schedule_app.add_typer(template_app, name="template")
schedule_app.add_typer(contract_app, name="contract")
schedule_app.add_typer(timeoff_app, name="timeoff")
schedule_app.add_typer(activity_app, name="activity")
availability_app = typer.Typer(help="When people can work.", no_args_is_help=True)
preferences_app = typer.Typer(help="People's shift preferences.", no_args_is_help=True)
schedule_app.add_typer(availability_app, name="availability")
schedule_app.add_typer(preferences_app, name="preferences")


@contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Send what the solvers' C++ code prints on file descriptor 1 to standard error."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def _week(value: str) -> str:
    value = week_text(value) or value
    try:
        schemas.parse_week(value)
    except ValueError as exc:
        raise Invalid(str(exc), [Problem(str(exc), field="week")]) from None
    return value.strip()


def _result(outs: list[schemas.ScheduleDetailOut]) -> dict[str, Any]:
    """The one object `schedule build --json` prints (summed over sites when several)."""
    objective = sum(o.objective or 0.0 for o in outs)
    bound = sum(o.bound or 0.0 for o in outs)
    gap = (objective - bound) / abs(objective) if objective else 0.0
    result: dict[str, Any] = {
        "objective": objective,
        "bound": bound,
        "gap": gap,
        "solve_s": sum(o.solve_s or 0.0 for o in outs),
        "paid_hours": sum(o.paid_hours or 0.0 for o in outs),
        "cost": sum(o.cost or 0.0 for o in outs),
        "under_coverage_h": sum(o.under_coverage_h or 0.0 for o in outs),
        "over_coverage_h": sum(o.over_coverage_h or 0.0 for o in outs),
        "schedules": [
            {"id": o.id, "site": o.site, "week": o.week, "version": o.version, "notes": o.notes}
            for o in outs
        ],
        "intervals": [
            {
                "queue": r.queue,
                "interval_start": r.interval_start.isoformat(),
                "required": r.required,
                "scheduled": r.scheduled,
                "predicted_service_level": r.predicted_service_level,
            }
            for o in outs
            for r in o.intervals
        ],
    }
    if len(outs) == 1:
        result["schedule_id"] = outs[0].id
        result["version"] = outs[0].version
    return result


def _print_summary(out: schemas.ScheduleOut) -> None:
    gap = "" if out.gap is None else f"{out.gap:.2%}"
    print_table(
        f"Schedule {out.id}: {out.site} {out.week} version {out.version} ({out.status})",
        [
            {"measure": "objective", "value": _n(out.objective)},
            {"measure": "bound (LP)", "value": _n(out.bound)},
            {"measure": "gap", "value": gap},
            {"measure": "solve s", "value": _n(out.solve_s)},
            {"measure": "paid hours", "value": _n(out.paid_hours)},
            {"measure": "cost", "value": _n(out.cost)},
            {"measure": "under-coverage agent-h", "value": _n(out.under_coverage_h)},
            {"measure": "over-coverage agent-h", "value": _n(out.over_coverage_h)},
            {"measure": "people / shifts", "value": f"{out.people} / {out.shifts}"},
        ],
        ["measure", "value"],
    )
    for note in out.notes:
        console.print(f"  {note}", highlight=False)


def _n(x: float | None) -> str:
    return "" if x is None else f"{x:,.2f}"


@schedule_app.command("build")
@handle_errors
def build(
    week: Annotated[str, typer.Option(help=WEEK_HELP + " (site's local time)")],
    site: Annotated[str | None, typer.Option(help="Site (default: every site)")] = None,
    plan_time_limit_s: Annotated[float, typer.Option(help="Stage 1 (HiGHS) limit, s")] = 40.0,
    roster_time_limit_s: Annotated[float, typer.Option(help="Stage 2 (CP-SAT) limit, s")] = 20.0,
    workers: Annotated[int, typer.Option(help="CP-SAT workers (1: deterministic)")] = 2,
    seed: Annotated[int, typer.Option(help="Solver seed")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Build a week's schedule (a new draft version) for a site or every site."""
    from ccops.org import service as org_service
    from ccops.runtime import unit_of_work
    from ccops.wfm.schedules import build as schedule_build

    week = _week(week)
    options = schemas.SolveOptionsIn(
        plan_time_limit_s=plan_time_limit_s,
        roster_time_limit_s=roster_time_limit_s,
        workers=workers,
        seed=seed,
    )
    with unit_of_work() as s:
        sites = [site] if site else [x.name for x in org_service.list_sites(session=s)]
    if not sites:
        raise Invalid("there is no site to schedule", [Problem("no sites", field="site")])
    outs: list[schemas.ScheduleDetailOut] = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=as_json,
        transient=True,
    ) as bar:
        for name in sites:
            task = bar.add_task(f"{name} {week}", total=1.0)

            def progress(share: float, message: str, task: Any = task, name: str = name) -> None:
                bar.update(task, completed=share, description=f"{name} {week}: {message}")

            with unit_of_work() as s, _quiet_stdout():
                outs.append(
                    schedule_build.build_schedule(
                        session=s,
                        site=name,
                        week=week,
                        created_by=who(),
                        options=options,
                        progress=progress,
                    )
                )
    if as_json:
        print_json(_result(outs))
        return
    for out in outs:
        _print_summary(out)


@schedule_app.command("show")
@handle_errors
def show(
    schedule_id: Annotated[int, typer.Argument(help="Schedule id")],
    as_json: JsonOpt = False,
) -> None:
    """Show a schedule version: measures, each person's shifts and the audit trail."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.schedules import queries as schedule_queries

    with unit_of_work() as s:
        out = schedule_queries.get_schedule(session=s, schedule_id=schedule_id)
    if as_json:
        data = _result([out])
        data.update(out.model_dump(mode="json", exclude={"intervals"}))
        print_json(data)
        return
    _print_summary(out)
    print_table(
        "Shifts (site's local time)",
        [
            {
                "person": r.login,
                "day": r.local_start.strftime("%a %d %b"),
                "time": f"{r.local_start:%H:%M}-{r.local_end:%H:%M}",
                "template": r.template,
                "queues": ", ".join(r.queues),
                "paid h": f"{r.paid_h:.2f}",
            }
            for r in out.shift_rows
        ],
        ["person", "day", "time", "template", "queues", "paid h"],
    )
    print_table(
        "Audit trail",
        [a.model_dump() for a in out.audit],
        ["created_at", "action", "detail", "created_by"],
    )


@schedule_app.command("list")
@handle_errors
def list_(
    site: Annotated[str | None, typer.Option(help="Site")] = None,
    week: Annotated[str | None, typer.Option(help=WEEK_HELP)] = None,
    as_json: JsonOpt = False,
) -> None:
    """List schedule versions, newest first."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.schedules import queries as schedule_queries

    with unit_of_work() as s:
        rows = schedule_queries.list_schedules(session=s, site=site, week=week_text(week))
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        "Schedules",
        [
            {
                "id": r.id,
                "site": r.site,
                "week": r.week,
                "version": r.version,
                "status": r.status,
                "gap": "" if r.gap is None else f"{r.gap:.2%}",
                "paid h": _n(r.paid_hours),
                "under agent-h": _n(r.under_coverage_h),
                "created by": r.created_by,
            }
            for r in rows
        ],
        ["id", "site", "week", "version", "status", "gap", "paid h", "under agent-h", "created by"],
    )


@schedule_app.command("publish")
@handle_errors
def publish(
    schedule_id: Annotated[int, typer.Argument(help="Schedule id (a complete draft)")],
    as_json: JsonOpt = False,
) -> None:
    """Publish a draft; the week's published version becomes superseded; people are notified."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.schedules import publish as schedule_publish

    with unit_of_work() as s:
        out = schedule_publish.publish(session=s, schedule_id=schedule_id, published_by=who())
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    console.print(f"published schedule {out.id} ({out.site} {out.week} v{out.version})")


@schedule_app.command("swap")
@handle_errors
def swap(
    schedule_id: Annotated[int, typer.Argument(help="Schedule id")],
    day: Annotated[str, typer.Option(help="Local day, YYYY-MM-DD")],
    login_a: Annotated[str, typer.Option("--a", help="One person's login")],
    login_b: Annotated[str, typer.Option("--b", help="The other person's login")],
    reason: Annotated[str, typer.Option(help="Why")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Swap two people's shifts of a day: a new draft version with an audit entry."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.schedules import edits as schedule_edits

    data = schemas.EditIn(
        kind="swap", day=date.fromisoformat(day), login_a=login_a, login_b=login_b, reason=reason
    )
    with unit_of_work() as s:
        out = schedule_edits.edit(session=s, schedule_id=schedule_id, data=data, edited_by=who())
    _edited(out, as_json)


@schedule_app.command("grant")
@handle_errors
def grant(
    schedule_id: Annotated[int, typer.Argument(help="Schedule id")],
    time_off_id: Annotated[int, typer.Option(help="Time off id (e.g. a pending one)")],
    as_json: JsonOpt = False,
) -> None:
    """Grant time off in a schedule: a new draft version without the person's shifts then."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.schedules import edits as schedule_edits

    data = schemas.EditIn(kind="time_off", time_off_id=time_off_id)
    with unit_of_work() as s:
        out = schedule_edits.edit(session=s, schedule_id=schedule_id, data=data, edited_by=who())
    _edited(out, as_json)


def _edited(out: schemas.ScheduleOut, as_json: bool) -> None:
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    console.print(f"new draft: schedule {out.id} (version {out.version}); publish it to apply")


@template_app.command("add")
@handle_errors
def template_add(
    site: Annotated[str, typer.Option(help="Site")],
    name: Annotated[str, typer.Option(help="Template name")],
    first: Annotated[str, typer.Option(help="First start, HH:MM local")],
    last: Annotated[str, typer.Option(help="Last start, HH:MM local")],
    length_min: Annotated[int, typer.Option(help="Length incl. breaks, minutes")],
    step_min: Annotated[int, typer.Option(help="Minutes between starts")] = 15,
    weekdays: Annotated[str, typer.Option(help="Weekdays, 0=Monday, e.g. 01234")] = "0123456",
    brk: Annotated[
        list[str] | None,
        typer.Option(
            "--break",
            help="LENGTH@EARLIEST-LATEST[/GAP][:unpaid], minutes after the start (repeatable)",
        ),
    ] = None,
    cost_per_hour: Annotated[float, typer.Option(help="Cost of a paid hour")] = 1.0,
    night: Annotated[bool, typer.Option(help="A night shift")] = False,
    late: Annotated[bool, typer.Option(help="A late shift (rotated fairly)")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Add a shift template to a site."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.schedules import setup as schedule_setup

    breaks = [_break(b) for b in brk or []]
    data = schemas.ShiftTemplateIn(
        site=site,
        name=name,
        first_start=first,
        last_start=last,
        step_min=step_min,
        weekdays=[int(c) for c in weekdays if c.isdigit()],
        length_min=length_min,
        breaks=breaks,
        cost_per_hour=cost_per_hour,
        is_night=night,
        is_late=late,
    )
    with unit_of_work() as s:
        out = schedule_setup.create_template(session=s, data=data)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    console.print(f"template {out.name} added at {out.site}")


def _break(text: str) -> schemas.BreakIn:
    try:
        spec, _, kind = text.partition(":")
        length, _, window = spec.partition("@")
        window, _, gap = window.partition("/")
        lo, _, hi = window.partition("-")
        return schemas.BreakIn(
            length_min=int(length),
            earliest_after_start_min=int(lo),
            latest_after_start_min=int(hi),
            min_gap_min=int(gap or 0),
            paid=kind != "unpaid",
        )
    except ValueError as exc:
        raise Invalid(
            f"--break {text!r}: write LENGTH@EARLIEST-LATEST[/GAP][:unpaid] ({exc})",
            [Problem("bad break", field="break")],
        ) from None


@template_app.command("list")
@handle_errors
def template_list(
    site: Annotated[str, typer.Option(help="Site")], as_json: JsonOpt = False
) -> None:
    """List a site's shift templates."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.schedules import setup as schedule_setup

    with unit_of_work() as s:
        rows = schedule_setup.list_templates(session=s, site=site)
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        f"Shift templates of {site}",
        [
            {
                "name": r.name,
                "length min": r.length_min,
                "starts": ", ".join(f"{d}: {v[0]}-{v[-1]}" for d, v in r.starts.items() if v),
                "breaks": len(r.breaks),
                "cost/h": r.cost_per_hour,
            }
            for r in rows
        ],
        ["name", "length min", "starts", "breaks", "cost/h"],
    )


@contract_app.command("add")
@handle_errors
def contract_add(
    name: Annotated[str, typer.Option(help="Contract name")],
    weekly_min_h: Annotated[float, typer.Option(help="Least paid hours a week")] = 0.0,
    weekly_max_h: Annotated[float, typer.Option(help="Most paid hours a week")] = 40.0,
    days_min: Annotated[int, typer.Option(help="Least days a week")] = 0,
    days_max: Annotated[int, typer.Option(help="Most days a week")] = 5,
    max_consecutive_days: Annotated[int, typer.Option(help="Most days in a row")] = 6,
    min_rest_h: Annotated[float, typer.Option(help="Least rest between shifts, h")] = 11.0,
    max_nights: Annotated[int, typer.Option(help="Most night shifts a week")] = 7,
    max_weekend_days: Annotated[int, typer.Option(help="Most weekend days a week")] = 2,
    template: Annotated[
        list[str] | None, typer.Option("--template", help="Allowed template (repeatable)")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a contract; a self-contradicting one is refused with every contradiction."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.schedules import setup as schedule_setup

    data = schemas.ContractIn(
        name=name,
        weekly_min_h=weekly_min_h,
        weekly_max_h=weekly_max_h,
        days_min=days_min,
        days_max=days_max,
        max_consecutive_days=max_consecutive_days,
        min_rest_h=min_rest_h,
        max_nights=max_nights,
        max_weekend_days=max_weekend_days,
        templates=template or None,
    )
    with unit_of_work() as s:
        out = schedule_setup.create_contract(session=s, data=data)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    console.print(f"contract {out.name} added")


@contract_app.command("list")
@handle_errors
def contract_list(as_json: JsonOpt = False) -> None:
    """List the contracts."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.schedules import setup as schedule_setup

    with unit_of_work() as s:
        rows = schedule_setup.list_contracts(session=s)
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        "Contracts",
        [r.model_dump() for r in rows],
        ["name", "weekly_min_h", "weekly_max_h", "days_min", "days_max", "min_rest_h"],
    )


@contract_app.command("assign")
@handle_errors
def contract_assign(
    login: Annotated[str, typer.Argument(help="Person's login")],
    contract: Annotated[str, typer.Option(help="Contract name")],
) -> None:
    """Give a person a contract."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.schedules import setup as schedule_setup

    with unit_of_work() as s:
        schedule_setup.assign_contract(session=s, login=login, contract=contract)
    console.print(f"{login} now has contract {contract}")


@timeoff_app.command("add")
@handle_errors
def timeoff_add(
    login: Annotated[str, typer.Argument(help="Person's login")],
    start: Annotated[datetime, typer.Option(help="Start, ISO time with offset")],
    end: Annotated[datetime, typer.Option(help="End, ISO time with offset")],
    reason: Annotated[str, typer.Option(help="Reason")] = "time off",
    credit_h_per_day: Annotated[float, typer.Option(help="Paid hours credited a day")] = 0.0,
    as_json: JsonOpt = False,
) -> None:
    """Record time off; against published cover it becomes a change request for the planner."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.schedules import setup as schedule_setup

    data = schemas.TimeOffIn(
        login=login, start=start, end=end, reason=reason, credit_h_per_day=credit_h_per_day
    )
    with unit_of_work() as s:
        out = schedule_setup.add_time_off(session=s, data=data, created_by=who())
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    console.print(f"time off {out.id}: {out.status}. {out.message}", highlight=False)


@activity_app.command("add")
@handle_errors
def activity_add(
    login: Annotated[str, typer.Argument(help="Person's login")],
    kind: Annotated[
        str,
        typer.Option(
            help="meeting, training, coaching, huddle, or a team leader's floor_support, "
            "planning or reports"
        ),
    ],
    name: Annotated[str, typer.Option(help="What it is")],
    start: Annotated[datetime, typer.Option(help="Start, ISO time with offset")],
    end: Annotated[datetime, typer.Option(help="End, ISO time with offset")],
) -> None:
    """Add a fixed activity the person must attend during a shift."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.schedules import setup as schedule_setup

    data = schemas.ActivityIn(login=login, kind=kind, name=name, start=start, end=end)
    with unit_of_work() as s:
        activity_id = schedule_setup.add_activity(session=s, data=data)
    console.print(f"activity {activity_id} added")


def _weekday(text: str, where: str) -> int:
    name = text.strip().lower()[:3]
    if name not in schemas.WEEKDAYS:
        raise Invalid(
            f"{where}: {text!r} is not a weekday (mon, tue, wed, thu, fri, sat, sun)",
            [Problem("unknown weekday", field=where)],
        )
    return schemas.WEEKDAYS.index(name)


def _span(text: str, where: str) -> schemas.AvailabilitySpanIn:
    day, _, times = text.strip().partition(" ")
    start, dash, end = times.strip().partition("-")
    if not dash:
        raise Invalid(
            f"{where}: {text!r} is not like 'mon 08:00-17:00'", [Problem("format", field=where)]
        )
    return schemas.AvailabilitySpanIn(weekday=_weekday(day, where), start=start, end=end)


def _print_availability(out: schemas.AvailabilityOut, as_json: bool) -> None:
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    if out.any_time:
        console.print(f"{out.login}: available any time (no spans stored)", highlight=False)
        return
    rows = [{"day": schemas.WEEKDAYS[s.weekday], "from": s.start, "to": s.end} for s in out.spans]
    print_table(f"Availability of {out.login}", rows, ["day", "from", "to"])


@availability_app.command("set")
@handle_errors
def availability_set(
    login: Annotated[str, typer.Argument(help="Person's login")],
    spans: Annotated[
        list[str] | None, typer.Argument(help="Spans like 'mon 08:00-17:00' (local time)")
    ] = None,
    clear: Annotated[bool, typer.Option(help="Remove every span: available any time")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Replace when a person can work (the next build respects it)."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.schedules import setup as schedule_setup

    if not spans and not clear:
        raise Invalid(
            "give spans like 'mon 08:00-17:00', or --clear for any time",
            [Problem("no spans", field="spans")],
        )
    if spans and clear:
        raise Invalid("give spans or --clear, not both", [Problem("both", field="spans")])
    data = schemas.AvailabilityIn(
        spans=[_span(text, f"spans.{i}") for i, text in enumerate(spans or [])]
    )
    with unit_of_work() as s:
        out = schedule_setup.set_availability(session=s, login=login, data=data)
    _print_availability(out, as_json)


@availability_app.command("show")
@handle_errors
def availability_show(
    login: Annotated[str, typer.Argument(help="Person's login")], as_json: JsonOpt = False
) -> None:
    """Show when a person can work."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.schedules import setup as schedule_setup

    with unit_of_work() as s:
        out = schedule_setup.list_availability(session=s, login=login)
    _print_availability(out, as_json)


PREF_KEYS = {"weight", "template", "day", "from", "to"}


def _preference(text: str, where: str) -> schemas.PreferenceIn:
    values: dict[str, str] = {}
    for part in text.split(","):
        key, eq, value = part.partition("=")
        key = key.strip().lower()
        if not eq or key not in PREF_KEYS:
            raise Invalid(
                f"{where}: {part.strip()!r} is not one of weight=, template=, day=, from=, to=",
                [Problem("format", field=where)],
            )
        values[key] = value.strip()
    if "weight" not in values:
        raise Invalid(f"{where}: {text!r} has no weight=", [Problem("no weight", field=where)])
    try:
        weight = float(values["weight"])
    except ValueError:
        raise Invalid(
            f"{where}: weight {values['weight']!r} is not a number",
            [Problem("not a number", field=where)],
        ) from None
    return schemas.PreferenceIn(
        weight=weight,
        template=values.get("template") or None,
        weekday=_weekday(values["day"], where) if values.get("day") else None,
        start=values.get("from") or None,
        end=values.get("to") or None,
    )


def _print_preferences(out: schemas.PreferencesOut, as_json: bool) -> None:
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    if not out.preferences:
        console.print(f"{out.login}: no preferences", highlight=False)
        return
    rows = [
        {
            "weight": f"{p.weight:g}",
            "template": p.template or "",
            "day": "" if p.weekday is None else schemas.WEEKDAYS[p.weekday],
            "from": p.start or "",
            "to": p.end or "",
        }
        for p in out.preferences
    ]
    print_table(f"Preferences of {out.login}", rows, ["weight", "template", "day", "from", "to"])


@preferences_app.command("set")
@handle_errors
def preferences_set(
    login: Annotated[str, typer.Argument(help="Person's login")],
    preferences: Annotated[
        list[str] | None,
        typer.Argument(
            help="Like 'weight=2,template=early' or 'weight=-3,day=sat' or "
            "'weight=1,day=mon,from=08:00,to=12:00' (negative: avoid)"
        ),
    ] = None,
    clear: Annotated[bool, typer.Option(help="Remove every preference")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Replace a person's shift preferences (soft goals the next build weighs)."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.schedules import setup as schedule_setup

    if not preferences and not clear:
        raise Invalid(
            "give preferences like 'weight=2,template=early', or --clear",
            [Problem("no preferences", field="preferences")],
        )
    if preferences and clear:
        raise Invalid("give preferences or --clear, not both", [Problem("both", field="clear")])
    data = schemas.PreferencesIn(
        preferences=[_preference(p, f"preferences.{i}") for i, p in enumerate(preferences or [])]
    )
    with unit_of_work() as s:
        out = schedule_setup.set_preferences(session=s, login=login, data=data)
    _print_preferences(out, as_json)


@preferences_app.command("show")
@handle_errors
def preferences_show(
    login: Annotated[str, typer.Argument(help="Person's login")], as_json: JsonOpt = False
) -> None:
    """Show a person's shift preferences."""
    from ccops.runtime import unit_of_work
    from ccops.wfm.schedules import setup as schedule_setup

    with unit_of_work() as s:
        out = schedule_setup.list_preferences(session=s, login=login)
    _print_preferences(out, as_json)
