"""Chat conversations and their messages, on every channel."""
