"""Output of notifications."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class NotificationOut(BaseModel):
    """One notification of the signed-in user."""

    id: int
    kind: str
    subject: str
    body: str
    link: str | None
    created_at: datetime
    read_at: datetime | None


class EmailPreferenceIn(BaseModel):
    """Your email settings: an address (empty: no email), the kinds emailed one by one ('*':
    all), or a daily digest of every notification instead."""

    address: str = Field(default="", max_length=254)
    kinds: list[str] = Field(default_factory=list, max_length=50)
    digest: bool = False


class EmailPreferenceOut(BaseModel):
    """Your email settings as saved."""

    address: str
    kinds: list[str]
    digest: bool
