"""Governance: the audit trail of changes to the organisation, retention purges, leaver erasure."""
