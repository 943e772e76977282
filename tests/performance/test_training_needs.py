"""Training needs from results: QA items a team or a person scores clearly below the pass mark
(t interval of the share earned), and the development notes of the team's people."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from scipy import stats as sp_stats
from sqlalchemy.orm import Session

from ccops.org import service as org_service
from ccops.performance import coaching as perf_coaching
from ccops.performance import schemas as s
from ccops.quality import evaluations as qa_evaluations
from ccops.quality import schemas as qs
from ccops.settings import Settings
from tests.factories.quality import ALL_TOP, MIXED, answers, make_centre

ALL = org_service.EVERYTHING
DAY = date(2026, 11, 2)


def _t_interval(values: list[float]) -> tuple[float, float, float]:
    x = np.array(values)
    half = sp_stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return float(x.mean()), float(x.mean() - half), float(x.mean() + half)


def _seed(session: Session) -> dict[str, Any]:
    centre = make_centre(session)
    version = centre["form"].versions[-1].id
    plan = [("zoe", MIXED, 10), ("amy", ALL_TOP, 2), ("ben", ALL_TOP, 3)]
    for login, pattern, count in plan:
        for contact_id in centre["contacts"][login][:count]:
            qa_evaluations.evaluate(
                session=session,
                data=qs.EvaluationIn(
                    contact_id=contact_id, form_version_id=version, answers=answers(pattern)
                ),
                by="qa1",
            )
    perf_coaching.create_note(
        session=session,
        data=s.NoteIn(
            person="zoe", kind=s.NoteKind.training_need, text="Identity checks", written_on=DAY
        ),
        written_by="lead",
        scope=ALL,
    )
    session.flush()
    return centre


def test_a_teams_training_topics_are_the_items_clearly_below_the_pass_mark(
    session: Session,
) -> None:
    _seed(session)
    red = perf_coaching.team_training_needs(
        session=session, team="Red", first=DAY, last=DAY, scope=ALL
    )
    items = {i.item: i for i in red.items}
    assert [i.item for i in red.items] == ["greet", "verify", "accuracy", "ownership", "disclosure"]
    expected = {
        "verify": [0.0] * 10 + [100.0] * 2,
        "accuracy": [75.0] * 10 + [100.0] * 2,
        "ownership": [50.0] * 10 + [100.0] * 2,
    }
    for key, shares in expected.items():
        mean, low, high = _t_interval(shares)
        got = items[key]
        assert got.n == 12
        assert got.mean_pct == pytest.approx(mean, rel=1e-12)
        assert got.low_pct == pytest.approx(max(low, 0.0), rel=1e-9)
        assert got.high_pct == pytest.approx(min(high, 100.0), rel=1e-9)
        assert got.training_need == (high < 80.0), key
    assert {k for k, i in items.items() if i.training_need} == {"verify", "ownership"}
    assert items["greet"].mean_pct == 100.0 and not items["greet"].training_need
    assert items["verify"].low_pct == 0.0  # the t interval (-8.1 to 41.4) is cut at 0
    assert [(n.person, n.text) for n in red.notes] == [("zoe", "Identity checks")]
    blue = perf_coaching.team_training_needs(
        session=session, team="Blue", first=DAY, last=DAY, scope=ALL
    )
    assert all(i.n == 3 and i.mean_pct is None and "too few" in i.note for i in blue.items)
    assert blue.notes == []
    ben = perf_coaching.person_training_needs(
        session=session, login="ben", first=DAY, last=DAY, scope=ALL
    )
    assert [i.n for i in ben.items] == [3] * 5


def test_the_team_page_and_the_api_show_the_same_training_topics(
    settings: Settings, session: Session, admin_client: TestClient
) -> None:
    _seed(session)
    session.commit()
    api = admin_client.get(
        "/api/v1/performance/teams/Red/training-needs",
        params={"first": DAY.isoformat(), "last": DAY.isoformat()},
    )
    assert api.status_code == 200, api.text
    needs = sorted(i["item"] for i in api.json()["items"] if i["training_need"])
    assert needs == ["ownership", "verify"]
    page = admin_client.get("/performance/teams/Red", params={"last": DAY.isoformat()})
    assert page.status_code == 200
    assert page.text.count('data-need="yes"') == 2
    assert "Identity checks" in page.text
    bad = admin_client.get("/api/v1/performance/teams/Nobody/training-needs")
    assert bad.status_code == 404
