"""Reports delivered: each publication rule's report emailed once per period to its level.

A daily rule delivers yesterday, a weekly rule the last complete Monday–Sunday week (UTC
dates); hourly rules stay on the floor pages and are not emailed. For every rule due (no
delivery recorded for its period yet) the report is produced for each recipient in their scope
and sent as an in-app notification of kind ``report`` with the key figures and their 95%
intervals, written in the recipient's language, linking to the report's page; users who opted
in to ``report`` (or ``*``) get it by email through the notifications' job (digest users in
their digest). The delivery is recorded per rule and period (a second run sends nothing).

When the rule has a threshold, the result crosses it only when the whole interval lies beyond
it: below the threshold when the interval's upper end is below it, above when its lower end is
above it. A value beyond the threshold whose interval still reaches it is noise and opens
nothing. A crossing opens one follow-up for the rule's owner (``follow_ups``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.db import utcnow
from ccops.enums import Language, Role
from ccops.notifications import email as notify_email
from ccops.notifications import service as notify_service
from ccops.org import service as org_service
from ccops.org.models import User
from ccops.performance import follow_ups as perf_follow_ups
from ccops.performance import measures as perf_measures
from ccops.performance import models as m
from ccops.performance import reports as perf_reports
from ccops.performance import schemas as s
from ccops.performance import sums as perf_sums
from ccops.web.i18n import N_, Formats, translations

NOTIFICATION_KIND = "report"
"""The notification kind of a delivered report (users opt in to its email by this name)."""

RECIPIENT_ROLES = {
    s.Audience.agent: frozenset({Role.supervisor}),
    s.Audience.team: frozenset({Role.supervisor}),
    s.Audience.centre: frozenset({Role.manager}),
    s.Audience.executive: frozenset({Role.executive}),
}
"""Who receives a level's report: team leaders the agent and team reports of their teams,
managers the centre's, executives theirs (and always the rule's owner)."""

LEVEL_TITLE = {
    s.Audience.agent: N_("Agent report"),
    s.Audience.team: N_("Team report"),
    s.Audience.centre: N_("Centre report"),
    s.Audience.executive: N_("Executive report"),
}


def period_of(rhythm: s.Rhythm, today: date) -> tuple[date, date] | None:
    """The last complete period of a rhythm on ``today``: yesterday (daily), the last
    Monday–Sunday week (weekly); None for hourly (not emailed)."""
    if rhythm == s.Rhythm.daily:
        return today - timedelta(days=1), today - timedelta(days=1)
    if rhythm == s.Rhythm.weekly:
        last = today - timedelta(days=today.weekday() + 1)
        return last - timedelta(days=6), last
    return None


def crossed(value: s.KpiValue, threshold: float, direction: s.ThresholdDirection) -> bool:
    """Whether the whole 95% interval lies beyond the threshold (never the value alone)."""
    if value.actual is None or value.low is None or value.high is None:
        return False
    if direction == s.ThresholdDirection.below:
        return value.high < threshold
    return value.low > threshold


def _recipients(session: Session, audience: s.Audience, owners: set[str]) -> list[User]:
    roles = sorted(RECIPIENT_ROLES[audience])
    users = session.scalars(
        select(User).where(User.disabled_at.is_(None), User.role.in_(roles)).order_by(User.login)
    )
    found = {u.login: u for u in users}
    for login in owners - set(found):
        owner = session.scalars(
            select(User).where(User.login == login, User.disabled_at.is_(None))
        ).one_or_none()
        if owner is not None:
            found[login] = owner
    return [found[k] for k in sorted(found)]


def _language(user: User) -> Language:
    try:
        return Language(user.locale) if user.locale else Language.en
    except ValueError:
        return Language.en


def _figure(fmt: Formats, x: float | None, unit: str) -> str:
    if unit == "fraction":
        return fmt.pct(x)
    if unit == "seconds":
        return fmt.secs(x)
    return fmt.num(x, 2)


def render(
    *,
    audience: s.Audience,
    first: date,
    last: date,
    lines: list[s.ReportLine],
    language: Language,
) -> tuple[str, str]:
    """The subject and text of a level's report for one recipient, in their language: each
    subject's value with its 95% interval and n as the report page shows them."""
    _ = translations(language).gettext
    fmt = Formats(language)
    period = f"{fmt.day(first)} – {fmt.day(last)}" if first != last else fmt.day(first)
    subject = f"{_(LEVEL_TITLE[audience])}, {period}"
    results = {
        "good": _("better than target"),
        "bad": _("worse than target"),
        "no_signal": _("no clear signal"),
    }
    out = [_(LEVEL_TITLE[audience]) + f" · {period}", ""]
    by_kpi: dict[str, list[s.ReportLine]] = defaultdict(list)
    for line in lines:
        by_kpi[line.kpi].append(line)
    for items in by_kpi.values():
        out.append(_(items[0].label))
        for line in items:
            v = line.value
            if v.actual is None:
                figure = _("Too few observations: %(n)s") % {"n": v.n} if v.n else _("No data")
            else:
                figure = _figure(fmt, v.actual, v.unit)
                if v.low is not None and v.high is not None:
                    figure += (
                        " ("
                        + _("95%% interval %(low)s–%(high)s")
                        % {
                            "low": _figure(fmt, v.low, v.unit),
                            "high": _figure(fmt, v.high, v.unit),
                        }
                        + ")"
                    )
                figure += f" · n = {v.n}"
            out.append(f"- {line.subject}: {figure} · {results.get(line.result, line.result)}")
        out.append("")
    if not lines:
        out += [_("Nothing to report in your scope."), ""]
    return subject, "\n".join(out).rstrip()


