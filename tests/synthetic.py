"""Fictional NOF 2025/26 files in NHS England's exact CSV layouts, for tests and benchmarks.

Every trust here is FICTIONAL: codes start ZA (acute), ZB (ambulance) or ZC (benchmark), which no real NHS
organisation uses, and every name ends "(fictional)". Values are drawn from a seeded numpy generator around a latent
"quality" per trust, so metrics correlate as real ones do; the same seed always gives the same bytes.

Numbers follow NHS England's method (see /work/shared/nof-method.md): continuous score ``1 + 3 (r - 1) / (N - 1)``
with ``r`` the min-rank on the written raw value (1 = best) among the ``N`` trusts of the comparison group (own trust
type; sickness absence OF1082 ranks in a national group of 205, the other 205 - n trusts being unseen phantoms);
finance bands OF1079/OF1081 and the combined OF1080; OF5002 the plain mean of the unrounded counted scores, 2 dp
half up; OF5003 segments from the quarter's national cut points (inside the brackets of NHS England's real files, so
fictional and real files can be loaded together) or the file's own quartiles; OF5000 = max(OF5003, 3) when OF5004
flags deficit, its Rank the AMR rank within type; OF40xx domain means.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DATA_LAYOUT = ["Quarter", "Region", "Trust_type", "Trust_subtype", "Trust_code", "Trust_name", "Domain",
               "Sub-domain", "Metric_ID", "Metric_description", "Reporting_date", "Units", "Value", "Median_value",
               "Lower_quartile", "Upper_quartile", "Rank"]
LEAGUE_LAYOUT = ["Quarter", "Region", "Trust_type", "Trust_subtype", "Trust_code", "Trust_name", "Average_score",
                 "Likely_range_of_average_score", "Segment", "Trust_in_financial_deficit", "Rank",
                 "Likely_range_of_rank"]
QUARTERS = ("Q1 2025/26", "Q2 2025/26", "Q3 2025/26", "Q4 2025/26")
#: Cut points per quarter, on x.xx5 and inside the brackets of NHS England's real mental health file.
NATIONAL_CUTS = {"Q1 2025/26": (2.045, 2.325, 2.625), "Q2 2025/26": (2.065, 2.345, 2.665),
                 "Q3 2025/26": (2.065, 2.355, 2.705), "Q4 2025/26": (2.065, 2.295, 2.585)}
NATIONAL_GROUP = 205
REGIONS = ["London", "Midlands", "East", "South East", "South West", "North West", "North East and Yorkshire"]
PLACES = ["Northbridge", "Eastmoor", "Westhaven", "Southmere", "Ashcombe", "Brackenford", "Calderbrook", "Dunmarsh",
          "Elmstead Vale", "Fernleigh", "Glenhollow", "Harrowgate Fen", "Ironbury", "Juniper Cross", "Kestrelton",
          "Larkmoor", "Millbrook Down", "Netherfold", "Oakshire", "Pennywell", "Quarrington", "Ravensholt",
          "Saltmarsh", "Thornbury Heath", "Upper Wexley", "Vantage Bay", "Wyvernham"]
SIDES = ["", "North ", "South ", "East ", "West ", "Mid "]
ACUTE_SUBTYPES = ["Acute - Teaching", "Acute - Large", "Acute - Medium", "Acute - Small", "Acute - Multi-Service",
                  "Acute - Specialist"]
DOMAIN_IDS = {"Access to services": "OF4000", "Patient safety": "OF4002", "Finance and productivity": "OF4003",
              "People and workforce": "OF4004", "Effectiveness and experience": "OF4005"}
ACC, EFF, SAFE, PEOPLE, FIN = "Access to services", "Effectiveness and experience", "Patient safety", \
    "People and workforce", "Finance and productivity"

# raw ID, description, domain, sub-domain, units, higher is better, mean, spread
SHARED = [
    ("OF0061", "NHS Staff survey - raising concerns sub-score", SAFE, "Patient safety", "out of 10", True, 6.6, 0.3),
    ("OF0082", "Sickness absence rate", PEOPLE, "Retention and culture", "%", False, 5.3, 0.9),
    ("OF0084", "NHS staff survey engagement theme sub-score", PEOPLE, "Retention and culture", "out of 10", True,
     6.9, 0.25),
]
ACUTE = [
    ("OF0023", "Percentage of patients waiting under 18 weeks (RTT)", ACC, "Elective care", "%", True, 60, 7),
    ("OF0003", "Percentage of patients waiting over 52 weeks", ACC, "Elective care", "%", False, 2.0, 1.0),
    ("OF0013", "A&E 4-hour performance", ACC, "Urgent and emergency care", "%", True, 76, 6),
    ("OF0014", "Percentage of A&E attendances over 12 hours", ACC, "Urgent and emergency care", "%", False, 9, 3),
    ("OF0010", "Cancer 28-day Faster Diagnosis Standard", ACC, "Cancer", "%", True, 78, 5),
    ("OF0011", "Cancer 62-day performance", ACC, "Cancer", "%", True, 70, 7),
    ("OF0025", "Average days from discharge ready date to discharge", EFF, "Flow", "days", False, 1.2, 0.4),
    ("OF0020", "MRSA bloodstream infections", SAFE, "Patient safety", "count", False, 1.5, 1.0),
    ("OF0048", "E. coli bloodstream infection rate", SAFE, "Patient safety", "rate", False, 30, 8),
    ("OF0088", "C. difficile infection rate", SAFE, "Patient safety", "rate", False, 25, 7),
    ("OF0085", "Implied productivity growth", FIN, "Productivity", "%", True, 1.5, 2.0),
] + SHARED
AMBULANCE = [("OF0017", "Category 2 mean response time", ACC, "Urgent and emergency care", "minutes", False, 32, 6),
             ("OF0028", "Percentage of ambulance patients conveyed to emergency departments", EFF,
              "Urgent and emergency care", "%", False, 51, 5)]
AMBULANCE += SHARED
NO_AE = {"OF0013", "OF0014", "OF0025"}  # specialist trusts have no A&E
FINANCE = [("OF0079", "Planned surplus/deficit", (0.0, -1.0, -2.0)),
           ("OF0081", "Variance year-to-date to financial plan", (0.0, -0.5, -1.0))]


def half_up(x):
    """Round to 2 dp half up, as NHS England's spreadsheets do."""
    return np.floor(np.asarray(x, float) * 100 + 0.5 + 1e-9) / 100


