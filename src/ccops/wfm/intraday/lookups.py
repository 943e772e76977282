"""Name lookups of one intake batch or rebuild (queues, people, channels, primary queues, site
time zones), cached for the batch, and the chunked ``IN (...)`` helper the intake uses."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.org.models import Channel, Person, PersonSkill, Queue, Site

IN_CHUNK = 500
"""Values per ``IN (...)`` list."""


def chunks(items: Sequence[Any], size: int = IN_CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def site_of(session: Session, site_id: int | None) -> Site | None:
    """The site of a feed (``site_id``), or None."""
    if site_id is None:
        return None
    site = session.get(Site, site_id)
    assert site is not None, f"site {site_id} does not exist"
    return site


@dataclass(frozen=True)
class PersonRef:
    """A person as the intake needs them: id and site."""

    id: int
    site_id: int


@dataclass
class Lookups:
    """Name lookups of one batch (queues, people, channels, primary queues, zones).

    ``site``: the site the feed belongs to (``--site``), or None. Queue names are then read as
    that site's (``site_problem``: a queue of another site is refused, never attached), and
    wall-clock times without an offset are in its time zone, as in file imports."""

    session: Session
    allowed_site_ids: frozenset[int] | None
    site: Site | None = None
    queues: dict[str, Queue | None] = field(default_factory=dict)
    people: dict[str, PersonRef | None] = field(default_factory=dict)
    channels: dict[str, int | None] = field(default_factory=dict)
    zones: dict[int, ZoneInfo] = field(default_factory=dict)
    primary: dict[int, int | None] = field(default_factory=dict)
    queues_by_id: dict[int, Queue] = field(default_factory=dict)

    def queue(self, name: str) -> Queue | None:
        if name not in self.queues:
            found = self.session.scalars(select(Queue).where(Queue.name == name)).one_or_none()
            self.queues[name] = found
            if found is not None:
                self.queues_by_id[found.id] = found
        return self.queues[name]

    def queue_by_id(self, queue_id: int) -> Queue:
        if queue_id not in self.queues_by_id:
            found = self.session.get(Queue, queue_id)
            assert found is not None
            self.queues_by_id[queue_id] = found
        return self.queues_by_id[queue_id]

    def person(self, login: str) -> PersonRef | None:
        if login not in self.people:
            self.prefetch_people([login])
        return self.people[login]

    def prefetch_people(self, logins: Sequence[str]) -> None:
        """Look up many people in one query each chunk (ids, sites, primary queues)."""
        wanted = sorted({x for x in logins if x not in self.people})
        for part in chunks(wanted):
            found = {
                login: PersonRef(pid, site_id)
                for pid, login, site_id in self.session.execute(
                    select(Person.id, Person.login, Person.site_id).where(Person.login.in_(part))
                )
            }
            for login in part:
                self.people[login] = found.get(login)
            ids = [ref.id for ref in found.values() if ref.id not in self.primary]
            for pid in ids:
                self.primary[pid] = None
            for pid, queue_id in self.session.execute(
                select(PersonSkill.person_id, PersonSkill.queue_id)
                .where(PersonSkill.person_id.in_(ids))
                .order_by(PersonSkill.person_id, PersonSkill.level.desc(), PersonSkill.queue_id)
            ):
                if self.primary[pid] is None:
                    self.primary[pid] = int(queue_id)

    def channel(self, name: str) -> int | None:
        if name not in self.channels:
            self.channels[name] = self.session.scalar(
                select(Channel.id).where(Channel.name == name)
            )
        return self.channels[name]

    def zone(self, site_id: int) -> ZoneInfo:
        if site_id not in self.zones:
            site = self.session.get(Site, site_id)
            self.zones[site_id] = ZoneInfo(site.timezone if site else "UTC")
        return self.zones[site_id]

    def site_problem(self, name: str, queue: Queue | None) -> str | None:
        """Why the queue ``name`` (found as ``queue``) cannot take this feed's contacts: unknown
        at the feed's site, or a queue of another site; None when it can."""
        if self.site is None:
            return None if queue is not None else f"unknown queue {name!r}"
        if queue is None:
            return f"unknown queue {name!r} at site {self.site.name!r}"
        if queue.site_id != self.site.id:
            return (
                f"queue {name!r} is not a queue of site {self.site.name!r} (it belongs to site "
                f"{queue.site.name!r}); a site's calls are never attached to another site's queue"
            )
        return None

    def queue_zone(self, name: str) -> ZoneInfo:
        if self.site is not None:
            return self.zone(self.site.id)
        queue = self.queue(name)
        return self.zone(queue.site_id) if queue is not None else ZoneInfo("UTC")

    def person_zone(self, login: str) -> ZoneInfo:
        if self.site is not None:
            return self.zone(self.site.id)
        person = self.person(login)
        return self.zone(person.site_id) if person is not None else ZoneInfo("UTC")

    def primary_queue(self, person_id: int) -> int | None:
        """The queue a person's staffed time counts for: highest skill level, then lowest id."""
        if person_id not in self.primary:
            row = self.session.execute(
                select(PersonSkill.queue_id)
                .where(PersonSkill.person_id == person_id)
                .order_by(PersonSkill.level.desc(), PersonSkill.queue_id)
                .limit(1)
            ).first()
            self.primary[person_id] = None if row is None else int(row[0])
        return self.primary[person_id]

    def in_scope(self, site_id: int) -> bool:
        return self.allowed_site_ids is None or site_id in self.allowed_site_ids
