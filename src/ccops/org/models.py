"""Tables of the organisation: who works where, on which queues, with which targets."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Enum, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ccops.db import Base, UTCDateTime, utcnow
from ccops.enums import ChannelKind, Role, ScopeKind, ServiceLevelVariant, TokenScope


def _enum(cls: type) -> Enum:
    return Enum(cls, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])


class Site(Base):
    """A physical or virtual location with its own time zone; intervals align to it."""

    __tablename__ = "site"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    country_code: Mapped[str | None] = mapped_column(String(2))
    cost_per_leaver: Mapped[float | None] = mapped_column(Float)
    """What replacing one leaver costs the site (recruiting, training, lost output); NULL: not
    set, and the executive view says so instead of showing a cost."""
    currency: Mapped[str | None] = mapped_column(String(3))
    """ISO 4217 code of the site's money amounts (cost per leaver)."""


class Channel(Base):
    """A way in (voice line, chat widget, mailbox)."""

    __tablename__ = "channel"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[ChannelKind] = mapped_column(_enum(ChannelKind))
    max_concurrency: Mapped[int] = mapped_column(Integer, default=1)


class Queue(Base):
    """A queue (skill) with its service-level target and the formula variant it reports."""

    __tablename__ = "queue"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channel.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    target_s: Mapped[float] = mapped_column(Float, default=20.0)
    service_level_goal: Mapped[float] = mapped_column(Float, default=0.8)
    short_abandon_s: Mapped[float] = mapped_column(Float, default=5.0)
    service_level_variant: Mapped[ServiceLevelVariant] = mapped_column(
        _enum(ServiceLevelVariant), default=ServiceLevelVariant.exclude_short_abandons
    )
    channel: Mapped[Channel] = relationship(lazy="joined")
    site: Mapped[Site] = relationship(lazy="joined")


class Team(Base):
    """A team of people led by a supervisor."""

    __tablename__ = "team"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    leader_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", use_alter=True, name="fk_team_leader_id_person")
    )
    site: Mapped[Site] = relationship(lazy="joined")


class Person(Base):
    """Somebody who works in the centre; agents are matched to telephony logs by ``login``."""

    __tablename__ = "person"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    login: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[Role] = mapped_column(_enum(Role), default=Role.agent)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    hire_date: Mapped[date | None]
    termination_date: Mapped[date | None]
    termination_reason: Mapped[str | None] = mapped_column(String(200))
    skills: Mapped[list[PersonSkill]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", back_populates="person"
    )


class PersonSkill(Base):
    """A person's ability on a queue, level 1 (learning) to 10 (expert)."""

    __tablename__ = "person_skill"
    __table_args__ = (UniqueConstraint("person_id", "queue_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    queue_id: Mapped[int] = mapped_column(ForeignKey("queue.id"))
    level: Mapped[int] = mapped_column(Integer, default=5)
    person: Mapped[Person] = relationship(back_populates="skills")
    queue: Mapped[Queue] = relationship(lazy="joined")


class User(Base):
    """A sign-in: a role and a scope (own record, teams, sites or all)."""

    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(_enum(Role))
    scope: Mapped[ScopeKind] = mapped_column(_enum(ScopeKind), default=ScopeKind.own)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    """Raised by log-out and password change: every session cookie signed earlier stops working."""
    locale: Mapped[str | None] = mapped_column(String(16))
    """The language the user chose for the web pages (en, zh_Hans, zh_Hant); None: the browser's."""
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When an administrator disabled the sign-in (or its person was recorded as a leaver)."""
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    """Why it is disabled; ``leaver`` when recording the person's leaving did it."""
    oidc_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    """The ``sub`` of the single-sign-on identity linked to this user (None: local only)."""
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    """The base32 secret of the user's second factor (TOTP, RFC 6238); None: password only."""
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    """The time step of the last code accepted: that code, and earlier ones, are refused."""
    scope_items: Mapped[list[UserScope]] = relationship(
        lazy="selectin", cascade="all, delete-orphan"
    )


class UserScope(Base):
    """One team or site inside a user's scope."""

    __tablename__ = "user_scope"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))


class ApiToken(Base):
    """A bearer token an integration signs in with; only its SHA-256 is stored."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When the token stops working (None: tokens created before expiry existed)."""
    scope: Mapped[TokenScope] = mapped_column(
        _enum(TokenScope), default=TokenScope.write, server_default=TokenScope.write.value
    )
    """``read`` tokens may only read (GET, HEAD); ``write`` tokens act as their user."""


class SignInThrottle(Base):
    """Failed sign-ins counted per key (a login, a client, or both), whether the login exists.

    Keys are SHA-256 digests, so the table holds no typed logins or addresses in clear; counting
    unknown logins like known ones keeps the answers the same for both.
    """

    __tablename__ = "sign_in_throttle"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    login_digest: Mapped[str] = mapped_column(String(64), index=True)
    """Digest of the login alone, so an administrator's unlock clears every key of one login."""
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime())
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