def min_rank(values, group, higher: bool) -> np.ndarray:
    """1 + how many of ``group`` are strictly better than each value (ties share the best rank)."""
    ordered = np.sort(np.asarray(group, float))
    values = np.asarray(values, float)
    return 1 + (len(ordered) - np.searchsorted(ordered, values, "right") if higher
                else np.searchsorted(ordered, values, "left"))


def _trusts(n, prefix, trust_type, rng, subtypes, suffixes):
    k, width = len(PLACES) * len(SIDES), max(3, len(str(n)))
    names = [f"{SIDES[i // len(PLACES) % len(SIDES)]}{PLACES[i % len(PLACES)]}{f' {i // k + 1}' if i >= k else ''} "
             f"{suffixes[i % len(suffixes)]} (fictional)" for i in range(n)]
    return pd.DataFrame({"Region": [REGIONS[i % len(REGIONS)] for i in range(n)], "Trust_type": trust_type,
                         "Trust_subtype": rng.choice(subtypes, n, p=None if len(subtypes) == 1 else
                                                     [.2, .2, .2, .15, .1, .15]),
                         "Trust_code": [f"{prefix}{i + 1:0{width}d}" for i in range(n)], "Trust_name": names})


def _rows(info, quarter, meta, values, scores, ranks, units=None):
    row = info.assign(Quarter=quarter, Domain=meta[2], **{"Sub-domain": meta[3]}, Metric_ID=meta[0],
                      Metric_description=meta[1], Reporting_date=quarter, Units=units or meta[4], Value=values,
                      Rank=ranks)
    if scores is None:  # a raw value: peer median and quartiles within the file's trust type
        q = np.nanquantile(values, [0.5, 0.25, 0.75])
        row = row.assign(Median_value=half_up(q[0]), Lower_quartile=half_up(q[1]), Upper_quartile=half_up(q[2]))
    return row[~np.isnan(values)]


