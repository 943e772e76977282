"""`ccops cases ...` and `ccops calendars ...` — cases with business-hours clocks, targets,
routing rules, the breach sweep, compliance and post-contact surveys."""

from __future__ import annotations

import csv
import json
import tomllib
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from ccops.cases import schemas
from ccops.cli_support import console, day_option, handle_errors, pct, print_json, print_table
from ccops.errors import Invalid, Problem

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
ByOpt = Annotated[str, typer.Option("--by", help="Login recorded as the one who acts")]
FirstOpt = Annotated[str | None, typer.Option("--from", help="First day (default: 27 days ago)")]
LastOpt = Annotated[str | None, typer.Option("--to", help="Last day (default: today)")]

cases_app = typer.Typer(
    help="Cases: escalations, complaints, feedback, surveys.", no_args_is_help=True
)
targets_app = typer.Typer(help="Targets per case type and severity.", no_args_is_help=True)
routes_app = typer.Typer(help="Routing rules: which team owns which cases.", no_args_is_help=True)
surveys_app = typer.Typer(help="Post-contact surveys (CSAT, NPS).", no_args_is_help=True)
cases_app.add_typer(targets_app, name="targets")
cases_app.add_typer(routes_app, name="routes")
cases_app.add_typer(surveys_app, name="surveys")
statuses_app = typer.Typer(
    help="The centre's case statuses: which pause the clock, which close, allowed moves.",
    no_args_is_help=True,
)
cases_app.add_typer(statuses_app, name="statuses")
senior_app = typer.Typer(
    help="Serious-case rules: which cases go to senior management at once.",
    no_args_is_help=True,
)
cases_app.add_typer(senior_app, name="senior")
churn_app = typer.Typer(
    help="Churn flags by customer key, imported from the centre's CRM.", no_args_is_help=True
)
cases_app.add_typer(churn_app, name="churn")
chains_app = typer.Typer(
    help="Escalation chains: who a case goes up to, after how many business hours.",
    no_args_is_help=True,
)
cases_app.add_typer(chains_app, name="chains")
voc_app = typer.Typer(
    help="The monthly voice-of-the-customer report and the changes made in response.",
    no_args_is_help=True,
)
cases_app.add_typer(voc_app, name="voc")
calendars_app = typer.Typer(help="Business calendars for case clocks.", no_args_is_help=True)


