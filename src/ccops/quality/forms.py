"""Quality forms: create, version, publish and retire evaluation forms."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.db import utcnow
from ccops.errors import Conflict, Invalid, NotFound, Problem
from ccops.quality import schemas
from ccops.quality.models import (
    QaForm,
    QaFormVersion,
)
from ccops.quality.schemas import Scale

WEIGHT_TOLERANCE = 1e-6


# --- forms ------------------------------------------------------------------------------------


def _check_definition(data: schemas.FormDefinition) -> None:
    """Refuse weights that do not sum to 100%, duplicate keys and non-yes/no critical items."""
    problems: list[Problem] = []
    total = sum(s.weight_pct for s in data.sections)
    if abs(total - 100) > WEIGHT_TOLERANCE:
        problems.append(
            Problem(
                f"the section weights sum to {total:g}%, not 100%",
                field="sections",
            )
        )
    seen_sections: set[str] = set()
    seen_items: set[str] = set()
    for si, section in enumerate(data.sections):
        where = f"sections[{si}]"
        if section.key in seen_sections:
            problems.append(Problem(f"section key {section.key!r} is used twice", field=where))
        seen_sections.add(section.key)
        item_total = sum(i.weight_pct for i in section.items)
        if abs(item_total - 100) > WEIGHT_TOLERANCE:
            problems.append(
                Problem(
                    f"section {section.title!r}: the item weights sum to {item_total:g}%, not 100%",
                    field=f"{where}.items",
                )
            )
        for ii, item in enumerate(section.items):
            if item.key in seen_items:
                problems.append(
                    Problem(f"item key {item.key!r} is used twice", field=f"{where}.items[{ii}]")
                )
            seen_items.add(item.key)
            if item.critical and item.scale != Scale.yes_no:
                problems.append(
                    Problem(
                        f"section {section.title!r}, item {item.key!r}: a critical (fail-all) "
                        "item must be scored yes/no",
                        field=f"{where}.items[{ii}].scale",
                    )
                )
    if problems:
        raise Invalid("the form is not valid: " + "; ".join(p.message for p in problems), problems)


def definition_of(version: QaFormVersion) -> schemas.FormDefinition:
    return schemas.FormDefinition.model_validate_json(version.definition_json)


def _version_out(version: QaFormVersion) -> schemas.FormVersionOut:
    definition = definition_of(version)
    return schemas.FormVersionOut(
        id=version.id,
        form_id=version.form_id,
        form=version.form.name,
        version=version.version,
        pass_mark_pct=version.pass_mark_pct,
        sections=definition.sections,
        change_note=version.change_note,
        published_by=version.published_by,
        published_at=version.published_at,
        retired_at=version.retired_at,
        active=version.retired_at is None,
    )


def _form_out(form: QaForm) -> schemas.FormOut:
    current = [v for v in form.versions if v.retired_at is None]
    return schemas.FormOut(
        id=form.id,
        name=form.name,
        current_version_id=current[-1].id if current else None,
        versions=[_version_out(v) for v in form.versions],
    )


def _new_version(
    form: QaForm, number: int, data: schemas.FormDefinition, by: str, note: str
) -> QaFormVersion:
    definition = schemas.FormDefinition(pass_mark_pct=data.pass_mark_pct, sections=data.sections)
    return QaFormVersion(
        form=form,
        version=number,
        definition_json=definition.model_dump_json(),
        pass_mark_pct=data.pass_mark_pct,
        change_note=note,
        published_by=by,
    )


def create_form(*, session: Session, data: schemas.FormIn, by: str) -> schemas.FormOut:
    """Create a form and publish its version 1."""
    _check_definition(data)
    if session.scalars(select(QaForm).where(QaForm.name == data.name)).first() is not None:
        raise Conflict(f"form {data.name!r} already exists", [Problem("duplicate", field="name")])
    form = QaForm(name=data.name)
    session.add(form)
    session.add(_new_version(form, 1, data, by, "first version"))
    session.flush()
    session.refresh(form)
    return _form_out(form)


def _form(session: Session, form_id: int) -> QaForm:
    form = session.get(QaForm, form_id)
    if form is None:
        raise NotFound(f"form {form_id} does not exist", [Problem("unknown", field="form_id")])
    return form


def publish_version(
    *, session: Session, form_id: int, data: schemas.FormVersionIn, by: str
) -> schemas.FormOut:
    """Publish a change as the form's next version; the previous version is retired."""
    _check_definition(data)
    form = _form(session, form_id)
    now = utcnow()
    for version in form.versions:
        if version.retired_at is None:
            version.retired_at = now
    number = max((v.version for v in form.versions), default=0) + 1
    session.add(_new_version(form, number, data, by, data.change_note))
    session.flush()
    session.refresh(form)
    return _form_out(form)


def retire_form(*, session: Session, form_id: int) -> schemas.FormOut:
    """Retire the form's current version: no new evaluation may use it."""
    form = _form(session, form_id)
    active = [v for v in form.versions if v.retired_at is None]
    if not active:
        raise Conflict(f"form {form.name!r} has no version in use", [Problem("already retired")])
    for version in active:
        version.retired_at = utcnow()
    session.flush()
    return _form_out(form)


def list_forms(*, session: Session) -> list[schemas.FormOut]:
    """List forms by name with their versions."""
    return [_form_out(f) for f in session.scalars(select(QaForm).order_by(QaForm.name)).unique()]


def get_form(*, session: Session, form_id: int) -> schemas.FormOut:
    """Return a form with its versions."""
    return _form_out(_form(session, form_id))


def find_version(session: Session, version_id: int) -> QaFormVersion:
    version = session.get(QaFormVersion, version_id)
    if version is None:
        raise NotFound(
            f"form version {version_id} does not exist",
            [Problem("unknown", field="form_version_id")],
        )
    return version


def get_version(*, session: Session, version_id: int) -> schemas.FormVersionOut:
    """Return one form version."""
    return _version_out(find_version(session, version_id))


def usable_version(session: Session, version_id: int) -> QaFormVersion:
    version = find_version(session, version_id)
    if version.retired_at is not None:
        current = session.scalars(
            select(QaFormVersion)
            .where(QaFormVersion.form_id == version.form_id)
            .where(QaFormVersion.retired_at.is_(None))
        ).first()
        hint = (
            f": evaluate on version {current.version} (id {current.id})"
            if current
            else ": the form has no version in use"
        )
        raise Conflict(
            f"form {version.form.name!r} version {version.version} was retired on "
            f"{version.retired_at:%Y-%m-%d}{hint}",
            [Problem("retired form version", field="form_version_id")],
        )
    return version
