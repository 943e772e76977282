"""The demo centre's open shift bid: London's lines, open until a week after the demo's end,
three rankings already in, awarded by seniority."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ccops.wfm.bidding import service
from tests.plugins.demo import DEMO_END


def test_demo_has_an_open_bid_with_rankings(demo_url: str) -> None:
    engine = sa.create_engine(demo_url)
    with Session(engine) as session:
        [bid] = service.list_bids(session=session)
    engine.dispose()
    end = date.fromisoformat(DEMO_END)
    assert (bid.site, bid.status, bid.rule, bid.rankings) == ("London", "open", "seniority", 3)
    assert bid.closes_at == datetime.combine(end + timedelta(days=7), time(17), UTC)
    assert len(bid.lines) == 5 and bid.lines[0].label == "early 07:00 Mon Tue Wed Thu Fri"
