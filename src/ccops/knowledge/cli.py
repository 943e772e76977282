"""`ccops kb ...` (articles, search, known issues), `ccops changes ...` (process changes),
`ccops improvements ...` (PDCA) and `ccops training ...` (new-hire training modules and
checklists)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer

from ccops.cli_support import console, handle_errors, print_json, print_table, who
from ccops.enums import Role
from ccops.errors import Invalid, NotFound, Problem
from ccops.knowledge import schemas

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
ByOpt = Annotated[str | None, typer.Option("--by", help="Login recorded as the one who acts")]
BodyOpt = Annotated[str | None, typer.Option("--body", help="The article's text")]
FileOpt = Annotated[
    Path | None, typer.Option("--file", help="Read the text from this UTF-8 file instead")
]

kb_app = typer.Typer(
    help="Knowledge base: standard answers in versions, search, known issues.",
    no_args_is_help=True,
)
banner_app = typer.Typer(help="Known-issue banners on queues.", no_args_is_help=True)
kb_app.add_typer(banner_app, name="banner")
improvements_app = typer.Typer(
    help="Improvement cycles (PDCA): problem, root causes, actions, check, standard.",
    no_args_is_help=True,
)
changes_app = typer.Typer(
    help="Process changes and who has acknowledged them.", no_args_is_help=True
)
training_app = typer.Typer(
    help="New-hire training: modules in versions, checklists, completions.", no_args_is_help=True
)


def _body(body: str | None, path: Path | None) -> str:
    if path is not None:
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise Invalid(f"{path}: cannot read: {exc.strerror}", [Problem("unreadable")]) from None
    if body is None:
        raise Invalid("give the text with --body or --file", [Problem("required", field="body")])
    return body


def _show(article: schemas.ArticleOut, as_json: bool) -> None:
    if as_json:
        print_json(article)
        return
    console.print(
        f"[bold]{article.title}[/] (article {article.id}, {article.language}, "
        f"topic {article.topic}, {article.status}, published version {article.version}, "
        f"owner {article.owner})",
        highlight=False,
    )
    console.print(article.body, highlight=False, markup=False)
    print_table(
        "History",
        [
            {
                "version": v.version,
                "status": v.status,
                "title": v.title,
                "written": f"{v.created_by} {v.created_at:%Y-%m-%d %H:%M}",
                "reviewed": v.reviewed_by or "",
                "published": f"{v.published_by} {v.published_at:%Y-%m-%d %H:%M}"
                if v.published_at
                else "",
                "note": v.note,
            }
            for v in article.versions
        ],
        ["version", "status", "title", "written", "reviewed", "published", "note"],
        footnotes="note",
    )


@kb_app.command("search")
@handle_errors
def search(
    text: Annotated[str, typer.Argument(help="Words to find (each anywhere; Chinese too)")],
    language: Annotated[str | None, typer.Option(help="Only articles in this language")] = None,
    queue: Annotated[str | None, typer.Option(help="Only articles of this queue")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Search the published articles."""
    from ccops.knowledge import service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        hits = service.search(session=s, text=text, language=language, queue=queue)
    if as_json:
        print_json(hits)
        return
    print_table(
        f"Articles matching {text!r}",
        [h.model_dump() for h in hits],
        ["id", "title", "version", "language", "topic", "queue", "snippet"],
    )


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1%}"


def _interval(low: float, high: float, contacts: int) -> str:
    return f"{low:.1%}–{high:.1%}" if contacts else "—"


