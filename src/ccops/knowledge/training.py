"""New-hire training modules in versions, the changes that update them, and each person's
checklist: the current version of every module that applies to them beside the version they
completed ("out of date" when that is an older one).

A module applies to everyone (no queue) or to the people skilled for its queue. A new version
is published at once and never rewrites an old one; a completion names the module's current
version (a superseded one is refused, as one that does not exist).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ccops.db import utcnow
from ccops.errors import Conflict, Invalid, NotFound, Problem
from ccops.knowledge import schemas, training_people
from ccops.knowledge.models import (
    ChangeTraining,
    TrainingCompletion,
    TrainingModule,
    TrainingVersion,
)
from ccops.org.access import EVERYTHING, Scope
from ccops.org.models import Person, Queue, Team
from ccops.org.scoped import person_in_scope, queue_in_scope

NEW_HIRE_DAYS = training_people.NEW_HIRE_DAYS
"""A person hired within this many days counts as a new hire on the training page."""
MODULE_PREFIX = "module:"
"""A wave's curriculum item ``module:ID`` names a training module by its id."""


def _current(module: TrainingModule) -> TrainingVersion:
    return module.versions[-1]


def _queue_names(session: Session) -> dict[int, str]:
    return {row.id: row.name for row in session.execute(select(Queue.id, Queue.name))}


def module_out(module: TrainingModule, queues: dict[int, str]) -> schemas.TrainingModuleOut:
    """A module with its versions as the API shows it."""
    return schemas.TrainingModuleOut(
        id=module.id,
        title=module.title,
        owner=module.owner,
        queue=queues.get(module.queue_id) if module.queue_id else None,
        description=module.description,
        created_by=module.created_by,
        current_version=_current(module).version,
        versions=[
            schemas.TrainingVersionOut(
                version=v.version,
                summary=v.summary,
                reference=v.reference,
                published_by=v.published_by,
                published_at=v.published_at,
            )
            for v in module.versions
        ],
    )


def find_module(session: Session, module_id: int, field: str = "module_id") -> TrainingModule:
    """A training module, or NotFound."""
    module = session.get(TrainingModule, module_id)
    if module is None:
        raise NotFound(
            f"training module {module_id} does not exist", [Problem("unknown", field=field)]
        )
    return module


def create_module(
    *, session: Session, data: schemas.TrainingModuleIn, by: str, scope: Scope = EVERYTHING
) -> schemas.TrainingModuleOut:
    """Write a training module and publish its version 1."""
    title = data.title.strip()
    if session.scalars(select(TrainingModule.id).where(TrainingModule.title == title)).first():
        raise Conflict(
            f"a training module {title!r} exists already", [Problem("duplicate", field="title")]
        )
    queue_id = queue_in_scope(session, scope, data.queue, field="queue").id if data.queue else None
    module = TrainingModule(
        title=title,
        owner=data.owner,
        queue_id=queue_id,
        description=data.description,
        created_by=by,
    )
    module.versions = [
        TrainingVersion(version=1, summary=data.summary, reference=data.reference, published_by=by)
    ]
    session.add(module)
    session.flush()
    return module_out(module, _queue_names(session))


def list_modules(*, session: Session) -> list[schemas.TrainingModuleOut]:
    """Every training module by title."""
    queues = _queue_names(session)
    return [
        module_out(m, queues)
        for m in session.scalars(select(TrainingModule).order_by(TrainingModule.title))
    ]


def get_module(*, session: Session, module_id: int) -> schemas.TrainingModuleOut:
    """One training module with its versions."""
    return module_out(find_module(session, module_id), _queue_names(session))


def add_version(
    *, session: Session, module_id: int, data: schemas.TrainingVersionIn, by: str
) -> schemas.TrainingModuleOut:
    """Publish a new version of a module (the next number, or a higher one named) and notify
    the new hires whose checklist includes it and their team leaders."""
    module = find_module(session, module_id)
    current = _current(module).version
    number = current + 1 if data.version is None else data.version
    if number <= current:
        raise Invalid(
            f"version {number} is not above the current version {current} of "
            f"{module.title!r}: a new version never rewrites an old one",
            [Problem(f"must be above {current}", field="version")],
        )
    module.versions.append(
        TrainingVersion(
            version=number, summary=data.summary, reference=data.reference, published_by=by
        )
    )
    session.flush()
    notified = training_people.notify_version(session, module, number, by, utcnow().date())
    return module_out(module, _queue_names(session)).model_copy(update={"notified": notified})


