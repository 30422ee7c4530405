"""``shopdesk init`` (a new shop's ``policy.yml`` and ``.env``) and ``shopdesk policy check``.

    shopdesk init [--dir DIR] [--name NAME --timezone TZ --currency CUR --locale LOC
                  --order-number-prefix PREFIX --order-number-digits N[-M] --order-number-example EX
                  --support-email EMAIL --support-days mon,tue,... --support-open HH:MM --support-close HH:MM
                  --carriers "UPS=https://www.ups.com/track?tracknum={number},FedEx=..."]
                  [--force]
    shopdesk policy check [FILE]

``init`` asks for what a flag did not give (so a test or a script can pass them all), starts from the demo
shop's policy numbers for everything else, checks the result with the same schema the application uses
(``bot.policy.validate_policy``) before writing anything, and says what to do next.
"""

from __future__ import annotations

import argparse
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ShopdeskError
from bot.policy import DEFAULT_POLICY_FILE, PolicyError, read_policy_file, validate_policy

Ask = Callable[[str], str]

# (flag, question, default); the default is the demo shop's where it has one
QUESTIONS: tuple[tuple[str, str, str], ...] = (
    ("name", "Shop name", ""),
    ("timezone", "Time zone (IANA name, such as Europe/London or America/New_York)", "Europe/London"),
    ("currency", "Currency (ISO 4217 code, such as GBP, USD, EUR)", "GBP"),
    ("locale", "Locale for dates and money (such as en_GB, en_US, de_DE)", "en_GB"),
    ("order_number_prefix", "Order-number prefix (SD-, # for Shopify, empty for bare numbers)", "SD-"),
    ("order_number_digits", "Digits in an order number (5, or a range such as 4-7)", "5"),
    ("order_number_example", "An example order number", ""),
    ("support_email", "Support email address", ""),
    ("support_days", "Support days (such as mon,tue,wed,thu,fri)", "mon,tue,wed,thu,fri"),
    ("support_open", "Support opens at (HH:MM, shop time)", "09:00"),
    ("support_close", "Support closes at (HH:MM, shop time)", "17:00"),
    (
        "carriers",
        "Carriers and their tracking pages, NAME=URL with {number}, comma-separated (empty: none yet)",
        "",
    ),
)

NEXT_STEPS = """\
Next:
  1. Review {policy}: the shipping, returns and refund numbers are the demo shop's until you change them;
     `shopdesk policy check {policy}` checks it.
  2. Write your policy documents in knowledge/docs/ (they must state the numbers in the policy file), then
     `shopdesk knowledge build`.
  3. Bring your orders: `shopdesk orders import FILE` (docs/order-format.md), or connect Shopify.
  4. Create an agent for the console: `shopdesk agents create ...`.
  5. Load the settings and start: `set -a; . {env}; set +a; scripts/run.sh`."""


class InitError(ShopdeskError):
    """What ``init`` was given cannot make a valid policy; the message lists why."""


