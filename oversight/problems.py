"""Problems found in input files, worded for the person who has to fix them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong (``severity="error"``) or worth knowing (``"warning"``) about an input file.

    ``row`` is the spreadsheet row number (the header is row 1), or None when the problem is about the whole file
    or a whole column. ``fix`` is worded for the app; ``terminal_fix``, when given, is the same advice worded for
    the command line (which has no upload page and takes ``--quarter``). ``with_table``: a warning the command
    line's ``league`` and ``imr`` print beside their table (it says the table is not what the command asked for);
    ``validate`` prints every warning.
    """

    file: str
    message: str
    fix: str = ""
    row: int | None = None
    column: str | None = None
    severity: str = "error"
    terminal_fix: str | None = None
    with_table: bool = False

    def where(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def text(self, terminal: bool = False) -> str:
        """``file, row 5, column Value: message Fix: fix``, the fix worded for a terminal if ``terminal``."""
        fix = self.terminal_fix if terminal and self.terminal_fix else self.fix
        text = f"{self.where()}: {self.message}"
        return f"{text} Fix: {fix}" if fix else text

    def __str__(self) -> str:
        return self.text()

    def as_dict(self) -> dict:
        return {
            "severity": self.severity,
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "problem": self.message,
            "fix": self.fix,
        }


class InputError(ValueError):
    """Raised when input cannot be used; ``problems`` lists every error (and any warnings) found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(self.report())

    def report(self, terminal: bool = False, limit: int = 10) -> str:
        """The first ``limit`` errors (or, if none, warnings), one ``- ...`` line each."""
        errors = [p for p in self.problems if p.severity == "error"] or self.problems
        shown = "\n".join(f"- {p.text(terminal)}" for p in errors[:limit])
        more = f"\n- ... and {len(errors) - limit} more" if len(errors) > limit else ""
        return shown + more

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def problems_frame(problems):
    """A table of problems (one row each) for display and download."""
    import pandas as pd

    columns = ["severity", "file", "row", "column", "problem", "fix"]
    frame = pd.DataFrame([p.as_dict() for p in problems], columns=columns)
    return frame.astype({"row": "Int64"})
