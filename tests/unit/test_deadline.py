from datetime import UTC, datetime, timedelta

from bot.desk.deadline import REPLY_BY, reply_by, too_late_to_act

SENT = datetime(2026, 10, 15, 10, 0, tzinfo=UTC)


def test_an_action_may_act_before_reply_by_and_not_after() -> None:
    metadata = {REPLY_BY: reply_by(SENT, 30)}
    assert not too_late_to_act(metadata, SENT + timedelta(seconds=20))
    assert too_late_to_act(metadata, SENT + timedelta(seconds=25))


def test_reply_by_comes_before_the_gateway_stops_waiting() -> None:
    assert datetime.fromisoformat(reply_by(SENT, 30)) < SENT + timedelta(seconds=30)


def test_a_turn_without_a_readable_deadline_has_none() -> None:
    later = SENT + timedelta(days=1)
    assert not too_late_to_act(None, later)
    assert not too_late_to_act({}, later)
    assert not too_late_to_act({REPLY_BY: "soon"}, later)
    assert not too_late_to_act({REPLY_BY: 12}, later)
    assert not too_late_to_act({REPLY_BY: "2026-10-15T10:00:00"}, later)  # no offset: not ours
