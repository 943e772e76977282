"""Every stored schedule state and activity kind has a message id, so pages translate it."""

from ccops.wfm.schedules import common as schedule_common
from ccops.wfm.schedules import labels as schedule_labels


def test_every_fixed_activity_kind_has_a_label() -> None:
    assert set(schedule_common.FIXED_KINDS) <= set(schedule_labels.ACTIVITY_LABELS)
    assert {"work", "break", "lunch"} <= set(schedule_labels.ACTIVITY_LABELS)


def test_labels_are_their_own_message_ids() -> None:
    for labels in (schedule_labels.STATUS_LABELS, schedule_labels.ACTIVITY_LABELS):
        assert all(key == msgid for key, msgid in labels.items())
