"""Tests of services/records/."""
