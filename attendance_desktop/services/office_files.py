"""Reading the table files office software writes: CSV or tab-separated text.

Accepted: UTF-8 with or without a byte-order mark, UTF-16 with a byte-order mark (Excel's
"Unicode text", tab-separated), and Windows-1252 (Excel's "CSV" on a Windows PC in
England). A file that mixes UTF-8 and Windows-1252 is refused with the row of the first
odd byte, never read as mojibake. The delimiter (comma, semicolon or tab) is the one that
splits the header row most often outside quotes.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from attendance_desktop.services.errors import ImportRejected, Problem, ServiceError

DELIMITERS = (",", ";", "\t")
# A valid UTF-8 multi-byte sequence: seeing one means the file was meant as UTF-8.
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}"
                             rb"|[\xf0-\xf4][\x80-\xbf]{3}")


@dataclass(frozen=True, slots=True)
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row as a spreadsheet numbers it, cells)
    encoding: str
    delimiter: str


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes, name: str) -> tuple[str, str]:
    """(text, encoding name). Raises ImportRejected for a file that cannot be trusted."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError as exc:
            raise ImportRejected(name, [Problem(None, "", "the file says it is UTF-16 but "
                                                f"byte {exc.start} is not")]) from None
    if b"\x00" in data:
        raise ImportRejected(name, [Problem(_line_of(data, data.index(b"\x00")), "",
                                            "the file is not text (it has NUL bytes); save "
                                            "it from the spreadsheet as CSV")])
    body = data[3:] if data.startswith(codecs.BOM_UTF8) else data
    try:
        return body.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as exc:
        if data.startswith(codecs.BOM_UTF8) or _UTF8_MULTIBYTE.search(body):
            line = _line_of(body, exc.start)
            raise ImportRejected(name, [Problem(line, "", (
                "the file mixes two text encodings: it is UTF-8 but this row has a "
                f"Windows-1252 byte (0x{body[exc.start]:02X}); save the whole file again "
                "as 'CSV UTF-8'"))]) from None
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:
        raise ImportRejected(name, [Problem(_line_of(data, exc.start), "", (
            f"byte 0x{data[exc.start]:02X} is neither UTF-8 nor Windows-1252 text; save the "
            "file as 'CSV UTF-8'"))]) from None


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            count += 1
    return count


def sniff_delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: _count_outside_quotes(first, d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])  # ties go to the comma (first)
    return best if counts[best] else ","


def read_table(source: Path) -> Table:
    """Header and non-blank rows of a CSV or tab-separated file, whatever office wrote it."""
    try:
        data = Path(source).read_bytes()
    except FileNotFoundError:
        raise ServiceError(f"cannot read {source}: no such file") from None
    except IsADirectoryError:
        raise ServiceError(f"cannot read {source}: it is a folder, not a file") from None
    except OSError as exc:
        raise ServiceError(f"cannot read {source}: {exc.strerror or exc}") from None
    name = Path(source).name
    text, encoding = decode(data, name)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    row = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # e.g. a cell longer than the csv module's limit: say where, never a traceback
            raise ImportRejected(name, [Problem(reader.line_num, "", f"cannot read this row "
                                                f"({exc})")]) from None
        if headers is None:
            if not any(c.strip() for c in cells):
                continue
            headers = [c.strip() for c in cells]
            row = 1
            continue
        row += 1
        if any(c.strip() for c in cells):
            rows.append((row, cells))
    if headers is None:
        raise ImportRejected(name, [Problem(None, "", "the file is empty")])
    return Table(headers, rows, encoding, delimiter)
