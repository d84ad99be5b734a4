"""Tests of services/school/."""
