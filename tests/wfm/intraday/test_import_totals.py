"""File imports (CLI and API) rebuild the intraday interval totals of the queue-days they wrote,
in the same transaction: the intraday view then equals the metrics KPIs without a manual
``ccops intraday rebuild``."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cli import app
from ccops.metrics import service as metrics_service
from ccops.org.models import Queue
from ccops.settings import Settings
from ccops.wfm.intraday import service as intraday_service
from ccops.wfm.intraday import totals
from ccops.wfm.intraday.models import IntradayInterval
from tests.factories import make_org
from tests.plugins.data import TEST_DATA

DAY = date(2024, 1, 15)


def _rows(session: Session) -> dict[tuple[int, datetime], tuple[float, ...]]:
    session.rollback()  # see what the import committed
    return {
        (r.queue_id, r.interval_start.astimezone(UTC)): (
            r.offered,
            r.answered,
            r.abandoned,
            r.short_abandoned,
            r.answered_within_target,
            r.staffed_s,
            r.handling_s,
        )
        for r in session.scalars(select(IntradayInterval))
    }


def _view_equals_kpis(session: Session, settings: Settings, queues: tuple[str, ...]) -> int:
    """Compare the intraday view of each queue on DAY with the metrics KPIs; return intervals."""
    with metrics_service.source_for_database(settings.resolved_database_url()) as source:
        kpis = metrics_service.queue_interval_kpis(
            source=source, first=DAY, last=DAY, interval_min=15
        )
    assert kpis
    compared = 0
    for queue in queues:
        view = intraday_service.status(session=session, queue=queue, day=DAY)
        by_start = {iv.interval_start.astimezone(UTC): iv for iv in view.intervals}
        for k in (k for k in kpis if k.queue == queue):
            iv = by_start[k.interval_start.astimezone(UTC)]
            assert iv.offered == k.offered
            assert iv.abandoned == k.abandoned
            if k.service_level is None:
                assert iv.service_level is None
            else:
                assert iv.service_level == pytest.approx(k.service_level, abs=1e-12)
            if k.asa_s is not None:
                assert iv.asa_s == pytest.approx(k.asa_s, abs=1e-9)
            compared += 1
    return compared


def test_cli_import_of_a_queue_log_fills_the_intraday_totals(
    cli: CliRunner, session: Session, settings: Settings
) -> None:
    make_org(session, queues=("Sales", "Support"))
    session.commit()
    result = cli.invoke(
        app,
        [
            "import",
            "contacts",
            str(TEST_DATA / "asterisk_queue_log.txt"),
            "-f",
            "asterisk-queue-log",
            "--with-agent-states",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["agent_states"]["inserted"] == 12
    stored = _rows(session)
    assert sum(v[0] for v in stored.values()) > 0  # contacts counted
    assert sum(v[5] for v in stored.values()) > 0  # staffed time of the agent states counted
    assert _view_equals_kpis(session, settings, ("Sales", "Support")) >= 2
    # what the import left equals a full rebuild of the same queue-days
    for queue_id in sorted({q for q, _ in stored}):
        totals.rebuild_day(session=session, queue_id=queue_id, day=DAY)
    session.flush()
    rebuilt = {
        (r.queue_id, r.interval_start.astimezone(UTC)): (
            r.offered,
            r.answered,
            r.abandoned,
            r.short_abandoned,
            r.answered_within_target,
            r.staffed_s,
            r.handling_s,
        )
        for r in session.scalars(select(IntradayInterval))
    }
    assert rebuilt == stored


def _upload(path: Path) -> tuple[str, bytes, str]:
    return (path.name, path.read_bytes(), "application/octet-stream")


def test_api_imports_of_contacts_and_agent_states_fill_the_intraday_totals(
    admin_client: TestClient, session: Session, settings: Settings
) -> None:
    make_org(session, timezone="Europe/London", queues=("Sales", "Support"))
    session.commit()
    contacts = admin_client.post(
        "/api/v1/imports/contacts",
        files={
            "file": _upload(TEST_DATA / "contacts_generic.csv"),
            "mapping": _upload(TEST_DATA / "contacts_generic.mapping.toml"),
        },
        data={"format": "csv", "site": "Main"},
    )
    assert contacts.status_code == 200, contacts.text
    assert _view_equals_kpis(session, settings, ("Sales", "Support")) >= 2
    before = _rows(session)
    assert all(v[5] == 0 for v in before.values())
    states = admin_client.post(
        "/api/v1/imports/agent-states",
        files={"file": _upload(TEST_DATA / "agent_states.csv")},
        data={"format": "csv", "site": "Main"},
    )
    assert states.status_code == 200, states.text
    after = _rows(session)
    # alice is available 09:00-09:30 (wall clock, London = UTC in January): staffed 900 s each
    nine = datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
    sales = session.scalars(select(Queue.id).where(Queue.name == "Sales")).one()
    assert after[(sales, nine)][5] >= 900.0
    # the contacts' counts are unchanged by the states' rebuild
    assert {k: v[:5] for k, v in after.items() if k in before} == {
        k: v[:5] for k, v in before.items()
    }
