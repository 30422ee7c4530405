"""Personal data out of every log line a Shopdesk process writes.

``install()`` replaces the logging module's record factory, so each record's message, arguments and
traceback text are redacted (``bot.language.redaction``) when the record is made: whichever logger
writes it (SQLAlchemy's echo, Sanic, uvicorn, Rasa) and whichever handler prints it. Python warnings are
routed into logging so that they are redacted too (Rasa reports an unknown ``/command`` as a warning that
quotes the message).

The gateway and the action server call ``install()`` on start; Rasa gets it from ``rasa/logging.yml``
(``--logging-config-file``), whose ``redact`` filter is ``redaction_filter`` below.
"""

from __future__ import annotations

import logging
import numbers
import traceback
from collections.abc import Mapping
from typing import Any

from bot.language.redaction import redact

_MARK = "shopdesk_redacted"
_installed = False


def _redacted_argument(value: object) -> object:
    """Text redacted; numbers kept as they are (``%d`` and ``%.1f`` still apply); anything else becomes its
    redacted text (fine for ``%s``)."""
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, numbers.Number):
        return value
    return redact(str(value))


def _redacted(record: logging.LogRecord) -> logging.LogRecord:
    if getattr(record, _MARK, False):
        return record
    # The arguments are redacted one by one rather than merged into the message, because some formatters
    # read them (uvicorn's access log unpacks the client, method, path and status).
    record.msg = redact(record.msg) if isinstance(record.msg, str) else record.msg
    if isinstance(record.args, Mapping):
        record.args = {key: _redacted_argument(value) for key, value in record.args.items()}
    elif record.args:
        record.args = tuple(_redacted_argument(value) for value in record.args)
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
    setattr(record, _MARK, True)
    return record


def install(*, capture_warnings: bool = False) -> None:
    """Redact every log record made from now on in this process (idempotent). ``capture_warnings`` routes
    Python warnings into logging (``py.warnings``) so they are redacted as well: for processes whose
    warnings quote what people wrote (Rasa)."""
    if capture_warnings:
        logging.captureWarnings(True)
    global _installed
    if _installed:
        return
    make_record = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return _redacted(make_record(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = True


class RedactingFilter(logging.Filter):
    """For handlers configured elsewhere: redacts records made before ``install()`` ran, too."""

    def filter(self, record: logging.LogRecord) -> bool:
        _redacted(record)
        return True


def redaction_filter() -> logging.Filter:
    """The ``()`` factory of a ``logging.config.dictConfig`` filter: installs redaction for the whole
    process (configuring a filter is the one hook a logging config file has) and returns the filter."""
    install(capture_warnings=True)
    return RedactingFilter()
