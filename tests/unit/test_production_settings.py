"""With SHOPDESK_ENV=production, the gateway, the action server and the CLI refuse unsafe settings."""

from __future__ import annotations

import pytest

from actions.server import build_app
from bot.ops import cli
from bot.settings import Settings, check_production
from integrations.gateway.app import create_app
from integrations.gateway.config import GatewaySettings

SECRET = "s" * 40
SAFE: dict[str, str] = {
    "env": "production",
    "database_url": "postgresql://shop:pw@db.internal:5432/shopdesk",
    "secret_key": SECRET,
    "rasa_token": "r" * 40,
    "action_server_token": "a" * 40,
}
SHOPS = ["https://shop.example.com"]


def production(**changes: str | None) -> Settings:
    return Settings(**{**SAFE, **changes})  # type: ignore[arg-type]


def only_problem(settings: Settings, cors_origins: list[str] = SHOPS) -> str:
    problems = check_production(settings, cors_origins)
    assert len(problems) == 1, problems
    return problems[0]


def test_safe_production_settings_have_no_problem() -> None:
    assert check_production(production(), SHOPS) == []


def test_notice_email_in_clear_to_a_remote_server_is_refused() -> None:
    problem = only_problem(production(smtp_host="mail.example.com", smtp_security="none"))
    assert problem.startswith("SHOPDESK_SMTP_SECURITY is none")
    assert check_production(production(smtp_host="127.0.0.1", smtp_security="none"), SHOPS) == []
    assert check_production(production(smtp_host="mail.example.com"), SHOPS) == []  # starttls


def test_an_unsubscribe_link_in_clear_is_refused() -> None:
    problem = only_problem(production(public_url="http://support.example.com"))
    assert problem.startswith("SHOPDESK_PUBLIC_URL is not https")


def test_the_demo_clock_is_refused_and_the_fix_is_to_unset_it() -> None:
    problem = only_problem(production(now="2026-10-15T12:00:00Z"))
    assert problem.startswith("SHOPDESK_NOW is set")
    assert "unset it" in problem


def test_sqlite_is_refused_and_the_fix_names_a_postgresql_url() -> None:
    problem = only_problem(production(database_url="sqlite:////var/lib/shopdesk.db"))
    assert problem.startswith("SHOPDESK_DATABASE_URL points at SQLite")
    assert "postgresql://" in problem


def test_the_published_development_secret_key_is_refused() -> None:
    settings = Settings(**{k: v for k, v in SAFE.items() if k != "secret_key"})  # type: ignore[arg-type]
    problem = only_problem(settings)
    assert problem.startswith("SHOPDESK_SECRET_KEY is the development key")


def test_a_short_secret_key_is_refused() -> None:
    assert only_problem(production(secret_key="hunter2")).startswith("SHOPDESK_SECRET_KEY is too short")


def test_rasa_without_an_api_token_is_refused() -> None:
    problem = only_problem(production(rasa_token=""))
    assert problem.startswith("SHOPDESK_RASA_TOKEN is not set")
    assert "--auth-token" in problem
    assert "secrets.token_hex" in problem


def test_an_action_server_without_a_token_is_refused() -> None:
    problem = only_problem(production(action_server_token=""))
    assert problem.startswith("SHOPDESK_ACTION_SERVER_TOKEN is not set")


def test_cors_for_every_origin_is_refused_and_the_fix_shows_the_format() -> None:
    problem = only_problem(production(), cors_origins=["*"])
    assert problem.startswith("SHOPDESK_CORS_ORIGINS allows every origin")
    assert '["https://shop.example.com"]' in problem


def test_a_connected_shopify_store_without_the_webhook_secret_is_refused() -> None:
    problem = only_problem(production(shopify_shop="maple.myshopify.com", shopify_access_token="shpat_x"))
    assert problem.startswith("SHOPDESK_SHOPIFY_API_SECRET is not set")
    connected = production(
        shopify_shop="maple.myshopify.com", shopify_access_token="shpat_x", shopify_api_secret="shpss_y"
    )
    assert check_production(connected, SHOPS) == []


def test_every_problem_is_reported_at_once() -> None:
    settings = Settings(env="production", now="2026-10-15T12:00:00Z", database_url="sqlite:///x.db")
    variables = [problem.split()[0] for problem in check_production(settings, ["*"])]
    assert variables == [
        "SHOPDESK_NOW",
        "SHOPDESK_DATABASE_URL",
        "SHOPDESK_SECRET_KEY",
        "SHOPDESK_RASA_TOKEN",
        "SHOPDESK_ACTION_SERVER_TOKEN",
        "SHOPDESK_CORS_ORIGINS",
    ]


def test_the_gateway_refuses_to_start_with_one_line_per_problem() -> None:
    settings = GatewaySettings(**{**SAFE, "rasa_token": ""})  # type: ignore[arg-type]
    with pytest.raises(SystemExit) as refused:
        create_app(settings)
    message = str(refused.value.code)
    assert message.splitlines() == [
        "refusing to start with SHOPDESK_ENV=production:",
        *(f"  - {problem}" for problem in check_production(settings, ["*"])),
    ]


def test_the_gateway_starts_with_safe_production_settings() -> None:
    create_app(GatewaySettings(**SAFE, cors_origins=SHOPS))  # type: ignore[arg-type]


def test_development_settings_are_not_checked() -> None:
    create_app(GatewaySettings(now="2026-10-15T12:00:00Z", database_url="sqlite:///x.db"))


def test_the_action_server_refuses_to_start_without_its_token() -> None:
    with pytest.raises(SystemExit) as refused:
        build_app(production(action_server_token=""))
    assert "SHOPDESK_ACTION_SERVER_TOKEN is not set" in str(refused.value.code)


def test_the_demo_shop_is_not_seeded_in_production(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHOPDESK_ENV", "production")
    monkeypatch.setenv("SHOPDESK_DATABASE_URL", "sqlite:////nonexistent/never-created.db")
    assert cli.main(["demo", "seed"]) == 1
    assert "SHOPDESK_ENV=production" in capsys.readouterr().err
