"""Tests of services/kiosk/."""
