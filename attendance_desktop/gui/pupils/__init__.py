"""Pupil records: searchable list, profile, contacts, photo."""
