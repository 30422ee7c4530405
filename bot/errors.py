"""The base of every domain error the assistant can explain to a shopper or an operator."""

from __future__ import annotations


class ShopdeskError(Exception):
    """Base class for domain errors the assistant can explain to a shopper or an operator."""
