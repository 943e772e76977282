"""The machinery every contact-data import shares: file checks, organisation lookups, the
import job (batch, chunks, idempotency, rejects) and the records built from parsed rows.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.contacts import schemas
from ccops.contacts.importers import DEFAULT_SOURCE, FORMATS, TABULAR
from ccops.contacts.importers import base as importer_base
from ccops.contacts.importers.base import (
    AgentStateRow,
    ChunkedWriter,
    ContactRow,
    RejectedRow,
    RejectsSink,
    Tally,
    content_hash,
    file_sha256,
    hash_customer_key,
    normalise_customer_key,
    require_text_file,
    time_fields,
)
from ccops.contacts.importers.tabular import (
    load_mapping,
)
from ccops.contacts.models import Contact, ImportBatch, IntervalReport
from ccops.enums import ChannelKind, ScopeKind
from ccops.errors import Conflict, Forbidden, Invalid, NotFound, Problem, no_such_file
from ccops.exports import safe_file_stem, unique_stamp
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import Channel, Person, Queue, Site
from ccops.settings import Settings

UTC_ZONE = ZoneInfo("UTC")


def _check_format(fmt: str, kind: str) -> str:
    known = FORMATS[kind]
    name = fmt.strip().lower()
    if name not in known:
        what = kind.replace("_", " ")
        raise Invalid(
            f"unknown format {fmt!r} for {what}: use one of {', '.join(known)}",
            [Problem(f"unknown format {fmt!r}; known: {', '.join(known)}", field="format")],
        )
    return name


def _check_file(path: Path, fmt: str, label: str) -> None:
    if fmt == "parquet":
        if not path.is_file():
            raise no_such_file(path)
        if path.stat().st_size == 0:
            raise Invalid(f"{label}: the file is empty", [Problem("the file is empty", file=label)])
        return
    require_text_file(path, label)


@dataclass
class Org:
    """Name lookups of one import, creating what is missing when asked, recording the unknown."""

    session: Session
    settings: Settings
    site: Site | None
    create_missing: bool
    label: str
    queues: dict[str, Queue | None] = field(default_factory=dict)
    people: dict[str, Person | None] = field(default_factory=dict)
    channels: dict[str, Channel | None] = field(default_factory=dict)
    zones: dict[int, ZoneInfo] = field(default_factory=dict)
    unknown_queues: dict[str, int | None] = field(default_factory=dict)
    unknown_people: dict[str, int | None] = field(default_factory=dict)
    invalid_names: list[Problem] = field(default_factory=list)
    created_queues: list[str] = field(default_factory=list)
    created_people: list[str] = field(default_factory=list)
    tally: Tally | None = None
    allowed_site_ids: frozenset[int] | None = None
    out_of_scope: dict[tuple[str, str], int | None] = field(default_factory=dict)
    other_site: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    """Queues the file names that exist at another site than --site: (their site, first row)."""
    _home: Site | None = None
    _queue_refs: dict[str, tuple[int, int, ZoneInfo]] = field(default_factory=dict)
    _person_ids: dict[str, int] = field(default_factory=dict)

    def home(self) -> Site:
        """Return the site where missing queues and people are created."""
        if self._home is not None:
            return self._home
        if self.site is not None:
            self._home = self.site
            return self.site
        name = self.settings.default_site
        found = self.session.scalars(select(Site).where(Site.name == name)).one_or_none()
        if found is None and self.allowed_site_ids is not None:
            # creating a site is an all-sites administrator's act; a scoped caller names theirs
            raise Forbidden(
                f"site {name!r} does not exist and is not yours to create: choose a site of yours",
                [Problem("choose a site of yours", field="site")],
            )
        if found is None:
            org_service.create_site(
                session=self.session, data=org_schemas.SiteIn(name=name, timezone="UTC")
            )
            found = org_service.get_site(session=self.session, name=name)
            if self.tally is not None:
                self.tally.warn(
                    "default_site_created",
                    f"site {name!r} created with time zone UTC for the missing queues and "
                    "agents; give --site to choose the site",
                    row=None,
                    field="site",
                )
        if self.allowed_site_ids is not None and found.id not in self.allowed_site_ids:
            raise Forbidden(
                f"site {found.name!r} is outside your scope: choose a site of yours",
                [Problem("outside your scope", field="site")],
            )
        self._home = found
        return found

    def scope(self) -> org_service.Scope:
        """The caller's scope as the organisation's create functions check it."""
        if self.allowed_site_ids is None:
            return org_service.EVERYTHING
        return org_service.Scope(kind=ScopeKind.sites, site_ids=self.allowed_site_ids)

    def _in_scope(self, what: str, name: str, site_id: int, line: int | None) -> bool:
        if self.allowed_site_ids is None or site_id in self.allowed_site_ids:
            return True
        if self.out_of_scope.get((what, name)) is None:
            self.out_of_scope[(what, name)] = line
        return False

    def zone_of_site(self, site_id: int) -> ZoneInfo:
        zone = self.zones.get(site_id)
        if zone is None:
            site = self.session.get(Site, site_id)
            zone = ZoneInfo(site.timezone if site else "UTC")
            self.zones[site_id] = zone
        return zone

    def queue_ref(self, name: str, line: int) -> tuple[int, int, ZoneInfo] | None:
        """Return (queue id, channel id, site zone) of a queue, or None when it is unknown."""
        ref = self._queue_refs.get(name)
        if ref is None:
            queue = self.queue(name, line)
            if queue is None:
                return None
            ref = (queue.id, queue.channel_id, self.zone_of_site(queue.site_id))
            self._queue_refs[name] = ref
        return ref

    def person_id(self, login: str, line: int) -> int | None:
        """Return the id of the person with ``login``, or None when unknown."""
        found = self._person_ids.get(login)
        if found is None:
            person = self.person(login, line)
            if person is None:
                return None
            found = self._person_ids[login] = person.id
        return found

    def known_queue(self, name: str) -> tuple[int, int, ZoneInfo, ZoneInfo] | None:
        """A queue that exists, is in scope and at --site (if given): ids, the zone its times
        are read in (`zone_for_queue`) and its site's zone; None otherwise.

        Unlike `queue` it records nothing and creates nothing: a name it cannot resolve is
        left to `queue`, at the row where the file first names it.
        """
        if name not in self.queues:
            found = self.session.scalars(select(Queue).where(Queue.name == name)).one_or_none()
            if (
                found is None
                or (
                    self.allowed_site_ids is not None and found.site_id not in self.allowed_site_ids
                )
                or (self.site is not None and found.site_id != self.site.id)
            ):
                return None
            self.queues[name] = found
        if self.queues[name] is None:
            return None
        ref = self.queue_ref(name, 0)  # resolved already: records nothing
        assert ref is not None
        return ref[0], ref[1], self.zone_for_queue(name), ref[2]

    def known_person(self, login: str) -> int | None:
        """The id of a person who exists and is in scope (None otherwise); records nothing and
        creates nothing, as `known_queue`."""
        if login not in self.people:
            found = self.session.scalars(select(Person).where(Person.login == login)).one_or_none()
            if found is None or (
                self.allowed_site_ids is not None and found.site_id not in self.allowed_site_ids
            ):
                return None
            self.people[login] = found
        if self.people[login] is None:
            return None
        return self.person_id(login, 0)  # resolved already: records nothing

    def known_channel(self, name: str) -> int | None:
        """The id of the channel named ``name`` (None: there is none)."""
        found = self.channel(name)
        return found.id if found is not None else None

    def queue(self, name: str, line: int | None) -> Queue | None:
        if name in self.queues:
            found = self.queues[name]
            if found is None and name in self.unknown_queues and self.unknown_queues[name] is None:
                self.unknown_queues[name] = line
            if found is None and self.out_of_scope.get(("queue", name), 0) is None:
                self.out_of_scope[("queue", name)] = line
            return found
        found = self.session.scalars(select(Queue).where(Queue.name == name)).one_or_none()
        if found is not None and not self._in_scope("queue", name, found.site_id, line):
            self.queues[name] = None
            return None
        if found is not None and self.site is not None and found.site_id != self.site.id:
            # a queue of that name belongs to another site: never attach this site's calls to it
            self.other_site[name] = (found.site.name, line)
            self.queues[name] = None
            return None
        if found is None and self.create_missing:
            found = self._create_queue(name, line)
        elif found is None:
            self.unknown_queues[name] = line
        self.queues[name] = found
        return found

    def _create_queue(self, name: str, line: int | None) -> Queue | None:
        home = self.home()
        org_service.ensure_default_channel(session=self.session, kind=ChannelKind.voice)
        try:
            data = org_schemas.QueueIn(name=name, channel=ChannelKind.voice.value, site=home.name)
        except ValidationError as exc:
            self.invalid_names.append(
                Problem(
                    f"queue name {name!r} is not valid: {_first_problem(exc)}",
                    field="queue",
                    row=line,
                    file=self.label,
                )
            )
            return None
        org_service.create_queue(session=self.session, data=data, scope=self.scope())
        self.created_queues.append(name)
        return org_service.get_queue(session=self.session, name=name)

    def person(self, login: str, line: int | None) -> Person | None:
        if login in self.people:
            found = self.people[login]
            if (
                found is None
                and login in self.unknown_people
                and self.unknown_people[login] is None
            ):
                self.unknown_people[login] = line
            if found is None and self.out_of_scope.get(("agent", login), 0) is None:
                self.out_of_scope[("agent", login)] = line
            return found
        found = self.session.scalars(select(Person).where(Person.login == login)).one_or_none()
        if found is not None and not self._in_scope("agent", login, found.site_id, line):
            self.people[login] = None
            return None
        if found is None and self.create_missing:
            home = self.home()
            try:
                data = org_schemas.PersonIn(name=login, login=login, site=home.name)
            except ValidationError as exc:
                self.invalid_names.append(
                    Problem(
                        f"agent {login!r} is not a valid login: {_first_problem(exc, 'login')}",
                        field="agent",
                        row=line,
                        file=self.label,
                    )
                )
                found = None
            else:
                org_service.create_person(session=self.session, data=data, scope=self.scope())
                self.created_people.append(login)
                found = org_service.get_person(session=self.session, login=login)
        elif found is None:
            self.unknown_people[login] = line
        self.people[login] = found
        return found

    def channel(self, name: str) -> Channel | None:
        if name not in self.channels:
            self.channels[name] = self.session.scalars(
                select(Channel).where(Channel.name == name)
            ).one_or_none()
        return self.channels[name]

    def zone_for_queue(self, name: str) -> ZoneInfo:
        """Return the zone of a queue's wall-clock times: --site's, else the queue's site's."""
        if self.site is not None:
            return self.zone_of_site(self.site.id)
        queue = self.queue(name, None)
        return self.zone_of_site(queue.site_id) if queue is not None else UTC_ZONE

    def zone_for_person(self, login: str) -> ZoneInfo:
        """Return the zone of a person's wall-clock times: --site's, else the person's site's."""
        if self.site is not None:
            return self.zone_of_site(self.site.id)
        person = self.person(login, None)
        return self.zone_of_site(person.site_id) if person is not None else UTC_ZONE

    def refuse_unknown(self, tally: Tally) -> None:
        """Raise NotFound naming every unknown queue and agent (with the row first seen).

        Raises Forbidden first when the file names queues or agents outside the caller's scope.
        """
        if self.out_of_scope:
            outside = [
                Problem(
                    f"{what} {name!r} is outside your scope", field=what, row=r, file=self.label
                )
                for (what, name), r in sorted(self.out_of_scope.items())
            ]
            raise Forbidden(
                f"{self.label}: the file has data of queues or agents outside your scope: "
                + ", ".join(f"{what} {name}" for what, name in sorted(self.out_of_scope)[:20]),
                outside[:1000],
            )
        if self.other_site:
            site = self.site.name if self.site is not None else "?"
            raise Conflict(
                f"{self.label}: queues of another site than {site!r}: "
                + ", ".join(f"{n} (site {s})" for n, (s, _) in sorted(self.other_site.items()))
                + "; their calls are not attached to another site's queue (import without "
                "--site, or name this site's queues apart)",
                [
                    Problem(
                        f"queue {n!r} belongs to site {s!r}, not {site!r}",
                        field="queue",
                        row=r,
                        file=self.label,
                    )
                    for n, (s, r) in sorted(self.other_site.items())
                ],
            )
        if self.invalid_names:
            raise Invalid(
                f"{self.label}: names that cannot be created: "
                + ", ".join(p.message for p in self.invalid_names),
                self.invalid_names,
            )
        if not (self.unknown_queues or self.unknown_people):
            return
        parts = []
        problems: list[Problem] = []
        if self.unknown_queues:
            parts.append("queues " + ", ".join(sorted(self.unknown_queues)))
            problems += [
                Problem(f"unknown queue {n!r}", field="queue", row=r, file=self.label)
                for n, r in sorted(self.unknown_queues.items())
            ]
        if self.unknown_people:
            parts.append("agents " + ", ".join(sorted(self.unknown_people)))
            problems += [
                Problem(f"unknown agent {n!r}", field="agent", row=r, file=self.label)
                for n, r in sorted(self.unknown_people.items())
            ]
        raise NotFound(
            f"{self.label}: unknown {'; '.join(parts)}: create them first, or import with "
            "--create-missing",
            problems + tally.problems[: max(0, 1000 - len(problems))],
        )


class Job:
    """The bookkeeping of one kind of record from one file: batch, writer, duplicates, rejects."""

    def __init__(
        self,
        *,
        session: Session,
        kind: schemas.ImportKind,
        fmt: str,
        source: str,
        label: str,
        sha256: str,
        tally: Tally,
        model: type[Any],
        lookup: Callable[[Session, list[Any]], dict[Any, tuple[int, str]]],
        skip_invalid: bool,
        update: bool,
        sink: RejectsSink | None,
    ) -> None:
        self.session = session
        self.kind = kind
        self.fmt = fmt
        self.source = source
        self.label = label
        self.sha256 = sha256
        self.tally = tally
        self.skip_invalid = skip_invalid
        self.sink = sink
        if sink is not None:
            tally.attach_sink(sink)
        self.batch = ImportBatch(
            kind=kind, format=fmt, source=source, file_name=label, sha256=sha256, summary_json="{}"
        )
        session.add(self.batch)
        session.flush()
        self.seen: dict[Any, int] = {}
        self.conflicts: list[Problem] = []
        self.writer: ChunkedWriter[Any] = ChunkedWriter(
            session=session,
            model=model,
            lookup=lookup,
            on_conflict=self._conflict,
            update=update,
            chunk_rows=importer_base.CHUNK_ROWS,
            sticky=frozenset(importer_base.CONTEXT_FIELDS) if model is Contact else frozenset(),
        )

    def _conflict(self, line: int, key: Any, raw: object) -> None:
        shown = key if isinstance(key, str) else " / ".join(str(k) for k in key)
        self.reject(
            RejectedRow(
                line,
                [
                    self.tally.problem(
                        f"{shown} is already stored with different content (import with "
                        "--update to replace it)",
                        row=line,
                        field="external_id",
                    )
                ],
                raw,
            ),
            conflict=True,
        )

    def reject(self, rejected: RejectedRow, *, conflict: bool = False) -> None:
        if conflict:
            self.conflicts.extend(rejected.problems)
        self.tally.reject(rejected)
        if not self.skip_invalid:
            self.writer.writing = False

    def first_time(self, key: Any, line: int, raw: object, what: str) -> bool:
        """Return whether ``key`` is new in this file; reject the row naming both lines if not."""
        first = self.seen.setdefault(key, line)
        if first == line:
            return True
        shown = key if isinstance(key, str) else " / ".join(str(k) for k in key)
        self.reject(
            RejectedRow(
                line,
                [
                    self.tally.problem(
                        f"duplicate {what} {shown} (also on row {first})", row=line, field=what
                    )
                ],
                raw,
            )
        )
        return False

    def add(self, key: Any, record: dict[str, Any], line: int, raw: object) -> None:
        record["batch_id"] = self.batch.id
        self.writer.add(key, record, line=line, raw=raw)

    def finish(self) -> None:
        """Write the last chunk; refuse the import when rows were bad and skipping is off."""
        self.writer.flush()
        if self.tally.rejected and not self.skip_invalid:
            rows, total = self.tally.rejected, self.tally.problem_total
            message = (
                f"{self.label}: {rows} bad row{'s' if rows != 1 else ''} "
                f"({total} problem{'s' if total != 1 else ''}); "
                "nothing was imported (fix them, or import with --skip-invalid)"
            )
            if len(self.conflicts) == self.tally.problem_total:
                raise Conflict(message, self.tally.problems)
            raise Invalid(message, self.tally.problems)

    def report(self, *, rows_read: int, org: Org, started: float) -> schemas.ImportReport:
        counts = self.writer.counts
        tally = self.tally
        self.batch.rows_read = rows_read
        self.batch.inserted = counts.inserted
        self.batch.updated = counts.updated
        self.batch.unchanged = counts.unchanged
        self.batch.rejected = tally.rejected
        self.batch.warnings = tally.warning_total
        self.batch.summary_json = json.dumps(
            {
                "skipped": dict(sorted(tally.skipped.items())),
                "warnings": dict(sorted(tally.warnings.items())),
                "notes": dict(sorted(tally.notes.items())),
                "timing_untrusted": dict(sorted(tally.timing_untrusted.items())),
                "conflicts": counts.conflicts,
                "created_queues": org.created_queues,
                "created_people": org.created_people,
            },
            sort_keys=True,
        )
        self.session.flush()
        return schemas.ImportReport(
            batch_id=self.batch.id,
            kind=self.kind,
            format=self.fmt,
            source=self.source,
            file=self.label,
            sha256=self.sha256,
            rows_read=rows_read,
            inserted=counts.inserted,
            updated=counts.updated,
            unchanged=counts.unchanged,
            rejected=tally.rejected,
            conflicts=counts.conflicts,
            warnings=tally.warning_total,
            warnings_by_kind=dict(sorted(tally.warnings.items())),
            skipped=dict(sorted(tally.skipped.items())),
            notes=dict(sorted(tally.notes.items())),
            timing_untrusted=dict(sorted(tally.timing_untrusted.items())),
            created_queues=list(org.created_queues),
            created_people=list(org.created_people),
            problems=[_problem_out(p) for p in tally.problems],
            problems_total=tally.problem_total,
            warning_examples=[_problem_out(p) for p in tally.warning_examples],
            rejects_path=str(self.sink.path) if self.sink is not None and self.sink.used else None,
            seconds=round(time.perf_counter() - started, 3),
        )


def _problem_out(problem: Problem) -> schemas.ProblemOut:
    return schemas.ProblemOut(
        message=problem.message, field=problem.field, row=problem.row, file=problem.file
    )


def lookup_by_external_id(
    model: type[Any], source: str
) -> Callable[[Session, list[str]], dict[str, tuple[int, str]]]:
    def lookup(session: Session, keys: list[str]) -> dict[str, tuple[int, str]]:
        rows = session.execute(
            select(model.external_id, model.id, model.content_hash).where(
                model.source == source, model.external_id.in_(keys)
            )
        )
        return {r[0]: (r[1], r[2]) for r in rows}

    return lookup


def lookup_intervals(
    source: str,
) -> Callable[[Session, list[tuple[int, int]]], dict[tuple[int, int], tuple[int, str]]]:
    def lookup(
        session: Session, keys: list[tuple[int, int]]
    ) -> dict[tuple[int, int], tuple[int, str]]:
        queue_ids = sorted({k[0] for k in keys})
        epochs = [k[1] for k in keys]
        low, high = min(epochs), max(epochs)
        rows = session.execute(
            select(
                IntervalReport.queue_id,
                IntervalReport.interval_start,
                IntervalReport.id,
                IntervalReport.content_hash,
            ).where(
                IntervalReport.source == source,
                IntervalReport.queue_id.in_(queue_ids),
                IntervalReport.interval_start >= _from_epoch(low),
                IntervalReport.interval_start <= _from_epoch(high),
            )
        )
        wanted = set(keys)
        found: dict[tuple[int, int], tuple[int, str]] = {}
        for queue_id, start, row_id, digest in rows:
            key = (queue_id, time_fields(start, UTC_ZONE).epoch_s)
            if key in wanted:
                found[key] = (row_id, digest)
        return found

    return lookup


def _first_problem(exc: ValidationError, prefer: str = "name") -> str:
    """The problem of a schema refusal in plain words (``name contains … (U+202E)``), the
    ``prefer`` field's first when it has one."""
    errors = sorted(exc.errors(), key=lambda e: tuple(e["loc"][:1]) != (prefer,))
    return str(errors[0]["msg"]).removeprefix("Value error, ") if errors else str(exc)


