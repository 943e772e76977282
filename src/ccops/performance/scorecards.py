"""Cascaded scorecards: create, link and fill them in for a person, a team or the centre."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.enums import Role
from ccops.errors import Conflict, Invalid, NotFound, Problem
from ccops.metrics import registry
from ccops.org import service as org_service
from ccops.org.models import Person, Site, Team
from ccops.performance import estimates as perf_estimates
from ccops.performance import measures as perf_measures
from ccops.performance import models as m
from ccops.performance import periods as perf_periods
from ccops.performance import schemas as s
from ccops.performance import subjects as perf_subjects
from ccops.performance import sums as perf_sums

DEFAULT_PERSON_KPIS = ("repeat_contact_rate", "aht_s", "occupancy")
DEFAULT_POSITION_KPIS = {
    Role.planner: ("forecast_skill", "schedule_fit"),
    Role.qa_analyst: ("calibration_offset_pct", "qa_sample_completion"),
    Role.supervisor: ("coaching_follow_through", "floor_time_share"),
}
"""A person without a scorecard of their own or of their position is measured on these."""
DEFAULT_TEAM_KPIS = ("repeat_contact_rate", "aht_s", "occupancy", "attrition_rate")
LEVEL_RANK = {s.Level.centre: 0, s.Level.team: 1, s.Level.position: 2, s.Level.person: 3}
POSITION_OF_ROLE = {
    Role.agent: s.Position.agent,
    Role.supervisor: s.Position.team_leader,
    Role.qa_analyst: s.Position.qa_analyst,
    Role.planner: s.Position.planner,
}


# --- scorecards and the cascade ---------------------------------------------------------------


def _kpi_out(line: m.ScorecardKpi) -> s.ScorecardKpiOut:
    d = perf_measures.metric(line.kpi)
    return s.ScorecardKpiOut(
        perspective=s.Perspective(line.perspective),
        objective=line.objective,
        kpi=line.kpi,
        target=line.target,
        higher_is_better=line.higher_is_better,
        benchmark=line.benchmark,
        benchmark_source=line.benchmark_source,
        weight_pct=line.weight_pct,
        label=d.label,
        unit=d.unit,
        formula=d.formula,
        data_source=d.data_source,
    )


def scorecard_out(session: Session, card: m.Scorecard) -> s.ScorecardOut:
    """Return the output shape of a stored scorecard."""
    parent = session.get(m.Scorecard, card.parent_id) if card.parent_id else None
    site = session.get(Site, card.site_id) if card.site_id else None
    team = session.get(Team, card.team_id) if card.team_id else None
    person = session.get(Person, card.person_id) if card.person_id else None
    return s.ScorecardOut(
        id=card.id,
        name=card.name,
        level=s.Level(card.level),
        position=s.Position(card.position) if card.position else None,
        parent=parent.name if parent else None,
        site=site.name if site else None,
        team=team.name if team else None,
        person=person.login if person else None,
        kpis=[_kpi_out(k) for k in card.kpis],
    )


def _check_kpis(kpis: Sequence[s.ScorecardKpiIn]) -> None:
    problems = []
    seen: set[str] = set()
    for i, k in enumerate(kpis):
        if k.kpi not in registry.METRICS:
            problems.append(Problem(f"unknown KPI {k.kpi!r}", f"kpis.{i}.kpi"))
        if k.kpi in seen:
            problems.append(Problem(f"KPI {k.kpi!r} listed twice", f"kpis.{i}.kpi"))
        seen.add(k.kpi)
    if problems:
        raise Invalid("; ".join(p.message for p in problems), problems)
    total = sum(k.weight_pct for k in kpis)
    if abs(total - 100.0) > 1e-6:
        parts = " + ".join(f"{k.kpi} {k.weight_pct:g}%" for k in kpis)
        raise Invalid(
            f"the KPI weights must sum to 100%, these sum to {total:g}% ({parts})",
            [Problem(f"weights sum to {total:g}%, not 100%", "kpis.weight_pct")],
        )


def get_scorecard(*, session: Session, name: str) -> m.Scorecard:
    """Return the scorecard called ``name`` or raise NotFound."""
    card = session.scalars(select(m.Scorecard).where(m.Scorecard.name == name)).one_or_none()
    if card is None:
        raise NotFound(f"scorecard {name!r} does not exist", [Problem("unknown", "scorecard")])
    return card


def _check_parent(session: Session, card_level: s.Level, parent: m.Scorecard) -> None:
    if LEVEL_RANK[s.Level(parent.level)] > LEVEL_RANK[card_level]:
        raise Invalid(
            f"a {card_level.value} scorecard cannot be cascaded from the "
            f"{parent.level} scorecard {parent.name!r} (the cascade runs centre → team → "
            "position → person)",
            [Problem("level above the parent's", "parent")],
        )


def create_scorecard(
    *, session: Session, data: s.ScorecardIn, created_by: str, scope: org_service.Scope
) -> s.ScorecardOut:
    """Create a scorecard of one cascade level with weighted KPIs summing to 100%."""
    _check_kpis(data.kpis)
    if session.scalars(select(m.Scorecard).where(m.Scorecard.name == data.name)).first():
        raise Conflict(f"scorecard {data.name!r} already exists", [Problem("duplicate", "name")])
    parent = get_scorecard(session=session, name=data.parent) if data.parent else None
    if parent is not None:
        _check_parent(session, data.level, parent)
    site = org_service.get_site(session=session, name=data.site) if data.site else None
    if site is not None and not scope.allows_site(site.id):
        raise NotFound(f"no site {data.site!r} in your scope", [Problem("outside scope", "site")])
    team = (
        perf_subjects.team_in_scope(session=session, name=data.team, scope=scope)
        if data.team
        else None
    )
    person = (
        perf_subjects.person_in_scope(session=session, login=data.person, scope=scope)
        if data.person
        else None
    )
    card = m.Scorecard(
        name=data.name,
        level=data.level.value,
        position=data.position.value if data.position else None,
        parent_id=parent.id if parent else None,
        site_id=site.id if site else None,
        team_id=team.id if team else None,
        person_id=person.id if person else None,
        created_by=created_by,
    )
    for k in data.kpis:
        card.kpis.append(
            m.ScorecardKpi(
                perspective=k.perspective.value,
                objective=k.objective,
                kpi=k.kpi,
                target=k.target,
                higher_is_better=k.higher_is_better,
                benchmark=k.benchmark,
                benchmark_source=k.benchmark_source,
                weight_pct=k.weight_pct,
            )
        )
    session.add(card)
    session.flush()
    return scorecard_out(session, card)


def set_parent(*, session: Session, name: str, parent: str | None) -> s.ScorecardOut:
    """Cascade scorecard ``name`` from ``parent``; a change that would close a cycle is refused."""
    card = get_scorecard(session=session, name=name)
    if parent is None:
        card.parent_id = None
        session.flush()
        return scorecard_out(session, card)
    new_parent = get_scorecard(session=session, name=parent)
    _check_parent(session, s.Level(card.level), new_parent)
    chain = [card.name, new_parent.name]
    walker: m.Scorecard | None = new_parent
    while walker is not None:
        if walker.id == card.id:
            cycle = " → ".join(chain)
            raise Invalid(
                f"the cascade would contain a cycle: {cycle}",
                [Problem(f"cycle {cycle}", "parent")],
            )
        walker = session.get(m.Scorecard, walker.parent_id) if walker.parent_id else None
        if walker is not None:
            chain.append(walker.name)
    card.parent_id = new_parent.id
    session.flush()
    return scorecard_out(session, card)


def list_scorecards(*, session: Session) -> list[s.ScorecardOut]:
    """List scorecards by name."""
    cards = session.scalars(select(m.Scorecard).order_by(m.Scorecard.name))
    return [scorecard_out(session, c) for c in cards]


def cascade(*, session: Session) -> list[s.CascadeNode]:
    """Return the cascade as trees from each top scorecard, children by level then name."""
    cards = list(session.scalars(select(m.Scorecard)))
    children: dict[int | None, list[m.Scorecard]] = defaultdict(list)
    for c in cards:
        children[c.parent_id].append(c)

    def node(c: m.Scorecard) -> s.CascadeNode:
        kids = sorted(children[c.id], key=lambda k: (LEVEL_RANK[s.Level(k.level)], k.name))
        return s.CascadeNode(scorecard=scorecard_out(session, c), children=[node(k) for k in kids])

    tops = sorted(children[None], key=lambda k: (LEVEL_RANK[s.Level(k.level)], k.name))
    return [node(c) for c in tops]


def scorecard_for_person(session: Session, person: Person) -> m.Scorecard | None:
    """The person's own scorecard, else the scorecard of their position, else None."""
    own = session.scalars(
        select(m.Scorecard).where(m.Scorecard.person_id == person.id).order_by(m.Scorecard.id)
    ).first()
    if own is not None:
        return own
    position = POSITION_OF_ROLE.get(person.role)
    if position is None:
        return None
    return session.scalars(
        select(m.Scorecard)
        .where(m.Scorecard.level == s.Level.position.value, m.Scorecard.position == position.value)
        .order_by(m.Scorecard.id)
    ).first()


