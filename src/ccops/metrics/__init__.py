"""KPI definitions (formula, unit, data source) and their computation with Ibis on any backend."""
