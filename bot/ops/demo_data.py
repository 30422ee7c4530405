"""A deterministic demo shop: customers, orders and disruptions, relative to a given "now".

``generate(seed, now)`` returns the data in the JSON import format of ``bot.order_io`` (strings for money
and instants), and ``load_demo`` feeds it through that same import path, so the demo exercises the format.

The thirty orders SD-10001 .. SD-10030 are hand-made edge cases (``SHOWCASE``); their customers, emails
and postcodes do not depend on the seed, only their dates move with ``now``. The orders after them are
random but reproducible: the same seed and ``now`` always give the same data.
All addresses are fictional; every email is at example.com / example.org and every UK phone number is in
Ofcom's drama range (07700 900xxx).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.orders.model import OrderStatus, RefundStatus, ReturnReason, ReturnStatus, TrackingCode

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.ops.order_io import ImportSummary

DEMO_NOW = datetime(2026, 10, 15, 10, 0, tzinfo=UTC)
SHOP_TZ = ZoneInfo("Europe/London")  # the policy's shop time zone (knowledge/policy.yml)
CURRENCY = "GBP"
FIRST_RANDOM_NUMBER = 10031
RANDOM_CUSTOMERS = 110
RANDOM_ORDERS = 300

JsonDict = dict[str, Any]


# --- the catalogue -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    category: str
    price: Decimal


def _products(category: str, code: str, items: list[tuple[str, str]]) -> list[Product]:
    return [
        Product(f"HP-{code}-{i:03d}", name, category, Decimal(price))
        for i, (name, price) in enumerate(items, 1)
    ]


CATALOGUE: tuple[Product, ...] = tuple(
    _products(
        "apparel",
        "APP",
        [
            ("Breton Stripe Top", "32.00"),
            ("Oxford Shirt", "45.00"),
            ("Merino Crew Jumper", "68.00"),
            ("Linen Trousers", "55.00"),
            ("Waxed Cotton Jacket", "129.00"),
            ("Organic Cotton T-shirt", "18.00"),
        ],
    )
    + _products(
        "footwear",
        "FTW",
        [("Leather Chelsea Boots", "110.00"), ("Canvas Plimsolls", "38.00"), ("Wool Slippers", "29.00")],
    )
    + _products(
        "home",
        "HOM",
        [
            ("Ceramic Table Lamp", "64.00"),
            ("Linen Cushion Cover", "24.00"),
            ("Enamel Mug Set", "22.00"),
            ("Wool Throw", "75.00"),
            ("Oak Serving Board", "35.00"),
        ],
    )
    + _products(
        "accessories",
        "ACC",
        [
            ("Leather Belt", "34.00"),
            ("Lambswool Scarf", "28.00"),
            ("Canvas Tote Bag", "19.00"),
            ("Ribbed Beanie", "16.00"),
        ],
    )
    + _products(
        "electronics",
        "ELE",
        [("Bluetooth Speaker", "79.00"), ("Wireless Earbuds", "59.00"), ("Smart Desk Lamp", "49.00")],
    )
    + _products("gift_card", "GFT", [("Gift Card £25", "25.00"), ("Gift Card £50", "50.00")])
    + _products(
        "hygiene",
        "HYG",
        [("Lavender Soap Set", "14.00"), ("Beard Oil", "12.00"), ("Cotton Boxer Briefs (3 pack)", "24.00")],
    )
    + _products(
        "personalised",
        "PER",
        [("Personalised Mug", "16.00"), ("Monogrammed Tote", "32.00"), ("Engraved Keyring", "12.00")],
    )
)
_BY_NAME = {p.name: p for p in CATALOGUE}
RETURNABLE_CATEGORIES = frozenset({"apparel", "footwear", "home", "accessories"})
_RETURNABLE = [p for p in CATALOGUE if p.category in RETURNABLE_CATEGORIES]


def product(name: str) -> Product:
    return _BY_NAME[name]


# --- carriers ------------------------------------------------------------------------------------------

ROYAL_MAIL, DPD, EVRI, DHL, UPS = "Royal Mail", "DPD", "Evri", "DHL Express", "UPS"
DOMESTIC_CARRIERS = {"standard": (ROYAL_MAIL, EVRI), "express": (DPD,)}
INTERNATIONAL_CARRIERS = (DHL, UPS)
SHIPPING = {  # the policy's methods: cost, free over
    "standard": (Decimal("3.95"), Decimal("50.00")),
    "express": (Decimal("7.95"), None),
    "international": (Decimal("14.95"), Decimal("150.00")),
}


def tracking_number(carrier: str, rng: random.Random) -> str:
    digits = "0123456789"
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    if carrier == ROYAL_MAIL:
        return "".join(rng.choices(letters, k=2)) + "".join(rng.choices(digits, k=9)) + "GB"
    if carrier == DPD:
        return "1550" + "".join(rng.choices(digits, k=10))
    if carrier == EVRI:
        return "H" + "".join(rng.choices(letters + digits, k=15))
    if carrier == DHL:
        return "".join(rng.choices(digits, k=10))
    return "1Z" + "".join(rng.choices(letters + digits, k=16))


def tracking_url(carrier: str, number: str) -> str:
    return {
        ROYAL_MAIL: f"https://www.royalmail.com/track-your-item#/tracking-results/{number}",
        DPD: f"https://track.dpd.co.uk/parcels/{number}",
        EVRI: f"https://www.evri.com/track/parcel/{number}/details",
        DHL: f"https://www.dhl.com/gb-en/home/tracking/tracking-express.html?tracking-id={number}",
        UPS: f"https://www.ups.com/track?loc=en_GB&tracknum={number}",
    }[carrier]


HUBS = {
    ROYAL_MAIL: ("Royal Mail Midlands Super Hub", "Warrington Mail Centre", "Bristol Mail Centre"),
    DPD: ("DPD Hinckley Hub", "DPD Oldbury Hub"),
    EVRI: ("Evri Barnsley Hub", "Evri Rugby Hub"),
    DHL: ("DHL East Midlands Hub", "DHL Leipzig Hub"),
    UPS: ("UPS Tamworth Hub", "UPS Cologne Hub"),
}
WAREHOUSE = "Harbour & Pine warehouse, Bristol"


# --- people and places ---------------------------------------------------------------------------------

FIRST_NAMES = [
    "Oliver",
    "Amelia",
    "George",
    "Isla",
    "Noah",
    "Ava",
    "Arthur",
    "Mia",
    "Muhammad",
    "Ivy",
    "Leo",
    "Grace",
    "Harry",
    "Freya",
    "Oscar",
    "Lily",
    "Archie",
    "Ella",
    "Henry",
    "Florence",
    "Theodore",
    "Willow",
    "Freddie",
    "Rosie",
    "Jack",
    "Sophia",
    "Charlie",
    "Isabella",
    "Thomas",
    "Evie",
    "Alfie",
    "Poppy",
    "Finley",
    "Daisy",
    "Arlo",
    "Sienna",
    "Jacob",
    "Emily",
    "Edward",
    "Phoebe",
    "Lucas",
    "Harriet",
    "Joshua",
    "Imogen",
    "Samuel",
    "Matilda",
    "William",
    "Zara",
    "Reuben",
    "Aisha",
    "Rory",
    "Niamh",
    "Callum",
    "Eilidh",
    "Dylan",
    "Seren",
    "Rhys",
    "Cerys",
    "Priya",
    "Hamza",
    "Anjali",
    "Tomasz",
    "Zofia",
]
SURNAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Thomas",
    "Clarke",
    "Jackson",
    "Wood",
    "Harris",
    "Edwards",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Hughes",
    "Moore",
    "Clark",
    "King",
    "Harrison",
    "Lewis",
    "Baker",
    "Lee",
    "Allen",
    "Morris",
    "Khan",
    "Scott",
    "Watson",
    "Davis",
    "Parker",
    "James",
    "Bennett",
    "Young",
    "Phillips",
    "Richardson",
    "Mitchell",
    "Campbell",
    "Kelly",
    "Carter",
    "Shaw",
    "Murray",
    "Ahmed",
    "Begum",
    "Nowak",
    "Singh",
    "MacLeod",
    "Fraser",
    "Price",
    "Lloyd",
    "Morgan",
]
STREETS = (
    "High Street",
    "Station Road",
    "Church Lane",
    "Victoria Road",
    "Mill Lane",
    "Park Avenue",
    "Queen Street",
    "The Crescent",
    "Manor Road",
    "Orchard Close",
    "Kings Road",
    "Meadow Way",
)
UK_PLACES = (  # (outward code, town)
    ("M14", "Manchester"),
    ("LS6", "Leeds"),
    ("BS7", "Bristol"),
    ("B13", "Birmingham"),
    ("G12", "Glasgow"),
    ("EH10", "Edinburgh"),
    ("CF14", "Cardiff"),
    ("BT9", "Belfast"),
    ("NE2", "Newcastle upon Tyne"),
    ("L17", "Liverpool"),
    ("SE22", "London"),
    ("N16", "London"),
    ("E17", "London"),
    ("NW5", "London"),
    ("OX4", "Oxford"),
    ("CB1", "Cambridge"),
    ("BA2", "Bath"),
    ("EX4", "Exeter"),
    ("NR2", "Norwich"),
    ("YO31", "York"),
    ("S11", "Sheffield"),
    ("NG7", "Nottingham"),
    ("BN2", "Brighton"),
    ("PL4", "Plymouth"),
    ("AB15", "Aberdeen"),
    ("TR1", "Truro"),
)
INTERNATIONAL_PLACES = (  # (country, postcode, city, street)
    ("IE", "D06 F2K8", "Dublin", "Rathmines Road Upper"),
    ("IE", "T12 X70A", "Cork", "Douglas Street"),
    ("FR", "69003", "Lyon", "Rue Paul Bert"),
    ("FR", "33000", "Bordeaux", "Cours Victor Hugo"),
    ("DE", "80331", "München", "Sendlinger Straße"),
    ("DE", "50667", "Köln", "Breite Straße"),
    ("US", "98103", "Seattle", "Fremont Avenue N"),
    ("US", "02139", "Cambridge", "Massachusetts Avenue"),
    ("CA", "M6J 1E6", "Toronto", "Ossington Avenue"),
    ("CA", "V6K 2G8", "Vancouver", "West 4th Avenue"),
    ("AU", "2010", "Surry Hills", "Crown Street"),
    ("AU", "3065", "Fitzroy", "Brunswick Street"),
)


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    phone: str | None
    line1: str
    city: str
    postcode: str
    country: str

    def customer(self) -> JsonDict:
        return {
            "email": self.email,
            "name": self.name,
            "phone": self.phone,
            "postcode": self.postcode,
            "country": self.country,
        }

    def address(self) -> JsonDict:
        return {
            "name": self.name,
            "line1": self.line1,
            "city": self.city,
            "postcode": self.postcode,
            "country": self.country,
        }


# --- the showcase --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShowcaseCase:
    number: str
    kind: str  # a stable key tests switch on
    email: str
    postcode: str
    demonstrates: str


def _person(name: str, email: str, phone: str | None, line1: str, city: str, postcode: str, c: str) -> Person:
    return Person(name, email, phone, line1, city, postcode, c)


SHOWCASE_PEOPLE: dict[str, Person] = {
    p.email: p
    for p in (
        _person(
            "Olivia Bennett",
            "olivia.bennett@example.com",
            "07700 900101",
            "12 Gloucester Road",
            "Bristol",
            "BS7 8AE",
            "GB",
        ),
        _person(
            "George Patel",
            "george.patel@example.com",
            "07700 900102",
            "4 Wilmslow Road",
            "Manchester",
            "M14 5TQ",
            "GB",
        ),
        _person(
            "Amelia Clarke",
            "amelia.clarke@example.org",
            "07700 900103",
            "27 Headingley Lane",
            "Leeds",
            "LS6 1BN",
            "GB",
        ),
        _person(
            "Harry Thompson",
            "harry.thompson@example.com",
            "07700 900104",
            "9 Great Western Road",
            "Aberdeen",
            "AB10 6PS",
            "GB",
        ),
        _person(
            "Isla Murray",
            "isla.murray@example.com",
            "07700 900105",
            "Flat 3, 41 Bruntsfield Place",
            "Edinburgh",
            "EH10 4HJ",
            "GB",
        ),
        _person(
            "Jack Robinson",
            "jack.robinson@example.org",
            "07700 900106",
            "18 Osborne Road",
            "Newcastle upon Tyne",
            "NE2 2AL",
            "GB",
        ),
        _person(
            "Sophie Walker",
            "sophie.walker@example.com",
            "07700 900107",
            "6 Cathedral Road",
            "Cardiff",
            "CF11 9LJ",
            "GB",
        ),
        _person(
            "Emily Carter",
            "emily.carter@example.com",
            None,
            "455 Court Street",
            "Brooklyn, NY",
            "11231",
            "US",
        ),
        _person(
            "Noah Evans",
            "noah.evans@example.com",
            "07700 900109",
            "31 Moseley Road",
            "Birmingham",
            "B12 0HJ",
            "GB",
        ),
        _person(
            "Grace Hall",
            "grace.hall@example.com",
            "07700 900110",
            "8 Mansfield Road",
            "Nottingham",
            "NG5 2BT",
            "GB",
        ),
        _person(
            "Oscar Wright",
            "oscar.wright@example.org",
            "07700 900111",
            "22 Portswood Road",
            "Southampton",
            "SO17 2ES",
            "GB",
        ),
        _person(
            "Freya Hughes",
            "freya.hughes@example.com",
            "07700 900112",
            "5 Ditchling Rise",
            "Brighton",
            "BN1 4QL",
            "GB",
        ),
        _person(
            "Charlie Green",
            "charlie.green@example.com",
            "07700 900113",
            "14 Cowley Road",
            "Oxford",
            "OX4 1HP",
            "GB",
        ),
        _person(
            "Poppy Lewis",
            "poppy.lewis@example.org",
            "07700 900114",
            "3 Mill Road",
            "Cambridge",
            "CB1 2AD",
            "GB",
        ),
        _person(
            "Alfie Turner",
            "alfie.turner@example.com",
            "07700 900115",
            "57 Lark Lane",
            "Liverpool",
            "L17 8UU",
            "GB",
        ),
        _person(
            "Ella Scott",
            "ella.scott@example.com",
            "07700 900116",
            "10 Bishopthorpe Road",
            "York",
            "YO23 1JJ",
            "GB",
        ),
        _person(
            "Thomas Baker",
            "thomas.baker@example.com",
            "07700 900117",
            "71 Ecclesall Road",
            "Sheffield",
            "S11 8HP",
            "GB",
        ),
        _person("Léa Martin", "lea.martin@example.org", None, "18 Rue Oberkampf", "Paris", "75011", "FR"),
        _person(
            "Henry Cooper",
            "henry.cooper@example.com",
            "07700 900119",
            "2 Magdalen Road",
            "Exeter",
            "EX2 4TD",
            "GB",
        ),
        _person(
            "Mia Ward", "mia.ward@example.com", "07700 900120", "44 Mutley Plain", "Plymouth", "PL4 6LE", "GB"
        ),
        _person(
            "Jacob Morris",
            "jacob.morris@example.org",
            "07700 900121",
            "16 Earlsdon Avenue",
            "Coventry",
            "CV5 6FQ",
            "GB",
        ),
        _person(
            "Ava MacDonald",
            "ava.macdonald@example.com",
            "07700 900122",
            "7 Culduthel Road",
            "Inverness",
            "IV2 4AG",
            "GB",
        ),
        _person(
            "Leo King", "leo.king@example.com", "07700 900123", "25 Erleigh Road", "Reading", "RG1 5LR", "GB"
        ),
        _person(
            "Lily Wood",
            "lily.wood@example.org",
            "07700 900124",
            "39 Unthank Road",
            "Norwich",
            "NR2 2PA",
            "GB",
        ),
        _person(
            "Chloe Edwards",
            "chloe.edwards@example.com",
            "07700 900125",
            "90 Lordship Lane",
            "London",
            "SE22 8HF",
            "GB",
        ),
        _person(
            "Lukas Schmidt", "lukas.schmidt@example.org", None, "Kastanienallee 12", "Berlin", "10435", "DE"
        ),
        _person(
            "Ruby Price",
            "ruby.price@example.com",
            "07700 900127",
            "11 St Dunstan's Street",
            "Canterbury",
            "CT2 8AF",
            "GB",
        ),
        _person(
            "Ethan Hill", "ethan.hill@example.org", "07700 900128", "20 Friar Gate", "Derby", "DE1 1BX", "GB"
        ),
    )
}


def _case(number: int, kind: str, email: str, demonstrates: str) -> ShowcaseCase:
    return ShowcaseCase(f"SD-{number}", kind, email, SHOWCASE_PEOPLE[email].postcode, demonstrates)


SHOWCASE: list[ShowcaseCase] = [
    _case(10001, "in_transit_on_time", "olivia.bennett@example.com", "in transit, on time (Royal Mail)"),
    _case(10002, "late", "george.patel@example.com", "in transit, 2 days past the promised date"),
    _case(10003, "stalled", "amelia.clarke@example.org", "no tracking scan for 6 days, not yet late"),
    _case(10004, "exception_weather", "harry.thompson@example.com", "carrier exception: severe weather"),
    _case(10005, "exception_address", "isla.murray@example.com", "carrier exception: address problem"),
    _case(10006, "exception_damaged", "jack.robinson@example.org", "carrier exception: parcel damaged"),
    _case(10007, "lost", "sophie.walker@example.com", "declared lost by the carrier, 15 days late"),
    _case(10008, "customs_hold", "emily.carter@example.com", "international (US), held at customs"),
    _case(10009, "returned_to_sender", "noah.evans@example.com", "undeliverable, returned to sender"),
    _case(10010, "delivered_5_days_ago", "grace.hall@example.com", "delivered 5 days ago: returnable"),
    _case(10011, "delivered_29_days_ago", "oscar.wright@example.org", "delivered 29 days ago: last days"),
    _case(10012, "delivered_30_days_ago", "freya.hughes@example.com", "delivered 30 days ago: final day"),
    _case(10013, "delivered_31_days_ago", "charlie.green@example.com", "delivered 31 days ago: too late"),
    _case(10014, "delivered_90_days_ago", "poppy.lewis@example.org", "delivered 90 days ago: damage only"),
    _case(10015, "final_sale", "alfie.turner@example.com", "a final-sale item, delivered 10 days ago"),
    _case(
        10016,
        "mixed_returnable",
        "ella.scott@example.com",
        "shirt + final-sale belt + gift card + personalised mug: only the shirt is returnable",
    ),
    _case(10017, "split_shipment", "thomas.baker@example.com", "two parcels: one delivered, one in transit"),
    _case(10018, "international", "lea.martin@example.org", "international (FR, UPS), in transit on time"),
    _case(10019, "cancelled", "henry.cooper@example.com", "cancelled and refunded"),
    _case(10020, "already_returned", "mia.ward@example.com", "returned and refunded in full"),
    _case(10021, "refund_pending", "jacob.morris@example.org", "return received, refund pending"),
    _case(10022, "disrupted", "ava.macdonald@example.com", "in transit to the Highlands during a storm"),
    _case(10023, "pending_payment", "leo.king@example.com", "placed, payment not received"),
    _case(10024, "processing", "lily.wood@example.org", "paid and being packed: still cancellable"),
    _case(10025, "several_orders", "chloe.edwards@example.com", "1 of 3 orders of one customer: delivered"),
    _case(10026, "several_orders", "chloe.edwards@example.com", "2 of 3 orders: express, in transit"),
    _case(10027, "several_orders", "chloe.edwards@example.com", "3 of 3 orders: paid, awaiting dispatch"),
    _case(10028, "international_delivered", "lukas.schmidt@example.org", "international (DE), delivered"),
    _case(10029, "electronics_20_days", "ruby.price@example.com", "electronics delivered 20 days ago"),
    _case(10030, "delivery_attempted", "ethan.hill@example.org", "delivery attempted, card left"),
]

ACTIVE_DISRUPTION_TITLE = "Storm Amy: Highlands and Islands deliveries delayed"
EXPIRED_DISRUPTION_TITLE = "Royal Mail industrial action"


# --- building blocks -----------------------------------------------------------------------------------


def money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def add_business_days(start: date, days: int) -> date:
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


class Clock:
    """Instants relative to ``now``: ``ago(days, hours)`` and shop-local ``local(days_ago, hh, mm)``."""

    def __init__(self, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self.now = now.astimezone(UTC)
        self.today = self.now.astimezone(SHOP_TZ).date()

    def ago(self, days: float = 0, hours: float = 0) -> datetime:
        return self.now - timedelta(days=days, hours=hours)

    def local(self, days_ago: int, hour: int, minute: int = 0) -> datetime:
        """An instant on the shop-local calendar day ``days_ago`` before today, never after ``now``."""
        day = self.today - timedelta(days=days_ago)
        instant = datetime.combine(day, time(hour, minute), tzinfo=SHOP_TZ).astimezone(UTC)
        return min(instant, self.now - timedelta(minutes=1))

    def date_in(self, days: int) -> date:
        return self.today + timedelta(days=days)


def event(at: datetime, code: TrackingCode, location: str, description: str = "") -> JsonDict:
    return {"occurred_at": iso(at), "code": code.value, "location": location, "description": description}


def return_record(
    rma: str,
    reason: ReturnReason,
    status: ReturnStatus,
    instructions: str,
    created: datetime,
    lines: list[tuple[str, int]],
) -> JsonDict:
    """A return in the import format; ``lines`` are (sku, quantity)."""
    return {
        "rma_number": rma,
        "reason": reason.value,
        "status": status.value,
        "instructions": instructions,
        "created_at": iso(created),
        "idempotency_key": None,
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
    }


def refund_record(
    amount: str,
    status: RefundStatus,
    created: datetime,
    completed: datetime | None,
    rma: str | None = None,
    method: str = "card",
) -> JsonDict:
    """A refund in the import format."""
    return {
        "amount": amount,
        "currency": CURRENCY,
        "method": method,
        "status": status.value,
        "created_at": iso(created),
        "completed_at": iso(completed) if completed is not None else None,
        "rma_number": rma,
    }


def line(p: Product, quantity: int = 1, final_sale: bool = False, price: Decimal | None = None) -> JsonDict:
    return {
        "sku": p.sku,
        "name": p.name,
        "category": p.category,
        "quantity": quantity,
        "unit_price": money(price if price is not None else p.price),
        "final_sale": final_sale,
    }


def shipment(
    carrier: str,
    service_level: str,
    number: str,
    shipped_at: datetime | None,
    promised: date | None,
    estimated: date | None,
    delivered_at: datetime | None,
    skus: list[str],
    events: list[JsonDict],
) -> JsonDict:
    return {
        "carrier": carrier,
        "service_level": service_level,
        "tracking_number": number,
        "tracking_url": tracking_url(carrier, number),
        "shipped_at": None if shipped_at is None else iso(shipped_at),
        "promised_date": None if promised is None else promised.isoformat(),
        "estimated_date": None if estimated is None else estimated.isoformat(),
        "delivered_at": None if delivered_at is None else iso(delivered_at),
        "line_skus": skus,
        "events": sorted(events, key=lambda e: str(e["occurred_at"])),
    }


def order(
    number: str,
    person: Person,
    status: OrderStatus,
    placed_at: datetime,
    paid_at: datetime | None,
    lines: list[JsonDict],
    service_level: str,
    *,
    shipments: list[JsonDict] | None = None,
    returns: list[JsonDict] | None = None,
    refunds: list[JsonDict] | None = None,
    cancelled_at: datetime | None = None,
    payment_method: str = "card",
) -> JsonDict:
    subtotal = sum((Decimal(str(li["unit_price"])) * int(li["quantity"]) for li in lines), Decimal("0"))
    cost, free_over = SHIPPING[service_level]
    shipping_cost = Decimal("0") if free_over is not None and subtotal >= free_over else cost
    return {
        "number": number,
        "customer_email": person.email,
        "status": status.value,
        "placed_at": iso(placed_at),
        "paid_at": None if paid_at is None else iso(paid_at),
        "cancelled_at": None if cancelled_at is None else iso(cancelled_at),
        "payment_method": payment_method,
        "currency": CURRENCY,
        "subtotal": money(subtotal),
        "shipping_cost": money(shipping_cost),
        "total": money(subtotal + shipping_cost),
        "shipping_address": person.address(),
        "lines": lines,
        "shipments": shipments or [],
        "returns": returns or [],
        "refunds": refunds or [],
    }


def journey(
    carrier: str,
    shipped_at: datetime,
    until: datetime,
    *,
    delivered_at: datetime | None = None,
    city: str = "",
) -> list[JsonDict]:
    """An ordinary run of scans from label to (optionally) delivery, none later than ``until``."""
    hub = HUBS[carrier][0]
    events = [
        event(shipped_at - timedelta(hours=3), TrackingCode.LABEL_CREATED, WAREHOUSE, "Label created"),
        event(shipped_at, TrackingCode.PICKED_UP, WAREHOUSE, "Collected by the carrier"),
    ]
    in_transit = shipped_at + timedelta(hours=9)
    if in_transit < until:
        events.append(event(in_transit, TrackingCode.IN_TRANSIT, hub, "At the sorting hub"))
    if delivered_at is not None:
        events.append(
            event(delivered_at - timedelta(hours=5), TrackingCode.OUT_FOR_DELIVERY, city, "Out for delivery")
        )
        events.append(event(delivered_at, TrackingCode.DELIVERED, city, "Delivered to the addressee"))
    return events


def order_date(placed_at: datetime) -> datetime:
    return placed_at + timedelta(minutes=2)


# --- the generator -------------------------------------------------------------------------------------


@dataclass
class DemoData:
    """The demo shop in the import format of ``bot.order_io``."""

    customers: list[JsonDict] = field(default_factory=list)
    orders: list[JsonDict] = field(default_factory=list)
    disruptions: list[JsonDict] = field(default_factory=list)

    def as_import(self) -> JsonDict:
        return {
            "format_version": 1,
            "customers": self.customers,
            "orders": self.orders,
            "disruptions": self.disruptions,
        }


class _Builder:
    def __init__(self, seed: int, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.c = Clock(now)
        self.used_tracking: set[str] = set()

    def tracking(self, carrier: str, rng: random.Random | None = None) -> str:
        rng = rng or self.rng
        while True:
            number = tracking_number(carrier, rng)
            if number not in self.used_tracking:
                self.used_tracking.add(number)
                return number

    def delivered(
        self,
        number: str,
        person: Person,
        lines: list[JsonDict],
        days_ago: int,
        carrier: str,
        service: str,
        rng: random.Random,
        **extra: Any,
    ) -> JsonDict:
        """A delivered order: delivered on the shop-local day ``days_ago`` before today."""
        c = self.c
        delivered_at = c.local(days_ago, 13, 20)
        shipped_at = delivered_at - timedelta(days=2, hours=20)
        placed_at = shipped_at - timedelta(days=1, hours=3)
        skus = [str(li["sku"]) for li in lines]
        ship_date = shipped_at.astimezone(SHOP_TZ).date()
        days = 14 if service == "international" else 5
        promised = add_business_days(ship_date, days)
        sh = shipment(
            carrier,
            service,
            self.tracking(carrier, rng),
            shipped_at,
            promised,
            promised,
            delivered_at,
            skus,
            journey(carrier, shipped_at, delivered_at, delivered_at=delivered_at, city=person.city),
        )
        status = extra.pop("status", OrderStatus.DELIVERED)
        return order(
            number, person, status, placed_at, order_date(placed_at), lines, service, shipments=[sh], **extra
        )

    def showcase(self) -> DemoData:
        c = self.c
        people = SHOWCASE_PEOPLE
        data = DemoData(customers=[p.customer() for p in people.values()])
        orders = data.orders

        def rng_for(number: str) -> random.Random:
            return random.Random(f"showcase-{number}")  # independent of the seed: stable tracking numbers

        def in_transit(
            number: str,
            email: str,
            lines: list[JsonDict],
            carrier: str,
            service: str,
            shipped_days_ago: float,
            promised_in: int,
            extra_events: list[JsonDict],
            estimated_in: int | None = None,
        ) -> JsonDict:
            person = people[email]
            shipped_at = c.ago(days=shipped_days_ago)
            placed_at = shipped_at - timedelta(days=1, hours=2)
            events = journey(carrier, shipped_at, c.now) + extra_events
            sh = shipment(
                carrier,
                service,
                self.tracking(carrier, rng_for(number)),
                shipped_at,
                c.date_in(promised_in),
                c.date_in(promised_in if estimated_in is None else estimated_in),
                None,
                [str(li["sku"]) for li in lines],
                events,
            )
            return order(
                number,
                person,
                OrderStatus.SHIPPED,
                placed_at,
                order_date(placed_at),
                lines,
                service,
                shipments=[sh],
            )

        p = product
        # SD-10001 on time: shipped yesterday, promised five business days after dispatch.
        o = in_transit(
            "SD-10001",
            "olivia.bennett@example.com",
            [line(p("Merino Crew Jumper"))],
            ROYAL_MAIL,
            "standard",
            1,
            0,
            [],
        )
        ship_day = c.ago(days=1).astimezone(SHOP_TZ).date()
        o["shipments"][0]["promised_date"] = add_business_days(ship_day, 5).isoformat()
        o["shipments"][0]["estimated_date"] = add_business_days(ship_day, 3).isoformat()
        orders.append(o)
        # SD-10002 late: promised two days ago, still moving.
        orders.append(
            in_transit(
                "SD-10002",
                "george.patel@example.com",
                [line(p("Canvas Plimsolls")), line(p("Organic Cotton T-shirt"), 2)],
                EVRI,
                "standard",
                9,
                -2,
                [event(c.ago(1, 3), TrackingCode.IN_TRANSIT, "Evri Rugby Hub", "Delayed at the hub")],
                estimated_in=1,
            )
        )
        # SD-10003 stalled: last scan 6 days ago, promised tomorrow.
        orders.append(
            in_transit(
                "SD-10003",
                "amelia.clarke@example.org",
                [line(p("Wool Throw"))],
                ROYAL_MAIL,
                "standard",
                6.4,
                1,
                [],
            )
        )
        # SD-10004..06 carrier exceptions.
        orders.append(
            in_transit(
                "SD-10004",
                "harry.thompson@example.com",
                [line(p("Waxed Cotton Jacket"))],
                DPD,
                "express",
                2,
                0,
                [
                    event(
                        c.ago(0, 20),
                        TrackingCode.EXCEPTION_WEATHER,
                        "DPD Aberdeen Depot",
                        "Severe weather: the van could not reach the delivery area",
                    )
                ],
                estimated_in=2,
            )
        )
        orders.append(
            in_transit(
                "SD-10005",
                "isla.murray@example.com",
                [line(p("Ceramic Table Lamp"))],
                EVRI,
                "standard",
                3,
                1,
                [
                    event(
                        c.ago(0, 6),
                        TrackingCode.EXCEPTION_ADDRESS,
                        "Evri Edinburgh Depot",
                        "Address incomplete: flat number needed",
                    )
                ],
            )
        )
        orders.append(
            in_transit(
                "SD-10006",
                "jack.robinson@example.org",
                [line(p("Enamel Mug Set"), 2)],
                DPD,
                "express",
                2,
                0,
                [
                    event(
                        c.ago(1, 2),
                        TrackingCode.EXCEPTION_DAMAGED,
                        "DPD Washington Depot",
                        "Parcel damaged in transit, returning to depot",
                    )
                ],
                estimated_in=3,
            )
        )
        # SD-10007 lost: 15 days past the promised date, declared lost.
        orders.append(
            in_transit(
                "SD-10007",
                "sophie.walker@example.com",
                [line(p("Leather Chelsea Boots"))],
                ROYAL_MAIL,
                "standard",
                24,
                -15,
                [
                    event(
                        c.ago(2),
                        TrackingCode.LOST,
                        "Royal Mail Cardiff Mail Centre",
                        "Item could not be located",
                    )
                ],
            )
        )
        # SD-10008 customs hold (US).
        orders.append(
            in_transit(
                "SD-10008",
                "emily.carter@example.com",
                [line(p("Waxed Cotton Jacket")), line(p("Lambswool Scarf"))],
                UPS,
                "international",
                8,
                6,
                [
                    event(c.ago(6), TrackingCode.IN_TRANSIT, "UPS Louisville, KY, US", "Arrived in the US"),
                    event(
                        c.ago(2),
                        TrackingCode.CUSTOMS_HOLD,
                        "UPS Louisville, KY, US",
                        "Held at customs: import duties due from the receiver",
                    ),
                ],
            )
        )
        # SD-10009 returned to sender.
        orders.append(
            in_transit(
                "SD-10009",
                "noah.evans@example.com",
                [line(p("Linen Trousers"))],
                EVRI,
                "standard",
                14,
                -8,
                [
                    event(c.ago(11), TrackingCode.DELIVERY_ATTEMPTED, "Birmingham", "No one home, card left"),
                    event(c.ago(9), TrackingCode.DELIVERY_ATTEMPTED, "Birmingham", "Second attempt failed"),
                    event(
                        c.ago(3),
                        TrackingCode.RETURNED_TO_SENDER,
                        "Evri Barnsley Hub",
                        "Returned to the sender after failed delivery attempts",
                    ),
                ],
            )
        )

        # SD-10010..14 delivered N shop-local days ago.
        for number, email, days, items in (
            ("SD-10010", "grace.hall@example.com", 5, [line(p("Leather Chelsea Boots"))]),
            ("SD-10011", "oscar.wright@example.org", 29, [line(p("Oxford Shirt"))]),
            ("SD-10012", "freya.hughes@example.com", 30, [line(p("Breton Stripe Top"))]),
            ("SD-10013", "charlie.green@example.com", 31, [line(p("Merino Crew Jumper"))]),
            ("SD-10014", "poppy.lewis@example.org", 90, [line(p("Ceramic Table Lamp"))]),
        ):
            orders.append(
                self.delivered(number, people[email], items, days, ROYAL_MAIL, "standard", rng_for(number))
            )
        # SD-10015 final sale.
        orders.append(
            self.delivered(
                "SD-10015",
                people["alfie.turner@example.com"],
                [line(p("Linen Trousers"), final_sale=True, price=Decimal("27.50"))],
                10,
                EVRI,
                "standard",
                rng_for("SD-10015"),
            )
        )
        # SD-10016 mixed: shirt (returnable) + final-sale belt, gift card, personalised mug (not returnable).
        orders.append(
            self.delivered(
                "SD-10016",
                people["ella.scott@example.com"],
                [
                    line(p("Oxford Shirt")),
                    line(p("Leather Belt"), final_sale=True, price=Decimal("17.00")),
                    line(p("Gift Card £25")),
                    line(p("Personalised Mug")),
                ],
                7,
                ROYAL_MAIL,
                "standard",
                rng_for("SD-10016"),
            )
        )

        # SD-10017 split shipment: the boots were delivered two days ago, the lamp left yesterday.
        person = people["thomas.baker@example.com"]
        rng = rng_for("SD-10017")
        boots, lamp = line(p("Leather Chelsea Boots")), line(p("Smart Desk Lamp"))
        placed_at = c.ago(5)
        first_shipped, first_delivered = c.ago(4), c.local(2, 12, 5)
        second_shipped = c.ago(1, 2)
        ship_day = second_shipped.astimezone(SHOP_TZ).date()
        orders.append(
            order(
                "SD-10017",
                person,
                OrderStatus.SHIPPED,
                placed_at,
                order_date(placed_at),
                [boots, lamp],
                "standard",
                shipments=[
                    shipment(
                        ROYAL_MAIL,
                        "standard",
                        self.tracking(ROYAL_MAIL, rng),
                        first_shipped,
                        add_business_days(first_shipped.astimezone(SHOP_TZ).date(), 5),
                        None,
                        first_delivered,
                        [str(boots["sku"])],
                        journey(
                            ROYAL_MAIL, first_shipped, c.now, delivered_at=first_delivered, city=person.city
                        ),
                    ),
                    shipment(
                        DPD,
                        "standard",
                        self.tracking(DPD, rng),
                        second_shipped,
                        add_business_days(ship_day, 5),
                        add_business_days(ship_day, 2),
                        None,
                        [str(lamp["sku"])],
                        journey(DPD, second_shipped, c.now),
                    ),
                ],
            )
        )
        # SD-10018 international (FR), on time.
        orders.append(
            in_transit(
                "SD-10018",
                "lea.martin@example.org",
                [line(p("Wool Throw")), line(p("Linen Cushion Cover"), 2)],
                UPS,
                "international",
                4,
                6,
                [
                    event(
                        c.ago(2),
                        TrackingCode.IN_TRANSIT,
                        "UPS Paris-Wissous Hub",
                        "Arrived in the destination country",
                    )
                ],
            )
        )

        # SD-10019 cancelled before dispatch; refunded.
        person = people["henry.cooper@example.com"]
        placed_at = c.ago(3, 4)
        orders.append(
            order(
                "SD-10019",
                person,
                OrderStatus.CANCELLED,
                placed_at,
                order_date(placed_at),
                [line(p("Wireless Earbuds"))],
                "standard",
                cancelled_at=c.ago(3, 1),
                refunds=[refund_record("62.95", RefundStatus.COMPLETED, c.ago(3, 1), c.ago(1, 5))],
            )
        )

        # SD-10020 already returned in full and refunded.
        shirt = line(p("Oxford Shirt"))
        o = self.delivered(
            "SD-10020",
            people["mia.ward@example.com"],
            [shirt],
            20,
            ROYAL_MAIL,
            "standard",
            rng_for("SD-10020"),
            status=OrderStatus.RETURNED,
        )
        o["returns"] = [
            return_record(
                "RMA-100020",
                ReturnReason.DOES_NOT_FIT,
                ReturnStatus.REFUNDED,
                "Royal Mail drop-off, label emailed",
                c.ago(16),
                [(shirt["sku"], 1)],
            )
        ]
        o["refunds"] = [refund_record("45.00", RefundStatus.COMPLETED, c.ago(11), c.ago(9), "RMA-100020")]
        orders.append(o)
        # SD-10021 return received, refund pending (jumper returned, scarf kept).
        jumper, scarf = line(p("Merino Crew Jumper")), line(p("Lambswool Scarf"))
        o = self.delivered(
            "SD-10021",
            people["jacob.morris@example.org"],
            [jumper, scarf],
            12,
            EVRI,
            "standard",
            rng_for("SD-10021"),
        )
        o["returns"] = [
            return_record(
                "RMA-100021",
                ReturnReason.CHANGED_MIND,
                ReturnStatus.RECEIVED,
                "Evri ParcelShop drop-off",
                c.ago(8),
                [(jumper["sku"], 1)],
            )
        ]
        o["refunds"] = [refund_record("64.05", RefundStatus.PENDING, c.ago(1), None, "RMA-100021")]
        orders.append(o)
        # SD-10022 in transit to Inverness during an active storm disruption.
        orders.append(
            in_transit(
                "SD-10022",
                "ava.macdonald@example.com",
                [line(p("Wool Throw"))],
                EVRI,
                "standard",
                3,
                1,
                [],
                estimated_in=4,
            )
        )
        # SD-10023 waiting for payment; SD-10024 paid and being packed.
        person = people["leo.king@example.com"]
        orders.append(
            order(
                "SD-10023",
                person,
                OrderStatus.PENDING,
                c.ago(0, 2),
                None,
                [line(p("Ribbed Beanie")), line(p("Canvas Tote Bag"))],
                "standard",
                payment_method="paypal",
            )
        )
        person = people["lily.wood@example.org"]
        orders.append(
            order(
                "SD-10024",
                person,
                OrderStatus.PROCESSING,
                c.ago(0, 20),
                c.ago(0, 20),
                [line(p("Oak Serving Board")), line(p("Linen Cushion Cover"), 2)],
                "standard",
            )
        )

        # SD-10025..27 one customer, three orders.
        chloe = people["chloe.edwards@example.com"]
        orders.append(
            self.delivered(
                "SD-10025",
                chloe,
                [line(p("Breton Stripe Top"))],
                45,
                ROYAL_MAIL,
                "standard",
                rng_for("SD-10025"),
            )
        )
        o = in_transit(
            "SD-10026", "chloe.edwards@example.com", [line(p("Leather Belt"))], DPD, "express", 1, 0, []
        )
        ship_day = c.ago(days=1).astimezone(SHOP_TZ).date()
        o["shipments"][0]["promised_date"] = add_business_days(ship_day, 2).isoformat()
        o["shipments"][0]["estimated_date"] = add_business_days(ship_day, 1).isoformat()
        orders.append(o)
        orders.append(
            order(
                "SD-10027",
                chloe,
                OrderStatus.PAID,
                c.ago(0, 3),
                c.ago(0, 3),
                [line(p("Lavender Soap Set")), line(p("Wool Slippers"))],
                "standard",
            )
        )
        # SD-10028 international delivered (DE).
        orders.append(
            self.delivered(
                "SD-10028",
                people["lukas.schmidt@example.org"],
                [line(p("Waxed Cotton Jacket")), line(p("Beard Oil"))],
                8,
                DHL,
                "international",
                rng_for("SD-10028"),
            )
        )
        # SD-10029 electronics, delivered 20 days ago (outside the 14-day electronics window).
        orders.append(
            self.delivered(
                "SD-10029",
                people["ruby.price@example.com"],
                [line(p("Bluetooth Speaker"))],
                20,
                DPD,
                "express",
                rng_for("SD-10029"),
            )
        )
        # SD-10030 delivery attempted yesterday.
        orders.append(
            in_transit(
                "SD-10030",
                "ethan.hill@example.org",
                [line(p("Smart Desk Lamp"))],
                DPD,
                "express",
                2,
                0,
                [
                    event(c.ago(1, 5), TrackingCode.OUT_FOR_DELIVERY, "Derby", "Out for delivery"),
                    event(
                        c.ago(1, 1),
                        TrackingCode.DELIVERY_ATTEMPTED,
                        "Derby",
                        "No one home: card left, redelivery next working day",
                    ),
                ],
                estimated_in=1,
            )
        )

        data.disruptions = [
            {
                "title": ACTIVE_DISRUPTION_TITLE,
                "carrier": None,
                "countries": ["GB"],
                "postcode_prefixes": ["IV", "KW", "HS", "ZE", "PH"],
                "starts_at": iso(c.ago(2)),
                "ends_at": iso(c.now + timedelta(days=5)),
                "extra_days": 3,
                "explanation": "Storm Amy has closed roads and ferry routes in the Highlands and Islands. "
                "Parcels to IV, KW, HS, ZE and PH postcodes may arrive up to 3 days later than promised.",
            },
            {
                "title": EXPIRED_DISRUPTION_TITLE,
                "carrier": ROYAL_MAIL,
                "countries": ["GB"],
                "postcode_prefixes": [],
                "starts_at": iso(c.ago(20)),
                "ends_at": iso(c.ago(13)),
                "extra_days": 2,
                "explanation": "Strikes at Royal Mail delayed some deliveries by up to 2 days.",
            },
        ]
        return data

    # random background -----------------------------------------------------------------------------

    def random_person(self, taken: set[str]) -> Person:
        rng = self.rng
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        domain = rng.choice(("example.com", "example.com", "example.org"))
        base = f"{first}.{last}".lower()
        email, n = f"{base}@{domain}", 2
        while email in taken:
            email, n = f"{base}{n}@{domain}", n + 1
        taken.add(email)
        if rng.random() < 0.12:
            country, postcode, city, street = rng.choice(INTERNATIONAL_PLACES)
            return Person(
                f"{first} {last}", email, None, f"{rng.randint(1, 220)} {street}", city, postcode, country
            )
        outward, city = rng.choice(UK_PLACES)
        inward = (
            f"{rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        )
        phone = f"07700 900{rng.randint(200, 999):03d}" if rng.random() < 0.8 else None
        line1 = f"{rng.randint(1, 180)} {rng.choice(STREETS)}"
        return Person(f"{first} {last}", email, phone, line1, city, f"{outward} {inward}", "GB")

    def random_lines(self) -> list[JsonDict]:
        rng = self.rng
        count = rng.choices((1, 2, 3, 4), weights=(45, 30, 18, 7))[0]
        products = rng.sample(CATALOGUE, count) if rng.random() < 0.25 else rng.sample(_RETURNABLE, count)
        return [line(p, rng.choices((1, 2, 3), weights=(80, 15, 5))[0]) for p in products]

    def random_order(self, number: str, person: Person) -> JsonDict:
        rng, c = self.rng, self.c
        intl = person.country != "GB"
        service = "international" if intl else rng.choices(("standard", "express"), weights=(80, 20))[0]
        carrier = rng.choice(INTERNATIONAL_CARRIERS if intl else DOMESTIC_CARRIERS[service])
        lines = self.random_lines()
        kind = rng.choices(
            ("delivered", "in_transit", "processing", "pending", "cancelled", "returned"),
            weights=(66, 12, 8, 3, 5, 6),
        )[0]
        method = rng.choices(("card", "paypal"), weights=(80, 20))[0]
        if kind in ("delivered", "returned"):
            o = self.delivered(
                number, person, lines, rng.randint(2, 200), carrier, service, rng, payment_method=method
            )
            returnable = [li for li in lines if li["category"] in RETURNABLE_CATEGORIES]
            if kind == "returned" and returnable:
                first = returnable[0]
                created = datetime.fromisoformat(str(o["shipments"][0]["delivered_at"])) + timedelta(days=3)
                rma = f"RMA-{int(number[3:]) + 200000:06d}"
                amount = Decimal(str(first["unit_price"])) * int(first["quantity"])
                o["returns"] = [
                    return_record(
                        rma,
                        ReturnReason.DOES_NOT_FIT,
                        ReturnStatus.REFUNDED,
                        "Drop-off label emailed",
                        created,
                        [(first["sku"], first["quantity"])],
                    )
                ]
                o["refunds"] = [
                    refund_record(
                        money(amount),
                        RefundStatus.COMPLETED,
                        created + timedelta(days=1),
                        created + timedelta(days=2),
                        rma,
                        method,
                    )
                ]
                if len(lines) == 1:
                    o["status"] = OrderStatus.RETURNED.value
            return o
        if kind == "in_transit":
            shipped_at = c.ago(rng.uniform(0.3, 1.5))
            placed_at = shipped_at - timedelta(days=1)
            ship_day = shipped_at.astimezone(SHOP_TZ).date()
            days = {"standard": 5, "express": 2, "international": 14}[service]
            promised = add_business_days(ship_day, days)
            sh = shipment(
                carrier,
                service,
                self.tracking(carrier),
                shipped_at,
                promised,
                promised,
                None,
                [str(li["sku"]) for li in lines],
                journey(carrier, shipped_at, c.now),
            )
            return order(
                number,
                person,
                OrderStatus.SHIPPED,
                placed_at,
                order_date(placed_at),
                lines,
                service,
                shipments=[sh],
                payment_method=method,
            )
        placed_at = c.ago(rng.uniform(0.05, 0.9))
        if kind == "processing":
            status = rng.choice((OrderStatus.PAID, OrderStatus.PROCESSING))
            return order(
                number,
                person,
                status,
                placed_at,
                order_date(placed_at),
                lines,
                service,
                payment_method=method,
            )
        if kind == "pending":
            return order(
                number, person, OrderStatus.PENDING, placed_at, None, lines, service, payment_method=method
            )
        placed_at = c.ago(rng.uniform(2, 60))
        o = order(
            number,
            person,
            OrderStatus.CANCELLED,
            placed_at,
            order_date(placed_at),
            lines,
            service,
            cancelled_at=placed_at + timedelta(hours=5),
            payment_method=method,
        )
        o["refunds"] = [
            refund_record(
                o["total"],
                RefundStatus.COMPLETED,
                placed_at + timedelta(hours=5),
                placed_at + timedelta(days=2),
                method=method,
            )
        ]
        return o

    def build(self) -> DemoData:
        data = self.showcase()
        taken = {str(cu["email"]) for cu in data.customers}
        people = [self.random_person(taken) for _ in range(RANDOM_CUSTOMERS)]
        data.customers.extend(p.customer() for p in people)
        # Every random customer gets at least one order; the rest go to a few regulars.
        owners = list(people) + self.rng.choices(people[:40], k=RANDOM_ORDERS - len(people))
        self.rng.shuffle(owners)
        for i, person in enumerate(owners):
            data.orders.append(self.random_order(f"SD-{FIRST_RANDOM_NUMBER + i}", person))
        return data


def generate(seed: int = 7, now: datetime = DEMO_NOW) -> DemoData:
    """The demo shop as seen at ``now``; the same ``seed`` and ``now`` give the same data."""
    return _Builder(seed, now).build()


def load_demo(session: Session, seed: int = 7, now: datetime = DEMO_NOW) -> ImportSummary:
    """Generate the demo shop and import it through ``bot.order_io`` (the caller commits)."""
    from bot.language.order_numbers import OrderNumbers
    from bot.ops.order_io import import_data

    return import_data(session, generate(seed, now).as_import(), OrderNumbers.demo())
