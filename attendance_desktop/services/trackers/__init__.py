"""The trackers wing: absence and lateness trackers, alerts, penalty notices, chronologies,
what-if counts."""
