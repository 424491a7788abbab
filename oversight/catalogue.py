"""What the engine knows about NOF 2025/26 metrics, trust types and quarters.

Every fact here is taken from NHS England's methodology or checked against their published files; see
``docs/method.md`` for which is which.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import rules

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
class Group:
    """The providers a metric's score is ranked among [data: read off each score grid, nof-method.md section 1].

    ``types`` None means the trust's own type (its peer group); otherwise the trust types whose providers are
    ranked together (every type: every provider that reports the metric).
    """

    types: tuple[str, ...] | None
    words: str

    def label(self, trust_type: str) -> str:
        """The name of the group a trust of ``trust_type`` is ranked in ('other' if its type is not in it)."""
        if self.types is None:
            return trust_type
        return "+".join(self.types) if trust_type in self.types else "other"


OWN_TYPE = Group(None, "ranked within the trust's own type")
EVERY_TYPE = Group(TRUST_TYPES, "ranked among every provider that reports it, of every type")


@dataclass(frozen=True)
class Metric:
    """One scored metric of a framework: its scoring rule, weight in the average and comparison group as values.

    ``id`` is the score ID (OF1xxx; its raw value is OF0xxx). ``weight`` is its weight in the average and domain
    scores (the three infection scores count a third each; the two finance inputs count 0, the combined finance score
    counting for them). ``domain`` and ``units`` serve files that do not say (our template).
    """

    id: str
    short: str
    rule: rules.Rule
    domain: str = ""
    units: str = ""
    group: Group = OWN_TYPE
    weight: float = 1.0
    definition: str = ""

    @property
    def higher_is_better(self) -> bool | None:
        return self.rule.higher_is_better

    @property
    def ranked(self) -> bool:
        """Scored by rank among a comparison group (so its published scores lie on a grid)."""
        return isinstance(self.rule, rules.Ranked)

    @property
    def open(self) -> str:
        """Why rescoring it from raw values is an approximation ('' when the rule is known)."""
        return self.rule.open


@dataclass(frozen=True)
class Framework:
    """A version of the NHS Oversight Framework: its metrics, as data.

    ``as_published`` lists, quarter by quarter, the metrics whose scores NHS England averaged as published (to
    2 dp) rather than unrounded; the engine then leaves them at 2 dp instead of recovering their grid value.
    """

    name: str
    metrics: tuple[Metric, ...]
    as_published: tuple[tuple[str, frozenset[str]], ...] = ()

    def averaged_as_published(self, quarter: str) -> frozenset[str]:
        """The metrics whose 2-dp scores went into ``quarter``'s averages and domain scores."""
        return dict(self.as_published).get(quarter, frozenset())

    def averaged_as_published_rows(self, scores):
        """Which rows of ``scores`` (``quarter``, ``metric_id``) NHS England averaged at their published 2 dp: a
        boolean Series."""
        kept = scores["metric_id"].isin(())
        for quarter in scores["quarter"].unique():
            kept |= (scores["quarter"] == quarter) & scores["metric_id"].isin(self.averaged_as_published(quarter))
        return kept

    def __post_init__(self):
        object.__setattr__(self, "_by_id", {m.id: m for m in self.metrics})

    def metric(self, metric_id: str) -> Metric:
        """The metric's entry, or for one the framework does not know a metric taken as published (rescoring it
        from raw values is refused until its rule is given)."""
        return self._by_id.get(metric_id) or Metric(metric_id, metric_id, rules.Published(
            note="not in the catalogue, so taken as published"), group=OWN_TYPE)

    def __contains__(self, metric_id: str) -> bool:
        return metric_id in self._by_id


_ACCESS, _EFFECT, _SAFETY, _PEOPLE, _FINANCE = DOMAINS
_R, _P = rules.Ranked, rules.Published
_THIRD = 1 / 3
_INFECTION_OPEN = ("at or below 1.0 (cases against the trust's threshold) scores 1, but above it the published scores "
                   "are not even monotone in the published value, so they are ranked on a quantity the file does not "
                   "carry")

