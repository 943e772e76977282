"""Tables of quality management: versioned evaluation forms, evaluations with their revisions,
samples of contacts to evaluate, calibration sessions and disputes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ccops.db import Base, UTCDateTime, utcnow


class QaForm(Base):
    """An evaluation form; its content lives in immutable, numbered versions."""

    __tablename__ = "qa_form"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    versions: Mapped[list[QaFormVersion]] = relationship(
        order_by="QaFormVersion.version", back_populates="form"
    )


class QaFormVersion(Base):
    """One published version of a form: sections, items, weights and scales (JSON, immutable).

    Publishing a change adds a version and retires the one before; evaluations keep theirs.
    """

    __tablename__ = "qa_form_version"
    __table_args__ = (UniqueConstraint("form_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("qa_form.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    definition_json: Mapped[str] = mapped_column(Text)
    pass_mark_pct: Mapped[float] = mapped_column(Float, default=80.0)
    change_note: Mapped[str] = mapped_column(Text, default="")
    published_by: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    form: Mapped[QaForm] = relationship(back_populates="versions", lazy="joined")


class CalibrationSession(Base):
    """Several evaluators score the same contacts on one form version to measure agreement."""

    __tablename__ = "qa_calibration"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    form_version_id: Mapped[int] = mapped_column(ForeignKey("qa_form_version.id"))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    contacts: Mapped[list[CalibrationContact]] = relationship(
        cascade="all, delete-orphan", order_by="CalibrationContact.contact_id", lazy="selectin"
    )


class CalibrationContact(Base):
    """A contact every evaluator of a calibration session scores."""

    __tablename__ = "qa_calibration_contact"
    __table_args__ = (UniqueConstraint("session_id", "contact_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("qa_calibration.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))


class Evaluation(Base):
    """An evaluation of one contact handled by one person, on one form version.

    Its scores are in revisions: the first by the evaluator, later ones from amended disputes.
    Calibration scores are evaluations with ``calibration_id`` set; they never count towards
    the person's QA score.
    """

    __tablename__ = "qa_evaluation"
    id: Mapped[int] = mapped_column(primary_key=True)
    form_version_id: Mapped[int] = mapped_column(ForeignKey("qa_form_version.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    evaluator: Mapped[str] = mapped_column(String(100))
    calibration_id: Mapped[int | None] = mapped_column(ForeignKey("qa_calibration.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    contact_at: Mapped[datetime] = mapped_column(UTCDateTime())
    score_pct: Mapped[float] = mapped_column(Float)
    critical_failed: Mapped[bool] = mapped_column(Boolean, default=False)
    passed: Mapped[bool] = mapped_column(Boolean, default=False)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    revisions: Mapped[list[EvaluationRevision]] = relationship(
        cascade="all, delete-orphan", order_by="EvaluationRevision.revision", lazy="selectin"
    )
    disputes: Mapped[list[Dispute]] = relationship(order_by="Dispute.id", lazy="selectin")
    form_version: Mapped[QaFormVersion] = relationship(lazy="joined")


class EvaluationRevision(Base):
    """One set of scores of an evaluation; never changed once written (amendments add one)."""

    __tablename__ = "qa_evaluation_revision"
    __table_args__ = (UniqueConstraint("evaluation_id", "revision"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("qa_evaluation.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    scored_by: Mapped[str] = mapped_column(String(100))
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    score_pct: Mapped[float] = mapped_column(Float)
    critical_failed: Mapped[bool] = mapped_column(Boolean, default=False)
    answers: Mapped[list[EvaluationAnswer]] = relationship(
        cascade="all, delete-orphan", order_by="EvaluationAnswer.id", lazy="selectin"
    )


class EvaluationAnswer(Base):
    """The score of one form item in one revision (None with ``not_applicable``)."""

    __tablename__ = "qa_evaluation_answer"
    __table_args__ = (UniqueConstraint("revision_id", "item_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("qa_evaluation_revision.id", ondelete="CASCADE")
    )
    item_key: Mapped[str] = mapped_column(String(64))
    value: Mapped[float | None] = mapped_column(Float)
    not_applicable: Mapped[bool] = mapped_column(Boolean, default=False)
    comment: Mapped[str] = mapped_column(Text, default="")


class Dispute(Base):
    """An agent's objection to an evaluation and the second evaluator's decision."""

    __tablename__ = "qa_dispute"
    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("qa_evaluation.id"), index=True)
    raised_by: Mapped[str] = mapped_column(String(100))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    revision_disputed: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="open")
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_comment: Mapped[str] = mapped_column(Text, default="")
    resulting_revision: Mapped[int | None] = mapped_column(Integer)


class QaSample(Base):
    """A drawn sample of one person's contacts in a period: the QA analyst's worklist."""

    __tablename__ = "qa_sample"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    first_day: Mapped[date]
    last_day: Mapped[date]
    method: Mapped[str] = mapped_column(String(16))
    seed: Mapped[int] = mapped_column(Integer)
    population: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    contacts: Mapped[list[QaSampleContact]] = relationship(
        cascade="all, delete-orphan", order_by="QaSampleContact.id", lazy="selectin"
    )


class QaSampleContact(Base):
    """One contact drawn into a sample, with the stratum (queue and contact type) it came from."""

    __tablename__ = "qa_sample_contact"
    __table_args__ = (UniqueConstraint("sample_id", "contact_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("qa_sample.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"))
    stratum: Mapped[str] = mapped_column(String(200))
