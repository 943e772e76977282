"""The suggestion box: anonymous ones keep no author, decisions in time, adopted ones become
recognition, monthly counts per site."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.errors import Conflict, NotFound
from ccops.performance.models import Recognition
from ccops.voice import schemas, suggestions
from ccops.voice.models import Suggestion
from tests.factories.voice import build_org

DAY = date(2026, 11, 3)


def test_anonymous_suggestion_keeps_no_author_and_is_followed_by_receipt(session: Session) -> None:
    build_org(session, {"Team A": ("Main", 2)})
    out = suggestions.submit(
        session=session,
        data=schemas.SuggestionIn(title="Quiet room", text="A room for breaks", anonymous=True),
        author_login="teama-0",
        today=DAY,
    )
    assert out.author is None and out.anonymous and out.receipt
    row = session.get_one(Suggestion, out.id)
    assert row.author_id is None and out.receipt not in (row.receipt_hash or "")
    assert suggestions.follow(session=session, receipt=out.receipt).title == "Quiet room"
    with pytest.raises(NotFound, match="receipt"):
        suggestions.follow(session=session, receipt="nope")
    # adopted anonymously: rewarded but no recognition can name anyone
    adopted = suggestions.decide(
        session=session,
        suggestion_id=out.id,
        data=schemas.DecisionIn(decision="adopted", reason="cheap", reward="voucher"),
        by="manager",
        today=DAY + timedelta(days=3),
    )
    assert adopted.recognition_id is None and adopted.answered_in_time is True


def test_adoption_records_recognition_and_monthly_counts_answers_in_time(
    session: Session,
) -> None:
    build_org(session, {"Team A": ("Main", 2), "Team C": ("Other", 1)})

    def new(title: str, who: str, day: date) -> int:
        return suggestions.submit(
            session=session,
            data=schemas.SuggestionIn(title=title, text="..."),
            author_login=who,
            today=day,
        ).id

    a = new("Macro for refunds", "teama-0", DAY)
    b = new("Longer wrap", "teama-1", DAY)
    c = new("Night shuttle", "teamc-0", DAY)
    out = suggestions.decide(
        session=session,
        suggestion_id=a,
        data=schemas.DecisionIn(decision="adopted", reason="saves time", reward="gift card"),
        by="manager",
        today=DAY + timedelta(days=5),
    )
    assert out.status == "adopted" and out.author == "teama-0"
    rec = session.get_one(Recognition, out.recognition_id)
    assert "Macro for refunds" in rec.text and "gift card" in rec.text
    late = suggestions.decide(
        session=session,
        suggestion_id=b,
        data=schemas.DecisionIn(decision="declined", reason="hurts service level"),
        by="manager",
        today=DAY + timedelta(days=20),
    )
    assert late.answered_in_time is False
    with pytest.raises(Conflict, match="declined cannot become adopted"):
        suggestions.decide(
            session=session,
            suggestion_id=b,
            data=schemas.DecisionIn(decision="adopted", reason="changed mind"),
            by="manager",
            today=DAY,
        )
    assert session.get_one(Suggestion, b).status == "declined"
    suggestions.decide(
        session=session,
        suggestion_id=a,
        data=schemas.DecisionIn(decision="implemented", reason="live"),
        by="manager",
        today=DAY + timedelta(days=9),
    )
    months = {(x.site, x.month): x for x in suggestions.monthly(session=session)}
    main = months[("Main", "2026-11")]
    assert (main.submitted, main.answered_in_time, main.adopted) == (2, 1, 1)
    other = months[("Other", "2026-11")]
    assert (other.submitted, other.answered_in_time, other.adopted) == (1, 0, 0)
    assert [
        x.id for x in suggestions.list_suggestions(session=session, author_login="teamc-0")
    ] == [c]
    assert session.scalars(select(Recognition)).all()
