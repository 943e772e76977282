"""Objects at both sites of the web tests' World, and scoped principals the World lacks.

London is the site Main (Europe/London), Shanghai the site Other (Asia/Shanghai). Adds a QA
analyst and an administrator scoped to London, a form, a contact of each site (handled by alice
and carol), their evaluations, a dispute on each, and calibration sessions of London only and
spanning both sites; a case from each site's contact; a review of alice and of carol, each
with a pending recommendation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.cases import schemas as cases_schemas
from ccops.cases import service as cases_service
from ccops.db import make_engine, make_session_factory
from ccops.enums import Outcome, Role, ScopeKind
from ccops.org import schemas as org_schemas
from ccops.org import service as org_service
from ccops.org.models import Person
from ccops.performance import recommendations as perf_recommendations
from ccops.performance import reviews as perf_reviews
from ccops.performance import schemas as perf_schemas
from ccops.quality import calibration as qa_calibration
from ccops.quality import disputes as qa_disputes
from ccops.quality import evaluations as qa_evaluations
from ccops.quality import forms as qa_forms
from ccops.quality import schemas as qa_schemas
from ccops.web.app import create_app
from ccops.wfm.capacity import saved as capacity_saved
from ccops.wfm.capacity import schemas as capacity_schemas
from ccops.wfm.capacity import site as capacity_site
from tests.factories import make_token
from tests.factories.bidding import seed_scope_bids
from tests.factories.cases import set_up_cases
from tests.factories.knowledge import seed_scope_objects
from tests.factories.metrics import add_contact
from tests.factories.quality import ALL_TOP, FORM, MIXED, answers
from tests.factories.voice import seed_scope_objects as seed_voice_objects
from tests.factories.web import PASSWORD, World

ARRIVAL = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


@dataclass
class Scoped:
    """The ids of the objects of each site, and tokens of the London-scoped principals."""

    world: World
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def client(self, who: str) -> TestClient:
        """A client of a World role (its value, e.g. 'manager') or of an added login."""
        token = self.tokens.get(who) or self.world.tokens[Role(who)]
        return TestClient(
            create_app(self.world.settings),
            headers={"Authorization": f"Bearer {token}"},
            follow_redirects=False,
        )


@contextmanager
def world_session(world: World) -> Iterator[Session]:
    """A session on the World's database (committed by the caller)."""
    engine = make_engine(world.settings.resolved_database_url())
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _contact(session: Session, ext: str, queue: str, login: str) -> int:
    contact = add_contact(
        session,
        ext=ext,
        queue=queue,
        arrival=ARRIVAL,
        outcome=Outcome.answered,
        wait_s=5,
        talk_s=120,
    )
    contact.answered_at = ARRIVAL
    contact.person_id = session.scalars(select(Person.id).where(Person.login == login)).one()
    session.flush()
    return contact.id


def seed_recommendation(session: Session, login: str, evaluation_id: int) -> tuple[int, int]:
    """A review of ``login`` and a pending training recommendation resting on an evaluation."""
    review = perf_reviews.create_review(
        session=session,
        data=perf_schemas.ReviewIn(
            person=login,
            period_first=ARRIVAL.date(),
            period_last=ARRIVAL.date(),
            strengths="s",
            weaknesses="w",
            improvement_plan="p",
            person_commitments="c",
            support_commitments="c",
            next_review_on=ARRIVAL.date() + timedelta(days=90),
            next_review_criteria="n",
        ),
        reviewer="u-supervisor",
        scope=org_service.EVERYTHING,
    )
    recommendation = perf_recommendations.recommend(
        session=session,
        review_id=review.id,
        data=perf_schemas.RecommendationIn(
            kind=perf_schemas.RecommendationKind.training,
            rationale="refund module",
            evaluation_ids=[evaluation_id],
        ),
        by="u-supervisor",
        scope=org_service.EVERYTHING,
    )
    return review.id, recommendation.id


WAVE: dict[str, Any] = {
    "name": "Spring class",
    "hires": 4,
    "class_start": "2026-03-02",
    "class_end": "2026-03-13",
    "go_live": "2026-03-16",
}
"""A hiring wave; each site's joins its own queue."""


