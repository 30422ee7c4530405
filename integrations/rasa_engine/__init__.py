"""Code that runs inside the Rasa server (the Rasa engine's own environment): it imports Rasa, never bot/."""
