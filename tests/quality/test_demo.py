"""The demo centre's quality data: a form with two versions, evaluations, sample, calibration,
disputes; built the same way every time."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ccops.db import make_engine, make_session_factory
from ccops.org.models import Person, User
from ccops.quality import calibration as qa_calibration
from ccops.quality import disputes as qa_disputes
from ccops.quality import evaluations as qa_evaluations
from ccops.quality import forms as qa_forms
from ccops.quality import sampling as qa_sampling


def test_demo_has_versions_evaluations_a_sample_a_calibration_and_disputes(
    demo_url: str,
) -> None:
    engine = make_engine(demo_url)
    with make_session_factory(engine)() as s:
        _check(s)
    engine.dispose()


def _check(s: Session) -> None:
    (form,) = qa_forms.list_forms(session=s)
    assert [(v.version, v.active) for v in form.versions] == [(1, False), (2, True)]
    evaluations = qa_evaluations.list_evaluations(session=s)
    assert {e.form_version for e in evaluations} == {1, 2}
    assert (
        len(evaluations) == qa_evaluations.count_evaluations(session=s) - 12
    )  # 4 contacts x 3 calibrators
    (calibration,) = qa_calibration.list_calibrations(session=s)
    assert calibration.evaluators == ["qa", "qa.senior", "tl.billing1"]
    assert len(calibration.contact_ids) == 4
    assert calibration.total_alpha is not None
    disputes = qa_disputes.list_disputes(session=s)
    assert [d.status for d in disputes] == ["amended", "open"]
    user = s.query(User).filter(User.login == "agent").one()
    agent = s.get(Person, user.person_id)
    assert agent is not None and all(d.person == agent.login for d in disputes)
    (sample,) = qa_sampling.list_samples(session=s)
    assert sample.person == agent.login and len(sample.contacts) == 6
    assert all(c.evaluation_id is None for c in sample.contacts)
