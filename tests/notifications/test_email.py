"""Email notifications (issue #20 point 5): opted-in users get one email per notification in
their language, sent by a job against a real local SMTP server (aiosmtpd); opted-out users get
none; digest users one email a day; a failing server is retried then recorded failed."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.header import decode_header, make_header
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ccops.db import make_session_factory, utcnow
from ccops.enums import Role
from ccops.errors import Invalid
from ccops.jobs import service as jobs_service
from ccops.notifications import email
from ccops.notifications import service as notify_service
from ccops.notifications.models import EmailMessage
from ccops.org.models import User
from ccops.settings import get_settings
from tests.factories.web import World, sign_in


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        msg = message_from_bytes(envelope.content)
        self.messages.append((envelope.rcpt_tos, msg))
        return "250 OK"


@pytest.fixture
def inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    handler = Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd's start() cannot use port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("CCOPS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CCOPS_SMTP_PORT", str(port))
    monkeypatch.setenv("CCOPS_SMTP_STARTTLS", "false")
    monkeypatch.setenv("CCOPS_SMTP_FROM", "ccops@example.com")
    get_settings.cache_clear()
    yield handler
    controller.stop()
    get_settings.cache_clear()


def _factory(session: Session) -> sessionmaker[Session]:
    return make_session_factory(session.get_bind().engine)


def _user(session: Session, login: str, locale: str | None = None) -> int:
    user = User(login=login, password_hash="x", role=Role.agent, locale=locale)
    session.add(user)
    session.flush()
    return user.id


def _subject(msg: Any) -> str:
    return str(make_header(decode_header(msg["Subject"])))


def test_opted_in_user_gets_one_email_in_their_language_and_opted_out_none(
    session: Session, inbox: Inbox
) -> None:
    chen = _user(session, "chen", "zh_Hans")
    olly = _user(session, "olly")
    email.set_preference(
        session=session, user_id=chen, address="chen@example.com", kinds=["schedule"], digest=False
    )
    email.set_preference(
        session=session, user_id=olly, address="olly@example.com", kinds=["other"], digest=False
    )
    notify_service.notify(
        session=session, user_ids=[chen, olly], kind="schedule", subject="Week 47", body="Hi"
    )
    session.commit()
    assert inbox.messages == []  # nothing sent inside the caller's transaction
    [done] = jobs_service.run_pending(_factory(session))
    assert done.result == {"sent": 1, "failed": 0, "retrying": 0}
    [(to, msg)] = inbox.messages
    assert to == ["chen@example.com"]
    assert _subject(msg) == "通知: Week 47"
    assert msg["From"] == "ccops@example.com"
    session.expire_all()
    [row] = session.scalars(select(EmailMessage))
    assert (row.status, row.attempts, row.error) == ("sent", 1, None)


def test_digest_user_gets_one_email_with_the_days_notifications(
    session: Session, inbox: Inbox
) -> None:
    dee = _user(session, "dee")
    email.set_preference(
        session=session, user_id=dee, address="dee@example.com", kinds=["*"], digest=True
    )
    for n in range(3):
        notify_service.notify(
            session=session, user_ids=[dee], kind="schedule", subject=f"Note {n}", body=f"B{n}"
        )
    jobs_service.submit(
        session=session,
        kind=email.DIGEST_KIND,
        params={"day": utcnow().date().isoformat()},
        created_by="test",
    )
    session.commit()
    assert inbox.messages == []  # digest users get nothing one by one
    done = jobs_service.run_pending(_factory(session))
    assert [d.result for d in done] == [
        {"day": utcnow().date().isoformat(), "digests": 1},
        {"sent": 1, "failed": 0, "retrying": 0},
    ]
    [(to, msg)] = inbox.messages
    assert _subject(msg) == f"[ccops] 3 notifications on {utcnow().date().isoformat()}"
    text = msg.get_payload(decode=True).decode()
    assert all(f"Note {n}" in text and f"B{n}" in text for n in range(3))


def test_smtp_failure_is_retried_then_recorded_failed_with_the_reason(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CCOPS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CCOPS_SMTP_PORT", "9")  # discard port: nothing listens
    monkeypatch.setenv("CCOPS_SMTP_STARTTLS", "false")
    monkeypatch.setenv("CCOPS_EMAIL_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("CCOPS_EMAIL_RETRY_BASE_S", "0.05")
    get_settings.cache_clear()
    try:
        eve = _user(session, "eve")
        email.set_preference(
            session=session, user_id=eve, address="eve@example.com", kinds=["*"], digest=False
        )
        notify_service.notify(session=session, user_ids=[eve], kind="k", subject="S", body="B")
        session.commit()
        factory = _factory(session)
        [first] = jobs_service.run_pending(factory)
        assert first.result is not None and first.result["retrying"] == 1
        time.sleep(0.2)
        [second] = jobs_service.run_pending(factory)
        assert second.result == {"sent": 0, "failed": 1, "retrying": 0}
        session.expire_all()
        [row] = session.scalars(select(EmailMessage))
        assert (row.status, row.attempts) == ("failed", 2)
        assert row.error is not None and "ConnectionRefused" in row.error
        assert jobs_service.run_pending(factory) == []
    finally:
        get_settings.cache_clear()


def test_bad_settings_input_gets_a_clear_message_and_changes_nothing(session: Session) -> None:
    fay = _user(session, "fay")
    with pytest.raises(Invalid, match="'not-an-address' is not an email address"):
        email.set_preference(
            session=session, user_id=fay, address="not-an-address", kinds=[], digest=False
        )
    with pytest.raises(Invalid, match="kinds: Bad Kind! is not a notification kind"):
        email.set_preference(
            session=session, user_id=fay, address="f@example.com", kinds=["Bad Kind!"], digest=False
        )
    assert email.get_preference(session=session, user_id=fay) == {
        "address": "",
        "kinds": [],
        "digest": False,
    }


def test_the_api_sets_and_reads_your_email_settings(admin_client: TestClient) -> None:
    bad = admin_client.put("/api/v1/notifications/email", json={"address": "nope"})
    assert bad.status_code in (400, 422)
    assert "not an email address" in bad.text
    ok = admin_client.put(
        "/api/v1/notifications/email",
        json={"address": "me@example.com", "kinds": ["schedule"], "digest": False},
    )
    assert ok.status_code == 200
    assert admin_client.get("/api/v1/notifications/email").json() == {
        "address": "me@example.com",
        "kinds": ["schedule"],
        "digest": False,
    }


def test_the_notifications_page_saves_your_email_settings_or_says_what_was_wrong(
    world: World,
) -> None:
    client = world.client()
    csrf = sign_in(client, "u-agent")
    bad = client.post(
        "/notifications/email",
        data={"csrf_token": csrf, "address": "agent1-at-example", "kinds": "*"},
    )
    assert bad.status_code == 422
    assert "&#39;agent1-at-example&#39; is not an email address" in bad.text
    assert 'value="agent1-at-example"' in bad.text
    ok = client.post(
        "/notifications/email",
        data={
            "csrf_token": csrf,
            "address": "a1@example.com",
            "kinds": "schedule, *",
            "digest": "on",
        },
    )
    assert ok.status_code == 303
    page = client.get("/notifications").text
    assert 'value="a1@example.com"' in page and 'value="*, schedule"' in page
    assert "checked" in page
