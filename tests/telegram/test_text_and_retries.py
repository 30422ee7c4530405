"""Pure pieces of the bridge: message splitting, bounded retries, settings that refuse to run."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import SecretStr
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from integrations.gateway.metrics import Metrics
from integrations.telegram.config import TelegramConfigError, TelegramSettings
from integrations.telegram.sending import Sender
from integrations.telegram.text import MAX_MESSAGE_LENGTH, split_message, telegram_length


def test_a_short_message_is_left_alone() -> None:
    assert split_message("  Your parcel is on its way.\n") == ["Your parcel is on its way."]


def test_a_long_message_is_cut_at_a_line_break_before_a_space() -> None:
    text = "first line with words\nsecond line with words"
    assert split_message(text, limit=30) == ["first line with words", "second line with words"]


def test_a_long_line_is_cut_between_words() -> None:
    assert split_message("one two three four five", limit=10) == ["one two", "three four", "five"]


def test_a_single_overlong_word_is_cut_hard() -> None:
    assert split_message("a" * 25, limit=10) == ["a" * 10, "a" * 10, "a" * 5]


def test_emoji_count_twice_as_telegram_counts_them() -> None:
    text = "📦" * 3000  # 6000 UTF-16 units
    chunks = split_message(text)
    assert [len(c) for c in chunks] == [2048, 952]
    assert all(telegram_length(c) <= MAX_MESSAGE_LENGTH for c in chunks)


class Clock:
    def __init__(self) -> None:
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def run(sender: Sender, failures: list[Exception]) -> tuple[Any, int]:
    calls = 0

    async def request() -> str:
        nonlocal calls
        calls += 1
        if failures:
            raise failures.pop(0)
        return "sent"

    return asyncio.run(sender.call("sendMessage", request)), calls


def test_a_flood_wait_sleeps_as_long_as_telegram_asks_then_succeeds() -> None:
    clock = Clock()
    result, calls = run(Sender(Metrics(), sleep=clock.sleep), [RetryAfter(3)])
    assert (result, calls) == ("sent", 2)
    assert clock.slept == [pytest.approx(3.1)]


def test_network_errors_back_off_exponentially() -> None:
    clock = Clock()
    result, calls = run(Sender(Metrics(), sleep=clock.sleep), [TimedOut(), NetworkError("reset")])
    assert (result, calls) == ("sent", 3)
    assert clock.slept[0] == pytest.approx(0.5, rel=0.25)
    assert clock.slept[1] == pytest.approx(1.0, rel=0.25)


def test_a_call_that_keeps_failing_is_raised_and_counted_after_the_last_attempt() -> None:
    metrics, clock = Metrics(), Clock()
    with pytest.raises(TimedOut):
        run(Sender(metrics, attempts=3, sleep=clock.sleep), [TimedOut()] * 5)
    assert len(clock.slept) == 2
    assert metrics.error_count("telegram_send") == 1


@pytest.mark.parametrize("error", [BadRequest("chat not found"), Forbidden("bot was blocked by the user")])
def test_refusals_are_not_retried(error: Exception) -> None:
    metrics, clock = Metrics(), Clock()
    with pytest.raises(type(error)):
        run(Sender(metrics, sleep=clock.sleep), [error])
    assert clock.slept == []
    assert metrics.error_count("telegram_send") == 1


def test_a_flood_wait_longer_than_the_cap_gives_up_at_once() -> None:
    metrics, clock = Metrics(), Clock()
    with pytest.raises(RetryAfter):
        run(Sender(metrics, max_retry_after=10, sleep=clock.sleep), [RetryAfter(3600)])
    assert clock.slept == []


def test_the_bridge_refuses_to_run_without_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOPDESK_TELEGRAM_TOKEN", raising=False)
    with pytest.raises(TelegramConfigError, match="SHOPDESK_TELEGRAM_TOKEN"):
        TelegramSettings().checked()


def test_webhook_mode_needs_a_strong_secret() -> None:
    settings = TelegramSettings(token=SecretStr("1:x"), webhook_url="https://shop.example/telegram/webhook")
    assert settings.effective_mode == "webhook"
    with pytest.raises(TelegramConfigError, match="WEBHOOK_SECRET"):
        settings.checked()
    with pytest.raises(TelegramConfigError, match="WEBHOOK_SECRET"):
        TelegramSettings(
            token=SecretStr("1:x"), webhook_url=settings.webhook_url, webhook_secret=SecretStr("short")
        ).checked()


def test_the_token_never_shows_in_a_repr() -> None:
    settings = TelegramSettings(token=SecretStr("123:very-secret"))
    assert "very-secret" not in repr(settings)
