"""`ccops swaps ...`: the board a person sees, taking a post (approved into a new published
version), every post for planners, a post in the past and an unknown post refused with an exit
code and nothing stored, withdrawing one's own post."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cli import app
from ccops.wfm.swapboard import schemas, service
from ccops.wfm.swapboard.models import SwapPost
from tests.wfm.requests.test_service import published  # noqa: F401  (the fixture)
from tests.wfm.swapboard.test_service import MON, NOW, TUE, _pid


@pytest.mark.usefixtures("published")
def test_the_swap_board_from_the_command_line(session: Session, cli: CliRunner) -> None:
    post = service.create(
        session=session,
        person_id=_pid(session, "alice"),
        data=schemas.PostIn(day=MON, kind="give", note="family"),
        now=NOW,
    )
    other = service.create(
        session=session,
        person_id=_pid(session, "alice"),
        data=schemas.PostIn(day=TUE, kind="give"),
        now=NOW,
    )
    session.commit()
    # the days are behind today: posting another is refused, nothing stored
    late = cli.invoke(app, ["swaps", "post", "bob", "--day", MON.isoformat()])
    assert late.exit_code != 0 and "is in the past" in late.output
    assert session.scalar(select(func.count(SwapPost.id))) == 2
    board = cli.invoke(app, ["swaps", "board", "carol", "--json"])
    assert board.exit_code == 0, board.output
    assert [p["id"] for p in json.loads(board.stdout)] == [post.id]  # carol works Tuesday
    bobs = json.loads(cli.invoke(app, ["swaps", "board", "bob", "--json"]).stdout)
    assert [p["id"] for p in bobs] == [other.id]  # bob works Monday
    taken = cli.invoke(app, ["swaps", "take", str(post.id), "carol", "--json"])
    assert taken.exit_code == 0, taken.output
    out = json.loads(taken.stdout)
    assert out["status"] == "approved" and out["taker"] == "carol" and out["schedule_id"]
    again = cli.invoke(app, ["swaps", "take", str(post.id), "carol"])
    assert again.exit_code != 0 and f"post {post.id} is approved" in again.output
    unknown = cli.invoke(app, ["swaps", "take", "999", "carol"])
    assert unknown.exit_code != 0 and "post 999 does not exist" in unknown.output
    gone = cli.invoke(app, ["swaps", "withdraw", str(other.id), "alice", "--json"])
    assert gone.exit_code == 0 and json.loads(gone.stdout)["status"] == "withdrawn"
    listed = json.loads(cli.invoke(app, ["swaps", "list", "--json"]).stdout)
    assert [(p["id"], p["status"]) for p in listed] == [
        (other.id, "withdrawn"),
        (post.id, "approved"),
    ]
