"""The unsubscribe link of a notice email: the notice's id, signed with the server's secret, so a link
opts out only the shopper it was sent to and cannot be guessed for anyone else."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_LENGTH = 32  # hex characters (128 bits)


def signature(secret: bytes, notice_id: int) -> str:
    digest = hmac.new(secret, f"delay-notice-stop:{notice_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:SIGNATURE_LENGTH]


def verify(secret: bytes, notice_id: int, given: str) -> bool:
    return hmac.compare_digest(signature(secret, notice_id), given)


def unsubscribe_link(public_url: str, secret: bytes, notice_id: int) -> str:
    return f"{public_url.rstrip('/')}/notices/stop?n={notice_id}&s={signature(secret, notice_id)}"
