"""A local stand-in for Telegram's Bot API: the HTTP protocol python-telegram-bot speaks, on loopback.

Telegram itself cannot be reached from a test, so this is the one fake of the Telegram tests. It answers
``POST /bot<token>/<method>`` for the methods the bridge uses, records every call, serves injected updates
to ``getUpdates`` (long poll with ``offset``/``timeout``), and can answer the next N ``sendMessage`` calls
with Telegram's flood-control 429.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

TOKEN = "123456789:TEST-fake-token-for-the-local-bot-api"
BOT_USER = {"id": 123456789, "is_bot": True, "first_name": "Shopdesk", "username": "shopdesk_test_bot"}
JSON_FIELDS = {"reply_markup", "allowed_updates"}
INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout"}


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    ok: bool


def _parse(raw: dict[str, Any]) -> dict[str, Any]:
    """PTB posts form fields, JSON-encoding every non-string value."""
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if key in JSON_FIELDS and isinstance(value, str):
            params[key] = json.loads(value)
        elif key in INT_FIELDS and isinstance(value, str):
            params[key] = int(value)
        else:
            params[key] = value
    return params


class FakeTelegram:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.url = ""  # set once served
        self.calls: list[Call] = []
        self.webhook: dict[str, Any] = {"url": ""}
        self._updates: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._failing_sends = 0
        self._retry_after = 1
        self.app = self._make_app()

    # -- what tests call -------------------------------------------------------------------------------

    def fail_next_sends(self, count: int, retry_after: int = 1) -> None:
        with self._lock:
            self._failing_sends, self._retry_after = count, retry_after

    def user_message(self, chat_id: int, text: str) -> dict[str, Any]:
        message = self._incoming(chat_id, text=text)
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self.update(message=message)

    def user_sticker(self, chat_id: int) -> dict[str, Any]:
        sticker = {
            "file_id": "CAACAgIAAxkBAAIB",
            "file_unique_id": "AgADBAAD",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return self.update(message=self._incoming(chat_id, sticker=sticker))

    def button_press(self, chat_id: int, shown: dict[str, Any], callback_data: str) -> dict[str, Any]:
        query = {
            "id": f"cbq-{next(self._update_ids)}",
            "from": self._user(chat_id),
            "chat_instance": "ci-1",
            "message": shown,
            "data": callback_data,
        }
        return self.update(callback_query=query)

    def update(self, **content: Any) -> dict[str, Any]:
        """An update with a fresh id; not queued (see ``inject``)."""
        return {"update_id": next(self._update_ids), **content}

    def inject(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for ``getUpdates``."""
        with self._lock:
            self._updates.append(update)
        return update

    def calls_of(self, method: str, *, ok: bool | None = True) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and (ok is None or c.ok is ok)]

    def sent(self, chat_id: int) -> list[Call]:
        return [c for c in self.calls_of("sendMessage") if c.params.get("chat_id") == chat_id]

    def sent_texts(self, chat_id: int) -> list[str]:
        return [str(c.params["text"]) for c in self.sent(chat_id)]

    def wait_for(self, condition: Callable[[], Any], timeout: float = 15.0, what: str = "a condition") -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = condition()
            if result:
                return result
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; calls: {[c.method for c in self.calls]}")

    # -- the Bot API -----------------------------------------------------------------------------------

    def _user(self, chat_id: int) -> dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": "Olivia", "language_code": "en"}

    def _chat(self, chat_id: int) -> dict[str, Any]:
        return {"id": chat_id, "type": "private", "first_name": "Olivia"}

    def _incoming(self, chat_id: int, **content: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self._chat(chat_id),
            "from": self._user(chat_id),
            **content,
        }

    def _record(self, method: str, params: dict[str, Any], ok: bool) -> None:
        with self._lock:
            self.calls.append(Call(method, params, ok))

    def _make_app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/bot{token}/{method}")
        async def bot_api(token: str, method: str, request: Request) -> JSONResponse:
            if token != self.token:
                return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
            body = await request.body()
            if request.headers.get("content-type", "").startswith("application/json"):
                raw = json.loads(body or b"{}")
            else:
                raw = dict(parse_qsl(body.decode()))
            params = _parse(raw)
            if method == "getUpdates":
                return await self._get_updates(params)
            if method == "sendMessage":
                with self._lock:
                    failing = self._failing_sends > 0
                    if failing:
                        self._failing_sends -= 1
                if failing:
                    self._record(method, params, ok=False)
                    return JSONResponse(
                        {
                            "ok": False,
                            "error_code": 429,
                            "description": f"Too Many Requests: retry after {self._retry_after}",
                            "parameters": {"retry_after": self._retry_after},
                        },
                        status_code=429,
                    )
            self._record(method, params, ok=True)
            return JSONResponse({"ok": True, "result": self._result(method, params)})

        return app

    async def _get_updates(self, params: dict[str, Any]) -> JSONResponse:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 5.0)
        while True:
            with self._lock:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]  # confirmed
                ready = list(self._updates)
            if ready or time.monotonic() >= deadline:
                self._record("getUpdates", params, ok=True)
                return JSONResponse({"ok": True, "result": ready})
            await asyncio.sleep(0.05)

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {**BOT_USER, "can_join_groups": False, "can_read_all_group_messages": False}
        if method == "sendMessage":
            message: dict[str, Any] = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": self._chat(int(params["chat_id"])),
                "from": BOT_USER,
                "text": params["text"],
            }
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            return message
        if method == "setWebhook":
            self.webhook = {"url": params.get("url", ""), "secret_token": params.get("secret_token")}
            return True
        if method == "deleteWebhook":
            self.webhook = {"url": ""}
            return True
        if method == "getWebhookInfo":
            return {"url": self.webhook["url"], "has_custom_certificate": False, "pending_update_count": 0}
        if method == "editMessageReplyMarkup":
            return {
                "message_id": params["message_id"],
                "date": int(time.time()),
                "chat": self._chat(int(params["chat_id"])),
                "from": BOT_USER,
                "text": "",
            }
        if method in {"sendChatAction", "answerCallbackQuery"}:
            return True
        return True
