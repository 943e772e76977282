"""Input and output shapes of the organisation; validation lives here."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ccops.bounds import Day
from ccops.enums import ChannelKind, Role, ScopeKind, ServiceLevelVariant, TokenScope
from ccops.names import NameText

Name = Field(min_length=1, max_length=100, pattern=r"^\S(.*\S)?$")
OptionalName = Field(default=None, min_length=1, max_length=100, pattern=r"^\S(.*\S)?$")


class SiteIn(BaseModel):
    """A site to create: a name and an IANA time zone such as ``Europe/London``."""

    model_config = ConfigDict(extra="forbid")
    name: NameText = Name
    timezone: str = Field(min_length=1, max_length=64)
    country_code: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value


class SitePatch(BaseModel):
    """Changes to a site: a new name, or a new time zone while it has no contact data."""

    model_config = ConfigDict(extra="forbid")
    name: NameText | None = OptionalName
    timezone: str | None = Field(default=None, min_length=1, max_length=64)
    country_code: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else SiteIn._known_zone(value)


class SiteOut(SiteIn):
    """A stored site."""

    model_config = ConfigDict(from_attributes=True)
    id: int


class LeaverCostIn(BaseModel):
    """A site's replacement cost per leaver in its currency; ``null`` cost clears it."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    cost_per_leaver: float | None = Field(
        ge=0, le=10_000_000, description="Cost of replacing one leaver; null: not set"
    )
    currency: str | None = Field(
        default=None, pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. GBP or CNY"
    )

    @model_validator(mode="after")
    def _currency_with_cost(self) -> LeaverCostIn:
        if self.cost_per_leaver is not None and self.currency is None:
            raise ValueError("give the currency of the cost (ISO 4217, e.g. GBP)")
        return self


class LeaverCostOut(BaseModel):
    """A site's replacement cost per leaver as stored (None: not set)."""

    model_config = ConfigDict(from_attributes=True)
    site: str
    cost_per_leaver: float | None
    currency: str | None


class ChannelIn(BaseModel):
    """A channel to create."""

    model_config = ConfigDict(extra="forbid")
    name: NameText = Name
    kind: ChannelKind
    max_concurrency: int = Field(default=1, ge=1, le=20)


class ChannelOut(ChannelIn):
    """A stored channel."""

    model_config = ConfigDict(from_attributes=True)
    id: int


class QueueIn(BaseModel):
    """A queue to create, with its service-level target and reported variant."""

    model_config = ConfigDict(extra="forbid")
    name: NameText = Name
    channel: NameText = Name
    site: NameText = Name
    target_s: float = Field(default=20.0, gt=0, le=7 * 86400)
    service_level_goal: float = Field(default=0.8, gt=0, lt=1)
    short_abandon_s: float = Field(default=5.0, ge=0, le=600)
    service_level_variant: ServiceLevelVariant = ServiceLevelVariant.exclude_short_abandons


class QueuePatch(BaseModel):
    """Changes to a queue's name and targets; KPIs are recomputed from the new settings."""

    model_config = ConfigDict(extra="forbid")
    name: NameText | None = OptionalName
    target_s: float | None = Field(default=None, gt=0, le=7 * 86400)
    service_level_goal: float | None = Field(default=None, gt=0, lt=1)
    short_abandon_s: float | None = Field(default=None, ge=0, le=600)
    service_level_variant: ServiceLevelVariant | None = None


class QueueOut(BaseModel):
    """A stored queue."""

    id: int
    name: str
    channel: str
    channel_kind: ChannelKind
    site: str
    timezone: str
    target_s: float
    service_level_goal: float
    short_abandon_s: float
    service_level_variant: ServiceLevelVariant


class TeamIn(BaseModel):
    """A team to create."""

    model_config = ConfigDict(extra="forbid")
    name: NameText = Name
    site: NameText = Name
    leader: str | None = Field(default=None, description="login of the team leader")


class TeamPatch(BaseModel):
    """Changes to a team: rename, move to another site (its people move along), set or clear
    the leader (``leader: null`` clears it)."""

    model_config = ConfigDict(extra="forbid")
    name: NameText | None = OptionalName
    site: NameText | None = OptionalName
    leader: str | None = Field(default=None, description="login of the team leader; null clears")


class TeamOut(BaseModel):
    """A stored team."""

    id: int
    name: str
    site: str
    leader: str | None


class SkillIn(BaseModel):
    """A person's skill on a queue (level 1–10)."""

    model_config = ConfigDict(extra="forbid")
    queue: NameText = Name
    level: int = Field(default=5, ge=1, le=10)


