"""Tests of services/today/."""
