"""``python -m integrations.telegram [--polling | --webhook]``: the gateway with the Telegram bridge attached.

The bridge lives in the gateway's process (live delivery goes through its in-process hub), so this serves
the whole gateway (web chat API, widget, agent console) plus Telegram. Run it *instead of* the plain
gateway, not next to it. It refuses to start without ``SHOPDESK_TELEGRAM_TOKEN``.
"""

from __future__ import annotations

import argparse
import logging
import sys

import uvicorn
from fastapi import FastAPI

from bot.ops import log_redaction
from integrations.gateway.app import create_app
from integrations.gateway.routes import telegram as telegram_routes
from integrations.telegram.config import WEBHOOK_PATH, Mode, TelegramConfigError, TelegramSettings


def gateway_with_telegram(settings: TelegramSettings) -> FastAPI:
    """The gateway app with the Telegram router included (once, whether or not app.py already does)."""
    app = create_app()
    if not any(getattr(route, "path", None) == WEBHOOK_PATH for route in app.routes):
        app.include_router(telegram_routes.router)
    app.state.telegram_settings = settings
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m integrations.telegram", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--polling", action="store_const", const="polling", dest="mode", help="development")
    mode.add_argument("--webhook", action="store_const", const="webhook", dest="mode", help="production")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log_redaction.install()

    settings = TelegramSettings()
    chosen: Mode | None = args.mode
    if chosen is not None:
        settings = settings.model_copy(update={"mode": chosen})
    try:
        settings.checked()
    except TelegramConfigError as exc:
        print(f"telegram: {exc}", file=sys.stderr)
        return 2
    uvicorn.run(gateway_with_telegram(settings), host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
