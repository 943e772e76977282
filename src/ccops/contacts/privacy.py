"""Erase a customer's personal data from the contact records."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from ccops.contacts.importers.base import (
    hash_customer_key,
    normalise_customer_key,
)
from ccops.contacts.models import Contact, Erasure
from ccops.errors import Invalid, Problem


def erase_customer(*, session: Session, customer_key: str, secret_key: str) -> int:
    """Erase a customer's link to their contacts, and the references to their recordings and
    transcripts; keep every other field (the statistics); record the count.

    Returns:
        The number of contacts whose customer hash was removed.
    """
    key = normalise_customer_key(customer_key)
    if key is None:
        raise Invalid(
            "the customer key is empty or 0 (unknown customers have no link to erase)",
            [Problem("empty or zero", field="customer_key")],
        )
    digest = hash_customer_key(key, secret_key)
    result = session.execute(
        update(Contact)
        .where(Contact.customer_hash == digest)
        .values(customer_hash=None, recording_ref=None, transcript_ref=None)
        .execution_options(synchronize_session=False)
    )
    affected = int(getattr(result, "rowcount", 0) or 0)
    session.add(Erasure(contacts_affected=affected))
    session.flush()
    return affected
