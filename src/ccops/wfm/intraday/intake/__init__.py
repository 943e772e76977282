"""The live event intake: contact and agent-state events arriving continuously, idempotent per
event id, with the interval totals of the intraday view updated in place as they are written.

An event is one JSON object: ``id`` (unique per event), ``type`` (``contact`` or
``agent_state``), an optional ``event_at`` (when the source emitted it; default its latest
timestamp) and the fields of an imported record (see ``contacts.importers.tabular``):

* contact: ``external_id`` (the contact; default the event id), ``queue``, ``arrival`` (or
  ``arrival_at``), ``outcome``, ``answered_at``/``wait_s``, ``ended_at``/``talk_s``, ``hold_s``,
  ``wrap_s``, ``agent``, ``customer_key``, ``channel``;
* agent_state: ``external_id`` (the span; default ``person:start epoch``), ``person`` (or
  ``agent``), ``state``, ``start`` (or ``start_at``), ``end`` (or ``end_at``; none: still open),
  ``reason_code``.

Records are validated by the importers' own rules. Each event gets one result: ``accepted``
(written, or logged without change), ``duplicate`` (its id was already received with the same
content, in an earlier batch or earlier in this one), ``stale`` (older than the newest event seen
for its contact or span: logged, never applied) or ``rejected`` with the reason (malformed
JSON, missing or reused id, unknown type, queue, agent or channel, outside the caller's scope,
dated in the future, invalid record); the good events of a batch are kept.

Modules: ``parse`` (decode, dedupe, validate), ``store`` (apply and write a batch), ``follow``
(the events of a growing file). The whole use case, with what follows a batch (adherence alerts,
exception plans), is ``ccops.flows.ingest_events``.
"""
