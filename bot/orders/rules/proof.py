"""What a contact detail proves, and so what the assistant may say after it.

- The customer's **email** proves the shopper is the customer: their other orders may be listed ("my last
  order", buttons for their other orders) and the email may be shown back to them (masked).
- A **postcode** proves only the order it was given with: many people share a postcode and anyone who
  sends a parcel to it knows it. So after a postcode no other order is named or listed and the customer's
  email is never shown, not even masked; the team still replies to the address on the order.
"""

from __future__ import annotations

from enum import StrEnum


class Proof(StrEnum):
    CUSTOMER = "customer"  # the customer's email
    ORDER = "order"  # a postcode on the order


def proof_of(contact: str) -> Proof:
    """What verifying with ``contact`` proves (the same test ``contact_matches`` uses to compare it)."""
    return Proof.CUSTOMER if "@" in contact else Proof.ORDER
