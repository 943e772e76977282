"""`ccops surveys`, `ccops suggestions` and `ccops huddles`: the voice of staff."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from ccops.cli_support import console, handle_errors, print_json, print_table, who
from ccops.errors import Invalid, Problem
from ccops.voice import schemas

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
ByGroup = Annotated[
    str,
    typer.Option("--by", help="team, site, tenure, site_tenure, team_tenure or all"),
]
RoundOpt = Annotated[
    str | None, typer.Option("--round", help="The round's label (default: the latest closed)")
]

surveys_app = typer.Typer(
    help="Anonymous staff surveys: rounds, reminders, results with small groups suppressed.",
    no_args_is_help=True,
)
suggestions_app = typer.Typer(
    help="The suggestion box: submit, assess, reward, monthly counts.", no_args_is_help=True
)
huddles_app = typer.Typer(
    help="Huddles and meetings: agendas, notes, actions, the rhythm per team.",
    no_args_is_help=True,
)

_BYS = ("all", "site", "team", "tenure", "site_tenure", "team_tenure")


def _by(value: str) -> schemas.GroupBy:
    if value not in _BYS:
        raise Invalid(
            f"--by must be one of {', '.join(_BYS)}, not {value!r}", [Problem("bad", field="by")]
        )
    return value  # type: ignore[return-value]


@surveys_app.command("list")
@handle_errors
def list_surveys(as_json: JsonOpt = False) -> None:
    """List the staff surveys with their rounds."""
    from ccops.runtime import unit_of_work
    from ccops.voice import surveys

    with unit_of_work() as s:
        rows = surveys.list_surveys(session=s)
    if as_json:
        print_json(rows)
        return
    print_table(
        "Staff surveys",
        [r.model_dump() for r in rows],
        ["id", "name", "kind", "questions", "rounds", "latest_round"],
    )


@surveys_app.command("show")
@handle_errors
def show(survey: str, as_json: JsonOpt = False) -> None:
    """Show a survey's questions and rounds (invited and respondents per round)."""
    from ccops.runtime import unit_of_work
    from ccops.voice import surveys

    with unit_of_work() as s:
        out = surveys.get_survey(session=s, survey=survey)
    if as_json:
        print_json(out)
        return
    console.print(f"[bold]{out.name}[/] ({out.kind})", highlight=False)
    print_table("Questions", [q.model_dump() for q in out.questions], ["key", "kind", "text"])
    print_table(
        "Rounds",
        [r.model_dump() for r in out.rounds],
        ["id", "label", "opens_on", "closes_on", "closed", "invited", "respondents"],
    )


@surveys_app.command("create")
@handle_errors
def create(
    file: Annotated[Path, typer.Argument(help="JSON file: name, kind, questions [...]")],
    as_json: JsonOpt = False,
) -> None:
    """Create a survey from a JSON file (name, kind, description, questions)."""
    from ccops.runtime import unit_of_work
    from ccops.voice import surveys

    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise Invalid(
            f"{file}: cannot read a JSON survey: {exc}", [Problem("unreadable")]
        ) from None
    data = schemas.SurveyIn.model_validate(raw)
    with unit_of_work() as s:
        out = surveys.create_survey(session=s, data=data, by=who())
    if as_json:
        print_json(out)
    else:
        console.print(f"Survey {out.id} {out.name!r} created.", highlight=False)


