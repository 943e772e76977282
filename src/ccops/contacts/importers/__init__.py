"""Readers of contact-centre exports: Technion call logs, Asterisk queue_log, Amazon Connect
contact records, Genesys Cloud conversation details, Twilio TaskRouter events, CSV and Parquet.

Each reader streams a file and yields parsed rows (see `base`); `ccops.contacts.imports` resolves
names, checks idempotency and writes them.
"""

from __future__ import annotations

FORMATS: dict[str, tuple[str, ...]] = {
    "contacts": (
        "csv",
        "parquet",
        "technion",
        "asterisk-queue-log",
        "amazon-connect-ctr",
        "genesys-cloud-conversations",
        "twilio-taskrouter-events",
    ),
    "agent_states": ("csv", "parquet", "asterisk-queue-log"),
    "intervals": ("csv", "parquet"),
}
"""The formats each kind of import reads."""

TABULAR = ("csv", "parquet")
"""Formats that take a column-mapping file."""

DEFAULT_SOURCE = {
    "csv": "csv",
    "parquet": "parquet",
    "technion": "technion",
    "asterisk-queue-log": "asterisk",
    "amazon-connect-ctr": "amazon-connect",
    "genesys-cloud-conversations": "genesys-cloud",
    "twilio-taskrouter-events": "twilio-taskrouter",
}
"""The ``source`` of records when neither ``--source`` nor the mapping names one."""
