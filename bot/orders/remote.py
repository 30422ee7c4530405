"""The port to a shop's own order system (a connected Shopify store), for the changes the assistant makes.

When a shop is connected, a cancellation or a return is made *there* first and the order system here is
brought in step from what the platform then reports; the shopper hears what the platform did. Without
one, ``ShopService`` changes the database here, as before. An implementation raises ``NotAllowed`` with
the platform's own reason when it refuses, and when it cannot be reached (nothing changed in either case).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.errors import ShopdeskError
from bot.orders.model import Order, Return, ReturnLine, ReturnReason


class ChangePending(ShopdeskError):
    """The platform accepted the change but has not finished it yet: neither done nor refused."""

    def __init__(self, platform: str, order_number: str) -> None:
        super().__init__(f"{platform} is still processing the change to {order_number}")
        self.platform = platform
        self.order_number = order_number


class RemoteOrders(Protocol):
    name: str  # the platform, as a shopper may read it ("Shopify")

    def manages(self, order: Order) -> bool:
        """True when this order lives on the platform (false for one imported by hand)."""
        ...

    def cancel(self, order: Order) -> Order:
        """Cancel on the platform; the order as the order system now has it (``ChangePending`` when the
        platform accepted it but has not finished)."""
        ...

    def open_return(
        self, order: Order, lines: Sequence[ReturnLine], reason: ReturnReason, instructions: str, key: str
    ) -> Return:
        """Open a return on the platform; the return as the order system now has it."""
        ...