def deliver_due(*, session: Session, now: datetime | None = None) -> list[s.DeliveryOut]:
    """Deliver every rule whose period has not been delivered yet; record each delivery and
    open a follow-up for each crossed threshold. Running it twice delivers nothing new."""
    now = now or utcnow()
    today = now.astimezone(UTC).date()
    groups: dict[tuple[str, date, date], list[m.Publication]] = defaultdict(list)
    for p in session.scalars(select(m.Publication).order_by(m.Publication.id)):
        period = period_of(s.Rhythm(p.rhythm), today)
        if period is None:
            continue
        done = session.scalars(
            select(m.ReportDelivery.id).where(
                m.ReportDelivery.publication_id == p.id,
                m.ReportDelivery.period_first == period[0],
                m.ReportDelivery.period_last == period[1],
            )
        ).first()
        if done is None:
            groups[(p.audience, *period)].append(p)
    out: list[s.DeliveryOut] = []
    for (audience_value, first, last), pubs in sorted(groups.items()):
        audience = s.Audience(audience_value)
        out += _deliver_group(session, audience, first, last, pubs, now)
    session.flush()
    return out


def _deliver_group(
    session: Session,
    audience: s.Audience,
    first: date,
    last: date,
    pubs: list[m.Publication],
    now: datetime,
) -> list[s.DeliveryOut]:
    cache: perf_sums.ContactCache = {}
    pubs = sorted(pubs, key=lambda p: p.kpi)
    link = perf_follow_ups.report_link(audience.value, first, last)
    owners = {p.owner for p in pubs if p.owner}
    emails = 0
    recipients = _recipients(session, audience, owners)
    for user in recipients:
        scope = org_service.scope_of(session=session, user=user)
        lines = perf_reports.report_lines(
            session=session,
            audience=audience,
            pubs=pubs,
            first=first,
            last=last,
            scope=scope,
            cache=cache,
        )
        subject, body = render(
            audience=audience,
            first=first,
            last=last,
            lines=lines,
            language=_language(user),
        )
        notify_service.notify(
            session=session,
            user_ids=[user.id],
            kind=NOTIFICATION_KIND,
            subject=subject,
            body=body,
            link=link,
        )
        emails += notify_email.wants_email(session=session, user_id=user.id, kind=NOTIFICATION_KIND)
    whole = perf_reports.report_lines(
        session=session,
        audience=audience,
        pubs=pubs,
        first=first,
        last=last,
        scope=org_service.EVERYTHING,
        cache=cache,
    )
    out = []
    for p in pubs:
        beyond: list[str] = []
        if p.threshold is not None and p.threshold_direction:
            direction = s.ThresholdDirection(p.threshold_direction)
            beyond = [
                _crossing_text(line, p.threshold, direction)
                for line in whole
                if line.kpi == p.kpi and crossed(line.value, p.threshold, direction)
            ]
        improvement_id = None
        if beyond and p.owner:
            improvement_id = perf_follow_ups.open_follow_up(
                session=session,
                publication=p,
                first=first,
                last=last,
                crossed=beyond,
                today=now.date(),
            )
        delivery = m.ReportDelivery(
            publication_id=p.id,
            period_first=first,
            period_last=last,
            delivered_at=now,
            recipients=len(recipients),
            emails=emails,
            crossed="\n".join(beyond),
            improvement_id=improvement_id,
        )
        session.add(delivery)
        p.last_delivered_at = now
        session.flush()
        task = None
        if improvement_id is not None:
            task = next(
                f
                for f in perf_follow_ups.follow_ups(session=session, publication_ids=[p.id])
                if f.improvement_id == improvement_id
            )
        out.append(
            s.DeliveryOut(
                publication_id=p.id,
                kpi=p.kpi,
                audience=audience,
                rhythm=s.Rhythm(p.rhythm),
                first=first,
                last=last,
                recipients=len(recipients),
                emails=emails,
                crossed=beyond,
                follow_up=task,
            )
        )
    return out


def _crossing_text(line: s.ReportLine, threshold: float, direction: s.ThresholdDirection) -> str:
    v = line.value
    unit = perf_measures.metric(line.kpi).unit if v.unit == "" else v.unit
    fmt = Formats(Language.en)
    return (
        f"{line.subject}: {_figure(fmt, v.actual, unit)} (95% interval "
        f"{_figure(fmt, v.low, unit)}–{_figure(fmt, v.high, unit)}, n = {v.n}), "
        f"wholly {direction.value} {threshold:g}"
    )