def _fill(
    session: Session,
    subject: perf_subjects.Subject,
    card: m.Scorecard | None,
    defaults: Sequence[str],
    first: date,
    last: date,
    cache: perf_sums.ContactCache | None = None,
) -> s.ScorecardReportOut:
    cache = {} if cache is None else cache
    if card is not None:
        values = [
            perf_measures.kpi_value(
                session=session,
                subject=subject,
                kpi=k.kpi,
                first=first,
                last=last,
                line=k,
                cache=cache,
            )
            for k in card.kpis
        ]
    else:
        values = [
            perf_measures.kpi_value(
                session=session,
                subject=subject,
                kpi=k,
                first=first,
                last=last,
                higher_is_better=registry.METRICS[k].direction != "lower",
                cache=cache,
            )
            for k in defaults
        ]
    return s.ScorecardReportOut(
        subject_kind=subject.kind,
        subject=subject.key,
        subject_name=subject.name,
        scorecard=card.name if card else None,
        first=first,
        last=last,
        values=values,
    )


def person_scorecard(
    *, session: Session, login: str, first: date, last: date, scope: org_service.Scope
) -> s.ScorecardReportOut:
    """Fill in a person's scorecard (own, else their position's) for a period."""
    person = perf_subjects.person_in_scope(session=session, login=login, scope=scope)
    card = scorecard_for_person(session, person)
    defaults = DEFAULT_POSITION_KPIS.get(person.role, DEFAULT_PERSON_KPIS)
    return _fill(session, perf_subjects.person_subject(person), card, defaults, first, last)


