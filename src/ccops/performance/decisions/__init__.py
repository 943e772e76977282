"""Pages of the people cycle (#25): review recommendations and the manager's pending list, and
the position KPIs' detail pages (a planner's forecast skill by queue and horizon)."""