def _version_of(module: TrainingModule, number: int, field: str = "version") -> TrainingVersion:
    found = next((v for v in module.versions if v.version == number), None)
    if found is None:
        raise NotFound(
            f"training module {module.title!r} has no version {number}",
            [Problem("unknown", field=field)],
        )
    return found


# --- the modules a change updates -------------------------------------------------------------


def change_links(session: Session, links: Sequence[schemas.TrainingLinkIn]) -> list[ChangeTraining]:
    """The rows linking a change to the modules it updates; a module or version that does not
    exist, or a module named twice, is refused before anything is written."""
    out: list[ChangeTraining] = []
    for k, link in enumerate(links):
        module = find_module(session, link.module_id, field=f"training.{k}.module_id")
        if any(row.module_id == module.id for row in out):
            raise Invalid(
                f"training module {module.id} is named twice",
                [Problem("duplicate", field=f"training.{k}.module_id")],
            )
        number = _current(module).version if link.version is None else link.version
        _version_of(module, number, field=f"training.{k}.version")
        out.append(ChangeTraining(module_id=module.id, version=number, module=module))
    return out


def change_training_out(rows: Sequence[ChangeTraining]) -> list[schemas.ChangeTrainingOut]:
    """The modules a change updates, with the version it requires and the current one."""
    return [
        schemas.ChangeTrainingOut(
            module_id=row.module_id,
            title=row.module.title,
            version=row.version,
            current_version=_current(row.module).version,
        )
        for row in rows
    ]


# --- checklists -------------------------------------------------------------------------------


def _applying(session: Session, person: Person) -> list[TrainingModule]:
    skills = [s.queue_id for s in person.skills]
    return list(
        session.scalars(
            select(TrainingModule)
            .where(or_(TrainingModule.queue_id.is_(None), TrainingModule.queue_id.in_(skills)))
            .order_by(TrainingModule.title)
        )
    )


def _checklist(session: Session, person: Person, queues: dict[int, str]) -> schemas.ChecklistOut:
    done: dict[int, TrainingCompletion] = {}
    for c in session.scalars(
        select(TrainingCompletion)
        .where(TrainingCompletion.person_id == person.id)
        .order_by(TrainingCompletion.version)
    ):
        done[c.module_id] = c  # the highest version completed
    items = []
    for module in _applying(session, person):
        current = _current(module)
        mine = done.get(module.id)
        state = (
            "to do"
            if mine is None
            else "done"
            if mine.version >= current.version
            else "out of date"
        )
        items.append(
            schemas.ChecklistItemOut(
                module_id=module.id,
                title=module.title,
                queue=queues.get(module.queue_id) if module.queue_id else None,
                current_version=current.version,
                summary=current.summary,
                reference=current.reference,
                completed_version=mine.version if mine else None,
                completed_on=mine.completed_on if mine else None,
                state=state,
            )
        )
    team = session.get(Team, person.team_id) if person.team_id else None
    return schemas.ChecklistOut(
        login=person.login,
        name=person.name,
        team=team.name if team else None,
        hire_date=person.hire_date,
        items=items,
        done=sum(1 for i in items if i.state == "done"),
        out_of_date=sum(1 for i in items if i.state == "out of date"),
        to_do=sum(1 for i in items if i.state == "to do"),
    )


def checklist(*, session: Session, login: str, scope: Scope = EVERYTHING) -> schemas.ChecklistOut:
    """The training checklist of a person in scope (out of scope: as if they did not exist)."""
    person = person_in_scope(session, scope, login)
    return _checklist(session, person, _queue_names(session))


