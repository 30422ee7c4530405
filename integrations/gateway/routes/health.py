"""Liveness (the process answers) and readiness (Rasa, the action server and the database answer)."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from integrations.gateway.deps import SettingsDep
from integrations.gateway.schemas import ComponentOut, LiveOut, ReadyOut

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live", response_model=LiveOut)
async def live() -> LiveOut:
    return LiveOut()


async def _http_ok(
    client: httpx.AsyncClient, url: str, timeout: float, params: dict[str, str] | None = None
) -> ComponentOut:
    try:
        response = await client.get(url, params=params, timeout=timeout)
    except httpx.HTTPError as exc:
        return ComponentOut(ok=False, detail=f"unreachable ({type(exc).__name__})")
    if response.status_code != 200:
        return ComponentOut(ok=False, detail=f"HTTP {response.status_code}")
    return ComponentOut(ok=True, detail="ok")


def _database_ok(factory: sessionmaker[Session]) -> ComponentOut:
    try:
        with factory() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not ready"; the detail names only its type
        return ComponentOut(ok=False, detail=f"unreachable ({type(exc).__name__})")
    return ComponentOut(ok=True, detail="ok")


@router.get("/ready", response_model=ReadyOut, responses={503: {"model": ReadyOut}})
async def ready(request: Request, settings: SettingsDep) -> JSONResponse:
    client: httpx.AsyncClient = request.app.state.http
    rasa, actions, database = await asyncio.gather(
        _http_ok(
            client,
            f"{settings.rasa_url.rstrip('/')}/status",
            settings.health_timeout,
            {"token": settings.rasa_token} if settings.rasa_token else None,
        ),
        _http_ok(client, f"{settings.action_server_url.rstrip('/')}/health", settings.health_timeout),
        run_in_threadpool(_database_ok, request.app.state.session_factory),
    )
    components = {"rasa": rasa, "action_server": actions, "database": database}
    ok = all(c.ok for c in components.values())
    body = ReadyOut(status="ready" if ok else "unavailable", components=components)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
