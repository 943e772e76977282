"""`ccops import contacts|agent-states|intervals`, `ccops privacy erase` and `erase-leaver`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from ccops.cli_support import console, handle_errors, print_json, print_table
from ccops.contacts import schemas
from ccops.contacts.importers import FORMATS
from ccops.settings import get_settings

import_app = typer.Typer(
    help="Import contact records, agent states and interval reports.", no_args_is_help=True
)
privacy_app = typer.Typer(
    help="Privacy requests about customers, and erasure of leavers.", no_args_is_help=True
)

PathArg = Annotated[Path, typer.Argument(help="The file to import.", show_default=False)]
MappingOpt = Annotated[
    Path | None, typer.Option("--mapping", help="TOML column mapping (csv and parquet).")
]
SiteOpt = Annotated[
    str | None,
    typer.Option(
        help="Site whose wall clock times without an offset are in (default: each queue's site); "
        "also where --create-missing creates queues and agents."
    ),
]
SourceOpt = Annotated[
    str | None, typer.Option(help="Source name of the records (default: per format).")
]
SkipOpt = Annotated[
    bool,
    typer.Option(
        "--skip-invalid", help="Import the good rows; write the bad ones to a rejects file."
    ),
]
UpdateOpt = Annotated[
    bool, typer.Option("--update", help="Replace stored records whose content differs.")
]
CreateOpt = Annotated[
    bool, typer.Option("--create-missing", help="Create unknown queues and agents.")
]
ReportDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--report-dir", help="Where the report and rejects go (default DATA_DIR/imports)."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the report as JSON.")]
AgentMapOpt = Annotated[
    Path | None,
    typer.Option(
        "--agent-map",
        help="CSV alias,login: other names the queue_log uses for agents (e.g. Agent/1127, "
        "Local/1127@callback-agent); stored and used by later imports too.",
    ),
]


def _format_opt(kind: str) -> object:
    return typer.Option("--format", "-f", help=f"One of: {', '.join(FORMATS[kind])}.")


def _show(report: schemas.ImportReport, as_json: bool) -> None:
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    reports = [report] + ([report.agent_states] if report.agent_states else [])
    for item in reports:
        counts = [
            {"what": "rows read", "count": item.rows_read},
            {"what": "inserted", "count": item.inserted},
            {"what": "updated", "count": item.updated},
            {"what": "unchanged", "count": item.unchanged},
            {"what": "rejected", "count": item.rejected},
            {"what": "conflicts", "count": item.conflicts},
        ]
        counts += [{"what": f"skipped: {k}", "count": v} for k, v in item.skipped.items()]
        counts += [{"what": f"warning: {k}", "count": v} for k, v in item.warnings_by_kind.items()]
        counts += [{"what": f"note: {k}", "count": v} for k, v in item.notes.items()]
        counts += [
            {"what": f"kept, timing untrusted: {k}", "count": v}
            for k, v in item.timing_untrusted.items()
        ]
        title = f"Import of {item.kind.replace('_', ' ')} from {item.file} ({item.format})"
        print_table(title, counts, ["what", "count"])
        if item.pending_calls:
            console.print(
                f"calls still open at the end of the file: {item.pending_calls} (kept for the "
                "next file of the source; answered ones are counted already)",
                highlight=False,
            )
        if item.aliases_stored:
            console.print(f"agent aliases stored: {item.aliases_stored}", highlight=False)
        if item.created_queues:
            console.print(f"created queues: {', '.join(item.created_queues)}", highlight=False)
        if item.created_people:
            console.print(f"created agents: {', '.join(item.created_people)}", highlight=False)
        if item.rejects_path:
            console.print(f"rejected rows: {item.rejects_path}", highlight=False)
        if item.report_path:
            console.print(f"report: {item.report_path}", highlight=False)


def _run_import(
    import_file: Callable[..., schemas.ImportReport], as_json: bool, **options: Any
) -> None:
    """Run one import in its own transaction on the configured database and print the report;
    the intraday interval totals of the queue-days it wrote are rebuilt in the same transaction
    (``flows.import_records``)."""
    from ccops import flows
    from ccops.runtime import unit_of_work

    settings = get_settings()
    with unit_of_work(settings) as session:
        report = flows.import_records(
            run=import_file, session=session, settings=settings, **options
        )
    _show(report, as_json)


@import_app.command("contacts")
@handle_errors
def import_contacts(
    path: PathArg,
    format: Annotated[str, _format_opt("contacts")],
    mapping: MappingOpt = None,
    site: SiteOpt = None,
    source: SourceOpt = None,
    skip_invalid: SkipOpt = False,
    update: UpdateOpt = False,
    create_missing: CreateOpt = False,
    report_dir: ReportDirOpt = None,
    with_agent_states: Annotated[
        bool,
        typer.Option("--with-agent-states", help="Also import agent states (asterisk-queue-log)."),
    ] = False,
    agent_map: AgentMapOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import contacts from PATH (one transaction: all rows, or none)."""
    from ccops.contacts import imports as contacts_imports

    _run_import(
        contacts_imports.import_contacts,
        as_json,
        path=path,
        format=format,
        mapping=mapping,
        site=site,
        source=source,
        skip_invalid=skip_invalid,
        update=update,
        create_missing=create_missing,
        report_dir=report_dir,
        with_agent_states=with_agent_states,
        agent_map=agent_map,
    )


