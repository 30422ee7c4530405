"""The agent console's page: static HTML, CSS and JavaScript from integrations/console/static/.

No build step: the page talks to the console API (``routes/console.py``, ``routes/analytics.py``) on the
same origin, so its Content-Security-Policy allows nothing but this origin. The one third-party file is
Chart.js (the analytics charts), vendored in ``static/vendor/chart.js/`` with its licence and served from
here: no network beyond the gateway.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC_DIR = Path(__file__).resolve().parents[2] / "console" / "static"
CHART_JS_DIR = STATIC_DIR / "vendor" / "chart.js"

router = APIRouter(tags=["agent console"])

# 'self' covers ws:/wss: to the same host in CSP Level 3 (Chromium, Firefox, Safari).
CONSOLE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
PAGE_HEADERS = {**HEADERS, "Content-Security-Policy": CONSOLE_CSP, "X-Frame-Options": "DENY"}


@router.get("/console", response_class=FileResponse, responses={200: {"content": {"text/html": {}}}})
async def console_page() -> FileResponse:
    """The agent console: log in, take conversations from the queue, reply, hand back."""
    return FileResponse(
        STATIC_DIR / "index.html", media_type="text/html; charset=utf-8", headers=PAGE_HEADERS
    )


@router.get(
    "/console/disruptions", response_class=FileResponse, responses={200: {"content": {"text/html": {}}}}
)
async def disruptions_page() -> FileResponse:
    """Delivery disruptions: record one (carrier, regions, dates, explanation), see them, close them."""
    return FileResponse(
        STATIC_DIR / "disruptions.html", media_type="text/html; charset=utf-8", headers=PAGE_HEADERS
    )


@router.get(
    "/console/disruptions.js",
    response_class=FileResponse,
    responses={200: {"content": {"text/javascript": {}}}},
)
async def disruptions_js() -> FileResponse:
    return FileResponse(
        STATIC_DIR / "disruptions.js", media_type="text/javascript; charset=utf-8", headers=HEADERS
    )


@router.get(
    "/console/console.js", response_class=FileResponse, responses={200: {"content": {"text/javascript": {}}}}
)
async def console_js() -> FileResponse:
    return FileResponse(
        STATIC_DIR / "console.js", media_type="text/javascript; charset=utf-8", headers=HEADERS
    )


@router.get(
    "/console/analytics.js",
    response_class=FileResponse,
    responses={200: {"content": {"text/javascript": {}}}},
)
async def analytics_js() -> FileResponse:
    return FileResponse(
        STATIC_DIR / "analytics.js", media_type="text/javascript; charset=utf-8", headers=HEADERS
    )


@router.get(
    "/console/vendor/chart.js/chart.umd.min.js",
    response_class=FileResponse,
    responses={200: {"content": {"text/javascript": {}}}},
)
async def chart_js() -> FileResponse:
    """Chart.js (MIT licence, ``vendor/chart.js/LICENSE.md``), the analytics view's charts."""
    return FileResponse(
        CHART_JS_DIR / "chart.umd.min.js", media_type="text/javascript; charset=utf-8", headers=HEADERS
    )


@router.get(
    "/console/vendor/chart.js/LICENSE.md",
    response_class=FileResponse,
    responses={200: {"content": {"text/markdown": {}}}},
)
async def chart_js_licence() -> FileResponse:
    return FileResponse(
        CHART_JS_DIR / "LICENSE.md", media_type="text/markdown; charset=utf-8", headers=HEADERS
    )


@router.get(
    "/console/console.css", response_class=FileResponse, responses={200: {"content": {"text/css": {}}}}
)
async def console_css() -> FileResponse:
    return FileResponse(STATIC_DIR / "console.css", media_type="text/css; charset=utf-8", headers=HEADERS)
