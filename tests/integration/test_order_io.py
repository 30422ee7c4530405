from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.language.order_numbers import OrderNumbers
from bot.ops.cli import main
from bot.ops.demo_data import DEMO_NOW, generate
from bot.ops.order_io import ImportValidationError, export_all, import_data, read_file
from bot.tables import Base

DEMO_NUMBERS = OrderNumbers.demo()
SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sample-orders.json"


def counts(session: Session) -> dict[str, int]:
    return {
        name: int(session.scalar(select(func.count()).select_from(table)) or 0)
        for name, table in Base.metadata.tables.items()
    }


@pytest.fixture
def demo_dict() -> dict[str, Any]:
    return json.loads(json.dumps(generate(seed=7, now=DEMO_NOW).as_import()))


def test_a_malformed_record_is_named_and_nothing_is_written(
    session_factory: sessionmaker[Session], demo_dict: dict[str, Any]
) -> None:
    with session_factory.begin() as session:
        import_data(
            session,
            {"customers": demo_dict["customers"][:5], "orders": demo_dict["orders"][:2]},
            DEMO_NUMBERS,
        )
    with session_factory() as session:
        before = counts(session)
    bad = copy.deepcopy(demo_dict)
    assert bad["orders"][3]["number"] == "SD-10004"
    bad["orders"][3]["lines"][0]["unit_price"] = "twelve pounds"
    with session_factory.begin() as session, pytest.raises(ImportValidationError) as caught:
        import_data(session, bad, DEMO_NUMBERS)
    assert caught.value.errors == ["orders[3] (SD-10004).lines[0].unit_price: must be a decimal number"]
    with session_factory() as session:
        assert counts(session) == before


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["orders"][0].pop("customer_email"), "orders[0] (SD-10001).customer_email: is required"),
        (
            lambda d: d["orders"][1].update(placed_at="2026-10-01T10:00:00"),
            "orders[1] (SD-10002).placed_at: must include a UTC offset",
        ),
        (
            lambda d: d["orders"][2]["shipments"][0]["events"][0].update(code="teleported"),
            "orders[2] (SD-10003).shipments[0].events[0].code: must be one of",
        ),
        (
            lambda d: d["orders"][0]["shipments"][0]["line_skus"].append("NOPE"),
            "orders[0] (SD-10001).shipments[0].line_skus[1]: no line of this order has SKU NOPE",
        ),
        (lambda d: d["customers"][1].update(email="not-an-email"), "customers[1].email: must be an email"),
        (
            lambda d: d["orders"][0].update(number="banana"),
            "orders[0] (banana).number: must be an order number",
        ),
    ],
)
def test_each_kind_of_mistake_names_the_record_and_field(
    sqlite_session_factory: sessionmaker[Session], demo_dict: dict[str, Any], mutate: Any, expected: str
) -> None:
    mutate(demo_dict)
    with sqlite_session_factory.begin() as session, pytest.raises(ImportValidationError) as caught:
        import_data(session, demo_dict, DEMO_NUMBERS)
    assert any(e.startswith(expected) for e in caught.value.errors), caught.value.errors
    with sqlite_session_factory() as session:
        assert sum(counts(session).values()) == 0


def test_reimporting_updates_rows_instead_of_duplicating_them(
    session_factory: sessionmaker[Session], demo_dict: dict[str, Any]
) -> None:
    with session_factory.begin() as session:
        import_data(session, demo_dict, DEMO_NUMBERS)
    with session_factory() as session:
        first = counts(session)
    changed = copy.deepcopy(demo_dict)
    changed["orders"][0]["status"] = "delivered"
    changed["orders"][0]["shipments"][0]["delivered_at"] = "2026-10-15T09:00:00+00:00"
    changed["customers"][0]["name"] = "Olivia Bennett-Jones"
    with session_factory.begin() as session:
        summary = import_data(session, changed, DEMO_NUMBERS)
    assert summary.created == {}
    with session_factory() as session:
        assert counts(session) == first
        exported = export_all(session)
    assert exported["orders"][0]["status"] == "delivered"
    assert exported["orders"][0]["shipments"][0]["delivered_at"] == "2026-10-15T09:00:00+00:00"
    assert exported["customers"][0]["name"] == "Olivia Bennett-Jones"


def test_export_round_trips_through_import(
    session_factory: sessionmaker[Session], demo_dict: dict[str, Any]
) -> None:
    with session_factory.begin() as session:
        import_data(session, demo_dict, DEMO_NUMBERS)
    with session_factory() as session:
        exported = export_all(session)
    assert json.loads(json.dumps(exported)) == demo_dict


def test_the_documented_sample_file_imports(sqlite_session_factory: sessionmaker[Session]) -> None:
    data = read_file(SAMPLE)
    with sqlite_session_factory.begin() as session:
        summary = import_data(session, data, DEMO_NUMBERS)
    assert summary.created["orders"] == len(data["orders"])


def test_the_cli_reports_a_bad_file_on_one_line_with_exit_code_1(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHOPDESK_DATABASE_URL", sqlite_url)
    bad = tmp_path / "bad.json"
    bad.write_text('{"orders": [{"number": "SD-10023", "unit_price": 1}]', encoding="utf-8")
    assert main(["orders", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert main(["orders", "import", str(SAMPLE)]) == 0
    assert main(["orders", "show", "sd-10023"]) in (0, 1)
