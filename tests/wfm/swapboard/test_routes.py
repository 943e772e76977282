"""The swap board over the API: a post on a day without a published shift is refused naming the
day, the board of an agent without posts is empty, and an unknown post is a 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ccops.settings import Settings
from ccops.wfm.swapboard.models import SwapPost
from tests.wfm.allowances.test_routes import _client, _tokens


def test_the_swap_board_over_the_api(session: Session, settings: Settings) -> None:
    tokens = _tokens(session)
    alice, planner = _client(settings, tokens["u-alice"]), _client(settings, tokens["u-plan"])
    day = (datetime.now(UTC) + timedelta(days=9)).date().isoformat()
    bad = alice.post("/api/v1/swaps", json={"day": day, "kind": "give"})
    assert bad.status_code == 422 and f"no published shift on {day}" in bad.text
    assert alice.post("/api/v1/swaps", json={"day": day, "kind": "sell"}).status_code == 422
    assert session.scalar(select(func.count(SwapPost.id))) == 0
    assert alice.get("/api/v1/swaps").json() == []
    assert planner.get("/api/v1/swaps").json() == []  # a planner without a person posts nothing
    assert alice.post("/api/v1/swaps/999/take").status_code == 404
