"""Attendance Desktop: offline-first attendance for a small English primary school."""

__version__ = "0.1.0"
APP_NAME = "Attendance Desktop"
INSTANCE_NAME = "AttendanceDesktopSingleInstance"
