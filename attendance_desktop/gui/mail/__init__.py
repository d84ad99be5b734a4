"""Email screens: the outbox view, the background sender, first-day absence messages."""
