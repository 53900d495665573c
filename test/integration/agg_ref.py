"""Brute-force reference for SPEC §3, written from the spec alone.

Everything here materialises the point-in-time rows of SPEC §2 day by day
and aggregates them the slow, obvious way.  The API tests compare the
daemon's JSON with these values; nothing here knows how the C code works.
Dates are datetime.date; tickets are dicts with ticket_id, creator,
employee, department, opened (date), closed (date or None).
"""
import datetime as dt
import math

DAY = dt.timedelta(days=1)


def pit_rows(tickets, as_of, frm, to):
    """SPEC §2 rows with frm <= d <= min(to, as_of), as dicts."""
    to = min(to, as_of)
    out = []
    for t in tickets:
        o, c = t["opened"], t["closed"]
        last = c if c is not None and c <= as_of else as_of
        d = max(o, frm)
        while d <= min(last, to):
            closed_today = c is not None and d == c
            out.append({
                "d": d, "t": t,
                "initiated": 1 if d == o else 0,
                "open": 1 if (c is None or d < c) else 0,
                "age": (d - o).days,
                "closed": 1 if closed_today else 0,
                "dtc": (c - o).days if closed_today else None,
            })
            d += DAY
    return out


def buckets(frm, to, bucket):
    """[(start, end)] cut to the range: day, ISO week (Monday), month."""
    out = []
    d = frm
    while d <= to:
        if bucket == "day":
            end = d
        elif bucket == "week":
            end = d + dt.timedelta(days=6 - d.weekday())
        else:
            nxt = (d.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
            end = nxt - DAY
        end = min(end, to)
        out.append((d, end))
        d = end + DAY
    return out


def pct(sorted_vals, p):
    """percentile_cont of SPEC §3."""
    n = len(sorted_vals)
    if n == 0:
        return None
    h = (n - 1) * p
    lo = math.floor(h)
    if lo + 1 >= n:
        return float(sorted_vals[lo])
    return sorted_vals[lo] + (h - lo) * (sorted_vals[lo + 1] - sorted_vals[lo])


def stats(values):
    v = sorted(values)
    if not v:
        return {"n": 0, "mean": None, "p50": None, "p90": None, "min": None, "max": None}
    return {"n": len(v), "mean": sum(v) / len(v), "p50": pct(v, 0.5), "p90": pct(v, 0.9),
            "min": v[0], "max": v[-1]}


def metrics(rows, start, end, sla_of):
    """The metric block of one group over the rows dated in [start, end].
    sla_of(row) gives the SLA days of the row's department."""
    rs = [r for r in rows if start <= r["d"] <= end]
    days = (end - start).days + 1
    closed_rows = [r for r in rs if r["closed"]]
    lead = stats([r["dtc"] for r in closed_rows])
    hit = None
    if closed_rows:
        hit = sum(1 for r in closed_rows if r["dtc"] <= sla_of(r)) / len(closed_rows)
    return {
        "opened": sum(r["initiated"] for r in rs),
        "closed": len(closed_rows),
        "backlog_end": sum(r["open"] for r in rs if r["d"] == end),
        "avg_open": sum(r["open"] for r in rs) / days,
        "lead_time": lead,
        "sla_hit_rate": hit,
        "closes_per_week": len(closed_rows) / (days / 7),
        "open_sum": sum(r["open"] for r in rs),
    }


def creator_firsts(tickets, depts):
    """{creator: {dept: (earliest opened, latest closed or None if any open, [tickets])}}"""
    by = {}
    for t in tickets:
        by.setdefault(t["creator"], {}).setdefault(t["department"], []).append(t)
    return by


def end_to_end(tickets, depts):
    """[(campaign start date, days)] per creator with both first and last department."""
    first, last = depts[0], depts[-1]
    out = []
    for creator, per in creator_firsts(tickets, depts).items():
        if first in per and last in per:
            a = min(t["opened"] for t in per[first])
            b = min(t["opened"] for t in per[last])
            out.append((b, (b - a).days))
    return out


def e2e_block(values):
    s = stats(values)
    return {k: s[k] for k in ("n", "mean", "p50", "p90")}


def rolling_28(dated_values, frm, to):
    """[(d, mean or None)] for each day of the range, window [d-27, d]."""
    out = []
    d = frm
    while d <= to:
        w = [v for (day, v) in dated_values if d - dt.timedelta(days=27) <= day <= d]
        out.append((d, sum(w) / len(w) if w else None))
        d += DAY
    return out


def weekday_profile(rows):
    prof = [0] * 7
    for r in rows:
        if r["initiated"]:
            prof[r["d"].weekday()] += 1
    return prof


def trend(rows, frm):
    pts = [((r["d"] - frm).days, r["dtc"]) for r in rows if r["closed"]]
    n = len(pts)
    if n < 3:
        return {"n": n, "slope_per_week": None, "intercept": None, "r2": None}
    mx = sum(x for x, _ in pts) / n
    my = sum(y for _, y in pts) / n
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    sxy = sum((x - mx) * (y - my) for x, y in pts)
    syy = sum((y - my) ** 2 for _, y in pts)
    if sxx == 0:
        return {"n": n, "slope_per_week": None, "intercept": None, "r2": None}
    slope = sxy / sxx
    r2 = (sxy * sxy) / (sxx * syy) if syy else None
    return {"n": n, "slope_per_week": slope * 7, "intercept": my - slope * mx, "r2": r2}


def mann_whitney_p(a, b):
    """Two-sided p-value, normal approximation with tie correction."""
    n1, n2 = len(a), len(b)
    if n1 < 5 or n2 < 5:
        return None
    allv = sorted([(v, 0) for v in a] + [(v, 1) for v in b])
    ranks = [0.0] * len(allv)
    ties = 0.0
    i = 0
    while i < len(allv):
        j = i
        while j + 1 < len(allv) and allv[j + 1][0] == allv[i][0]:
            j += 1
        r = (i + j) / 2 + 1
        for k in range(i, j + 1):
            ranks[k] = r
        t = j - i + 1
        ties += t ** 3 - t
        i = j + 1
    r1 = sum(ranks[k] for k in range(len(allv)) if allv[k][1] == 0)
    u1 = r1 - n1 * (n1 + 1) / 2
    n = n1 + n2
    mu = n1 * n2 / 2
    var = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    if var <= 0:
        return 1.0
    z = (u1 - mu) / math.sqrt(var)
    return math.erfc(abs(z) / math.sqrt(2))


def close(a, b, tol=6e-4):
    """Equality for JSON numbers rounded to 3 decimals (None == null)."""
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol
