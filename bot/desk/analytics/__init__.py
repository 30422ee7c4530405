"""What the assistant resolves: figures computed from stored conversations and escalations.

``figures`` holds the pure functions (rows in, a ``Report`` out), ``reader`` loads the rows for a date
range from the database, ``notices`` is the hook for proactive notices, ``export`` writes the CSV.
"""
