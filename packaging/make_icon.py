"""Make packaging/icon.ico (the Windows program and installer icon) from resources/icon.svg.

    python packaging/make_icon.py [--svg resources/icon.svg] [--out packaging/icon.ico]

The SVG is rendered with Qt's own SVG renderer (PySide6-Essentials, already a dependency) at
16, 24, 32, 48, 64 and 256 pixels, and each size is stored as a PNG inside the ICO container
(the form Windows has read since Vista). The ICO is written by hand: a 6-byte header, one
16-byte directory entry per image, then the PNG data, so no imaging library is needed.

The result is committed, so a Windows build needs no SVG rendering; run this again after
changing the SVG. `--check` exits 1 if the ICO is missing (a build step uses it).
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (16, 24, 32, 48, 64, 256)


def render_pngs(svg: Path, sizes: tuple[int, ...] = SIZES) -> list[tuple[int, bytes]]:
    """The SVG as PNG bytes at each size (square, transparent background)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no display needed
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"make_icon: {svg} is not an SVG Qt can read")
    images = []
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(0)  # transparent
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        buffer.close()
        images.append((size, bytes(data.data())))
    return images


def ico_bytes(images: list[tuple[int, bytes]]) -> bytes:
    """An ICO file holding the given (size, PNG bytes) images."""
    header = struct.pack("<HHH", 0, 1, len(images))  # reserved, type 1 = icon, count
    offset = len(header) + 16 * len(images)
    entries, blobs = [], []
    for size, png in images:
        side = 0 if size >= 256 else size  # 0 means 256 in an ICO directory entry
        # width, height, palette colours, reserved, colour planes, bits per pixel, size, offset
        entries.append(struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset))
        blobs.append(png)
        offset += len(png)
    return header + b"".join(entries) + b"".join(blobs)


def read_ico_sizes(data: bytes) -> list[int]:
    """The image sizes listed in an ICO file (for checks)."""
    reserved, kind, count = struct.unpack_from("<HHH", data, 0)
    if reserved != 0 or kind != 1:
        raise ValueError("not an ICO file")
    sizes = []
    for i in range(count):
        width = struct.unpack_from("<B", data, 6 + 16 * i)[0]
        sizes.append(width or 256)
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--svg", type=Path, default=ROOT / "resources" / "icon.svg")
    parser.add_argument("--out", type=Path, default=ROOT / "packaging" / "icon.ico")
    parser.add_argument("--check", action="store_true",
                        help="only check that the ICO exists and list its sizes")
    args = parser.parse_args(argv)
    if args.check:
        if not args.out.exists():
            print(f"make_icon: {args.out} is missing; run python packaging/make_icon.py",
                  file=sys.stderr)
            return 1
        print(f"{args.out}: sizes {read_ico_sizes(args.out.read_bytes())}")
        return 0
    data = ico_bytes(render_pngs(args.svg))
    args.out.write_bytes(data)
    print(f"wrote {args.out} ({len(data)} bytes, sizes {read_ico_sizes(data)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