@import_app.command("agent-states")
@handle_errors
def import_agent_states(
    path: PathArg,
    format: Annotated[str, _format_opt("agent_states")],
    mapping: MappingOpt = None,
    site: SiteOpt = None,
    source: SourceOpt = None,
    skip_invalid: SkipOpt = False,
    update: UpdateOpt = False,
    create_missing: CreateOpt = False,
    report_dir: ReportDirOpt = None,
    agent_map: AgentMapOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import agent-state spans from PATH (csv, parquet or an Asterisk queue_log)."""
    from ccops.contacts import imports as contacts_imports

    _run_import(
        contacts_imports.import_agent_states,
        as_json,
        path=path,
        format=format,
        mapping=mapping,
        site=site,
        source=source,
        skip_invalid=skip_invalid,
        update=update,
        create_missing=create_missing,
        report_dir=report_dir,
        agent_map=agent_map,
    )


@import_app.command("pending")
@handle_errors
def pending(
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Calls still open at the end of the last queue_log import of each source (completed by
    the next file of the source; answered ones are counted already)."""
    from ccops.contacts import continuity
    from ccops.runtime import unit_of_work

    with unit_of_work(get_settings()) as session:
        found = continuity.list_pending(session=session, source=source)
    if as_json:
        print_json([p.model_dump(mode="json") for p in found])
        return
    rows = [
        {
            "source": p.source,
            "call": p.external_id,
            "queue": p.queue,
            "answered": "yes" if p.answered else "no",
            "agent": p.agent or "",
            "file": f"{p.file}:{p.line}",
        }
        for p in found
    ]
    print_table(
        f"{len(rows)} pending call(s)",
        rows,
        ["source", "call", "queue", "answered", "agent", "file"],
    )


@import_app.command("agent-aliases")
@handle_errors
def agent_aliases(
    agent_map: Annotated[
        Path | None, typer.Argument(help="CSV alias,login to store (omit to list).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Store the aliases of an agent map file (CSV alias,login), then list every stored alias."""
    from ccops.contacts import continuity
    from ccops.runtime import unit_of_work

    with unit_of_work(get_settings()) as session:
        stored = 0
        if agent_map is not None:
            stored = continuity.store_aliases(
                session=session,
                rows=continuity.read_agent_map(agent_map),
                label=agent_map.name,
            )
        found = continuity.list_aliases(session=session)
    if as_json:
        print_json({"stored": stored, "aliases": [a.model_dump() for a in found]})
        return
    if agent_map is not None:
        console.print(f"{stored} new alias(es) stored", highlight=False)
    print_table("Agent aliases", [a.model_dump() for a in found], ["alias", "login"])


@import_app.command("intervals")
@handle_errors
def import_intervals(
    path: PathArg,
    format: Annotated[str, _format_opt("intervals")],
    mapping: MappingOpt = None,
    site: SiteOpt = None,
    source: SourceOpt = None,
    skip_invalid: SkipOpt = False,
    update: UpdateOpt = False,
    create_missing: CreateOpt = False,
    report_dir: ReportDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import an ACD interval report (offered, answered, abandoned per queue and interval)."""
    from ccops.contacts import imports as contacts_imports

    _run_import(
        contacts_imports.import_intervals,
        as_json,
        path=path,
        format=format,
        mapping=mapping,
        site=site,
        source=source,
        skip_invalid=skip_invalid,
        update=update,
        create_missing=create_missing,
        report_dir=report_dir,
    )


@privacy_app.command("erase")
@handle_errors
def erase(
    customer: Annotated[str, typer.Option("--customer", help="The customer's key as imported.")],
    as_json: JsonOpt = False,
) -> None:
    """Erase a customer's link to their contacts (the contacts' statistics are kept)."""
    from ccops.contacts import privacy as contacts_privacy
    from ccops.runtime import unit_of_work

    settings = get_settings()
    with unit_of_work(settings) as session:
        affected = contacts_privacy.erase_customer(
            session=session, customer_key=customer, secret_key=settings.resolved_secret_key()
        )
    if as_json:
        print_json({"contacts_affected": affected})
    else:
        console.print(
            f"erased the customer link of {affected} contact{'s' if affected != 1 else ''} "
            "(their statistics are kept)",
            highlight=False,
        )


@privacy_app.command("erase-leaver")
@handle_errors
def erase_leaver(
    login: Annotated[str, typer.Argument(help="The leaver's person login.")],
    as_json: JsonOpt = False,
) -> None:
    """Erase a leaver's personal data (name, logins, notes); keep reviews, scores and statistics."""
    from ccops.audit import leavers
    from ccops.runtime import unit_of_work

    with unit_of_work(get_settings()) as session:
        found = leavers.erase_leaver(session=session, login=login)
    if as_json:
        print_json(found)
        return
    console.print(
        f"erased the personal data of person {found.person_id}: now {found.pseudonym!r}; "
        f"{found.users_disabled} sign-in(s) disabled, {found.tokens_deleted} token(s) deleted, "
        f"{found.notes_erased} note(s) erased, {found.audit_entries_redacted} audit entr"
        f"{'y' if found.audit_entries_redacted == 1 else 'ies'} redacted",
        highlight=False,
    )
    console.print("kept: " + "; ".join(found.kept), highlight=False)