#: NHS Oversight Framework 2025/26. Rules, thresholds, directions and comparison groups checked against NHS England's
#: real files (nof-method.md; tests/test_nhse_reproduction.py and tests/test_acute_reproduction.py).
NOF_2025_26 = Framework("NHS Oversight Framework 2025/26", (
    # Access to services
    Metric("OF1003", "52-week waits", _R(False, standard=1.0, strict=True), _ACCESS, "%",
           definition="Percentage of patients waiting over 52 weeks for elective treatment (standard: under 1 %)"),
    Metric("OF1005", "Community 52-week waits", _R(False), _ACCESS, "%", EVERY_TYPE,
           definition="Percentage of patients waiting over 52 weeks for community services"),
    Metric("OF1010", "Cancer 28-day FDS", _R(True, standard=80.0), _ACCESS, "%",
           definition="Percentage of urgent referrals to receive a definitive diagnosis within 4 weeks (standard "
                      "80 %)"),
    Metric("OF1011", "Cancer 62-day", _R(True, standard=75.0), _ACCESS, "%",
           definition="Percentage of patients treated for cancer within 62 days of referral (standard 75 %)"),
    Metric("OF1013", "A&E 4-hour", _R(True, standard=78.0), _ACCESS, "%",
           definition="Percentage of emergency department attendances admitted, transferred or discharged within "
                      "four hours (standard 78 %)"),
    Metric("OF1014", "12 hours in A&E", _R(False), _ACCESS, "%",
           definition="Percentage of emergency department attendances spending over 12 hours in the department"),
    Metric("OF1017", "Category 2 mean response", _R(False), _ACCESS, "minutes", EVERY_TYPE,
           definition="Average Category 2 ambulance response time"),
    Metric("OF1023", "RTT within 18 weeks", _R(True), _ACCESS, "%",
           definition="Percentage of cases where a patient is waiting 18 weeks or less for elective treatment"),
    Metric("OF1041", "CYP mental health access change", _R(True), _ACCESS, "percentage points", EVERY_TYPE,
           definition="Annual change in the number of children and young people accessing NHS-funded mental health "
                      "services"),
    Metric("OF1106", "18 weeks against plan", _R(True, standard=0.0), _ACCESS, "percentage points",
           definition="Difference between planned and actual 18-week performance (standard: the plan met)"),
    # Effectiveness and experience
    Metric("OF1025", "Discharge delay days", _R(False), _EFFECT, "days",
           definition="Average number of days from discharge ready date to actual discharge date (including zero "
                      "days)"),
    Metric("OF1028", "Ambulance conveyance to A&E", _R(False), _EFFECT, "%", EVERY_TYPE,
           definition="Percentage of ambulance patients conveyed to emergency departments"),
    Metric("OF1035", "CQC community MH survey", _P(), _EFFECT,
           definition="CQC community mental health survey satisfaction rate (published as a score)"),
    Metric("OF1046", "Hospital mortality (SHMI)", _P((1.0, 2.0, 3.0), note="banded (1, 2 or 3), no raw value"),
           _EFFECT, definition="Summary Hospital-level Mortality Indicator, banded as expected, above or below"),
    Metric("OF1057", "UCR 2-hour performance", _R(True, floor=70.0), _EFFECT, "%", EVERY_TYPE,
           definition="Urgent Community Response 2-hour performance (floor 70 %)"),
    Metric("OF1063", "Inpatients over 60 days", _R(False), _EFFECT, "%", EVERY_TYPE,
           definition="Percentage of inpatients with a length of stay over 60 days"),
    Metric("OF1069", "CQC inpatient survey", _P(), _EFFECT,
           definition="CQC adult inpatient survey satisfaction rate (published as a score)"),
    # Patient safety
    Metric("OF1016", "MH crisis 24-hour contact", _R(True), _SAFETY, "%", EVERY_TYPE,
           definition="Percentage of patients in mental health crisis to receive face-to-face contact within 24 "
                      "hours"),
    Metric("OF1020", "MRSA infections", _R(False, standard=0.0), _SAFETY, "count", weight=_THIRD,
           definition="Number of MRSA infections (standard: none); counts a third in the average"),
    Metric("OF1048", "E. coli infections", _R(False, standard=1.0, open=_INFECTION_OPEN), _SAFETY, "rate",
           weight=_THIRD, definition="Rate of E. coli infections against the trust's threshold; counts a third"),
    Metric("OF1061", "Staff survey: raising concerns", _R(True), _SAFETY, "out of 10",
           definition="NHS Staff Survey raising concerns sub-score"),
    Metric("OF1067", "CQC safe inspection", _P(), _SAFETY,
           definition="CQC inspection rating for the safe key question (published as a score)"),
    Metric("OF1088", "C. difficile infections", _R(False, standard=1.0, open=_INFECTION_OPEN), _SAFETY, "rate",
           weight=_THIRD, definition="Rate of C. difficile infections against the trust's threshold; counts a third"),
    # People and workforce
    Metric("OF1082", "Sickness absence", _R(False), _PEOPLE, "%", EVERY_TYPE, definition="Sickness absence rate"),
    Metric("OF1084", "Staff survey: engagement", _R(True), _PEOPLE, "out of 10",
           definition="NHS Staff Survey staff engagement theme sub-score"),
    # Finance and productivity
    Metric(FINANCE_PLAN, "Planned surplus/deficit", rules.Bands((0.0, -1.0, -2.0)), _FINANCE, "%", weight=0.0,
           definition="Planned surplus or deficit, percent of income (feeds the combined finance score)"),
    Metric(FINANCE_COMBINED, "Combined finance", rules.Combined(FINANCE_PLAN, FINANCE_VARIANCE), _FINANCE,
           definition="Combined finance score, from the plan and the year-to-date variance to it"),
    Metric(FINANCE_VARIANCE, "Variance to financial plan", rules.Bands((0.0, -0.5, -1.0)), _FINANCE, "%", weight=0.0,
           definition="Year-to-date variance to the financial plan, percent of income (feeds the combined score)"),
    Metric("OF1085", "Implied productivity", _R(True), _FINANCE, "%", definition="Implied productivity level"),
    Metric("OF1086", "Relative difference in costs", _R(False), _FINANCE, "%", Group(
        (MHC, AMBULANCE), "ranked among mental health and community trusts and ambulance trusts together"),
           definition="Relative difference in costs"),
), as_published=(
    # [data] In Q1 2025/26 NHS England averaged these nine metrics' scores as published, to 2 dp: with them so, all
    # 195 Q1 averages (134 acute, 61 mental health and community) and 959 of the 967 Q1 domain scores reproduce;
    # with their unrounded grid values, 188 averages and 912 domain scores. Rounding them in Q2 to Q4 breaks 3 to 5
    # averages a quarter, so the quarters differ (tests/test_acute_reproduction.py checks both).
    ("Q1 2025/26", frozenset({"OF1003", "OF1005", "OF1011", "OF1014", "OF1016", "OF1025", "OF1061", "OF1063",
                              "OF1106"})),
))
FRAMEWORK = NOF_2025_26  # the framework the engine applies unless told otherwise
CATALOGUE: dict[str, Metric] = {m.id: m for m in NOF_2025_26.metrics}

#: Names the files use for units, as the app writes them.
UNIT_NAMES = {"percent": "%", "mins": "minutes"}


def metric(metric_id: str, framework: Framework = FRAMEWORK) -> Metric:
    """The framework's entry for a score ID (see :meth:`Framework.metric`)."""
    return framework.metric(metric_id)


def canonical_trust_type(text: str) -> str | None:
    """Canonical NOF peer-group name for any spelling NHS England has used, or None."""
    return TRUST_TYPE_ALIASES.get(str(text).strip().lower())


def comparison_group_text(metric_id: str, framework: Framework = FRAMEWORK) -> str:
    """In words: which providers a metric's score is ranked among (or how it is scored when it is not ranked)."""
    info = framework.metric(metric_id)
    return info.group.words if info.ranked else info.rule.describe()


def scorable_from_values(metric_id: str) -> bool:
    """Whether a score can be worked out from the metric's raw values (a rule that reads them); a metric published
    as a score only, or one the catalogue does not know, needs its score given."""
    return isinstance(metric(metric_id).rule, (rules.Ranked, rules.Bands))
