"""The import page takes a Genesys Cloud conversation-details export (issue #15, connectors):
the format is offered by name, the report counts what was stored and the API lists it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.plugins.browser import Browse, submit

pytestmark = pytest.mark.browser

QUEUE = "Genesys Inbound"


def _acd(start: str, end: str, disconnect: str) -> dict[str, object]:
    segment = {
        "segmentStart": start,
        "segmentEnd": end,
        "segmentType": "interact",
        "queueId": "q-gi",
        "disconnectType": disconnect,
    }
    return {"purpose": "acd", "participantName": QUEUE, "sessions": [{"segments": [segment]}]}


def _export(path: Path) -> None:
    answered = {
        "conversationId": "gc-page-1",
        "conversationStart": "2024-03-04T10:00:00.000Z",
        "conversationEnd": "2024-03-04T10:05:00.000Z",
        "participants": [
            _acd("2024-03-04T10:00:00.000Z", "2024-03-04T10:00:12.000Z", "transfer"),
            {
                "purpose": "agent",
                "participantName": "gc-agent",
                "sessions": [
                    {
                        "segments": [
                            {
                                "segmentStart": "2024-03-04T10:00:12.000Z",
                                "segmentEnd": "2024-03-04T10:04:12.000Z",
                                "segmentType": "interact",
                                "queueId": "q-gi",
                            }
                        ]
                    }
                ],
            },
        ],
    }
    abandoned = {
        "conversationId": "gc-page-2",
        "conversationStart": "2024-03-04T10:01:00.000Z",
        "conversationEnd": "2024-03-04T10:01:50.000Z",
        "participants": [_acd("2024-03-04T10:01:05.000Z", "2024-03-04T10:01:50.000Z", "peer")],
    }
    path.write_text(json.dumps({"conversations": [answered, abandoned]}, indent=2), "utf-8")


def test_import_a_genesys_export_from_the_page(browse: Browse, tmp_path: Path) -> None:
    export = tmp_path / "genesys-details.json"
    _export(export)
    page = browse.page()
    browse.sign_in(page, "admin")
    page.goto(browse.server.url + "/import")
    page.get_by_label("What the file holds").select_option("contacts")
    page.locator("#f-file").set_input_files(export)
    option = page.locator('#f-format option[value="genesys-cloud-conversations"]')
    assert option.inner_text() == "genesys-cloud-conversations · Genesys Cloud conversation details"
    page.get_by_label("Format").select_option("genesys-cloud-conversations")
    page.get_by_label("Site", exact=True).select_option("London")
    page.get_by_label("Create missing queues and agents").check()
    submit(page, page.get_by_role("button", name="Import", exact=True))
    report = page.locator("#import-report")
    assert page.locator("#import-accepted").is_visible()
    assert report.locator('[data-count="rows_read"]').inner_text() == "2"
    assert report.locator('[data-count="inserted"]').inner_text() == "2"
    assert report.locator('[data-count="rejected"]').inner_text() == "0"
    browse.shot(page, "import-genesys", full_page=True)
    listed = browse.api(page, "/api/v1/contacts", queue=QUEUE, **{"from": "2024-03-04T00:00:00Z"})
    assert sorted(
        (c["external_id"], c["outcome"], c["wait_s"], c["talk_s"], c["agent"]) for c in listed
    ) == [
        ("gc-page-1", "answered", 12.0, 240.0, "gc-agent"),
        ("gc-page-2", "abandoned", 45.0, 0.0, None),
    ]
