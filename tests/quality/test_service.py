"""Quality services on SQLite and PostgreSQL: exact scores, sampling, calibration, disputes."""

from __future__ import annotations

import math
from datetime import date
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from scipy import stats as sp_stats
from sqlalchemy import select
from sqlalchemy.orm import Session

from ccops.enums import ScopeKind
from ccops.errors import Conflict, Forbidden, Invalid, NotFound
from ccops.org.models import Team
from ccops.org.service import Scope
from ccops.quality import calibration as qa_calibration
from ccops.quality import disputes as qa_disputes
from ccops.quality import evaluations as qa_evaluations
from ccops.quality import forms as qa_forms
from ccops.quality import sampling as qa_sampling
from ccops.quality import schemas
from ccops.quality import scores as qa_scores
from tests.factories.quality import (
    ALL_TOP,
    CRITICAL,
    FORM,
    MIXED,
    WITH_NA,
    answers,
    make_centre,
)

FIRST, LAST = date(2026, 11, 2), date(2026, 11, 2)


@pytest.fixture
def centre(session: Session) -> dict[str, Any]:
    return make_centre(session)


def _evaluate(
    session: Session,
    centre: dict[str, Any],
    contact_id: int,
    pattern: dict[str, int | None],
    *,
    by: str = "qa1",
    version_id: int | None = None,
    calibration_id: int | None = None,
) -> schemas.EvaluationOut:
    return qa_evaluations.evaluate(
        session=session,
        data=schemas.EvaluationIn(
            contact_id=contact_id,
            form_version_id=version_id or centre["form"].versions[-1].id,
            answers=answers(pattern),
            calibration_id=calibration_id,
        ),
        by=by,
    )


# --- scores -----------------------------------------------------------------------------------


def test_scores_follow_weights_na_reweighting_and_critical_items(
    session: Session, centre: dict[str, Any]
) -> None:
    zoe = centre["contacts"]["zoe"]
    top = _evaluate(session, centre, zoe[0], ALL_TOP)
    mixed = _evaluate(session, centre, zoe[1], MIXED)
    with_na = _evaluate(session, centre, zoe[2], WITH_NA)
    critical = _evaluate(session, centre, zoe[3], CRITICAL)

    assert top.score_pct == 100.0
    assert top.passed
    # opening 0.5, resolution 0.6*0.75 + 0.4*0.5 = 0.65, compliance 1:
    # 20*0.5 + 50*0.65 + 30*1 = 72.5
    assert mixed.score_pct == 72.5
    assert not mixed.passed and not mixed.critical_failed
    # verify and ownership N/A give their weight to their section's other item; compliance is
    # wholly N/A and gives its 30 to the other sections: (20*1 + 50*0.75) / 70 * 100 = 575/7
    assert with_na.score_pct == float(Fraction(575, 7))
    assert with_na.passed
    points = {a.item: a.earned_pct for a in with_na.revisions[0].answers}
    assert points["greet"] == pytest.approx(2000 / 70, abs=1e-12)
    assert points["accuracy"] == pytest.approx(3750 / 70, abs=1e-12)
    assert points["verify"] is None and points["disclosure"] is None
    assert sum(p for p in points.values() if p is not None) == pytest.approx(575 / 7, abs=1e-12)
    # a critical "no" fails everything
    assert critical.score_pct == 0.0
    assert critical.critical_failed and not critical.passed


def test_weights_off_100_are_refused_naming_the_section_and_nothing_is_stored(
    session: Session,
) -> None:
    bad = {**FORM, "name": "Bad"}
    bad["sections"] = [dict(s) for s in FORM["sections"]]
    bad["sections"][1] = {
        **FORM["sections"][1],
        "items": [{**FORM["sections"][1]["items"][0], "weight_pct": 50}]
        + FORM["sections"][1]["items"][1:],
    }
    with pytest.raises(Invalid) as caught:
        qa_forms.create_form(session=session, data=schemas.FormIn.model_validate(bad), by="qa1")
    assert "section 'Resolution': the item weights sum to 90%, not 100%" in caught.value.message
    assert caught.value.problems[0].field == "sections[1].items"
    bad_total = {**FORM, "name": "Bad total"}
    bad_total["sections"] = [{**FORM["sections"][0], "weight_pct": 25}, *FORM["sections"][1:]]
    with pytest.raises(Invalid, match="the section weights sum to 105%, not 100%"):
        qa_forms.create_form(
            session=session, data=schemas.FormIn.model_validate(bad_total), by="qa1"
        )
    assert qa_forms.list_forms(session=session) == []


