"""Shopify: keeps the order system in step with a Shopify store and makes the assistant's changes there.

client.py (Admin GraphQL over httpx: cost throttle, 429, retries) · queries.py · mapping.py (Shopify's
order -> the order system's import format) · store.py (newest version wins, webhook ids) · sync.py
(backfill, reconcile) · webhooks.py (signature, topics) · writes.py (cancel, return) · connect.py (from
the settings) · cli.py (``shopdesk shopify ...``). The guide is docs/shopify.md.
"""
