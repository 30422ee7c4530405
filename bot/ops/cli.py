"""``shopdesk``: the operator's command line (``python -m bot.ops.cli`` or the ``shopdesk`` script).

    shopdesk db upgrade
    shopdesk demo seed [--seed N] [--now ISO] [--reset] [--if-empty]
    shopdesk orders import FILE
    shopdesk orders export [FILE]
    shopdesk orders show NUMBER
    shopdesk init [...]              (bot.ops.setup_cli)
    shopdesk policy check [FILE]
    shopdesk retention purge
    shopdesk notices run            (one pass of the delay-notice job: integrations.notices)
    shopdesk customers export EMAIL
    shopdesk customers erase EMAIL [--yes]
    shopdesk replay FILE... [--url URL]   (bot.ops.replay.cli: test conversations, PASS or FAIL each)
    shopdesk shopify backfill|reconcile|status   (integrations.shopify.cli)

The agents' commands (``bot.ops.agents_cli``), replay's (``bot.ops.replay.cli``) and the policy index's
(``knowledge.cli``) are added openly by ``build_parser``. A handler is ``func(args) -> int`` set with
``set_defaults(func=...)``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.exc import OperationalError

from bot.clock import parse_instant
from bot.errors import ShopdeskError
from bot.ops import agents_cli, setup_cli
from bot.ops.replay import cli as replay_cli
from bot.orders.model import Order
from bot.settings import Settings
from integrations.shopify import cli as shopify_cli
from knowledge import cli as knowledge_cli

log = logging.getLogger("shopdesk.cli")

Handler = Callable[[argparse.Namespace], int]


class CliError(Exception):
    """A failure to report on one line, without a traceback."""


def _settings() -> Settings:
    return Settings()


def _session_factory(url: str):  # type: ignore[no-untyped-def]
    from bot.db import make_engine, make_session_factory

    return make_session_factory(make_engine(url))


# --- handlers --------------------------------------------------------------------------------------------


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from bot.db import upgrade

    upgrade(_settings().database_url)
    print("database is at the latest revision")
    return 0


def cmd_retention_purge(args: argparse.Namespace) -> int:
    from bot.clock import system_clock
    from bot.ops import retention

    settings = _settings()
    purged = retention.purge(
        _session_factory(settings.database_url),
        retention.tracker_store_url(settings.rasa_tracker_db),
        system_clock(),
        settings.retention_days,
    )
    print(
        f"older than {settings.retention_days} days: {purged.conversations} conversations, "
        f"{purged.escalations} escalations, {purged.tracker_conversations} Rasa trackers, "
        f"{purged.verification_failures} verification records, {purged.delay_notices} delay notices deleted"
    )
    return 0


def cmd_notices_run(args: argparse.Namespace) -> int:
    # The channels (Telegram, SMTP) live in integrations/; the command only starts them.
    from integrations.notices import cli as notices_cli

    print(notices_cli.run(_settings()))
    return 0


def cmd_customers_export(args: argparse.Namespace) -> int:
    from bot.ops import customers, retention
    from bot.ops.order_io import write_json

    settings = _settings()
    data = customers.export_customer(
        _session_factory(settings.database_url),
        retention.tracker_store_url(settings.rasa_tracker_db),
        args.email,
        settings.secret_key.encode(),
    )
    print(write_json(data), end="")
    return 0


def cmd_customers_erase(args: argparse.Namespace) -> int:
    from bot.ops import customers, retention

    if not args.yes and input(f"Erase everything kept about {args.email}? Type yes: ").strip() != "yes":
        raise CliError("nothing erased")
    settings = _settings()
    erased = customers.erase_customer(
        _session_factory(settings.database_url),
        retention.tracker_store_url(settings.rasa_tracker_db),
        args.email,
        settings.secret_key.encode(),
    )
    print(
        f"erased: customer record {'yes' if erased.customer else 'none'}, {erased.orders} orders, "
        f"{erased.conversations} conversations, {erased.tracker_conversations} Rasa trackers, "
        f"{erased.verification_failures} verification records"
    )
    return 0


def demo_now(text: str | None, settings: Settings) -> datetime:
    """``--now``, else ``SHOPDESK_NOW``, else the demo's fixed instant."""
    from bot.ops.demo_data import DEMO_NOW

    if text:
        return parse_instant(text)
    if settings.now:
        return parse_instant(settings.now)
    return DEMO_NOW