def test_critical_item_must_be_yes_no(session: Session) -> None:
    bad = {**FORM, "name": "Critical scale"}
    bad["sections"] = [
        {
            "key": "s",
            "title": "Only",
            "weight_pct": 100,
            "items": [
                {
                    "key": "x",
                    "text": "X",
                    "scale": "one_to_five",
                    "weight_pct": 100,
                    "critical": True,
                }
            ],
        }
    ]
    with pytest.raises(Invalid, match="section 'Only', item 'x': a critical"):
        qa_forms.create_form(session=session, data=schemas.FormIn.model_validate(bad), by="qa1")


def test_scores_off_the_scale_are_refused_naming_the_item_and_nothing_is_stored(
    session: Session, centre: dict[str, Any]
) -> None:
    contact = centre["contacts"]["zoe"][0]
    with pytest.raises(Invalid) as caught:
        _evaluate(session, centre, contact, {**ALL_TOP, "accuracy": 7})
    assert "item 'accuracy': 7 is not on its scale one_to_five (1, 2, 3, 4, 5)" in str(
        caught.value.message
    )
    assert caught.value.problems[0].field == "answers[2].value"
    with pytest.raises(Invalid, match="item 'greet' may not be marked N/A"):
        _evaluate(session, centre, contact, {**ALL_TOP, "greet": None})
    missing = {k: v for k, v in ALL_TOP.items() if k != "disclosure"}
    with pytest.raises(Invalid, match="item 'disclosure' has no score"):
        _evaluate(session, centre, contact, missing)
    assert qa_evaluations.count_evaluations(session=session) == 0


def test_publishing_makes_a_version_and_a_retired_version_is_refused(
    session: Session, centre: dict[str, Any]
) -> None:
    v1 = centre["form"].versions[0]
    kept = _evaluate(session, centre, centre["contacts"]["zoe"][0], MIXED, version_id=v1.id)
    change = {k: v for k, v in FORM.items() if k != "name"}
    change["sections"] = [
        {**FORM["sections"][0], "weight_pct": 30},
        {**FORM["sections"][1], "weight_pct": 40},
        FORM["sections"][2],
    ]
    form = qa_forms.publish_version(
        session=session,
        form_id=centre["form"].id,
        data=schemas.FormVersionIn.model_validate({**change, "change_note": "more opening"}),
        by="qa1",
    )
    assert [(v.version, v.active) for v in form.versions] == [(1, False), (2, True)]
    with pytest.raises(Conflict) as caught:
        _evaluate(session, centre, centre["contacts"]["zoe"][1], MIXED, version_id=v1.id)
    assert "'Standard call' version 1 was retired" in caught.value.message
    assert f"evaluate on version 2 (id {form.versions[1].id})" in caught.value.message
    assert qa_evaluations.count_evaluations(session=session) == 1
    # the old evaluation keeps its version and score; the same answers on v2 score differently
    again = qa_evaluations.get_evaluation(session=session, evaluation_id=kept.id)
    assert (again.form_version, again.score_pct) == (1, 72.5)
    v2 = _evaluate(
        session, centre, centre["contacts"]["zoe"][1], MIXED, version_id=form.versions[1].id
    )
    assert v2.form_version == 2
    assert v2.score_pct == pytest.approx(30 * 0.5 + 40 * 0.65 + 30, abs=1e-12)


# --- uncertainty and sampling -----------------------------------------------------------------


