"""The demo wing: the synthetic demo school."""
