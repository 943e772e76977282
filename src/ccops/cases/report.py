"""The monthly voice-of-the-customer report: case categories by volume and trend,
dissatisfaction, repeat contact and churn by category, and what was changed in response.

Per category of the cases opened in the month (UTC days, as the categories table):

- **Trend**: cases per day observed this month against the month before, by the exact
  conditional test of two Poisson rates (``ccops.engines.rate_tests``); "up" or "down" only
  when p < 0.05, otherwise "no clear change".
- **Dissatisfied**: surveyed contacts of the cases answering CSAT 1 or 2, with the share's
  Wilson 95% interval.
- **Repeat contact**: a case is a repeat-maker when its customer (the case's customer key)
  contacts the centre again, on any queue, within ``days`` days (default 7) after the case's
  contact arrived (after the case was opened when it has no contact), strictly later and not
  the case's own contact. Cases without a customer key are counted apart; a case whose window
  ends after the latest contact in the data is not judged yet (``repeat_incomplete``). The
  share of repeat-makers among judged cases gets a Wilson 95% interval.
- **Churn** (where the centre records churn): customers of the category's cases whom the CRM
  flags as churned on or after the day the case was opened, with a Wilson 95% interval.
- **Changes made in response**: process changes (knowledge package) published in the month
  and linked to the category by hand (links kept in the cases settings, ``voc_links``) or
  through their article, whose topic is the category (case-insensitive).
"""

from __future__ import annotations

import calendar
import math
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.cases import schemas, workflow
from ccops.cases import service as cases_service
from ccops.cases.models import Case, Survey
from ccops.cases.voc import churned_keys
from ccops.contacts.models import Contact
from ccops.db import utcnow
from ccops.engines import stats
from ccops.engines.rate_tests import poisson_rate_test
from ccops.errors import Invalid, NotFound, Problem
from ccops.knowledge.models import KbArticle, ProcessChange
from ccops.org.service import EVERYTHING, Scope

REPEAT_DAYS = 7


def _num(value: float | None, digits: int = 6) -> float | None:
    if value is None or math.isnan(value) or math.isinf(value):
        return None
    return round(value, digits)