def _quarter(info, quarter, quality, metrics, rng, cuts, finance=True):
    """Every row of one quarter for the trusts in ``info``; returns (rows, counted unrounded scores)."""
    n, out, counted = len(info), [], []
    q = quality + 0.3 * rng.standard_normal(n)
    specialist = (info["Trust_subtype"] == "Acute - Specialist").to_numpy()
    for meta in metrics:
        rid, _, domain, _, units, higher, mean, spread = meta
        if rid == "OF0020":
            raw = rng.poisson(np.clip(mean - 0.8 * q, 0.1, None)).astype(float)
        else:
            raw = mean + spread * (0.7 * q + 0.7 * rng.standard_normal(n)) * (1 if higher else -1)
            raw = half_up(np.clip(raw, None if rid == "OF0085" else 0, 100 if units == "%" else None))
        raw[specialist & (rid in NO_AE)] = np.nan
        ok = ~np.isnan(raw)
        group = raw[ok]
        if rid == "OF0082":  # ranked nationally among NATIONAL_GROUP trusts
            phantoms = half_up(mean + spread * rng.standard_normal(max(NATIONAL_GROUP - ok.sum(), 0)))
            group = np.concatenate([group, phantoms])
        rank = np.where(ok, min_rank(raw, raw[ok], higher), np.nan)
        score = np.where(ok, 1 + 3 * (min_rank(raw, group, higher) - 1) / (len(group) - 1), np.nan)
        out += [_rows(info, quarter, meta, raw, None, rank),
                _rows(info, quarter, ("OF1" + rid[3:],) + meta[1:], half_up(score), score, rank, "score")]
        counted.append(pd.DataFrame({"code": info["Trust_code"], "domain": domain, "score": score})[ok])
    plan = half_up(np.where(rng.random(n) < 0.5, 0.0, -0.4 + 0.5 * q + rng.standard_normal(n)))
    variance = half_up(0.1 + 0.3 * q + 0.7 * rng.standard_normal(n))
    bands = []
    for (rid, desc, bounds), raw in zip(FINANCE if finance else [], [plan, variance][: 2 * finance], strict=True):
        meta = (rid, desc, FIN, "Finance", "%")
        bands.append(np.select([raw >= bounds[0], raw >= bounds[1], raw >= bounds[2]], [1.0, 2.0, 3.0], 4.0))
        rank = min_rank(raw, raw, True)
        out += [_rows(info, quarter, meta, raw, None, rank),
                _rows(info, quarter, ("OF1" + rid[3:],) + meta[1:], bands[-1], bands[-1], rank, "score")]
    if finance:
        combined = np.where(bands[0] == 1, np.maximum(1, bands[1] - 1), np.minimum(4, bands[1] + 1))
        out.append(_rows(info, quarter, ("OF1080", "Combined finance", FIN, "Finance"), combined, combined,
                         np.nan, "score"))
        counted.append(pd.DataFrame({"code": info["Trust_code"], "domain": FIN, "score": combined}))
    scores = pd.concat(counted, ignore_index=True)
    by_domain = scores.groupby(["code", "domain"])["score"].mean().unstack().reindex(info["Trust_code"])
    for domain, did in DOMAIN_IDS.items():
        if domain in by_domain:
            value = half_up(by_domain[domain].to_numpy())
            meta = (did, f"{domain} domain score", domain, f"{domain} domain score")
            out.append(_rows(info, quarter, meta, value, value, min_rank(value, value[~np.isnan(value)], False),
                             "score"))
    average = half_up(scores.groupby("code")["score"].mean().reindex(info["Trust_code"]).to_numpy())
    cut = np.quantile(average, [.25, .5, .75]) if cuts == "quartiles" else (cuts or NATIONAL_CUTS)[quarter]
    unadjusted = 1.0 + (average[:, None] > np.asarray(cut)[None, :]).sum(axis=1)
    deficit = (rng.random(n) < np.where(plan < 0, 0.6, 0.08)).astype(float)
    adjusted = np.where(deficit == 1, np.maximum(unadjusted, 3), unadjusted)
    amr = min_rank(adjusted * 1000 + average * 100, adjusted * 1000 + average * 100, False).astype(float)
    for mid, desc, units, value, rank in [
            ("OF5000", "Adjusted segment", "segment", adjusted, amr),
            ("OF5002", "Average metric score", "score", average, min_rank(average, average, False)),
            ("OF5003", "Unadjusted segment", "segment", unadjusted, np.nan),
            ("OF5004", "Financial override", "flag", deficit, np.nan)]:
        out.append(_rows(info, quarter, (mid, desc, "Summary", "Summary"), value, value, rank, units))
    return pd.concat(out, ignore_index=True), scores


def _data(n, prefix, trust_type, subtypes, suffixes, metrics, quarters, seed, cuts=None, finance=True):
    rng = np.random.default_rng(seed)
    info = _trusts(n, prefix, trust_type, rng, subtypes, suffixes)
    quality = rng.standard_normal(n)
    parts = [_quarter(info, q, quality, metrics, rng, cuts, finance) for q in quarters]
    frame = pd.concat([p[0] for p in parts], ignore_index=True).reindex(columns=DATA_LAYOUT)
    frame = frame.sort_values(["Quarter", "Metric_ID", "Trust_code"], kind="stable").reset_index(drop=True)
    return frame


def acute_data(n_trusts: int = 134, quarters=QUARTERS, seed: int = 134, cuts=None) -> pd.DataFrame:
    """A fictional acute data file (17 columns, rows as NHS England writes them). ``cuts``: None for
    :data:`NATIONAL_CUTS`, a ``{quarter: (c1, c2, c3)}`` dict, or ``"quartiles"`` (the file's own)."""
    return _data(n_trusts, "ZA", "Acute trust", ACUTE_SUBTYPES, ["Teaching Hospitals NHS Trust",
                 "University Hospitals NHS Foundation Trust", "Hospitals NHS Trust", "General Hospital NHS Trust"],
                 ACUTE, quarters, seed, cuts)


