"""Closed vocabularies shared by models, schemas and engines."""

from __future__ import annotations

from enum import StrEnum


class ChannelKind(StrEnum):
    """How customers reach the centre; decides which staffing model applies."""

    voice = "voice"
    chat = "chat"
    email = "email"
    messaging = "messaging"


class Role(StrEnum):
    """What a user does in the centre; decides which pages and data they may use."""

    agent = "agent"
    supervisor = "supervisor"
    qa_analyst = "qa_analyst"
    planner = "planner"
    manager = "manager"
    executive = "executive"
    admin = "admin"


class ScopeKind(StrEnum):
    """How far a user's view reaches."""

    own = "own"
    teams = "teams"
    sites = "sites"
    all = "all"


class TokenScope(StrEnum):
    """What an API token may do: ``read`` only reads (GET, HEAD), ``write`` acts as its user."""

    read = "read"
    write = "write"


class ServiceLevelVariant(StrEnum):
    """Which of the industry's service-level formulas a queue reports.

    * ``exclude_short_abandons``: answered within T / (offered - short abandons) (default)
    * ``abandons_count_against``: answered within T / offered
    * ``abandons_ignored``: answered within T / answered
    """

    exclude_short_abandons = "exclude_short_abandons"
    abandons_count_against = "abandons_count_against"
    abandons_ignored = "abandons_ignored"


class Outcome(StrEnum):
    """How a contact offered to a queue ended."""

    answered = "answered"
    transferred = "transferred"
    abandoned = "abandoned"
    timed_out = "timed_out"
    exited_empty = "exited_empty"
    exited_key = "exited_key"
    other = "other"


ANSWERED_OUTCOMES = (Outcome.answered, Outcome.transferred)


class AgentState(StrEnum):
    """What an agent is doing; the basis of occupancy, utilisation and adherence."""

    available = "available"
    on_contact = "on_contact"
    wrap_up = "wrap_up"
    break_ = "break"
    lunch = "lunch"
    training = "training"
    meeting = "meeting"
    coaching = "coaching"
    other_work = "other_work"
    not_ready = "not_ready"
    offline = "offline"


HANDLING_STATES = (AgentState.on_contact, AgentState.wrap_up)


class Language(StrEnum):
    """Languages of the user interface (gettext catalog names)."""

    en = "en"
    zh_Hans = "zh_Hans"
    zh_Hant = "zh_Hant"
