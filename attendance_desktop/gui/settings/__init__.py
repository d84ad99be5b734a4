"""Settings screens: school details, policy, session times, calendar, classes, staff."""