def month_bounds(month: str) -> tuple[date, date]:
    """The first and last day of ``YYYY-MM``."""
    try:
        year, number = (int(part) for part in month.split("-"))
        first = date(year, number, 1)
    except ValueError:
        raise Invalid(
            f"{month!r} is not a month: write YYYY-MM", [Problem("YYYY-MM", field="month")]
        ) from None
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def default_month(today: date) -> str:
    """The last complete month."""
    return (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


# --- links of changes to categories -------------------------------------------------------


def _links(session: Session) -> list[tuple[str, int]]:
    stored = workflow.load(session).get("voc_links", [])
    return [(str(x["category"]), int(x["change_id"])) for x in stored if isinstance(x, dict)]


def list_links(*, session: Session) -> list[schemas.VocLinkOut]:
    """The changes linked by hand to case categories, by category."""
    out = []
    for category, change_id in sorted(_links(session), key=lambda x: (x[0].casefold(), x[1])):
        change = session.get(ProcessChange, change_id)
        if change is not None:
            out.append(
                schemas.VocLinkOut(
                    category=category,
                    change_id=change_id,
                    title=change.title,
                    published_at=change.published_at.replace(tzinfo=UTC)
                    if change.published_at.tzinfo is None
                    else change.published_at,
                )
            )
    return out


def link_change(*, session: Session, data: schemas.VocLinkIn) -> list[schemas.VocLinkOut]:
    """Link a process change to a case category (made in response to it); linking it twice
    changes nothing."""
    if session.get(ProcessChange, data.change_id) is None:
        raise NotFound(
            f"process change {data.change_id} does not exist",
            [Problem("no such process change", field="change_id")],
        )
    links = _links(session)
    key = (data.category.strip(), data.change_id)
    if not any(c.casefold() == key[0].casefold() and i == key[1] for c, i in links):
        settings = workflow.load(session)
        settings["voc_links"] = [{"category": c, "change_id": i} for c, i in [*links, key]]
        workflow.save(session, settings)
    return list_links(session=session)


def unlink_change(*, session: Session, category: str, change_id: int) -> list[schemas.VocLinkOut]:
    """Remove the link of a change to a category (none: 404)."""
    links = _links(session)
    kept = [
        (c, i) for c, i in links if not (c.casefold() == category.casefold() and i == change_id)
    ]
    if len(kept) == len(links):
        raise NotFound(
            f"change {change_id} is not linked to {category!r}",
            [Problem("not linked to this category", field="change_id")],
        )
    settings = workflow.load(session)
    settings["voc_links"] = [{"category": c, "change_id": i} for c, i in kept]
    workflow.save(session, settings)
    return list_links(session=session)


def change_choices(*, session: Session, limit: int = 100) -> list[tuple[int, str]]:
    """The latest process changes as (id, title) to choose from when linking one."""
    rows = session.execute(
        select(ProcessChange.id, ProcessChange.title)
        .order_by(ProcessChange.published_at.desc(), ProcessChange.id.desc())
        .limit(limit)
    )
    return [(i, t) for i, t in rows]


def _changes(
    session: Session, start: datetime, end: datetime
) -> dict[str, list[schemas.VocChangeOut]]:
    """Changes published in [start, end) per category (case-folded)."""
    linked: dict[int, list[str]] = {}
    for category, change_id in _links(session):
        linked.setdefault(change_id, []).append(category.casefold())
    out: dict[str, list[schemas.VocChangeOut]] = {}
    rows = session.execute(
        select(ProcessChange, KbArticle)
        .outerjoin(KbArticle, KbArticle.id == ProcessChange.article_id)
        .where(ProcessChange.published_at >= start, ProcessChange.published_at < end)
        .order_by(ProcessChange.published_at, ProcessChange.id)
    )
    for change, article in rows:
        title = None
        if article is not None:
            version = next(
                (v for v in article.versions if v.version == change.article_version), None
            ) or next((v for v in reversed(article.versions)), None)
            title = version.title if version else None
        published = change.published_at
        if published.tzinfo is None:
            published = published.replace(tzinfo=UTC)
        keys: list[tuple[str, str]] = [(c, "link") for c in linked.get(change.id, [])]
        if article is not None and article.topic.casefold() not in {k for k, _ in keys}:
            keys.append((article.topic.casefold(), "topic"))
        for key, how in keys:
            out.setdefault(key, []).append(
                schemas.VocChangeOut(
                    change_id=change.id,
                    title=change.title,
                    published_at=published,
                    article_id=change.article_id,
                    article_version=change.article_version,
                    article_title=title,
                    linked_by="link" if how == "link" else "topic",
                )
            )
    return out


# --- the report ----------------------------------------------------------------------------


@dataclass
class _Tally:
    cases: int = 0
    previous: int = 0
    complaints: int = 0
    surveyed: int = 0
    dissatisfied: int = 0
    judged: int = 0
    repeats: int = 0
    incomplete: int = 0
    without_customer: int = 0
    customers: set[str] = field(default_factory=set)
    churned: set[str] = field(default_factory=set)


def _wilson(successes: int, trials: int) -> tuple[float | None, float | None, float | None]:
    if trials == 0:
        return None, None, None
    ci = stats.wilson_interval(successes, trials)
    return _num(float(ci.point)), _num(float(ci.low)), _num(float(ci.high))


def _row(
    category: str,
    t: _Tally,
    days: int,
    previous_days: int,
    churn_recorded: bool,
    changes: list[schemas.VocChangeOut],
) -> schemas.VocReportRow:
    test = poisson_rate_test(t.previous, t.cases, previous_days, days)
    dis = _wilson(t.dissatisfied, t.surveyed)
    rep = _wilson(t.repeats, t.judged)
    churn = _wilson(len(t.churned), len(t.customers)) if churn_recorded else (None, None, None)
    return schemas.VocReportRow(
        category=category,
        cases=t.cases,
        previous_cases=t.previous,
        per_day=round(t.cases / days, 6),
        previous_per_day=round(t.previous / previous_days, 6),
        ratio=_num(test.ratio),
        ratio_low=_num(test.ratio_low),
        ratio_high=_num(test.ratio_high),
        p_value=round(test.p_value, 6),
        trend=test.trend,
        complaints=t.complaints,
        surveyed=t.surveyed,
        dissatisfied=t.dissatisfied,
        dissatisfied_share=dis[0],
        dissatisfied_low=dis[1],
        dissatisfied_high=dis[2],
        repeat_judged=t.judged,
        repeats=t.repeats,
        repeat_share=rep[0],
        repeat_low=rep[1],
        repeat_high=rep[2],
        repeat_incomplete=t.incomplete,
        without_customer=t.without_customer,
        customers=len(t.customers),
        churned=len(t.churned) if churn_recorded else None,
        churn_share=churn[0],
        churn_low=churn[1],
        churn_high=churn[2],
        changes=changes,
    )


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def voc_report(
    *,
    session: Session,
    month: str,
    days: int = REPEAT_DAYS,
    scope: Scope = EVERYTHING,
    today: date | None = None,
) -> schemas.VocReportOut:
    """The monthly VoC report of the cases in scope opened in ``month`` (``YYYY-MM``)."""
    if not 1 <= days <= 90:
        raise Invalid("the repeat window is 1 to 90 days", [Problem("1 to 90", field="days")])
    first, last = month_bounds(month)
    if first.year < 1900:
        raise Invalid(
            f"{month}: months before 1900 hold no cases", [Problem("before 1900", field="month")]
        )
    today = today or utcnow().date()
    if first > today:
        raise Invalid(
            f"{month} has not started yet", [Problem("a month in the future", field="month")]
        )
    observed_last = min(last, today)
    observed = (observed_last - first).days + 1
    prev_first, prev_last = month_bounds(default_month(first + timedelta(days=1)))
    previous_days = (prev_last - prev_first).days + 1
    start, end = cases_service.period_bounds(first, observed_last)
    prev_start, prev_end = cases_service.period_bounds(prev_first, prev_last)

    tallies: dict[str, _Tally] = {}
    total = _Tally()
    for (category,) in session.execute(
        select(Case.category).where(
            cases_service.visible(scope), Case.opened_at >= prev_start, Case.opened_at < prev_end
        )
    ):
        key = category or "(none)"
        tallies.setdefault(key, _Tally()).previous += 1
        total.previous += 1

    churn = churned_keys(session)
    query = (
        select(Case, Survey.csat, Contact.arrival_at)
        .outerjoin(Survey, Survey.contact_id == Case.contact_id)
        .outerjoin(Contact, Contact.id == Case.contact_id)
        .where(cases_service.visible(scope), Case.opened_at >= start, Case.opened_at < end)
        .order_by(Case.id)
    )
    cases = list(session.execute(query))
    data_end_raw = session.scalar(select(func.max(Contact.arrival_at)))
    data_end = _aware(data_end_raw) if data_end_raw is not None else None
    keys = sorted({c.customer_key for c, _s, _a in cases if c.customer_key is not None})
    arrivals: dict[str, list[tuple[datetime, int]]] = {}
    window = timedelta(days=days)
    for chunk in range(0, len(keys), 500):
        for customer, arrival, contact_id in session.execute(
            select(Contact.customer_hash, Contact.arrival_at, Contact.id).where(
                Contact.customer_hash.in_(keys[chunk : chunk + 500]),
                Contact.arrival_at >= prev_start,
                Contact.arrival_at < end + window,
            )
        ):
            if customer is not None:
                arrivals.setdefault(customer, []).append((_aware(arrival), contact_id))
    for found in arrivals.values():
        found.sort()

    for case, csat, arrival in cases:
        key = case.category or "(none)"
        t = tallies.setdefault(key, _Tally())
        base = _aware(arrival) if arrival is not None else _aware(case.opened_at)
        for tally in (t, total):
            tally.cases += 1
            tally.complaints += case.case_type == "complaint"
            if csat is not None:
                tally.surveyed += 1
                tally.dissatisfied += csat <= 2
        customer = case.customer_key
        if not customer:
            t.without_customer += 1
            total.without_customer += 1
        elif data_end is None or base + window > data_end:
            t.incomplete += 1
            total.incomplete += 1
        else:
            found = arrivals.get(customer, [])
            i = bisect_right(found, base, key=lambda x: x[0])
            repeated = any(at <= base + window and cid != case.contact_id for at, cid in found[i:])
            for tally in (t, total):
                tally.judged += 1
                tally.repeats += repeated
        if customer:
            gone = churn.get(customer)
            for tally in (t, total):
                tally.customers.add(customer)
                if gone is not None and gone >= _aware(case.opened_at).date():
                    tally.churned.add(customer)

    changes = _changes(session, *cases_service.period_bounds(first, last))
    recorded = bool(churn)
    rows = [
        _row(k, t, observed, previous_days, recorded, changes.get(k.casefold(), []))
        for k, t in tallies.items()
    ]
    rows.sort(key=lambda r: (-r.cases, -r.previous_cases, r.category))
    return schemas.VocReportOut(
        month=first.strftime("%Y-%m"),
        first_day=first,
        last_day=observed_last,
        days=observed,
        previous_month=prev_first.strftime("%Y-%m"),
        previous_days=previous_days,
        repeat_days=days,
        data_end=data_end,
        churn_recorded=recorded,
        total=_row("all", total, observed, previous_days, recorded, []),
        rows=rows,
    )
