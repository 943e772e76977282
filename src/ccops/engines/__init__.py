"""Pure computation engines (no I/O): queueing, simulation, forecasting, scheduling, stats."""