def _from_epoch(epoch_s: int) -> datetime:
    return datetime.fromtimestamp(epoch_s, UTC)


def report_paths(
    settings: Settings, report_dir: Path | None, label: str, kind: str
) -> tuple[Path, Path]:
    """The report and rejects files of one import: named after the source file, with a time
    and random part of their own so a second import of the same file never overwrites them."""
    folder = report_dir or settings.data_dir / "imports"
    stem = safe_file_stem(Path(label).stem)
    infix = "" if kind == "contacts" else "." + kind.replace("_", "-")
    name = f"{stem}{infix}.{unique_stamp()}"
    return folder / f"{name}.import-report.json", folder / f"{name}.rejects.csv"


def write_report(report: schemas.ImportReport, path: Path) -> schemas.ImportReport:
    path.parent.mkdir(parents=True, exist_ok=True)
    report = report.model_copy(update={"report_path": str(path)})
    path.write_text(report.model_dump_json(indent=2), encoding="utf-8")
    return report


@dataclass
class _Common:
    fmt: str
    label: str
    sha256: str
    source: str
    site: Site | None
    mapping: schemas.Mapping
    started: float = field(default_factory=time.perf_counter)

    def job(
        self,
        session: Session,
        kind: schemas.ImportKind,
        model: type[Any],
        lookup: Any,
        tally: Tally,
        *,
        skip_invalid: bool,
        update: bool,
        sink: RejectsSink | None,
    ) -> Job:
        """A writer of ``model`` rows for this file (its format, source, label and hash)."""
        return Job(
            session=session,
            kind=kind,
            fmt=self.fmt,
            source=self.source,
            label=self.label,
            sha256=self.sha256,
            tally=tally,
            model=model,
            lookup=lookup,
            skip_invalid=skip_invalid,
            update=update,
            sink=sink,
        )


