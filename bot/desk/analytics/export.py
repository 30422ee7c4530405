"""The analytics report as CSV (the standard library's ``csv``): one figure per row, long format.

Columns: ``figure, day, channel, name, value``. A cell a spreadsheet would run as a formula (a shopper's
question starting with ``=``, ``+``, ``-`` or ``@``) is written with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io

from bot.desk.analytics.figures import Report

HEADER = ("figure", "day", "channel", "name", "value")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def rows(report: Report) -> list[tuple[str, ...]]:
    out: list[tuple[object, ...]] = [
        ("range_first_day", report.first, "", "", ""),
        ("range_last_day", report.last, "", "", ""),
        ("conversations", "", "", "", report.conversations),
    ]
    out += [("conversations_per_day", d.day, d.channel, "", d.conversations) for d in report.per_day]
    out += [
        ("contained", "", "", "", report.contained.count),
        ("containment_rate", "", "", "", report.contained.rate),
        ("handed_off", "", "", "", report.handed_off.count),
        ("handoff_rate", "", "", "", report.handed_off.rate),
    ]
    out += [("handoff_reason", "", "", r.name, r.count) for r in report.handoff_reasons]
    out += [("intent", "", "", r.name, r.count) for r in report.top_intents]
    out += [("unanswered_question", q.last_asked.date(), "", q.text, q.count) for q in report.unanswered]
    reply = report.first_reply
    out += [
        ("escalations", "", "", "", reply.escalations),
        ("escalations_answered_by_an_agent", "", "", "", reply.replied),
        ("first_agent_reply_median_seconds", "", "", "", reply.median_seconds),
        ("first_agent_reply_p90_seconds", "", "", "", reply.p90_seconds),
        ("first_agent_reply_mean_seconds", "", "", "", reply.mean_seconds),
    ]
    out += [("first_agent_reply", "", "", b.name, b.count) for b in reply.buckets]
    out += [
        ("satisfaction_responses", "", "", "", report.satisfaction.responses),
        ("satisfaction_average", "", "", "", report.satisfaction.average),
        ("satisfaction_responses_after_a_person", "", "", "", report.satisfaction.after_a_person),
        ("satisfaction_responses_assistant_only", "", "", "", report.satisfaction.assistant_only),
    ]
    out += [("satisfaction_score", "", "", s.name, s.count) for s in report.satisfaction.scores]
    notices = report.notices
    out += [
        ("notices_sent", "", "", "", notices.sent if notices else None),
        ("notice_opt_outs", "", "", "", notices.opted_out if notices else None),
    ]
    return [tuple(_cell(v) for v in row) for row in out]


def to_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows(report))
    return buffer.getvalue()