def team_scorecard(
    *,
    session: Session,
    team: str,
    first: date,
    last: date,
    scope: org_service.Scope,
    cache: perf_sums.ContactCache | None = None,
) -> s.ScorecardReportOut:
    """Fill in a team's scorecard (or the default team KPIs) for a period."""
    found = perf_subjects.team_in_scope(session=session, name=team, scope=scope)
    card = session.scalars(
        select(m.Scorecard).where(m.Scorecard.team_id == found.id).order_by(m.Scorecard.id)
    ).first()
    return _fill(
        session, perf_subjects.team_subject(found), card, DEFAULT_TEAM_KPIS, first, last, cache
    )


def centre_scorecard(
    *, session: Session, first: date, last: date, scope: org_service.Scope
) -> s.ScorecardReportOut:
    """Fill in the centre's scorecard (the top of the cascade) for the sites in scope."""
    card = session.scalars(
        select(m.Scorecard)
        .where(m.Scorecard.level == s.Level.centre.value)
        .order_by(m.Scorecard.id)
    ).first()
    defaults = ("service_level", "abandon_rate", "repeat_contact_rate", "attrition_rate")
    return _fill(session, perf_subjects.centre_subject(scope), card, defaults, first, last)


def load_team_contacts(
    *,
    session: Session,
    team: str,
    first: date,
    last: date,
    scope: org_service.Scope,
    cache: perf_sums.ContactCache,
) -> None:
    """Read a team's contact sums per person and day over [first, last] into ``cache``, so
    the scorecard, funnel, control chart and people of one page come from a single query."""
    found = perf_subjects.team_in_scope(session=session, name=team, scope=scope)
    perf_sums.contact_days(
        session=session,
        subject=perf_subjects.team_subject(found),
        first=first,
        last=last,
        cache=cache,
    )


def team_people_values(
    *,
    session: Session,
    team: str,
    kpi: str,
    first: date,
    last: date,
    scope: org_service.Scope,
    cache: perf_sums.ContactCache | None = None,
) -> list[tuple[Person, s.KpiValue]]:
    """Each team member's value of one KPI, in name order."""
    perf_measures.metric(kpi)
    found = perf_subjects.team_in_scope(session=session, name=team, scope=scope)
    members = perf_subjects.team_members(session, found.id)
    if kpi not in (perf_measures.PROPORTIONS | perf_measures.MEANS) - perf_measures.CENTRE_ONLY:
        return [
            (
                p,
                perf_measures.kpi_value(
                    session=session,
                    subject=perf_subjects.person_subject(p),
                    kpi=kpi,
                    first=first,
                    last=last,
                ),
            )
            for p in members
        ]
    span = last - first + timedelta(days=1)
    start = max(first - span, perf_periods.OLDEST)
    days = perf_sums.contact_days(
        session=session,
        subject=perf_subjects.team_subject(found),
        first=start,
        last=last,
        cache=cache,
    )
    out = []
    for p in members:
        now = perf_sums.from_sums(kpi, days.total(first, last, p.id))
        before = perf_estimates.Measure(
            None, 0, None, None, now.method, False, "before the oldest date"
        )
        if first - span >= perf_periods.OLDEST:
            before = perf_sums.from_sums(kpi, days.total(first - span, first - timedelta(1), p.id))
        out.append((p, perf_measures.value_of(kpi, now, before, None, None, True)))
    return out
