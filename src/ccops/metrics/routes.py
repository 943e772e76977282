"""KPIs: JSON API under /api/v1/kpi and the queue KPI dashboard under /kpi."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from ccops import bounds
from ccops.contacts import queries as contacts_queries
from ccops.errors import Forbidden, Problem
from ccops.exports import Column, Kind, TableExport
from ccops.metrics import registry, schemas
from ccops.metrics import service as kpi_service
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.settings import Settings
from ccops.web import permissions
from ccops.web.auth import Principal, require
from ccops.web.deps import SessionDep, SettingsDep
from ccops.web.downloads import FormatQ, download, wanted_format
from ccops.web.i18n import N_
from ccops.web.render import gettext_for, render
from ccops.web.responses import typed_json

router = APIRouter(prefix="/api/v1/kpi", tags=["kpi"])
pages = APIRouter(prefix="/kpi", include_in_schema=False)

QueueReader = Annotated[Principal, Depends(require(*permissions.KPI_QUEUES))]
AgentReader = Annotated[Principal, Depends(require(*permissions.KPI_AGENTS))]

FromQ = Annotated[date, Query(alias="from", description="First local date")]
ToQ = Annotated[date, Query(alias="to", description="Last local date, inclusive")]
IntervalQ = Annotated[int, Query(description="Interval minutes: 15, 30 or 60")]
# Names reach SQL compiled by ibis, where a NUL character would fail the query: the app's
# RejectNulMiddleware refuses any query string with one (422) before a route runs.
QueueQ = Annotated[list[str] | None, Query(description="Queue names")]


# The routes answer with typed_json (one serialisation); response_model documents the shape.
QUEUE_ROWS = TypeAdapter(list[schemas.QueueIntervalKpi])
AGENT_ROWS = TypeAdapter(list[schemas.AgentIntervalKpi])
REPEAT_ROWS = TypeAdapter(list[schemas.RepeatContactDay])


def _within_scope(
    allowed: list[str] | None, requested: list[str] | None, what: str, field: str
) -> list[str] | None:
    """The requested names if all are allowed, else every allowed name; None means no limit.

    Raises:
        Forbidden: a requested name is outside the allowed ones.
    """
    if allowed is None:
        return requested
    if requested:
        outside = sorted(set(requested) - set(allowed))
        if outside:
            raise Forbidden(
                f"{what} outside your scope: {', '.join(outside)}",
                [Problem("outside your scope", field=field)],
            )
        return requested
    return allowed


def queues_in_scope(
    session: Session, user: Principal, requested: list[str] | None
) -> list[str] | None:
    """Return the queues to compute: the requested ones if all are in scope, else the scope's."""
    allowed = org_service.queue_names_in_scope(session=session, scope=user.scope)
    return _within_scope(allowed, requested, "queues", "queue")


def people_in_scope(
    session: Session, user: Principal, requested: list[str] | None
) -> list[str] | None:
    """Return the people to compute: the requested ones if all are in scope, else the scope's."""
    allowed = org_service.logins_in_scope(session=session, scope=user.scope)
    return _within_scope(allowed, requested, "people", "person")


@router.get("/intervals", response_model=list[schemas.QueueIntervalKpi])
def queue_intervals(
    settings: SettingsDep,
    session: SessionDep,
    user: QueueReader,
    first: FromQ,
    last: ToQ,
    queue: QueueQ = None,
    interval: IntervalQ = 15,
) -> Response:
    """Compute queue KPIs per queue and local interval (queues of the sites in scope)."""
    queues = queues_in_scope(session, user, queue)
    if queues == []:
        return typed_json(QUEUE_ROWS, [])
    with kpi_service.source_for_database(settings.resolved_database_url()) as source:
        rows = kpi_service.queue_interval_kpis(
            source=source, first=first, last=last, interval_min=interval, queues=queues
        )
    return typed_json(QUEUE_ROWS, rows)


