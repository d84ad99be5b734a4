"""Each policy preset's own letters, one module per preset, added to the one registry in
services/letters/letter_templates.py (a school sees the shared letters and its preset's own)."""

from __future__ import annotations

from attendance_desktop.services.letters.letter_templates import register
from attendance_desktop.services.letters.preset_letters import atlp, lowther, one_page, vale, wessex

for _module in (lowther, atlp, one_page, vale, wessex):
    register(*_module.LETTERS)