def test_score_summary_shows_t_interval_wilson_and_too_few(
    session: Session, centre: dict[str, Any]
) -> None:
    zoe = centre["contacts"]["zoe"]
    for contact, pattern in zip(zoe[:3], (ALL_TOP, MIXED, CRITICAL), strict=True):
        _evaluate(session, centre, contact, pattern)
    few = qa_scores.person_score(session=session, person="zoe", first_day=FIRST, last_day=LAST)
    scores = [100.0, 72.5, 0.0]
    sd = float(np.std(scores, ddof=1))
    margin = float(sp_stats.t.ppf(0.975, 2)) * sd / math.sqrt(3)
    assert few.score.n == 3
    assert few.score.mean_pct == pytest.approx(57.5, abs=1e-12)
    assert margin == pytest.approx(4.302652729749464 * sd / math.sqrt(3), rel=1e-12)
    assert few.score.low_pct == 0.0  # clipped at the bottom of the scale
    assert few.score.high_pct == 100.0  # and at the top
    assert few.score.margin_pct is None  # cut at 0: no symmetric "±" to show
    assert not few.score.enough
    assert few.score.note == "too few evaluations: 3 of the 5 needed for a stable score"
    assert few.score.passes == 1
    # Wilson 1/3: (p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)
    z = 1.959963984540054
    p, n = 1 / 3, 3
    centre_w = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert few.score.pass_low == pytest.approx(centre_w - half, rel=1e-9)
    assert few.score.pass_high == pytest.approx(centre_w + half, rel=1e-9)
    nobody = qa_scores.person_score(session=session, person="amy", first_day=FIRST, last_day=LAST)
    assert nobody.score.n == 0 and nobody.score.mean_pct is None
    assert nobody.score.note == "no evaluations"


def test_sample_size_matches_the_formula_by_hand(session: Session) -> None:
    make_centre(session, contacts_per_agent=40)
    out = qa_sampling.sample_size(
        session=session, person="zoe", first_day=FIRST, last_day=LAST, margin_pct=5
    )
    # z = 1.959964, s = 15 (assumed), E = 5: n0 = (1.959964 * 15 / 5)^2 = 34.5731...
    # N = 40: n = 34.5731 / (1 + 33.5731 / 40) = 18.797 -> 19
    assert out.sd_source == "assumed" and out.sd_pct == 15.0
    assert out.population == 40
    assert out.n_infinite == pytest.approx(34.57312938624712, rel=1e-12)
    assert out.n_required == 19
    assert out.still_needed == 19
    n0, n, _z = qa_sampling.required_sample_size(sd_pct=10, margin_pct=2, population=10_000)
    # (1.959964 * 5)^2 = 96.0365; 96.0365 / (1 + 95.0365/10000) = 95.1324 -> 96
    assert n0 == pytest.approx(96.03647051928, rel=1e-10)
    assert n == 96
    # N = 10: 34.5731 / (1 + 33.5731 / 10) = 7.934 -> 8 of the 10
    assert qa_sampling.required_sample_size(sd_pct=15, margin_pct=5, population=10)[1] == 8


def test_samples_are_seeded_and_stratified_by_queue_and_type(
    session: Session, centre: dict[str, Any]
) -> None:
    data = schemas.SampleIn(
        person="zoe", first_day=FIRST, last_day=LAST, method="stratified", size=4, seed=3
    )
    first = qa_sampling.draw_sample(session=session, data=data, by="qa1")
    second = qa_sampling.draw_sample(session=session, data=data, by="qa1")
    assert [c.contact_id for c in first.contacts] == [c.contact_id for c in second.contacts]
    # 12 contacts: 9 Sales voice, 3 Chat chat -> 4 * 9/12 = 3 and 4 * 3/12 = 1
    assert first.strata == {"Chat · chat": 1, "Sales · voice": 3}
    assert first.population == 12
    random = qa_sampling.draw_sample(
        session=session, data=data.model_copy(update={"method": "random"}), by="qa1"
    )
    assert len(random.contacts) == 4
    assert {c.contact_id for c in random.contacts} <= set(centre["contacts"]["zoe"])
    empty = data.model_copy(update={"first_day": date(2026, 1, 1), "last_day": date(2026, 1, 2)})
    with pytest.raises(Invalid, match="zoe has no unevaluated handled contacts"):
        qa_sampling.draw_sample(session=session, data=empty, by="qa1")


