"""Delivering delay notices (``bot/desk/notices``): Telegram, the web chat, email; and the job that runs
detection and sending on the leading gateway replica or once from ``shopdesk notices run``."""
