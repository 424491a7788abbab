"""Exhaustion, engine side (issue 8, class 5): limits a user can see, checked before the work they guard.

The file size is checked with ``stat`` before a path is read (a 6 GB file is refused without reading a byte);
quarters and trusts are counted per load, over every file together. Each refusal names the limit and what to do.
The real files are the baselines: each limit is met by building a larger load from them.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

import oversight
from oversight import _limits

from .broken_files import TEMPLATE_HEADER, real_rows, template_rows, to_bytes
from .conftest import ACUTE_FILE, DATA_FILE, ROOT


def _refused(files) -> oversight.InputError:
    with pytest.raises(oversight.InputError) as caught:
        oversight.read_files(files)
    return caught.value


def _run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "oversight", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env={**os.environ, "PYTHONIOENCODING": "utf-8"})


@pytest.fixture
def huge_file(tmp_path):
    """A 6 GB file that takes no disk: sparse (its size is all the reader may look at)."""
    path = tmp_path / "nof-data-6gb.csv"
    with path.open("wb") as handle:
        handle.write(DATA_FILE.read_bytes()[:4096])
        handle.truncate(6_000_000_000)
    return path


def test_a_file_over_the_limit_is_refused_before_a_byte_is_read(huge_file, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("the file was opened")

    monkeypatch.setattr(pathlib.Path, "open", never)
    monkeypatch.setattr(pathlib.Path, "read_bytes", never)
    err = _refused([huge_file])
    [problem] = err.errors
    assert problem.file == huge_file.name
    assert "6,000.0 MB" in problem.message and f"{_limits.MAX_FILE_BYTES:,} bytes" in problem.message
    assert "split" in problem.fix.lower()


@pytest.mark.parametrize("command", ["validate", "league"])
def test_the_command_line_refuses_a_huge_file_at_once(huge_file, command):
    done = _run(command, huge_file)
    assert done.returncode == 2 and done.stdout == ""
    assert huge_file.name in done.stderr and "50 MB limit" in done.stderr and "Fix" in done.stderr
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr


@pytest.mark.parametrize("path", ["/dev/zero", "folder"])
def test_a_device_or_a_folder_is_not_read(path, tmp_path):
    target = tmp_path if path == "folder" else pathlib.Path(path)
    if not target.exists():
        pytest.skip(f"{path} is not on this machine")
    assert "not a regular file" in _refused([target]).errors[0].message


def test_the_limit_is_exactly_the_figure(monkeypatch):
    monkeypatch.setattr(_limits, "MAX_FILE_BYTES", len(DATA_FILE.read_bytes()))
    assert oversight.read_files([DATA_FILE]).metrics["trust_code"].nunique() == 61
    monkeypatch.setattr(_limits, "MAX_FILE_BYTES", len(DATA_FILE.read_bytes()) - 1)
    assert "limit" in _refused([DATA_FILE]).errors[0].message


# ----------------------------------------------------------------------------------------------------------------
# Quarters and trusts per load


def _relabelled(year: int) -> tuple[str, bytes]:
    """NHS England's Q1 to Q4 file as if it were for ``year``/``year + 1``."""
    header, rows = real_rows(DATA_FILE)
    col = header.index("Quarter")
    label = f"{year}/{(year + 1) % 100:02d}"
    for r in rows:
        r[col] = r[col].replace("2025/26", label)
    return f"nof-{label.replace('/', '-')}.csv", to_bytes(header, rows)


def test_one_trust_in_2000_quarters_is_refused_quickly():
    """The issue's upload: 1.9 MB of one trust over 2,000 quarters kept the overview busy for 93 seconds."""
    row = template_rows()[0]
    rows = [[f"Q{q % 4 + 1} {2025 + q // 4}/{(2026 + q // 4) % 100:02d}", *row] for q in range(2000)]
    err = _refused([("one-trust.csv", to_bytes(["quarter", *TEMPLATE_HEADER], rows))])
    [problem] = err.errors
    assert "2,000 quarters" in problem.message and f"at most {_limits.MAX_QUARTERS}" in problem.message
    assert problem.column == "quarter" and f"{_limits.MAX_QUARTERS} quarters" in problem.fix


def test_quarters_are_counted_over_the_whole_load():
    files = [_relabelled(year) for year in (2025, 2026, 2027)]
    assert len(oversight.read_files(files).quarters) == 12 == _limits.MAX_QUARTERS
    err = _refused([*files, _relabelled(2028)])
    [problem] = err.errors
    assert "16 quarters" in problem.message
    assert all(name in problem.file for name, _ in files)


def test_trusts_are_counted_over_the_whole_load(monkeypatch):
    monkeypatch.setattr(_limits, "MAX_TRUSTS", 61)
    assert oversight.read_files([DATA_FILE]).metrics["trust_code"].nunique() == 61
    monkeypatch.setattr(_limits, "MAX_TRUSTS", 60)
    [problem] = _refused([DATA_FILE]).errors
    assert "61 trusts" in problem.message and "at most 60" in problem.message and "fewer trusts" in problem.fix
    monkeypatch.setattr(_limits, "MAX_TRUSTS", 150)
    [problem] = _refused([DATA_FILE, ACUTE_FILE]).errors  # 61 and 134: each alone is within the limit
    assert "195 trusts" in problem.message and DATA_FILE.name in problem.file and ACUTE_FILE.name in problem.file


def test_the_limits_allow_every_real_use():
    """205 NOF trusts, the benchmark's 20,000 fictional organisations, a year of quarters and a file a tenth of
    the size limit must all load; the figures are documented in oversight._limits."""
    assert _limits.MAX_TRUSTS >= 20_000 and _limits.MAX_QUARTERS >= 4
    assert len(DATA_FILE.read_bytes()) * 10 < _limits.MAX_FILE_BYTES
    dataset = oversight.default_dataset()
    assert dataset.metrics["trust_code"].nunique() == 195 and dataset.quarters[-1] == "Q4 2025/26"
