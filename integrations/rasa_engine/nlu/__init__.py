"""Shopdesk's own NLU pipeline components (config.yml) and the pure functions they wrap; scripts/lib.sh
retrains the model when anything in this folder changes."""
