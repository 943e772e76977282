"""Tables of performance management: scorecards, coaching, reviews, recognition, publication."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ccops.db import Base, UTCDateTime, utcnow


class Scorecard(Base):
    """A balanced scorecard of one level of the cascade (centre, team, position or person)."""

    __tablename__ = "perf_scorecard"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    level: Mapped[str] = mapped_column(String(16))
    position: Mapped[str | None] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("perf_scorecard.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kpis: Mapped[list[ScorecardKpi]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="ScorecardKpi.id"
    )


class ScorecardKpi(Base):
    """One KPI of a scorecard: its perspective, objective, target, benchmark and weight."""

    __tablename__ = "perf_scorecard_kpi"
    __table_args__ = (UniqueConstraint("scorecard_id", "kpi"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("perf_scorecard.id", ondelete="CASCADE"))
    perspective: Mapped[str] = mapped_column(String(32))
    objective: Mapped[str] = mapped_column(String(200))
    kpi: Mapped[str] = mapped_column(String(64))
    target: Mapped[float] = mapped_column(Float)
    higher_is_better: Mapped[bool] = mapped_column(Boolean, default=True)
    benchmark: Mapped[float | None] = mapped_column(Float)
    benchmark_source: Mapped[str | None] = mapped_column(String(200))
    weight_pct: Mapped[float] = mapped_column(Float)


class CoachingSession(Base):
    """A coaching conversation: what was seen, the gap, why, the agreed plan and its follow-up."""

    __tablename__ = "perf_coaching"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    coach: Mapped[str] = mapped_column(String(100))
    held_on: Mapped[date]
    kpi: Mapped[str | None] = mapped_column(String(64))
    reference: Mapped[str | None] = mapped_column(String(200))
    monitoring_points: Mapped[str] = mapped_column(Text)
    gap: Mapped[str] = mapped_column(Text)
    analysis: Mapped[str] = mapped_column(Text)
    action_plan: Mapped[str] = mapped_column(Text)
    agreed_by_person: Mapped[bool] = mapped_column(Boolean, default=False)
    follow_up_on: Mapped[date | None]
    outcome: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Review(Base):
    """A formal performance review with an agreed plan and both sides' sign-off."""

    __tablename__ = "perf_review"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    reviewer: Mapped[str] = mapped_column(String(100))
    period_first: Mapped[date]
    period_last: Mapped[date]
    strengths: Mapped[str] = mapped_column(Text)
    weaknesses: Mapped[str] = mapped_column(Text)
    improvement_plan: Mapped[str] = mapped_column(Text)
    person_commitments: Mapped[str] = mapped_column(Text)
    support_commitments: Mapped[str] = mapped_column(Text)
    next_review_on: Mapped[date]
    next_review_criteria: Mapped[str] = mapped_column(Text)
    signed_by_person_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signed_by_reviewer_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Recognition(Base):
    """Appreciation of something a person did well (a first-class record, not only faults)."""

    __tablename__ = "perf_recognition"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    given_by: Mapped[str] = mapped_column(String(100))
    given_on: Mapped[date]
    kpi: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)


class DevelopmentNote(Base):
    """A training need or a readiness note (promotion, transfer) about a person."""

    __tablename__ = "perf_development_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    written_by: Mapped[str] = mapped_column(String(100))
    written_on: Mapped[date]


class Publication(Base):
    """Who sees a KPI, how often, and what follows a good or a bad result."""

    __tablename__ = "perf_publication"
    __table_args__ = (UniqueConstraint("kpi", "audience"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kpi: Mapped[str] = mapped_column(String(64))
    audience: Mapped[str] = mapped_column(String(16))
    rhythm: Mapped[str] = mapped_column(String(16))
    on_good: Mapped[str] = mapped_column(String(32))
    on_bad: Mapped[str] = mapped_column(String(32))
    target: Mapped[float | None] = mapped_column(Float)
    higher_is_better: Mapped[bool] = mapped_column(Boolean, default=True)
    last_produced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    owner: Mapped[str | None] = mapped_column(String(100))
    """Login of the user who owns the rule: gets the follow-up when a result crosses the
    threshold (None: no follow-up is opened)."""
    threshold: Mapped[float | None] = mapped_column(Float)
    """The value in the KPI's unit whose crossing opens a follow-up (None: no threshold)."""
    threshold_direction: Mapped[str | None] = mapped_column(String(8))
    """``below`` or ``above``: which side of ``threshold`` the whole interval must lie on."""
    last_delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReportDelivery(Base):
    """One period of a publication rule delivered by email: once per rule and period, with the
    follow-up opened when the result crossed the rule's threshold."""

    __tablename__ = "perf_report_delivery"
    __table_args__ = (UniqueConstraint("publication_id", "period_first", "period_last"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(
        ForeignKey("perf_publication.id", ondelete="CASCADE"), index=True
    )
    period_first: Mapped[date]
    period_last: Mapped[date]
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    emails: Mapped[int] = mapped_column(Integer, default=0)
    crossed: Mapped[str] = mapped_column(Text, default="")
    """The subjects whose interval lay wholly beyond the threshold, one per line."""
    improvement_id: Mapped[int | None] = mapped_column(
        ForeignKey("kb_improvement.id", ondelete="SET NULL")
    )
    """The improvement cycle opened as the follow-up (its action is the owner's task)."""


class LeaderActivity(Base):
    """Minutes a team leader spent on one kind of work on one day (floor, planning, reports)."""

    __tablename__ = "perf_leader_activity"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    day: Mapped[date]
    kind: Mapped[str] = mapped_column(String(16))
    minutes: Mapped[int] = mapped_column(Integer)


class Recommendation(Base):
    """What a review recommends (training, pay step, transfer, promotion readiness), the
    evidence it rests on (frozen as JSON when recorded) and the manager's decision."""

    __tablename__ = "perf_recommendation"
    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("perf_review.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    rationale: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(String(500), default="")
    evidence_json: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(Text, default="")
