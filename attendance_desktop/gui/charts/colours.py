"""The one place chart colours come from: the widget's palette plus a colour-blind-safe
series set (Okabe and Ito), brightened for dark palettes so lines stay readable."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette

# Okabe-Ito, in the order series are drawn: this year, last year, then the rest.
_LIGHT = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
          "#8C6D31", "#7F7F7F", "#B8860B")
_DARK = ("#56B4E9", "#FF8C42", "#33D1A0", "#E89AC7", "#F0C24B", "#9AD0F5", "#FFFFFF",
         "#D9B26F", "#BFBFBF", "#F5DE8C")

# Mark categories (the strip of a pupil's marks), light and dark.
_CATEGORY_LIGHT = {"present": "#009E73", "approved": "#56B4E9", "authorised": "#E69F00",
                   "unauthorised": "#D55E00", "not_counted": "#BBBBBB"}
_CATEGORY_DARK = {"present": "#33D1A0", "approved": "#9AD0F5", "authorised": "#F0C24B",
                  "unauthorised": "#FF8C42", "not_counted": "#666666"}


@dataclass(frozen=True, slots=True)
class ChartColours:
    dark: bool
    background: QColor
    text: QColor
    grid: QColor
    series: tuple[QColor, ...]
    target: QColor
    categories: dict[str, QColor]

    def nth(self, i: int) -> QColor:
        return self.series[i % len(self.series)]

    def heat(self, fraction: float) -> QColor:
        """From the background (0) to the warning colour (1), for the heat map."""
        f = max(0.0, min(1.0, fraction))
        hot = QColor(_DARK[1] if self.dark else _LIGHT[1])
        b = self.background
        return QColor(round(b.red() + (hot.red() - b.red()) * f),
                      round(b.green() + (hot.green() - b.green()) * f),
                      round(b.blue() + (hot.blue() - b.blue()) * f))

    def text_on(self, colour: QColor) -> QColor:
        """Black or white, whichever reads better on `colour`."""
        luminance = 0.299 * colour.red() + 0.587 * colour.green() + 0.114 * colour.blue()
        return QColor("#000000") if luminance > 140 else QColor("#FFFFFF")


def chart_colours(palette: QPalette) -> ChartColours:
    background = palette.color(QPalette.ColorRole.Base)
    dark = background.lightness() < 128
    text = palette.color(QPalette.ColorRole.Text)
    grid = palette.color(QPalette.ColorRole.Mid)
    series = tuple(QColor(c) for c in (_DARK if dark else _LIGHT))
    cats = _CATEGORY_DARK if dark else _CATEGORY_LIGHT
    return ChartColours(dark, background, text, grid, series,
                        QColor("#B0B0B0" if dark else "#555555"),
                        {k: QColor(v) for k, v in cats.items()})
