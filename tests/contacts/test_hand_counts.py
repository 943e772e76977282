"""Hand counts against ccops's totals (issue #15, "Done when"): each call log the repository
holds (and the Technion fortnight, beside the checkout) was counted by hand, queue by queue, by
the rules written in docs/planner.md ("Hand counts against ccops"); the file is imported and
ccops's own per-queue KPIs (offered, answered, abandoned) are compared with those counts.

Offered is every call that entered a queue and ended in the file (a call still waiting at the
end of a queue_log is pending, not yet offered); answered includes transferred calls; abandoned is
the caller hanging up in the queue (a timeout or a key pressed is offered but neither)."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from ccops.contacts import imports as contacts_imports
from ccops.contacts.schemas import ImportReport
from ccops.metrics import service as metrics_service
from ccops.metrics.schemas import QueuePeriodKpi
from ccops.settings import Settings
from tests.factories import make_org
from tests.factories.contacts import make_bank
from tests.plugins.data import TECHNION, TEST_DATA, require_shared

Counts = dict[str, tuple[int, int, int]]
"""Queue → (offered, answered, abandoned)."""

HAND_QUEUE_LOG: Counts = {"Sales": (6, 3, 2), "Support": (2, 0, 0)}
"""tests/data/asterisk_queue_log.txt, line by line: Sales .1 answered, .3 and .4 abandoned, .5
answered then transferred, .6 timed out, .8 answered (after a RINGNOANSWER); .10 still waiting
at the end. Support .7 key pressed, .9 empty queue."""

HAND_TECHNION_SAMPLE: Counts = {"PS": (7, 5, 2), "NW": (3, 2, 1), "PE": (1, 1, 0)}
"""tests/data/technion_sample.tsv, row by row (the PHANTOM row and the HANG without a queue are
not offered)."""

HAND_TECHNION_FORTNIGHT: Counts = {
    "PS": (10444, 9707, 737),
    "NW": (3951, 2916, 1035),
    "NE": (1229, 1165, 64),
    "TT": (439, 421, 18),
    "IN": (136, 114, 22),
    "PE": (91, 82, 9),
}
"""The Technion fortnight counted with awk by the rules of the data README beside it (PHANTOM
rows and HANG rows with q_start 0:00:00 dropped; AGENT answered, every other outcome abandoned):
16,290 offered, 14,405 answered, 1,885 abandoned; 143 PHANTOM, 1,023 voice menu only."""

CCOPS_TECHNION_FORTNIGHT_BEFORE: Counts = {
    "PS": (10390, 9653, 737),
    "NW": (3940, 2905, 1035),
    "NE": (1215, 1151, 64),
    "TT": (432, 414, 18),
    "IN": (136, 114, 22),
    "PE": (90, 81, 9),
}
"""What ccops counted with --skip-invalid before issue #15 point 5: 87 answered calls whose service
started before they left the queue (or have no service times) were refused as rows. Now they are
kept with their timing untrusted, and ccops's counts are the hand counts."""

UNTRUSTED_TECHNION_FORTNIGHT = {
    "PS": 54,
    "NW": 11,
    "NE": 14,
    "TT": 7,
    "PE": 1,
}
"""Contacts per queue kept with untrusted timing (all answered): the 87 rows refused before."""


def ccops_counts(settings: Settings, first: date, last: date) -> Counts:
    return {
        r.queue: (r.offered, r.answered, r.abandoned) for r in period_kpis(settings, first, last)
    }


def period_kpis(settings: Settings, first: date, last: date) -> list[QueuePeriodKpi]:
    with metrics_service.source_for_database(settings.resolved_database_url()) as source:
        return metrics_service.queue_period_kpis(source=source, first=first, last=last)


