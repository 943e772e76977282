"""CLI tables in an 80-column terminal: every heading and value whole, wrapped if need be."""

from __future__ import annotations

import pytest
from rich.console import Console

from ccops import cli_support

COLUMNS = [
    "queue",
    "interval_start",
    "offered",
    "answered",
    "abandoned",
    "service_level",
    "asa_s",
    "aht_s",
    "occupancy",
]


def test_a_wide_table_wraps_in_80_columns_and_cuts_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    narrow = Console(width=80, record=True, force_terminal=False)
    monkeypatch.setattr(cli_support, "console", narrow)
    row = {c: f"{c}-value" for c in COLUMNS} | {"queue": "Premium business customers"}
    cli_support.print_table("KPIs", [row], COLUMNS)
    text = narrow.export_text()
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= 80
    shown = sorted(ch for ch in text if ch.isalnum())  # wrapped lines interleave the columns:
    written = sorted(ch for ch in "".join(COLUMNS) + "".join(row.values()) + "KPIs" if ch.isalnum())
    assert shown == written  # every letter of every heading and value is printed, none cut
