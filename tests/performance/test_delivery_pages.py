"""Reports delivered, in the browser's pages: the publication rule form with its threshold (bad
thresholds marked on their field, nothing saved), the rule's last delivery and open follow-ups
on the cascade page, the follow-up on the owner's home page until marked done, and the report
page each email links to."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from ccops.db import make_engine, make_session_factory
from ccops.performance import delivery as perf_delivery
from ccops.performance import reports as perf_reports
from ccops.web.app import create_app
from tests.factories.performance import DAY, add_contacts, add_horizon
from tests.factories.web import World, sign_in

RULE = {
    "kpi": "repeat_contact_rate",
    "audience": "centre",
    "rhythm": "daily",
    "target": "0.2",
    "higher_is_better": "false",
    "on_good": "recognition",
    "on_bad": "root_cause_analysis",
    "owner": "u-manager",
    "threshold_direction": "below",
    "threshold": "0.5",
}


def _error(html: str, name: str) -> str:
    found = re.search(
        rf'<p class="error" id="e-{name}"><span aria-hidden="true">✗</span> ([^<]+)<', html
    )
    assert found, f"no error on {name}"
    return html_lib.unescape(found.group(1).strip())


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"threshold": "abc"}, "threshold", "Enter a number."),
        ({"threshold": "1.5"}, "threshold", "A rate's threshold is a fraction from 0 to 1"),
        ({"threshold_direction": ""}, "threshold_direction", "Choose below or above"),
        ({"owner": ""}, "owner", "A threshold needs an owner"),
        ({"owner": "nobody"}, "owner", "No active user signs in with this login"),
        ({"owner": "u-executive"}, "owner", "No active user signs in with this login"),
    ],
)
def test_bad_thresholds_are_marked_on_their_field_and_nothing_is_saved(
    world: World, change: dict[str, str], field: str, message: str
) -> None:
    client = TestClient(create_app(world.settings), follow_redirects=False)
    csrf = sign_in(client, "u-manager")
    response = client.post("/performance/publications", data={**RULE, **change, "csrf_token": csrf})
    assert response.status_code == 422
    assert _error(response.text, field).startswith(message)
    assert f'name="{field}"' in response.text  # the form comes back with the input kept
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        assert perf_reports.list_publications(session=s) == []
    engine.dispose()


def test_a_crossed_threshold_shows_on_the_rule_and_the_owners_home_until_done(
    world: World,
) -> None:
    client = TestClient(create_app(world.settings), follow_redirects=False)
    csrf = sign_in(client, "u-manager")
    saved = client.post("/performance/publications", data={**RULE, "csrf_token": csrf})
    assert saved.status_code == 303, saved.text
    page = client.get("/performance/cascade").text
    assert "below 0.5" in page and "not yet" in page
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        add_contacts(s, login="alice", day=DAY, answered=200, repeats=80)
        add_horizon(s, DAY + timedelta(days=30))
        now = datetime.combine(DAY + timedelta(days=1), datetime.min.time(), UTC)
        [out] = perf_delivery.deliver_due(session=s, now=now + timedelta(hours=6))
        s.commit()
    engine.dispose()
    assert out.follow_up is not None
    task = out.follow_up
    page = client.get("/performance/cascade").text
    row = page[page.index(f'data-publication="{out.publication_id}"') :]
    row = row[: row.index("</tr>")]
    assert 'data-follow-ups="1"' in row
    assert "/performance/reports/centre?first=2026-01-05&amp;last=2026-01-05" in row
    home = client.get("/").text
    assert f'data-follow-up="{task.action_id}"' in home
    report = client.get("/performance/reports/centre?first=2026-01-05&last=2026-01-05")
    assert report.status_code == 200
    assert "40.0%" in report.text and "33.5%–46.9%" in report.text
    done = client.post(f"/performance/follow-ups/{task.action_id}/done", data={"csrf_token": csrf})
    assert done.status_code == 303
    assert 'data-follow-up="' not in client.get("/").text
    assert 'data-follow-ups="0"' in client.get("/performance/cascade").text


def test_someone_elses_follow_up_cannot_be_marked_done(world: World) -> None:
    engine = make_engine(world.settings.resolved_database_url())
    with make_session_factory(engine)() as s:
        from ccops.performance import schemas as ps

        perf_reports.set_publication(
            session=s,
            data=ps.PublicationIn(
                kpi="repeat_contact_rate",
                audience=ps.Audience.centre,
                rhythm=ps.Rhythm.daily,
                owner="u-manager",
                threshold=0.5,
                threshold_direction=ps.ThresholdDirection.below,
            ),
        )
        add_contacts(s, login="alice", day=DAY, answered=200, repeats=80)
        add_horizon(s, DAY + timedelta(days=30))
        now = datetime.combine(DAY + timedelta(days=1), datetime.min.time(), UTC)
        [out] = perf_delivery.deliver_due(session=s, now=now)
        s.commit()
    engine.dispose()
    assert out.follow_up is not None
    client = TestClient(create_app(world.settings), follow_redirects=False)
    csrf = sign_in(client, "u-admin")
    refused = client.post(
        f"/performance/follow-ups/{out.follow_up.action_id}/done", data={"csrf_token": csrf}
    )
    assert refused.status_code == 403