def cmd_demo_seed(args: argparse.Namespace) -> int:
    from sqlalchemy import func, select

    from bot.db import upgrade
    from bot.ops.demo_data import load_demo
    from bot.ops.order_io import delete_all
    from bot.orders.tables import OrderRow

    settings = _settings()
    if settings.env == "production":
        raise CliError(
            "SHOPDESK_ENV=production: the demo shop is not loaded into a production database; "
            "import the shop's orders with `shopdesk orders import FILE`"
        )
    try:
        now = demo_now(args.now, settings)
    except ValueError as exc:
        raise CliError(f"--now: not an ISO 8601 instant ({exc})") from exc
    upgrade(settings.database_url)
    started = time.perf_counter()
    with _session_factory(settings.database_url).begin() as session:
        if args.if_empty and session.scalar(select(func.count()).select_from(OrderRow)):
            print("the database already has orders; demo data not loaded")
            return 0
        if args.reset:
            delete_all(session)
        summary = load_demo(session, seed=args.seed, now=now)
    print(
        f"demo shop seeded (seed {args.seed}, now {now.isoformat()}) in {time.perf_counter() - started:.2f}s"
    )
    print(summary)
    return 0


def cmd_orders_import(args: argparse.Namespace) -> int:
    from bot.ops.order_io import import_data, read_file

    settings = _settings()
    data = read_file(args.file)
    with _session_factory(settings.database_url).begin() as session:
        summary = import_data(session, data, settings.policy.order_numbers)
    print(summary)
    return 0


def cmd_orders_export(args: argparse.Namespace) -> int:
    from bot.ops.order_io import export_all, write_json

    with _session_factory(_settings().database_url)() as session:
        data = export_all(session)
    text = write_json(data, args.file)
    if args.file is None:
        sys.stdout.write(text)
    else:
        print(f"exported {len(data['orders'])} orders to {args.file}", file=sys.stderr)
    return 0


def format_order(order: Order) -> str:
    """The operator's view of one order."""
    c, a = order.customer, order.shipping_address
    out = [
        f"{order.number}  {order.status.value}  placed {order.placed_at:%Y-%m-%d %H:%M}Z"
        + (f"  paid {order.paid_at:%Y-%m-%d %H:%M}Z" if order.paid_at else "  not paid"),
        f"customer  {c.name} <{c.email}> {c.phone or ''}".rstrip(),
        f"ship to   {a.name}, {a.line1}, {a.city}, {a.postcode}, {a.country}",
        f"money     subtotal {order.subtotal} + shipping {order.shipping_cost}"
        f" = {order.total} {order.currency}",
        "lines",
    ]
    for line in order.lines:
        flags = " [final sale]" if line.final_sale else ""
        out.append(
            f"  #{line.id} {line.quantity} x {line.name} ({line.sku}, {line.category})"
            f" @ {line.unit_price}{flags}"
        )
    for s in order.shipments:
        out.append(
            f"shipment  {s.carrier} {s.service_level} {s.tracking_number} lines {list(s.line_ids)}"
            f" shipped {s.shipped_at:%Y-%m-%d}"
            if s.shipped_at
            else f"shipment  {s.carrier} {s.tracking_number}"
        )
        out.append(
            f"  promised {s.promised_date} estimated {s.estimated_date}"
            f" delivered {s.delivered_at:%Y-%m-%d %H:%M}Z"
            if s.delivered_at
            else f"  promised {s.promised_date} estimated {s.estimated_date} not delivered"
        )
        out.append(f"  {s.tracking_url}")
        for e in s.events:
            out.append(f"  {e.occurred_at:%Y-%m-%d %H:%M}Z  {e.code.value:<20} {e.location}  {e.description}")
    for r in order.returns:
        lines = ", ".join(f"#{rl.line_id} x{rl.quantity}" for rl in r.lines)
        out.append(
            f"return    {r.rma_number} {r.status.value} ({r.reason.value}) {r.created_at:%Y-%m-%d} {lines}"
        )
    for rf in order.refunds:
        done = f" completed {rf.completed_at:%Y-%m-%d}" if rf.completed_at else ""
        rma = f" for {rf.rma_number}" if rf.rma_number else ""
        out.append(
            f"refund    {rf.amount} {rf.currency} {rf.method} {rf.status.value}"
            f" created {rf.created_at:%Y-%m-%d}{done}{rma}"
        )
    return "\n".join(out)


