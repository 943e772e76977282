"""Voice of the customer: post-contact survey answers (CSAT 1-5, NPS 0-10) tied to contacts,
and results per queue or team with 95% intervals.

CSAT: the mean with its Student t interval and the satisfied share (4 or 5) with its Wilson
interval. NPS: each answer scores +100 (9-10), 0 (7-8) or -100 (0-6); the NPS is the mean of
those scores, so its interval is the t interval of that mean (a large-sample interval).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from datetime import date

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from ccops.cases import schemas
from ccops.cases import service as cases_service
from ccops.cases.models import Case, CaseChurn, Survey
from ccops.cases.service import period_bounds
from ccops.contacts.models import Contact
from ccops.engines import stats
from ccops.errors import Invalid, NotFound, Problem
from ccops.org.models import Person, Queue, Team
from ccops.org.service import EVERYTHING, Scope


def _contact_in_scope(session: Session, contact_id: int, scope: Scope) -> Contact | None:
    contact = session.get(Contact, contact_id)
    if contact is None:
        return None
    queue = session.get(Queue, contact.queue_id)
    return contact if queue is not None and scope.allows_site(queue.site_id) else None


def record_surveys(
    *, session: Session, rows: Sequence[schemas.SurveyIn], scope: Scope = EVERYTHING
) -> schemas.SurveyImportOut:
    """Store survey answers (a contact's earlier answer is replaced); every bad row is named
    and nothing is stored unless all rows are good."""
    problems = []
    seen: set[int] = set()
    for n, row in enumerate(rows, start=1):
        if row.csat is None and row.nps is None:
            problems.append(Problem("neither csat nor nps", field="csat", row=n))
        if row.contact_id in seen:
            problems.append(Problem("contact given twice", field="contact_id", row=n))
        seen.add(row.contact_id)
        if _contact_in_scope(session, row.contact_id, scope) is None:
            problems.append(
                Problem(f"contact {row.contact_id} does not exist", field="contact_id", row=n)
            )
    if problems:
        if len(rows) == 1 and problems[0].field == "contact_id" and "exist" in problems[0].message:
            raise NotFound(problems[0].message, problems)
        raise Invalid(f"{len(problems)} problem(s) in the survey answers; nothing stored", problems)
    stored = replaced = 0
    for row in rows:
        found = session.scalars(select(Survey).where(Survey.contact_id == row.contact_id)).first()
        if found is None:
            found = Survey(contact_id=row.contact_id)
            session.add(found)
            stored += 1
        else:
            replaced += 1
        found.csat, found.nps, found.comment, found.source = (
            row.csat,
            row.nps,
            row.comment,
            row.source,
        )
    session.flush()
    return schemas.SurveyImportOut(stored=stored, replaced=replaced)


def _num(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 4)


def voc_row(group: str, csat: list[int], nps: list[int]) -> schemas.VocRow:
    """The results of one group's answers."""
    csat_i = stats.mean_interval(csat) if csat else None
    satisfied = sum(1 for v in csat if v >= 4)
    sat_i = stats.wilson_interval(satisfied, len(csat)) if csat else None
    scores = [100.0 if v >= 9 else (-100.0 if v <= 6 else 0.0) for v in nps]
    nps_i = stats.mean_interval(scores) if scores else None
    return schemas.VocRow(
        group=group,
        responses=max(len(csat), len(nps)),
        csat_n=len(csat),
        csat_mean=_num(csat_i.point) if csat_i else None,
        csat_low=_num(csat_i.low) if csat_i else None,
        csat_high=_num(csat_i.high) if csat_i else None,
        satisfied_share=_num(sat_i.point) if sat_i else None,
        satisfied_low=_num(sat_i.low) if sat_i else None,
        satisfied_high=_num(sat_i.high) if sat_i else None,
        nps_n=len(nps),
        nps=_num(nps_i.point) if nps_i else None,
        nps_low=_num(nps_i.low) if nps_i else None,
        nps_high=_num(nps_i.high) if nps_i else None,
    )


def voc(
    *,
    session: Session,
    first_day: date,
    last_day: date,
    by: str = "queue",
    scope: Scope = EVERYTHING,
) -> schemas.VocOut:
    """Survey results of contacts that arrived in a period, per queue or team, in scope."""
    if by not in ("queue", "team"):
        raise Invalid(f"unknown grouping {by!r}: queue or team", [Problem("unknown", field="by")])
    start, end = period_bounds(first_day, last_day)
    agent = aliased(Person)
    query = (
        select(Survey.csat, Survey.nps, Queue.name, Queue.site_id, Team.name)
        .join(Contact, Contact.id == Survey.contact_id)
        .join(Queue, Queue.id == Contact.queue_id)
        .outerjoin(agent, agent.id == Contact.person_id)
        .outerjoin(Team, Team.id == agent.team_id)
        .where(Contact.arrival_at >= start, Contact.arrival_at < end)
    )
    if scope.site_ids is not None:
        query = query.where(Queue.site_id.in_(sorted(scope.site_ids)))
    groups: dict[str, tuple[list[int], list[int]]] = {}
    all_csat: list[int] = []
    all_nps: list[int] = []
    for csat, nps, queue, _site, team in session.execute(query):
        key = queue if by == "queue" else (team or "(no team)")
        c, n = groups.setdefault(key, ([], []))
        if csat is not None:
            c.append(csat)
            all_csat.append(csat)
        if nps is not None:
            n.append(nps)
            all_nps.append(nps)
    return schemas.VocOut(
        first_day=first_day,
        last_day=last_day,
        by=by,
        total=voc_row("all", all_csat, all_nps),
        rows=[voc_row(k, *groups[k]) for k in sorted(groups)],
    )


def churned_keys(session: Session) -> dict[str, date]:
    """The customer keys the centre's CRM flags as churned, with the day (empty: no churn
    recorded)."""
    return {c.customer_key: c.churned_on for c in session.scalars(select(CaseChurn))}


def record_churn(*, session: Session, rows: Sequence[schemas.ChurnIn]) -> schemas.ChurnImportOut:
    """Store churn flags imported from the CRM (a key's earlier flag is replaced; churned=false
    clears it); every bad row is named and nothing is stored unless all rows are good."""
    problems = []
    seen: set[str] = set()
    for n, row in enumerate(rows, start=1):
        if row.churned and row.churned_on is None:
            problems.append(Problem("the day of the churn is required", field="churned_on", row=n))
        if row.customer_key in seen:
            problems.append(Problem("customer key given twice", field="customer_key", row=n))
        seen.add(row.customer_key)
    if problems:
        raise Invalid(f"{len(problems)} problem(s) in the churn flags; nothing stored", problems)
    flagged = cleared = 0
    for row in rows:
        stored = session.get(CaseChurn, row.customer_key)
        if row.churned and row.churned_on is not None:
            if stored is None:
                session.add(CaseChurn(customer_key=row.customer_key, churned_on=row.churned_on))
            else:
                stored.churned_on = row.churned_on
            flagged += 1
        elif stored is not None:
            session.delete(stored)
            cleared += 1
    session.flush()
    recorded = session.scalar(select(func.count()).select_from(CaseChurn)) or 0
    return schemas.ChurnImportOut(flagged=flagged, cleared=cleared, recorded=recorded)


CHURN_COLUMNS = ("customer_key", "churned_on", "churned")
MAX_CHURN_BYTES = 20_000_000


def read_churn_csv(file_name: str, content: bytes) -> list[schemas.ChurnIn]:
    """Churn flags from a CSV file (UTF-8; columns ``customer_key``, ``churned_on``
    YYYY-MM-DD and optionally ``churned`` 1/0; others ignored). Every bad row is named by its
    row as a spreadsheet numbers it (the heading is row 1) and field; nothing is returned
    unless all are good."""
    if len(content) > MAX_CHURN_BYTES:
        raise Invalid(
            f"{file_name}: the file is over {MAX_CHURN_BYTES // 1_000_000} MB",
            [Problem("too large", file=file_name)],
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid(
            f"{file_name}: not a UTF-8 text file", [Problem("not UTF-8", file=file_name)]
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    heading = [h.strip().lower() for h in next(reader, [])]
    if "customer_key" not in heading:
        raise Invalid(
            f"{file_name}: the first row must name the columns customer_key and churned_on",
            [Problem("missing column", field="customer_key", row=1, file=file_name)],
        )
    rows: list[schemas.ChurnIn] = []
    problems: list[Problem] = []
    first_row: dict[str, int] = {}
    for number, record in enumerate(reader, start=2):
        if not any(cell.strip() for cell in record):
            continue
        data = {
            name: cell.strip()
            for name, cell in zip(heading, record, strict=False)
            if name in CHURN_COLUMNS and cell.strip()
        }
        if data.get("churned", "").lower() in ("yes", "true"):
            data["churned"] = "1"
        elif data.get("churned", "").lower() in ("no", "false"):
            data["churned"] = "0"
        try:
            row = schemas.ChurnIn.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                where = ".".join(str(p) for p in error["loc"]) or None
                message = "required" if error["type"] == "missing" else str(error["msg"])
                problems.append(Problem(message, field=where, row=number, file=file_name))
            continue
        if row.churned and row.churned_on is None:
            problems.append(
                Problem(
                    "the day of the churn is required",
                    field="churned_on",
                    row=number,
                    file=file_name,
                )
            )
        if row.customer_key in first_row:
            problems.append(
                Problem(
                    f"customer key {row.customer_key!r} is also on row "
                    f"{first_row[row.customer_key]}",
                    field="customer_key",
                    row=number,
                    file=file_name,
                )
            )
        first_row.setdefault(row.customer_key, number)
        rows.append(row)
    if problems:
        bad = len({p.row for p in problems})
        raise Invalid(
            f"{file_name}: {len(problems)} problem(s) in {bad} row(s); nothing stored", problems
        )
    if not rows:
        raise Invalid(
            f"{file_name}: no churn flag in the file", [Problem("empty", file=file_name, row=2)]
        )
    return rows


def import_churn_file(
    *, session: Session, file_name: str, content: bytes
) -> schemas.ChurnImportOut:
    """Store the churn flags of a CSV file (see ``read_churn_csv``): all or nothing, every bad
    row named by its row in the file."""
    return record_churn(session=session, rows=read_churn_csv(file_name, content))


def categories(
    *, session: Session, first_day: date, last_day: date, scope: Scope = EVERYTHING
) -> list[schemas.CategoryRow]:
    """Cases opened in a period by category (most first): volume per month (YYYY-MM), how
    many are complaints, how many of their surveyed contacts were dissatisfied, and, where
    the centre records churn, how many of their customers churned on or after the case was
    opened (share with its 95% Wilson interval)."""
    start, end = period_bounds(first_day, last_day)
    churn = churned_keys(session)
    customers: dict[str, set[str]] = {}
    churned: dict[str, set[str]] = {}
    query = (
        select(Case.category, Case.case_type, Case.opened_at, Survey.csat, Case.customer_key)
        .outerjoin(Survey, Survey.contact_id == Case.contact_id)
        .where(cases_service.visible(scope), Case.opened_at >= start, Case.opened_at < end)
    )
    rows: dict[str, schemas.CategoryRow] = {}
    for category, case_type, opened, csat, customer in session.execute(query):
        key = category or "(none)"
        if customer:
            customers.setdefault(key, set()).add(customer)
            gone = churn.get(customer)
            if gone is not None and gone >= opened.date():
                churned.setdefault(key, set()).add(customer)
        row = rows.setdefault(
            key,
            schemas.CategoryRow(
                category=key, cases=0, by_month={}, complaints=0, surveyed=0, dissatisfied=0
            ),
        )
        row.cases += 1
        month = opened.strftime("%Y-%m")
        row.by_month[month] = row.by_month.get(month, 0) + 1
        row.complaints += case_type == "complaint"
        if csat is not None:
            row.surveyed += 1
            row.dissatisfied += csat <= 2
    for key, row in rows.items():
        row.customers = len(customers.get(key, ()))
        if churn:
            row.churned = len(churned.get(key, ()))
            if row.customers:
                interval = stats.wilson_interval(row.churned, row.customers)
                row.churn_share = _num(float(interval.point))
                row.churn_low = _num(float(interval.low))
                row.churn_high = _num(float(interval.high))
    return sorted(rows.values(), key=lambda r: (-r.cases, r.category))
