"""Paints a register cell: category colour, the code, a corner mark for a comment, and a
frame on today's column. Entry is by key press in the view, so there is no editor."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from attendance_desktop.gui.register.grid_model import CommentRole

_SELECTED = QColor(30, 90, 200)
_COMMENT = QColor("#5b3fa0")


class RegisterCellDelegate(QStyledItemDelegate):
    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        rect = option.rect  # type: ignore[attr-defined]
        painter.save()
        brush = index.data(Qt.ItemDataRole.BackgroundRole)
        if brush is not None:
            painter.fillRect(rect, brush)
        fg = index.data(Qt.ItemDataRole.ForegroundRole)
        painter.setPen(fg.color() if fg is not None else QColor("#1a1a1a"))
        text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        if text:
            role_font = index.data(Qt.ItemDataRole.FontRole)
            font = role_font if role_font is not None else option.font  # type: ignore[attr-defined]
            font.setBold(font.bold() or text in ("N", "U", "G", "O"))
            painter.setFont(font)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        if index.data(CommentRole):
            r = rect
            tri = QPolygonF([QPointF(r.right() - 6, r.top()), QPointF(r.right(), r.top()),
                             QPointF(r.right(), r.top() + 6)])
            painter.setBrush(_COMMENT)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawPolygon(tri)
        state = option.state  # type: ignore[attr-defined]
        if state & QStyle.StateFlag.State_Selected:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(_SELECTED, 2))
            painter.drawRect(rect.adjusted(1, 1, -1, -1))
        painter.restore()
