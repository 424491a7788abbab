"""Every limit the reader and the command line apply, in one place, with the reason for each figure.

Each refusal names the limit and what to do. The figures sit far above real use (NHS England's files: under
2.5 MB each, 4 quarters, 205 trusts) so that only a file that is not what it claims to be, or one built to exhaust the
app, meets them. Modules read these at call time (``_limits.MAX_FILE_BYTES``), so a test may lower one.
"""

from __future__ import annotations

#: Largest file, in bytes. Streamlit's ``server.maxUploadSize = 50`` is in megabytes, and the uploader in the browser
#: turns it into bytes with 1000 per kilobyte (``static/js/utils``: ``1024 if navigator.platform is Windows else
#: 1000``), so on Linux and macOS it refuses files over 50,000,000 bytes, and the server (1024 x 1024) never less.
#: The engine and the command line use that smallest figure: one limit, whatever the door.
MAX_FILE_BYTES = 50_000_000
#: The same limit in (decimal) megabytes, as ``.streamlit/config.toml`` and the upload page say it.
MAX_FILE_MB = MAX_FILE_BYTES // 1_000_000

#: Longest text field. NHS England's longest is a metric description of about 200 characters; a longer field is
#: an unclosed quote swallowing the rest of the file, or a file that is not a NOF file.
MAX_FIELD_CHARS = 2_000

#: Quarters in one load (all files together). Three years of quarters: the framework changes every year (2026/27
#: replaces quartiles with fixed thresholds), so a longer run is not one comparison, and every page works per
#: quarter (an upload of one trust in 2,000 quarters kept the overview busy for 93 seconds).
MAX_QUARTERS = 12

#: Trusts in one load. 205 trusts are scored under the NOF; the speed benchmarks use fictional files of 5,000 and
#: 20,000 organisations, which must still load. Above that the likely ranges alone take minutes.
MAX_TRUSTS = 25_000

#: Most bootstrap replicates the command line accepts (``--bootstrap``): 20 times the default of 5,000; the Monte
#: Carlo error of a 2.5th percentile is already far below the 0.01 the ranges are printed to.
MAX_BOOTSTRAP = 100_000

#: Largest random seed (``--seed``): numpy takes any non-negative integer; 32 bits is what people write down.
MAX_SEED = 2**32 - 1
