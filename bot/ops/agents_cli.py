"""``shopdesk agents ...``: create, list, disable support agents and set their passwords (an admin's).

    shopdesk agents create USERNAME [--name "Display Name"] [--password-stdin]
    shopdesk agents password USERNAME [--password-stdin]
    shopdesk agents list                  # with each one's presence: available, away or offline
    shopdesk agents disable USERNAME      # ends their sessions; their open console closes
    shopdesk agents enable USERNAME

Without ``--password-stdin`` the password is asked for twice at the terminal; it is never an argument,
so it stays out of shell history and process listings.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from bot.clock import system_clock
from bot.db import make_engine, make_session_factory, upgrade
from bot.desk.agents.presence import Presence
from bot.desk.agents.presence_store import PresenceBoard
from bot.desk.agents.store import AgentDirectory
from bot.errors import ShopdeskError
from bot.settings import Settings


def _directory() -> AgentDirectory:
    url = Settings().database_url
    upgrade(url)
    return AgentDirectory(make_session_factory(make_engine(url)), system_clock)


def _presence() -> dict[str, Presence]:
    settings = Settings()
    board = PresenceBoard(
        make_session_factory(make_engine(settings.database_url)), system_clock, settings.presence_stale_after
    )
    return {agent.username: presence for agent, presence in board.team()}


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise ShopdeskError("the two passwords differ")
    return first


def cmd_create(args: argparse.Namespace) -> int:
    agent = _directory().create(args.username, _password(args), args.name)
    print(f"agent {agent.username!r} created; they can log in at /console")
    return 0


def cmd_password(args: argparse.Namespace) -> int:
    _directory().set_password(args.username, _password(args))
    print(f"password changed for {args.username!r}; their open sessions were ended")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    accounts = _directory().accounts()
    if not accounts:
        print("no agents yet; create one with `shopdesk agents create USERNAME`")
        return 0
    presence = _presence()
    width = max(len(a.username) for a in accounts)
    for account in accounts:
        state = f"disabled {account.disabled_at:%Y-%m-%d}" if account.disabled_at else "active"
        sessions = f"{account.open_sessions} open session" + ("" if account.open_sessions == 1 else "s")
        now = presence.get(account.username, Presence.OFFLINE).value
        print(f"{account.username:<{width}}  {state:<19}  {sessions:<16}  {now:<9}  {account.display_name}")
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    _directory().disable(args.username)
    print(f"agent {args.username!r} disabled; their open sessions were ended")
    return 0


def cmd_enable(args: argparse.Namespace) -> int:
    _directory().enable(args.username)
    print(f"agent {args.username!r} can log in again")
    return 0


def register(subparsers: Any) -> None:
    agents = subparsers.add_parser("agents", help="support agents for the console")
    sub = agents.add_subparsers(dest="agents_command", required=True)
    create = sub.add_parser("create", help="create an agent")
    create.add_argument("username")
    create.add_argument("--name", help="the name shoppers see (default: the username)")
    create.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    create.set_defaults(func=cmd_create)
    password = sub.add_parser("password", help="set an agent's password")
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    password.set_defaults(func=cmd_password)
    listing = sub.add_parser("list", help="list agents, whether they are disabled, their open sessions")
    listing.set_defaults(func=cmd_list)
    disable = sub.add_parser("disable", help="stop an agent logging in and end their sessions")
    disable.add_argument("username")
    disable.set_defaults(func=cmd_disable)
    enable = sub.add_parser("enable", help="let a disabled agent log in again")
    enable.add_argument("username")
    enable.set_defaults(func=cmd_enable)
