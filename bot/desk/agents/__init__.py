"""Support agents and their login sessions."""
