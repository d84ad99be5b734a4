"""The school wing: school details, the calendar, the policy, staff accounts and sign-in."""
