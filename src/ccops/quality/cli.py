"""`ccops quality ...` — evaluation forms, evaluations, sampling, calibration and disputes."""

from __future__ import annotations

import json
import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from ccops.cli_support import console, day_text, handle_errors, print_json, print_table
from ccops.errors import Invalid, Problem
from ccops.quality import schemas
from ccops.relative_days import DAY_HELP

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
ByOpt = Annotated[str, typer.Option("--by", help="Login recorded as the one who acts")]

quality_app = typer.Typer(
    help="Quality management: forms, evaluations, calibration, disputes.", no_args_is_help=True
)
forms_app = typer.Typer(help="Evaluation forms and their versions.", no_args_is_help=True)
quality_app.add_typer(forms_app, name="forms")


def _load(path: Path) -> dict[str, Any]:
    """Read a TOML or JSON document."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise Invalid(f"{path}: cannot read: {exc.strerror}", [Problem("unreadable")]) from None
    try:
        data: dict[str, Any] = (
            json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
        )
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise Invalid(f"{path}: not valid {path.suffix[1:] or 'TOML'}: {exc}") from None
    return data


def _score(s: schemas.ScoreSummary) -> str:
    if s.n == 0:
        return "no evaluations"
    text = f"{s.mean_pct:.1f}"
    if s.margin_pct is not None:
        text += f" ± {s.margin_pct:.1f} (95% {s.low_pct:.1f}–{s.high_pct:.1f})"
    elif s.low_pct is not None and s.high_pct is not None:
        text += f" (95% {s.low_pct:.1f}–{s.high_pct:.1f})"
    text += f", n={s.n}"
    if not s.enough:
        text += f" — {s.note}"
    return text


@forms_app.command("create")
@handle_errors
def form_create(
    path: Annotated[Path, typer.Argument(help="TOML or JSON: name, pass_mark_pct, sections")],
    by: ByOpt = "cli",
    as_json: JsonOpt = False,
) -> None:
    """Create a form (version 1) from a file; weights must sum to 100% per section and overall."""
    from ccops.quality import forms as qa_forms
    from ccops.runtime import unit_of_work

    data = schemas.FormIn.model_validate(_load(path))
    with unit_of_work() as s:
        out = qa_forms.create_form(session=s, data=data, by=by)
    _show_forms([out], as_json)


@forms_app.command("publish")
@handle_errors
def form_publish(
    form_id: int,
    path: Annotated[Path, typer.Argument(help="TOML or JSON of the new version")],
    by: ByOpt = "cli",
    as_json: JsonOpt = False,
) -> None:
    """Publish a change as the form's next version (the previous one is retired)."""
    from ccops.quality import forms as qa_forms
    from ccops.runtime import unit_of_work

    data = schemas.FormVersionIn.model_validate(_load(path))
    with unit_of_work() as s:
        out = qa_forms.publish_version(session=s, form_id=form_id, data=data, by=by)
    _show_forms([out], as_json)


@forms_app.command("retire")
@handle_errors
def form_retire(form_id: int, as_json: JsonOpt = False) -> None:
    """Retire the form's current version."""
    from ccops.quality import forms as qa_forms
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = qa_forms.retire_form(session=s, form_id=form_id)
    _show_forms([out], as_json)


@forms_app.command("list")
@handle_errors
def form_list(as_json: JsonOpt = False) -> None:
    """List forms and their versions."""
    from ccops.quality import forms as qa_forms
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        rows = qa_forms.list_forms(session=s)
    _show_forms(rows, as_json)


def _show_forms(rows: list[schemas.FormOut], as_json: bool) -> None:
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        "Evaluation forms",
        [
            {
                "form": f.name,
                "form_id": f.id,
                "version": v.version,
                "version_id": v.id,
                "status": "in use" if v.active else "retired",
                "items": sum(len(sec.items) for sec in v.sections),
                "pass_mark_pct": v.pass_mark_pct,
            }
            for f in rows
            for v in f.versions
        ],
        ["form", "form_id", "version", "version_id", "status", "items", "pass_mark_pct"],
    )


@quality_app.command("evaluate")
@handle_errors
def evaluate(
    path: Annotated[
        Path, typer.Argument(help="TOML or JSON: contact_id, form_version_id, answers")
    ],
    by: ByOpt = "cli",
    as_json: JsonOpt = False,
) -> None:
    """Score a contact from a file of answers."""
    from ccops.quality import evaluations as qa_evaluations
    from ccops.runtime import unit_of_work

    data = schemas.EvaluationIn.model_validate(_load(path))
    with unit_of_work() as s:
        out = qa_evaluations.evaluate(session=s, data=data, by=by)
    _show_evaluations([out], as_json)


