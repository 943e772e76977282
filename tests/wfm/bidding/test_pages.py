"""The shift bids page: an agent sees the bid's rule, the lines open to them and ranks them from
a phone-sized form; the API then shows the ranking."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ccops.settings import Settings
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