@kb_app.command("repeats")
@handle_errors
def repeats(
    topic: Annotated[str | None, typer.Option(help="Only this topic")] = None,
    first_day: Annotated[
        str | None, typer.Option("--from", help="First local day (default: 12 weeks to --to)")
    ] = None,
    last_day: Annotated[
        str | None, typer.Option("--to", help="Last local day (default: the data's last day)")
    ] = None,
    days: Annotated[int, typer.Option(help="Repeat window, days (1–90)")] = 7,
    as_json: JsonOpt = False,
) -> None:
    """Repeat-contact rate per topic and per standard-answer version, with 95% intervals: the
    same customer again on the same topic within --days days. Versions of an article are
    compared with the one before (lower/higher only outside the noise)."""
    from ccops import bounds
    from ccops.knowledge import repeat_rates
    from ccops.org.access import EVERYTHING
    from ccops.runtime import unit_of_work

    first = bounds.parse_day(first_day, "--from")
    last = bounds.parse_day(last_day, "--to")
    with unit_of_work() as s:
        first, last = repeat_rates.default_range(
            session=s, scope=EVERYTHING, first=first, last=last
        )
        report = repeat_rates.repeat_rates(
            session=s, scope=EVERYTHING, first=first, last=last, days=days, topic=topic
        )
    if as_json:
        print_json(report)
        return
    rows: list[dict[str, object]] = []
    for t in report.topics:
        rows.append(
            {
                "topic": t.topic,
                "answer": "(all)",
                "contacts": t.contacts,
                "repeats": t.repeats,
                "rate": _pct(t.rate),
                "95% interval": _interval(t.low, t.high, t.contacts),
                "incomplete": t.incomplete,
                "vs previous version": "",
            }
        )
        for v in t.versions:
            answer = "no answer recorded"
            if v.article_id is not None:
                answer = f"{v.title or 'article ' + str(v.article_id)} · v{v.version}"
            versus = ""
            if v.comparison is not None:
                versus = f"{v.comparison} than v{v.compared_with}"
                if v.difference_low is not None and v.difference_high is not None:
                    versus += f" ({v.difference_low:+.1%} to {v.difference_high:+.1%})"
            rows.append(
                {
                    "topic": "",
                    "answer": answer,
                    "contacts": v.contacts,
                    "repeats": v.repeats,
                    "rate": _pct(v.rate),
                    "95% interval": _interval(v.low, v.high, v.contacts),
                    "incomplete": v.incomplete,
                    "vs previous version": versus,
                }
            )
    print_table(
        f"Repeat contacts within {report.days} days, {report.first} to {report.last}",
        rows,
        [
            "topic",
            "answer",
            "contacts",
            "repeats",
            "rate",
            "95% interval",
            "incomplete",
            "vs previous version",
        ],
    )
    console.print(
        f"Not in a rate: {report.incomplete} contacts whose window is not over yet, "
        f"{report.without_customer} without a customer key, {report.without_topic} without a "
        "topic.",
        highlight=False,
    )
    if not report.topics:
        console.print("No contact with a topic in this range.", highlight=False)


@kb_app.command("list")
@handle_errors
def list_articles(as_json: JsonOpt = False) -> None:
    """List every article with its state and published version."""
    from ccops.knowledge import service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        rows = service.list_articles(session=s)
    if as_json:
        print_json(rows)
        return
    print_table(
        "Articles",
        [a.model_dump() for a in rows],
        ["id", "topic", "title", "language", "queue", "status", "version", "owner"],
    )


@kb_app.command("show")
@handle_errors
def show(article_id: int, as_json: JsonOpt = False) -> None:
    """Show an article: its published text and the history of its versions."""
    from ccops.knowledge import service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        article = service.get_article(session=s, article_id=article_id)
    _show(article, as_json)


