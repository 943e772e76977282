"""Cases' service: due times in business hours, pause and resume, the workflow, the sweep,
scope, compliance and survey results (SQLite and PostgreSQL).

2026-12-04 is a Friday; London is on UTC in December, so local and UTC times agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.cases import schemas
from ccops.cases import service as cases_service
from ccops.cases import voc as cases_voc
from ccops.cases.models import Case, CaseCalendar, Survey
from ccops.errors import Conflict, Invalid, NotFound
from ccops.notifications.models import Notification
from ccops.org import service as org_service
from ccops.org.models import User
from tests.factories.cases import OFFICE, add_contact, set_up_cases
from tests.factories.web import build_world

FRIDAY_1630 = datetime(2026, 12, 4, 16, 30, tzinfo=UTC)
H = 3600.0


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def centre(session: Session) -> Session:
    build_world(session)
    set_up_cases(session)
    session.commit()
    return session


def scope(session: Session, login: str) -> org_service.Scope:
    user = session.scalars(select(User).where(User.login == login)).one()
    return org_service.scope_of(session=session, user=user)


def complaint(session: Session, **extra: object) -> schemas.CaseOut:
    contact = add_contact(session, "alice", at(4, 16))
    data = schemas.CaseIn.model_validate(
        {"case_type": "complaint", "subject": "Billed twice", "contact_id": contact, **extra}
    )
    return cases_service.open_case(session=session, data=data, by="u-agent", now=FRIDAY_1630)


def test_due_times_are_business_hours_and_routing_picks_the_specific_rule(centre: Session) -> None:
    case = complaint(centre)
    # Friday 16:30 + 2 business hours: 30 min on Friday, 90 on Monday = Monday 10:30.
    assert case.due_first_response_at == at(7, 10, 30)
    # + 16 h: 0.5 Fri, 8 Mon, 7.5 Tue = Tuesday 16:30.
    assert case.due_resolution_at == at(8, 16, 30)
    assert (case.team, case.owner, case.queue, case.site) == ("Team A", "lead", "Sales", "Main")
    assert case.agent == "alice"
    assert case.customer_key == "cust-0"
    assert case.status == "new"
    assert [e.kind for e in case.events] == ["opened"]


def test_pause_moves_the_due_time_by_the_business_time_waited(centre: Session) -> None:
    case = complaint(centre)
    waiting = cases_service.update_case(
        session=centre,
        case_id=case.id,
        data=schemas.CaseUpdate(status="waiting_customer", note="asked for the bill"),
        by="lead",
        now=at(7, 10),
    )
    assert waiting.paused and waiting.clock == "paused" and waiting.due_resolution_at is None
    assert waiting.first_response_at == at(7, 10) and not waiting.response_breached
    # Resumed on Tuesday 10:00: paused Mon 10-17 (7 h) + Tue 9-10 (1 h) = 8 business hours.
    resumed = cases_service.update_case(
        session=centre,
        case_id=case.id,
        data=schemas.CaseUpdate(status="in_progress"),
        by="lead",
        now=at(8, 10),
    )
    assert resumed.due_resolution_at == at(9, 16, 30)  # Wednesday 16:30
    # Business time run: Fri 0.5 + Mon 9-10 1 h = 1.5 h (the paused 8 h left out).
    assert resumed.business_elapsed_s == pytest.approx(1.5 * H)
    kinds = [e.kind for e in resumed.events]
    assert kinds == ["opened", "paused", "status", "responded", "resumed", "status"]
    assert "paused 8.00 business hours" in resumed.events[4].detail


def test_the_sweep_warns_then_breaches_and_escalates_once(centre: Session) -> None:
    case = complaint(centre)
    lead_user = org_service.describe_user(session=centre, login="u-supervisor").id
    early = cases_service.sweep(session=centre, now=at(7, 10))
    assert (early.response_breaches, early.resolution_breaches, early.warnings) == (0, 0, 0)
    late_response = cases_service.sweep(session=centre, now=at(7, 10, 31))
    assert late_response.response_breaches == 1
    warned = cases_service.sweep(session=centre, now=at(8, 16, 20))  # 10 business min left
    assert warned.warnings == 1
    assert cases_service.sweep(session=centre, now=at(8, 16, 25)).warnings == 0
    breached = cases_service.sweep(session=centre, now=at(8, 16, 31))
    assert breached.resolution_breaches == 1
    assert cases_service.sweep(session=centre, now=at(8, 17)).resolution_breaches == 0
    out = cases_service.get_case(session=centre, case_id=case.id, now=at(8, 17))
    assert out.clock == "breached" and out.escalation_level == 2
    assert out.response_breached and out.resolution_breached
    kinds = [e.kind for e in out.events]
    assert kinds.count("escalated") == 2 and kinds.count("warning") == 1
    # The owner (lead, user u-supervisor) was told of each.
    told = centre.scalar(
        select(func.count()).select_from(Notification).where(Notification.user_id == lead_user)
    )
    assert told == 1 + 1 + 1 + 1  # opened, response breach, warning, resolution breach


def test_a_critical_complaint_goes_to_managers_at_once(centre: Session) -> None:
    manager = org_service.describe_user(session=centre, login="u-manager").id
    case = complaint(centre, severity="critical")
    assert case.escalation_level == 2
    assert "escalated" in [e.kind for e in case.events]
    subjects = centre.scalars(select(Notification.subject).where(Notification.user_id == manager))
    assert list(subjects) == [f"Critical complaint {case.id}: Billed twice"]


def test_workflow_refusals_change_nothing(centre: Session) -> None:
    case = complaint(centre)
    with pytest.raises(Conflict, match="cannot go from new to closed"):
        cases_service.update_case(
            session=centre, case_id=case.id, data=schemas.CaseUpdate(status="closed"), by="x"
        )
    with pytest.raises(Invalid, match="resolved with an answer"):
        cases_service.update_case(
            session=centre, case_id=case.id, data=schemas.CaseUpdate(status="resolved"), by="x"
        )
    with pytest.raises(Invalid, match="nothing to change"):
        cases_service.update_case(
            session=centre, case_id=case.id, data=schemas.CaseUpdate(), by="x"
        )
    centre.expire_all()
    stored = centre.get(Case, case.id)
    assert stored is not None and stored.status == "new" and len(stored.events) == 1


def test_resolve_within_target_then_close(centre: Session) -> None:
    case = complaint(centre)
    done = cases_service.update_case(
        session=centre,
        case_id=case.id,
        data=schemas.CaseUpdate(status="resolved", answer="Refunded the second charge."),
        by="lead",
        now=at(7, 12),
    )
    assert done.clock == "met" and done.resolved_at == at(7, 12)
    assert done.business_elapsed_s == pytest.approx(3.5 * H)
    closed = cases_service.update_case(
        session=centre, case_id=case.id, data=schemas.CaseUpdate(status="closed"), by="lead"
    )
    assert closed.status == "closed" and closed.closed_at is not None
    with pytest.raises(Conflict, match="is closed"):
        cases_service.update_case(
            session=centre, case_id=case.id, data=schemas.CaseUpdate(answer="more"), by="lead"
        )


def test_bad_input_is_refused(centre: Session) -> None:
    before = centre.scalar(select(func.count()).select_from(Case))
    with pytest.raises(Invalid, match="name the contact, queue or site"):
        cases_service.open_case(
            session=centre, data=schemas.CaseIn(case_type="escalation", subject="x"), by="x"
        )
    with pytest.raises(Invalid, match="no target for feedback cases of severity low"):
        cases_service.open_case(
            session=centre,
            data=schemas.CaseIn(case_type="feedback", severity="low", subject="x", queue="Sales"),
            by="x",
        )
    with pytest.raises(NotFound, match="contact 999999"):
        cases_service.open_case(
            session=centre,
            data=schemas.CaseIn(case_type="complaint", subject="x", contact_id=999999),
            by="x",
        )
    with pytest.raises(Invalid, match="unknown status 'lost'"):
        cases_service.list_cases(session=centre, status="lost")
    assert centre.scalar(select(func.count()).select_from(Case)) == before
    calendars = centre.scalar(select(func.count()).select_from(CaseCalendar))
    overlapping = {
        **OFFICE,
        "name": "Bad",
        "hours": {"0": [["09:00", "12:00"], ["11:00", "13:00"]]},
    }
    with pytest.raises(Invalid, match="spans overlap"):
        cases_service.create_calendar(
            session=centre, data=schemas.CalendarIn.model_validate(overlapping)
        )
    with pytest.raises(Invalid, match="no business hours"):
        cases_service.create_calendar(
            session=centre,
            data=schemas.CalendarIn.model_validate({**OFFICE, "name": "E", "hours": {}}),
        )
    with pytest.raises(Conflict, match="already exists"):
        cases_service.create_calendar(
            session=centre, data=schemas.CalendarIn.model_validate(OFFICE)
        )
    assert centre.scalar(select(func.count()).select_from(CaseCalendar)) == calendars


def test_scope_agents_see_what_they_raised_and_others_their_part(centre: Session) -> None:
    agent = scope(centre, "u-agent")
    alice_contact = add_contact(centre, "alice", at(4, 10))
    carol_contact = add_contact(centre, "carol", at(4, 10))
    mine = cases_service.open_case(
        session=centre,
        data=schemas.CaseIn(case_type="complaint", subject="mine", contact_id=alice_contact),
        by="u-agent",
        by_person_id=agent.person_id,
        scope=agent,
        now=FRIDAY_1630,
    )
    with pytest.raises(NotFound):
        cases_service.open_case(
            session=centre,
            data=schemas.CaseIn(case_type="complaint", subject="x", contact_id=carol_contact),
            by="u-agent",
            scope=agent,
        )
    with pytest.raises(Invalid, match="one of your contacts"):
        cases_service.open_case(
            session=centre,
            data=schemas.CaseIn(case_type="complaint", subject="x", queue="Sales"),
            by="u-agent",
            scope=agent,
        )
    other = cases_service.open_case(
        session=centre,
        data=schemas.CaseIn(case_type="complaint", subject="other", contact_id=carol_contact),
        by="u-admin",
        now=FRIDAY_1630,
    )
    assert other.team == "Team B"  # the catch-all complaint rule
    assert [c.id for c in cases_service.list_cases(session=centre, scope=agent)] == [mine.id]
    manager = scope(centre, "u-manager")  # Main only
    assert [c.id for c in cases_service.list_cases(session=centre, scope=manager)] == [mine.id]
    with pytest.raises(NotFound):
        cases_service.get_case(session=centre, case_id=other.id, scope=manager)
    supervisor = scope(centre, "u-supervisor")  # Team A
    assert [c.id for c in cases_service.list_cases(session=centre, scope=supervisor)] == [mine.id]


def test_compliance_counts_met_and_breached_with_wilson_intervals(centre: Session) -> None:
    met = complaint(centre)
    breached = complaint(centre)
    pending = complaint(centre, case_type="escalation")
    cases_service.update_case(
        session=centre,
        case_id=met.id,
        data=schemas.CaseUpdate(status="resolved", answer="done"),
        by="lead",
        now=at(7, 12),
    )
    cases_service.update_case(
        session=centre,
        case_id=breached.id,
        data=schemas.CaseUpdate(status="resolved", answer="late"),
        by="lead",
        now=at(9, 9),  # Wed 09:00: 16.5 business hours after opening > 16
    )
    out = cases_service.compliance(
        session=centre, first_day=date(2026, 12, 1), last_day=date(2026, 12, 6), now=at(8, 9)
    )
    rows = {r.group: r for r in out.rows}
    assert (rows["complaint"].met, rows["complaint"].breached, rows["complaint"].pending) == (
        1,
        1,
        0,
    )
    assert rows["escalation"].pending == 1 and rows["escalation"].share_met is None
    # Wilson 95% for 1 of 2: 0.0945-0.9055 (by hand from the formula).
    assert rows["complaint"].share_met == 0.5
    assert rows["complaint"].low == pytest.approx(0.0945, abs=1e-4)
    assert rows["complaint"].high == pytest.approx(0.9055, abs=1e-4)
    assert rows["complaint"].mean_resolution_business_h == pytest.approx((3.5 + 16.5) / 2)
    assert out.total.met == 1 and out.total.breached == 1 and out.total.pending == 1
    # The escalation is open: Fri 0.5 + Mon 8 = 8.5 business hours by Tuesday 09:00.
    assert out.ageing == {"< 8 h": 0, "8–24 h": 1, "24–40 h": 0, "≥ 40 h": 0}
    assert pending.case_type == "escalation"
    by_owner = cases_service.compliance(
        session=centre, first_day=date(2026, 12, 1), last_day=date(2026, 12, 6), by="owner"
    )
    assert [r.group for r in by_owner.rows] == ["(unassigned)", "lead"]
    with pytest.raises(Invalid, match="ends before it starts"):
        cases_service.compliance(
            session=centre, first_day=date(2026, 12, 6), last_day=date(2026, 12, 1)
        )


def test_surveys_and_voc_results(centre: Session) -> None:
    contacts = [add_contact(centre, "alice", at(3, 10), n) for n in range(3)]
    carol = add_contact(centre, "carol", at(3, 10), 9)
    rows = [
        schemas.SurveyIn(contact_id=contacts[0], csat=5, nps=10),
        schemas.SurveyIn(contact_id=contacts[1], csat=4, nps=8),
        schemas.SurveyIn(contact_id=contacts[2], csat=2, nps=3, comment="slow"),
        schemas.SurveyIn(contact_id=carol, csat=1),
    ]
    assert cases_voc.record_surveys(session=centre, rows=rows).stored == 4
    again = cases_voc.record_surveys(
        session=centre, rows=[schemas.SurveyIn(contact_id=carol, csat=3)]
    )
    assert (again.stored, again.replaced) == (0, 1)
    with pytest.raises(Invalid, match="2 problem"):
        cases_voc.record_surveys(
            session=centre,
            rows=[
                schemas.SurveyIn(contact_id=contacts[0], csat=1),
                schemas.SurveyIn(contact_id=999999, csat=1),
                schemas.SurveyIn(contact_id=contacts[1]),
            ],
        )
    stored = centre.scalar(select(Survey.csat).where(Survey.contact_id == contacts[0]))
    assert stored == 5  # nothing of the refused batch was stored
    out = cases_voc.voc(session=centre, first_day=date(2026, 12, 1), last_day=date(2026, 12, 6))
    sales = next(r for r in out.rows if r.group == "Sales")
    assert sales.csat_n == 3 and sales.csat_mean == pytest.approx(11 / 3, abs=1e-4)
    assert sales.satisfied_share == pytest.approx(2 / 3, abs=1e-4)
    assert sales.nps == pytest.approx(0.0)  # one promoter, one passive, one detractor
    assert sales.csat_low is not None and sales.csat_high is not None
    assert sales.csat_low < 11 / 3 < sales.csat_high
    support = next(r for r in out.rows if r.group == "Support")
    assert support.csat_mean == 3.0 and support.nps is None and support.csat_low is None
    by_team = cases_voc.voc(
        session=centre,
        first_day=date(2026, 12, 1),
        last_day=date(2026, 12, 6),
        by="team",
        scope=scope(centre, "u-manager"),
    )
    assert [r.group for r in by_team.rows] == ["Team A"]


def test_categories_count_cases_per_month_and_dissatisfied_contacts(centre: Session) -> None:
    first = complaint(centre, category="billing")
    complaint(centre, category="billing")
    complaint(centre, case_type="feedback", category="praise")
    assert first.contact_id is not None
    cases_voc.record_surveys(
        session=centre, rows=[schemas.SurveyIn(contact_id=first.contact_id, csat=1)]
    )
    rows = cases_voc.categories(
        session=centre, first_day=date(2026, 12, 1), last_day=date(2026, 12, 31)
    )
    assert [(r.category, r.cases, r.complaints, r.surveyed, r.dissatisfied) for r in rows] == [
        ("billing", 2, 2, 1, 1),
        ("praise", 1, 0, 0, 0),
    ]
    assert rows[0].by_month == {"2026-12": 2}
