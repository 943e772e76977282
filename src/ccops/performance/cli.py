"""`ccops performance ...` — scorecards, comparisons, coaching, reports, floor time, attrition.

The CLI acts with the whole centre in scope (like an administrator on the server).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import BaseModel

from ccops.cli_support import (
    console,
    day_option,
    handle_errors,
    kpi_gap,
    kpi_value,
    print_json,
    print_table,
    who,
)
from ccops.errors import Invalid, Problem, no_such_file
from ccops.performance import schemas as s

if TYPE_CHECKING:
    from ccops.org.service import Scope

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
FirstOpt = Annotated[str | None, typer.Option("--from", help="First local date, YYYY-MM-DD")]
LastOpt = Annotated[str | None, typer.Option("--to", help="Last local date, YYYY-MM-DD")]
CLI_USER = "cli"

performance_app = typer.Typer(
    help="Performance management: scorecards, funnel plots, coaching, reviews, attrition.",
    no_args_is_help=True,
)


def _period(first: str | None, last: str | None) -> tuple[date, date]:
    from ccops.performance import periods as perf_periods

    return perf_periods.default_period(
        first=day_option(first, "--from"), last=day_option(last, "--to")
    )


def _read_json(path: Path) -> Any:
    if not path.exists():
        raise no_such_file(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise Invalid(f"{path}: not JSON ({exc})", [Problem(str(exc), file=str(path))]) from None


def _values_table(report: s.ScorecardReportOut) -> None:
    rows = [
        {
            "kpi": v.kpi,
            "actual": kpi_value(v.actual, v.unit),
            "95% interval": (
                "" if v.low is None else f"{kpi_value(v.low, v.unit)}–{kpi_value(v.high, v.unit)}"
            ),
            "n": v.n,
            "target": kpi_value(v.target, v.unit),
            "gap": kpi_gap(v.gap, v.unit),
            "status": v.status,
            "trend": v.trend,
            "note": v.note,
        }
        for v in report.values
    ]
    title = f"{report.subject_name} {report.first} – {report.last}"
    print_table(title, rows, list(rows[0]) if rows else ["kpi"], footnotes="note")


def _out(data: BaseModel | list[Any], as_json: bool) -> bool:
    if as_json:
        print_json(data)
    return as_json


def _everything() -> Scope:
    """The CLI acts on the whole centre (imported here: org's service pulls in SQLAlchemy)."""
    from ccops.org.service import EVERYTHING

    return EVERYTHING


@performance_app.command("scorecard-create")
@handle_errors
def scorecard_create(
    file: Annotated[Path, typer.Argument(help="JSON file: one scorecard or a list of them")],
    as_json: JsonOpt = False,
) -> None:
    """Create scorecards from a JSON file (all or none; weights must sum to 100%)."""
    from ccops.performance import scorecards as perf_scorecards
    from ccops.runtime import unit_of_work

    raw = _read_json(file)
    items = raw if isinstance(raw, list) else [raw]
    with unit_of_work() as ses:
        out = [
            perf_scorecards.create_scorecard(
                session=ses,
                data=s.ScorecardIn.model_validate(i),
                created_by=CLI_USER,
                scope=_everything(),
            )
            for i in items
        ]
    if not _out(out, as_json):
        for card in out:
            console.print(
                f"created scorecard {card.name} ({card.level.value}, {len(card.kpis)} KPIs)"
            )


@performance_app.command("scorecard-parent")
@handle_errors
def scorecard_parent(name: str, parent: Annotated[str, typer.Argument()]) -> None:
    """Cascade scorecard NAME from PARENT (a cycle is refused)."""
    from ccops.performance import scorecards as perf_scorecards
    from ccops.runtime import unit_of_work

    with unit_of_work() as ses:
        perf_scorecards.set_parent(session=ses, name=name, parent=parent)
    console.print(f"{name} is cascaded from {parent}")


@performance_app.command("cascade")
@handle_errors
def cascade(as_json: JsonOpt = False) -> None:
    """Show the scorecard cascade."""
    from ccops.performance import scorecards as perf_scorecards
    from ccops.runtime import unit_of_work

    with unit_of_work() as ses:
        trees = perf_scorecards.cascade(session=ses)
    if _out(trees, as_json):
        return

    def show(nodes: list[s.CascadeNode], depth: int) -> None:
        for node in nodes:
            c = node.scorecard
            kpis = ", ".join(f"{k.kpi} {k.weight_pct:g}%" for k in c.kpis)
            console.print(f"{'  ' * depth}{c.name} [{c.level.value}] {kpis}", highlight=False)
            show(node.children, depth + 1)

    show(trees, 0)


@performance_app.command("scorecard")
@handle_errors
def scorecard(
    person: Annotated[str | None, typer.Option(help="A person's login")] = None,
    team: Annotated[str | None, typer.Option(help="A team's name")] = None,
    first: FirstOpt = None,
    last: LastOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fill in the scorecard of a person, a team, or (neither given) the centre."""
    from ccops.performance import scorecards as perf_scorecards
    from ccops.runtime import unit_of_work

    a, b = _period(first, last)
    with unit_of_work() as ses:
        if person:
            out = perf_scorecards.person_scorecard(
                session=ses, login=person, first=a, last=b, scope=_everything()
            )
        elif team:
            out = perf_scorecards.team_scorecard(
                session=ses, team=team, first=a, last=b, scope=_everything()
            )
        else:
            out = perf_scorecards.centre_scorecard(
                session=ses, first=a, last=b, scope=_everything()
            )
    if not _out(out, as_json):
        _values_table(out)


@performance_app.command("funnel")
@handle_errors
def funnel(
    team: str,
    kpi: Annotated[
        str, typer.Option(help="A per-person proportion: repeat_contact_rate or qa_pass_rate")
    ] = "repeat_contact_rate",
    first: FirstOpt = None,
    last: LastOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Compare a team's people on a funnel plot (name order, flags only outside 99.8%)."""
    from ccops.performance import charts as perf_charts
    from ccops.runtime import unit_of_work

    a, b = _period(first, last)
    with unit_of_work() as ses:
        out = perf_charts.funnel(
            session=ses, team=team, kpi=kpi, first=a, last=b, scope=_everything()
        )
    if _out(out, as_json):
        return
    counts = "passed/evaluated" if kpi == "qa_pass_rate" else "repeats/contacts"
    rows = [
        {
            "person": p.name,
            counts: f"{p.successes}/{p.trials}",
            "rate": kpi_value(p.rate, "fraction"),
            "99.8% limits": (
                ""
                if p.lower_998 is None
                else f"{kpi_value(p.lower_998, 'fraction')}–{kpi_value(p.upper_998, 'fraction')}"
            ),
            "signal": "outside 99.8%: look at the process" if p.flagged else "",
        }
        for p in out.points
    ]
    print_table(
        f"{out.team}: {out.label}",
        rows,
        ["person", counts, "rate", "99.8% limits", "signal"],
    )
    console.print(out.note, highlight=False)


@performance_app.command("control-chart")
@handle_errors
def control_chart(
    team: str,
    kpi: Annotated[str, typer.Option(help="repeat_contact_rate or aht_s")] = "repeat_contact_rate",
    days: Annotated[int, typer.Option(help="Days per point")] = 7,
    first: FirstOpt = None,
    last: LastOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Chart a team KPI over time with control limits."""
    from ccops.performance import charts as perf_charts
    from ccops.runtime import unit_of_work

    a, b = _period(first, last)
    with unit_of_work() as ses:
        out = perf_charts.control_chart(
            session=ses,
            team=team,
            kpi=kpi,
            first=a,
            last=b,
            days_per_point=days,
            scope=_everything(),
        )
    if _out(out, as_json):
        return
    rows = [p.model_dump(mode="json") for p in out.points]
    print_table(
        f"{out.team}: {out.label} ({out.chart})",
        rows,
        ["first", "last", "n", "value", "lower", "upper", "variation"],
    )
    console.print(out.note, highlight=False)


def _record(model: type[BaseModel], file: Path) -> Any:
    return model.model_validate(_read_json(file))


@performance_app.command("coaching-add")
@handle_errors
def coaching_add(
    file: Path,
    coach: Annotated[str, typer.Option(help="Who coached")] = CLI_USER,
    as_json: JsonOpt = False,
) -> None:
    """Record a coaching session from a JSON file."""
    from ccops.performance import coaching as perf_coaching
    from ccops.runtime import unit_of_work

    with unit_of_work() as ses:
        out = perf_coaching.create_coaching(
            session=ses, data=_record(s.CoachingIn, file), coach=coach, scope=_everything()
        )
    if not _out(out, as_json):
        console.print(f"coaching session {out.id} recorded for {out.person}")


@performance_app.command("coaching")
@handle_errors
def coaching_list(person: str, as_json: JsonOpt = False) -> None:
    """List a person's coaching sessions."""
    from ccops.performance import coaching as perf_coaching
    from ccops.runtime import unit_of_work

    with unit_of_work() as ses:
        out = perf_coaching.list_coaching(session=ses, login=person, scope=_everything())
    if not _out(out, as_json):
        print_table(
            person,
            [o.model_dump(mode="json") for o in out],
            ["id", "held_on", "coach", "kpi", "action_plan", "follow_up_on", "outcome"],
        )


@performance_app.command("review-add")
@handle_errors
def review_add(
    file: Path,
    reviewer: Annotated[str, typer.Option(help="Who reviewed")] = CLI_USER,
    as_json: JsonOpt = False,
) -> None:
    """Record a formal review from a JSON file."""
    from ccops.performance import reviews as perf_reviews
    from ccops.runtime import unit_of_work

    with unit_of_work() as ses:
        out = perf_reviews.create_review(
            session=ses, data=_record(s.ReviewIn, file), reviewer=reviewer, scope=_everything()
        )
    if not _out(out, as_json):
        console.print(f"review {out.id} recorded for {out.person}")


@performance_app.command("reviews")
@handle_errors
def reviews_list(person: str, as_json: JsonOpt = False) -> None:
    """List a person's reviews."""
    from ccops.performance import reviews as perf_reviews
    from ccops.runtime import unit_of_work

    with unit_of_work() as ses:
        out = perf_reviews.list_reviews(session=ses, login=person, scope=_everything())
    if not _out(out, as_json):
        print_table(
            person,
            [o.model_dump(mode="json") for o in out],
            ["id", "period_first", "period_last", "reviewer", "next_review_on"],
        )


@performance_app.command("recognise")
@handle_errors
def recognise(
    person: str,
    text: Annotated[str, typer.Option(help="What was done well")],
    given_by: Annotated[str, typer.Option(help="Who recognises")] = CLI_USER,
    on: Annotated[str | None, typer.Option(help="Date, YYYY-MM-DD (default today)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record appreciation for a person."""
    from ccops.performance import recognition as perf_recognition
    from ccops.runtime import unit_of_work

    given_on = day_option(on, "--on") or date.today()
    with unit_of_work() as ses:
        out = perf_recognition.create_recognition(
            session=ses,
            data=s.RecognitionIn(person=person, given_on=given_on, text=text),
            given_by=given_by,
            scope=_everything(),
        )
    if not _out(out, as_json):
        console.print(f"recognition {out.id} recorded for {out.person}")


@performance_app.command("publish")
@handle_errors
def publish(
    kpi: str,
    audience: Annotated[s.Audience, typer.Option(help="agent, team, centre or executive")],
    rhythm: Annotated[s.Rhythm, typer.Option(help="hourly, daily or weekly")],
    target: Annotated[float | None, typer.Option(help="Target value")] = None,
    lower_is_better: Annotated[bool, typer.Option("--lower-is-better")] = False,
    on_good: Annotated[s.FollowUp, typer.Option()] = s.FollowUp.recognition,
    on_bad: Annotated[s.FollowUp, typer.Option()] = s.FollowUp.coaching,
    owner: Annotated[
        str | None, typer.Option(help="Login of the rule's owner (gets the follow-ups)")
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(help="Value in the KPI's unit whose crossing opens a follow-up"),
    ] = None,
    direction: Annotated[
        s.ThresholdDirection | None,
        typer.Option(help="below or above: where the whole interval must lie"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Set who sees a KPI, how often, and what follows a good or bad result."""
    from ccops.performance import reports as perf_reports
    from ccops.runtime import unit_of_work

    data = s.PublicationIn(
        kpi=kpi,
        audience=audience,
        rhythm=rhythm,
        target=target,
        higher_is_better=not lower_is_better,
        on_good=on_good,
        on_bad=on_bad,
        owner=owner,
        threshold=threshold,
        threshold_direction=direction,
    )
    with unit_of_work() as ses:
        out = perf_reports.set_publication(session=ses, data=data)
    if not _out(out, as_json):
        console.print(f"{kpi} is published {rhythm.value} to {audience.value}")


def _print_report(r: s.LevelReportOut) -> None:
    rows = [
        {
            "subject": line.subject,
            "kpi": line.kpi,
            "value": kpi_value(line.value.actual, line.value.unit),
            "n": line.value.n,
            "result": line.result,
            "follow-up": line.follow_up,
        }
        for line in r.lines
    ]
    title = f"{r.audience.value} report {r.first} – {r.last}"
    print_table(title, rows, ["subject", "kpi", "value", "n", "result", "follow-up"])


@performance_app.command("report")
@handle_errors
def report(
    audience: Annotated[s.Audience, typer.Argument(help="agent, team, centre or executive")],
    first: FirstOpt = None,
    last: LastOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Produce the report one level receives, on demand."""
    from ccops.performance import reports as perf_reports
    from ccops.runtime import unit_of_work

    a, b = _period(first, last)
    with unit_of_work() as ses:
        out = perf_reports.level_report(
            session=ses, audience=audience, first=a, last=b, scope=_everything()
        )
    if not _out(out, as_json):
        _print_report(out)


@performance_app.command("reports-due")
@handle_errors
def reports_due(as_json: JsonOpt = False) -> None:
    """Produce every report whose rhythm has come round (run it from cron every hour)."""
    from ccops.performance import reports as perf_reports
    from ccops.runtime import unit_of_work

    with unit_of_work() as ses:
        out = perf_reports.due_reports(session=ses, scope=_everything())
    if _out(out, as_json):
        return
    if not out:
        console.print("no report is due")
    for r in out:
        _print_report(r)


@performance_app.command("reports-deliver")
@handle_errors
def reports_deliver(
    as_job: Annotated[
        bool, typer.Option("--as-job", help="Queue it for the job runner instead")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Email each publication rule's report once per period and open follow-ups for crossed
    thresholds (run it from cron, e.g. hourly; a second run sends nothing)."""
    from ccops.runtime import unit_of_work

    if as_job:
        from ccops.performance import report_jobs

        with unit_of_work() as ses:
            job = report_jobs.submit_delivery(session=ses, created_by=who())
        if not _out(job, as_json):
            console.print(f"queued job {job.id} ({job.kind}): `ccops jobs show {job.id}`")
        return
    from ccops.performance import delivery as perf_delivery

    with unit_of_work() as ses:
        out = perf_delivery.deliver_due(session=ses)
    if _out(out, as_json):
        return
    if not out:
        console.print("no report is due for delivery")
        return
    rows = [
        {
            "kpi": d.kpi,
            "level": d.audience.value,
            "period": f"{d.first} – {d.last}",
            "recipients": d.recipients,
            "emails": d.emails,
            "beyond threshold": len(d.crossed),
            "follow-up": d.follow_up.action_id if d.follow_up else "",
        }
        for d in out
    ]
    print_table(
        "reports delivered",
        rows,
        ["kpi", "level", "period", "recipients", "emails", "beyond threshold", "follow-up"],
    )


@performance_app.command("activity")
@handle_errors
def activity(
    person: str,
    day: Annotated[str, typer.Option(help="YYYY-MM-DD")],
    kind: Annotated[s.ActivityKind, typer.Option(help="floor, planning, reports or other")],
    minutes: Annotated[int, typer.Option()],
    as_json: JsonOpt = False,
) -> None:
    """Record a team leader's minutes on one kind of work."""
    from ccops.performance import floor_time as perf_floor_time
    from ccops.runtime import unit_of_work

    d = _period(day, day)[1]
    with unit_of_work() as ses:
        out = perf_floor_time.record_activity(
            session=ses,
            data=s.ActivityIn(person=person, day=d, kind=kind, minutes=minutes),
            scope=_everything(),
        )
    if not _out(out, as_json):
        console.print(f"recorded {minutes} min of {kind.value} for {person} on {d}")


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@performance_app.command("floor-time")
@handle_errors
def floor_time(
    person: Annotated[str | None, typer.Option(help="One team leader's login")] = None,
    first: FirstOpt = None,
    last: LastOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show team leaders' share of time on the floor, scheduled and recorded, against 75%."""
    from ccops.performance import floor_time as perf_floor_time
    from ccops.performance import measures as perf_measures
    from ccops.runtime import unit_of_work

    a, b = _period(first, last)
    with unit_of_work() as ses:
        out = perf_floor_time.floor_time(
            session=ses, first=a, last=b, scope=_everything(), person=person
        )
    if _out(out, as_json):
        return
    rows = [
        {
            "name": o.name,
            "team": o.team or "—",
            "scheduled": _share(o.scheduled.share),
            "scheduled_basis": o.scheduled.note,
            "recorded": _share(o.recorded.share),
            "recorded_basis": o.recorded.note,
        }
        for o in out
    ]
    print_table(
        f"Floor time {a} to {b} (target {perf_measures.FLOOR_TARGET:.0%})",
        rows,
        [
            "name",
            "team",
            "scheduled",
            "scheduled_basis",
            "recorded",
            "recorded_basis",
        ],
    )


@performance_app.command("attrition")
@handle_errors
def attrition(
    team: Annotated[str | None, typer.Option(help="One team")] = None,
    first: FirstOpt = None,
    last: LastOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show leavers, monthly attrition per team and the tenure survival curve."""
    from ccops.performance import attrition as perf_attrition
    from ccops.runtime import unit_of_work

    a, b = _period(first, last)
    with unit_of_work() as ses:
        out = perf_attrition.attrition(session=ses, first=a, last=b, scope=_everything(), team=team)
    if _out(out, as_json):
        return
    print_table(
        "Leavers",
        [x.model_dump(mode="json") for x in out.leavers],
        ["name", "team", "termination_date", "tenure_days", "reason"],
    )
    months = [x.model_dump(mode="json") for x in out.months]
    print_table(
        "Monthly attrition",
        months,
        ["team", "month", "leavers", "average_headcount", "rate", "low", "high"],
    )
    print_table(
        "Tenure survival",
        [x.model_dump(mode="json") for x in out.survival],
        ["tenure_days", "at_risk", "leavers", "survival", "low", "high"],
    )


# --- results into decisions (#25) -------------------------------------------------------------


def _recommendation_rows(out: list[s.RecommendationOut]) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "person": r.person,
            "team": r.team or "",
            "kind": r.kind.value,
            "detail": r.detail,
            "evidence": f"{len(r.evidence.kpis)} KPI, {len(r.evidence.evaluations)} QA, "
            f"{len(r.evidence.recognitions)} recognition",
            "status": r.status,
            "recorded_by": r.recorded_by,
        }
        for r in out
    ]


@performance_app.command("recommend")
@handle_errors
def recommend(
    review: Annotated[int, typer.Argument(help="The review's id")],
    kind: Annotated[s.RecommendationKind, typer.Option(help="What is recommended")],
    rationale: Annotated[str, typer.Option(help="Why, in a sentence or two")],
    detail: Annotated[str, typer.Option(help="Course, pay step, team/queue or role")] = "",
    kpi: Annotated[
        list[str] | None, typer.Option(help="KPI whose value over the review period is evidence")
    ] = None,
    evaluation: Annotated[
        list[int] | None, typer.Option(help="Id of a QA evaluation of the person as evidence")
    ] = None,
    recognition: Annotated[
        list[int] | None, typer.Option(help="Id of a recognition of the person as evidence")
    ] = None,
    by: Annotated[str, typer.Option(help="Who recommends")] = CLI_USER,
    as_json: JsonOpt = False,
) -> None:
    """Record a recommendation of a review with its evidence (at least one piece)."""
    from ccops.performance import recommendations as perf_recommendations
    from ccops.runtime import unit_of_work

    data = s.RecommendationIn.model_validate(
        {
            "kind": kind,
            "rationale": rationale,
            "detail": detail,
            "kpis": kpi or [],
            "evaluation_ids": evaluation or [],
            "recognition_ids": recognition or [],
        }
    )
    with unit_of_work() as ses:
        out = perf_recommendations.recommend(
            session=ses, review_id=review, data=data, by=by, scope=_everything()
        )
    if not _out(out, as_json):
        console.print(
            f"recommendation {out.id} ({out.kind.value}) recorded for {out.person}: pending"
        )


@performance_app.command("recommendations")
@handle_errors
def recommendations_list(
    status: Annotated[str, typer.Option(help="pending, accepted, declined or all")] = "pending",
    person: Annotated[str | None, typer.Option(help="Only this person's")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List recommendations (pending by default), in name order."""
    from ccops.performance import recommendations as perf_recommendations
    from ccops.runtime import unit_of_work

    with unit_of_work() as ses:
        out = perf_recommendations.list_recommendations(
            session=ses,
            scope=_everything(),
            status=None if status == "all" else status,
            login=person,
        )
    if not _out(out, as_json):
        rows = _recommendation_rows(out)
        print_table("recommendations", rows, list(rows[0]) if rows else ["id"])


@performance_app.command("decide")
@handle_errors
def decide(
    recommendation: Annotated[int, typer.Argument(help="The recommendation's id")],
    decision: Annotated[s.RecommendationDecision, typer.Option(help="accepted or declined")],
    note: Annotated[str, typer.Option(help="Why, or what follows")] = "",
    by: Annotated[str, typer.Option(help="Who decides")] = CLI_USER,
    as_json: JsonOpt = False,
) -> None:
    """Accept or decline a pending recommendation."""
    from ccops.performance import recommendations as perf_recommendations
    from ccops.runtime import unit_of_work

    data = s.DecisionIn.model_validate({"decision": decision, "note": note})
    with unit_of_work() as ses:
        out = perf_recommendations.decide(
            session=ses, recommendation_id=recommendation, data=data, by=by, scope=_everything()
        )
    if not _out(out, as_json):
        console.print(f"recommendation {out.id} {out.status} by {out.decided_by}")


@performance_app.command("forecast-skill")
@handle_errors
def forecast_skill(
    planner: Annotated[str, typer.Argument(help="The planner's login")],
    first: FirstOpt = None,
    last: LastOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A planner's forecast skill against seasonal naive, by queue and horizon."""
    from ccops.performance import positions as perf_positions
    from ccops.runtime import unit_of_work

    a, b = _period(first, last)
    with unit_of_work() as ses:
        rows = perf_positions.forecast_breakdown(
            session=ses, login=planner, first=a, last=b, scope=_everything()
        )
    out = [s.ForecastSkillOut.model_validate(r, from_attributes=True) for r in rows]
    if not _out(out, as_json):
        table = [
            {
                "queue": r.queue,
                "horizon (days)": r.horizon,
                "queue-days": r.queue_days,
                "wMAPE": kpi_value(r.wmape, "fraction"),
                "naive wMAPE": kpi_value(r.naive_wmape, "fraction"),
                "skill": "" if r.skill is None else f"{r.skill:.2f}",
                "95% interval": ""
                if r.low is None or r.high is None
                else f"{r.low:.2f}–{r.high:.2f}",
                "note": r.note,
            }
            for r in out
        ]
        print_table(f"{planner} {a} – {b}", table, list(table[0]) if table else ["queue"])