@kb_app.command("create")
@handle_errors
def create(
    topic: Annotated[str, typer.Option(help="Topic, e.g. refunds")],
    title: Annotated[str, typer.Option(help="Title")],
    body: BodyOpt = None,
    file: FileOpt = None,
    language: Annotated[str, typer.Option(help="Language code: en, zh, ...")] = "en",
    queue: Annotated[str | None, typer.Option(help="The queue it answers for")] = None,
    owner: Annotated[str | None, typer.Option(help="Login of the owner who reviews")] = None,
    kind: Annotated[str, typer.Option(help="answer or process")] = "answer",
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write a new article (version 1, a draft for its owner to review)."""
    from ccops.knowledge import service
    from ccops.runtime import unit_of_work

    data = schemas.ArticleIn.model_validate(
        {
            "topic": topic,
            "title": title,
            "body": _body(body, file),
            "language": language,
            "queue": queue,
            "owner": owner,
            "kind": kind,
        }
    )
    with unit_of_work() as s:
        article = service.create_article(session=s, data=data, by=by or who())
    _show(article, as_json)


@kb_app.command("edit")
@handle_errors
def edit(
    article_id: int,
    title: Annotated[str, typer.Option(help="Title")],
    body: BodyOpt = None,
    file: FileOpt = None,
    note: Annotated[str, typer.Option(help="What changed and why")] = "",
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change an article: a new draft version (the published one stays until replaced)."""
    from ccops.knowledge import service
    from ccops.runtime import unit_of_work

    data = schemas.EditIn(title=title, body=_body(body, file), note=note)
    with unit_of_work() as s:
        article = service.edit_article(session=s, article_id=article_id, data=data, by=by or who())
    _show(article, as_json)


@kb_app.command("submit")
@handle_errors
def submit(article_id: int, by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """Send the article's draft to its owner for review."""
    from ccops.knowledge import service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        article = service.submit(session=s, article_id=article_id, by=by or who())
    _show(article, as_json)


@kb_app.command("review")
@handle_errors
def review(
    article_id: int,
    version: int,
    reject: Annotated[bool, typer.Option("--reject", help="Send it back to draft")] = False,
    comment: Annotated[str, typer.Option(help="The reviewer's comment")] = "",
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """As the article's owner, approve a version in review (or --reject it)."""
    from ccops.knowledge import service
    from ccops.runtime import unit_of_work

    data = schemas.ReviewIn(decision="reject" if reject else "approve", comment=comment)
    with unit_of_work() as s:
        article = service.review(
            session=s, article_id=article_id, version=version, data=data, by=by or who()
        )
    _show(article, as_json)


@kb_app.command("publish")
@handle_errors
def publish(article_id: int, version: int, by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """Publish a version its owner approved (exit code 4 when it was not reviewed)."""
    from ccops.knowledge import service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        article = service.publish(session=s, article_id=article_id, version=version, by=by or who())
    _show(article, as_json)


@kb_app.command("rollback")
@handle_errors
def roll_back(article_id: int, version: int, by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """Roll back to an earlier version: a new version equal to it, for the owner to review."""
    from ccops.knowledge import service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        article = service.roll_back(
            session=s, article_id=article_id, to_version=version, by=by or who()
        )
    _show(article, as_json)


@kb_app.command("archive")
@handle_errors
def archive(article_id: int, by: ByOpt = None, as_json: JsonOpt = False) -> None:
    """Archive an article: agents no longer find or read it."""
    from ccops.knowledge import service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        article = service.archive(session=s, article_id=article_id, by=by or who())
    _show(article, as_json)


@kb_app.command("diff")
@handle_errors
def diff(article_id: int, from_version: int, to_version: int, as_json: JsonOpt = False) -> None:
    """Show what changed between two versions (a unified diff)."""
    from ccops.knowledge import service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = service.diff(
            session=s, article_id=article_id, from_version=from_version, to_version=to_version
        )
    if as_json:
        print_json(out)
    else:
        console.print(out.text, highlight=False, markup=False)


def _banners(rows: list[schemas.BannerOut], as_json: bool) -> None:
    if as_json:
        print_json(rows)
        return
    print_table(
        "Known issues",
        [b.model_dump() for b in rows],
        ["id", "queue", "message", "expires_at", "active", "created_by"],
    )


@banner_app.command("add")
@handle_errors
def banner_add(
    queue: Annotated[str, typer.Option(help="The queue whose agents see it")],
    message: Annotated[str, typer.Option(help="The known issue, in a sentence or two")],
    hours: Annotated[float, typer.Option(help="Hours until it expires (at most 336)")] = 8.0,
    article: Annotated[int | None, typer.Option(help="The article with the answer")] = None,
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Put up a known-issue banner for a queue until it expires."""
    from ccops.knowledge import service
    from ccops.runtime import unit_of_work

    data = schemas.BannerIn(
        queue=queue,
        message=message,
        expires_at=datetime.now(UTC) + timedelta(hours=hours),
        article_id=article,
    )
    with unit_of_work() as s:
        out = service.create_banner(session=s, data=data, by=by or who())
    _banners([out], as_json)


@banner_app.command("list")
@handle_errors
def banner_list(
    all_: Annotated[bool, typer.Option("--all", help="Expired and withdrawn ones too")] = False,
    as_json: JsonOpt = False,
) -> None:
    """List the known issues showing now (or every one)."""
    from ccops.knowledge import service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        rows = service.list_banners(session=s, active_only=not all_)
    _banners(rows, as_json)


@banner_app.command("withdraw")
@handle_errors
def banner_withdraw(banner_id: int, as_json: JsonOpt = False) -> None:
    """Take a banner down before it expires."""
    from ccops.knowledge import service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = service.withdraw_banner(session=s, banner_id=banner_id)
    _banners([out], as_json)


def _changes(rows: list[schemas.ChangeOut], as_json: bool) -> None:
    if as_json:
        print_json(rows)
        return
    print_table(
        "Process changes",
        [
            c.model_dump()
            | {"audience": ", ".join(c.teams + c.roles), "acks": f"{c.acknowledged}/{c.addressed}"}
            for c in rows
        ],
        ["id", "title", "audience", "acks", "created_by", "published_at"],
    )


def _link(text: str) -> schemas.TrainingLinkIn:
    module, _, version = text.partition(":")
    if not module.strip().isdigit() or (version and not version.strip().isdigit()):
        raise Invalid(
            f"--training {text!r}: give a module id, or ID:VERSION",
            [Problem("not ID or ID:VERSION", field="training")],
        )
    return schemas.TrainingLinkIn(module_id=int(module), version=int(version) if version else None)


@changes_app.command("create")
@handle_errors
def change_create(
    title: Annotated[str, typer.Option(help="What changes")],
    summary: Annotated[str, typer.Option(help="What people must know")],
    team: Annotated[list[str] | None, typer.Option(help="A team that must know (repeat)")] = None,
    role: Annotated[list[Role] | None, typer.Option(help="A role that must know (repeat)")] = None,
    article: Annotated[int | None, typer.Option(help="The article it changes")] = None,
    training: Annotated[
        list[str] | None,
        typer.Option(help="A training module it updates: ID or ID:VERSION (repeat)"),
    ] = None,
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Publish a change: every user of the teams and roles named is notified and acknowledges."""
    from ccops.knowledge import service
    from ccops.runtime import unit_of_work

    data = schemas.ChangeIn(
        title=title,
        summary=summary,
        teams=team or [],
        roles=role or [],
        article_id=article,
        training=[_link(t) for t in training or []],
    )
    with unit_of_work() as s:
        out = service.create_change(session=s, data=data, by=by or who())
    _changes([out], as_json)


@changes_app.command("list")
@handle_errors
def change_list(as_json: JsonOpt = False) -> None:
    """List the changes with how many have acknowledged, newest first."""
    from ccops.knowledge import service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        rows = service.list_changes(session=s, user_id=0, manage=True)
    _changes(rows, as_json)


@changes_app.command("status")
@handle_errors
def change_status(change_id: int, as_json: JsonOpt = False) -> None:
    """Who has and has not acknowledged a change, per team."""
    from ccops.knowledge import service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = service.change_status(session=s, change_id=change_id, user_id=0)
    if as_json:
        print_json(out)
        return
    print_table(
        f"Change {out.change.id}: {out.change.title}",
        [
            {
                "team": t.team or "(no team)",
                "acknowledged": f"{t.acknowledged}/{t.addressed}",
                "missing": ", ".join(t.missing),
            }
            for t in out.teams
        ],
        ["team", "acknowledged", "missing"],
    )


@changes_app.command("remind")
@handle_errors
def change_remind(change_id: int, as_json: JsonOpt = False) -> None:
    """Notify again everyone who has not acknowledged the change."""
    from ccops.knowledge import service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = service.remind(session=s, change_id=change_id)
    if as_json:
        print_json(out)
    else:
        console.print(f"reminded {out.reminded}: {', '.join(out.logins)}", highlight=False)


@changes_app.command("ack")
@handle_errors
def change_ack(
    change_id: int,
    user: Annotated[str, typer.Option("--user", help="Login of the user who acknowledges")],
    as_json: JsonOpt = False,
) -> None:
    """Record a user's acknowledgement (exit code 5 when the change is not addressed to them)."""
    from ccops.knowledge import service
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        user_id = service.user_id_of(session=s, login=user)
        if user_id is None:
            raise NotFound(f"user {user!r} does not exist", [Problem("unknown", field="user")])
        out = service.acknowledge(session=s, change_id=change_id, user_id=user_id)
    _changes([out], as_json)


def _improvement(r: schemas.ImprovementOut, as_json: bool) -> None:
    if as_json:
        print_json(r)
        return
    console.print(
        f"[bold]{r.title}[/] (improvement {r.id}, {r.stage}; KPI {r.kpi}"
        f"{' on ' + r.queue if r.queue else ''}, {r.problem_first} to {r.problem_last})",
        highlight=False,
    )
    console.print(r.problem, highlight=False, markup=False)
    for n, why in enumerate(r.whys, 1):
        console.print(f"  why {n}: {why}", highlight=False, markup=False)
    for category, causes in r.fishbone.items():
        console.print(f"  {category}: {'; '.join(causes)}", highlight=False, markup=False)
    for a in r.actions:
        console.print(f"  action {a.id}: {a.text} ({a.owner}, due {a.due})", highlight=False)
    if r.check:
        c = r.check

        def num(x: float | None) -> str:
            return "-" if x is None else f"{x:.3f}"

        console.print(
            f"  check: {num(c.before.rate)} [{num(c.before.low)}, {num(c.before.high)}] -> "
            f"{num(c.after.rate)} [{num(c.after.low)}, {num(c.after.high)}]; "
            f"verdict: {c.verdict}",
            highlight=False,
        )
        if c.measured == "contacts" and c.kpi:
            console.print(
                f"  measured from the contacts of {c.subject}: {c.kpi} "
                f"({'Welch t' if c.estimate == 'mean' else 'Wilson, Newcombe'} intervals) on "
                f"{c.before.trials} contacts before, {c.after.trials} after",
                highlight=False,
            )
        elif c.measured == "contacts":
            console.print(
                f"  measured from the contacts on {c.topic!r}: repeats within {c.days} days "
                f"{c.before.successes}/{c.before.trials} before, {c.after.successes}/"
                f"{c.after.trials} after ({c.incomplete} contacts with an open window left out)",
                highlight=False,
            )
    if r.standard_article_id:
        console.print(f"  standard: article {r.standard_article_id}", highlight=False)


@improvements_app.command("create")
@handle_errors
def improvement_create(
    path: Annotated[Path, typer.Argument(help="JSON: title, kpi, queue, problem_first, ...")],
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Open an improvement record from a JSON file (problem, whys, fishbone)."""
    from ccops.knowledge import improvements as pdca
    from ccops.runtime import unit_of_work

    data = schemas.ImprovementIn.model_validate_json(_body(None, path))
    with unit_of_work() as s:
        out = pdca.create(session=s, data=data, by=by or who())
    _improvement(out, as_json)


@improvements_app.command("list")
@handle_errors
def improvement_list(as_json: JsonOpt = False) -> None:
    """List the improvement records, newest first."""
    from ccops.knowledge import improvements as pdca
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        rows = pdca.list_records(session=s)
    if as_json:
        print_json(rows)
        return
    print_table(
        "Improvement records",
        [r.model_dump() | {"verdict": r.check.verdict if r.check else ""} for r in rows],
        ["id", "title", "kpi", "queue", "stage", "verdict"],
    )


@improvements_app.command("show")
@handle_errors
def improvement_show(improvement_id: int, as_json: JsonOpt = False) -> None:
    """Show an improvement record."""
    from ccops.knowledge import improvements as pdca
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = pdca.get(session=s, record_id=improvement_id)
    _improvement(out, as_json)


@improvements_app.command("action")
@handle_errors
def improvement_action(
    improvement_id: int,
    text: Annotated[str, typer.Option(help="What is done")],
    owner: Annotated[str, typer.Option(help="Who does it")],
    due: Annotated[str, typer.Option(help="By when (YYYY-MM-DD)")],
    as_json: JsonOpt = False,
) -> None:
    """Add an action with its owner and due date."""
    from ccops.knowledge import improvements as pdca
    from ccops.runtime import unit_of_work

    data = schemas.ActionIn.model_validate({"text": text, "owner": owner, "due": due})
    with unit_of_work() as s:
        out = pdca.add_action(session=s, record_id=improvement_id, data=data)
    _improvement(out, as_json)


@improvements_app.command("check")
@handle_errors
def improvement_check(
    improvement_id: int,
    before: Annotated[
        str,
        typer.Option(
            help="FIRST:LAST:SUCCESSES:TRIALS before the change; FIRST:LAST alone for a "
            "repeat_rate:TOPIC KPI (measured from the stored contacts)"
        ),
    ],
    after: Annotated[
        str, typer.Option(help="FIRST:LAST:SUCCESSES:TRIALS (or FIRST:LAST) after the change")
    ],
    lower_is_better: Annotated[
        bool,
        typer.Option(
            "--lower-is-better",
            help="e.g. a repeat-contact rate typed in; for a measured KPI without a better "
            "direction in the registry (aht_s) it says lower is better",
        ),
    ] = False,
    higher_is_better: Annotated[
        bool,
        typer.Option(
            "--higher-is-better",
            help="For a measured KPI without a better direction in the registry (aht_s)",
        ),
    ] = False,
    days: Annotated[
        int, typer.Option(help="Repeat window in days of a check measured from contacts")
    ] = 7,
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record the check: the KPI's rate before vs after, intervals and verdict. A topic's repeat
    rate (KPI repeat_rate:TOPIC) and the registry's contact KPIs (service_level, abandon_rate,
    repeat_contact_rate, aht_s, asa_s) are measured from the stored contacts: give only the
    periods."""
    from ccops.knowledge import improvements as pdca
    from ccops.runtime import unit_of_work

    pieces = {"before": before.split(":"), "after": after.split(":")}
    measured = all(len(p) == 2 for p in pieces.values())
    parts: dict[str, object] = {}
    for name, found in pieces.items():
        if len(found) != (2 if measured else 4):
            raise Invalid(
                f"--{name} is FIRST:LAST:SUCCESSES:TRIALS, or FIRST:LAST for both periods",
                [Problem("bad form", field=name)],
            )
        keys = ("first", "last", "successes", "trials")
        parts.update({f"{name}_{k}": v for k, v in zip(keys, found, strict=False)})
    with unit_of_work() as s:
        if measured:
            direction = True if higher_is_better else False if lower_is_better else None
            contact_check = schemas.ContactCheckIn.model_validate(
                parts | {"days": days, "higher_is_better": direction}
            )
            out = pdca.check_from_contacts(
                session=s, record_id=improvement_id, data=contact_check, by=by or who()
            )
        else:
            data = schemas.CheckIn.model_validate(parts | {"higher_is_better": not lower_is_better})
            out = pdca.check(session=s, record_id=improvement_id, data=data, by=by or who())
    _improvement(out, as_json)


@improvements_app.command("standardise")
@handle_errors
def improvement_standardise(improvement_id: int, article_id: int, as_json: JsonOpt = False) -> None:
    """Link the article that makes it the standard (exit code 4 unless the check improved)."""
    from ccops.knowledge import improvements as pdca
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = pdca.standardise(session=s, record_id=improvement_id, article_id=article_id)
    _improvement(out, as_json)


# --- ccops training ---------------------------------------------------------------------------


def _module(m: schemas.TrainingModuleOut, as_json: bool) -> None:
    if as_json:
        print_json(m)
        return
    console.print(
        f"[bold]{m.title}[/] (module {m.id}, for {m.queue or 'every agent'}, owner {m.owner}; "
        f"current version {m.current_version})",
        highlight=False,
    )
    print_table(
        "Versions",
        [
            {
                "version": v.version,
                "summary": v.summary,
                "reference": v.reference,
                "published": f"{v.published_at:%Y-%m-%d %H:%M} {v.published_by}",
            }
            for v in m.versions
        ],
        ["version", "summary", "reference", "published"],
    )
    if m.notified is not None:
        console.print(f"{m.notified} user(s) notified of version {m.current_version}.")


@training_app.command("list")
@handle_errors
def training_list(as_json: JsonOpt = False) -> None:
    """List the training modules with their current versions."""
    from ccops.knowledge import training
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        rows = training.list_modules(session=s)
    if as_json:
        print_json(rows)
        return
    print_table(
        "Training modules",
        [
            m.model_dump() | {"queue": m.queue or "every agent", "version": m.current_version}
            for m in rows
        ],
        ["id", "title", "queue", "owner", "version"],
    )


@training_app.command("show")
@handle_errors
def training_show(module_id: int, as_json: JsonOpt = False) -> None:
    """A training module with every version."""
    from ccops.knowledge import training
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = training.get_module(session=s, module_id=module_id)
    _module(out, as_json)


@training_app.command("create")
@handle_errors
def training_create(
    title: Annotated[str, typer.Option(help="The module's title (unique)")],
    owner: Annotated[str, typer.Option(help="Who keeps it up to date")],
    summary: Annotated[str, typer.Option(help="Version 1: its content or summary")],
    queue: Annotated[
        str | None, typer.Option(help="The queue whose skill it trains (none: every agent)")
    ] = None,
    description: Annotated[str, typer.Option(help="What the module is for")] = "",
    reference: Annotated[str, typer.Option(help="A link or attachment name")] = "",
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write a training module and publish its version 1 (exit 4: the title exists)."""
    from ccops.knowledge import training
    from ccops.runtime import unit_of_work

    data = schemas.TrainingModuleIn(
        title=title,
        owner=owner,
        queue=queue,
        description=description,
        summary=summary,
        reference=reference,
    )
    with unit_of_work() as s:
        out = training.create_module(session=s, data=data, by=by or who())
    _module(out, as_json)


@training_app.command("add-version")
@handle_errors
def training_add_version(
    module_id: int,
    summary: Annotated[str, typer.Option(help="The new version's content or summary")],
    reference: Annotated[str, typer.Option(help="A link or attachment name")] = "",
    version: Annotated[
        int | None, typer.Option(help="Its number (above the current; default the next)")
    ] = None,
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Publish a new version of a module and notify the new hires whose checklist includes it
    and their team leaders (exit 2: a number not above the current one)."""
    from ccops.knowledge import training
    from ccops.runtime import unit_of_work

    data = schemas.TrainingVersionIn(summary=summary, reference=reference, version=version)
    with unit_of_work() as s:
        out = training.add_version(session=s, module_id=module_id, data=data, by=by or who())
    _module(out, as_json)


def _checklist(c: schemas.ChecklistOut, as_json: bool) -> None:
    if as_json:
        print_json(c)
        return
    print_table(
        f"Training checklist of {c.name} ({c.login}): {c.done} done, {c.out_of_date} out of "
        f"date, {c.to_do} to do",
        [
            i.model_dump()
            | {
                "completed": f"{i.completed_version} on {i.completed_on}"
                if i.completed_version
                else "",
                "current": i.current_version,
            }
            for i in c.items
        ],
        ["module_id", "title", "current", "completed", "state"],
    )


@training_app.command("checklist")
@handle_errors
def training_checklist(person: str, as_json: JsonOpt = False) -> None:
    """A person's checklist: each module that applies, its current version, what they did."""
    from ccops.knowledge import training
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = training.checklist(session=s, login=person)
    _checklist(out, as_json)


@training_app.command("complete")
@handle_errors
def training_complete(
    person: str,
    module: Annotated[int, typer.Option(help="The module's id")],
    version: Annotated[
        int | None, typer.Option(help="The version completed (the current one)")
    ] = None,
    on: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default today)")] = None,
    by: ByOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Mark a module completed by a person (exit 3: no such version; 2: a superseded one)."""
    from datetime import date

    from ccops.knowledge import training
    from ccops.runtime import unit_of_work

    try:
        day = date.fromisoformat(on) if on else None
    except ValueError:
        raise Invalid(f"--on {on!r} is not YYYY-MM-DD", [Problem("bad date", field="on")]) from None
    data = schemas.CompletionIn(module_id=module, version=version, completed_on=day)
    with unit_of_work() as s:
        out = training.complete(session=s, login=person, data=data, by=by or who())
    _checklist(out, as_json)


@training_app.command("new-hires")
@handle_errors
def training_new_hires(as_json: JsonOpt = False) -> None:
    """The people hired recently or with training recorded, with their checklist counts."""
    from ccops.knowledge import training
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        rows = training.new_hires(session=s)
    if as_json:
        print_json(rows)
        return
    print_table(
        "New hires",
        [r.model_dump() for r in rows],
        ["login", "name", "team", "hire_date", "done", "out_of_date", "to_do"],
    )
