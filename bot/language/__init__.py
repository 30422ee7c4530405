"""Reading shoppers' words and writing ours: extraction, order numbers, contact details, formatting."""
