"""The chat gateway: the web widget's API (REST + WebSocket), the demo shop page, health and metrics.

A shopper's message goes: widget -> ``routes/conversations.py`` -> ``chat.ChatService`` (stores it with
``bot.conversations``) -> ``rasa.RasaClient`` (Rasa's REST channel on loopback) -> replies stored and
published on ``hub.Hub`` -> every WebSocket of that conversation.
"""
