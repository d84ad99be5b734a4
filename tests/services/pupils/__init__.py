"""Tests of services/pupils/."""
