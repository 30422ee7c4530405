"""One Settings object, read from the environment (prefix ``SHOPDESK_``).

It is the application's only reader of ``SHOPDESK_*`` variables: ``knowledge`` reads none and gets its
folders and embedding settings from here (``embedding``; ``bot/ops/cli.py`` passes them to the
``knowledge`` command), and ``tests/unit/test_boundaries.py`` keeps it so.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.clock import Clock, clock_from
from bot.orders.rules.lockout import VerificationLimits
from bot.policy import DEFAULT_POLICY_FILE, Policy, load_policy
from knowledge.embedding import DEFAULT_BACKEND, Backend, EmbeddingSettings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_cache() -> Path:
    return Path.home() / ".cache" / "shopdesk"


DEVELOPMENT_SECRET_KEY = "shopdesk-development-key-not-secret"
MIN_SECRET_LENGTH = 32
Environment = Literal["development", "production"]


def default_database_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'var' / 'shopdesk.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOPDESK_", extra="ignore")

    # "production" makes the gateway and the action server refuse unsafe settings (``check_production``).
    env: Environment = "development"
    database_url: str = Field(default_factory=default_database_url)
    now: str | None = None  # ISO 8601; fixes the clock when set
    policy_file: Path = DEFAULT_POLICY_FILE
    knowledge_dir: Path = PROJECT_ROOT / "knowledge" / "docs"
    index_dir: Path = PROJECT_ROOT / "var" / "index"
    rasa_url: str = "http://127.0.0.1:5005"
    action_server_url: str = "http://127.0.0.1:5055"
    # Rasa's HTTP API (trackers, events, the model) answers only with this token (``rasa run --auth-token``);
    # the action server's webhook only with its own. scripts/run.sh makes random ones when unset.
    rasa_token: str = ""
    action_server_token: str = ""
    # Several gateway replicas share live delivery, rate limits, turn order and the one-replica jobs through
    # this Redis (e.g. redis://127.0.0.1:6379/0). Unset: one gateway process keeps all of that in memory.
    redis_url: str | None = None
    # Prefixes every Redis key and pub/sub channel (channels ignore the URL's database number), so
    # several deployments or test runs can share one Redis.
    redis_prefix: str = "shopdesk"
    # Keys the hashes of verification subjects (and other server-side secrets); set it in production.
    secret_key: str = DEVELOPMENT_SECRET_KEY
    verify_window_hours: int = Field(default=24, ge=1)
    verify_max_failures_per_order: int = Field(default=5, ge=1)
    verify_max_failures_per_contact: int = Field(default=5, ge=1)
    verify_max_failures_per_client: int = Field(default=10, ge=1)
    # Conversations, escalations and Rasa trackers are kept this long after their last activity
    # (bot/ops/retention.py); the privacy document promises two years.
    retention_days: int = Field(default=730, ge=1)
    rasa_tracker_db: Path | None = None  # Rasa's SQLite tracker store (endpoints.yml), for the purge
    # A web shopper's token stops working (and the conversation closes) after this long without a message.
    conversation_idle_hours: float = Field(default=24, gt=0)

    # Agent presence (bot/desk/agents/presence.py): an open console sends a beat this often, and one not
    # heard from for ``presence_stale_seconds`` no longer counts as the agent being there.
    console_beat_seconds: float = Field(default=15, gt=0)
    presence_stale_seconds: float = Field(default=45, gt=0)

    @property
    def presence_stale_after(self) -> timedelta:
        return timedelta(seconds=self.presence_stale_seconds)

    # Proactive delay notices (bot/desk/notices): how often the leader looks for newly delayed orders
    # (0: never; `shopdesk notices run` still runs one pass), and the gateway's public address, which
    # the notice emails' unsubscribe link points at (unset: they say to reply STOP instead).
    notices_every_minutes: float = Field(default=15, ge=0)
    public_url: str | None = None
    # Email notices go through this SMTP server; without a host, shoppers who never chatted get none.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "Shop support <support@localhost>"
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_timeout: float = Field(default=30, gt=0)
    smtp_per_minute: int = Field(default=30, ge=1)  # at most this many notice emails a minute

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host)

    @property
    def conversation_idle_expiry(self) -> timedelta:
        return timedelta(hours=self.conversation_idle_hours)

    @property
    def verification_limits(self) -> VerificationLimits:
        return VerificationLimits(
            window=timedelta(hours=self.verify_window_hours),
            per_order=self.verify_max_failures_per_order,
            per_contact=self.verify_max_failures_per_contact,
            per_client=self.verify_max_failures_per_client,
        )

    # A connected Shopify store (integrations/shopify, docs/shopify.md): its myshopify domain, the custom
    # app's Admin API access token and API secret (webhook signatures), and the Admin API version.
    # ``shopify_graphql_url`` replaces https://{shop}/admin/api/{version}/graphql.json (a proxy; tests).
    shopify_shop: str = ""
    shopify_access_token: str = ""
    shopify_api_secret: str = ""
    shopify_api_version: str = "2025-07"
    shopify_graphql_url: str | None = None
    # Shopify's order webhooks outgrow the gateway's 16 KiB request limit (every line, address, tax and
    # discount line is in them): the webhook address alone accepts bodies up to this size.
    shopify_webhook_max_bytes: int = Field(default=1024 * 1024, ge=1024)
    # The gateway reconciles the connected store this often (hours; 0: never, e.g. when cron runs
    # `shopdesk shopify reconcile`): orders updated since the last sync, on one replica.
    shopify_reconcile_hours: float = Field(default=24, ge=0)

    @property
    def shopify_connected(self) -> bool:
        """Orders come from Shopify and the assistant's changes go to it: a shop and a token are set."""
        return bool(self.shopify_shop and self.shopify_access_token)

    # onnx (ONNX Runtime) or torch: the same model and vectors; onnx falls back to torch if it cannot run
    embedding_backend: Backend = DEFAULT_BACKEND
    cache: Path = Field(default_factory=default_cache)  # environments, trained models, the ONNX export

    @property
    def embedding(self) -> EmbeddingSettings:
        return EmbeddingSettings(onnx_cache=self.cache / "onnx", backend=self.embedding_backend)

    @cached_property
    def clock(self) -> Clock:
        return clock_from(self.now)

    @cached_property
    def policy(self) -> Policy:
        return load_policy(self.policy_file)


