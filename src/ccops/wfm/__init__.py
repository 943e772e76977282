"""Workforce management: staffing, simulation scenarios (forecasts and schedules to come)."""
