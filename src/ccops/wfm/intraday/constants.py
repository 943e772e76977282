"""Constants the intraday modules share: the interval grid, the intake's source name and which
agent states count as staffed. A module of their own so that the intake, the totals, the
intraday view, exceptions and adherence need not import each other for them."""

from __future__ import annotations

from ccops.enums import HANDLING_STATES, AgentState

INTERVAL_MIN = 15
"""Length of an intraday interval in minutes."""
INTERVAL_S = INTERVAL_MIN * 60
EVENT_SOURCE = "events"
"""The source name of the records the live intake writes."""
STAFFED_STATES = (AgentState.available, *HANDLING_STATES)
"""Logged in and able to take contacts (not on break, training, meeting, ...)."""
