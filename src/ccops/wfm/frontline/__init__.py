"""Executives' front-line shifts: a full shift on a queue, outside coverage unless the planner
counts it, with the contacts the executive handled (seed 003)."""