def _load(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise Invalid(f"{path}: cannot read: {exc.strerror}", [Problem("unreadable")]) from None
    try:
        return json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise Invalid(f"{path}: not valid {path.suffix[1:] or 'TOML'}: {exc}") from None


def _day(value: str | None, option: str, default: date) -> date:
    return day_option(value, option) or default


def _period(first: str | None, last: str | None) -> tuple[date, date]:
    from ccops.db import utcnow

    end = _day(last, "--to", utcnow().date())
    return _day(first, "--from", end - timedelta(days=27)), end


def _show(cases: list[schemas.CaseOut], as_json: bool) -> None:
    if as_json:
        print_json([c.model_dump(mode="json") for c in cases])
        return
    rows = [
        {
            "id": c.id,
            "type": c.case_type,
            "severity": c.severity,
            "status": c.status,
            "owner": c.owner or c.team,
            "due": c.due_resolution_at.strftime("%Y-%m-%d %H:%M UTC")
            if c.due_resolution_at
            else "paused",
            "clock": c.clock,
            "subject": c.subject,
        }
        for c in cases
    ]
    print_table(
        "Cases", rows, ["id", "type", "severity", "status", "owner", "due", "clock", "subject"]
    )


def _one(case: schemas.CaseOut, as_json: bool) -> None:
    if as_json:
        print_json(case.model_dump(mode="json"))
        return
    _show([case], False)
    for e in case.events:
        console.print(f"  {e.at:%Y-%m-%d %H:%M} {e.by}: {e.kind} {e.detail}", highlight=False)


@cases_app.command("open")
@handle_errors
def open_case(
    case_type: Annotated[str, typer.Argument(help="escalation, complaint or feedback")],
    subject: Annotated[str, typer.Argument(help="One line saying what it is about")],
    severity: Annotated[str, typer.Option(help="low, medium, high or critical")] = "medium",
    category: Annotated[str, typer.Option(help="A category (routing may use it)")] = "",
    description: Annotated[str, typer.Option(help="The details")] = "",
    contact: Annotated[int | None, typer.Option(help="The contact id it comes from")] = None,
    queue: Annotated[str | None, typer.Option(help="The queue, when there is no contact")] = None,
    site: Annotated[str | None, typer.Option(help="The site, when no contact nor queue")] = None,
    customer: Annotated[str | None, typer.Option(help="The customer key")] = None,
    by: ByOpt = "cli",
    as_json: JsonOpt = False,
) -> None:
    """Open a case; prints it with due_first_response_at and due_resolution_at."""
    from ccops.cases import service
    from ccops.runtime import unit_of_work

    data = schemas.CaseIn.model_validate(
        {
            "case_type": case_type,
            "subject": subject,
            "severity": severity,
            "category": category,
            "description": description,
            "contact_id": contact,
            "queue": queue,
            "site": site,
            "customer_key": customer,
        }
    )
    with unit_of_work() as s:
        out = service.open_case(session=s, data=data, by=by)
    _one(out, as_json)


@cases_app.command("list")
@handle_errors
def list_cases(
    status: Annotated[str | None, typer.Option(help="Only this status")] = None,
    case_type: Annotated[str | None, typer.Option("--type", help="Only this type")] = None,
    severity: Annotated[str | None, typer.Option(help="Only this severity")] = None,
    team: Annotated[str | None, typer.Option(help="Only this owning team")] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only cases not resolved")] = False,
    as_json: JsonOpt = False,
) -> None:
    """List cases, newest first, with their clocks."""
    from ccops.cases import service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = service.list_cases(
            session=s,
            status=status,
            case_type=case_type,
            severity=severity,
            team=team,
            open_only=open_only,
        )
    _show(out, as_json)


@cases_app.command("show")
@handle_errors
def show_case(case_id: int, as_json: JsonOpt = False) -> None:
    """Show a case with its clock and events."""
    from ccops.cases import service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = service.get_case(session=s, case_id=case_id)
    _one(out, as_json)


@cases_app.command("update")
@handle_errors
def update_case(
    case_id: int,
    status: Annotated[str | None, typer.Option(help="The new status")] = None,
    owner: Annotated[str | None, typer.Option(help="The new owner's login")] = None,
    answer: Annotated[str | None, typer.Option(help="The answer to the customer")] = None,
    note: Annotated[str, typer.Option(help="A note for the events")] = "",
    to_customer: Annotated[
        bool,
        typer.Option(
            "--to-customer", help="The note is an update sent to the customer (next-update clock)"
        ),
    ] = False,
    by: ByOpt = "cli",
    as_json: JsonOpt = False,
) -> None:
    """Change a case's status (as the workflow allows), owner or answer, or record an update
    sent to the customer (--to-customer with --note)."""
    from ccops.cases import service
    from ccops.runtime import unit_of_work

    data = schemas.CaseUpdate.model_validate(
        {
            "status": status,
            "owner": owner,
            "answer": answer,
            "note": note,
            "to_customer": to_customer,
        }
    )
    with unit_of_work() as s:
        out = service.update_case(session=s, case_id=case_id, data=data, by=by)
    _one(out, as_json)


@cases_app.command("sweep")
@handle_errors
def sweep(as_json: JsonOpt = False) -> None:
    """Mark warnings and breaches of open cases now, escalate and notify (run it every minute)."""
    from ccops.cases import service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = service.sweep(session=s)
    if as_json:
        print_json(out.model_dump(mode="json"))
    else:
        console.print(
            f"{out.checked} open cases checked: {out.warnings} warnings, "
            f"{out.response_breaches} first-response and {out.resolution_breaches} resolution "
            f"breaches, {out.update_warnings} next-update warnings and {out.update_breaches} "
            f"next-update breaches, {out.notified} notifications",
            highlight=False,
        )


@cases_app.command("compliance")
@handle_errors
def compliance(
    first: FirstOpt = None,
    last: LastOpt = None,
    by: Annotated[str, typer.Option("--per", help="type, team or owner")] = "type",
    as_json: JsonOpt = False,
) -> None:
    """Resolution targets met and breached, with the share met's 95% interval, and ageing."""
    from ccops.cases import service
    from ccops.runtime import unit_of_work

    first_day, last_day = _period(first, last)
    with unit_of_work() as s:
        out = service.compliance(session=s, first_day=first_day, last_day=last_day, by=by)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    rows = [
        {
            "group": r.group,
            "met": r.met,
            "breached": r.breached,
            "pending": r.pending,
            "share met": pct(r.share_met),
            "95% CI": f"{pct(r.low)}–{pct(r.high)}" if r.low is not None else "",
            "mean resolution (business h)": r.mean_resolution_business_h,
            "updates on time": r.update_met,
            "updates late": r.update_breached,
        }
        for r in [*out.rows, out.total]
    ]
    print_table(
        f"Case compliance {first_day} – {last_day}",
        rows,
        [
            "group",
            "met",
            "breached",
            "pending",
            "share met",
            "95% CI",
            "mean resolution (business h)",
            "updates on time",
            "updates late",
        ],
    )
    console.print(
        "Open cases by business hours: " + ", ".join(f"{k}: {v}" for k, v in out.ageing.items()),
        highlight=False,
    )


@cases_app.command("categories")
@handle_errors
def categories(first: FirstOpt = None, last: LastOpt = None, as_json: JsonOpt = False) -> None:
    """Cases by category: volume per month, complaints, dissatisfied surveyed contacts."""
    from ccops.cases import voc
    from ccops.runtime import unit_of_work

    first_day, last_day = _period(first, last)
    with unit_of_work() as s:
        out = voc.categories(session=s, first_day=first_day, last_day=last_day)
    if as_json:
        print_json([r.model_dump(mode="json") for r in out])
        return
    print_table(
        f"Case categories {first_day} – {last_day}",
        [
            r.model_dump() | {"by_month": ", ".join(f"{k}: {v}" for k, v in r.by_month.items())}
            for r in out
        ],
        ["category", "cases", "by_month", "complaints", "surveyed", "dissatisfied"]
        + (["customers", "churned"] if any(r.churned is not None for r in out) else []),
    )


@targets_app.command("set")
@handle_errors
def set_target(
    case_type: str,
    severity: str,
    calendar: Annotated[str, typer.Option(help="The business calendar's name")],
    first_response_h: Annotated[float, typer.Option("--first-response-h")],
    resolution_h: Annotated[float, typer.Option("--resolution-h")],
    next_update_h: Annotated[
        float | None,
        typer.Option("--next-update-h", help="Business hours between updates to the customer"),
    ] = None,
    warn_min: Annotated[float, typer.Option("--warn-min")] = 15.0,
    as_json: JsonOpt = False,
) -> None:
    """Set the targets (business hours) of a case type and severity."""
    from ccops.cases import service
    from ccops.runtime import unit_of_work

    data = schemas.TargetIn.model_validate(
        {
            "case_type": case_type,
            "severity": severity,
            "calendar": calendar,
            "first_response_h": first_response_h,
            "resolution_h": resolution_h,
            "next_update_h": next_update_h,
            "warn_min": warn_min,
        }
    )
    with unit_of_work() as s:
        out = service.set_target(session=s, data=data)
    if as_json:
        print_json(out.model_dump(mode="json"))
    else:
        print_table("Target", [out.model_dump()], list(schemas.TargetOut.model_fields))


@targets_app.command("list")
@handle_errors
def list_targets(as_json: JsonOpt = False) -> None:
    """List case targets."""
    from ccops.cases import service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = service.list_targets(session=s)
    if as_json:
        print_json([t.model_dump(mode="json") for t in out])
    else:
        print_table("Targets", [t.model_dump() for t in out], list(schemas.TargetOut.model_fields))


@routes_app.command("add")
@handle_errors
def add_route(
    case_type: str,
    team: str,
    category: Annotated[str | None, typer.Option(help="Only this category")] = None,
    queue: Annotated[str | None, typer.Option(help="Only cases from this queue")] = None,
    site: Annotated[str | None, typer.Option(help="Only cases from this site")] = None,
    owner: Annotated[str | None, typer.Option(help="The owner's login")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a routing rule (the most specific matching rule wins)."""
    from ccops.cases import service
    from ccops.runtime import unit_of_work

    data = schemas.RouteIn.model_validate(
        {
            "case_type": case_type,
            "team": team,
            "category": category,
            "queue": queue,
            "site": site,
            "owner": owner,
        }
    )
    with unit_of_work() as s:
        out = service.add_route(session=s, data=data)
    if as_json:
        print_json(out.model_dump(mode="json"))
    else:
        print_table("Route", [out.model_dump()], list(schemas.RouteOut.model_fields))


@routes_app.command("list")
@handle_errors
def list_routes(as_json: JsonOpt = False) -> None:
    """List routing rules."""
    from ccops.cases import service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = service.list_routes(session=s)
    if as_json:
        print_json([r.model_dump(mode="json") for r in out])
    else:
        print_table("Routes", [r.model_dump() for r in out], list(schemas.RouteOut.model_fields))


@surveys_app.command("import")
@handle_errors
def import_surveys(
    path: Annotated[Path, typer.Argument(help="CSV: contact_id, csat, nps, comment")],
    source: Annotated[str, typer.Option(help="Where the answers come from")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Import survey answers by contact id; every bad row is named and nothing is stored."""
    from pydantic import ValidationError

    from ccops.cases import voc
    from ccops.runtime import unit_of_work

    try:
        with path.open(encoding="utf-8", newline="") as handle:
            records = list(csv.DictReader(handle))
    except OSError as exc:
        raise Invalid(f"{path}: cannot read: {exc.strerror}", [Problem("unreadable")]) from None
    rows: list[schemas.SurveyIn] = []
    problems: list[Problem] = []
    for n, record in enumerate(records, start=1):
        data = {
            k: v
            for k, v in record.items()
            if k in ("contact_id", "csat", "nps", "comment") and v not in (None, "")
        }
        try:
            rows.append(schemas.SurveyIn.model_validate({**data, "source": source}))
        except ValidationError as exc:
            for error in exc.errors():
                field = ".".join(str(p) for p in error["loc"]) or None
                problems.append(Problem(error["msg"], field=field, row=n, file=str(path)))
    if problems:
        raise Invalid(f"{len(problems)} problem(s) in {path}; nothing stored", problems)
    if not rows:
        raise Invalid(f"{path}: no survey answer in the file", [Problem("empty", file=str(path))])
    with unit_of_work() as s:
        out = voc.record_surveys(session=s, rows=rows)
    if as_json:
        print_json(out.model_dump(mode="json"))
    else:
        console.print(f"{out.stored} answers stored, {out.replaced} replaced", highlight=False)


@surveys_app.command("results")
@handle_errors
def survey_results(
    first: FirstOpt = None,
    last: LastOpt = None,
    by: Annotated[str, typer.Option("--per", help="queue or team")] = "queue",
    as_json: JsonOpt = False,
) -> None:
    """CSAT and NPS per queue or team with 95% intervals."""
    from ccops.cases import voc
    from ccops.runtime import unit_of_work

    first_day, last_day = _period(first, last)
    with unit_of_work() as s:
        out = voc.voc(session=s, first_day=first_day, last_day=last_day, by=by)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    columns = [
        "group",
        "responses",
        "csat_mean",
        "csat_low",
        "csat_high",
        "nps",
        "nps_low",
        "nps_high",
    ]
    print_table(
        f"Survey results {first_day} – {last_day}",
        [r.model_dump() for r in [*out.rows, out.total]],
        columns,
    )


@calendars_app.command("create")
@handle_errors
def create_calendar(
    path: Annotated[Path, typer.Argument(help="TOML or JSON: name, timezone, hours, holidays")],
    as_json: JsonOpt = False,
) -> None:
    """Create a business calendar; overlapping spans or no hours at all are refused."""
    from ccops.cases import service
    from ccops.runtime import unit_of_work

    data = schemas.CalendarIn.model_validate(_load(path))
    with unit_of_work() as s:
        out = service.create_calendar(session=s, data=data)
    if as_json:
        print_json(out.model_dump(mode="json"))
    else:
        console.print(
            f"calendar {out.name} ({out.timezone}): {out.weekly_hours:g} business hours a week",
            highlight=False,
        )


@calendars_app.command("list")
@handle_errors
def list_calendars(as_json: JsonOpt = False) -> None:
    """List business calendars."""
    from ccops.cases import service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = service.list_calendars(session=s)
    if as_json:
        print_json([c.model_dump(mode="json") for c in out])
    else:
        print_table(
            "Calendars",
            [c.model_dump() for c in out],
            ["id", "name", "timezone", "weekly_hours", "holidays"],
        )


def _print_workflow(out: schemas.WorkflowOut, as_json: bool) -> None:
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    rows = [
        {
            "status": st.name + (" (new cases)" if st.name == out.initial else ""),
            "label": st.label,
            "pauses": "yes" if st.pauses else "",
            "closes": ("final" if st.final else "yes") if st.closes else "",
            "may move to": ", ".join(st.next) or "—",
        }
        for st in out.statuses
    ]
    title = "Case statuses (built-in)" if out.builtin else "Case statuses (the centre's own)"
    print_table(title, rows, ["status", "label", "pauses", "closes", "may move to"])


@statuses_app.command("show")
@handle_errors
def show_statuses(as_json: JsonOpt = False) -> None:
    """Show the case statuses in use: the built-in ones unless the centre set its own."""
    from ccops.cases import workflow
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = workflow.get(s).out()
    _print_workflow(out, as_json)


@statuses_app.command("set")
@handle_errors
def set_statuses(
    path: Annotated[
        Path,
        typer.Argument(
            help="A .json file ({statuses: [{name, label, pauses, closes, next}]}) or a text "
            "file, one status a line: name [pauses] [closes] -> next, next"
        ),
    ],
    as_json: JsonOpt = False,
) -> None:
    """Replace the centre's case statuses (the first is a new case's); an unworkable
    workflow, or one dropping a status some case is in, is refused and nothing stored."""
    from ccops.cases import workflow
    from ccops.runtime import unit_of_work

    if path.suffix.lower() == ".json":
        data = schemas.WorkflowIn.model_validate(_load(path))
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise Invalid(f"{path}: cannot read: {exc.strerror}", [Problem("unreadable")]) from None
        data = workflow.parse_lines(text)
    with unit_of_work() as s:
        out = workflow.set_workflow(session=s, data=data)
    _print_workflow(out, as_json)


@statuses_app.command("reset")
@handle_errors
def reset_statuses(as_json: JsonOpt = False) -> None:
    """Go back to the built-in case statuses."""
    from ccops.cases import workflow
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = workflow.reset_workflow(session=s)
    _print_workflow(out, as_json)


def _print_senior(out: schemas.SeniorRulesOut, as_json: bool) -> None:
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    rows = [
        {
            "type": r.case_type or "any",
            "severity": r.severity or "any",
            "category": r.category or "any",
        }
        for r in out.rules
    ]
    title = "Serious-case rules (built-in)" if out.builtin else "Serious-case rules"
    print_table(title, rows, ["type", "severity", "category"])


@senior_app.command("show")
@handle_errors
def show_senior(as_json: JsonOpt = False) -> None:
    """Show the rules that send a case to senior management at once."""
    from ccops.cases import workflow
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = workflow.senior_rules(s)
    _print_senior(out, as_json)


@senior_app.command("set")
@handle_errors
def set_senior(
    rules: Annotated[
        list[str],
        typer.Argument(
            help="One rule each: type=…,severity=…,category=… (any of them), e.g. "
            "'type=complaint,severity=critical' 'category=Legal threat'"
        ),
    ],
    as_json: JsonOpt = False,
) -> None:
    """Replace the serious-case rules; a case matching every field of one rule goes to
    senior management at once."""
    from ccops.cases import workflow
    from ccops.runtime import unit_of_work

    data = workflow.parse_senior(rules)
    with unit_of_work() as s:
        out = workflow.set_senior_rules(session=s, data=data)
    _print_senior(out, as_json)


@senior_app.command("reset")
@handle_errors
def reset_senior(as_json: JsonOpt = False) -> None:
    """Go back to the built-in rule: critical complaints go to senior management."""
    from ccops.cases import workflow
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = workflow.reset_senior_rules(session=s)
    _print_senior(out, as_json)


@churn_app.command("import")
@handle_errors
def import_churn(
    path: Annotated[
        Path, typer.Argument(help="CSV: customer_key, churned_on (YYYY-MM-DD), churned (1/0)")
    ],
    as_json: JsonOpt = False,
) -> None:
    """Import churn flags by customer key (churned=0 clears one); every bad row is named by its
    row in the file (the heading is row 1) and nothing is stored."""
    from ccops.cases import voc
    from ccops.runtime import unit_of_work

    try:
        content = path.read_bytes()
    except OSError as exc:
        raise Invalid(f"{path}: cannot read: {exc.strerror}", [Problem("unreadable")]) from None
    rows = voc.read_churn_csv(str(path), content)
    with unit_of_work() as s:
        out = voc.record_churn(session=s, rows=rows)
    if as_json:
        print_json(out.model_dump(mode="json"))
    else:
        console.print(
            f"{out.flagged} flagged, {out.cleared} cleared; {out.recorded} churned customers "
            "recorded",
            highlight=False,
        )


def _print_chains(out: schemas.ChainsOut, as_json: bool) -> None:
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    rows = [
        {
            "type": c.case_type,
            "severity": c.severity or "any",
            "level": lv.level,
            "who": lv.role or f"person {lv.person}",
            "after business h": lv.after_h,
        }
        for c in out.chains
        for lv in c.levels
    ]
    print_table("Escalation chains", rows, ["type", "severity", "level", "who", "after business h"])
    console.print(
        "Other cases: "
        + ", ".join(f"level {lv.level} {lv.role} on a breach" for lv in out.builtin),
        highlight=False,
    )


@chains_app.command("show")
@handle_errors
def show_chains(as_json: JsonOpt = False) -> None:
    """Show the escalation chains (and the built-in one of cases without their own)."""
    from ccops.cases import chains
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = chains.list_chains(session=s)
    _print_chains(out, as_json)


@chains_app.command("set")
@handle_errors
def set_chain(
    case_type: Annotated[str, typer.Argument(help="escalation, complaint or feedback")],
    levels: Annotated[
        list[str],
        typer.Argument(
            help="One level each, in order: who and business hours, e.g. 'team_leader 2' "
            "'person:jdoe 4' 'manager 8' (who: team_leader, manager, executive or person:LOGIN)"
        ),
    ],
    severity: Annotated[
        str | None, typer.Option(help="low, medium, high or critical (default: any)")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Set the escalation chain of a type (and severity); an empty level, an unknown person or
    hours that do not increase are refused with every problem named, nothing stored."""
    from ccops.cases import chains
    from ccops.runtime import unit_of_work

    data = chains.chain_input(case_type, severity, levels)
    with unit_of_work() as s:
        chains.set_chain(session=s, data=data)
        out = chains.list_chains(session=s)
    _print_chains(out, as_json)


@chains_app.command("remove")
@handle_errors
def remove_chain(
    case_type: Annotated[str, typer.Argument(help="escalation, complaint or feedback")],
    severity: Annotated[
        str | None, typer.Option(help="The severity of the chain (default: any)")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Remove the escalation chain of a type (and severity)."""
    from ccops.cases import chains
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = chains.remove_chain(session=s, case_type=case_type, severity=severity)
    _print_chains(out, as_json)


def _ci(low: float | None, high: float | None) -> str:
    return f"{pct(low)}–{pct(high)}" if low is not None and high is not None else ""


@voc_app.command("report")
@handle_errors
def voc_report(
    month: Annotated[
        str | None, typer.Option(help="YYYY-MM (default: the last complete month)")
    ] = None,
    days: Annotated[int, typer.Option(help="Repeat-contact window in days")] = 7,
    as_json: JsonOpt = False,
) -> None:
    """The monthly VoC report: per case category the volume and its trend from the month
    before (exact Poisson rate test: up or down only when p < 0.05), dissatisfaction, repeat
    contact and churn with 95% Wilson intervals, and the process changes made in response."""
    from ccops.cases import report
    from ccops.db import utcnow
    from ccops.runtime import unit_of_work

    today = utcnow().date()
    with unit_of_work() as s:
        out = report.voc_report(
            session=s, month=month or report.default_month(today), days=days, today=today
        )
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    rows = [
        {
            "category": r.category,
            "cases": r.cases,
            out.previous_month: r.previous_cases,
            "trend": r.trend,
            "p": f"{r.p_value:.3f}",
            "dissatisfied": f"{r.dissatisfied}/{r.surveyed} "
            f"{_ci(r.dissatisfied_low, r.dissatisfied_high)}",
            "repeat": f"{r.repeats}/{r.repeat_judged} {pct(r.repeat_share)} "
            f"{_ci(r.repeat_low, r.repeat_high)}",
            "churn": ""
            if r.churned is None
            else f"{r.churned}/{r.customers} {_ci(r.churn_low, r.churn_high)}",
            "changes": "; ".join(f"#{c.change_id} {c.title}" for c in r.changes),
        }
        for r in [*out.rows, out.total]
    ]
    print_table(
        f"Voice of the customer {out.month} ({out.days} days) against {out.previous_month}",
        rows,
        [
            "category",
            "cases",
            out.previous_month,
            "trend",
            "p",
            "dissatisfied",
            "repeat",
            "churn",
            "changes",
        ],
    )
    console.print(
        f"Repeat: the customer contacts again within {out.repeat_days} days; intervals 95% "
        "(Wilson).",
        highlight=False,
    )


def _print_links(out: list[schemas.VocLinkOut], as_json: bool) -> None:
    if as_json:
        print_json([x.model_dump(mode="json") for x in out])
        return
    print_table(
        "Changes linked to case categories",
        [x.model_dump() for x in out],
        ["category", "change_id", "title", "published_at"],
    )


@voc_app.command("links")
@handle_errors
def voc_links(as_json: JsonOpt = False) -> None:
    """List the process changes linked to case categories."""
    from ccops.cases import report
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = report.list_links(session=s)
    _print_links(out, as_json)


@voc_app.command("link")
@handle_errors
def voc_link(category: str, change_id: int, as_json: JsonOpt = False) -> None:
    """Link a process change to a case category, as made in response to it."""
    from ccops.cases import report
    from ccops.runtime import unit_of_work

    data = schemas.VocLinkIn(category=category, change_id=change_id)
    with unit_of_work() as s:
        out = report.link_change(session=s, data=data)
    _print_links(out, as_json)


@voc_app.command("unlink")
@handle_errors
def voc_unlink(category: str, change_id: int, as_json: JsonOpt = False) -> None:
    """Remove the link of a process change to a case category."""
    from ccops.cases import report
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = report.unlink_change(session=s, category=category, change_id=change_id)
    _print_links(out, as_json)
