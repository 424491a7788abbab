"""The NOF scoring engine: NHS England's NHS Oversight Framework 2025/26 numbers, reproduced from their own CSVs.

Pure pandas, numpy and statsmodels; it never imports Streamlit. One pipeline serves the app, the command line
(``python -m oversight``) and the tests::

    import oversight as nof
    data = nof.default_dataset()                 # or nof.read_files([...])
    result = nof.assess(data)                    # scores, averages, segments, override, ranks
    ranges = nof.likely_ranges(result, ["Q4 2025/26"])

The names below are imported when first used (PEP 562), not with the package: ``python -m oversight`` always
imports this package first, and the command line needs the reader, the model, the likely ranges and the formats,
not the board capability module, the insights or the reproduction (about 25 ms of imports it would never use).
"""

from __future__ import annotations

import importlib

#: Public name -> the module that defines it (a module's own name for the modules themselves).
_WHERE = {
    "capability": "capability", "catalogue": "catalogue", "rules": "rules",
    "FixedCuts": "banding", "PooledQuartiles": "banding", "QuarterCuts": "banding", "bracket_cuts": "banding",
    "FRAMEWORK": "catalogue", "Framework": "catalogue",
    "Agreement": "compare", "compare_tables": "compare",
    "league_layout": "formats", "neutralise_formulas": "formats", "place_text": "formats", "to_csv": "formats",
    "value_text": "formats",
    "improvement_plan": "improvement",
    "changes_headline": "insights", "hidden_problems": "insights", "hidden_problems_headline": "insights",
    "segment_changes": "insights",
    "Dataset": "io", "default_dataset": "io", "read_file": "io", "read_files": "io", "trust_register": "io",
    "league_table": "league",
    "Assessment": "model", "Method": "model", "assess": "model", "default_banding": "model",
    "published_summary": "model",
    "InputError": "problems", "Problem": "problems", "problems_frame": "problems",
    "Reproduction": "reproduction", "reproduce": "reproduction",
    "segment": "rules",
    "likely_ranges": "uncertainty",
}

__all__ = sorted(_WHERE, key=str.casefold)


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'oversight' has no attribute {name!r}")
    found = importlib.import_module(f".{module}", __name__)
    value = found if module == name else getattr(found, name)
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})

