"""What the engine knows about NOF 2025/26 metrics, trust types and quarters.

Every fact here is taken from NHS England's methodology or checked against their published files; see
``docs/method.md`` for which is which.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ACUTE = "Acute trust"
MHC = "Mental health and community trust"
AMBULANCE = "Ambulance trust"
TRUST_TYPES = (ACUTE, MHC, AMBULANCE)

# Names NHS England has used for the same peer group, lower-cased -> canonical name.
TRUST_TYPE_ALIASES = {
    "acute trust": ACUTE,
    "acute": ACUTE,
    "mental health and community trust": MHC,
    "mental health and community": MHC,
    "non-acute hospital trust": MHC,
    "non-acute trust": MHC,
    "non-acute": MHC,
    "ambulance trust": AMBULANCE,
    "ambulance": AMBULANCE,
}
SPECIALIST_SUBTYPE = "Acute - Specialist"
#: The short codes the app's links and the command line use for each peer group.
TRUST_TYPE_CODES = {ACUTE: "acute", MHC: "mhc", AMBULANCE: "ambulance"}
TRUST_TYPE_ALIASES.update({code: name for name, code in TRUST_TYPE_CODES.items()})

DOMAINS = (
    "Access to services",
    "Effectiveness and experience",
    "Patient safety",
    "People and workforce",
    "Finance and productivity",
)

# Metric-ID families (nof-method.md section 3).
SUMMARY_IDS = {
    "segment": "OF5000",  # adjusted segment (after the financial override)
    "average_score": "OF5002",
    "unadjusted_segment": "OF5003",
    "deficit": "OF5004",
    "final_segment": "OF5005",
    "rsp": "OF5007",
}
FINANCE_PLAN, FINANCE_COMBINED, FINANCE_VARIANCE = "OF1079", "OF1080", "OF1081"
#: Scores that are inputs to the combined finance score and never count in the average themselves.
NOT_AVERAGED = frozenset({FINANCE_PLAN, FINANCE_VARIANCE})

_QUARTER = re.compile(r"^\s*Q([1-4])\s+(\d{4})\s*/\s*(\d{2})\s*$", re.IGNORECASE)


def parse_quarter(text: str) -> tuple[int, int] | None:
    """``"Q3 2025/26"`` -> ``(2025, 3)``; anything else -> None."""
    match = _QUARTER.match(str(text))
    if not match:
        return None
    return int(match.group(2)), int(match.group(1))


def normalise_quarter(text: str) -> str | None:
    """Canonical spelling ``"Q3 2025/26"`` of a quarter label, or None if it is not one."""
    parsed = parse_quarter(text)
    if parsed is None:
        return None
    year, q = parsed
    return f"Q{q} {year}/{(year + 1) % 100:02d}"


def quarter_order(quarters) -> list[str]:
    """Quarters sorted in time order (unparseable labels last, alphabetically)."""
    return sorted(set(quarters), key=lambda q: (parse_quarter(q) or (9999, 9), str(q)))


def score_id(raw_id: str) -> str:
    """OF0057 -> OF1057 (the score that goes with a raw value)."""
    return "OF1" + raw_id[3:]


def raw_id(score_metric_id: str) -> str:
    """OF1057 -> OF0057."""
    return "OF0" + score_metric_id[3:]


@dataclass(frozen=True)
class Metric:
    """One scored metric.

    ``group`` is the comparison group its continuous score is ranked in: ``"type"`` (the trust's own peer group),
    ``"all"`` (every loaded provider that reports it), or a tuple of trust types.
    ``kind`` is ``"continuous"`` (rank-based score), ``"finance"`` (discrete thresholds) or ``"score"`` (arrives as
    a score only, such as CQC ratings).
    """

    id: str  # the score ID, OF1xxx
    short: str
    higher_is_better: bool | None
    group: str | tuple[str, ...] = "type"
    kind: str = "continuous"
    floor: float | None = None  # raw values worse than this score 4 (UCR: below the 70 % standard)
    domain: str = ""  # for files that do not say (our template)
    units: str = ""  # of the raw value, for files that do not say


_M = Metric
_ACCESS, _EFFECT, _SAFETY, _PEOPLE, _FINANCE = DOMAINS[0], DOMAINS[1], DOMAINS[2], DOMAINS[3], DOMAINS[4]
CATALOGUE: dict[str, Metric] = {
    m.id: m
    for m in [
        # Mental health and community trust metrics (directions, groups, domains and units checked against the file).
        _M("OF1005", "Community 52-week waits", False, "all", domain=_ACCESS, units="%"),
        _M("OF1016", "MH crisis 24-hour contact", True, "all", domain=_SAFETY, units="%"),
        _M("OF1041", "CYP mental health access change", True, "all", domain=_ACCESS, units="percentage points"),
        _M("OF1057", "UCR 2-hour performance", True, "all", floor=70.0, domain=_EFFECT, units="%"),
        _M("OF1061", "Staff survey: raising concerns", True, "type", domain=_SAFETY, units="out of 10"),
        _M("OF1063", "Inpatients over 60 days", False, "all", domain=_EFFECT, units="%"),
        _M("OF1082", "Sickness absence", False, "all", domain=_PEOPLE, units="%"),
        _M("OF1084", "Staff survey: engagement", True, "type", domain=_PEOPLE, units="out of 10"),
        _M("OF1086", "Relative difference in costs", False, (MHC, AMBULANCE), domain=_FINANCE, units="%"),
        _M("OF1035", "CQC community MH survey", None, kind="score", domain=_EFFECT),
        _M("OF1067", "CQC safe inspection", None, kind="score", domain=_SAFETY),
        _M(FINANCE_PLAN, "Planned surplus/deficit", True, kind="finance", domain=_FINANCE, units="%"),
        _M(FINANCE_VARIANCE, "Variance to financial plan", True, kind="finance", domain=_FINANCE, units="%"),
        _M(FINANCE_COMBINED, "Combined finance", None, kind="finance", domain=_FINANCE),
        # Acute metrics named in the 2025/26 methodology (directions from the technical specification; domains
        # and units as the methodology groups them, not checked against a real acute file).
        _M("OF1023", "RTT within 18 weeks", True, domain=_ACCESS, units="%"),
        _M("OF1003", "52-week waits", False, domain=_ACCESS, units="%"),
        _M("OF1013", "A&E 4-hour", True, domain=_ACCESS, units="%"),
        _M("OF1014", "12 hours in A&E", False, domain=_ACCESS, units="%"),
        _M("OF1010", "Cancer 28-day FDS", True, domain=_ACCESS, units="%"),
        _M("OF1011", "Cancer 62-day", True, domain=_ACCESS, units="%"),
        _M("OF1025", "Discharge delay days", False, domain=_EFFECT, units="rate"),
        _M("OF1020", "MRSA infections", False, domain=_SAFETY, units="count"),
        _M("OF1048", "E. coli infections", False, domain=_SAFETY, units="rate"),
        _M("OF1088", "C. difficile infections", False, domain=_SAFETY, units="rate"),
        _M("OF1085", "Implied productivity", True, domain=_FINANCE, units="%"),
        # Ambulance.
        _M("OF1017", "Category 2 mean response", False, domain=_ACCESS, units="minutes"),
    ]
}

# Finance thresholds [data: every one of the 244 trust-quarters]. A value at or above the first bound scores 1,
# at or above the second 2, at or above the third 3, otherwise 4 (percent of income).
FINANCE_BANDS = {FINANCE_PLAN: (0.0, -1.0, -2.0), FINANCE_VARIANCE: (0.0, -0.5, -1.0)}


def metric(metric_id: str) -> Metric:
    """The catalogue entry for a score ID, or a generic continuous metric for one we do not know.

    An unknown metric is treated as rank-scored within the trust's own type with direction unknown; rescoring it
    from raw values is refused until a direction is given.
    """
    return CATALOGUE.get(metric_id, Metric(metric_id, metric_id, None))


def canonical_trust_type(text: str) -> str | None:
    """Canonical NOF peer-group name for any spelling NHS England has used, or None."""
    return TRUST_TYPE_ALIASES.get(str(text).strip().lower())


def comparison_group_text(metric_id: str) -> str:
    """In words: which providers a metric's continuous score is ranked among."""
    info = metric(metric_id)
    if info.kind == "finance":
        return "fixed thresholds of percent of income (no ranking)"
    if info.kind == "score":
        return "published as a score only"
    if info.group == "type":
        return "ranked within the trust's own type"
    if info.group == "all":
        return "ranked among every provider that reports it, of every type"
    return "ranked among " + " and ".join(t.lower() + "s" for t in info.group)


def scorable_from_values(metric_id: str) -> bool:
    """Whether a score can be worked out from the metric's raw values (a known rule and direction); a metric
    published as a score only, or one whose direction is unknown, needs its score given."""
    info = metric(metric_id)
    return (info.kind == "finance" and metric_id in FINANCE_BANDS) or (
        info.kind == "continuous" and info.higher_is_better is not None)
