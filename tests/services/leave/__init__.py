"""Tests of services/leave/."""
