"""Bytes to a raw table: size, encoding, separator, CSV structure, column names.

Two readers give the same :class:`RawTable`:

* :func:`careful_table` reads every field as text with pandas, so that every later message can quote the cell and
  name its row; it copes with UTF-16, Windows-1252, semicolons, tabs, blank lines and broken quoting, each reported.
* :func:`fast_table` reads a plain NHS England-style file (UTF-8, commas, a clean header, no tabs or NUL bytes) with
  pyarrow, numbers typed as it reads. It returns None at the first thing that is not plain, and the loader
  (:mod:`oversight._load`) also goes back to the careful reader whenever the fast table leads to any problem at all,
  so every message comes from the careful path and the fast one only ever speeds up a file that reads cleanly.

Row numbers are spreadsheet rows: the header is row 1 and blank lines are counted (then dropped).
"""

from __future__ import annotations

import csv
import io
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import _limits
from ._cells import SEPARATOR_NAMES, arrow_text, column_key, normalise_text, shown, too_long
from ._fileformats import not_nof
from .problems import InputError, Problem

SAVE_AS_CSV = "Open it in Excel and use File > Save As > 'CSV UTF-8 (comma delimited)'."


@dataclass
class RawTable:
    """One file as read, before any format's rules.

    ``names`` are the file's column names (normalised, as :func:`~oversight._cells.normalise_text` does);
    ``frame`` has one column per file column, labelled by position (0, 1, ...), text except where the fast reader
    typed numbers as floats, plus ``row`` (spreadsheet row numbers).
    """

    names: list[str]
    frame: pd.DataFrame
    sep: str = ","
    warnings: list[Problem] = field(default_factory=list)


# ----------------------------------------------------------------------------------------------------------------
# Size and paths


def check_size(name: str, size: int) -> None:
    """Refuse a file over :data:`~oversight._limits.MAX_FILE_BYTES` (called before a byte is read when it can be)."""
    limit = _limits.MAX_FILE_BYTES
    if size > limit:
        raise InputError([Problem(name, f"the file is {size / 1e6:,.1f} MB ({size:,} bytes), over the "
                                  f"{limit / 1e6:,.0f} MB limit ({limit:,} bytes).",
                                  "Split it by trust type or quarter and load the parts one at a time.")])


def read_path(path) -> tuple[str, bytes]:
    """A file's name and bytes, its size checked with ``stat`` before reading (and the read capped at the limit).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    (name, data) : tuple of str and bytes
        ``name`` is the file name without its folder, as problems name it.

    Raises
    ------
    InputError
        The file is missing, not a regular file, unreadable or over the size limit.
    """
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError([Problem(str(path), "no such file.", "Check the path.")]) from None
    except OSError as err:
        raise InputError([Problem(str(path), f"the file cannot be read ({err.strerror}).",
                                  "Check the path and that you may read the file.")]) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError([Problem(str(path), "this is not a regular file (a folder, a device or a pipe).",
                                  "Give the path of a CSV file.")])
    check_size(path.name, info.st_size)
    try:
        with path.open("rb") as handle:
            data = handle.read(_limits.MAX_FILE_BYTES + 1)
    except OSError as err:
        raise InputError([Problem(str(path), f"the file cannot be read ({err.strerror}).",
                                  "Check the path and that you may read the file.")]) from None
    check_size(path.name, len(data))  # it grew while being read
    return path.name, data


# ----------------------------------------------------------------------------------------------------------------
# Bytes -> text


def decode(name: str, data: bytes) -> tuple[str, list[Problem]]:
    """Decode bytes to text, refusing what is clearly not a CSV (workbooks, binary data, empty files)."""
    check_size(name, len(data))
    if data[:4] == b"PK\x03\x04":
        raise InputError([Problem(name, "this is an Excel workbook (or another zip file), not a CSV.", SAVE_AS_CSV)])
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise InputError([Problem(name, "this is an old-style Excel (.xls) workbook, not a CSV.", SAVE_AS_CSV)])
    warnings = []
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError([Problem(name, "the file starts as UTF-16 text but is damaged or cut short.",
                                      "Save it again as 'CSV UTF-8' from a spreadsheet.")]) from None
        warnings.append(Problem(name, "the file is UTF-16 text; it was read as such.",
                                "Nothing to do; 'CSV UTF-8' is the usual format.", severity="warning"))
    else:
        head = data[:65536]
        if head.count(b"\x00") > len(head) // 100 or b"\x00" in head and not _is_utf8(head):
            raise InputError([Problem(name, "the file holds binary data (NUL bytes), so it is not a CSV text file.",
                                      "Upload the CSV file itself (NHS England's file or our template).",
                                      terminal_fix="Give the CSV file itself (NHS England's file or a template).")])
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            line = data[: err.start].count(b"\n") + 1
            text = data.decode("cp1252", errors="replace")
            warnings.append(Problem(
                name, f"the file is not UTF-8 (first odd byte on row {line}); it was read as Windows-1252.",
                "Check names with accents look right; save as 'CSV UTF-8' to be sure.", severity="warning"))
    if not text.strip():
        raise InputError([Problem(name, "the file is empty.", "Choose the CSV file that holds the data.")])
    return text, warnings


