"""Runtime settings, read once from the environment (prefix ``CCOPS_``); defaults work offline."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ccops.enums import Role


class Settings(BaseSettings):
    """Every knob of a ccops installation; tests build their own instead of touching the env."""

    model_config = SettingsConfigDict(env_prefix="CCOPS_", extra="ignore")

    data_dir: Path = Field(default=Path("var"), description="Where SQLite, secrets and reports go.")
    database_url: str = Field(
        default="", description="SQLAlchemy URL; empty means SQLite in data_dir."
    )
    secret_key: str = Field(default="", description="Keys session cookies and customer-key hashes.")
    default_site: str = Field(default="Main", description="Site that --create-missing uses.")
    repeat_window_days: int = Field(default=7, ge=1, le=90)
    session_max_age_s: int = Field(
        default=12 * 3600, ge=60, description="A sign-in lasts this long (one long shift)."
    )
    lockout_failures: int = Field(
        default=5,
        ge=1,
        description="Failed sign-ins of one login from one client before each further attempt "
        "from there must wait (1 s, then doubling).",
    )
    lockout_minutes: int = Field(
        default=15, ge=1, description="The longest wait one login from one client is given."
    )
    throttle_client_failures: int = Field(
        default=100,
        ge=1,
        description="Failed sign-ins of any logins from one client (address) before it must wait; "
        "generous, since a centre signs its agents in from one address.",
    )
    throttle_login_failures: int = Field(
        default=20,
        ge=1,
        description="Failed sign-ins of one login from all clients before every attempt waits.",
    )
    throttle_login_max_delay_s: float = Field(
        default=60.0,
        gt=0,
        description="The longest wait a login is given for failures from everywhere: short, so "
        "strangers can slow an administrator down but not lock them out.",
    )
    throttle_window_minutes: int = Field(
        default=60, ge=1, description="A counter with no failure this long starts again."
    )
    db_lock_timeout_ms: int = Field(
        default=15_000,
        ge=0,
        description="PostgreSQL: a statement waiting this long for a lock fails (0: no limit).",
    )
    db_statement_timeout_ms: int = Field(
        default=600_000,
        ge=0,
        description="PostgreSQL: a statement running this long is cancelled (0: no limit).",
    )
    jobs_in_app: Literal["off", "thread", "after_response"] = Field(
        default="off",
        description="Who runs background jobs inside the web app: 'thread' (a runner thread "
        "started with the app; `ccops serve` sets it), 'after_response' (each job right after "
        "the request that queued it, for tests), or 'off' (a `ccops jobs work` process).",
    )
    jobs_poll_s: float = Field(default=1.0, gt=0, description="How often a job runner looks.")
    jobs_stale_after_s: float = Field(
        default=300.0,
        gt=0,
        description="A running job whose worker has not been heard from for this long (no "
        "heartbeat) is taken as abandoned (its worker died): it is queued again, or failed after "
        "its last attempt. Several heartbeats long.",
    )
    jobs_heartbeat_s: float = Field(
        default=30.0,
        gt=0,
        description="How often the worker running a job says it is alive (its heartbeat).",
    )
    jobs_max_attempts: int = Field(
        default=3,
        ge=1,
        description="How many times a job whose worker died is run before it is failed.",
    )
    jobs_sweep_s: float = Field(
        default=60.0, gt=0, description="How often a job runner looks for abandoned jobs."
    )
    page_max_stale_s: float = Field(
        default=60.0,
        ge=0,
        description="While new contact data keeps arriving, a page may show KPI figures computed "
        "up to this long ago (and says 'as of' when) while the new ones are computed in the "
        "background; 0: every page waits for the newest figures. The JSON API always does.",
    )

    oidc_issuer: str = Field(
        default="",
        description="Single sign-on: the OpenID Connect issuer URL (its discovery document is "
        "ISSUER/.well-known/openid-configuration); empty: SSO is off.",
    )
    oidc_client_id: str = Field(default="", description="SSO: this app's client id at the issuer.")
    oidc_client_secret: str = Field(default="", description="SSO: this app's client secret.")
    oidc_scopes: str = Field(
        default="openid profile email", description="SSO: the scopes asked for (space-separated)."
    )
    oidc_provider_name: str = Field(
        default="", description="SSO: the name on the sign-in button ('Sign in with NAME')."
    )
    oidc_redirect_url: str = Field(
        default="",
        description="SSO: the callback URL registered at the issuer; empty: this app's "
        "/auth/oidc/callback as the request reached it (set it behind a proxy).",
    )
    oidc_login_claim: str = Field(
        default="preferred_username",
        description="SSO: the claim holding the ccops login of a new or linked user.",
    )
    oidc_role_claim: str = Field(
        default="ccops_role",
        description="SSO: the claim holding the role (a name, or a list such as groups).",
    )
    oidc_role_map: str = Field(
        default="",
        description="SSO: 'value=role,...' from claim values (groups, app roles) to ccops roles, "
        "first match wins; empty: the claim holds role names. Admin is granted only by an entry "
        "of this map that names it.",
    )
    oidc_sites_claim: str = Field(
        default="ccops_sites",
        description="SSO: the claim listing the user's site names ('*': all sites); absent: the "
        "user's own record only.",
    )
    oidc_create_users: bool = Field(
        default=False, description="SSO: create a ccops user at its first sign-in."
    )
    oidc_link_by_login: bool = Field(
        default=False,
        description="SSO: at a first sign-in, link the existing local user whose login equals "
        "the login claim (else an administrator links with `ccops users link-oidc`).",
    )
    oidc_only: bool = Field(
        default=False,
        description="SSO: refuse local passwords, except for oidc_break_glass_logins.",
    )
    oidc_break_glass_logins: str = Field(
        default="",
        description="SSO: comma-separated logins that may still sign in with a password when "
        "oidc_only is on (an administrator for when the identity provider is down).",
    )

    @field_validator("oidc_role_map")
    @classmethod
    def _known_roles(cls, value: str) -> str:
        """Refuse at start-up a role map entry that is not 'claim value=ccops role'."""
        roles = {r.value for r in Role}
        for entry in (e.strip() for e in value.split(",")):
            claim_value, sep, role = entry.rpartition("=")
            if entry and (not sep or not claim_value.strip() or role.strip() not in roles):
                raise ValueError(
                    f"oidc_role_map entry {entry!r} is not 'claim value=role' with a role among "
                    f"{', '.join(sorted(roles))}"
                )
        return value

    @property
    def oidc_enabled(self) -> bool:
        """Whether single sign-on is configured (an issuer and a client id)."""
        return bool(self.oidc_issuer and self.oidc_client_id)

    def break_glass_logins(self) -> frozenset[str]:
        """The logins that keep their password when oidc_only is on."""
        return frozenset(x.strip() for x in self.oidc_break_glass_logins.split(",") if x.strip())

    max_body_bytes: int = Field(
        default=2 * 1024 * 1024,
        ge=1024,
        description="Largest request body of a form or JSON request; larger ones get 413 before "
        "they are read.",
    )
    max_upload_bytes: int = Field(
        default=200 * 1024 * 1024,
        ge=1024,
        description="Largest request body of a file import (/import, /api/v1/imports/...).",
    )
    max_events_body_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        description="Largest request body of the event intake (POST /api/v1/events).",
    )
    events_max_per_request: int = Field(
        default=20_000,
        ge=1,
        description="Events one intake request may hold; larger batches are refused whole.",
    )
    simulate_max_arrivals: int = Field(
        default=2_000_000,
        ge=1,
        description="Contacts one simulation request may simulate (expected arrivals of every "
        "queue and interval, times the replications); more is refused with 422.",
    )

    webhook_allowed_networks: str = Field(
        default="",
        description="Webhook receivers inside the network that exception rules may still call "
        "(on-premise receivers): comma-separated networks (10.20.0.0/16, 127.0.0.1/32) or host "
        "names. Every other target must resolve to public internet addresses only.",
    )
    webhook_secret: str = Field(
        default="",
        description="Key of the HMAC-SHA256 signature sent with each webhook "
        "(X-Ccops-Signature); give it to the receivers. Empty: a key derived from secret_key.",
    )
    webhook_connect_timeout_s: float = Field(
        default=2.0,
        gt=0,
        le=30,
        description="A webhook receiver must accept the connection within this long.",
    )
    webhook_read_timeout_s: float = Field(
        default=5.0, gt=0, le=60, description="A webhook receiver must answer within this long."
    )
    webhook_max_attempts: int = Field(
        default=5, ge=1, le=20, description="Attempts at one webhook before it is failed."
    )
    webhook_retry_base_s: float = Field(
        default=30.0,
        gt=0,
        description="Wait before the second attempt at a webhook; each further wait doubles.",
    )
    smtp_host: str | None = Field(
        default=None, description="SMTP server for notification emails; none: email is off."
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="The SMTP server's port.")
    smtp_from: str = Field(
        default="ccops@localhost", description="The From address of notification emails."
    )
    smtp_user: str | None = Field(default=None, description="SMTP login (none: no AUTH).")
    smtp_password: str | None = Field(default=None, description="SMTP password.")
    smtp_starttls: bool = Field(default=True, description="Upgrade the connection with STARTTLS.")
    smtp_timeout_s: float = Field(default=10.0, gt=0, le=120, description="SMTP time-out.")
    email_max_attempts: int = Field(
        default=4, ge=1, le=20, description="Attempts at one email before it is failed."
    )
    email_retry_base_s: float = Field(
        default=60.0, gt=0, description="Wait before an email's second attempt; then doubles."
    )
    public_url: str = Field(
        default="",
        max_length=300,
        description="The app's address as users reach it (https://ccops.example.com), put "
        "before the links in emails; empty: the links are paths.",
    )
    webhook_max_per_intake: int = Field(
        default=20,
        ge=1,
        description="Webhooks one batch of events may queue; the exceptions beyond it have their "
        "webhook recorded failed (logged).",
    )

    @field_validator("webhook_allowed_networks")
    @classmethod
    def _allow_list_readable(cls, value: str) -> str:
        from ccops.notifications.webhook_targets import parse_allow_list

        parse_allow_list(value)  # a ValueError names the entry that is neither
        return value

    retention_contacts_days: int = Field(
        default=0,
        ge=0,
        description="Contact records older than this many days (by arrival) are deleted by the "
        "retention purge, except contacts a QA evaluation, calibration or sample refers to; "
        "0: kept forever.",
    )
    retention_agent_states_days: int = Field(
        default=0,
        ge=0,
        description="Agent-state spans older than this many days (by start) are deleted by the "
        "retention purge; 0: kept forever.",
    )
    retention_intake_log_days: int = Field(
        default=0,
        ge=0,
        description="Entries of the live-event intake log older than this many days (by "
        "receipt) are deleted by the retention purge; 0: kept forever.",
    )
    retention_audit_days: int = Field(
        default=0,
        ge=0,
        description="Audit-trail entries older than this many days are deleted by the retention "
        "purge (the only deletion the trail allows); 0: kept forever.",
    )
    retention_batch_size: int = Field(
        default=5000,
        ge=1,
        description="The retention purge deletes at most this many rows per statement, so no "
        "one statement holds locks for long.",
    )

    def resolved_database_url(self) -> str:
        """Return the database URL, defaulting to ``sqlite:///<data_dir>/ccops.sqlite``."""
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.data_dir / 'ccops.sqlite').as_posix()}"

    def resolved_secret_key(self) -> str:
        """Return the secret key; without one, create and keep a random key in data_dir."""
        if self.secret_key:
            return self.secret_key
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / "secret.key"
        if not path.exists():
            path.write_text(secrets.token_hex(32), encoding="utf-8")
            path.chmod(0o600)
        return path.read_text(encoding="utf-8").strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (cached)."""
    return Settings()
