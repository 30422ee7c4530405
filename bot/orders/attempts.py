"""The store of failed verification attempts: counted per subject over a window, never reset."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.orders.rules.lockout import Subject
from bot.orders.tables import VerificationFailureRow


class VerificationAttempts:
    def __init__(self, session: Session) -> None:
        self._session = session

    def failures_since(self, keys: Mapping[Subject, str], since: datetime) -> dict[Subject, int]:
        """How many failures each subject of this attempt has had since ``since``."""
        counts: dict[Subject, int] = {}
        for subject, key in keys.items():
            counts[subject] = (
                self._session.scalar(
                    select(func.count())
                    .select_from(VerificationFailureRow)
                    .where(
                        VerificationFailureRow.subject == subject.value,
                        VerificationFailureRow.subject_key == key,
                        VerificationFailureRow.at >= since,
                    )
                )
                or 0
            )
        return counts

    def record_failure(self, keys: Mapping[Subject, str], at: datetime) -> None:
        self._session.add_all(
            VerificationFailureRow(subject=subject.value, subject_key=key, at=at)
            for subject, key in keys.items()
        )

    def forget_before(self, before: datetime) -> int:
        """Drop failures older than ``before`` (they no longer count); returns how many went."""
        stale = delete(VerificationFailureRow).where(VerificationFailureRow.at < before)
        result = self._session.execute(stale)
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
