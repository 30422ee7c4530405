"""The Telegram bridge (python-telegram-bot): Telegram chats as gateway conversations.

- ``config.TelegramSettings``: token, webhook URL and secret, Bot API base URL (``SHOPDESK_TELEGRAM_*``)
- ``bridge.TelegramBridge``: the PTB ``Application``, its handlers, and who delivers which message
- ``sending.Sender``: Bot API calls with bounded retries on flood waits and network errors
- ``text.split_message``: replies cut to Telegram's 4096-character limit
- ``integrations/gateway/routes/telegram.py``: starts the bridge in the gateway's lifespan; the webhook
- ``python -m integrations.telegram --polling``: the gateway with Telegram, for development (docs/telegram.md)
"""
