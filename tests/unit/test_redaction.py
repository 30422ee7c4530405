import logging

import pytest

from bot.language.redaction import redact, without_card_numbers
from bot.ops import log_redaction


@pytest.mark.parametrize(
    ("text", "placeholder", "secret"),
    [
        ("my email is Jo.Bloggs+shop@Example.co.uk thanks", "[email]", "Bloggs"),
        ("call me on +44 7700 900123", "[phone]", "900123"),
        ("call me on 07700-900-123 after six", "[phone]", "900"),
        ("card 4111 1111 1111 1111 please", "[card]", "1111"),
        ("card 4111-1111-1111-1111", "[card]", "4111"),
        ("I live at 221B Baker Street, London", "[address]", "Baker"),
        ("ship to 12 Acacia Avenue", "[address]", "Acacia"),
        ("postcode sw1a 1aa", "[postcode]", "1aa"),
    ],
)
def test_personal_data_is_replaced_by_what_it_was(text: str, placeholder: str, secret: str) -> None:
    redacted = redact(text)
    assert placeholder in redacted
    assert secret not in redacted


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("card 4111 1111 1111 1111 please", "card [card] please"),
        ("amex 3782-822463-10005", "amex [card]"),
        ("5555555555554444", "[card]"),
        ("tracking 15501234567891", "tracking 15501234567891"),  # fails the check digit: no card
        ("SD-10001, SW1A 1AA, jo@example.com", "SD-10001, SW1A 1AA, jo@example.com"),  # needed to verify
    ],
)
def test_only_card_numbers_are_taken_out_of_what_a_shopper_types(typed: str, kept: str) -> None:
    assert without_card_numbers(typed) == kept


@pytest.mark.parametrize(
    "line",
    [
        "conversation 550e8400-e29b-41d4-a716-446655440000 is now queued",
        "order 100042 shipped on 2026-11-30 02:23:50",
        "Rasa at http://127.0.0.1:5005 answered in 0.123456s",
        "retrying in 1.5s (attempt 2 of 5)",
    ],
)
def test_what_operators_need_is_left_alone(line: str) -> None:
    assert redact(line) == line


def test_installed_redaction_covers_messages_arguments_and_tracebacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log_redaction.install()
    logger = logging.getLogger("tests.redaction")
    with caplog.at_level(logging.INFO, logger="tests.redaction"):
        logger.info("shopper wrote %s", "jo@example.com or 07700 900123")
        try:
            raise ValueError("bad card 4111 1111 1111 1111")
        except ValueError:
            logger.exception("failed for %s", "jo@example.com")
    text = caplog.text
    assert "jo@example.com" not in text
    assert "900123" not in text
    assert "4111" not in text
    assert "[email]" in text and "[card]" in text


def test_uvicorns_access_log_still_formats_after_redaction() -> None:
    from uvicorn.logging import AccessFormatter

    log_redaction.install()
    args = ("127.0.0.1:5000", "GET", "/api/x?email=jo@example.com", "1.1", 200)
    record = logging.getLogger("uvicorn.access").makeRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', args, None
    )
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s').format(record)
    assert line == '127.0.0.1:5000 - "GET /api/x?email=[email] HTTP/1.1" 200 OK'


def test_numbers_keep_their_format_after_redaction(caplog: pytest.LogCaptureFixture) -> None:
    log_redaction.install()
    with caplog.at_level(logging.INFO, logger="tests.redaction"):
        logging.getLogger("tests.redaction").info("retrying in %.1fs, attempt %d", 1.25, 2)
    assert "retrying in 1.2s, attempt 2" in caplog.text


def test_the_rasa_logging_config_installs_redaction() -> None:
    import logging.config
    from pathlib import Path

    import yaml

    config = yaml.safe_load((Path(__file__).parents[2] / "rasa-logging.yml").read_text())
    logging.config.dictConfig(config)
    args = ("/buy{'e': 'jo@example.com'}",)
    record = logging.getLogger("rasa.test").makeRecord(
        "rasa.test", logging.WARNING, __file__, 1, "unknown intent in %s", args, None
    )
    assert "jo@example.com" not in record.getMessage()
