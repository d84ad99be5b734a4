"""Tests of services/trackers/."""
