"""A centre's own case statuses and the next-update clock: statuses that pause or close drive
the clocks, forbidden moves and unworkable workflows are refused with nothing stored, and the
next update to the customer is due a business-time interval after the last one (SQLite and
PostgreSQL).

2026-12-04 is a Friday; London is on UTC in December, so local and UTC times agree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cases import schemas, voc, workflow
from ccops.cases import service as cases_service
from ccops.cases.models import Case, CaseEvent
from ccops.cli import app
from ccops.errors import Conflict, Invalid
from tests.factories.cases import add_contact, set_up_cases
from tests.factories.web import build_world

H = 3600.0
OWN = """
new -> triage
triage -> on_hold, solved   # the owner works it
on_hold pauses -> triage, solved
solved closes -> archived, triage
archived closes
"""


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def centre(session: Session) -> Session:
    build_world(session)
    set_up_cases(session)
    session.commit()
    return session


def complaint(session: Session) -> schemas.CaseOut:
    contact = add_contact(session, "alice", at(4, 16))
    data = schemas.CaseIn(case_type="complaint", subject="Billed twice", contact_id=contact)
    return cases_service.open_case(session=session, data=data, by="u-agent", now=at(4, 16, 30))


def move(session: Session, case_id: int, when: datetime, **fields: object) -> schemas.CaseOut:
    return cases_service.update_case(
        session=session,
        case_id=case_id,
        data=schemas.CaseUpdate.model_validate(fields),
        by="lead",
        now=when,
    )


def events(session: Session, case_id: int) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id)
        )
        or 0
    )


def test_a_centres_own_statuses_pause_close_and_refuse_moves(centre: Session) -> None:
    assert workflow.get(centre).builtin
    out = workflow.set_workflow(session=centre, data=workflow.parse_lines(OWN))
    assert not out.builtin and out.initial == "new"
    by_name = {s.name: s for s in out.statuses}
    assert by_name["on_hold"].pauses and not by_name["on_hold"].closes
    assert by_name["solved"].closes and not by_name["solved"].final
    assert by_name["archived"].final and by_name["triage"].next == ["on_hold", "solved"]
    centre.commit()

    case = complaint(centre)
    centre.commit()
    assert case.status == "new"
    before = events(centre, case.id)
    with pytest.raises(Conflict) as refused:
        move(centre, case.id, at(7, 10), status="solved", answer="Refunded")
    assert "cannot go from new to solved (allowed: triage)" in refused.value.message
    assert refused.value.problems[0].field == "status"
    assert "new → solved" in refused.value.problems[0].message
    centre.rollback()
    assert events(centre, case.id) == before
    assert centre.get(Case, case.id).status == "new"  # type: ignore[union-attr]
    with pytest.raises(Invalid, match="unknown status 'in_progress'"):
        move(centre, case.id, at(7, 10), status="in_progress")
    with pytest.raises(Invalid, match="unknown status"):
        cases_service.list_cases(session=centre, status="waiting_customer")

    move(centre, case.id, at(7, 10), status="triage")
    held = move(centre, case.id, at(7, 11), status="on_hold")
    assert held.paused and held.clock == "paused"
    # Resumed Tuesday 11:00: held Mon 11-17 (6 h) + Tue 9-11 (2 h) = 8 business hours, so the
    # resolution due time (Tuesday 16:30 without the hold) moves to Wednesday 16:30.
    back = move(centre, case.id, at(8, 11), status="triage")
    assert back.due_resolution_at == at(9, 16, 30)
    assert back.business_elapsed_s == pytest.approx(2.5 * H)  # Fri 0.5 + Mon 9-11
    with pytest.raises(Invalid) as no_answer:
        move(centre, case.id, at(8, 12), status="solved")
    assert no_answer.value.problems[0].field == "answer"
    solved = move(centre, case.id, at(8, 12), status="solved", answer="Refunded")
    assert solved.resolved_at == at(8, 12) and solved.clock == "met" and solved.closed_at is None
    assert [c.id for c in cases_service.list_cases(session=centre, open_only=True)] == []
    archived = move(centre, case.id, at(8, 13), status="archived")
    assert archived.closed_at == at(8, 13) and archived.resolved_at == at(8, 12)
    with pytest.raises(Conflict, match="is closed"):
        move(centre, case.id, at(8, 14), note="more", to_customer=True)
    assert [c.id for c in cases_service.list_cases(session=centre, status="archived")] == [case.id]
    # The statuses in use cannot be dropped: back to the built-in ones is refused.
    with pytest.raises(Conflict, match=r"archived \(1 case\(s\)\)"):
        workflow.reset_workflow(session=centre)
    assert not workflow.get(centre).builtin


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("new -> done\ndone closes -> gone", "done → gone: unknown status"),
        ("new -> done\ndone pauses closes", "cannot both pause and close"),
        ("new -> waiting\nwaiting pauses -> new", "no status closes a case"),
        ("new -> done\ndone closes\nlost -> done", "'lost' cannot be reached from 'new'"),
        ("new closes -> done\ndone closes", "a new case starts in 'new'"),
        ("new -> done\ndone closes\nnew -> done", "'new' is given twice"),
        ("new sometimes -> done\ndone closes", "line 1: new: unknown word(s) sometimes"),
        ("new -> Done!\nDone! closes", "statuses"),
        ("new -> new, done\ndone closes", "a move to itself"),
    ],
)
def test_unworkable_workflows_are_refused_and_nothing_stored(
    centre: Session, text: str, problem: str
) -> None:
    with pytest.raises(Invalid) as refused:
        workflow.set_workflow(session=centre, data=workflow.parse_lines(text))
    assert problem in refused.value.message
    centre.rollback()
    assert workflow.get(centre).builtin
    assert "workflow" not in workflow.load(centre)


def test_a_workflow_that_drops_a_status_in_use_is_refused(centre: Session) -> None:
    case = complaint(centre)
    move(centre, case.id, at(7, 10), status="waiting_customer")
    centre.commit()
    with pytest.raises(Conflict) as refused:
        workflow.set_workflow(session=centre, data=workflow.parse_lines("new -> done\ndone closes"))
    assert "waiting_customer (1 case(s))" in refused.value.message
    centre.rollback()
    assert workflow.get(centre).builtin


def _with_next_update(session: Session, hours: float = 4.0) -> None:
    cases_service.set_target(
        session=session,
        data=schemas.TargetIn(
            case_type="complaint",
            severity="medium",
            calendar="Office",
            first_response_h=2,
            resolution_h=16,
            next_update_h=hours,
        ),
    )


def test_the_next_update_clock_restarts_at_each_update_warns_and_breaches(
    centre: Session,
) -> None:
    _with_next_update(centre)
    targets = {(t.case_type, t.severity): t for t in cases_service.list_targets(session=centre)}
    assert targets[("complaint", "medium")].next_update_h == 4.0
    assert targets[("complaint", "high")].next_update_h is None
    case = complaint(centre)
    # Friday 16:30 + 4 business hours: 0.5 Friday + 3.5 Monday = Monday 12:30.
    assert case.due_next_update_at == at(7, 12, 30) and case.next_update_every_h == 4.0
    move(centre, case.id, at(7, 10), status="in_progress")

    early = cases_service.sweep(session=centre, now=at(7, 12))
    assert (early.update_warnings, early.update_breaches) == (0, 0)
    warned = cases_service.sweep(session=centre, now=at(7, 12, 20))  # 10 business min left
    assert (warned.update_warnings, warned.update_breaches) == (1, 0)
    assert cases_service.sweep(session=centre, now=at(7, 12, 25)).update_warnings == 0
    breached = cases_service.sweep(session=centre, now=at(7, 12, 31))
    assert breached.update_breaches == 1 and breached.notified >= 1
    assert cases_service.sweep(session=centre, now=at(7, 13)).update_breaches == 0
    assert cases_service.get_case(session=centre, case_id=case.id).escalation_level == 1

    # A late update (already breached: no second breach) restarts the clock: 13:00 + 4 h.
    late = move(centre, case.id, at(7, 13), note="Still checking the bill", to_customer=True)
    assert late.due_next_update_at == at(7, 17)
    assert (late.updates_on_time, late.update_breaches) == (0, 1)
    # An answer on time: Monday 15:00 + 4 h = 2 h Monday + 2 h Tuesday = Tuesday 11:00.
    told = move(centre, case.id, at(7, 15), answer="We found the double charge")
    assert told.due_next_update_at == at(8, 11)
    assert (told.updates_on_time, told.update_breaches) == (1, 1)
    # Waiting for the customer stops the clock; the sweep leaves it alone.
    waiting = move(centre, case.id, at(8, 10), status="waiting_customer")
    assert waiting.due_next_update_at is None
    assert cases_service.sweep(session=centre, now=at(8, 12)).update_breaches == 0
    # Resumed Tuesday 14:00: due 4 business hours later = 3 h Tuesday + 1 h Wednesday.
    resumed = move(centre, case.id, at(8, 14), status="in_progress")
    assert resumed.due_next_update_at == at(9, 10)
    kinds = [e.kind for e in resumed.events]
    assert kinds.count("next_update_due") == 4
    assert kinds.count("update_warning") == 1 and kinds.count("update_breach") == 1

    report = cases_service.compliance(
        session=centre, first_day=date(2026, 12, 1), last_day=date(2026, 12, 31), now=at(8, 14)
    )
    assert (report.total.update_met, report.total.update_breached) == (1, 1)
    assert [(r.group, r.update_met, r.update_breached) for r in report.rows] == [
        ("complaint", 1, 1)
    ]
    resolved = move(centre, case.id, at(8, 15), status="resolved")
    assert resolved.due_next_update_at is None


def test_a_late_update_without_a_sweep_counts_one_breach(centre: Session) -> None:
    _with_next_update(centre, hours=1.0)
    case = complaint(centre)
    assert case.due_next_update_at == at(7, 9, 30)  # 0.5 h Friday + 0.5 h Monday
    late = move(centre, case.id, at(7, 11), note="Looking into it", to_customer=True)
    assert (late.updates_on_time, late.update_breaches) == (0, 1)
    assert late.first_response_at == at(7, 11)
    assert late.due_next_update_at == at(7, 12)


def test_bad_next_update_input_is_refused(centre: Session) -> None:
    with pytest.raises(Invalid) as too_long:
        cases_service.set_target(
            session=centre,
            data=schemas.TargetIn(
                case_type="complaint",
                severity="medium",
                calendar="Office",
                first_response_h=2,
                resolution_h=16,
                next_update_h=20,
            ),
        )
    assert too_long.value.problems[0].field == "next_update_h"
    centre.rollback()
    assert workflow.next_update_s(centre, "complaint", "medium") is None
    with pytest.raises(ValueError, match="next_update_h"):
        schemas.TargetIn.model_validate(
            {
                "case_type": "complaint",
                "severity": "medium",
                "calendar": "Office",
                "first_response_h": 2,
                "resolution_h": 16,
                "next_update_h": 0,
            }
        )
    case = complaint(centre)
    with pytest.raises(Invalid) as no_note:
        move(centre, case.id, at(7, 10), to_customer=True)
    assert no_note.value.problems[0].field == "note"


def test_cli_statuses_and_next_update(cli: CliRunner, session: Session, tmp_path: Path) -> None:
    build_world(session)
    set_up_cases(session)
    session.commit()
    shown = cli.invoke(app, ["cases", "statuses", "show", "--json"])
    assert shown.exit_code == 0, shown.stdout
    builtin = schemas.WorkflowOut.model_validate_json(shown.stdout)
    assert builtin.builtin and builtin.initial == "new"
    assert [s.name for s in builtin.statuses if s.pauses] == [
        "waiting_customer",
        "waiting_third_party",
    ]
    bad = tmp_path / "bad.txt"
    bad.write_text("new -> done\ndone pauses closes\n")
    refused = cli.invoke(app, ["cases", "statuses", "set", str(bad)])
    assert refused.exit_code == 2 and "cannot both pause and close" in refused.stderr
    good = tmp_path / "own.txt"
    good.write_text(OWN)
    stored = cli.invoke(app, ["cases", "statuses", "set", str(good), "--json"])
    assert stored.exit_code == 0, stored.stdout
    assert [s.name for s in schemas.WorkflowOut.model_validate_json(stored.stdout).statuses] == [
        "new",
        "triage",
        "on_hold",
        "solved",
        "archived",
    ]
    target = cli.invoke(
        app,
        [
            "cases",
            "targets",
            "set",
            "complaint",
            "high",
            "--calendar",
            "Office",
            "--first-response-h",
            "2",
            "--resolution-h",
            "16",
            "--next-update-h",
            "4",
            "--json",
        ],
    )
    assert target.exit_code == 0, target.stdout
    assert schemas.TargetOut.model_validate_json(target.stdout).next_update_h == 4.0
    reset = cli.invoke(app, ["cases", "statuses", "reset", "--json"])
    assert reset.exit_code == 0 and schemas.WorkflowOut.model_validate_json(reset.stdout).builtin


def test_serious_case_rules_send_matching_cases_to_senior_management(centre: Session) -> None:
    assert workflow.senior_rules(centre).builtin
    with pytest.raises(Invalid) as refused:
        workflow.set_senior_rules(
            session=centre,
            data=schemas.SeniorRulesIn(
                rules=[schemas.SeniorRule(category="Legal"), schemas.SeniorRule()]
            ),
        )
    assert refused.value.problems[0].field == "rules.1"
    centre.rollback()
    assert workflow.senior_rules(centre).builtin
    out = workflow.set_senior_rules(
        session=centre,
        data=schemas.SeniorRulesIn(
            rules=[
                schemas.SeniorRule(category="Legal threat"),
                schemas.SeniorRule(case_type="escalation", severity="critical"),
            ]
        ),
    )
    assert not out.builtin and len(out.rules) == 2
    medium = complaint(centre)  # a medium complaint without the category: stays at level 0
    assert medium.escalation_level == 0
    contact = add_contact(centre, "alice", at(4, 16))
    legal = cases_service.open_case(
        session=centre,
        data=schemas.CaseIn(
            case_type="complaint",
            subject="Letter from a lawyer",
            category="legal THREAT",
            contact_id=contact,
        ),
        by="u-agent",
        now=at(4, 16, 30),
    )
    assert legal.escalation_level == 2
    assert legal.events[-1].detail == (
        "serious case (any type, any severity, category Legal threat): senior management at once"
    )
    # Critical complaints are no longer a rule of this centre.
    critical = cases_service.open_case(
        session=centre,
        data=schemas.CaseIn(
            case_type="complaint", subject="x", severity="critical", contact_id=contact
        ),
        by="u-agent",
        now=at(4, 16, 30),
    )
    assert critical.escalation_level == 0
    assert workflow.reset_senior_rules(session=centre).builtin


def test_cli_senior_rules(cli: CliRunner, session: Session) -> None:
    build_world(session)
    session.commit()
    bad = cli.invoke(app, ["cases", "senior", "set", "colour=red"])
    assert bad.exit_code == 2 and "rule 1" in bad.stderr
    unknown = cli.invoke(app, ["cases", "senior", "set", "type=praise"])
    assert unknown.exit_code == 2 and "case_type" in unknown.stderr
    shown = schemas.SeniorRulesOut.model_validate_json(
        cli.invoke(app, ["cases", "senior", "show", "--json"]).stdout
    )
    assert shown.builtin
    stored = cli.invoke(
        app,
        ["cases", "senior", "set", "type=complaint,severity=high", "category=Legal", "--json"],
    )
    assert stored.exit_code == 0, stored.stdout
    rules = schemas.SeniorRulesOut.model_validate_json(stored.stdout).rules
    assert [(r.case_type, r.severity, r.category) for r in rules] == [
        ("complaint", "high", None),
        (None, None, "Legal"),
    ]


def test_churn_flags_from_the_crm_give_churn_per_category(centre: Session) -> None:
    def open_for(key: str, category: str, day: int) -> None:
        cases_service.open_case(
            session=centre,
            data=schemas.CaseIn(
                case_type="complaint",
                subject="x",
                category=category,
                queue="Sales",
                customer_key=key,
            ),
            by="u-manager",
            now=at(day, 10),
        )

    for key in ("k1", "k2", "k3", "k4"):
        open_for(key, "Billing", 1)
    open_for("k1", "Billing", 2)  # the same customer twice: counted once
    open_for("k5", "Delivery", 3)
    first, last = date(2026, 12, 1), date(2026, 12, 31)
    before = {r.category: r for r in voc.categories(session=centre, first_day=first, last_day=last)}
    assert before["Billing"].customers == 4 and before["Billing"].churned is None

    with pytest.raises(Invalid) as refused:
        voc.record_churn(
            session=centre,
            rows=[
                schemas.ChurnIn(customer_key="k1", churned_on=date(2026, 12, 10)),
                schemas.ChurnIn(customer_key="k2"),
                schemas.ChurnIn(customer_key="k1", churned=False),
            ],
        )
    assert [(p.row, p.field) for p in refused.value.problems] == [
        (2, "churned_on"),
        (3, "customer_key"),
    ]
    assert voc.churned_keys(centre) == {}

    stored = voc.record_churn(
        session=centre,
        rows=[
            schemas.ChurnIn(customer_key="k1", churned_on=date(2026, 12, 10)),
            schemas.ChurnIn(customer_key="k2", churned_on=date(2026, 11, 20)),  # before its case
            schemas.ChurnIn(customer_key="k5", churned_on=date(2026, 12, 3)),  # the same day
        ],
    )
    assert (stored.flagged, stored.cleared, stored.recorded) == (3, 0, 3)
    rows = {r.category: r for r in voc.categories(session=centre, first_day=first, last_day=last)}
    assert (rows["Billing"].customers, rows["Billing"].churned) == (4, 1)
    assert rows["Billing"].churn_share == 0.25
    assert rows["Billing"].churn_low == pytest.approx(0.0456, abs=1e-4)
    assert rows["Billing"].churn_high == pytest.approx(0.6994, abs=1e-4)
    assert (rows["Delivery"].customers, rows["Delivery"].churned) == (1, 1)
    cleared = voc.record_churn(
        session=centre, rows=[schemas.ChurnIn(customer_key="k5", churned=False)]
    )
    assert (cleared.flagged, cleared.cleared, cleared.recorded) == (0, 1, 2)
    # The churn row is no calendar either.
    assert [c.name for c in cases_service.list_calendars(session=centre)] == ["Office"]


def test_cli_churn_import(cli: CliRunner, session: Session, tmp_path: Path) -> None:
    build_world(session)
    session.commit()
    bad = tmp_path / "bad.csv"
    bad.write_text("customer_key,churned_on\nk1,2026-13-01\n,2026-12-01\n")
    refused = cli.invoke(app, ["cases", "churn", "import", str(bad), "--json"])
    assert refused.exit_code == 2
    assert "2 problem(s)" in refused.stdout
    good = tmp_path / "crm.csv"
    good.write_text("customer_key,churned_on,churned\nk1,2026-12-01,1\nk2,,0\n")
    stored = cli.invoke(app, ["cases", "churn", "import", str(good), "--json"])
    assert stored.exit_code == 0, stored.stdout
    assert schemas.ChurnImportOut.model_validate_json(stored.stdout).recorded == 1
