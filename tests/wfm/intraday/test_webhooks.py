"""Exception webhooks (issue #21): refused for targets inside the network when a plan is saved
and again when delivered; delivered by a job after the intake, signed, once per exception,
never following a redirect, retried with back-off, and recorded only as delivered or failed."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from ccops.cli import app as cli_app
from ccops.db import make_session_factory, transaction, utcnow
from ccops.enums import Role, ScopeKind
from ccops.jobs import service as jobs_service
from ccops.jobs.models import Job
from ccops.notifications import webhook_targets
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.settings import Settings, get_settings
from ccops.wfm.intraday import exceptions as exception_service
from ccops.wfm.intraday import schemas
from ccops.wfm.intraday.models import ExceptionNotification, ExceptionRule
from tests.factories import make_org
from tests.factories.intraday import OPEN, contacts, flat_forecast, send
from tests.factories.web import signed_in_client

SECRET = "receiver-shares-this"
KIND = exception_service.WEBHOOK_DELIVERY


@pytest.fixture
def webhook_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """The job runner's settings: a local receiver allowed, a shared secret, short timeouts."""
    monkeypatch.setenv("CCOPS_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/32")
    monkeypatch.setenv("CCOPS_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("CCOPS_WEBHOOK_READ_TIMEOUT_S", "2")
    monkeypatch.setenv("CCOPS_WEBHOOK_MAX_ATTEMPTS", "3")
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@contextmanager
def receiver(status: int = 204, location: str | None = None) -> Iterator[tuple[str, list[Any]]]:
    """A real HTTP receiver on loopback that checks each POST's signature as documented."""
    calls: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the standard library's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            stamp = self.headers.get("X-Ccops-Timestamp", "")
            mac = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
            calls.append(
                {
                    "body": json.loads(body),
                    "signed": hmac.compare_digest(
                        self.headers.get("X-Ccops-Signature", ""), f"sha256={mac.hexdigest()}"
                    ),
                    "fresh": abs(time.time() - int(stamp)) < 300,
                    "host": self.headers["Host"],
                    "path": self.path,
                }
            )
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"internal admin panel: token abc123")

        def log_message(self, *_args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", calls
    finally:
        server.shutdown()
        server.server_close()


def _world(session: Session) -> None:
    make_org(session, timezone="UTC")
    for login in ("planner1", "manager1"):
        org_service.create_user(
            session=session,
            data=org_schemas.UserIn(
                login=login, password="long-enough-pass-1", role=Role.planner, scope=ScopeKind.all
            ),
        )
    flat_forecast(session)


def _rule(name: str, tier: int, url: str | None, owners: list[str]) -> schemas.RuleIn:
    return schemas.RuleIn(
        name=name,
        tier=tier,
        measure="volume_over",
        threshold=0.3,
        consecutive=2,
        owners=owners,
        webhook_url=url,
    )


def _plan(session: Session, *rules: schemas.RuleIn) -> None:
    exception_service.create_plan(
        session=session,
        data=schemas.PlanIn(name="Sales plan", queue="Sales", rules=list(rules)),
        created_by="planner1",
    )


def _fire(session: Session) -> list[int]:
    send(session, contacts(OPEN, 27, prefix="a"), OPEN + timedelta(minutes=15))
    out = send(
        session,
        contacts(OPEN + timedelta(minutes=15), 26, prefix="b"),
        OPEN + timedelta(minutes=30),
    )
    return out.exceptions_opened


def _factory(session: Session) -> sessionmaker[Session]:
    return make_session_factory(session.get_bind().engine)


def _webhook(session: Session) -> ExceptionNotification:
    session.expire_all()
    [note] = session.scalars(
        select(ExceptionNotification).where(ExceptionNotification.channel == "webhook")
    )
    return note


def _queued(session: Session) -> list[Job]:
    session.expire_all()
    return list(session.scalars(select(Job).where(Job.kind == KIND, Job.status == "queued")))


def test_one_signed_post_per_exception_from_the_job_after_the_intake(
    session: Session, webhook_env: pytest.MonkeyPatch
) -> None:
    _world(session)
    with receiver() as (url, calls):
        _plan(session, _rule("Tier 1", 1, url, ["planner1", "planner1", "manager1"]))
        [opened] = _fire(session)
        session.commit()
        assert calls == []  # nothing left the intake
        assert (_webhook(session).status, _webhook(session).attempts) == ("pending", 0)
        [job] = _queued(session)
        assert json.loads(job.params_json) == {"exception_ids": [opened]}
        [done] = jobs_service.run_pending(_factory(session))
    assert (done.status.value, done.result) == (
        "done",
        {"delivered": 1, "failed": 0, "retrying": 0},
    )
    [call] = calls  # one POST, not one per owner (three listed, one twice)
    assert call["signed"] and call["fresh"]
    assert (call["path"], call["host"]) == ("/hook", url.split("/")[2])
    assert call["body"]["event"] == "exception.opened"
    assert call["body"]["exception"]["id"] == opened
    assert "notifications" not in call["body"]["exception"]
    out = exception_service.get_exception(session=session, exception_id=opened)
    assert sorted((n.channel, n.owner, n.status, n.attempts) for n in out.notifications) == [
        ("in_app", "manager1", "delivered", 0),
        ("in_app", "planner1", "delivered", 0),
        ("webhook", "", "delivered", 1),
    ]
    assert out.owners == ["planner1", "manager1"]
    assert _queued(session) == []


def test_a_redirect_is_not_followed(session: Session, webhook_env: pytest.MonkeyPatch) -> None:
    _world(session)
    with receiver() as (elsewhere, moved_calls), receiver(302, elsewhere) as (url, calls):
        _plan(session, _rule("Tier 1", 1, url, ["planner1"]))
        _fire(session)
        session.commit()
        [done] = jobs_service.run_pending(_factory(session))
    assert done.result == {"delivered": 0, "failed": 0, "retrying": 1, "retry_job": done.id + 1}
    assert len(calls) == 1 and moved_calls == []
    note = _webhook(session)
    assert (note.status, note.attempts, note.error) == ("pending", 1, None)


def test_retries_back_off_then_fail_and_the_views_show_no_reply(
    session: Session, settings: Settings, webhook_env: pytest.MonkeyPatch
) -> None:
    _world(session)
    with receiver(500) as (url, calls):
        _plan(session, _rule("Tier 1", 1, url, ["planner1"]))
        [opened] = _fire(session)
        session.commit()
        factory = _factory(session)
        waits = []
        for attempt in (1, 2, 3):
            before = utcnow()
            [done] = jobs_service.run_pending(factory)
            after = utcnow()
            assert done.status.value == "done"
            note = _webhook(session)
            assert note.attempts == attempt and len(calls) == attempt
            if attempt < 3:
                assert note.status == "pending" and note.next_attempt_at is not None
                # the back-off counts from the failure, which lies between before and after
                waits.append(
                    (
                        (note.next_attempt_at - before).total_seconds(),
                        (note.next_attempt_at - after).total_seconds(),
                    )
                )
                [retry] = _queued(session)
                assert retry.run_after == note.next_attempt_at
                assert jobs_service.run_pending(factory) == []  # not due yet: nothing runs
                assert len(calls) == attempt
                past = utcnow() - timedelta(seconds=1)  # the back-off has passed
                session.execute(update(Job).where(Job.id == retry.id).values(run_after=past))
                session.execute(
                    update(ExceptionNotification)
                    .where(ExceptionNotification.id == note.id)
                    .values(next_attempt_at=past)
                )
                session.commit()
    # 30 s, then doubled, however long the attempt itself took on a loaded machine
    assert waits[0][0] >= 30 - 1 and waits[0][1] <= 30 + 1
    assert waits[1][0] >= 60 - 1 and waits[1][1] <= 60 + 1
    note = _webhook(session)
    assert (note.status, note.attempts, note.next_attempt_at, note.error) == (
        "failed",
        3,
        None,
        None,
    )
    assert _queued(session) == []
    assert all(c["signed"] for c in calls)
    client = signed_in_client(settings)
    answer = client.get(f"/api/v1/intraday/exceptions/{opened}")
    assert answer.status_code == 200
    [hook] = [n for n in answer.json()["notifications"] if n["channel"] == "webhook"]
    assert (hook["status"], hook["attempts"], hook["error"]) == ("failed", 3, None)
    # the configured target (whose port may contain "500") and times are not replies
    shown = [
        {k: v for k, v in n.items() if k not in ("target", "delivered_at")}
        for n in answer.json()["notifications"]
    ]
    for leak in ("HTTP", "500", "admin panel", "abc123", "refused", "timed out"):
        assert leak not in json.dumps(shown)


def test_a_silent_receiver_holds_neither_the_intake_nor_other_writers(
    session: Session, webhook_env: pytest.MonkeyPatch
) -> None:
    _world(session)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        silent.setblocking(False)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
        _plan(session, _rule("Tier 1", 1, url, ["planner1"]))
        started = time.perf_counter()
        _fire(session)
        session.commit()
        intake_s = time.perf_counter() - started
        with pytest.raises(BlockingIOError):
            silent.accept()  # the intake connected to nobody
        factory = _factory(session)
        results: list[Any] = []
        job = threading.Thread(target=lambda: results.extend(jobs_service.run_pending(factory)))
        job.start()
        silent.setblocking(True)
        silent.settimeout(10)
        held, _ = silent.accept()  # the job is waiting for an answer that never comes
        with held:
            began = time.perf_counter()
            with transaction(factory) as other:  # another writer meanwhile
                org_service.create_user(
                    session=other,
                    data=org_schemas.UserIn(
                        login="writer",
                        password="long-enough-pass-1",
                        role=Role.planner,
                        scope=ScopeKind.all,
                    ),
                )
            writer_s = time.perf_counter() - began
            assert job.is_alive()  # the writer went through while the POST waited
            job.join(timeout=15)
    assert not job.is_alive()
    assert writer_s < 1.5, writer_s
    assert intake_s < 10, intake_s
    assert results[0].result["retrying"] == 1
    note = _webhook(session)
    assert (note.status, note.attempts, note.error) == ("pending", 1, None)


def test_delivery_checks_again_with_todays_settings_and_resolution(
    session: Session, webhook_env: pytest.MonkeyPatch
) -> None:
    _world(session)
    answers = iter([["93.184.216.34"], ["169.254.169.254"]])  # public at save, then rebound
    webhook_env.setattr(webhook_targets, "system_resolver", lambda host, port: next(answers))
    connected: list[object] = []
    webhook_env.setattr(socket, "create_connection", lambda *a, **k: connected.append(a))
    with receiver() as (url, calls):
        _plan(
            session,
            _rule("Tier 1", 1, "http://hooks.example.com/in", ["planner1"]),
            _rule("Tier 2", 2, url, ["planner1"]),
        )
        session.execute(  # the allow-list admitted it when saved; the administrator removes it
            update(ExceptionRule).where(ExceptionRule.name == "Tier 2").values(webhook_url=url)
        )
        opened = _fire(session)
        session.commit()
        webhook_env.delenv("CCOPS_WEBHOOK_ALLOWED_NETWORKS")
        get_settings.cache_clear()
        [done] = jobs_service.run_pending(_factory(session))
    assert len(opened) == 2 and done.result is not None
    assert (done.result["delivered"], done.result["retrying"]) == (0, 2)
    assert calls == [] and connected == []


def test_one_intake_queues_at_most_the_capped_number_of_webhooks(
    session: Session, webhook_env: pytest.MonkeyPatch
) -> None:
    from ccops import flows

    _world(session)
    with receiver() as (url, _calls):
        _plan(session, _rule("Tier 1", 1, url, ["planner1"]), _rule("Tier 2", 2, url, []))
        send(session, contacts(OPEN, 27, prefix="a"), OPEN + timedelta(minutes=15))
        out = flows.ingest_events(
            session=session,
            events=contacts(OPEN + timedelta(minutes=15), 26, prefix="b"),
            secret_key="k",
            now=OPEN + timedelta(minutes=30),
            max_webhooks=1,
        )
    assert len(out.exceptions_opened) == 2
    notes = session.scalars(
        select(ExceptionNotification)
        .where(ExceptionNotification.channel == "webhook")
        .order_by(ExceptionNotification.exception_id)
    ).all()
    assert [(n.exception_id, n.status) for n in notes] == [
        (out.exceptions_opened[0], "pending"),
        (out.exceptions_opened[1], "failed"),
    ]
    [job] = _queued(session)
    assert json.loads(job.params_json) == {"exception_ids": [out.exceptions_opened[0]]}
    with pytest.raises(ValidationError, match="at most 20"):
        _rule("Many", 1, None, [f"u{i}" for i in range(21)])


REFUSED = [
    "http://127.0.0.1:8080/",
    "http://localhost/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[fe80::1]/",
    "http://2130706433/",
    "http://0x7f.1/",
    "http://0.0.0.0/",
    "https://user:pw@hooks.example.com/",
]


def test_the_api_refuses_targets_inside_the_network_and_stores_nothing(
    admin_client: TestClient, session: Session, settings: Settings
) -> None:
    _world(session)
    session.commit()
    for url in REFUSED:
        answer = admin_client.post(
            "/api/v1/intraday/plans",
            json={
                "name": "p",
                "queue": "Sales",
                "rules": [
                    {
                        "name": "r",
                        "tier": 1,
                        "measure": "volume_over",
                        "threshold": 0.3,
                        "webhook_url": url,
                    }
                ],
            },
        )
        assert answer.status_code == 422, (url, answer.text)
        body = answer.json()
        assert "rules.0.webhook_url" in body["message"], (url, body)
        assert [p["field"] for p in body["problems"]] == ["webhook_url"]
    assert admin_client.get("/api/v1/intraday/plans").json() == []
    allowed = settings.model_copy(update={"webhook_allowed_networks": "127.0.0.1/32"})
    ok = signed_in_client(allowed, login="root2").post(
        "/api/v1/intraday/plans",
        json={
            "name": "on premise",
            "queue": "Sales",
            "rules": [
                {
                    "name": "r",
                    "tier": 1,
                    "measure": "volume_over",
                    "threshold": 0.3,
                    "webhook_url": "http://127.0.0.1:9000/hook",
                }
            ],
        },
    )
    assert ok.status_code == 201, ok.text
    assert ok.json()["rules"][0]["webhook_url"] == "http://127.0.0.1:9000/hook"


def test_the_cli_refuses_the_metadata_service(
    cli: CliRunner, session: Session, tmp_path: Path
) -> None:
    _world(session)
    session.commit()
    path = tmp_path / "plan.json"
    path.write_text(
        json.dumps(
            {
                "name": "p",
                "queue": "Sales",
                "rules": [
                    {
                        "name": "r",
                        "tier": 1,
                        "measure": "volume_over",
                        "threshold": 0.3,
                        "webhook_url": "http://169.254.169.254/latest/",
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    done = cli.invoke(cli_app, ["exceptions", "plan", str(path)])
    assert done.exit_code != 0
    assert "rules.0.webhook_url" in done.output and "link-local" in done.output
    assert exception_service.list_plans(session=session) == []