def plain_technion_count(path: Path) -> tuple[Counts, Counter[str]]:
    """The README's counting rules applied to the raw file, without ccops's reader: the queue is
    ``type``; PHANTOM rows and HANG rows with q_start 0:00:00 are not offered; every other row is
    one offered contact, answered when AGENT and abandoned otherwise, whatever its timestamps."""
    offered: Counter[str] = Counter()
    answered: Counter[str] = Counter()
    dropped: Counter[str] = Counter()
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            outcome = row["outcome"].strip()
            if outcome == "PHANTOM":
                dropped["phantom"] += 1
            elif outcome == "HANG" and row["q_start"].strip() == "0:00:00":
                dropped["vru_only"] += 1
            else:
                offered[row["type"]] += 1
                answered[row["type"]] += outcome == "AGENT"
    counts = {q: (n, answered[q], n - answered[q]) for q, n in offered.items()}
    return counts, dropped


def test_the_asterisk_queue_log_gives_the_hand_counts(session: Session, settings: Settings) -> None:
    make_org(session, queues=("Sales", "Support"))
    session.commit()
    report = contacts_imports.import_contacts(
        session=session,
        settings=settings,
        path=TEST_DATA / "asterisk_queue_log.txt",
        format="asterisk-queue-log",
    )
    session.commit()
    assert report.pending_calls == 1  # .10, still waiting when the file ends
    day = date(2024, 1, 15)
    assert ccops_counts(settings, day, day) == HAND_QUEUE_LOG


def test_the_technion_sample_gives_the_hand_counts(session: Session, settings: Settings) -> None:
    make_bank(session)
    session.commit()
    report: ImportReport = contacts_imports.import_contacts(
        session=session,
        settings=settings,
        path=TEST_DATA / "technion_sample.tsv",
        format="technion",
        site="Bank",
    )
    session.commit()
    assert report.skipped == {"phantom": 1, "vru_only": 1}
    # one NW call arrives at 00:00:02 on 2 February (local): both days
    assert ccops_counts(settings, date(1999, 2, 1), date(1999, 2, 2)) == HAND_TECHNION_SAMPLE
    plain, dropped = plain_technion_count(TEST_DATA / "technion_sample.tsv")
    assert plain == HAND_TECHNION_SAMPLE and dropped == {"phantom": 1, "vru_only": 1}


@pytest.mark.slow
def test_the_technion_fortnight_against_its_hand_counts(
    session: Session, settings: Settings
) -> None:
    source = require_shared(TECHNION)
    plain, dropped = plain_technion_count(source)
    assert plain == HAND_TECHNION_FORTNIGHT
    assert dropped == {"phantom": 143, "vru_only": 1023}
    make_bank(session)
    session.commit()
    report = contacts_imports.import_contacts(
        session=session,
        settings=settings,
        path=source,
        format="technion",
        site="Bank",
        create_missing=True,
        skip_invalid=True,
    )
    session.commit()
    kpis = period_kpis(settings, date(1999, 2, 1), date(1999, 2, 15))
    found = {r.queue: (r.offered, r.answered, r.abandoned) for r in kpis}
    # nothing lost: every row of a known outcome is a contact, queue by queue
    assert found == HAND_TECHNION_FORTNIGHT == plain
    assert report.rejected == 0 and report.skipped == {"phantom": 143, "vru_only": 1023}
    # what was refused before is now kept, flagged, and said in the report
    assert report.timing_untrusted == {
        "answer_before_arrival": 4,
        "answer_before_queue_exit": 58,
        "no_answer_time": 25,
    }
    for queue, (offered, answered, _) in HAND_TECHNION_FORTNIGHT.items():
        before = CCOPS_TECHNION_FORTNIGHT_BEFORE[queue]
        assert (
            offered - before[0]
            == answered - before[1]
            == UNTRUSTED_TECHNION_FORTNIGHT.get(queue, 0)
        )
    flagged = {r.queue: r.timing_untrusted for r in kpis if r.timing_untrusted}
    assert flagged == UNTRUSTED_TECHNION_FORTNIGHT
    assert {r.queue: r.answered_timing_untrusted for r in kpis if r.timing_untrusted} == flagged
    assert sum(flagged.values()) == sum(report.timing_untrusted.values()) == 87