def _secret_problem(variable: str, value: str, what: str) -> str | None:
    fix = f"set {variable} to a random value of at least {MIN_SECRET_LENGTH} characters"
    if not value:
        make_one = "python -c 'import secrets; print(secrets.token_hex(32))'"
        return f"{variable} is not set: {what}; {fix} ({make_one})"
    if len(value) < MIN_SECRET_LENGTH:
        return f"{variable} is too short: {fix}"
    return None


def check_production(settings: Settings, cors_origins: Sequence[str] = ()) -> list[str]:
    """What makes these settings unsafe to run in production: one line per problem, naming the variable
    and the fix. Empty when they are safe. ``cors_origins`` is the gateway's (the action server has none).
    """
    problems: list[str] = []
    if settings.now:
        problems.append(
            "SHOPDESK_NOW is set: it fixes the clock for the demo shop; unset it so the real time is used"
        )
    if settings.database_url.startswith("sqlite"):
        problems.append(
            "SHOPDESK_DATABASE_URL points at SQLite, which one machine's processes cannot share safely; "
            "set it to postgresql://USER:PASSWORD@HOST:5432/DB"
        )
    if settings.secret_key == DEVELOPMENT_SECRET_KEY:
        problems.append(
            "SHOPDESK_SECRET_KEY is the development key, published in the source; "
            f"set it to a random value of at least {MIN_SECRET_LENGTH} characters"
        )
    checks = (
        ("SHOPDESK_SECRET_KEY", settings.secret_key, "it keys the hashes of verification details"),
        ("SHOPDESK_RASA_TOKEN", settings.rasa_token, "Rasa's HTTP API would answer anyone (--auth-token)"),
        (
            "SHOPDESK_ACTION_SERVER_TOKEN",
            settings.action_server_token,
            "the action server's webhook would run actions for anyone",
        ),
    )
    for variable, value, what in checks:
        if variable == "SHOPDESK_SECRET_KEY" and value == DEVELOPMENT_SECRET_KEY:
            continue  # reported above
        problem = _secret_problem(variable, value, what)
        if problem:
            problems.append(problem)
    loopback = ("127.0.0.1", "localhost", "::1")
    if settings.smtp_host and settings.smtp_security == "none" and settings.smtp_host not in loopback:
        problems.append(
            "SHOPDESK_SMTP_SECURITY is none for a remote SMTP server: notice emails and the SMTP password "
            "would cross the network in clear; set it to starttls or tls"
        )
    if settings.public_url and not settings.public_url.startswith("https://"):
        problems.append(
            "SHOPDESK_PUBLIC_URL is not https: the unsubscribe links in notice emails would be sent in "
            "clear; set it to the gateway's https:// address"
        )
    if settings.shopify_connected and not settings.shopify_api_secret:
        problems.append(
            "SHOPDESK_SHOPIFY_API_SECRET is not set: Shopify's webhooks cannot be verified, so the order "
            "system would fall behind the store; set it to the custom app's API secret key (docs/shopify.md)"
        )
    if "*" in cors_origins:
        problems.append(
            'SHOPDESK_CORS_ORIGINS allows every origin ("*"); set it to the shops that embed the widget, '
            "e.g. '[\"https://shop.example.com\"]'"
        )
    return problems


def refuse_unsafe_production(settings: Settings, cors_origins: Sequence[str] = ()) -> None:
    """At start-up: with ``SHOPDESK_ENV=production``, exit with one line per problem if there is any."""
    if settings.env != "production":
        return
    problems = check_production(settings, cors_origins)
    if problems:
        lines = "\n".join(f"  - {problem}" for problem in problems)
        raise SystemExit(f"refusing to start with SHOPDESK_ENV=production:\n{lines}")
