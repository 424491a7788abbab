"""Read NHS England's NOF CSV files (and our upload template) into tidy, validated frames.

Three kinds of file are recognised from their header: the **data file** (one row per trust x metric x quarter),
the **league-table file** (one row per trust) and our **template** (one row per trust and metric). Bytes go in, a
:class:`Dataset` comes out; anything unusable raises :class:`~oversight.problems.InputError` with one
:class:`~oversight.problems.Problem` per fault, naming the file, the row or column and the fix.

This module is the reader's public face; the work is done, one job per module, in

* :mod:`oversight._text`: bytes to a raw table (size, encoding, separator, CSV structure, column names; a fast
  pyarrow path for plain files);
* :mod:`oversight._cells`: the cell rules every format shares (identifier normalisation, numbers and decimal
  commas, quarters, trust types, flags, ranges, repeated rows);
* :mod:`oversight._fileformats`: one description per file format (columns, required, numeric and identifier
  fields, key, reader, schema);
* :mod:`oversight._load`: one file, then several combined into a :class:`Dataset` (a trust's identity consistent
  across the load, the limits of a load);
* :mod:`oversight._bundled`: the real files shipped in ``data/``; :mod:`oversight._template`: the upload template;
* :mod:`oversight._limits`: every limit, with the reason for its figure.
"""

from __future__ import annotations

from ._bundled import (
    ACUTE_DATA,
    DATA_DIR,
    DEFAULT_FILES,
    DEFAULT_LEAGUE,
    MHC_DATA,
    ODS_ETR,
    TRUST_LIST,
    default_dataset,
    trust_register,
)
from ._fileformats import TEMPLATE_QUARTER, detect_kind
from ._limits import MAX_FIELD_CHARS, MAX_FILE_BYTES, MAX_FILE_MB
from ._load import (
    LEAGUE_FRAME_COLUMNS,
    METRIC_FRAME_COLUMNS,
    Dataset,
    FileSummary,
    empty_frame,
    read_file,
    read_files,
    summarise,
)
from ._template import TEMPLATE_HELP, template_example
from ._text import read_path

__all__ = [
    "ACUTE_DATA", "DATA_DIR", "DEFAULT_FILES", "DEFAULT_LEAGUE", "LEAGUE_FRAME_COLUMNS", "MAX_FIELD_CHARS",
    "MAX_FILE_BYTES", "MAX_FILE_MB", "METRIC_FRAME_COLUMNS", "MHC_DATA", "ODS_ETR", "TEMPLATE_HELP",
    "TEMPLATE_QUARTER", "TRUST_LIST", "Dataset", "FileSummary", "default_dataset", "detect_kind", "empty_frame",
    "read_file", "read_files", "read_path", "summarise", "template_example", "trust_register",
]  # fmt: skip