@quality_app.command("evaluations")
@handle_errors
def evaluations(
    person: Annotated[str | None, typer.Option(help="Agent login")] = None,
    first_day: Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD")] = None,
    last_day: Annotated[str | None, typer.Option("--to", help="YYYY-MM-DD")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List evaluations (calibration scores excluded), newest contact first."""
    from ccops.quality import evaluations as qa_evaluations
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        rows = qa_evaluations.list_evaluations(
            session=s,
            person=person,
            first_day=_day(first_day, "--from"),
            last_day=_day(last_day, "--to"),
        )
    _show_evaluations(rows, as_json)


def _show_evaluations(rows: list[schemas.EvaluationOut], as_json: bool) -> None:
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        "Evaluations",
        [
            {
                "id": e.id,
                "person": e.person,
                "contact": e.contact_id,
                "form": f"{e.form} v{e.form_version}",
                "score_pct": f"{e.score_pct:.2f}",
                "result": "critical fail"
                if e.critical_failed
                else ("pass" if e.passed else "below pass mark"),
                "revision": e.revision,
                "disputes": ", ".join(d.status for d in e.disputes),
            }
            for e in rows
        ],
        ["id", "person", "contact", "form", "score_pct", "result", "revision", "disputes"],
    )


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(day_text(value) or value)
    except ValueError:
        raise Invalid(f"{option}: {value!r} is not a date ({DAY_HELP})") from None


def _required_day(value: str, option: str) -> date:
    found = _day(value, option)
    assert found is not None
    return found


@quality_app.command("score")
@handle_errors
def score(
    person: str,
    first_day: Annotated[str, typer.Option("--from", help="YYYY-MM-DD")],
    last_day: Annotated[str, typer.Option("--to", help="YYYY-MM-DD")],
    as_json: JsonOpt = False,
) -> None:
    """A person's QA score with its 95% interval (t for the mean, Wilson for the pass rate)."""
    from ccops.quality import scores as qa_scores
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = qa_scores.person_score(
            session=s,
            person=person,
            first_day=_required_day(first_day, "--from"),
            last_day=_required_day(last_day, "--to"),
        )
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    console.print(f"{out.name} ({out.person}): {_score(out.score)}", highlight=False)


@quality_app.command("summary")
@handle_errors
def summary(
    first_day: Annotated[str, typer.Option("--from", help="YYYY-MM-DD")],
    last_day: Annotated[str, typer.Option("--to", help="YYYY-MM-DD")],
    as_json: JsonOpt = False,
) -> None:
    """QA scores per team with intervals; people in name order, never ranked."""
    from ccops.quality import scores as qa_scores
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = qa_scores.summary(
            session=s,
            first_day=_required_day(first_day, "--from"),
            last_day=_required_day(last_day, "--to"),
        )
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    rows = []
    for t in out.teams:
        rows.append({"team": t.team, "person": "(team)", "qa_score": _score(t.score)})
        rows.extend(
            {"team": t.team, "person": p.name, "qa_score": _score(p.score)} for p in t.people
        )
    print_table("QA summary (people by name)", rows, ["team", "person", "qa_score"])


@quality_app.command("sample-size")
@handle_errors
def sample_size(
    person: str,
    first_day: Annotated[str, typer.Option("--from", help="YYYY-MM-DD")],
    last_day: Annotated[str, typer.Option("--to", help="YYYY-MM-DD")],
    margin: Annotated[float, typer.Option(help="Margin of error, points of 100")] = 5.0,
    as_json: JsonOpt = False,
) -> None:
    """Evaluations needed for a margin of error on a person's mean QA score."""
    from ccops.quality import sampling as qa_sampling
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = qa_sampling.sample_size(
            session=s,
            person=person,
            first_day=_required_day(first_day, "--from"),
            last_day=_required_day(last_day, "--to"),
            margin_pct=margin,
        )
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    console.print(
        f"{out.person}: {out.n_required} evaluations of {out.population} contacts for "
        f"±{out.margin_pct:g} points ({out.formula}; z={out.z:.4f}, s={out.sd_pct:.2f} "
        f"{out.sd_source}, n0={out.n_infinite:.2f}); evaluated {out.evaluated}, "
        f"still needed {out.still_needed}",
        highlight=False,
    )


@quality_app.command("sample")
@handle_errors
def sample(
    person: str,
    first_day: Annotated[str, typer.Option("--from", help="YYYY-MM-DD")],
    last_day: Annotated[str, typer.Option("--to", help="YYYY-MM-DD")],
    method: Annotated[str, typer.Option(help="stratified or random")] = "stratified",
    size: Annotated[int | None, typer.Option(help="Contacts (default: the margin's need)")] = None,
    margin: Annotated[float, typer.Option(help="Margin of error, points of 100")] = 5.0,
    seed: Annotated[int, typer.Option(help="Random seed")] = 1,
    by: ByOpt = "cli",
    as_json: JsonOpt = False,
) -> None:
    """Draw a seeded sample of a person's handled contacts to evaluate."""
    from ccops.quality import sampling as qa_sampling
    from ccops.runtime import unit_of_work

    data = schemas.SampleIn.model_validate(
        {
            "person": person,
            "first_day": first_day,
            "last_day": last_day,
            "method": method,
            "size": size,
            "margin_pct": margin,
            "seed": seed,
        }
    )
    with unit_of_work() as s:
        out = qa_sampling.draw_sample(session=s, data=data, by=by)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    print_table(
        f"Sample {out.id} of {out.person} ({out.method}, seed {out.seed})",
        [c.model_dump(mode="json") for c in out.contacts],
        ["contact_id", "stratum", "arrival_at", "evaluation_id"],
    )


@quality_app.command("calibration")
@handle_errors
def calibration(calibration_id: int, as_json: JsonOpt = False) -> None:
    """Agreement of a calibration session (Krippendorff's alpha on totals and per item)."""
    from ccops.quality import calibration as qa_calibration
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        out = qa_calibration.calibration_report(session=s, calibration_id=calibration_id)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    alpha = "—" if out.total_alpha is None else f"{out.total_alpha:.3f}"
    console.print(f"{out.name}: alpha on totals (interval) {alpha} — {out.interpretation}")
    print_table(
        "Items",
        [i.model_dump(mode="json") for i in out.items],
        ["item", "level", "alpha", "contacts_disagreeing", "contacts_rated", "max_spread"],
    )


@quality_app.command("disputes")
@handle_errors
def disputes(
    open_only: Annotated[bool, typer.Option("--open", help="Only undecided ones")] = False,
    as_json: JsonOpt = False,
) -> None:
    """List disputes, oldest first."""
    from ccops.quality import disputes as qa_disputes
    from ccops.runtime import unit_of_work

    with unit_of_work() as s:
        rows = qa_disputes.list_disputes(session=s, open_only=open_only)
    if as_json:
        print_json([r.model_dump(mode="json") for r in rows])
        return
    print_table(
        "Disputes",
        [r.model_dump(mode="json") for r in rows],
        ["id", "evaluation_id", "person", "status", "raised_by", "decided_by", "reason"],
    )


@quality_app.command("calibration-create")
@handle_errors
def calibration_create(
    name: str,
    version: Annotated[int, typer.Option("--version", help="Form version id (in use)")],
    contacts: Annotated[str, typer.Option(help="Contact ids, comma-separated")],
    by: ByOpt = "cli",
    as_json: JsonOpt = False,
) -> None:
    """Open a calibration session: every evaluator scores the same contacts."""
    from ccops.quality import calibration as qa_calibration
    from ccops.runtime import unit_of_work

    try:
        ids = [int(c) for c in contacts.split(",") if c.strip()]
    except ValueError:
        raise Invalid(f"--contacts: {contacts!r} is not a list of contact ids") from None
    data = schemas.CalibrationIn(name=name, form_version_id=version, contact_ids=ids)
    with unit_of_work() as s:
        out = qa_calibration.create_calibration(session=s, data=data, by=by)
    if as_json:
        print_json(out.model_dump(mode="json"))
        return
    console.print(f"calibration session {out.id} {out.name!r}: contacts {out.contact_ids}")


@quality_app.command("decide")
@handle_errors
def decide(
    dispute_id: int,
    comment: Annotated[str, typer.Option(help="Reason for the decision")],
    amend: Annotated[
        Path | None, typer.Option(help="TOML or JSON with the amended answers (else uphold)")
    ] = None,
    by: ByOpt = "cli",
    as_json: JsonOpt = False,
) -> None:
    """Decide a dispute as the second evaluator: uphold, or amend with a file of answers."""
    from ccops.quality import disputes as qa_disputes
    from ccops.runtime import unit_of_work

    answers = _load(amend).get("answers") if amend is not None else None
    data = schemas.DecisionIn.model_validate(
        {"decision": "amend" if amend else "uphold", "comment": comment, "answers": answers}
    )
    with unit_of_work() as s:
        out = qa_disputes.decide_dispute(session=s, dispute_id=dispute_id, data=data, by=by)
    _show_evaluations([out], as_json)
