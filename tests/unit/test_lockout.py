from __future__ import annotations

from bot.orders.rules.lockout import Subject, VerificationLimits, locked_out, subject_key

LIMITS = VerificationLimits(per_order=5, per_contact=5, per_client=10)


def test_an_attempt_below_every_limit_is_not_locked_out() -> None:
    assert not locked_out({Subject.ORDER: 4, Subject.CONTACT: 4, Subject.CLIENT: 9}, LIMITS)


def test_an_order_that_used_up_its_failures_is_locked_out_whatever_the_other_counts() -> None:
    assert locked_out({Subject.ORDER: 5, Subject.CONTACT: 0}, LIMITS)


def test_a_client_is_allowed_more_failures_than_one_order() -> None:
    assert not locked_out({Subject.CLIENT: 9}, LIMITS)
    assert locked_out({Subject.CLIENT: 10}, LIMITS)


def test_subject_keys_hide_the_value_and_depend_on_the_secret_and_the_kind() -> None:
    key = subject_key(b"secret", Subject.CONTACT, "olivia.bennett@example.com")
    assert "olivia" not in key and len(key) == 64
    assert key != subject_key(b"other", Subject.CONTACT, "olivia.bennett@example.com")
    assert key != subject_key(b"secret", Subject.CLIENT, "olivia.bennett@example.com")
