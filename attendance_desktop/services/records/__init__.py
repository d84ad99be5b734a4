"""The records wing: who did what (audit), retention, backups and restores."""
