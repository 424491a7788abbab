"""The shipped data is NHS England's, byte for byte, and the app's settings agree with the engine's."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path

import pytest

from oversight import InputError, io

from .conftest import ROOT

CHECKSUMS = {
    "nof_2025_26/nhs-oversight-framework-mental-health-and-community-trust-data.csv":
        "435ae98ca66f80359f69c52ff3a6962d7aa7e63ed203fc11fe10584824a41145",
    "nof_2025_26/nhs-oversight-framework-mental-health-and-community-trust-league-table.csv":
        "d06dcf5e5f99f134fd27d195699e3b08b71ebabf04e562dd986da2927e89cbaf",
    "nof_2025_26/nhs-oversight-framework-acute-trust-data.csv":
        "e7d3d45fa7ddef859d6a548fe4652e7f8e1cfe4d5c1adc92afd97fd5237b656a",
    "ods/etr.csv": "50c34139a3ddbf8cce579c07edea74d2d3a0341a0e5145c95f0c20dd0b8005cb",
    "ods/nhs_trusts_by_nof_type.csv": "8d1e24e3690b391f2b5364072a63eea22e0a79baffc93c4b989d7be3e1aa19b9",
}


@pytest.mark.parametrize("path, digest", CHECKSUMS.items())
def test_shipped_files_are_unchanged(path, digest):
    data = (ROOT / "data" / path).read_bytes()
    assert hashlib.sha256(data).hexdigest() == digest
    assert digest in (ROOT / "data" / "README.md").read_text()


def test_shipped_files_match_the_shared_originals_when_present():
    shared = ROOT.parent / "shared" / "data" / "raw" / "nof_2025_26"
    if not shared.is_dir():
        pytest.skip("../shared is not beside this checkout")
    for path in shared.glob("*.csv"):
        assert (ROOT / "data" / "nof_2025_26" / path.name).read_bytes() == path.read_bytes()


def test_upload_limit_is_the_same_in_streamlit_and_the_engine():
    """One figure in bytes. ``server.maxUploadSize`` is in megabytes; Streamlit's uploader in the browser turns it
    into bytes with 1000 per kilobyte (1024 only when the browser runs on Windows) and its server allows 1024 x 1024
    per megabyte, so the smallest limit anyone meets is 50 x 1000 x 1000 bytes: the engine's."""
    import streamlit

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 1000 * 1000 == io.MAX_FILE_BYTES == 50_000_000
    assert config["server"]["maxUploadSize"] == io.MAX_FILE_MB  # the figure the upload page shows
    # How the installed Streamlit converts it (so an upgrade that changes the rule shows up here).
    package = Path(streamlit.__file__).parent
    frontend = [p.read_text(errors="replace") for p in (package / "static" / "static" / "js").glob("utils.*.js")]
    assert any("?1024:1e3" in js for js in frontend), "the uploader no longer uses 1000 bytes per kilobyte"
    server = (package / "web" / "server" / "starlette" / "starlette_routes.py").read_text()
    assert 'config.get_option("server.maxUploadSize") * 1024 * 1024' in server
    # The engine refuses one byte over the figure, before decoding anything.
    with pytest.raises(InputError, match="50,000,000 bytes"):
        io.read_file("big.csv", b" " * (io.MAX_FILE_BYTES + 1))


def test_trust_register_has_the_205_trusts_and_the_2026_closures():
    register = io.trust_register()
    assert len(register) == 205
    assert register["nof_trust_type"].value_counts().to_dict() == {
        "Acute trust": 134, "Mental health and community trust": 61, "Ambulance trust": 10}
    closed = register.dropna(subset=["close_date"])
    assert {"RNK", "RY2", "RYV"} <= set(closed["ods_code"])