def prepare(
    *,
    session: Session,
    path: Path,
    fmt: str,
    kind: str,
    mapping: Path | None,
    site: str | None,
    source: str | None,
    allowed_site_ids: frozenset[int] | None = None,
) -> _Common:
    started = time.perf_counter()
    fmt = _check_format(fmt, kind)
    label = path.name
    if mapping is not None and fmt not in TABULAR:
        raise Invalid(
            f"--mapping applies to csv and parquet files, not {fmt}",
            [Problem("not used by this format", field="mapping")],
        )
    mapping_obj = load_mapping(mapping, kind=kind)
    _check_file(path, fmt, label)
    site_obj = org_service.get_site(session=session, name=site) if site else None
    if (
        site_obj is not None
        and allowed_site_ids is not None
        and site_obj.id not in allowed_site_ids
    ):
        raise Forbidden(
            f"site {site_obj.name!r} is outside your scope",
            [Problem("outside your scope", field="site")],
        )
    chosen = source or mapping_obj.options.source or DEFAULT_SOURCE[fmt]
    if not chosen.strip() or len(chosen) > 100:
        raise Invalid("the source is 1–100 characters", [Problem("invalid", field="source")])
    return _Common(fmt, label, file_sha256(path), chosen, site_obj, mapping_obj, started)


