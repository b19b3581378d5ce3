"""CSV input for the command line, with messages that name the file, row and column.

Rows are counted as a spreadsheet shows them: the header is row 1, the first candidate row 2.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["InputError", "Table", "read_table", "read_responses", "Responses", "number", "check_text", "unique_candidates", "max_marks"]


class InputError(ValueError):
    """Bad input file; the message is meant for the person who made the spreadsheet."""


@dataclass(frozen=True)
class Table:
    path: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]  # (spreadsheet row number, cells)

    def where(self, row: int, col: int | str | None = None) -> str:
        name = Path(self.path).name
        if col is None:
            return f"{name}, row {row}"
        if isinstance(col, int):
            return f"{name}, row {row}, column {col + 1} ({self.header[col]!r})"
        return f"{name}, row {row}, column {self.header.index(col) + 1} ({col!r})"

    def column(self, name: str) -> int:
        return self.header.index(name)


def read_table(path: str, *, required: tuple[str, ...] = (), min_columns: int = 1) -> Table:
    """Read a CSV with a header row; ragged rows, an empty file or missing columns are errors.
    Column names are matched case-insensitively (stored lower-cased only for the required ones)."""
    name = Path(path).name
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a CSV file") from None
    text = _decode(name, data)
    try:
        raw = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise InputError(f"{name}: not a readable CSV file ({exc})") from None
    for i, r in enumerate(raw):
        for j, cell in enumerate(r):
            if "\x00" in cell:
                raise InputError(f"{name}, row {i + 1}, column {j + 1}: the cell contains a NUL character")
    numbered = [(i + 1, tuple(c.strip() for c in r)) for i, r in enumerate(raw) if any(c.strip() for c in r)]
    if not numbered:
        raise InputError(f"{name}: the file is empty")
    header_row, header = numbered[0]
    if len(header) < min_columns:
        raise InputError(f"{name}, row {header_row}: expected at least {min_columns} columns in the header")
    lowered = tuple(h.lower() for h in header) if required else header
    for i, h in enumerate(header):
        if not h:
            raise InputError(f"{name}, row {header_row}, column {i + 1}: the header cell is blank")
    if len(set(lowered)) != len(lowered):
        dup = next(h for h in lowered if lowered.count(h) > 1)
        raise InputError(f"{name}, row {header_row}: the column {dup!r} appears twice in the header")
    missing = [c for c in required if c not in lowered]
    if missing:
        raise InputError(f"{name}, row {header_row}: missing column(s) {', '.join(missing)}")
    rows = []
    for number, cells in numbered[1:]:
        if len(cells) != len(header):
            raise InputError(f"{name}, row {number}: has {len(cells)} cells but the header has {len(header)}")
        rows.append((number, cells))
    if not rows:
        raise InputError(f"{name}: there are no data rows under the header")
    return Table(path, lowered, tuple(rows))


def unique_candidates(table: Table, col: int) -> None:
    """Each candidate once: a repeated id is a pasting error that would count someone twice."""
    first: dict[str, int] = {}
    for row, cells in table.rows:
        cid = cells[col]
        if cid in first:
            raise InputError(f"{table.where(row, col)}: candidate {cid!r} appears twice (first on row {first[cid]}); "
                             "each candidate must have one row")
        first[cid] = row


def _decode(name: str, data: bytes) -> str:
    """Strict UTF-8 (a byte-order mark is allowed and dropped). Invalid bytes, and the encoded lone
    surrogates (U+D800–U+DFFF) that strict UTF-8 also rejects, are refused with the row they are on,
    so that nothing downstream ever holds a string that cannot be written back as UTF-8."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{name}, row {row}: not valid UTF-8 text (byte 0x{data[exc.start]:02x}); "
                         "save the file as UTF-8") from None


def check_text(what: str, text: str) -> str:
    """Refuse a string that holds a NUL or cannot be encoded as UTF-8 (a lone surrogate, which is how
    Python carries undecodable bytes of a command-line argument)."""
    if "\x00" in text:
        raise InputError(f"{what}: contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{what}: {text!r} is not valid UTF-8 text") from None
    return text


def number(table: Table, row: int, col, text: str, *, what: str = "a number", blank=None) -> float:
    """Parse one numeric cell, or raise an InputError pointing at it."""
    if text == "":
        if blank is not None:
            return blank
        raise InputError(f"{table.where(row, col)}: the cell is blank; expected {what}")
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{table.where(row, col)}: {text!r} is not {what}") from None
    if not math.isfinite(value):
        raise InputError(f"{table.where(row, col)}: {text!r} is not {what}")
    return value


@dataclass(frozen=True)
class Responses:
    candidates: tuple[str, ...]
    items: tuple[str, ...]
    scores: np.ndarray  # candidates × items
    max_scores: np.ndarray | None
    choices: np.ndarray | None  # candidates × items of normalised options, "" omitted
    keys: tuple[str, ...] | None
    options: tuple[tuple[str, ...], ...] | None


def _norm(text: str) -> str:
    return text.strip().upper()