def _digits(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", text)
    if match is None:
        raise InitError(f"order-number digits: expected N or N-M, got {text!r}")
    low = int(match[1])
    return low, int(match[2] or low)


def _carriers(text: str) -> dict[str, str]:
    """``"UPS=https://...{number}, FedEx=https://...{number}"`` -> ``{"UPS": ..., "FedEx": ...}``; the
    policy's schema then checks each URL."""
    carriers: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, url = part.partition("=")
        if not sep or not name.strip() or not url.strip():
            raise InitError(f"carriers: expected NAME=URL, got {part!r}")
        carriers[name.strip()] = url.strip()
    return carriers


def _example(prefix: str, low: int) -> str:
    return prefix + "1" + "0" * (low - 2) + "1" if low >= 2 else prefix + "1"


def shop_section(answers: dict[str, str]) -> dict[str, Any]:
    """The ``shop:`` mapping of ``policy.yml`` from the answers (flag name -> text)."""
    low, high = _digits(answers["order_number_digits"])
    prefix = answers["order_number_prefix"].strip()
    return {
        "name": answers["name"].strip(),
        "timezone": answers["timezone"].strip(),
        "currency": answers["currency"].strip().upper(),
        "locale": answers["locale"].strip(),
        "support_email": answers["support_email"].strip(),
        "support_hours": {
            "days": [d.strip().lower() for d in answers["support_days"].split(",") if d.strip()],
            "open": answers["support_open"].strip(),
            "close": answers["support_close"].strip(),
        },
        "email_reply_within_hours": 24,
        "order_numbers": [
            {
                "prefix": prefix,
                "min_digits": low,
                "max_digits": high,
                "example": answers["order_number_example"].strip() or _example(prefix, low),
            }
        ],
        "carriers": _carriers(answers.get("carriers", "")),
    }


def new_policy(answers: dict[str, str], template: Path = DEFAULT_POLICY_FILE) -> dict[str, Any]:
    """The demo's policy with the shop's own ``shop:`` section, checked (``InitError`` lists problems)."""
    data = read_policy_file(template)
    data["shop"] = shop_section(answers)
    try:
        validate_policy(data)
    except PolicyError as exc:
        raise InitError("the answers do not make a valid policy:\n  " + "\n  ".join(exc.problems)) from None
    return dict(data)


def env_text(policy_file: Path) -> str:
    return (
        "# Shopdesk settings (read by bot/settings.py); see the README's configuration table.\n"
        f"SHOPDESK_POLICY_FILE={policy_file}\n"
        f"SHOPDESK_SECRET_KEY={secrets.token_urlsafe(32)}\n"
        "# SHOPDESK_DATABASE_URL=postgresql+psycopg://user:password@host/shopdesk\n"
        "# A Shopify store (docs/shopify.md):\n"
        "# SHOPDESK_SHOPIFY_SHOP=your-shop.myshopify.com\n"
        "# SHOPDESK_SHOPIFY_ACCESS_TOKEN=shpat_...\n"
        "# SHOPDESK_SHOPIFY_API_SECRET=...\n"
    )


def _answers(args: argparse.Namespace, ask: Ask) -> dict[str, str]:
    answers = {}
    for key, question, default in QUESTIONS:
        given = getattr(args, key)
        if given is None:
            hint = f" [{default}]" if default else ""
            given = ask(f"{question}{hint}: ").strip() or default
        answers[key] = given
    return answers


def cmd_init(args: argparse.Namespace, ask: Ask = input) -> int:
    folder = Path(args.dir)
    policy_file, env_file = folder / "policy.yml", folder / ".env"
    if not args.force and (existing := [p for p in (policy_file, env_file) if p.exists()]):
        raise InitError(f"{', '.join(map(str, existing))} already exist(s); pass --force to replace")
    policy = new_policy(_answers(args, ask))
    folder.mkdir(parents=True, exist_ok=True)
    header = (
        f"# {policy['shop']['name']}: the single source of truth for every number the business rules use.\n"
        "# Written by `shopdesk init` from the demo shop's numbers: review every section.\n\n"
    )
    policy_file.write_text(header + yaml.safe_dump(policy, sort_keys=False, allow_unicode=True), "utf-8")
    env_file.write_text(env_text(policy_file.resolve()), encoding="utf-8")
    print(f"wrote {policy_file} and {env_file}")
    print(NEXT_STEPS.format(policy=policy_file, env=env_file))
    return 0


def cmd_policy_check(args: argparse.Namespace) -> int:
    try:
        validate_policy(read_policy_file(args.file))
    except PolicyError as exc:
        print(f"{args.file}: {len(exc.problems)} problem(s)")
        for problem in exc.problems:
            print(f"  {problem}")
        return 1
    except OSError as exc:
        print(f"{args.file}: cannot be read ({exc.strerror})")
        return 1
    print(f"{args.file}: valid")
    return 0


def register(sub: Any, policy_file: Path) -> None:
    init = sub.add_parser("init", help="set up a new shop: policy.yml and .env")
    init.add_argument("--dir", default=".", help="folder to write policy.yml and .env in (default .)")
    init.add_argument("--force", action="store_true", help="replace existing files")
    for key, question, _default in QUESTIONS:
        init.add_argument("--" + key.replace("_", "-"), dest=key, help=question)
    init.set_defaults(func=cmd_init)

    policy = sub.add_parser("policy", help="the policy file").add_subparsers(
        dest="policy_command", required=True
    )
    check = policy.add_parser("check", help="check a policy file; prints every problem by key path")
    check.add_argument("file", nargs="?", default=str(policy_file), help="default: SHOPDESK_POLICY_FILE")
    check.set_defaults(func=cmd_policy_check)
