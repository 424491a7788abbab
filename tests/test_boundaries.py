"""The house rules that keep the layers apart: the engine never imports Streamlit, pages stay short."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import ROOT


def test_engine_never_imports_streamlit():
    code = ("import sys, oversight, oversight.__main__; import oversight.whatif, oversight.compare; "
            "print('streamlit' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("page", sorted((ROOT / "pages").glob("*.py")) + [ROOT / "streamlit_app.py"],
                         ids=lambda p: p.name)
def test_pages_stay_short(page):
    assert len(page.read_text().splitlines()) <= 110, f"{page.name}: move computation into oversight/ or ui/"
