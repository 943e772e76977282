"""Contact records, agent-state events, interval reports and their importers."""
