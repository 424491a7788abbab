"""A corpus of broken input files, each built in code from NHS England's real files (nothing stored on disk).

Every :class:`Case` says what the reader must do with the file:

* ``outcome="error"``: :func:`oversight.read_file` raises :class:`oversight.InputError` and one of its errors
  mentions every word in ``says``, names ``column`` (when given) and every row in ``rows`` (spreadsheet numbering,
  the header is row 1) and has a fix containing ``fix``;
* ``outcome="warning"``: the file is read, and a warning mentions every word in ``says``.

``bug`` marks a case the engine gets wrong today (the tests mark it ``xfail(strict=True)`` with that reason);
``max_file_bytes`` lowers ``oversight._limits.MAX_FILE_BYTES`` for that case only.

``real_rows()`` and ``to_bytes()`` are the building blocks; ``CASES`` is the corpus.
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .conftest import DATA_FILE, LEAGUE_FILE

Table = tuple[list[str], list[list[str]]]


@dataclass(frozen=True)
class Case:
    id: str
    name: str  # the file name given to the reader
    data: bytes
    outcome: str  # "error" or "warning"
    says: tuple[str, ...] = ()  # words the matching problem's message must contain (case-insensitive)
    column: str | None = None  # the column the matching problem must name (the file's own header)
    rows: tuple[int, ...] = ()  # spreadsheet rows the matching problem must name
    fix: str = ""  # a word the matching problem's fix must contain
    names: tuple[str, ...] = ()  # trust names that must come out of an accepted file exactly like this
    max_file_bytes: int | None = None
    bug: str | None = None  # an engine bug this case shows (xfail, strict)

    def __repr__(self) -> str:  # keep pytest's output short: the bytes can be megabytes
        return f"Case({self.id!r}, {self.name!r}, {len(self.data):,} bytes, {self.outcome})"


# ----------------------------------------------------------------------------------------------------------------
# Building blocks


@cache
def _parsed(path: Path) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))
    return tuple(rows[0]), tuple(tuple(r) for r in rows[1:])


def real_rows(path: Path = DATA_FILE) -> Table:
    """A fresh, mutable copy of a real file's header and rows."""
    header, rows = _parsed(path)
    return list(header), [list(r) for r in rows]


