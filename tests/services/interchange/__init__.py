"""Tests of services/interchange/."""