def contact_record(row: ContactRow, org: Org, job: Job, secret_key: str) -> dict[str, Any] | None:
    queue = org.queue_ref(row.queue, row.line)
    person_id: int | None = None
    if row.agent:
        person_id = org.person_id(row.agent, row.line)
        if person_id is None:
            return None
    if queue is None:
        return None
    queue_id, channel_id, zone = queue
    if row.channel:
        channel = org.channel(row.channel)
        if channel is None:
            job.reject(
                RejectedRow(
                    row.line,
                    [
                        job.tally.problem(
                            f"unknown channel {row.channel!r}", row=row.line, field="channel"
                        )
                    ],
                    row.raw,
                )
            )
            return None
        channel_id = channel.id
    times = time_fields(row.arrival_at, zone)
    customer = normalise_customer_key(row.customer_key)
    record: dict[str, Any] = {
        "source": job.source,
        "external_id": row.external_id,
        "queue_id": queue_id,
        "channel_id": channel_id,
        "person_id": person_id,
        "arrival_at": row.arrival_at,
        "answered_at": row.answered_at,
        "ended_at": row.ended_at,
        "outcome": row.outcome,
        "wait_s": row.wait_s,
        "talk_s": row.talk_s,
        "hold_s": row.hold_s,
        "wrap_s": row.wrap_s,
        "customer_hash": hash_customer_key(customer, secret_key) if customer else None,
        "arrival_epoch_s": times.epoch_s,
        "arrival_local_min": times.local_min,
        "utc_offset_min": times.utc_offset_min,
        **row.context.record(),
        "timing_untrusted": row.timing_untrusted,
    }
    # The customer is left out of the hash: an erased customer stays erased when the same file
    # is imported again, and the hash cannot be used to confirm a guessed key.
    record["content_hash"] = content_hash(
        (
            queue_id,
            channel_id,
            person_id,
            row.arrival_at,
            row.answered_at,
            row.ended_at,
            row.outcome.value,
            row.wait_s,
            row.talk_s,
            row.hold_s,
            row.wrap_s,
            *row.context.hash_values(),
            # only when set, so that the hash of a trusted contact is what it was before
            *(("timing", row.timing_untrusted) if row.timing_untrusted else ()),
        )
    )
    if row.timing_untrusted:
        job.tally.timing_untrusted[row.timing_untrusted] += 1
    return record


def agent_state_record(row: AgentStateRow, org: Org, job: Job) -> dict[str, Any] | None:
    person = org.person(row.person, row.line)
    if person is None:
        return None
    zone = org.zone_of_site(person.site_id)
    start = time_fields(row.start_at, zone)
    end = time_fields(row.end_at, zone) if row.end_at is not None else None
    record: dict[str, Any] = {
        "source": job.source,
        "external_id": row.external_id,
        "person_id": person.id,
        "state": row.state,
        "reason_code": row.reason_code,
        "start_at": row.start_at,
        "end_at": row.end_at,
        "start_epoch_s": start.epoch_s,
        "end_epoch_s": end.epoch_s if end is not None else None,
        "utc_offset_min": start.utc_offset_min,
    }
    record["content_hash"] = content_hash(
        (person.id, row.state.value, row.reason_code, row.start_at, row.end_at)
    )
    return record
