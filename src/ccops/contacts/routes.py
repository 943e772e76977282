"""JSON API of contact data under /api/v1: imports, contacts, privacy erasure."""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile

from ccops.contacts import schemas
from ccops.contacts import service as contacts_service
from ccops.web.deps import SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["contacts"])

FileField = Annotated[UploadFile, File(description="The file to import.")]
MappingField = Annotated[UploadFile | None, File(description="TOML column mapping.")]
FormatField = Annotated[str, Form(description="The file's format.")]
SiteField = Annotated[
    str | None, Form(description="Site whose wall clock offset-less times are in.")
]
SourceField = Annotated[str | None, Form(description="Source name of the records.")]
FlagField = Annotated[bool, Form()]


def _save(upload: UploadFile, folder: Path) -> Path:
    """Copy an upload into ``folder`` under its own base name (the name reports use)."""
    folder.mkdir(parents=True, exist_ok=True)
    name = Path((upload.filename or "").replace("\\", "/")).name or "upload"
    target = folder / name
    with target.open("wb") as out:
        shutil.copyfileobj(upload.file, out, 1 << 20)
    return target


@router.post("/imports/contacts", response_model=schemas.ImportReport)
def import_contacts(
    session: SessionDep,
    settings: SettingsDep,
    file: FileField,
    format: FormatField,
    mapping: MappingField = None,
    site: SiteField = None,
    source: SourceField = None,
    skip_invalid: FlagField = False,
    update: FlagField = False,
    create_missing: FlagField = False,
    with_agent_states: FlagField = False,
) -> schemas.ImportReport:
    """Import a file of contacts (all rows or none, unless skip_invalid)."""
    with tempfile.TemporaryDirectory(prefix="ccops-import-") as tmp:
        path = _save(file, Path(tmp) / "file")
        mapping_path = _save(mapping, Path(tmp) / "mapping") if mapping is not None else None
        return contacts_service.import_contacts(
            session=session,
            settings=settings,
            path=path,
            format=format,
            mapping=mapping_path,
            site=site,
            source=source,
            skip_invalid=skip_invalid,
            update=update,
            create_missing=create_missing,
            with_agent_states=with_agent_states,
        )


@router.post("/imports/agent-states", response_model=schemas.ImportReport)
def import_agent_states(
    session: SessionDep,
    settings: SettingsDep,
    file: FileField,
    format: FormatField,
    mapping: MappingField = None,
    site: SiteField = None,
    source: SourceField = None,
    skip_invalid: FlagField = False,
    update: FlagField = False,
    create_missing: FlagField = False,
) -> schemas.ImportReport:
    """Import agent-state spans (csv, parquet or an Asterisk queue_log)."""
    with tempfile.TemporaryDirectory(prefix="ccops-import-") as tmp:
        path = _save(file, Path(tmp) / "file")
        mapping_path = _save(mapping, Path(tmp) / "mapping") if mapping is not None else None
        return contacts_service.import_agent_states(
            session=session,
            settings=settings,
            path=path,
            format=format,
            mapping=mapping_path,
            site=site,
            source=source,
            skip_invalid=skip_invalid,
            update=update,
            create_missing=create_missing,
        )


@router.post("/imports/intervals", response_model=schemas.ImportReport)
def import_intervals(
    session: SessionDep,
    settings: SettingsDep,
    file: FileField,
    format: FormatField,
    mapping: MappingField = None,
    site: SiteField = None,
    source: SourceField = None,
    skip_invalid: FlagField = False,
    update: FlagField = False,
    create_missing: FlagField = False,
) -> schemas.ImportReport:
    """Import an ACD interval report (offered, answered, abandoned per queue interval)."""
    with tempfile.TemporaryDirectory(prefix="ccops-import-") as tmp:
        path = _save(file, Path(tmp) / "file")
        mapping_path = _save(mapping, Path(tmp) / "mapping") if mapping is not None else None
        return contacts_service.import_intervals(
            session=session,
            settings=settings,
            path=path,
            format=format,
            mapping=mapping_path,
            site=site,
            source=source,
            skip_invalid=skip_invalid,
            update=update,
            create_missing=create_missing,
        )


@router.get("/imports", response_model=list[schemas.ImportBatchOut])
def list_imports(
    session: SessionDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[schemas.ImportBatchOut]:
    """List import batches, newest first."""
    return contacts_service.list_batches(session=session, limit=limit)


@router.get("/contacts", response_model=list[schemas.ContactOut])
def list_contacts(
    session: SessionDep,
    queue: str | None = None,
    start: Annotated[
        datetime | None, Query(alias="from", description="Arrivals from (with offset).")
    ] = None,
    end: Annotated[
        datetime | None, Query(alias="to", description="Arrivals before (with offset).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[schemas.ContactOut]:
    """List contacts by arrival, optionally of one queue and time range."""
    return contacts_service.list_contacts(
        session=session, queue=queue, start=start, end=end, limit=limit
    )


@router.post("/privacy/erase", response_model=schemas.ErasureOut)
def erase_customer(
    data: schemas.ErasureIn, session: SessionDep, settings: SettingsDep
) -> schemas.ErasureOut:
    """Erase a customer's link to their contacts; their statistics are kept."""
    affected = contacts_service.erase_customer(
        session=session, customer_key=data.customer_key, secret_key=settings.resolved_secret_key()
    )
    return schemas.ErasureOut(contacts_affected=affected)
