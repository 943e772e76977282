"""Contact data: JSON API under /api/v1 (imports, contacts, erasure) and the import page."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse
from starlette.datastructures import FormData
from starlette.datastructures import UploadFile as StarletteUpload

from ccops import flows
from ccops.contacts import context as contacts_context
from ccops.contacts import continuity, schemas
from ccops.contacts import imports as contacts_imports
from ccops.contacts import privacy as contacts_privacy
from ccops.contacts import queries as contacts_queries
from ccops.contacts.importers import FORMATS
from ccops.db import attempt
from ccops.errors import CcopsError, Forbidden, Problem
from ccops.ids import RowId
from ccops.org import service as org_service
from ccops.web import forms, permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep, SettingsDep
from ccops.web.i18n import N_
from ccops.web.render import gettext_for, render

router = APIRouter(prefix="/api/v1", tags=["contacts"])
pages = APIRouter(prefix="/import", include_in_schema=False)

Importer = Annotated[Principal, Depends(require(*permissions.IMPORT, write=True))]
BatchReader = Annotated[Principal, Depends(require(*permissions.IMPORT))]
ContactReader = Annotated[Principal, Depends(require(*permissions.CONTACTS_READ))]
ContextWriter = Annotated[Principal, Depends(require(*permissions.CONTACTS_CONTEXT, write=True))]
Eraser = Annotated[Principal, Depends(require(*permissions.PRIVACY, write=True))]

FileField = Annotated[UploadFile, File(description="The file to import.")]
MappingField = Annotated[UploadFile | None, File(description="TOML column mapping.")]
FormatField = Annotated[str, Form(description="The file's format.")]
SiteField = Annotated[
    str | None, Form(description="Site whose wall clock offset-less times are in.")
]
SourceField = Annotated[str | None, Form(description="Source name of the records.")]
FlagField = Annotated[bool, Form()]
AgentMapField = Annotated[
    UploadFile | None,
    File(
        description="asterisk-queue-log: CSV alias,login of other names the log uses for agents "
        "(stored as aliases)."
    ),
]


def check_create_missing(user: Principal, create_missing: bool) -> None:
    """Refuse ``create_missing`` to a role that may not create queues and people directly.

    The import creates what ``POST /api/v1/queues`` and ``/people`` would: a role those refuse
    (planners) cannot create them through a file either; managers create at sites in scope.
    """
    if create_missing and user.role not in permissions.ORG_MANAGE:
        raise Forbidden(
            f"the role {user.role.value} may not create queues and agents: import without "
            "'create missing', after a manager or administrator has created them",
            [Problem("not allowed for your role", field="create_missing")],
        )


def _save(upload: StarletteUpload, folder: Path) -> Path:
    """Copy an upload into ``folder`` under its own base name (the name reports use)."""
    folder.mkdir(parents=True, exist_ok=True)
    name = Path((upload.filename or "").replace("\\", "/")).name or "upload"
    target = folder / name
    with target.open("wb") as out:
        shutil.copyfileobj(upload.file, out, 1 << 20)
    return target


def _import_upload(
    import_file: Callable[..., schemas.ImportReport],
    file: StarletteUpload,
    mapping: StarletteUpload | None,
    agent_map: StarletteUpload | None = None,
    **options: Any,
) -> schemas.ImportReport:
    """Save the upload (and its mapping and agent map) to a private folder and run
    ``import_file`` on it with what follows an import (``flows.import_records``: the intraday
    totals of the queue-days it wrote are rebuilt in the same transaction)."""
    with tempfile.TemporaryDirectory(prefix="ccops-import-") as tmp:
        path = _save(file, Path(tmp) / "file")
        mapping_path = _save(mapping, Path(tmp) / "mapping") if mapping is not None else None
        if agent_map is not None:
            options["agent_map"] = _save(agent_map, Path(tmp) / "agent-map")
        return flows.import_records(run=import_file, path=path, mapping=mapping_path, **options)


@router.post("/imports/contacts", response_model=schemas.ImportReport)
def import_contacts(
    session: SessionDep,
    settings: SettingsDep,
    user: Importer,
    file: FileField,
    format: FormatField,
    mapping: MappingField = None,
    site: SiteField = None,
    source: SourceField = None,
    skip_invalid: FlagField = False,
    update: FlagField = False,
    create_missing: FlagField = False,
    with_agent_states: FlagField = False,
    agent_map: AgentMapField = None,
) -> schemas.ImportReport:
    """Import a file of contacts (all rows or none, unless skip_invalid).

    An Asterisk queue_log continues the previous file of its source: the calls it left open
    are completed; those this file leaves open are reported (``pending_calls``) and kept.
    """
    check_create_missing(user, create_missing)
    return _import_upload(
        contacts_imports.import_contacts,
        file,
        mapping,
        agent_map,
        session=session,
        settings=settings,
        format=format,
        site=site,
        source=source,
        skip_invalid=skip_invalid,
        update=update,
        create_missing=create_missing,
        with_agent_states=with_agent_states,
        allowed_site_ids=user.scope.site_ids,
    )


@router.post("/imports/agent-states", response_model=schemas.ImportReport)
def import_agent_states(
    session: SessionDep,
    settings: SettingsDep,
    user: Importer,
    file: FileField,
    format: FormatField,
    mapping: MappingField = None,
    site: SiteField = None,
    source: SourceField = None,
    skip_invalid: FlagField = False,
    update: FlagField = False,
    create_missing: FlagField = False,
    agent_map: AgentMapField = None,
) -> schemas.ImportReport:
    """Import agent-state spans (csv, parquet or an Asterisk queue_log)."""
    check_create_missing(user, create_missing)
    return _import_upload(
        contacts_imports.import_agent_states,
        file,
        mapping,
        agent_map,
        session=session,
        settings=settings,
        format=format,
        site=site,
        source=source,
        skip_invalid=skip_invalid,
        update=update,
        create_missing=create_missing,
        allowed_site_ids=user.scope.site_ids,
    )


@router.post("/imports/intervals", response_model=schemas.ImportReport)
def import_intervals(
    session: SessionDep,
    settings: SettingsDep,
    user: Importer,
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
    check_create_missing(user, create_missing)
    return _import_upload(
        contacts_imports.import_intervals,
        file,
        mapping,
        session=session,
        settings=settings,
        format=format,
        site=site,
        source=source,
        skip_invalid=skip_invalid,
        update=update,
        create_missing=create_missing,
        allowed_site_ids=user.scope.site_ids,
    )


@router.get("/imports", response_model=list[schemas.ImportBatchOut])
def list_imports(
    session: SessionDep, _user: BatchReader, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[schemas.ImportBatchOut]:
    """List import batches, newest first."""
    return contacts_queries.list_batches(session=session, limit=limit)


@router.get("/imports/pending", response_model=list[schemas.PendingCallOut])
def list_pending_calls(
    session: SessionDep, user: BatchReader, source: str | None = None
) -> list[schemas.PendingCallOut]:
    """Calls still open at the end of the last queue_log import of each source (of queues in
    scope): completed by the next file of the source; answered ones are counted already."""
    found = continuity.list_pending(session=session, source=source)
    names = org_service.queue_names_in_scope(session=session, scope=user.scope)
    return found if names is None else [p for p in found if p.queue in set(names)]


@router.get("/agent-aliases", response_model=list[schemas.AgentAliasOut])
def list_agent_aliases(session: SessionDep, user: BatchReader) -> list[schemas.AgentAliasOut]:
    """The other names telephony logs use for people (of the sites in scope)."""
    return continuity.list_aliases(session=session, allowed_site_ids=user.scope.site_ids)


@router.post("/agent-aliases", response_model=schemas.AgentAliasesStored)
def store_agent_aliases(
    session: SessionDep,
    user: Importer,
    file: Annotated[UploadFile, File(description="CSV alias,login.")],
) -> schemas.AgentAliasesStored:
    """Store the aliases of an agent map (all rows or none; each bad row named)."""
    with tempfile.TemporaryDirectory(prefix="ccops-agent-map-") as tmp:
        path = _save(file, Path(tmp))
        stored = continuity.store_aliases(
            session=session,
            rows=continuity.read_agent_map(path),
            label=path.name,
            allowed_site_ids=user.scope.site_ids,
        )
    return schemas.AgentAliasesStored(
        stored=stored,
        aliases=continuity.list_aliases(session=session, allowed_site_ids=user.scope.site_ids),
    )


@router.get("/contacts", response_model=list[schemas.ContactOut])
def list_contacts(
    session: SessionDep,
    user: ContactReader,
    queue: str | None = None,
    start: Annotated[
        datetime | None, Query(alias="from", description="Arrivals from (with offset).")
    ] = None,
    end: Annotated[
        datetime | None, Query(alias="to", description="Arrivals before (with offset).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[schemas.ContactOut]:
    """List contacts by arrival, optionally of one queue and time range (queues in scope)."""
    return contacts_queries.list_contacts(
        session=session,
        queue=queue,
        start=start,
        end=end,
        limit=limit,
        site_ids=user.scope.site_ids,
    )


@router.patch("/contacts/{contact_id}/context", response_model=schemas.ContactContextOut)
def record_contact_context(
    contact_id: RowId, data: schemas.ContactContextIn, session: SessionDep, user: ContextWriter
) -> schemas.ContactContextOut:
    """Record what a contact was about: its topic, the standard answer (and version) used, the
    reason code, flags and survey. Only the fields sent change; agents reach their own contacts."""
    return contacts_context.record_context(
        session=session, contact_id=contact_id, scope=user.scope, data=data
    )


@router.post("/privacy/erase", response_model=schemas.ErasureOut)
def erase_customer(
    data: schemas.ErasureIn, session: SessionDep, settings: SettingsDep, _user: Eraser
) -> schemas.ErasureOut:
    """Erase a customer's link to their contacts; their statistics are kept."""
    affected = contacts_privacy.erase_customer(
        session=session, customer_key=data.customer_key, secret_key=settings.resolved_secret_key()
    )
    return schemas.ErasureOut(contacts_affected=affected)


