"""Tables of the knowledge base: articles in numbered versions, known-issue banners per queue,
process changes with the people who must acknowledge them, and the new-hire training modules
(in versions) the changes update, with who completed which version."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ccops.db import Base, UTCDateTime, utcnow


class KbArticle(Base):
    """A standard answer (or process document) on a topic, optionally for one queue.

    Its content lives in numbered versions; ``published_version`` is the one agents read.
    """

    __tablename__ = "kb_article"
    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="answer")
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queue.id"), index=True)
    language: Mapped[str] = mapped_column(String(16), default="en")
    owner: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_version: Mapped[int | None] = mapped_column(Integer)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    archived_by: Mapped[str | None] = mapped_column(String(100))
    versions: Mapped[list[KbVersion]] = relationship(
        order_by="KbVersion.version", back_populates="article", lazy="selectin"
    )


class KbVersion(Base):
    """One version of an article: its title and text, who wrote, reviewed and published it.

    A version's text never changes once it has left draft; an edit of a published article is a
    new version, a rollback a new version equal to an old one.
    """

    __tablename__ = "kb_version"
    __table_args__ = (UniqueConstraint("article_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("kb_article.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text)
    """Title and body case-folded: what search matches substrings in (CJK text included)."""
    status: Mapped[str] = mapped_column(String(16), default="draft")
    note: Mapped[str] = mapped_column(Text, default="")
    rollback_of: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_comment: Mapped[str] = mapped_column(Text, default="")
    published_by: Mapped[str | None] = mapped_column(String(100))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    article: Mapped[KbArticle] = relationship(back_populates="versions")


class KbBanner(Base):
    """A short-lived known-issue message shown on agents' pages for one queue until it expires."""

    __tablename__ = "kb_banner"
    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queue.id"), index=True)
    message: Mapped[str] = mapped_column(Text)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("kb_article.id"))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ProcessChange(Base):
    """A change people must know about; ``audience_json`` names the teams and roles addressed."""

    __tablename__ = "kb_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("kb_article.id"))
    article_version: Mapped[int | None] = mapped_column(Integer)
    audience_json: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recipients: Mapped[list[ChangeRecipient]] = relationship(
        order_by="ChangeRecipient.id", lazy="selectin", cascade="all, delete-orphan"
    )
    training: Mapped[list[ChangeTraining]] = relationship(
        order_by="ChangeTraining.id", lazy="selectin", cascade="all, delete-orphan"
    )


class ChangeRecipient(Base):
    """One user a change is addressed to, and when they acknowledged having read it."""

    __tablename__ = "kb_change_recipient"
    __table_args__ = (UniqueConstraint("change_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("kb_change.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ImprovementRecord(Base):
    """A PDCA cycle: the problem (a KPI in a period), its root causes (5 whys, fishbone), the
    actions, the check of the KPI before vs after, and the article that standardises it."""

    __tablename__ = "kb_improvement"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    kpi: Mapped[str] = mapped_column(String(64))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queue.id"), index=True)
    problem_first: Mapped[date]
    problem_last: Mapped[date]
    problem: Mapped[str] = mapped_column(Text)
    whys_json: Mapped[str] = mapped_column(Text, default="[]")
    fishbone_json: Mapped[str] = mapped_column(Text, default="{}")
    check_json: Mapped[str | None] = mapped_column(Text)
    verdict: Mapped[str | None] = mapped_column(String(32))
    checked_by: Mapped[str | None] = mapped_column(String(100))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    standard_article_id: Mapped[int | None] = mapped_column(ForeignKey("kb_article.id"))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actions: Mapped[list[ImprovementAction]] = relationship(
        order_by="ImprovementAction.id", lazy="selectin", cascade="all, delete-orphan"
    )


class ImprovementAction(Base):
    """One action of an improvement cycle, with its owner and due date."""

    __tablename__ = "kb_improvement_action"
    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("kb_improvement.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(100))
    due: Mapped[date]
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TrainingModule(Base):
    """New-hire training material on a subject, for an audience (a queue's skill, or every
    agent when ``queue_id`` is empty); its content lives in numbered versions."""

    __tablename__ = "training_module"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), unique=True)
    owner: Mapped[str] = mapped_column(String(100))
    queue_id: Mapped[int | None] = mapped_column(ForeignKey("queue.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    versions: Mapped[list[TrainingVersion]] = relationship(
        order_by="TrainingVersion.version", lazy="selectin", cascade="all, delete-orphan"
    )


class TrainingVersion(Base):
    """One published version of a training module; a new version never rewrites an old one."""

    __tablename__ = "training_version"
    __table_args__ = (UniqueConstraint("module_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(
        ForeignKey("training_module.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(Text)
    reference: Mapped[str] = mapped_column(String(500), default="")
    """Where the material is: a link or an attachment's name."""
    published_by: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TrainingCompletion(Base):
    """A person completed a version of a training module (recorded by a trainer or leader)."""

    __tablename__ = "training_completion"
    __table_args__ = (UniqueConstraint("person_id", "module_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(
        ForeignKey("training_module.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    completed_on: Mapped[date]
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ChangeTraining(Base):
    """A training module a process change updates, and the module version it requires."""

    __tablename__ = "kb_change_training"
    __table_args__ = (UniqueConstraint("change_id", "module_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(
        ForeignKey("kb_change.id", ondelete="CASCADE"), index=True
    )
    module_id: Mapped[int] = mapped_column(ForeignKey("training_module.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    module: Mapped[TrainingModule] = relationship(lazy="joined")
