"""The Telegram bridge's settings, from the environment (prefix ``SHOPDESK_TELEGRAM_``).

Only the bot token is needed for polling; webhook mode also needs the public URL Telegram posts to and a
secret Telegram echoes in ``X-Telegram-Bot-Api-Secret-Token``. The token and the secret are ``SecretStr``
so that neither shows up in a repr or a log line.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.language.wording import Msg, say

Mode = Literal["polling", "webhook"]

# Telegram accepts 1-256 characters of A-Z, a-z, 0-9, _ and -; we ask for at least 32 (secrets.token_urlsafe).
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,256}$")
WEBHOOK_PATH = "/telegram/webhook"


class TelegramConfigError(ValueError):
    """The settings cannot run the bridge in the requested mode (the message says which variable)."""


class TelegramSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOPDESK_TELEGRAM_", extra="ignore")

    token: SecretStr | None = None  # from @BotFather; without it the bridge stays off
    # "polling" asks Telegram for updates (development); "webhook" has Telegram post them to the gateway.
    # Unset: webhook when a webhook URL is configured, else polling.
    mode: Mode | None = None
    webhook_url: str | None = None  # public https URL of the gateway's /telegram/webhook
    webhook_secret: SecretStr | None = None
    api_base_url: str = (
        "https://api.telegram.org/bot"  # the token is appended (a local Bot API server, tests)
    )
    api_file_base_url: str = "https://api.telegram.org/file/bot"
    poll_timeout: int = Field(default=30, ge=0, le=50)  # long-poll seconds per getUpdates
    send_attempts: int = Field(default=5, ge=1, le=10)  # per Bot API call, the first one included
    max_retry_after: float = Field(default=60.0, gt=0)  # a flood wait longer than this gives up instead
    greeting: str = say(Msg.TELEGRAM_GREETING)

    @field_validator("webhook_url")
    @classmethod
    def _https_or_loopback(cls, value: str | None) -> str | None:
        if value and not value.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ValueError("Telegram only posts webhooks to https:// URLs")
        return value

    @property
    def effective_mode(self) -> Mode:
        if self.mode is not None:
            return self.mode
        return "webhook" if self.webhook_url else "polling"

    @property
    def enabled(self) -> bool:
        return self.token is not None and bool(self.token.get_secret_value())

    def checked(self) -> TelegramSettings:
        """These settings when they can run the bridge in ``effective_mode``; else ``TelegramConfigError``."""
        if not self.enabled:
            raise TelegramConfigError("set SHOPDESK_TELEGRAM_TOKEN to the token @BotFather gave you")
        if self.effective_mode == "webhook":
            if not self.webhook_url:
                raise TelegramConfigError("webhook mode needs SHOPDESK_TELEGRAM_WEBHOOK_URL")
            secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
            if not SECRET_PATTERN.fullmatch(secret):
                raise TelegramConfigError(
                    "webhook mode needs SHOPDESK_TELEGRAM_WEBHOOK_SECRET: 32-256 characters of A-Z, a-z, "
                    "0-9, _ and - (python -c 'import secrets; print(secrets.token_urlsafe(32))')"
                )
        return self
