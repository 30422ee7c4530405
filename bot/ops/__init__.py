"""Operator tools: the ``shopdesk`` command, demo data, order import and export."""