def cmd_orders_show(args: argparse.Namespace) -> int:
    from bot.orders.repository import OrderRepository

    settings = _settings()
    with _session_factory(settings.database_url)() as session:
        order = OrderRepository(session, settings.policy.order_numbers).get_order(args.number)
    if order is None:
        raise CliError(f"no order matches {args.number!r}")
    print(format_order(order))
    return 0


def knowledge_defaults(settings: Settings) -> knowledge_cli.Defaults:
    """The ``knowledge`` command's folders and embedding settings, from the application's settings."""
    return knowledge_cli.Defaults(settings.knowledge_dir, settings.index_dir, settings.embedding)


# --- the parser ------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shopdesk", description="Shopdesk operator commands")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="migrate the database to the latest revision").set_defaults(
        func=cmd_db_upgrade
    )

    demo = sub.add_parser("demo", help="the demo shop").add_subparsers(dest="demo_command", required=True)
    seed = demo.add_parser("seed", help="migrate, then import the generated demo shop")
    seed.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    seed.add_argument("--now", help="ISO 8601 instant the demo is relative to (default SHOPDESK_NOW or demo)")
    seed.add_argument("--reset", action="store_true", help="delete all orders and customers first")
    seed.add_argument("--if-empty", action="store_true", help="do nothing when the database has orders")
    seed.set_defaults(func=cmd_demo_seed)

    orders = sub.add_parser("orders", help="orders").add_subparsers(dest="orders_command", required=True)
    imp = orders.add_parser("import", help="import a JSON file (docs/order-format.md)")
    imp.add_argument("file")
    imp.set_defaults(func=cmd_orders_import)
    exp = orders.add_parser("export", help="export everything as JSON (to stdout without FILE)")
    exp.add_argument("file", nargs="?")
    exp.set_defaults(func=cmd_orders_export)
    show = orders.add_parser("show", help="show one order")
    show.add_argument("number")
    show.set_defaults(func=cmd_orders_show)

    kept = sub.add_parser("retention", help="what is kept, and for how long")
    kept_sub = kept.add_subparsers(dest="retention_command", required=True)
    purge = kept_sub.add_parser("purge", help="delete conversations older than SHOPDESK_RETENTION_DAYS")
    purge.set_defaults(func=cmd_retention_purge)

    notices = sub.add_parser("notices", help="proactive delay notices")
    notices_sub = notices.add_subparsers(dest="notices_command", required=True)
    once = notices_sub.add_parser("run", help="one pass: record newly delayed orders, send what is pending")
    once.set_defaults(func=cmd_notices_run)

    customers = sub.add_parser("customers", help="one customer's personal data, in every store")
    customers_sub = customers.add_subparsers(dest="customers_command", required=True)
    export = customers_sub.add_parser("export", help="print everything kept about EMAIL as JSON")
    export.add_argument("email")
    export.set_defaults(func=cmd_customers_export)
    erase = customers_sub.add_parser("erase", help="delete everything kept about EMAIL")
    erase.add_argument("email")
    erase.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    erase.set_defaults(func=cmd_customers_erase)

    agents_cli.register(sub)
    replay_cli.register(sub)
    settings = _settings()
    setup_cli.register(sub, settings.policy_file)
    knowledge_cli.register(sub, knowledge_defaults(settings))
    shopify_cli.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    func: Handler = args.func
    try:
        return func(args)
    except (CliError, ShopdeskError) as exc:
        print(f"error: {exc}", file=sys.stderr)
    except OperationalError as exc:
        print(f"error: database unavailable: {str(exc.orig).strip().splitlines()[0]}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
