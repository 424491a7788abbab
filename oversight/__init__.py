"""The NOF scoring engine: NHS England's NHS Oversight Framework 2025/26 numbers, reproduced from their own CSVs.

Pure pandas, numpy and statsmodels; it never imports Streamlit. One pipeline serves the app, the command line
(``python -m oversight``) and the tests::

    import oversight as nof
    data = nof.default_dataset()                 # or nof.read_files([...])
    result = nof.assess(data)                    # scores, averages, segments, override, ranks
    ranges = nof.likely_ranges(result, ["Q4 2025/26"])
"""

from . import capability, catalogue, rules
from .banding import FixedCuts, PooledQuartiles, QuarterCuts, bracket_cuts
from .catalogue import FRAMEWORK, Framework
from .compare import Agreement, compare_tables
from .formats import league_layout, neutralise_formulas, place_text, to_csv, value_text
from .improvement import improvement_plan
from .insights import changes_headline, hidden_problems, hidden_problems_headline, segment_changes
from .io import Dataset, default_dataset, read_file, read_files, trust_register
from .league import league_table
from .model import Assessment, Method, assess, default_banding, published_summary
from .problems import InputError, Problem, problems_frame
from .reproduction import Reproduction, reproduce
from .rules import segment
from .uncertainty import likely_ranges

__all__ = [
    "FRAMEWORK",
    "Agreement",
    "Assessment",
    "Dataset",
    "FixedCuts",
    "Framework",
    "InputError",
    "Method",
    "PooledQuartiles",
    "Problem",
    "QuarterCuts",
    "assess",
    "bracket_cuts",
    "capability",
    "catalogue",
    "changes_headline",
    "compare_tables",
    "default_banding",
    "default_dataset",
    "hidden_problems",
    "hidden_problems_headline",
    "improvement_plan",
    "league_layout",
    "league_table",
    "likely_ranges",
    "neutralise_formulas",
    "place_text",
    "problems_frame",
    "published_summary",
    "read_file",
    "read_files",
    "reproduce",
    "Reproduction",
    "rules",
    "segment",
    "segment_changes",
    "to_csv",
    "trust_register",
    "value_text",
]