def ambulance_data(n_trusts: int = 10, quarters=QUARTERS, seed: int = 10, cuts=None) -> pd.DataFrame:
    """A fictional ambulance data file (Category 2 response time plus the shared metrics)."""
    return _data(n_trusts, "ZB", "Ambulance trust", ["Ambulance"], ["Ambulance Service NHS Trust"], AMBULANCE,
                 quarters, seed, cuts)


def synthetic_organisations(n: int = 5000, n_metrics: int = 12, seed: int = 5000, quarter: str = "Q4 2025/26"):
    """A big fictional data file of one trust type for benchmarks: ``n`` acute trusts (codes ZC0001...), one quarter,
    exactly ``n_metrics`` (at most 13) continuous acute metrics ranked within the file (raw and score rows), no
    finance rows, domain and summary rows with segments from the file's own quartiles. With N > 400 the 2-dp scores
    cannot be de-rounded, so an engine averaging the published 2-dp scores differs from OF5002 (the mean of the
    unrounded scores) by 0.01 for a few per cent of trusts, and ranks among tied neighbours move with them."""
    metrics = [m for m in ACUTE if m[0] != "OF0082"]
    if not 1 <= n_metrics <= len(metrics):
        raise ValueError(f"n_metrics must be 1 to {len(metrics)}")
    return _data(n, "ZC", "Acute trust", ACUTE_SUBTYPES[:5] + ACUTE_SUBTYPES[:1], ["Hospitals NHS Trust"],
                 metrics[:n_metrics], (quarter,), seed, "quartiles", finance=False)


def league_table(data: pd.DataFrame, replicates: int = 500, seed: int = 0, cuts=None) -> pd.DataFrame:
    """NHS England's 12-column league table of a fictional data file, one row per trust and quarter; likely ranges
    from a percentile bootstrap of each trust's counted 2-dp scores (``cuts`` as given to the generator)."""
    rng, out = np.random.default_rng(seed), []
    for quarter, rows in data.groupby("Quarter", sort=False):
        wide = rows.pivot_table(index="Trust_code", columns="Metric_ID", values="Value")
        info = rows.drop_duplicates("Trust_code").set_index("Trust_code").loc[wide.index]
        counted = wide.filter(regex=r"^OF1(?!079|081)").to_numpy()
        n = (~np.isnan(counted)).sum(axis=1)
        dense = np.where(np.isnan(counted), 0.0, counted)
        picks = np.minimum((rng.random((replicates, *counted.shape)) * n[None, :, None]).astype(int), n[:, None] - 1)
        valid = np.arange(counted.shape[1])[None, None, :] < n[None, :, None]
        avg = half_up((np.take_along_axis(np.broadcast_to(dense, picks.shape), picks, 2) * valid).sum(2) / n)
        cut = np.quantile(wide["OF5002"], [.25, .5, .75]) if cuts == "quartiles" else (cuts or NATIONAL_CUTS)[quarter]
        seg = 1 + (avg[:, :, None] > np.asarray(cut)).sum(axis=2)
        seg = np.where(wide["OF5004"].to_numpy() == 1, np.maximum(seg, 3), seg)
        key = seg * 1000 + np.round(avg * 100)
        ranks = np.array([min_rank(k, k, False) for k in key])
        s_lo, s_hi = half_up(np.percentile(avg, [2.5, 97.5], axis=0))
        r_lo, r_hi = np.floor(np.percentile(ranks, [2.5, 97.5], axis=0) + 0.5).astype(int)
        table = info[LEAGUE_LAYOUT[:4] + ["Trust_name"]].reset_index().assign(
            Average_score=wide["OF5002"].map(lambda x: repr(float(x))).to_numpy(),
            Likely_range_of_average_score=[f"{float(a)!r} to {float(b)!r}" for a, b in zip(s_lo, s_hi, strict=True)],
            Segment=wide["OF5000"].map("{:.1f}".format).to_numpy(),
            Trust_in_financial_deficit=np.where(wide["OF5004"] == 1, "Yes", "No"),
            Likely_range_of_rank=[f"{a} to {b}" for a, b in zip(r_lo, r_hi, strict=True)])
        amr = rows[rows["Metric_ID"] == "OF5000"].set_index("Trust_code")["Rank"].reindex(wide.index)
        table["Rank"] = amr.map("{:.1f}".format).to_numpy()
        out.append(table.assign(_r=amr.to_numpy()).sort_values(["_r", "Trust_name"], kind="stable"))
    return pd.concat(out, ignore_index=True)[LEAGUE_LAYOUT]


def to_csv_bytes(frame: pd.DataFrame, bom: bool = True, crlf: bool = True) -> bytes:
    """CSV bytes as NHS England publishes them (UTF-8 with BOM, CRLF), or without either."""
    text = frame.to_csv(index=False, lineterminator="\r\n" if crlf else "\n")
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
