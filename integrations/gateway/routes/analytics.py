"""The agent console's analytics: what the assistant resolved, as JSON for the page and as a CSV export.

``GET /api/agent/analytics?from=YYYY-MM-DD&to=YYYY-MM-DD`` (UTC days, both included; the last 30 days by
default) and ``GET /api/agent/analytics.csv`` with the same parameters. Agents only. The figures and what
each one counts: ``bot/desk/analytics/figures.py``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import Response
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from bot.clock import system_clock
from bot.desk.analytics.export import to_csv
from bot.desk.analytics.figures import DateRange, InvalidRange, Report
from bot.desk.analytics.reader import build_report
from integrations.gateway.deps import AgentDep

router = APIRouter(prefix="/api/agent", tags=["agent console"])

DEFAULT_DAYS = 30

First = Annotated[
    date | None, Query(alias="from", description="First UTC day (default: 29 days before `to`).")
]
Last = Annotated[date | None, Query(alias="to", description="Last UTC day, included (default: today).")]


def _period(first: date | None, last: date | None) -> DateRange:
    last = last or system_clock().date()
    try:
        return DateRange(first, last) if first else DateRange.ending(last, DEFAULT_DAYS)
    except InvalidRange as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None


async def _report(request: Request, first: date | None, last: date | None) -> Report:
    period = _period(first, last)
    factory: sessionmaker[Session] = request.app.state.session_factory

    def build() -> Report:
        with factory() as session:
            return build_report(session, period)

    return await run_in_threadpool(build)


@router.get("/analytics", response_model=Report)
async def analytics(request: Request, agent: AgentDep, first: First = None, last: Last = None) -> Report:
    """Conversations per day and channel, containment and handoffs, top intents, unanswered questions,
    time to first agent reply, satisfaction, notices: for the conversations started in the range."""
    return await _report(request, first, last)


@router.get("/analytics.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
async def analytics_csv(
    request: Request, agent: AgentDep, first: First = None, last: Last = None
) -> Response:
    """The same figures as CSV (``figure, day, channel, name, value``), to download."""
    report = await _report(request, first, last)
    filename = f"shopdesk-analytics-{report.first.isoformat()}-to-{report.last.isoformat()}.csv"
    return Response(
        to_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
