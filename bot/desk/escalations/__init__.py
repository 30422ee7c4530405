"""Escalations: a conversation waiting for, or with, a person."""