@surveys_app.command("open")
@handle_errors
def open_round(
    survey: str,
    label: Annotated[str, typer.Option(help="The round's label, e.g. 2026-Q4")],
    opens_on: Annotated[str, typer.Option("--opens", help="First day (YYYY-MM-DD)")],
    closes_on: Annotated[str, typer.Option("--closes", help="Last day (YYYY-MM-DD)")],
    site: Annotated[list[str] | None, typer.Option(help="Invite a site (repeat)")] = None,
    team: Annotated[list[str] | None, typer.Option(help="Invite a team (repeat)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Open a round for sites and teams (none given: everyone)."""
    from ccops.runtime import unit_of_work
    from ccops.voice import surveys

    data = schemas.RoundIn(
        label=label,
        opens_on=date.fromisoformat(opens_on),
        closes_on=date.fromisoformat(closes_on),
        sites=site or [],
        teams=team or [],
    )
    with unit_of_work() as s:
        out = surveys.open_round(session=s, survey=survey, data=data, by=who())
    if as_json:
        print_json(out)
    else:
        console.print(f"Round {out.id} {out.label!r} open: {out.invited} invited.", highlight=False)


@surveys_app.command("close")
@handle_errors
def close(round_id: int, as_json: JsonOpt = False) -> None:
    """Close a round: no more answers; results can be shown."""
    from ccops.runtime import unit_of_work
    from ccops.voice import surveys

    with unit_of_work() as s:
        out = surveys.close_round(session=s, round_id=round_id)
    if as_json:
        print_json(out)
    else:
        console.print(
            f"Round {out.label!r} closed: {out.respondents} of {out.invited} answered.",
            highlight=False,
        )


@surveys_app.command("remind")
@handle_errors
def remind(round_id: int) -> None:
    """Remind everyone invited who has not answered (you learn only how many)."""
    from ccops.org import service as org_service
    from ccops.runtime import unit_of_work
    from ccops.voice import surveys

    with unit_of_work() as s:
        n = surveys.remind(session=s, round_id=round_id, scope=org_service.EVERYTHING)
    console.print(f"{n} reminders sent.", highlight=False)


def _scores_text(scores: dict[str, schemas.Score] | None) -> str:
    if scores is None:
        return "suppressed"
    return "; ".join(
        f"{k} {v.mean:.2f}" + (f" [{v.low:.2f}, {v.high:.2f}]" if v.low is not None else "")
        for k, v in scores.items()
    )


@surveys_app.command("results")
@handle_errors
def results(
    survey: str, by: ByGroup = "team", round_label: RoundOpt = None, as_json: JsonOpt = False
) -> None:
    """A closed round's results by group; small groups and their complements are suppressed."""
    from ccops.runtime import unit_of_work
    from ccops.voice import surveys

    with unit_of_work() as s:
        out = surveys.results(session=s, survey=survey, by=_by(by), round_label=round_label)
    if as_json:
        print_json(out.groups)
        return
    print_table(
        f"{out.survey} {out.round} by {out.by}: {out.respondents} of {out.invited} answered "
        f"(groups under {out.min_respondents} are not shown)",
        [
            {
                "group": g.group,
                "respondents": g.respondents,
                "shown": "no" if g.suppressed else "yes",
                "why": g.reason,
                "scores (95% interval)": _scores_text(g.scores),
            }
            for g in out.groups
        ],
        ["group", "respondents", "shown", "why", "scores (95% interval)"],
    )


@surveys_app.command("engagement")
@handle_errors
def engagement(
    first: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD; a year back)")] = None,
    last: Annotated[str | None, typer.Option(help="Last day (YYYY-MM-DD; yesterday)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Each team's monthly attrition beside its engagement index (withheld under the minimum)."""
    from ccops.cli_support import day_option
    from ccops.runtime import unit_of_work
    from ccops.voice import engagement as engagement_service

    with unit_of_work() as s:
        out = engagement_service.engagement_and_attrition(
            session=s, first=day_option(first, "--first"), last=day_option(last, "--last")
        )
    if as_json:
        print_json(out)
        return

    def shown(e: object) -> str:
        if not isinstance(e, schemas.TeamEngagement):
            return ""
        if e.index is None:
            return f"withheld ({e.reason})"
        iv = f" [{e.index.low:.2f}, {e.index.high:.2f}]" if e.index.low is not None else ""
        return f"{e.index.mean:.2f}{iv} n={e.index.n}"

    print_table(
        f"Engagement beside attrition, {out.first} to {out.last}",
        [
            {
                "team": r.team,
                "month": r.month,
                "leavers": r.leavers,
                "attrition": "" if r.attrition is None else f"{r.attrition:.1%}",
                "engagement": shown(r.engagement),
            }
            for r in out.months
        ],
        ["team", "month", "leavers", "attrition", "engagement"],
    )
    console.print(out.note)


@surveys_app.command("trend")
@handle_errors
def trend(survey: str, group: str, by: ByGroup = "team", as_json: JsonOpt = False) -> None:
    """A group's scores across rounds, with intervals."""
    from ccops.runtime import unit_of_work
    from ccops.voice import surveys

    with unit_of_work() as s:
        points = surveys.trend(session=s, survey=survey, by=_by(by), group=group)
    if as_json:
        print_json(points)
        return
    print_table(
        f"{survey}: {group}",
        [
            {
                "round": p.round,
                "respondents": p.respondents,
                "scores (95% interval)": _scores_text(p.scores),
            }
            for p in points
        ],
        ["round", "respondents", "scores (95% interval)"],
    )


@suggestions_app.command("list")
@handle_errors
def suggestions_list(
    status: Annotated[str | None, typer.Option(help="Only this status")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List suggestions with their status and whether they were answered in time."""
    from ccops.runtime import unit_of_work
    from ccops.voice import suggestions

    with unit_of_work() as s:
        rows = suggestions.list_suggestions(session=s, status=status)
    if as_json:
        print_json(rows)
        return
    print_table(
        "Suggestions",
        [{**r.model_dump(), "author": r.author or "(anonymous)"} for r in rows],
        ["id", "site", "author", "title", "status", "submitted_on", "due_on", "answered_in_time"],
    )


@suggestions_app.command("submit")
@handle_errors
def suggestions_submit(
    title: Annotated[str, typer.Option(help="A short title")],
    text: Annotated[str, typer.Option(help="The idea")],
    author: Annotated[str, typer.Option(help="The author's login")],
    anonymous: Annotated[bool, typer.Option(help="Keep no link to the author")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Submit a suggestion (anonymous: prints the receipt code to follow it with)."""
    from ccops.runtime import unit_of_work
    from ccops.voice import suggestions

    with unit_of_work() as s:
        out = suggestions.submit(
            session=s,
            data=schemas.SuggestionIn(title=title, text=text, anonymous=anonymous),
            author_login=author,
            today=date.today(),
        )
    if as_json:
        print_json(out)
    else:
        console.print(
            f"Suggestion {out.id} submitted; answer due by {out.due_on}."
            + (f" Receipt code: {out.receipt}" if out.receipt else ""),
            highlight=False,
        )


@suggestions_app.command("decide")
@handle_errors
def suggestions_decide(
    suggestion_id: int,
    decision: Annotated[str, typer.Option(help="in_review, adopted, declined or implemented")],
    reason: Annotated[str, typer.Option(help="Why")],
    reward: Annotated[str, typer.Option(help="The reward of an adopted one")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Assess a suggestion with a decision and its reason."""
    from ccops.runtime import unit_of_work
    from ccops.voice import suggestions

    data = schemas.DecisionIn.model_validate(
        {"decision": decision, "reason": reason, "reward": reward}
    )
    with unit_of_work() as s:
        out = suggestions.decide(
            session=s, suggestion_id=suggestion_id, data=data, by=who(), today=date.today()
        )
    if as_json:
        print_json(out)
    else:
        console.print(f"Suggestion {out.id}: {out.status}.", highlight=False)


@suggestions_app.command("monthly")
@handle_errors
def suggestions_monthly(as_json: JsonOpt = False) -> None:
    """Monthly counts per site: submitted, answered in time, adopted."""
    from ccops.runtime import unit_of_work
    from ccops.voice import suggestions

    with unit_of_work() as s:
        rows = suggestions.monthly(session=s)
    if as_json:
        print_json(rows)
        return
    print_table(
        "Suggestions per month",
        [r.model_dump() for r in rows],
        ["site", "month", "submitted", "answered_in_time", "adopted"],
    )


@huddles_app.command("list")
@handle_errors
def huddles_list(
    team: str,
    first: Annotated[str, typer.Option(help="First day (YYYY-MM-DD)")],
    last: Annotated[str, typer.Option(help="Last day (YYYY-MM-DD)")],
    as_json: JsonOpt = False,
) -> None:
    """A team's huddles and meetings with notes and actions."""
    from ccops.runtime import unit_of_work
    from ccops.voice import huddles

    with unit_of_work() as s:
        rows = huddles.list_huddles(
            session=s,
            team=team,
            first=date.fromisoformat(first),
            last=date.fromisoformat(last),
            today=date.today(),
        )
    if as_json:
        print_json(rows)
        return
    print_table(
        f"Huddles of {team}",
        [
            {
                "id": h.id,
                "day": h.held_on,
                "kind": h.kind,
                "attended": len(h.attendees),
                "actions": "; ".join(f"{a.text} ({a.owner}, {a.due_on})" for a in h.actions),
            }
            for h in rows
        ],
        ["id", "day", "kind", "attended", "actions"],
    )


@huddles_app.command("rhythm")
@handle_errors
def huddles_rhythm(
    team: str,
    first: Annotated[str, typer.Option(help="First day (YYYY-MM-DD)")],
    last: Annotated[str, typer.Option(help="Last day (YYYY-MM-DD)")],
    as_json: JsonOpt = False,
) -> None:
    """Floor checks, huddles and weekly meetings expected, held and missed per working day."""
    from ccops.runtime import unit_of_work
    from ccops.voice import huddles

    with unit_of_work() as s:
        rows = huddles.rhythm(
            session=s, team=team, first=date.fromisoformat(first), last=date.fromisoformat(last)
        )
    if as_json:
        print_json(rows)
        return
    print_table(
        f"Rhythm of {team}",
        [
            {
                "day": r.day,
                "held": len(r.held),
                "expected": len(r.expected),
                "missed": ", ".join(sorted({f"{k} x{r.missed.count(k)}" for k in r.missed})),
                "by": r.basis,
            }
            for r in rows
        ],
        ["day", "held", "expected", "missed", "by"],
    )


@huddles_app.command("actions")
@handle_errors
def huddles_actions(login: str, as_json: JsonOpt = False) -> None:
    """A person's open actions from huddles."""
    from ccops.org import service as org_service
    from ccops.runtime import unit_of_work
    from ccops.voice import huddles

    with unit_of_work() as s:
        person = org_service.find_person(session=s, login=login)
        rows = huddles.my_actions(session=s, person_id=person.id, today=date.today())
    if as_json:
        print_json(rows)
        return
    print_table(
        f"Open actions of {login}",
        [r.model_dump() for r in rows],
        ["id", "team", "text", "due_on", "overdue"],
    )
