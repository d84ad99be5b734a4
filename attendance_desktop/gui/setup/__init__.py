"""First start: the welcome screen and the set-up wizard."""
