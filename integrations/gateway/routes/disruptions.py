"""Disruptions (a carrier or region slowed down: storms, strikes, depot closures), recorded by an operator
in the agent console: list, record, close. Agents log in (``AgentDep``) for every route.

The assistant's delay answers read active disruptions from the database on every question
(``ShopService.status``), so a recorded disruption changes them at once; recording one also wakes the
delay-notice job on this replica (when it leads the job; otherwise its leader's next pass picks it up),
so the shoppers it affects are told.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, status
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator
from starlette.concurrency import run_in_threadpool

from bot.clock import system_clock
from bot.orders.model import Disruption
from bot.orders.repository import OrderRepository
from integrations.gateway.deps import AgentDep, SessionDep

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/agent/disruptions", tags=["disruptions"])

DisruptionId = Annotated[int, Path(ge=1, le=2**31 - 1)]
MAX_EXTRA_DAYS = 60


def _codes(values: list[str], *, length: int | None = None) -> list[str]:
    codes = [v.strip().upper() for v in values if v.strip()]
    for code in codes:
        if "," in code or (length is not None and (len(code) != length or not code.isalpha())):
            raise ValueError(f"{code!r} is not a valid code")
    return codes


class DisruptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    carrier: str | None = Field(default=None, max_length=64, description="None: every carrier")
    countries: list[str] = Field(default_factory=list, max_length=50, description="ISO alpha-2; empty: all")
    postcode_prefixes: list[str] = Field(
        default_factory=list, max_length=200, description="empty: everywhere"
    )
    starts_at: AwareDatetime | None = Field(default=None, description="default: now")
    ends_at: AwareDatetime | None = Field(default=None, description="None: until closed")
    extra_days: int = Field(ge=0, le=MAX_EXTRA_DAYS)
    explanation: str = Field(min_length=1, max_length=1000, description="shown to shoppers as written")

    @field_validator("title", "explanation", "carrier")
    @classmethod
    def _stripped(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = " ".join(value.split())
        if not value:
            raise ValueError("must not be blank")
        return value

    @field_validator("countries")
    @classmethod
    def _countries(cls, value: list[str]) -> list[str]:
        return _codes(value, length=2)

    @field_validator("postcode_prefixes")
    @classmethod
    def _prefixes(cls, value: list[str]) -> list[str]:
        codes = _codes(value)
        if any(len(code) > 10 for code in codes):
            raise ValueError("a postcode prefix is at most 10 characters")
        return codes

    @model_validator(mode="after")
    def _ends_after_start(self) -> DisruptionIn:
        if self.ends_at is not None and self.starts_at is not None and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class DisruptionOut(BaseModel):
    id: int
    title: str
    carrier: str | None
    countries: list[str]
    postcode_prefixes: list[str]
    starts_at: datetime
    ends_at: datetime | None
    extra_days: int
    explanation: str
    active: bool

    @classmethod
    def of(cls, d: Disruption, now: datetime) -> DisruptionOut:
        return cls(
            id=d.id,
            title=d.title,
            carrier=d.carrier,
            countries=list(d.countries),
            postcode_prefixes=list(d.postcode_prefixes),
            starts_at=d.starts_at,
            ends_at=d.ends_at,
            extra_days=d.extra_days,
            explanation=d.explanation,
            active=d.is_active(now),
        )


def _now(request: Request) -> datetime:
    """The order system's clock: the one the delivery rules judge "active" by (SHOPDESK_NOW in the demo)."""
    clock = request.app.state.settings.clock
    return clock() if clock is not None else system_clock()


@router.get("", response_model=list[DisruptionOut])
async def list_disruptions(request: Request, agent: AgentDep, session: SessionDep) -> list[DisruptionOut]:
    """Every disruption, the newest first."""
    found = await run_in_threadpool(OrderRepository(session).disruptions)
    now = _now(request)
    return [DisruptionOut.of(d, now) for d in found]


@router.post("", response_model=DisruptionOut, status_code=status.HTTP_201_CREATED)
async def record_disruption(
    request: Request, body: DisruptionIn, agent: AgentDep, session: SessionDep
) -> DisruptionOut:
    """Record a disruption; the assistant's delay answers use it at once, and affected shoppers are told."""
    now = _now(request)
    starts = (body.starts_at or now).astimezone(UTC)
    ends = body.ends_at.astimezone(UTC) if body.ends_at else None
    if ends is not None and ends <= starts:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, "ends_at must be after starts_at")
    new = Disruption(
        id=0,
        title=body.title,
        carrier=body.carrier,
        countries=tuple(body.countries),
        postcode_prefixes=tuple(body.postcode_prefixes),
        starts_at=starts,
        ends_at=ends,
        extra_days=body.extra_days,
        explanation=body.explanation,
    )

    def add() -> Disruption:
        with session.begin():
            return OrderRepository(session).add_disruption(new)

    stored = await run_in_threadpool(add)
    log.info("agent %d recorded disruption %d", agent.id, stored.id)
    request.app.state.notices.wake.set()
    return DisruptionOut.of(stored, now)


@router.post("/{disruption_id}/close", response_model=DisruptionOut)
async def close_disruption(
    request: Request, disruption_id: DisruptionId, agent: AgentDep, session: SessionDep
) -> DisruptionOut:
    """End a disruption now: delay answers stop mentioning it."""
    now = _now(request)

    def close() -> Disruption | None:
        with session.begin():
            return OrderRepository(session).close_disruption(disruption_id, now)

    closed = await run_in_threadpool(close)
    if closed is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "No such disruption.")
    log.info("agent %d closed disruption %d", agent.id, disruption_id)
    return DisruptionOut.of(closed, now)
