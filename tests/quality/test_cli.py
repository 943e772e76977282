"""`ccops quality ...`: JSON output, exit codes and messages for bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from ccops import cli_support
from ccops.cli import app
from ccops.quality import disputes as qa_disputes
from ccops.quality import evaluations as qa_evaluations
from ccops.quality import schemas
from tests.factories.quality import ALL_TOP, FORM, MIXED, answers, answers_json, make_centre


def test_cli_creates_forms_evaluates_and_reports_scores(
    cli: CliRunner, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # rows are read whole: a console as wide as a desktop terminal, whatever the terminal of
    # the test run (80 columns under xdist, where cells fold)
    monkeypatch.setattr(cli_support, "console", Console(width=160))
    centre: dict[str, Any] = make_centre(session)
    session.commit()
    bad = {**FORM, "name": "Bad"}
    bad["sections"] = [{**FORM["sections"][2], "weight_pct": 40}, *FORM["sections"][:2]]
    bad_file = tmp_path / "bad.json"
    bad_file.write_text(json.dumps(bad))
    result = cli.invoke(app, ["quality", "forms", "create", str(bad_file)])
    assert result.exit_code == 2
    assert "the section weights sum to 110%, not 100%" in result.stderr
    listed = cli.invoke(app, ["quality", "forms", "list", "--json"])
    assert [f["name"] for f in json.loads(listed.stdout)] == ["Standard call"]

    version_id = centre["form"].versions[0].id
    for contact, pattern in zip(centre["contacts"]["zoe"][:2], (ALL_TOP, MIXED), strict=True):
        doc = tmp_path / f"e{contact}.json"
        doc.write_text(
            json.dumps(
                {
                    "contact_id": contact,
                    "form_version_id": version_id,
                    "answers": answers_json(pattern),
                }
            )
        )
        done = cli.invoke(app, ["quality", "evaluate", str(doc), "--by", "qa1", "--json"])
        assert done.exit_code == 0, done.stderr
    off = tmp_path / "off.json"
    off.write_text(
        json.dumps(
            {
                "contact_id": centre["contacts"]["zoe"][3],
                "form_version_id": version_id,
                "answers": answers_json({**ALL_TOP, "greet": 2}),
            }
        )
    )
    refused = cli.invoke(app, ["quality", "evaluate", str(off)])
    assert refused.exit_code == 2
    assert "item 'greet': 2 is not on its scale yes_no (0, 1)" in refused.stderr
    score = cli.invoke(
        app, ["quality", "score", "zoe", "--from", "2026-11-02", "--to", "2026-11-02", "--json"]
    )
    body = json.loads(score.stdout)["score"]
    assert (body["n"], body["mean_pct"], body["passes"]) == (2, 86.25, 1)
    assert body["enough"] is False
    # Two scores 27.5 points apart: the t interval's half-width (12.706 x 19.45 / sqrt 2 = 174.7)
    # is wider than the 0-100 scale, so the summary prints the cut interval and no "±" margin.
    table = cli.invoke(
        app,
        ["quality", "summary", "--from", "2026-11-02", "--to", "2026-11-02"],
        env={"COLUMNS": "250"},
    )
    assert table.exit_code == 0, table.stderr
    zoe = [line for line in table.stdout.splitlines() if "Zoe" in line]
    assert len(zoe) == 1
    assert "86.2 (95% 0.0–100.0), n=2 — too few evaluations: 2 of the 5 needed" in zoe[0]
    assert "±" not in table.stdout
    size = cli.invoke(
        app,
        ["quality", "sample-size", "zoe", "--from", "2026-11-02", "--to", "2026-11-02", "--json"],
    )
    assert json.loads(size.stdout)["population"] == 12
    unknown = cli.invoke(
        app, ["quality", "score", "nobody", "--from", "2026-11-02", "--to", "2026-11-02"]
    )
    assert unknown.exit_code == 3 and "person 'nobody' does not exist" in unknown.stderr


def test_cli_opens_a_calibration_and_decides_a_dispute(
    cli: CliRunner, session: Session, tmp_path: Path
) -> None:
    centre: dict[str, Any] = make_centre(session)
    version_id = centre["form"].versions[0].id
    zoe = centre["contacts"]["zoe"]
    evaluation = qa_evaluations.evaluate(
        session=session,
        data=schemas.EvaluationIn(
            contact_id=zoe[0], form_version_id=version_id, answers=answers(MIXED)
        ),
        by="qa1",
    )
    dispute = qa_disputes.raise_dispute(
        session=session,
        evaluation_id=evaluation.id,
        data=schemas.DisputeIn(reason="verified"),
        by="zoe",
        by_person_id=centre["people"]["zoe"],
    )
    session.commit()
    opened = cli.invoke(
        app,
        [
            "quality",
            "calibration-create",
            "Week 45",
            "--version",
            str(version_id),
            "--contacts",
            f"{zoe[1]},{zoe[2]}",
            "--json",
        ],
    )
    assert opened.exit_code == 0, opened.stderr
    assert json.loads(opened.stdout)["contact_ids"] == [zoe[1], zoe[2]]
    same = cli.invoke(
        app, ["quality", "decide", str(dispute.id), "--comment", "fine", "--by", "qa1"]
    )
    assert same.exit_code == 5 and "a second evaluator decides" in same.stderr
    doc = tmp_path / "amend.json"
    doc.write_text(json.dumps({"answers": answers_json({**MIXED, "verify": 1})}))
    decided = cli.invoke(
        app,
        [
            "quality",
            "decide",
            str(dispute.id),
            "--comment",
            "verified",
            "--amend",
            str(doc),
            "--by",
            "qa2",
            "--json",
        ],
    )
    assert decided.exit_code == 0, decided.stderr
    body = json.loads(decided.stdout)[0]
    assert (body["score_pct"], body["revision"]) == (82.5, 2)