@router.get("/agents", response_model=list[schemas.AgentIntervalKpi])
def agent_intervals(
    settings: SettingsDep,
    session: SessionDep,
    user: AgentReader,
    first: FromQ,
    last: ToQ,
    person: Annotated[list[str] | None, Query(description="Person logins")] = None,
    interval: IntervalQ = 15,
) -> Response:
    """Compute agent occupancy and utilisation per local interval (people in scope)."""
    people = people_in_scope(session, user, person)
    if people == []:
        return typed_json(AGENT_ROWS, [])
    with kpi_service.source_for_database(settings.resolved_database_url()) as source:
        rows = kpi_service.agent_interval_kpis(
            source=source, first=first, last=last, interval_min=interval, people=people
        )
    return typed_json(AGENT_ROWS, rows)


@router.get("/repeats", response_model=list[schemas.RepeatContactDay])
def repeats(
    settings: SettingsDep,
    session: SessionDep,
    user: QueueReader,
    first: FromQ,
    last: ToQ,
    queue: QueueQ = None,
    days: Annotated[int, Query(ge=1, le=90, description="Repeat window, days")] = 7,
) -> Response:
    """Compute the repeat-contact rate per queue and local day (queues in scope)."""
    queues = queues_in_scope(session, user, queue)
    if queues == []:
        return typed_json(REPEAT_ROWS, [])
    with kpi_service.source_for_database(settings.resolved_database_url()) as source:
        rows = kpi_service.repeat_contact_rates(
            source=source, first=first, last=last, window_days=days, queues=queues
        )
    return typed_json(REPEAT_ROWS, rows)


@router.get("/definitions")
def definitions(_user: QueueReader) -> list[dict[str, Any]]:
    """List every KPI's formula, unit and data source."""
    return [vars(m) for m in registry.METRICS.values()]


# --- the queue KPI dashboard -------------------------------------------------------------------

VARIANT_TEXT = {
    "exclude_short_abandons": N_(
        "short abandons excluded: answered within T / (offered − short abandons)"
    ),
    "abandons_count_against": N_("abandons count against: answered within T / offered"),
    "abandons_ignored": N_("abandons ignored: answered within T / answered"),
}
SOURCE_TEXT = {
    "contacts": N_("contact records"),
    "interval_reports": N_("imported ACD interval reports"),
}
METRIC_LABELS = {
    "offered": N_("Offered"),
    "answered": N_("Answered"),
    "abandoned": N_("Abandoned"),
    "short_abandoned": N_("Short abandons"),
    "answered_within_target": N_("Answered within target"),
    "service_level": N_("Service level"),
    "asa_s": N_("Average speed of answer"),
    "aht_s": N_("Average handle time"),
    "abandon_rate": N_("Abandonment rate"),
    "max_wait_s": N_("Longest wait"),
    "occupancy": N_("Occupancy"),
    "utilisation": N_("Utilisation"),
    "repeat_contact_rate": N_("Repeat-contact rate (FCR proxy)"),
}


def _parse_date(value: str) -> date | None:
    """The date asked for, or None when it is missing, malformed or out of range."""
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return None if day is None or bounds.out_of_range(day) else day


@dataclass
class Slot:
    """One interval of the dashboard: its local start, its KPIs (None: no contact) and label."""

    start: datetime
    kpi: schemas.QueueIntervalKpi | None
    label: str


def _filled(
    rows: list[schemas.QueueIntervalKpi], queue: org_schemas.QueueOut, interval_min: int
) -> list[Slot]:
    """Every interval from the first to the last with contacts; quiet intervals offer 0.

    Labels are local wall-clock times; on a daylight-saving day they carry the UTC offset,
    since one local time then names two intervals (or none).
    """
    if not rows:
        return []
    zone = ZoneInfo(queue.timezone)
    by_start = {r.interval_start.astimezone(UTC): r for r in rows}
    end = max(by_start)
    out = []
    at = min(by_start)
    while at <= end:
        local = at.astimezone(zone)
        out.append(Slot(local, by_start.get(at), f"{local:%H:%M}"))
        at += timedelta(minutes=interval_min)
    if len({slot.start.utcoffset() for slot in out}) > 1:
        for slot in out:
            offset = slot.start.strftime("%z")
            slot.label += f" {offset[:3]}:{offset[3:]}"
    return out


