"""The web tests' two-site organisation (one user per role), clients, and sign-in through forms."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from ccops.db import make_engine, make_session_factory
from ccops.enums import ChannelKind, Role, ScopeKind
from ccops.org import schemas
from ccops.org import service as org_service
from ccops.settings import Settings
from ccops.web.app import create_app
from tests.factories import make_admin, make_token

PASSWORD = "correct-horse-9"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class World:
    """The app's settings and an API token per role (scoped as their role usually is)."""

    settings: Settings
    tokens: dict[Role, str]

    def client(self, role: Role | None = None, address: str = "testclient") -> TestClient:
        """A client with the role's bearer token (None: anonymous), from network ``address``."""
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return TestClient(
            create_app(self.settings),
            headers=headers,
            follow_redirects=False,
            client=(address, 50000),
        )


def build_world(session: Session) -> dict[Role, str]:
    """Two sites (Main, Other), a queue and a team at each, people, one user per role."""
    for site, zone in (("Main", "Europe/London"), ("Other", "Asia/Shanghai")):
        org_service.create_site(session=session, data=schemas.SiteIn(name=site, timezone=zone))
    org_service.create_channel(
        session=session, data=schemas.ChannelIn(name="voice", kind=ChannelKind.voice)
    )
    for queue, site in (("Sales", "Main"), ("Support", "Other")):
        org_service.create_queue(
            session=session, data=schemas.QueueIn(name=queue, channel="voice", site=site)
        )
    for team, site in (("Team A", "Main"), ("Team B", "Main"), ("Team C", "Other")):
        org_service.create_team(session=session, data=schemas.TeamIn(name=team, site=site))
    people: tuple[tuple[str, str, str | None], ...] = (
        ("alice", "Main", "Team A"),
        ("bob", "Main", "Team B"),
        ("carol", "Other", "Team C"),
        ("lead", "Main", None),
    )
    for login, site, team_name in people:
        org_service.create_person(
            session=session,
            data=schemas.PersonIn(
                name=login.title(),
                login=login,
                site=site,
                team=team_name,
                role=Role.supervisor if login == "lead" else Role.agent,
                skills=[schemas.SkillIn(queue="Sales" if site == "Main" else "Support")],
            ),
        )
    users = {
        Role.agent: schemas.UserIn(
            login="u-agent", password=PASSWORD, role=Role.agent, person="alice"
        ),
        Role.supervisor: schemas.UserIn(
            login="u-supervisor",
            password=PASSWORD,
            role=Role.supervisor,
            scope=ScopeKind.teams,
            teams=["Team A"],
            person="lead",
        ),
        Role.qa_analyst: schemas.UserIn(
            login="u-qa", password=PASSWORD, role=Role.qa_analyst, scope=ScopeKind.all
        ),
        Role.planner: schemas.UserIn(
            login="u-planner",
            password=PASSWORD,
            role=Role.planner,
            scope=ScopeKind.sites,
            sites=["Main"],
        ),
        Role.manager: schemas.UserIn(
            login="u-manager",
            password=PASSWORD,
            role=Role.manager,
            scope=ScopeKind.sites,
            sites=["Main"],
        ),
        Role.executive: schemas.UserIn(
            login="u-executive", password=PASSWORD, role=Role.executive, scope=ScopeKind.all
        ),
        Role.admin: schemas.UserIn(
            login="u-admin", password=PASSWORD, role=Role.admin, scope=ScopeKind.all
        ),
    }
    for data in users.values():
        org_service.create_user(session=session, data=data)
    session.commit()
    return {role: make_token(session, login=data.login) for role, data in users.items()}


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a page."""
    found = CSRF_FIELD.search(html)
    assert found, "the page has no csrf_token field"
    return found.group(1)


def sign_in(client: TestClient, login: str, password: str = PASSWORD) -> str:
    """Sign ``client`` in through the form; return the session's CSRF token."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"login": login, "password": password, "csrf_token": csrf_of(page.text)},
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/account").text)


def signed_in_client(settings: Settings, *, login: str = "root") -> TestClient:
    """A TestClient of the app on ``settings`` signed in as a new administrator (API token)."""
    engine = make_engine(settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        token = make_admin(s, login=login)
    engine.dispose()
    return TestClient(create_app(settings), headers={"Authorization": f"Bearer {token}"})


@contextmanager
def served(settings: Settings, app: FastAPI | None = None) -> Iterator[str]:
    """Serve the app (``app``, else one on ``settings``) with uvicorn in a thread on a free
    loopback port; yield its base URL."""
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        app or create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        ws="none",
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="ccops-served", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start within 30 s")
        time.sleep(0.05)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=15)