def to_bytes(header, rows, *, delimiter: str = ",", encoding: str = "utf-8-sig", newline: str = "\r\n") -> bytes:
    """Write a table the way NHS England do (UTF-8 with BOM, CRLF, minimal quoting); round-trips the real files."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def sheet_row(index: int) -> int:
    """Spreadsheet row number of data row ``index`` (0-based, the header is row 1)."""
    return index + 2


def find_row(rows, header, **wanted) -> int:
    """Index of the first row whose named columns hold the wanted values."""
    cols = {k: header.index(k) for k in wanted}
    return next(i for i, r in enumerate(rows) if all(r[cols[k]] == v for k, v in wanted.items()))


def set_cell(path: Path, column: str, value: str, **where) -> tuple[bytes, int]:
    """The real file with one cell changed; returns the bytes and the spreadsheet row of the change."""
    header, rows = real_rows(path)
    i = find_row(rows, header, **where)
    rows[i][header.index(column)] = value
    return to_bytes(header, rows), sheet_row(i)


def minimal_xlsx(header, rows) -> bytes:
    """A real (if minimal) Excel workbook holding the table as inline strings."""

    def cell(ref, text):
        text = text.replace("&", "&amp;").replace("<", "&lt;")
        return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'

    def ref(r, c):
        letters = ""
        c += 1
        while c:
            c, rem = divmod(c - 1, 26)
            letters = chr(65 + rem) + letters
        return f"{letters}{r}"

    body = "".join(
        f'<row r="{r + 1}">' + "".join(cell(ref(r + 1, c), v) for c, v in enumerate(row)) + "</row>"
        for r, row in enumerate([header, *rows])
    )
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel_ns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    rels = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rels}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook {ns} {rel_ns}>'
            '<sheets><sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rels}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {ns}><sheetData>{body}'
            "</sheetData></worksheet>"
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for part, xml in parts.items():
            z.writestr(part, xml)
    return out.getvalue()


TEMPLATE_HEADER = ["trust_code", "trust_name", "trust_type", "metric", "value", "score", "deficit"]


@cache
def _template_rows() -> tuple[tuple[str, ...], ...]:
    """Our template filled in from the real Q4 data for the first five trusts (raw value and score per metric)."""
    header, rows = real_rows(DATA_FILE)
    col = {c: header.index(c) for c in header}
    q4 = [r for r in rows if r[col["Quarter"]] == "Q4 2025/26"]
    trusts = list(dict.fromkeys(r[col["Trust_code"]] for r in q4))[:5]
    cell = {(r[col["Trust_code"]], r[col["Metric_ID"]]): r for r in q4}
    out = []
    for code in trusts:
        deficit = "Yes" if float(cell[(code, "OF5004")][col["Value"]]) == 1 else "No"
        for (c, metric), row in cell.items():
            raw = cell.get((code, "OF0" + metric[3:]))
            if c != code or not metric.startswith("OF1") or raw is None:
                continue
            out.append((code, row[col["Trust_name"]], row[col["Trust_type"]], raw[col["Metric_ID"]],
                        raw[col["Value"]], row[col["Value"]], deficit))
    return tuple(out)


def template_rows() -> list[list[str]]:
    return [list(r) for r in _template_rows()]


def template_bytes(rows=None) -> bytes:
    return to_bytes(TEMPLATE_HEADER, template_rows() if rows is None else rows)


# ----------------------------------------------------------------------------------------------------------------
# The corpus


def _cases() -> list[Case]:
    data = DATA_FILE.read_bytes()
    header, rows = real_rows(DATA_FILE)
    lheader, lrows = real_rows(LEAGUE_FILE)
    col = {c: header.index(c) for c in header}
    cases: list[Case] = []

    def add(*args, **kwargs):
        cases.append(Case(*args, **kwargs))

    # Not a CSV at all ---------------------------------------------------------------------------------------------
    add("empty", "empty.csv", b"", "error", says=("empty",), fix="choose")
    add("bom-and-whitespace", "blank.csv", b"\xef\xbb\xbf  \r\n\t \r\n   \r\n", "error", says=("empty",), fix="choose")
    add("header-only", "header_only.csv", data.split(b"\r\n", 1)[0] + b"\r\n", "error", says=("no data rows",),
        fix="choose")
    rng = random.Random(20251231)
    noise = bytearray(rng.randbytes(4096))
    for i in rng.sample(range(len(noise)), 200):
        noise[i] = 0
    noise[:2] = b"\x1f\x8b"  # not a UTF-16 byte-order mark, so the NUL check is what must refuse it
    add("binary", "noise.csv", bytes(noise), "error", says=("binary",), fix="csv")
    add("xlsx", "nof_data.xlsx", minimal_xlsx(header, rows[:50]), "error", says=("excel",), fix="save as")
    add("xls", "nof_data.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + data[:4096], "error",
        says=("old-style excel",), fix="save as")
    add("too-big", "big.csv", data, "error", says=("limit", "1,000,000 bytes"), fix="split",
        max_file_bytes=1_000_000)

    # The wrong columns --------------------------------------------------------------------------------------------
    v = col["Value"]
    add("missing-value-column", "no_value.csv",
        to_bytes([c for c in header if c != "Value"], [r[:v] + r[v + 1:] for r in rows]), "error",
        says=("value", "missing"), column="Value", fix="value")
    renamed = ["Trust code id" if c == "Trust_code" else c for c in header]
    add("renamed-column", "renamed.csv", to_bytes(renamed, rows), "error", says=("trust_code", "missing"),
        column="Trust_code", fix="rename it to 'Trust_code'")
    register = (Path(DATA_FILE).parent.parent / "ods" / "nhs_trusts_by_nof_type.csv").read_bytes()
    add("other-csv", "nhs_trusts.csv", register, "error", says=("does not look like a nof file",), fix="upload")
    add("random-columns", "random_columns.csv",
        to_bytes([f"col{rng.randrange(10**6)}" for _ in header], rows[:200]), "error",
        says=("does not look like a nof file",), fix="template")
    add("no-header-row", "no_header.csv", to_bytes(rows[0], rows[1:]), "error",
        says=("does not look like a nof file",), fix="upload")

    # Bad cells in the data file -----------------------------------------------------------------------------------
    raw_row = {"Quarter": "Q3 2025/26", "Trust_code": "RV3", "Metric_ID": "OF0082"}
    body, row = set_cell(DATA_FILE, "Value", "n/a", **raw_row)
    add("text-in-value", "text_value.csv", body, "error", says=("'n/a'", "not a number"), column="Value", rows=(row,),
        fix="number")
    body, row = set_cell(DATA_FILE, "Median_value", "about 4", **raw_row)
    add("text-in-median", "text_median.csv", body, "error", says=("not a number",), column="Median_value",
        rows=(row,), fix="number")
    body, row = set_cell(DATA_FILE, "Value", "inf", **raw_row)
    add("infinite-value", "inf_value.csv", body, "error", says=("not a number",), column="Value", rows=(row,),
        fix="number")
    body, row = set_cell(DATA_FILE, "Value", "7", Quarter="Q2 2025/26", Trust_code="RXG", Metric_ID="OF1084")
    add("score-of-7", "score7.csv", body, "error", says=("OF1084", "outside 1 to 4"), column="Value", rows=(row,),
        fix="1")
    body, row = set_cell(DATA_FILE, "Value", "9", Quarter="Q4 2025/26", Trust_code="RYY", Metric_ID="OF5000")
    add("segment-of-9", "segment9.csv", body, "error", says=("OF5000", "segment", "outside 1 to 5"), column="Value",
        rows=(row,), fix="1 to 5")
    body, row = set_cell(DATA_FILE, "Value", "2.5", Quarter="Q4 2025/26", Trust_code="RYY", Metric_ID="OF5000")
    add("segment-of-2.5", "segment2_5.csv", body, "error", says=("OF5000", "segment"), column="Value", rows=(row,),
        fix="whole numbers")
    body, row = set_cell(DATA_FILE, "Value", "0.5", Quarter="Q4 2025/26", Trust_code="RYY", Metric_ID="OF5004")
    add("flag-of-0.5", "flag0_5.csv", body, "error", says=("OF5004", "flag"), column="Value", rows=(row,),
        fix="1 (yes) or 0 (no)")
    body, row = set_cell(DATA_FILE, "Quarter", "Q5 2025/26", Quarter="Q4 2025/26", Trust_code="RYY",
                         Metric_ID="OF0082")
    add("quarter-typo", "quarter_typo.csv", body, "error", says=("'q5 2025/26'",), column="Quarter", rows=(row,),
        fix="Q4 2025/26")
    body, row = set_cell(DATA_FILE, "Metric_ID", "Sickness", **raw_row)
    add("bad-metric-id", "bad_metric.csv", body, "error", says=("not a nof metric id",), column="Metric_ID",
        rows=(row,), fix="OF0057")

    dup = [list(r) for r in rows]
    i = find_row(dup, header, **raw_row)
    copy = list(dup[i])
    copy[v] = str(float(copy[v]) + 1.5)
    dup.insert(100, copy)
    first, second = sheet_row(i + (1 if i >= 100 else 0)), sheet_row(100)
    add("conflicting-duplicates", "dup_conflict.csv", to_bytes(header, dup), "error", says=("different values",),
        rows=tuple(sorted((first, second))), fix="keep one")
    dup = [list(r) for r in rows]
    dup[1000:1000] = [list(r) for r in rows[:3]]
    add("exact-duplicates", "dup_exact.csv", to_bytes(header, dup), "warning", says=("3 rows", "exact repeats"),
        fix="nothing")

    blank = [list(r) for r in rows]
    idx = [i for i, r in enumerate(blank) if r[col["Trust_code"]] == "RXG"][:4]
    for i in idx:
        blank[i][col["Trust_code"]] = ""
    add("blank-trust-codes", "blank_codes.csv", to_bytes(header, blank), "error", says=("no trust code",),
        column="Trust_code", rows=tuple(sheet_row(i) for i in idx), fix="ods code")
    body, row = set_cell(DATA_FILE, "Trust_type", "Care home", **raw_row)
    add("unknown-trust-type", "trust_type.csv", body, "error", says=("'care home'", "not a nof trust type"),
        column="Trust_type", rows=(row,), fix="mental health and community trust")

    # Encodings and separators -------------------------------------------------------------------------------------
    accented = "Hôpital Général de Sévérac NHS Foundation Trust"
    enc = [list(r) for r in rows]
    for r in enc:
        if r[col["Trust_code"]] == "RV3":
            r[col["Trust_name"]] = accented
    add("windows-1252", "cp1252.csv", to_bytes(header, enc, encoding="cp1252"), "warning",
        says=("windows-1252",), fix="utf-8", names=(accented,))
    add("utf-16", "utf16.csv", to_bytes(header, rows, encoding="utf-16"), "warning", says=("utf-16",),
        fix="nothing")
    utf16 = to_bytes(header, rows, encoding="utf-16")
    add("utf-16-cut-short", "utf16_cut.csv", utf16[: len(utf16) // 2 | 1], "error", says=("utf-16",), fix="save")
    add("semicolons", "semicolons.csv", to_bytes(header, rows, delimiter=";"), "warning", says=("semicolons",),
        fix="nothing")

    # Broken CSV structure -----------------------------------------------------------------------------------------
    lines = data.split(b"\r\n")
    stray = list(lines)
    stray[500] = stray[500].replace(b",Mental health and community trust,", b",Mental health, and community trust,", 1)
    assert stray[500] != lines[500]
    add("stray-comma", "stray_comma.csv", b"\r\n".join(stray), "error", says=("18 fields", "17"), rows=(501,),
        fix="stray comma")
    quote = list(lines)
    quote[300] = quote[300].replace(b",Mental health and community trust,", b',"Mental health and community trust,', 1)
    assert quote[300] != lines[300]
    # The quote swallows the following lines up to the next quote further down: the field grows past the
    # field-length limit, which is what the reader reports, on the right row.
    add("unclosed-quote", "unclosed_quote.csv", b"\r\n".join(quote), "error", column="Trust_type", rows=(301,))
    quote = list(lines)
    n = len(quote) - 3  # the third-last line: no quote follows it, so the CSV ends inside the quoted field
    quote[n] = quote[n].replace(b",Summary,", b',"Summary,', 1)
    assert quote[n] != lines[n] and b'"' not in b"".join(lines[n:])
    add("unclosed-quote-at-end", "unclosed_quote_end.csv", b"\r\n".join(quote), "error", says=("quote",),
        rows=(n + 1,), fix="quote")
    gap = list(lines)
    gap.insert(10, b"")  # a blank line: row 11 in a spreadsheet; every later row moves down one
    target = 400
    cells = gap[target].split(b",")
    cells[12] = b"n/a"  # Value (no quoted commas on this line: checked below)
    assert len(gap[target].split(b",")) == 17
    gap[target] = b",".join(cells)
    add("blank-line-shifts-rows", "blank_line.csv", b"\r\n".join(gap), "error", says=("not a number",),
        column="Value", rows=(target + 1,), fix="number")
    huge = [list(r) for r in rows]
    huge[700][col["Trust_name"]] = "".join(rng.choice("abcdefghij") for _ in range(10_000))
    body, row = set_cell(DATA_FILE, "Trust_type", "Mental health and community trust; " * 40, **raw_row)
    add("long-bad-trust-type", "long_trust_type.csv", body, "error", says=("not a nof trust type",),
        column="Trust_type", rows=(row,), fix="mental health and community trust")
    add("huge-field", "huge_field.csv", to_bytes(header, huge), "error", says=("10,000 characters",),
        column="Trust_name", rows=(sheet_row(700),), fix="right one")

    # League-table file --------------------------------------------------------------------------------------------
    body, row = set_cell(LEAGUE_FILE, "Likely_range_of_average_score", "1.2 - to 3", Trust_code="RXG")
    add("league-bad-range", "league_range.csv", body, "error", says=("'1.2 - to 3'", "not a range"),
        column="Likely_range_of_average_score", rows=(row,), fix="low to high")
    body, row = set_cell(LEAGUE_FILE, "Trust_in_financial_deficit", "Maybe", Trust_code="RV3")
    add("league-maybe-deficit", "league_deficit.csv", body, "error", says=("'maybe'", "yes or no"),
        column="Trust_in_financial_deficit", rows=(row,), fix="yes or no")
    body, row = set_cell(LEAGUE_FILE, "Segment", "9.0", Trust_code="RV3")
    add("league-segment-9", "league_segment.csv", body, "error", says=("segment 9",), column="Segment", rows=(row,),
        fix="1 to 5")
    body, row = set_cell(LEAGUE_FILE, "Average_score", "", Trust_code="RV3")
    add("league-blank-score", "league_blank.csv", body, "error", says=("no average_score",),
        column="Average_score", rows=(row,), fix="average score")

    # Our template -------------------------------------------------------------------------------------------------
    t = template_rows()
    t[3][3] = "Happiness index"
    add("template-unknown-metric", "template_metric.csv", template_bytes(t), "error",
        says=("'happiness index'", "not a metric we know"), column="metric", rows=(5,), fix="OF0057")
    t = template_rows()
    t[6][5] = "0"
    add("template-score-0", "template_score0.csv", template_bytes(t), "error", says=("score 0", "outside 1 to 4"),
        column="score", rows=(8,), fix="1 (best) to 4")
    t = template_rows()
    t[9][4] = t[9][5] = ""
    add("template-neither", "template_neither.csv", template_bytes(t), "error",
        says=("neither a value nor a score",), column="value", rows=(11,), fix="raw value")
    t = template_rows()
    t[2][2] = "Hospice"
    add("template-trust-type", "template_type.csv", template_bytes(t), "error", says=("'hospice'",),
        column="trust_type", rows=(4,), fix="ambulance trust")

    t = template_rows()
    t.insert(2, list(t[1]))  # an exact repeat (row 4 repeats row 3): dropped with a warning
    t[6][6] = "Maybe"  # row 8
    add("template-deficit-after-repeat", "template_deficit.csv", template_bytes(t), "error",
        says=("'maybe'", "yes or no"), column="deficit", rows=(8,), fix="yes or no")

    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return cases


CASES: list[Case] = _cases()
ERRORS = [c for c in CASES if c.outcome == "error"]
ACCEPTED = [c for c in CASES if c.outcome == "warning"]