# --- calibration ------------------------------------------------------------------------------


def test_calibration_agreement_uses_krippendorff_alpha(
    session: Session, centre: dict[str, Any]
) -> None:
    contacts = centre["contacts"]["amy"][:3]
    calibration = qa_calibration.create_calibration(
        session=session,
        data=schemas.CalibrationIn(
            name="November", form_version_id=centre["form"].versions[-1].id, contact_ids=contacts
        ),
        by="qa1",
    )
    plan = {"qa1": (ALL_TOP, MIXED, MIXED), "qa2": (ALL_TOP, ALL_TOP, MIXED)}
    for evaluator, patterns in plan.items():
        for contact, pattern in zip(contacts, patterns, strict=True):
            _evaluate(
                session, centre, contact, pattern, by=evaluator, calibration_id=calibration.id
            )
    report = qa_calibration.calibration_report(session=session, calibration_id=calibration.id)
    assert report.evaluators == ["qa1", "qa2"]
    assert report.totals[contacts[1]] == {"qa1": 72.5, "qa2": 100.0}
    # interval alpha by hand: values 100 x3, 72.5 x3 (n = 6); one unit differs by 27.5:
    # D_o = 2 * 27.5² / 6, D_e = 2 * 3 * 3 * 27.5² / (6 * 5); alpha = 1 - D_o/D_e = 4/9
    assert report.total_alpha == pytest.approx(4 / 9, abs=1e-12)
    items = {i.item: i for i in report.items}
    # verify (nominal): the same pattern of 1s and 0s: 4/9 as well
    assert items["verify"].level == "nominal"
    assert items["verify"].alpha == pytest.approx(4 / 9, abs=1e-12)
    assert (items["verify"].contacts_disagreeing, items["verify"].contacts_rated) == (1, 3)
    assert items["accuracy"].level == "ordinal" and items["accuracy"].max_spread == 1.0
    assert items["greet"].alpha is None  # every rating the same: alpha undefined
    assert items["greet"].contacts_disagreeing == 0
    deviation = {d.evaluator: d.mean_deviation_pct for d in report.evaluator_deviation}
    assert deviation == {"qa1": pytest.approx(-27.5 / 3), "qa2": pytest.approx(27.5 / 3)}
    assert report.interpretation.startswith("agreement too low")
    # calibration scores never count towards the person's QA score
    assert (
        qa_scores.person_score(
            session=session, person="amy", first_day=FIRST, last_day=LAST
        ).score.n
        == 0
    )
    with pytest.raises(Conflict, match="already scored contact"):
        _evaluate(session, centre, contacts[0], ALL_TOP, by="qa1", calibration_id=calibration.id)


# --- disputes ---------------------------------------------------------------------------------