# --- the import page ---------------------------------------------------------------------------

KINDS = {
    "contacts": N_("Contacts"),
    "agent_states": N_("Agent states"),
    "intervals": N_("ACD interval report"),
}
FORMAT_LABELS = {
    "csv": N_("CSV file"),
    "parquet": N_("Parquet file"),
    "technion": N_("Technion call log"),
    "asterisk-queue-log": N_("Asterisk queue_log"),
    "amazon-connect-ctr": N_("Amazon Connect contact records"),
    "genesys-cloud-conversations": N_("Genesys Cloud conversation details"),
    "twilio-taskrouter-events": N_("Twilio TaskRouter events"),
}
"""What each format of the import page's list is, beside its name (which the CLI and API take)."""
FLAGS = {
    "skip_invalid": (
        N_("Skip invalid rows"),
        N_("Import the good rows; the bad ones go to a rejects file beside the report."),
    ),
    "update": (
        N_("Update changed records"),
        N_("Replace stored records with the same id whose content differs."),
    ),
    "create_missing": (
        N_("Create missing queues and agents"),
        N_("Unknown queues and agents are created at the chosen site instead of refused."),
    ),
    "with_agent_states": (
        N_("Also import agent states"),
        N_("Asterisk queue_log files only: the agents' states in the same file."),
    ),
}


