"""Proactive delay notices: which shopper to tell about a delay, once, on which channel."""
