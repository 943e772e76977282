"""Runtime settings, read once from the environment (prefix ``CCOPS_``); defaults work offline."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
        default=2 * 3600.0,
        gt=0,
        description="A job still running this long after it started is failed as abandoned "
        "(its worker died); longer than any job's solver limits.",
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
