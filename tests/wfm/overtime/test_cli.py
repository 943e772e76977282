"""`ccops overtime ...`: the quote's figures, an offer for a week with no published schedule
refused naming the rule (exit code, nothing stored), an empty list, an unknown offer."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops.cli import app
from ccops.wfm.overtime.models import OvertimeOffer
from tests.factories.schedules import make_small_site

OFFER = [
    "overtime",
    "offer",
    "--site",
    "Main",
    "--queue",
    "Sales",
    "--start",
    "2030-03-04T17:00:00+00:00",
    "--end",
    "2030-03-04T19:30:00+00:00",
    "--slots",
    "3",
    "--template",
    "day",
    "--premium",
    "2",
]


@pytest.fixture
def site(session: Session) -> None:
    make_small_site(session)
    session.commit()


@pytest.mark.usefixtures("site")
def test_overtime_cli(session: Session, cli: CliRunner) -> None:
    runner = cli
    quoted = runner.invoke(app, [*OFFER, "--quote", "--json"])
    assert quoted.exit_code == 0, quoted.output
    assert json.loads(quoted.stdout) == {
        "hours": 2.5,
        "cost_per_slot": 100.0,  # 20 per hour × 2.5 h × 2
        "total_cost": 300.0,
    }
    refused = runner.invoke(app, OFFER)
    assert refused.exit_code != 0 and "no published schedule" in refused.output
    assert session.scalar(select(func.count(OvertimeOffer.id))) == 0
    listed = runner.invoke(app, ["overtime", "list", "--json"])
    assert listed.exit_code == 0 and json.loads(listed.stdout) == []
    unknown = runner.invoke(app, ["overtime", "accept", "999", "--login", "alice"])
    assert unknown.exit_code != 0 and "offer 999 does not exist" in unknown.output
