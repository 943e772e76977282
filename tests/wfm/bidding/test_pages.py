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


def _form(**changes: object) -> dict[str, object]:
    closes = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    form: dict[str, object] = {
        "site": "Main",
        "name": "Summer lines",
        "first_day": "2027-06-07",
        "last_day": "2027-08-29",
        "rule": "lottery",
        "seed": "2027",
        "round_no": "0",
        "closes_at": closes,
        "source": "templates",
        "line0_template": "day",
        "line0_start": "08:00",
        "line0_days": ["0", "1", "2"],
        "line0_queues": ["Sales"],
        "line2_template": "day",
        "line2_start": "10:00",
        "line2_days": ["3", "4"],
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def _error(html: str, name: str) -> str:
    found = re.search(
        rf'<p class="error" id="e-{name}"><span aria-hidden="true">✗</span> ([^<]*)', html
    )
    assert found is not None, f"no error beside {name}"
    return found.group(1).strip()


def test_a_planner_opens_a_bid_from_the_form_and_refusals_store_nothing(
    session: Session, settings: Settings
) -> None:
    tokens = _tokens(session)
    planner, alice = _client(settings, tokens["u-plan"]), _client(settings, tokens["u-alice"])
    page = planner.get("/bids/new")
    assert page.status_code == 200 and 'id="bid-form"' in page.text
    assert alice.get("/bids/new").status_code == 403
    assert alice.post("/bids/new", data=_form()).status_code == 403
    past = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    cases = [
        (_form(closes_at=past), "closes_at", "The close is in the past"),
        (_form(seed=""), "seed", "A lottery needs its seed"),
        (_form(line0_start=""), "line0_start", "Required."),
        (_form(line2_days=None), "line2_days", "Tick at least one day."),
        (_form(line0_template=None, line2_template=None), "lines", "Add at least one line"),
        (_form(last_day="2027-06-01"), "last_day", "last_day must be on or after first_day"),
        (_form(line2_queues=["Nowhere"]), "line2_queues", "line 2: no queue Nowhere at this site"),
        (_form(source="schedule", schedule_id=""), "schedule_id", "Choose a schedule version."),
        (_form(source="schedule", schedule_id="999"), "schedule_id", "schedule 999 is not"),
    ]
    for form, field, message in cases:
        refused = planner.post("/bids/new", data=form)
        assert refused.status_code == 400, field
        assert _error(refused.text, field).startswith(message), field
        assert 'value="Summer lines"' in refused.text  # the input is kept
    assert planner.get("/api/v1/bids").json() == []  # nothing stored by any refusal
    done = planner.post("/bids/new", data=_form())
    assert done.status_code == 303
    [bid] = planner.get("/api/v1/bids").json()
    assert done.headers["location"] == f"/bids#bid-{bid['id']}"
    assert (bid["name"], bid["rule"], bid["seed"], bid["first_day"]) == (
        "Summer lines",
        "lottery",
        2027,
        "2027-06-07",
    )
    assert [(x["label"], x["queues"], x["weekly_h"]) for x in bid["lines"]] == [
        ("day 08:00 Mon Tue Wed", ["Sales"], 22.5),
        ("day 10:00 Thu Fri", [], 15.0),
    ]
    listing = planner.get("/bids")
    assert f'id="bid-{bid["id"]}"' in listing.text and 'href="/bids/new"' in listing.text
    assert 'href="/bids/new"' not in alice.get("/bids").text
