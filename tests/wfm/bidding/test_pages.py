"""The shift bids page: an agent sees the bid's rule, the lines open to them and ranks them from
a phone-sized form; the API then shows the ranking."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from ccops.engines import bidding as engine
from ccops.settings import Settings
from ccops.wfm.bidding.models import ShiftBid
from tests.wfm.allowances.test_routes import _client, _tokens
from tests.wfm.bidding.test_routes import _body


def test_an_agent_ranks_lines_on_the_bids_page(session: Session, settings: Settings) -> None:
    tokens = _tokens(session)
    planner, alice = _client(settings, tokens["u-plan"]), _client(settings, tokens["u-alice"])
    bid = planner.post("/api/v1/bids", json=_body()).json()
    page = alice.get("/bids")
    assert page.status_code == 200
    assert "day 08:00 Mon Tue Wed" in page.text and "lottery" in page.text
    assert f'id="rank-{bid["id"]}"' in page.text
    second = bid["lines"][1]["id"]
    done = alice.post(f"/bids/{bid['id']}/ranking", data={"choice-1": str(second)})
    assert done.status_code == 303 and done.headers["location"] == f"/bids#bid-{bid['id']}"
    assert alice.get(f"/api/v1/bids/{bid['id']}").json()["my_ranking"] == [second]
    listing = planner.get("/bids")
    assert listing.status_code == 200 and f'id="rank-{bid["id"]}"' not in listing.text


def test_the_bid_page_shows_rankings_the_award_and_each_agents_place(
    session: Session, settings: Settings
) -> None:
    tokens = _tokens(session)
    planner, alice = _client(settings, tokens["u-plan"]), _client(settings, tokens["u-alice"])
    bid = planner.post("/api/v1/bids", json=_body()).json()
    first, second = bid["lines"][0]["id"], bid["lines"][1]["id"]
    assert (
        alice.post(f"/bids/{bid['id']}/ranking", data={"choice-1": str(second)}).status_code == 303
    )
    page = planner.get(f"/bids/{bid['id']}")
    assert page.status_code == 200
    assert 'data-ranking="alice"' in page.text and "1. day 09:00 Wed Thu Fri" in page.text
    assert 'id="award-form"' not in page.text  # not closed yet
    early = planner.post(f"/bids/{bid['id']}/award")
    assert early.status_code == 303 and early.headers["location"] == f"/bids/{bid['id']}"
    session.execute(
        update(ShiftBid)
        .where(ShiftBid.id == bid["id"])
        .values(closes_at=datetime.now(UTC) - timedelta(minutes=1))
    )
    session.commit()
    assert 'id="award-form"' in planner.get(f"/bids/{bid['id']}").text
    done = planner.post(f"/bids/{bid['id']}/award")
    assert done.status_code == 303 and done.headers["location"] == f"/bids/{bid['id']}#award"
    order = engine.priority_order(
        [engine.Bidder(x, None, ()) for x in ("alice", "bob", "carol")], rule="lottery", seed=7
    )
    place = order.index("alice") + 1
    page = planner.get(f"/bids/{bid['id']}")
    row = re.search(
        r'<tr data-award="alice" data-position="(\d+)" data-line-id="(\d*)">', page.text
    )
    assert row is not None and row.groups() == (str(place), str(second))
    assert "lottery with seed 7" in page.text
    assert 'data-award="bob"' in page.text and 'id="apply"' in page.text
    mine = alice.get(f"/bids/{bid['id']}")
    assert mine.status_code == 200
    assert "<dd data-my-line>day 09:00 Wed Thu Fri</dd>" in mine.text
    assert f"<dd data-my-position>{place} of 3</dd>" in mine.text
    assert 'data-award="bob"' not in mine.text and 'id="apply"' not in mine.text
    assert first != second
    assert alice.post(f"/bids/{bid['id']}/award").status_code == 403
    assert alice.get("/bids/9999").status_code == 404
    refused = planner.post(f"/bids/{bid['id']}/apply", data={"schedule_id": ""})
    assert refused.status_code == 303 and refused.headers["location"].endswith("#apply")
