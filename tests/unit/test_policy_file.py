"""policy.yml is checked before anything reads it; every problem names its key path."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.ops import setup_cli
from bot.ops.cli import main
from bot.policy import DEFAULT_POLICY_FILE, PolicyError, load_policy, parse_policy

DEMO: dict[str, Any] = yaml.safe_load(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))


def problems_with(edit: dict[str, Any]) -> list[str]:
    """The problems reported after setting each dotted key in ``edit`` (``None`` deletes it)."""
    data = copy.deepcopy(DEMO)
    for path, value in edit.items():
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        if value is None:
            del node[last]
        else:
            node[last] = value
    with pytest.raises(PolicyError) as caught:
        parse_policy(data)
    return caught.value.problems


def test_the_demo_policy_is_valid_and_keeps_its_numbers() -> None:
    policy = load_policy()
    assert policy.shop_name == "Harbour & Pine"
    assert str(policy.shipping_methods["express"].cost) == "7.95"
    assert policy.locale == "en_GB"
    assert policy.order_numbers.normalise("sd10023") == "SD-10023"


def test_a_missing_key_is_named_by_its_path() -> None:
    assert problems_with({"shipping.methods.express.label": None}) == [
        "shipping.methods.express.label: Field required"
    ]


def test_an_unknown_key_is_refused_rather_than_ignored() -> None:
    assert problems_with({"returns.defualt_window_days": 30}) == [
        "returns.defualt_window_days: Extra inputs are not permitted"
    ]


def test_the_string_no_is_not_read_as_true() -> None:
    (problem,) = problems_with({"shipping.reship_or_refund": "no"})
    assert problem.startswith("shipping.reship_or_refund: Input should be a valid boolean")


@pytest.mark.parametrize(
    ("edit", "path"),
    [
        ({"returns.default_window_days": -3}, "returns.default_window_days"),
        ({"returns.default_window_days": "30"}, "returns.default_window_days"),
        ({"shipping.methods.standard.max_days": 1}, "shipping.methods.standard"),
        ({"shop.timezone": "Europe/Londn"}, "shop.timezone"),
        ({"shop.currency": "XYZ"}, "shop.currency"),
        ({"shop.support_hours.days": ["mon", "funday"]}, "shop.support_hours.days.1"),
        ({"shop.support_hours.close": "08:00"}, "shop.support_hours"),
        ({"returns.holiday_extension.return_by": "13-45"}, "returns.holiday_extension.return_by"),
        ({"returns.return_shipping_fee": "free"}, "returns.return_shipping_fee"),
        (
            {"shop.order_numbers": [{"prefix": "HX-", "min_digits": 4, "max_digits": 4, "example": "HX-55"}]},
            "shop.order_numbers.0",
        ),
        ({"shop.carriers": {"UPS": "https://www.ups.com/track"}}, "shop.carriers.UPS"),
        ({"handoff.sensitive_topics": {"fraud": ["(unclosed"]}}, "handoff.sensitive_topics"),
    ],
)
def test_impossible_values_are_refused_by_key_path(edit: dict[str, Any], path: str) -> None:
    (problem,) = problems_with(edit)
    assert problem.startswith(f"{path}: ")


def test_every_problem_is_reported_at_once() -> None:
    assert len(problems_with({"shop.name": None, "refunds.bank_days": -1, "extra": {}})) == 3


def test_policy_check_prints_the_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = copy.deepcopy(DEMO)
    del data["shipping"]["methods"]["express"]["label"]
    data["shipping"]["reship_or_refund"] = "no"
    bad = tmp_path / "policy.yml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert main(["policy", "check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "2 problem(s)" in out
    assert "shipping.methods.express.label: Field required" in out
    assert "shipping.reship_or_refund: Input should be a valid boolean" in out
    assert main(["policy", "check", str(DEFAULT_POLICY_FILE)]) == 0


US_SHOP = [
    "init", "--name", "Hudson Goods", "--timezone", "America/New_York", "--currency", "USD",
    "--locale", "en_US", "--order-number-prefix", "#", "--order-number-digits", "4-7",
    "--order-number-example", "#1001", "--support-email", "help@hudson.example",
    "--support-days", "mon,tue,wed,thu,fri", "--support-open", "09:00", "--support-close", "17:00",
    "--carriers", "UPS=https://www.ups.com/track?tracknum={number}, FedEx=https://www.fedex.com/fedextrack/?trknbr={number}",
]  # fmt: skip


def test_init_writes_a_valid_policy_and_env_and_says_what_next(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*US_SHOP, "--dir", str(tmp_path)]) == 0
    policy = load_policy(tmp_path / "policy.yml")
    assert (policy.shop_name, policy.currency, policy.locale) == ("Hudson Goods", "USD", "en_US")
    assert str(policy.timezone) == "America/New_York"
    assert policy.order_numbers.normalise("1001") == "#1001"
    assert policy.support_hours.days == ("mon", "tue", "wed", "thu", "fri")
    assert policy.tracking_url("ups", "1Z 1") == "https://www.ups.com/track?tracknum=1Z%201"
    assert policy.tracking_url("FedEx", "7946") == "https://www.fedex.com/fedextrack/?trknbr=7946"
    env = (tmp_path / ".env").read_text(encoding="utf-8")
    assert f"SHOPDESK_POLICY_FILE={(tmp_path / 'policy.yml').resolve()}" in env
    assert "SHOPDESK_SECRET_KEY=" in env
    out = capsys.readouterr().out
    assert "orders import" in out and "Shopify" in out and "knowledge/docs" in out and "agents create" in out


def test_init_asks_for_what_no_flag_gave(tmp_path: Path) -> None:
    answers = iter(["Hudson Goods", "", "", "", "HX-", "4", "", "help@hudson.example", "", "", "", ""])
    parser_args = setup_cli.argparse.Namespace(dir=str(tmp_path), force=False, **dict.fromkeys(
        (key for key, _q, _d in setup_cli.QUESTIONS), None
    ))  # fmt: skip
    assert setup_cli.cmd_init(parser_args, ask=lambda _q: next(answers)) == 0
    policy = load_policy(tmp_path / "policy.yml")
    assert policy.order_numbers.example == "HX-1001"
    assert str(policy.timezone) == "Europe/London"


def test_init_refuses_answers_that_make_an_invalid_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [*US_SHOP, "--dir", str(tmp_path), "--timezone", "Mars/Olympus"]
    assert main(args) == 1
    assert "shop.timezone" in capsys.readouterr().err
    assert not (tmp_path / "policy.yml").exists()


def test_init_does_not_overwrite_without_force(tmp_path: Path) -> None:
    (tmp_path / "policy.yml").write_text("mine", encoding="utf-8")
    assert main([*US_SHOP, "--dir", str(tmp_path)]) == 1
    assert (tmp_path / "policy.yml").read_text(encoding="utf-8") == "mine"