def _import_page(
    request: Request,
    user: Principal,
    session: SessionDep,
    *,
    state: forms.FormState | None = None,
    report: schemas.ImportReport | None = None,
    coverage: list[schemas.BatchCoverage] | None = None,
    failure: CcopsError | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    state = state or forms.FormState(
        values={"kind": "contacts", "format": "csv", "site": "", "source": ""}
        | dict.fromkeys(FLAGS, "")
    )
    _ = gettext_for(request, user)
    sites = org_service.list_sites(session=session, scope=user.scope)
    site_options = [(s.name, s.name) for s in sites]
    if user.scope.everything:
        site_options = [("", _("(each queue's own site)")), *site_options]
    return render(
        request,
        "contacts/import.html",
        {
            "form": state,
            "kind_options": [(k, _(label)) for k, label in KINDS.items()],
            "format_options": [
                (f, f"{f} · {_(FORMAT_LABELS[f])}" if f in FORMAT_LABELS else f)
                for f in dict.fromkeys(f for kind in FORMATS.values() for f in kind)
            ],
            "site_options": site_options,
            "flag_options": [(flag, _(label), _(hint)) for flag, (label, hint) in FLAGS.items()],
            "site_required": not user.scope.everything,
            "report": report,
            "coverage": coverage or [],
            "failure": failure,
            "failure_problems": sorted(
                failure.problems if failure is not None else [],
                key=lambda p: (p.row is None, p.row or 0, p.field or ""),
            ),
            "batches": contacts_queries.list_batches(session=session, limit=10),
            "pending": _pending_in_scope(session, user),
        },
        principal=user,
        status_code=status_code,
        active="import",
    )


def _pending_in_scope(session: SessionDep, user: Principal) -> list[schemas.PendingCallOut]:
    found = continuity.list_pending(session=session)
    names = org_service.queue_names_in_scope(session=session, scope=user.scope)
    return found if names is None else [p for p in found if p.queue in set(names)]


@pages.get("", response_class=HTMLResponse)
def import_page(request: Request, user: BatchReader, session: SessionDep) -> HTMLResponse:
    """Show the import form and the latest import batches."""
    return _import_page(request, user, session)


@pages.post("", response_class=HTMLResponse)
def import_upload(
    request: Request,
    user: Importer,
    session: SessionDep,
    settings: SettingsDep,
    form: forms.PostedForm,
) -> HTMLResponse:
    """Import an uploaded file; show its report, or every rejected row when it is refused."""
    return _import_form(request, user, session, settings, form)


def _import_form(
    request: Request, user: Principal, session: SessionDep, settings: SettingsDep, form: FormData
) -> HTMLResponse:
    values = forms.text_values(form, ("kind", "format", "site", "source", *FLAGS))
    _ = gettext_for(request, user)
    state = forms.FormState(values=values | {"file": ""})
    if values["kind"] not in KINDS:
        state.add("kind", _("Choose one of the options."))
    upload = forms.upload(form, "file")
    if upload is None:
        state.add("file", _("Choose a file to import."))
    if not user.scope.everything and not values["site"]:
        state.add("site", _("Choose one of your sites."))
    if not state.ok or upload is None:
        return _import_page(request, user, session, state=state, status_code=422)
    mapping = forms.upload(form, "mapping")
    flags = {flag: values[flag] in ("on", "true", "1") for flag in FLAGS}
    kind = values["kind"]
    args: dict[str, Any] = {
        "session": session,
        "settings": settings,
        "format": values["format"],
        "site": values["site"] or None,
        "source": values["source"] or None,
        "skip_invalid": flags["skip_invalid"],
        "update": flags["update"],
        "create_missing": flags["create_missing"],
        "allowed_site_ids": user.scope.site_ids,
    }
    if kind == "contacts":
        args["with_agent_states"] = flags["with_agent_states"]
    agent_map = forms.upload(form, "agent_map") if kind != "intervals" else None
    run = {
        "contacts": contacts_imports.import_contacts,
        "agent_states": contacts_imports.import_agent_states,
        "intervals": contacts_imports.import_intervals,
    }[kind]
    try:
        check_create_missing(user, flags["create_missing"])
        with attempt(session):
            report = _import_upload(run, upload, mapping, agent_map, **args)
    except CcopsError as exc:
        forms.domain_problems(exc, state, _, fallback=False)
        return _import_page(
            request, user, session, state=state, failure=exc, status_code=exc.status_code
        )
    coverage = (
        contacts_queries.batch_coverage(session=session, batch_id=report.batch_id)
        if report.batch_id is not None
        else []
    )
    return _import_page(request, user, session, state=state, report=report, coverage=coverage)


routers: tuple[APIRouter, ...] = (router, pages)
"""Every router of this module, for the app to include."""
