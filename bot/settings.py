"""One Settings object, read from the environment (prefix ``SHOPDESK_``).

It is the application's only reader of ``SHOPDESK_*`` variables: ``knowledge`` reads none and gets its
folders and embedding settings from here (``embedding``; ``bot/ops/cli.py`` passes them to the
``knowledge`` command), and ``tests/unit/test_boundaries.py`` keeps it so.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.clock import Clock, clock_from
from bot.orders.rules.lockout import VerificationLimits
from bot.policy import DEFAULT_POLICY_FILE, Policy, load_policy
from knowledge.embedding import DEFAULT_BACKEND, Backend, EmbeddingSettings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_cache() -> Path:
    return Path.home() / ".cache" / "shopdesk"


def default_database_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'var' / 'shopdesk.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOPDESK_", extra="ignore")

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
    # Keys the hashes of verification subjects (and other server-side secrets); set it in production.
    secret_key: str = "shopdesk-development-key-not-secret"
    verify_window_hours: int = Field(default=24, ge=1)
    verify_max_failures_per_order: int = Field(default=5, ge=1)
    verify_max_failures_per_contact: int = Field(default=5, ge=1)
    verify_max_failures_per_client: int = Field(default=10, ge=1)
    # A web shopper's token stops working (and the conversation closes) after this long without a message.
    conversation_idle_hours: float = Field(default=24, gt=0)

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
