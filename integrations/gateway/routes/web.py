"""The embeddable widget's files and the demo shop page that embeds it."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

WEB_DIR = Path(__file__).resolve().parents[2] / "web"

router = APIRouter(tags=["web"])

NO_CACHE = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}


@router.get("/", response_class=FileResponse, responses={200: {"content": {"text/html": {}}}})
async def demo_shop() -> FileResponse:
    """Harbour & Pine, a fictional shop with the chat widget on it."""
    return FileResponse(WEB_DIR / "index.html", media_type="text/html; charset=utf-8", headers=NO_CACHE)


@router.get("/widget.js", response_class=FileResponse, responses={200: {"content": {"text/javascript": {}}}})
async def widget_js() -> FileResponse:
    """The widget: ``<script src=".../widget.js" data-shopdesk-url="..."></script>`` on any page."""
    return FileResponse(WEB_DIR / "widget.js", media_type="text/javascript; charset=utf-8", headers=NO_CACHE)


@router.get("/widget.css", response_class=FileResponse, responses={200: {"content": {"text/css": {}}}})
async def widget_css() -> FileResponse:
    return FileResponse(WEB_DIR / "widget.css", media_type="text/css; charset=utf-8", headers=NO_CACHE)