class PersonIn(BaseModel):
    """A person to create; ``login`` matches the agent name in telephony logs."""

    model_config = ConfigDict(extra="forbid")
    name: NameText = Field(min_length=1, max_length=200)
    login: NameText = Name
    role: Role = Role.agent
    site: NameText = Name
    team: str | None = None
    hire_date: Day | None = None
    termination_date: Day | None = None
    termination_reason: str | None = Field(default=None, max_length=200)
    skills: list[SkillIn] = Field(default_factory=list)

    @model_validator(mode="after")
    def _dates_in_order(self) -> PersonIn:
        if self.hire_date and self.termination_date and self.termination_date < self.hire_date:
            raise ValueError("termination_date is before hire_date")
        if self.termination_reason and not self.termination_date:
            raise ValueError("termination_reason given without termination_date")
        return self


class PersonPatch(BaseModel):
    """Changes to a person. ``team: null`` takes the person out of any team; a
    ``termination_date`` records a leaver (with ``termination_reason``) and ``null`` undoes it."""

    model_config = ConfigDict(extra="forbid")
    name: NameText | None = Field(default=None, min_length=1, max_length=200)
    role: Role | None = None
    site: NameText | None = OptionalName
    team: str | None = None
    hire_date: Day | None = None
    termination_date: Day | None = None
    termination_reason: str | None = Field(default=None, min_length=1, max_length=200)


class PersonOut(BaseModel):
    """A stored person."""

    id: int
    name: str
    login: str
    role: Role
    site: str
    team: str | None
    hire_date: date | None
    termination_date: date | None
    termination_reason: str | None
    skills: list[SkillIn]


class UserIn(BaseModel):
    """A sign-in to create; scope items name teams or sites."""

    model_config = ConfigDict(extra="forbid")
    login: NameText = Name
    password: str = Field(min_length=8, max_length=200)
    role: Role
    scope: ScopeKind = ScopeKind.own
    person: str | None = Field(default=None, description="login of the person this user is")
    teams: list[str] = Field(default_factory=list)
    sites: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _scope_consistent(self) -> UserIn:
        check_scope(self.scope, self.person, self.teams, self.sites)
        return self


def check_scope(scope: ScopeKind, person: str | None, teams: list[str], sites: list[str]) -> None:
    """Raise ValueError when a scope lacks what it needs (teams, sites, or the own person)."""
    if scope == ScopeKind.teams and not teams:
        raise ValueError("scope 'teams' needs at least one team")
    if scope == ScopeKind.sites and not sites:
        raise ValueError("scope 'sites' needs at least one site")
    if scope == ScopeKind.own and not person:
        raise ValueError("scope 'own' needs the person the user is")


class UserPatch(BaseModel):
    """Changes to a user: role and scope (checked as on creation once merged with what is
    stored), disable or re-enable, unlock after lock-out, and a temporary password set by an
    administrator (which ends the user's sessions)."""

    model_config = ConfigDict(extra="forbid")
    role: Role | None = None
    scope: ScopeKind | None = None
    person: str | None = Field(default=None, description="login of the person; null unlinks")
    teams: list[str] | None = None
    sites: list[str] | None = None
    disabled: bool | None = None
    unlock: bool | None = Field(default=None, description="true clears a lock-out")
    password: str | None = Field(default=None, min_length=8, max_length=200)
    reset_second_factor: bool | None = Field(
        default=None, description="true turns the user's second factor (TOTP) off"
    )


class UserOut(BaseModel):
    """A stored user (never the password), with whether it is disabled or locked out."""

    id: int
    login: str
    role: Role
    scope: ScopeKind
    person: str | None
    teams: list[str]
    sites: list[str]
    disabled: bool = False
    locked_until: datetime | None = None
    second_factor: bool = False


class PasswordChangeIn(BaseModel):
    """A new password, given twice, with the current one as proof."""

    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=8, max_length=200)
    repeat_password: str = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _same_twice(self) -> PasswordChangeIn:
        if self.new_password != self.repeat_password:
            raise ValueError("the two new passwords differ")
        if self.new_password == self.current_password:
            raise ValueError("the new password is the current one")
        return self


class SecondFactorSetup(BaseModel):
    """A new TOTP secret to add to an authenticator app: typed, or scanned from the QR code."""

    secret: str
    uri: str
    qr_svg: str


TOKEN_DEFAULT_DAYS = 90
TOKEN_MAX_DAYS = 365


class ApiTokenIn(BaseModel):
    """A token to create for an integration, named after what uses it, with what it may do
    (``read``: GET and HEAD only) and for how many days it works (1 to 365, 90 by default)."""

    model_config = ConfigDict(extra="forbid")
    name: NameText = Name
    scope: TokenScope = TokenScope.write
    days: int = Field(default=TOKEN_DEFAULT_DAYS, ge=1, le=TOKEN_MAX_DAYS)


class ApiTokenOut(BaseModel):
    """A stored token (never the token itself, which is shown once when created)."""

    id: int
    login: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None
    scope: TokenScope
    expired: bool = False
