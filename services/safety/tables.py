"""Tables inside a text: a header row and the rows under it, in CSV, semicolon, tab or markdown form.
The name recogniser reads the cells under a name column (``recognizers.py``), the date-of-birth
recogniser the dates under a birth column (``birth_dates.py``).
"""

from __future__ import annotations

import re

CELL_SEPARATORS = ("|", ",", ";", "\t")


def table_cells(line: str, separator: str) -> list[tuple[int, int]]:
    """(start, end) in ``line`` of each cell between ``separator``s (none inside double quotes),
    spaces and quotes around a cell left out."""
    bounds, start, quoted = [], 0, False
    for i, c in enumerate(line):
        if c == '"':
            quoted = not quoted
        elif c == separator and not quoted:
            bounds.append((start, i))
            start = i + 1
    bounds.append((start, len(line)))
    cells = []
    for begin, end in bounds:
        while begin < end and line[begin] in " \t\"'":
            begin += 1
        while end > begin and line[end - 1] in " \t\"'":
            end -= 1
        cells.append((begin, end))
    return cells


def table_columns(text: str, header: re.Pattern[str]) -> list[tuple[str, int, int]]:
    """(header cell, start, end) of each cell under a header cell that ``header`` matches whole, in a
    table of ``text``: a header row (cells split by "|", ",", ";" or a tab; none inside double quotes), then the
    rows below it with as many cells, until a blank line or a row of another shape."""
    out: list[tuple[str, int, int]] = []
    table: tuple[str, dict[int, str], int] | None = None  # separator, the matching cells by index, cells per row
    offset = 0
    lines = text.split("\n")
    for row, line in enumerate(lines):
        if table is not None:
            separator, columns, width = table
            cells = table_cells(line, separator)
            if len(cells) != width:
                table = None
            else:
                out += [(key, offset + cells[i][0], offset + cells[i][1]) for i, key in columns.items()]
        if table is None:
            for separator in CELL_SEPARATORS:
                count = line.count(separator)
                if (
                    count < (2 if separator == "|" else 1)
                    or row + 1 == len(lines)
                    or lines[row + 1].count(separator) < count
                ):
                    continue  # a header has a row under it with as many separators at least (quoted ones add)
                # (split as str.split does where no quote can hide a separator; a key is short: most lines are prose)
                keys = [line[a:b] for a, b in table_cells(line, separator)] if '"' in line else line.split(separator)
                columns = {
                    i: k.strip(" \t'")
                    for i, k in enumerate(keys)
                    if len(k) <= 40 and k.count(" ") <= 4 and header.fullmatch(k.strip(" \t'"))
                }
                if columns:
                    table = (separator, columns, len(keys))
                    break
        offset += len(line) + 1
    return out
