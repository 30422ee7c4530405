"""The gateway's settings: the app's ``Settings`` plus a few options only the gateway reads."""

from __future__ import annotations

from pydantic import Field

from bot.settings import Settings


class GatewaySettings(Settings):
    rasa_timeout: float = 30.0  # seconds the shopper waits for one Rasa turn (actions included)
    # seconds a turn's answer is still awaited after that, to be delivered late (bot/desk/deadline.py)
    rasa_late_reply_timeout: float = 300.0
    health_timeout: float = 2.0
    ws_heartbeat: float = 20.0  # seconds between server pings on an idle WebSocket
    handoff_check_every: float = 15.0  # seconds between checks for escalations nobody claimed in time
    # With several replicas (SHOPDESK_REDIS_URL), how long a replica's lead of a one-replica job (the
    # watcher, Telegram polling) outlives it: another replica takes over within this many seconds.
    leader_lock_ttl: float = 15.0
    retention_check_every: float = 24 * 3600.0  # seconds between retention purges (bot/ops/retention.py)
    # seconds between checks that a console WebSocket's agent session is still valid (log-out, expiry,
    # password change, disabled agent close it within this time)
    console_session_recheck: float = Field(default=10.0, gt=0)
    # Rate limits (count per minute): new conversations per client address, shopper messages per
    # conversation, agent log-in attempts per client address and, separately, per username.
    limit_new_conversations: int = 30
    limit_messages: int = 30
    limit_logins: int = 10
    # Sizes and counts (integrations/gateway/limits.py): a request body, a WebSocket frame from a client
    # (widget or console), sockets waiting for their token (per process, widget and console together), live
    # sockets on one conversation, console sockets on one agent session (one log-in: its tabs).
    max_body_bytes: int = 16 * 1024
    max_ws_frame_bytes: int = 16 * 1024
    max_unauthenticated_sockets: int = 200
    max_sockets_per_conversation: int = 5
    max_sockets_per_agent_session: int = 5
    # Origins allowed to call the API from a browser: the shops that embed the widget. Shoppers
    # authenticate with a bearer token, never cookies, so "*" exposes nothing by itself.
    cors_origins: list[str] = Field(default_factory=lambda: ["*"])


def gateway_settings(settings: Settings | None) -> GatewaySettings:
    if settings is None:
        return GatewaySettings()
    if isinstance(settings, GatewaySettings):
        return settings
    return GatewaySettings(**settings.model_dump())
