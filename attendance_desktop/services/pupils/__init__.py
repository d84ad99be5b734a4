"""The pupils wing: pupil records and contacts, and classes."""
