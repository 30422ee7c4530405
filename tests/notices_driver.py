"""What the delay-notice tests share: a test-only route that runs one pass of the gateway's notice job, and a
fake assistant's answer that verifies order SD-10002 (so the chat becomes a place its notices can go)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from integrations.notices.job import NoticeJob

notices_driver = APIRouter(prefix="/test")


@notices_driver.post("/notices/run")
async def run_notices(request: Request) -> dict[str, int]:
    job: NoticeJob = request.app.state.notices
    result = await job.run_once()
    return {"recorded": result.recorded, "telegram": result.telegram_sent, "email": result.email_sent}


def verifying(text: str) -> list[dict[str, Any]]:
    """The assistant's answer to an order question: words, and the payload saying what it verified."""
    if "SD-10002" in text:
        payload = {"shopdesk": {"verified_order": "SD-10002", "verified_by": "customer"}}
        return [{"text": "Order SD-10002 is on its way."}, {"custom": payload}]
    return [{"text": f"You said: {text}"}]