def _is_utf8(head: bytes) -> bool:
    """Whether the start of a file is UTF-8 text (a character cut at the end of ``head`` allowed). A text file with a
    stray NUL byte or two is read as text (the NULs are removed from every cell like other control characters);
    binary data is refused."""
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as err:
        return err.start >= len(head) - 3 and err.reason == "unexpected end of data"
    return True


def sniff_separator(header_line: str) -> str:
    """The separator the header line uses most: comma, semicolon, tab or vertical bar (comma on a tie or none)."""
    counts = {sep: header_line.count(sep) for sep in [",", ";", "\t", "|"]}
    sep = max(counts, key=counts.get)
    return "," if counts[sep] == 0 else sep


def _letter(position: int) -> str:
    """Spreadsheet column letter of a 0-based position (0 -> A, 26 -> AA)."""
    letters, n = "", position + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_names(name: str, header: list[str], warnings: list[Problem]) -> list[str]:
    """The file's column names normalised; two with the same name (case, spaces, underscores, hyphens and
    invisible characters aside) are refused, naming both, and blank ones named by their letter."""
    names, seen, problems = [], {}, []
    for i, raw in enumerate(header):
        clean = normalise_text(str(raw))
        if clean != str(raw).strip(" "):
            warnings.append(Problem(name, f"the column name {shown(str(raw))} (column {_letter(i)}) had invisible "
                                    f"characters or unusual spaces; it was read as {shown(clean)}.",
                                    "Nothing to do; retype the name to be sure.", column=clean, severity="warning"))
        if not clean:
            names.append(f"column {_letter(i)}")
            continue
        key = column_key(clean)
        if key in seen:
            j = seen[key]
            problems.append(Problem(name, f"the columns {shown(names[j])} (column {_letter(j)}) and {shown(clean)} "
                                    f"(column {_letter(i)}) have the same name once case and spacing are ignored, "
                                    "so which one to read is not clear.",
                                    "Delete one of the two columns, or give it another name.", column=clean))
        seen.setdefault(key, i)
        names.append(clean)
    if problems:
        raise InputError(problems + warnings)
    return names


# ----------------------------------------------------------------------------------------------------------------
# The careful reader


def _first_record(text: str, sep: str) -> list[str]:
    return next(csv.reader(io.StringIO(text), delimiter=sep, skipinitialspace=True), [])


def careful_table(name: str, data: bytes, recognised) -> RawTable:
    """Parse CSV bytes to a table of text.

    Parameters
    ----------
    name : str
        The file's name, for problems.
    data : bytes
        The file.
    recognised : callable
        ``recognised(column_names)`` is True for the header of a file format we read; a file that will not parse
        is called "not a NOF file" when it is not, and has its structure fault named when it is.

    Raises
    ------
    InputError
        With one problem per fault found.
    """
    text, warnings = decode(name, data)
    header_line = text.split("\n", 1)[0]
    sep = sniff_separator(header_line)
    if sep != ",":
        warnings.append(Problem(name, f"columns are separated by {SEPARATOR_NAMES[sep]}, not commas; the file "
                                "was read that way.", "Nothing to do.", severity="warning"))
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skipinitialspace=True,
                            engine="c", skip_blank_lines=False, header=None)
    except pd.errors.ParserError as err:
        header = _first_record(text, sep)
        if not recognised([normalise_text(h) for h in header]):
            raise InputError([not_nof(name, header)]) from None
        quote = re.search(r"EOF inside string starting at row (\d+)", str(err))
        if quote:
            raise InputError([Problem(name, "a quote opened on this row is never closed, so the rest of the file "
                                      "runs into one field.", "Close the quote on that row (or remove it).",
                                      row=int(quote.group(1)) + 1)]) from None
        match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(err))
        if match:
            expected, line, saw = match.groups()
            raise InputError([Problem(name, f"this row has {saw} fields but the header has {expected}.",
                                      "Check for a stray comma or an unclosed quote on that row.",
                                      row=int(line))]) from None
        raise InputError([Problem(name, f"the CSV could not be parsed ({err}).",
                                  "Save the file again as 'CSV UTF-8' from a spreadsheet.")]) from None
    except (csv.Error, pd.errors.EmptyDataError, UnicodeError, ValueError) as err:
        raise InputError([Problem(name, f"the CSV could not be parsed ({err}).",
                                  "Save the file again as 'CSV UTF-8' from a spreadsheet.")]) from None
    frame = frame.fillna("")
    header = frame.iloc[0].tolist()
    frame = frame.iloc[1:].reset_index(drop=True)
    frame["row"] = np.arange(2, len(frame) + 2)
    names = [normalise_text(h) for h in header]
    if not recognised(names):
        raise InputError([not_nof(name, header)])
    return RawTable(column_names(name, header, warnings), frame, sep, warnings)