def _panel_context(
    request: Request,
    user: Principal,
    session: Session,
    settings: Settings,
    queue_name: str,
    day_text: str,
    interval_text: str,
) -> dict[str, Any]:
    _ = gettext_for(request, user)
    queues = org_service.list_queues(session=session, scope=user.scope)
    by_name = {q.name: q for q in queues}
    problems: dict[str, str] = {}
    queue = by_name.get(queue_name) if queue_name else (queues[0] if queues else None)
    if queue_name and queue is None:
        problems["queue"] = _("Unknown queue, or outside your scope.")
        queue = queues[0] if queues else None
    try:
        interval = int(interval_text) if interval_text else 30
    except ValueError:
        interval = 0
    if interval not in kpi_service.ALLOWED_INTERVALS:
        problems["interval"] = _("Choose 15, 30 or 60 minutes.")
        interval = 30
    day = _parse_date(day_text)
    if day_text and day is None:
        problems["date"] = _("Enter a date (YYYY-MM-DD).")
    if day is None and queue is not None:
        day = contacts_queries.last_local_date(session=session, queue=queue.name)
    day = day or (datetime.now(UTC).date() - timedelta(days=1))
    rows: list[schemas.QueueIntervalKpi] = []
    summary: schemas.QueuePeriodKpi | None = None
    if queue is not None:
        with kpi_service.source_for_database(settings.resolved_database_url()) as source:
            rows = kpi_service.queue_interval_kpis(
                source=source, first=day, last=day, interval_min=interval, queues=[queue.name]
            )
        summaries = kpi_service.summarise_queue_kpis(rows, first=day, last=day)
        summary = summaries[0] if summaries else None
    filled = _filled(rows, queue, interval) if queue is not None else []
    chart = {
        "labels": [slot.label for slot in filled],
        "offered": [slot.kpi.offered if slot.kpi else 0 for slot in filled],
        "service_level": [_pct(slot.kpi, "service_level") for slot in filled],
        "abandon_rate": [_pct(slot.kpi, "abandon_rate") for slot in filled],
        "asa_s": [_round(slot.kpi, "asa_s") for slot in filled],
        "goal": round(queue.service_level_goal * 100, 1) if queue else None,
        "names": {
            **{key: _(label) for key, label in METRIC_LABELS.items()},
            "asa_s": _("ASA, s"),
            "goal": _("Service-level goal"),
            "contacts": _("contacts"),
            "percent": "%",
            "seconds": _("seconds"),
        },
        "title": _("%(queue)s on %(day)s, %(n)s-minute intervals")
        % {"queue": queue.name if queue else "", "day": day.isoformat(), "n": interval},
    }
    sources = sorted({r.data_source for r in rows})
    return {
        "queues": queues,
        "queue": queue,
        "day": day,
        "interval": interval,
        "intervals": kpi_service.ALLOWED_INTERVALS,
        "problems": problems,
        "rows": filled,
        "summary": summary,
        "chart": chart,
        "variant_text": VARIANT_TEXT[queue.service_level_variant.value] if queue else "",
        "sources": [_(SOURCE_TEXT[s]) if s in SOURCE_TEXT else s for s in sources],
        "labels": METRIC_LABELS,
        "prev_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
    }


def _pct(kpi: schemas.QueueIntervalKpi | None, name: str) -> float | None:
    value = getattr(kpi, name) if kpi is not None else None
    return None if value is None else round(float(value) * 100, 2)


def _round(kpi: schemas.QueueIntervalKpi | None, name: str) -> float | None:
    value = getattr(kpi, name) if kpi is not None else None
    return None if value is None else round(float(value), 1)


