"""The one typeface of every PDF the app makes: DejaVu Sans, shipped inside the package.

Pupils' and parents' names come in every alphabet (Łucja, Oğuz, Nguyễn, Олена), and
ReportLab's built-in Helvetica only covers Western European letters: anything else prints
as a black box. DejaVu Sans covers Latin, Greek, Cyrillic and Vietnamese, its licence
(Bitstream Vera, see resources/fonts/LICENSE-DejaVu.txt) allows shipping it, and the TTF
files are in the package so a Windows PC with nothing installed prints the same as here.
ReportLab embeds a subset of each TrueType font in every PDF that uses it.

    from attendance_desktop.services.pdf.pdf_fonts import REGULAR, BOLD, ensure_fonts
    ensure_fonts()                 # before drawing; cheap after the first call
    canvas.setFont(REGULAR, 11)

Platypus paragraphs get `<b>`/`<i>` through the registered family (`FAMILY`).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parents[2] / "resources" / "fonts"
FAMILY = "AppSans"
REGULAR = "AppSans"
BOLD = "AppSans-Bold"
ITALIC = "AppSans-Oblique"
BOLD_ITALIC = "AppSans-BoldOblique"
FILES = {
    REGULAR: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    ITALIC: "DejaVuSans-Oblique.ttf",
    BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf",
}

_lock = threading.Lock()
_done = False


class FontMissing(RuntimeError):
    """The shipped font files are not where the package puts them (a broken install)."""


def font_path(name: str) -> Path:
    return FONT_DIR / FILES[name]


def ensure_fonts() -> None:
    """Register the four faces and the family with ReportLab once per process.

    Thread-safe: letters are made on a worker thread while the GUI may print a register.
    A missing file is an installation fault, so it is raised rather than quietly falling
    back to a font that drops names."""
    global _done
    if _done:
        return
    with _lock:
        if _done:
            return
        for name, file in FILES.items():
            path = FONT_DIR / file
            if not path.is_file():
                raise FontMissing(f"The font file {path} is missing: reinstall the app.")
            pdfmetrics.registerFont(TTFont(name, str(path)))
        pdfmetrics.registerFontFamily(FAMILY, normal=REGULAR, bold=BOLD, italic=ITALIC,
                                      boldItalic=BOLD_ITALIC)
        # Binary (Flate only) streams instead of ASCII85 on top: smaller files, and the
        # logo is not re-encoded to ASCII in pure Python for every letter of a batch.
        rl_config.useA85 = 0
        _done = True


def platypus_styles() -> Any:
    """ReportLab's sample stylesheet with every style switched to the shipped family
    (Platypus documents: the fire roll, the amendments report)."""
    from reportlab.lib.styles import getSampleStyleSheet

    ensure_fonts()
    sheet = getSampleStyleSheet()
    for name in sheet.byName:
        style = sheet[name]
        font = getattr(style, "fontName", "")
        style.fontName = BOLD if "Bold" in font else ITALIC if "Oblique" in font or (
            "Italic" in font) else REGULAR
        if hasattr(style, "bulletFontName"):
            style.bulletFontName = REGULAR
    return sheet