def finish(name: str, table: RawTable, numeric: set[int]) -> RawTable:
    """Drop blank rows and refuse over-long text fields (the columns in ``numeric`` are checked as numbers)."""
    frame = table.frame
    cells = [col for col in frame.columns if col != "row"]
    filled = np.zeros(len(frame), dtype=bool)
    for col in cells:  # a row is blank when every cell is: usually the first column already says none is
        column = frame[col]
        filled |= (column.notna() if pd.api.types.is_float_dtype(column) else column != "").to_numpy()
        if filled.all():
            break
    if not filled.all():
        frame = frame[filled]
    problems = []
    for col in cells:
        text = col not in numeric and not pd.api.types.is_float_dtype(frame[col])
        if not text or _at_most(frame[col], _limits.MAX_FIELD_CHARS):
            continue
        lengths = frame[col].str.len()
        first = int(lengths.to_numpy().argmax())
        message, fix = too_long(frame[col].iloc[first])
        problems.append(Problem(name, message, fix, row=int(frame["row"].iloc[first]), column=table.names[col]))
    if problems:
        raise InputError(problems + table.warnings)
    table.frame = frame
    return table


def _at_most(column: pd.Series, limit: int) -> bool:
    """Whether no text in a column is longer than ``limit`` characters (as ``len`` counts them). For a
    pyarrow-backed column pyarrow counts: bytes first (read from the array's offsets, several times as quick as
    counting characters; a text of at most ``limit`` bytes has at most ``limit`` characters), characters only when
    some text has more bytes than that."""
    values = arrow_text(column)
    if values is not None:
        import pyarrow.compute as pc

        return any((pc.max(count(values)).as_py() or 0) <= limit for count in (pc.binary_length, pc.utf8_length))
    return not len(column) or int(column.str.len().max()) <= limit


# ----------------------------------------------------------------------------------------------------------------
# The fast reader


def _space_before_quote(data: bytes) -> bool:
    """Whether a space stands before a double quote anywhere (a field the careful reader's ``skipinitialspace``
    reads as quoted). Found from the quotes' positions: ``b' "' in data`` searches about four times as long, a
    space being the commonest byte of a CSV."""
    if b'"' not in data:
        return False
    octets = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(octets[1:] == ord('"'))  # positions of the byte before each quote
    return bool((octets[quotes] == ord(" ")).any())


_THREADED_READ_BYTES = 4 << 20


def fast_table(data: bytes, numeric_names) -> RawTable | None:
    """The same table read by pyarrow with numbers typed, or None when the file is not plain enough for it.

    Parameters
    ----------
    data : bytes
        The file.
    numeric_names : callable
        ``numeric_names(column_names)`` gives the set of names to read as numbers, or None when the header is not
        one of a file format we read.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    if len(data) > _limits.MAX_FILE_BYTES or b"\x00" in data or b"\t" in data or _space_before_quote(data):
        return None
    end = data.find(b"\n")
    try:
        header_line = data[: len(data) if end < 0 else end].decode("utf-8-sig").rstrip("\r")
    except UnicodeDecodeError:
        return None
    if sniff_separator(header_line) != ",":
        return None
    header = _first_record(header_line, ",")
    names = [normalise_text(h) for h in header]
    numeric = numeric_names(names) if all(names) and names == header else None
    if numeric is None or len({column_key(n) for n in names}) != len(names):
        return None
    try:
        read = pcsv.read_csv(
            io.BytesIO(data),
            # pyarrow's threads pay on a large file only (a few MB: the real files are read sooner by one thread)
            read_options=pcsv.ReadOptions(use_threads=len(data) > _THREADED_READ_BYTES),
            parse_options=pcsv.ParseOptions(newlines_in_values=b'"' in data, ignore_empty_lines=False),
            convert_options=pcsv.ConvertOptions(
                column_types={n: (pa.float64() if n in numeric else pa.large_string()) for n in names},
                null_values=[""], strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowException, ValueError):
        return None
    if read.column_names != names:
        return None
    columns = {}
    for i, n in enumerate(names):
        column = read.column(i)
        if n in numeric:
            if pc.any(pc.invert(pc.is_finite(column))).as_py():  # inf or nan written out: the careful path refuses
                return None
            columns[i] = column.to_numpy()
        else:
            if pc.any(pc.starts_with(column, " ")).as_py():  # a look costs a twentieth of a trim, which copies
                column = pc.utf8_ltrim(column, characters=" ")
            columns[i] = pd.Series(pd.array(column, dtype="str"))
    frame = pd.DataFrame(columns)
    frame["row"] = np.arange(2, len(frame) + 2)
    return RawTable(names, frame)
