"""When order verification stops answering: failed attempts counted per order, contact and client.

A shopper proves an order is theirs with its number and the email or postcode on it. Guessing either is
cheap, so failures are counted outside the conversation (in the database), per order number, per email or
postcode tried, and per client (web address or Telegram chat), over a sliding window. A success resets
nothing and a new conversation resets nothing. Once any count reaches its limit, every attempt on that
subject fails for the rest of the window, and it fails exactly as a wrong contact does, so a guesser
learns nothing from the lock-out either.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta


class Subject(enum.StrEnum):
    ORDER = "order"
    CONTACT = "contact"
    CLIENT = "client"


@dataclass(frozen=True)
class VerificationLimits:
    """Failed attempts allowed per subject within ``window`` before verification refuses it."""

    window: timedelta = timedelta(hours=24)
    per_order: int = 5
    per_contact: int = 5
    per_client: int = 10

    def limit(self, subject: Subject) -> int:
        limits = {Subject.ORDER: self.per_order, Subject.CONTACT: self.per_contact}
        return limits.get(subject, self.per_client)


def subject_key(secret: bytes, subject: Subject, value: str) -> str:
    """A keyed hash of one subject: the database holds no order number, email or address in clear."""
    return hmac.new(secret, f"{subject.value}:{value}".encode(), hashlib.sha256).hexdigest()


def locked_out(failures: Mapping[Subject, int], limits: VerificationLimits) -> bool:
    """True when any subject of this attempt has used up its failures within the window."""
    return any(count >= limits.limit(subject) for subject, count in failures.items())