def test_disputes_own_only_second_evaluator_decides_and_history_stays(
    session: Session, centre: dict[str, Any]
) -> None:
    zoe_id, ben_id = centre["people"]["zoe"], centre["people"]["ben"]
    evaluation = _evaluate(session, centre, centre["contacts"]["zoe"][0], MIXED)
    reason = schemas.DisputeIn(reason="I verified the customer in the chat before the call")
    # someone else's evaluation answers like a missing one: ids reveal nothing
    with pytest.raises(NotFound, match="is not yours: you can dispute only your own"):
        qa_disputes.raise_dispute(
            session=session,
            evaluation_id=evaluation.id,
            data=reason,
            by="ben",
            by_person_id=ben_id,
        )
    dispute = qa_disputes.raise_dispute(
        session=session, evaluation_id=evaluation.id, data=reason, by="zoe", by_person_id=zoe_id
    )
    assert dispute.status == "open" and dispute.revision_disputed == 1
    with pytest.raises(Conflict, match="already has an open dispute"):
        qa_disputes.raise_dispute(
            session=session,
            evaluation_id=evaluation.id,
            data=reason,
            by="zoe",
            by_person_id=zoe_id,
        )
    amend = schemas.DecisionIn(
        decision="amend", comment="identity was verified", answers=answers({**MIXED, "verify": 1})
    )
    with pytest.raises(Forbidden, match="a second evaluator decides"):
        qa_disputes.decide_dispute(session=session, dispute_id=dispute.id, data=amend, by="qa1")
    decided = qa_disputes.decide_dispute(
        session=session, dispute_id=dispute.id, data=amend, by="qa2"
    )
    # opening now 1: 20 + 32.5 + 30 = 82.5, a pass
    assert (decided.score_pct, decided.revision, decided.passed) == (82.5, 2, True)
    assert [(r.revision, r.score_pct, r.scored_by) for r in decided.revisions] == [
        (1, 72.5, "qa1"),
        (2, 82.5, "qa2"),
    ]
    assert decided.disputes[0].status == "amended"
    assert decided.disputes[0].resulting_revision == 2
    with pytest.raises(Conflict, match="already decided"):
        qa_disputes.decide_dispute(session=session, dispute_id=dispute.id, data=amend, by="qa2")
    # a second dispute, upheld, keeps the scores
    second = qa_disputes.raise_dispute(
        session=session, evaluation_id=evaluation.id, data=reason, by="zoe", by_person_id=zoe_id
    )
    upheld = qa_disputes.decide_dispute(
        session=session,
        dispute_id=second.id,
        data=schemas.DecisionIn(decision="uphold", comment="the scores stand"),
        by="qa3",
    )
    assert (upheld.score_pct, upheld.revision) == (82.5, 2)
    assert [d.status for d in upheld.disputes] == ["amended", "upheld"]


def test_scope_limits_evaluation_and_the_summary_lists_people_by_name(
    session: Session, centre: dict[str, Any]
) -> None:
    red = session.scalars(select(Team).where(Team.name == "Red")).one()
    red_only = Scope(
        kind=ScopeKind.teams, site_ids=frozenset({red.site_id}), team_ids=frozenset({red.id})
    )
    with pytest.raises(NotFound, match="does not exist"):  # out of scope: as if missing
        qa_evaluations.evaluate(
            session=session,
            data=schemas.EvaluationIn(
                contact_id=centre["contacts"]["ben"][0],
                form_version_id=centre["form"].versions[-1].id,
                answers=answers(ALL_TOP),
            ),
            by="qa1",
            scope=red_only,
        )
    # zoe scores higher than amy, yet amy (Amy Brown) is listed first: by name, never by score
    for contact in centre["contacts"]["zoe"][:2]:
        _evaluate(session, centre, contact, ALL_TOP)
    _evaluate(session, centre, centre["contacts"]["amy"][0], CRITICAL)
    result = qa_scores.summary(session=session, first_day=FIRST, last_day=LAST, scope=red_only)
    assert [t.team for t in result.teams] == ["Red"]
    assert [p.name for p in result.teams[0].people] == ["Amy Brown", "Zoe Adams"]
    assert result.teams[0].score.n == 3
    assert result.teams[0].score.mean_pct == pytest.approx(200 / 3, abs=1e-12)


def test_a_margin_is_shown_only_while_the_interval_fits_the_scale() -> None:
    # Two scores 30 points apart: the t quantile with one degree of freedom is 12.706, so the
    # interval's half-width is 190.6 points, which a 100-point scale cannot hold.
    wide = qa_scores.summarise([70.0, 100.0], [True, True])
    assert wide.margin_pct is None
    assert (wide.low_pct, wide.high_pct) == (0.0, 100.0)
    # Ten scores in the middle of the scale: the interval fits and "±" is its half-width.
    scores = [80.0, 82.0, 78.0, 85.0, 75.0, 81.0, 79.0, 83.0, 77.0, 80.0]
    narrow = qa_scores.summarise(scores, [True] * 10)
    half = float(sp_stats.t.ppf(0.975, 9)) * float(np.std(scores, ddof=1)) / math.sqrt(10)
    assert narrow.margin_pct == pytest.approx(half, rel=1e-12)
    assert narrow.low_pct == pytest.approx(80.0 - half, rel=1e-12)
    assert narrow.high_pct == pytest.approx(80.0 + half, rel=1e-12)
    assert narrow.margin_pct is not None and narrow.margin_pct <= 50.0