def read_responses(path: str, key_path: str | None = None) -> Responses:
    """RESPONSES.csv: header, first column the candidate id, one column per item; blank = omitted
    (scores 0). With a key, cells are options chosen (case-insensitive, trimmed) and KEY.csv has
    columns item and key (optional max_score, the marks for a correct answer, and options, the
    legal options separated by |); without one, cells are item scores."""
    t = read_table(path, min_columns=2)
    items = t.header[1:]
    candidates = tuple(cells[0] for _, cells in t.rows)
    for row, cells in t.rows:
        if cells[0] == "":
            raise InputError(f"{t.where(row, 0)}: the candidate id is blank")
    unique_candidates(t, 0)
    if key_path is None:
        x = np.empty((len(t.rows), len(items)))
        for r, (row, cells) in enumerate(t.rows):
            for j, text in enumerate(cells[1:]):
                v = number(t, row, j + 1, text, what="a score (a number ≥ 0)", blank=np.nan)  # omitted: the engine scores it 0 and counts it
                if v < 0:
                    raise InputError(f"{t.where(row, j + 1)}: the score {text!r} is negative")
                x[r, j] = v
        return Responses(candidates, items, x, None, None, None, None)
    k = read_table(key_path, required=("item", "key"))
    ci, ck = k.column("item"), k.column("key")
    cm = k.column("max_score") if "max_score" in k.header else None
    co = k.column("options") if "options" in k.header else None
    keys: dict[str, tuple[str, float, tuple[str, ...]]] = {}
    for row, cells in k.rows:
        item = cells[ci]
        if item not in items:
            raise InputError(f"{k.where(row, 'item')}: item {item!r} is not a column of {Path(path).name}")
        if item in keys:
            raise InputError(f"{k.where(row, 'item')}: item {item!r} is keyed twice")
        key = _norm(cells[ck])
        if not key:
            raise InputError(f"{k.where(row, 'key')}: the key is blank")
        marks = 1.0
        if cm is not None and cells[cm] != "":
            marks = number(k, row, "max_score", cells[cm], what="a positive number")
            if marks <= 0:
                raise InputError(f"{k.where(row, 'max_score')}: max_score must be positive")
        opts = tuple(_norm(o) for o in cells[co].split("|") if o.strip()) if co is not None else ()
        if opts and key not in opts:
            raise InputError(f"{k.where(row, 'key')}: the key {key!r} is not among the options {'|'.join(opts)}")
        keys[item] = (key, marks, opts)
    unkeyed = [i for i in items if i not in keys]
    if unkeyed:
        j = items.index(unkeyed[0]) + 1
        raise InputError(f"{Path(path).name}, row 1, column {j + 1} ({unkeyed[0]!r}): item has no key in {Path(key_path).name}")
    choices = np.empty((len(t.rows), len(items)), dtype=object)
    for r, (row, cells) in enumerate(t.rows):
        for j, text in enumerate(cells[1:]):
            choice = _norm(text)
            opts = keys[items[j]][2]
            if choice and opts and choice not in opts:
                raise InputError(f"{t.where(row, j + 1)}: {text!r} is not one of the options {'|'.join(opts)}")
            choices[r, j] = choice
    key_list = tuple(keys[i][0] for i in items)
    marks = np.array([keys[i][1] for i in items])
    scores = (choices == np.array(key_list, dtype=object)[None, :]) * marks[None, :]
    options = tuple(keys[i][2] for i in items) if co is not None else None
    return Responses(candidates, items, scores.astype(np.float64), marks, choices, key_list, options)


def max_marks(spec: str, items: tuple[str, ...], *, source: str) -> np.ndarray:
    """``--max-marks``: either a CSV file with columns item and max_score, or a list
    ``ITEM=MAX,ITEM=MAX``. Returns one value per item of ``source``; NaN where not stated."""
    out = np.full(len(items), np.nan)
    pairs: list[tuple[str, str, str]] = []  # (item, text, where)
    if Path(spec).is_file() or "=" not in spec:
        t = read_table(spec, required=("item", "max_score"))
        for row, cells in t.rows:
            pairs.append((cells[t.column("item")], cells[t.column("max_score")], t.where(row, "max_score")))
    else:
        for part in (p.strip() for p in spec.split(",")):
            if not part:
                continue
            item, sep, text = part.partition("=")
            if not sep:
                raise InputError(f"--max-marks: {part!r} is not ITEM=MAX")
            pairs.append((item.strip(), text.strip(), f"--max-marks {item.strip()}"))
    seen = set()
    for item, text, where in pairs:
        if item not in items:
            raise InputError(f"{where}: item {item!r} is not an item of {source}")
        if item in seen:
            raise InputError(f"{where}: item {item!r} is given twice")
        seen.add(item)
        try:
            value = float(text)
        except ValueError:
            raise InputError(f"{where}: {text!r} is not a maximum mark (a number above 0)") from None
        if not math.isfinite(value) or value <= 0:
            raise InputError(f"{where}: {text!r} is not a maximum mark (a number above 0)")
        out[items.index(item)] = value
    return out