def build(world: World) -> Scoped:
    """Store the objects of both sites and the London-scoped users."""
    scoped = Scoped(world)
    with world_session(world) as s:
        for login, role in (("qa-london", Role.qa_analyst), ("admin-london", Role.admin)):
            org_service.create_user(
                session=s,
                data=org_schemas.UserIn(
                    login=login,
                    password=PASSWORD,
                    role=role,
                    scope=ScopeKind.sites,
                    sites=["Main"],
                ),
            )
        s.commit()
        scoped.tokens = {
            login: make_token(s, login=login) for login in ("qa-london", "admin-london")
        }
        form = qa_forms.create_form(session=s, data=qa_schemas.FormIn(**FORM), by="u-admin")
        version = form.versions[-1].id
        ids = scoped.ids
        ids["version"] = version
        ids["contact_in"] = _contact(s, "L1", "Sales", "alice")
        ids["contact_out"] = _contact(s, "S1", "Support", "carol")
        ids["contact_in_2"] = _contact(s, "L2", "Sales", "alice")
        for side, pattern in (("in", ALL_TOP), ("out", MIXED)):
            ids[f"evaluation_{side}"] = qa_evaluations.evaluate(
                session=s,
                data=qa_schemas.EvaluationIn(
                    contact_id=ids[f"contact_{side}"],
                    form_version_id=version,
                    answers=answers(pattern),
                ),
                by="u-qa",
            ).id
        for side, login in (("in", "alice"), ("out", "carol")):
            person = s.scalars(select(Person.id).where(Person.login == login)).one()
            ids[f"dispute_{side}"] = qa_disputes.raise_dispute(
                session=s,
                evaluation_id=ids[f"evaluation_{side}"],
                data=qa_schemas.DisputeIn(reason="I did verify"),
                by=login,
                by_person_id=person,
            ).id
        for name, contacts in (
            ("London only", [ids["contact_in"], ids["contact_in_2"]]),
            ("Both sites", [ids["contact_in"], ids["contact_out"]]),
        ):
            key = "calibration_in" if name == "London only" else "calibration_out"
            ids[key] = qa_calibration.create_calibration(
                session=s,
                data=qa_schemas.CalibrationIn(
                    name=name, form_version_id=version, contact_ids=contacts
                ),
                by="u-qa",
            ).id
        # the all-sites analyst scores the Shanghai contact of the spanning session
        qa_evaluations.evaluate(
            session=s,
            data=qa_schemas.EvaluationIn(
                contact_id=ids["contact_out"],
                form_version_id=version,
                answers=answers(MIXED),
                calibration_id=ids["calibration_out"],
            ),
            by="u-qa",
        )
        for side, login, evaluation in (
            ("in", "alice", "evaluation_in"),
            ("out", "carol", "evaluation_out"),
        ):
            ids[f"review_{side}"], ids[f"recommendation_{side}"] = seed_recommendation(
                s, login, ids[evaluation]
            )
        set_up_cases(s)
        for side in ("in", "out"):
            ids[f"case_{side}"] = cases_service.open_case(
                session=s,
                data=cases_schemas.CaseIn(
                    case_type="complaint", subject="late refund", contact_id=ids[f"contact_{side}"]
                ),
                by="u-admin",
            ).id
        seed_scope_objects(s, ids)  # knowledge base, known issues, changes
        seed_scope_bids(s, ids)  # a shift bid at each site
        seed_voice_objects(s, ids)  # suggestions, huddles, actions
        for side, site, queue in (("in", "Main", "Sales"), ("out", "Other", "Support")):
            ids[f"wave_{side}"] = capacity_site.add_wave(
                session=s,
                data=capacity_schemas.StoredWaveIn.model_validate(
                    WAVE | {"site": site, "skills": [queue], "queue": queue}
                ),
                by="u-admin",
                scope=org_service.EVERYTHING,
            ).id
        for side, site in (("in", "Main"), ("out", "Other")):
            ids[f"saved_plan_{side}"] = capacity_saved.save_site_plan(
                session=s,
                data=capacity_schemas.SavedSitePlanIn(
                    site=site, first_week=date(2026, 3, 2), weeks=2, name=f"{site} kept"
                ),
                by="u-admin",
                scope=org_service.EVERYTHING,
            ).id
        # one London wave per role and removing route, so each removal has its own to remove
        for route in ("delete", "remove"):
            for role in Role:
                ids[f"wave_{route}_{role.value}"] = capacity_site.add_wave(
                    session=s,
                    data=capacity_schemas.StoredWaveIn.model_validate(
                        WAVE
                        | {
                            "name": f"{route} {role.value}",
                            "site": "Main",
                            "skills": ["Sales"],
                            "queue": "Sales",
                        }
                    ),
                    by="u-admin",
                    scope=org_service.EVERYTHING,
                ).id
        s.commit()
    return scoped
