"""Chart colours: the widget's palette plus the colour-blind-safe series set (Okabe and
Ito) named in gui/theme.py, brightened for dark palettes so lines stay readable."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette

from attendance_desktop.gui import theme


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
        hot = QColor(theme.CHART_SERIES[self.dark][1])
        b = self.background
        return QColor(round(b.red() + (hot.red() - b.red()) * f),
                      round(b.green() + (hot.green() - b.green()) * f),
                      round(b.blue() + (hot.blue() - b.blue()) * f))

    def text_on(self, colour: QColor) -> QColor:
        """Black or white, whichever reads better on `colour`."""
        return theme.text_on(colour)


def chart_colours(palette: QPalette) -> ChartColours:
    background = palette.color(QPalette.ColorRole.Base)
    dark = background.lightness() < 128
    text = palette.color(QPalette.ColorRole.Text)
    grid = palette.color(QPalette.ColorRole.Mid)
    series = tuple(QColor(c) for c in theme.CHART_SERIES[dark])
    return ChartColours(dark, background, text, grid, series, QColor(theme.CHART_TARGET[dark]),
                        {k: QColor(v) for k, v in theme.CHART_CATEGORIES[dark].items()})
