"""Tests of services/pdf/."""