RATE_KEYS = ("service_level", "abandon_rate")


def kpi_table(request: Request, user: Principal, context: dict[str, Any]) -> TableExport:
    """The dashboard's interval table as a download: the same intervals and unrounded KPIs."""
    _ = gettext_for(request, user)
    queue = context["queue"]
    day = context["day"]
    # the page's headings (a key's label, read through _ without a literal for the extractor)
    counted = [
        Column(_(METRIC_LABELS[key]), Kind.INTEGER) for key in ("offered", "answered", "abandoned")
    ]
    rates = [Column(_(METRIC_LABELS[key]), Kind.PERCENT, 1) for key in RATE_KEYS]
    columns = [
        Column(_("Interval start"), Kind.DATETIME),
        *counted,
        *rates,
        Column(_("ASA, s"), Kind.NUMBER, 1),
        Column(_("AHT, s"), Kind.NUMBER, 0),
        Column(_("Longest wait, s"), Kind.NUMBER, 0),
    ]
    rows = []
    for slot in context["rows"]:
        k = slot.kpi
        rows.append(
            [
                slot.start,
                k.offered if k else 0,
                k.answered if k else 0,
                k.abandoned if k else 0,
                k.service_level if k else None,
                k.abandon_rate if k else None,
                k.asa_s if k else None,
                k.aht_s if k else None,
                k.max_wait_s if k else None,
            ]
        )
    name = queue.name if queue else ""
    return TableExport(
        title=_("Queue KPIs"),
        columns=columns,
        rows=rows,
        file_stem=f"kpi {name} {day.isoformat()} {context['interval']}min",
        zone=queue.timezone if queue else None,
        notes=[context["chart"]["title"], *context["sources"]],
    )


@pages.get("", response_class=HTMLResponse)
def dashboard(
    request: Request,
    user: QueueReader,
    session: SessionDep,
    settings: SettingsDep,
    queue: str = "",
    date: str = "",
    interval: str = "",
    file_format: FormatQ = "",
) -> Response:
    """Show one queue's KPIs of one day by interval: chart, table, definitions.

    ``?format=csv`` or ``xlsx`` answers the interval table as a file instead.
    """
    chosen = wanted_format(file_format)
    context = _panel_context(request, user, session, settings, queue, date, interval)
    status = 422 if context["problems"] else 200
    if chosen and not context["problems"]:
        return download(kpi_table(request, user, context), chosen)
    return render(
        request, "metrics/kpi.html", context, principal=user, status_code=status, active="kpi"
    )


@pages.get("/panel", response_class=HTMLResponse)
def panel(
    request: Request,
    user: QueueReader,
    session: SessionDep,
    settings: SettingsDep,
    queue: str = "",
    date: str = "",
    interval: str = "",
) -> HTMLResponse:
    """Return the chart and table of the dashboard (the part htmx swaps in)."""
    context = _panel_context(request, user, session, settings, queue, date, interval)
    response = render(request, "metrics/kpi_panel.html", context, principal=user, active="kpi")
    if context["queue"] is not None:
        # the address bar follows the choice, so a reload or a shared link shows the same
        shown = urlencode(
            {
                "queue": context["queue"].name,
                "date": context["day"].isoformat(),
                "interval": context["interval"],
            }
        )
        response.headers["HX-Push-Url"] = f"/kpi?{shown}"
    return response


@pages.get("/definitions", response_class=HTMLResponse)
def definitions_page(request: Request, user: QueueReader) -> HTMLResponse:
    """Show every KPI's definition, formula, unit and data source (the registry)."""
    return render(
        request,
        "metrics/definitions.html",
        {
            "metrics": list(registry.METRICS.values()),
            "labels": METRIC_LABELS,
            "directions": registry.DIRECTION_TEXT,
        },
        principal=user,
        active="kpi",
    )


routers: tuple[APIRouter, ...] = (router, pages)