def complete(
    *,
    session: Session,
    login: str,
    data: schemas.CompletionIn,
    by: str,
    scope: Scope = EVERYTHING,
) -> schemas.ChecklistOut:
    """Record that a person in scope completed a module's current version (again: nothing
    changes); a version that does not exist, a superseded one, or a module that does not apply
    to the person is refused and nothing is written."""
    person = person_in_scope(session, scope, login)
    module = find_module(session, data.module_id)
    current = _current(module).version
    number = current if data.version is None else data.version
    _version_of(module, number)
    if number < current:
        raise Invalid(
            f"version {number} of {module.title!r} is superseded: the current one is {current}",
            [Problem(f"must be {current}", field="version")],
        )
    if module.id not in {m.id for m in _applying(session, person)}:
        raise Invalid(
            f"training module {module.title!r} does not apply to {login}: it trains a queue "
            "they are not skilled for",
            [Problem("does not apply", field="module_id")],
        )
    exists = session.scalars(
        select(TrainingCompletion.id).where(
            TrainingCompletion.person_id == person.id,
            TrainingCompletion.module_id == module.id,
            TrainingCompletion.version == number,
        )
    ).first()
    if exists is None:
        session.add(
            TrainingCompletion(
                person_id=person.id,
                module_id=module.id,
                version=number,
                completed_on=data.completed_on or utcnow().date(),
                recorded_by=by,
            )
        )
        session.flush()
    return _checklist(session, person, _queue_names(session))


def new_hires(
    *, session: Session, scope: Scope = EVERYTHING, today: date | None = None
) -> list[schemas.NewHireOut]:
    """The people in scope whose training is followed: hired within ``NEW_HIRE_DAYS`` and not
    gone, or with a completion recorded; by hire date, newest first (unknown last, on every
    engine)."""
    day = today or utcnow().date()
    people = session.scalars(
        select(Person)
        .where(scope.people_clause())
        .where(training_people.followed(day))
        .order_by(Person.hire_date.is_(None), Person.hire_date.desc(), Person.login)
    )
    queues = _queue_names(session)
    out = []
    for person in people:
        c = _checklist(session, person, queues)
        out.append(
            schemas.NewHireOut(
                login=c.login,
                name=c.name,
                team=c.team,
                hire_date=c.hire_date,
                done=c.done,
                out_of_date=c.out_of_date,
                to_do=c.to_do,
            )
        )
    return out


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


def curriculum(session: Session, items: Sequence[str]) -> list[tuple[str, TrainingModule | None]]:
    """Each curriculum item of a hiring wave with the training module it names: ``module:ID``
    or the module's title (any case); other items stay free text (None)."""
    by_title = {_key(m.title): m for m in session.scalars(select(TrainingModule))}
    out: list[tuple[str, TrainingModule | None]] = []
    for item in items:
        text = item.strip()
        if text.casefold().startswith(MODULE_PREFIX):
            ref = text[len(MODULE_PREFIX) :].strip()
            module = session.get(TrainingModule, int(ref)) if ref.isdigit() else None
        else:
            module = by_title.get(_key(text))
        out.append((item, module))
    return out


def check_curriculum(session: Session, items: Sequence[str]) -> None:
    """Refuse a curriculum naming ``module:ID`` of a module that does not exist."""
    for k, (item, module) in enumerate(curriculum(session, items)):
        if module is None and item.strip().casefold().startswith(MODULE_PREFIX):
            raise NotFound(
                f"curriculum item {item!r} names a training module that does not exist",
                [Problem("unknown module", field=f"curriculum.{k}")],
            )


def curriculum_out(session: Session, items: Sequence[str]) -> list[schemas.CurriculumItemOut]:
    """A wave's curriculum with each linked module's title and current version."""
    return [
        schemas.CurriculumItemOut(
            item=item,
            module_id=module.id if module else None,
            title=module.title if module else item,
            current_version=_current(module).version if module else None,
        )
        for item, module in curriculum(session, items)
    ]


def login_of(session: Session, person_id: int | None) -> str | None:
    """The login of a user's person (None: a user without one)."""
    if person_id is None:
        return None
    person = session.get(Person, person_id)
    return person.login if person else None
