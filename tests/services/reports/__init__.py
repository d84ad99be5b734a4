"""Tests of services/reports/."""
