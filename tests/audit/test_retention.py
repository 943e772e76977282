"""The retention purge removes only rows older than each kind's retention; a dry run nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.audit import capture, retention
from ccops.audit.models import AuditEntry
from ccops.cli import app
from ccops.contacts.models import AgentStateEvent, Contact
from ccops.db import make_session_factory
from ccops.enums import AgentState, Outcome
from ccops.org.models import Person
from ccops.quality.models import Evaluation, QaForm, QaFormVersion
from ccops.settings import Settings, get_settings
from ccops.wfm.intraday.models import IntakeEvent
from tests.factories import make_org
from tests.factories.metrics import add_contact, add_state

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
OLD = NOW - timedelta(days=40)
RECENT = NOW - timedelta(days=5)


def _fill(session: Session) -> None:
    with capture.suppressed(session):  # the organisation's own audit entries would be counted
        make_org(session, agents=("alice",))
    for n, at in enumerate((OLD, OLD, RECENT)):
        add_contact(
            session, ext=f"c{n}", queue="Sales", arrival=at, outcome=Outcome.answered, wait_s=3
        )
        add_state(
            session,
            ext=f"s{n}",
            login="alice",
            state=AgentState.available,
            start=at,
            end=at + timedelta(minutes=5),
        )
        session.add(
            IntakeEvent(
                event_id=f"e{n}",
                kind="contact",
                content_hash="x",
                received_at=at,
                event_at=at,
                target="contact:test:c",
            )
        )
        session.add(
            AuditEntry(
                at=at,
                actor="t",
                origin="t",
                entity_kind="queue",
                action="update",
                changes_json="{}",
            )
        )
    session.flush()
    # an old contact a QA evaluation refers to is kept (evaluations are pay-relevant)
    evaluated = session.scalars(sa.select(Contact).where(Contact.external_id == "c0")).one()
    form = QaForm(name="f")
    session.add(form)
    session.flush()
    version = QaFormVersion(form_id=form.id, version=1, definition_json="{}", published_by="x")
    session.add(version)
    session.flush()
    person = session.scalars(sa.select(Person)).first()
    assert person is not None
    session.add(
        Evaluation(
            form_version_id=version.id,
            contact_id=evaluated.id,
            person_id=person.id,
            evaluator="x",
            contact_at=OLD,
            score_pct=90.0,
        )
    )
    session.commit()


def _counts(session: Session) -> dict[str, int]:
    return {
        name: int(session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)
        for name, model in (
            ("contacts", Contact),
            ("agent_states", AgentStateEvent),
            ("intake_log", IntakeEvent),
            ("audit", AuditEntry),
        )
    }


def test_purge_removes_only_older_rows_per_kind_and_dry_run_nothing(
    session: Session, settings: Settings
) -> None:
    _fill(session)
    before = _counts(session)
    assert before == {"contacts": 3, "agent_states": 3, "intake_log": 3, "audit": 3}
    policy = settings.model_copy(
        update={
            "retention_contacts_days": 30,
            "retention_agent_states_days": 30,
            "retention_intake_log_days": 60,  # nothing that old
            "retention_audit_days": 30,
            "retention_batch_size": 1,  # several batches
        }
    )
    dry = retention.purge(session=session, settings=policy, dry_run=True, now=NOW)
    assert {k.kind: k.rows for k in dry.kinds} == {
        "contacts": 1,
        "agent_states": 2,
        "intake_log": 0,
        "audit": 2,
    }
    assert _counts(session) == before

    done = retention.purge(session=session, settings=policy, now=NOW)
    session.commit()
    assert {k.kind: k.rows for k in done.kinds} == {k.kind: k.rows for k in dry.kinds}
    assert _counts(session) == {"contacts": 2, "agent_states": 1, "intake_log": 3, "audit": 2}
    kept = set(session.scalars(sa.select(Contact.external_id)))
    assert kept == {"c0", "c2"}  # c0 is evaluated, c2 is recent
    assert session.scalars(sa.select(AgentStateEvent.external_id)).all() == ["s2"]
    # the purge records itself, and the recent audit entry survives
    actions = session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["update", "purge"]


def test_zero_days_keeps_everything(session: Session, settings: Settings) -> None:
    _fill(session)
    done = retention.purge(session=session, settings=settings, now=NOW)
    assert all(k.rows == 0 and k.cutoff is None for k in done.kinds)
    assert _counts(session)["contacts"] == 3


def test_cli_dry_run_prints_counts(
    session: Session, cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(session)
    monkeypatch.setenv("CCOPS_RETENTION_AGENT_STATES_DAYS", "1")
    get_settings.cache_clear()
    result = cli.invoke(app, ["retention", "purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would delete" in result.output
    row = next(line for line in result.output.splitlines() if "agent_states" in line)
    assert "1 d" in row and row.rstrip(" │").endswith("3")  # all three are older than a day
    assert _counts(session)["agent_states"] == 3


def test_cli_refuses_a_negative_retention(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCOPS_RETENTION_CONTACTS_DAYS", "-3")
    get_settings.cache_clear()
    result = cli.invoke(app, ["retention", "purge"])
    assert result.exit_code == 2
    assert "retention_contacts_days: Input should be greater than or equal to 0" in result.output


def test_the_purge_runs_as_a_registered_job(session: Session, settings: Settings) -> None:
    from ccops.audit.jobs import RETENTION_PURGE, submit_purge
    from ccops.jobs import service as jobs_service
    from ccops.jobs.schemas import JobStatus

    _fill(session)
    job = submit_purge(session=session, dry_run=True, created_by="ops")
    session.commit()
    assert job.kind == RETENTION_PURGE
    factory = make_session_factory(session.get_bind())  # type: ignore[arg-type]
    with factory() as s:
        assert jobs_service.claim(session=s, job_id=job.id) == job.id
        s.commit()
    done = jobs_service.run(factory, job.id)
    assert done.status == JobStatus.done, done.error
    assert done.result == {
        "dry_run": True,
        "rows": {"contacts": 0, "agent_states": 0, "intake_log": 0, "audit": 0},
    }
    assert _counts(session)["contacts"] == 3
