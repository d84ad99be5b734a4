"""Tests of services/register/."""
