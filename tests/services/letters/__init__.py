"""Tests of services/letters/."""
