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


def calendar_days(a, b):
    """The day count from a to b in calendar days (SPEC §1)."""
    return (b - a).days


def pit_rows(tickets, as_of, frm, to, measure=calendar_days):
    """SPEC §2 rows with frm <= d <= min(to, as_of), as dicts.  measure(a, b)
    counts days_to_close (calendar days by default; the business-day
    measure of docs/ANALYTICS.md for days=business)."""
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
                "dtc": measure(o, c) if closed_today else None,
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


def span(out, s, e, bucket):
    """A bucket's start, end, its real days and the days of the whole
    bucket (1, 7, or its month's): "days": 1 of "bucket_days": 7 when the
    range cuts it.  Sets them in out, returns out."""
    import calendar
    out["start"], out["end"] = iso(s), iso(e)
    out["days"] = (e - s).days + 1
    out["bucket_days"] = (1 if bucket == "day" else 7 if bucket == "week"
                          else calendar.monthrange(s.year, s.month)[1])
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
    opened = sum(r["initiated"] for r in rs)
    rework = sum(1 for r in rs if r["initiated"] and r["t"].get("_rework"))
    hit = None
    if closed_rows:
        hit = sum(1 for r in closed_rows if r["dtc"] <= sla_of(r)) / len(closed_rows)
    return {
        "opened": opened,
        "closed": len(closed_rows),
        "backlog_end": sum(r["open"] for r in rs if r["d"] == end),
        "avg_open": sum(r["open"] for r in rs) / days,
        "lead_time": lead,
        "sla_hit_rate": hit,
        "closes_per_week": len(closed_rows) / (days / 7),
        "rework": rework,
        "rework_rate": rework / opened if opened else None,
        "open_sum": sum(r["open"] for r in rs),
    }


def mark_reentries(tickets):
    """Copies of the tickets with _rework set on the re-entries: a ticket
    of a department in which its creator already had an earlier ticket, by
    (opened, ticket_id) (docs/ANALYTICS.md, "Rework and handoffs")."""
    seen, again = set(), set()
    for t in sorted(tickets, key=lambda t: (t["opened"], t["ticket_id"].encode("utf-8"))):
        k = (t["creator"], t["department"])
        if k in seen:
            again.add(t["ticket_id"])
        seen.add(k)
    return [dict(t, _rework=t["ticket_id"] in again) for t in tickets]


def creator_firsts(tickets, depts):
    """{creator: {dept: (earliest opened, latest closed or None if any open, [tickets])}}"""
    by = {}
    for t in tickets:
        by.setdefault(t["creator"], {}).setdefault(t["department"], []).append(t)
    return by


def end_to_end(tickets, depts, measure=calendar_days):
    """[(campaign start date, days)] per creator with both first and last department."""
    first, last = depts[0], depts[-1]
    out = []
    for creator, per in creator_firsts(tickets, depts).items():
        if first in per and last in per:
            a = min(t["opened"] for t in per[first])
            b = min(t["opened"] for t in per[last])
            out.append((b, measure(a, b)))
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


# ---------------------------------------------------------------------------
# Extensions for the API tests (docs/API.md shapes, docs/ANALYTICS.md
# readings).  Still brute force: rows are materialised day by day with
# pit_rows() and scanned; the helpers below only index them by day so a
# 90-day range with day buckets stays quick in Python.

def iso(d):
    return None if d is None else d.isoformat()


def days_of(start, end):
    d = start
    while d <= end:
        yield d
        d += DAY


def by_day(rows):
    out = {}
    for r in rows:
        out.setdefault(r["d"], []).append(r)
    return out


def rows_in(index, start, end):
    rs = []
    for d in days_of(start, end):
        rs.extend(index.get(d, ()))
    return rs


def lead_block(values):
    """docs/API.md lead_time block: {n, mean, p50, p90, min, max}."""
    return stats(values)


def box(values):
    """docs/API.md box: {n, min, q1, median, q3, max} (percentile_cont)."""
    v = sorted(values)
    if not v:
        return {"n": 0, "min": None, "q1": None, "median": None, "q3": None, "max": None}
    return {"n": len(v), "min": v[0], "q1": pct(v, 0.25), "median": pct(v, 0.5),
            "q3": pct(v, 0.75), "max": v[-1]}


def dist(values):
    """docs/API.md dist: {n, mean, p50, p90}."""
    return e2e_block(values)


def histogram(values):
    counts = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return [{"days": k, "count": counts[k]} for k in sorted(counts)]


def public(m, share=False):
    """A metrics() block as the API writes it (workload_share when asked)."""
    out = {k: m[k] for k in ("opened", "closed", "backlog_end", "avg_open", "lead_time",
                             "sla_hit_rate", "closes_per_week", "rework", "rework_rate")}
    if share:
        out["workload_share"] = m.get("workload_share")
    return out


def share(part, whole):
    """workload_share: Σ is_open of the employee ÷ Σ is_open of the department
    (null when the department has no open row: 0/0)."""
    return None if whole == 0 else part / whole


def score(values, sense):
    """Relative shading (SPEC §3, docs/ANALYTICS.md): z over the non-null
    values with the population sd, times sense, clamped to [-1, 1]; 0 when
    all values are equal; null for a null value.  values: {key: v|None}."""
    vals = [v for v in values.values() if v is not None]
    out = {}
    if not vals:
        return {k: None for k in values}
    mean = sum(vals) / len(vals)
    sd = math.sqrt(sum((v - mean) ** 2 for v in vals) / len(vals))
    same = len(set(vals)) == 1
    for k, v in values.items():
        if v is None:
            out[k] = None
        elif same or sd == 0:
            out[k] = 0.0
        else:
            out[k] = max(-1.0, min(1.0, sense * (v - mean) / sd))
    return out


def min_closed(th):
    """[thresholds] min_closed (default 5): the closes a verdict needs."""
    return th.get("min_closed", 5)


def flags(totals, dept_p50, th):
    """Threshold flags over an employee's totals (strict comparisons; null
    values raise none; the two close-based rules only with min_closed
    closes or more).  th: {p50_ratio, min_sla_hit_rate, max_avg_open[,
    min_closed]}."""
    out = []
    enough = totals["lead_time"]["n"] >= min_closed(th)
    p50 = totals["lead_time"]["p50"]
    if enough and p50 is not None and dept_p50 is not None and p50 > th["p50_ratio"] * dept_p50:
        out.append({"rule": "p50_ratio", "value": p50, "limit": th["p50_ratio"] * dept_p50})
    hit = totals["sla_hit_rate"]
    if enough and hit is not None and hit < th["min_sla_hit_rate"]:
        out.append({"rule": "min_sla_hit_rate", "value": hit, "limit": th["min_sla_hit_rate"]})
    if totals["avg_open"] > th["max_avg_open"]:
        out.append({"rule": "max_avg_open", "value": totals["avg_open"], "limit": th["max_avg_open"]})
    return out


def ascii_fold(s):
    """ASCII case folding on the UTF-8 bytes (bytes beyond ASCII unchanged)."""
    return bytes(b + 32 if 65 <= b <= 90 else b for b in s.encode("utf-8"))


def visible(tickets, as_of):
    """The tickets that have rows at all (opened on or before as_of), with a
    close after as_of read as no close (docs/ANALYTICS.md: it is open)."""
    out = []
    for t in tickets:
        if t["opened"] > as_of:
            continue
        if t["closed"] is not None and t["closed"] > as_of:
            t = dict(t, closed=None)
        out.append(t)
    return out


class Ref:
    """Every aggregate of SPEC §3 for one data set.

    tickets: dicts (ticket_id, creator, employee, employee_id, department,
    opened, closed); depts: [(name, sla_days)] in pipeline order."""

    def __init__(self, tickets, depts, as_of, thresholds, lb_size, lb_min, measure=calendar_days):
        self.all = mark_reentries(tickets)
        self.depts = depts
        self.sla = dict(depts)
        self.pos = {name: i for i, (name, _) in enumerate(depts)}
        self.as_of = as_of
        self.th = thresholds
        self.measure = measure
        self.lb_size, self.lb_min = lb_size, lb_min
        self.vis = visible(self.all, as_of)
        self.sla_of = lambda r: self.sla[r["t"]["department"]]
        self._rows = {}
        self._tables = {}
        self._by_creator = None
        self._e2e = None
        self._stage_events = None

    # -- ranges
    def eff(self, frm, to):
        return frm, min(to, self.as_of)

    def rows(self, frm, to):
        key = (frm, to)
        if key not in self._rows:
            self._rows[key] = pit_rows(self.all, self.as_of, frm, to, self.measure)
        return self._rows[key]

    def group_index(self, frm, to, key):
        """{group: {day: [rows]}} for key(ticket)."""
        out = {}
        for r in self.rows(frm, to):
            out.setdefault(key(r["t"]), {}).setdefault(r["d"], []).append(r)
        return out

    @staticmethod
    def block(index, start, end, sla_of):
        return metrics(rows_in(index, start, end), start, end, sla_of)

    def table(self, frm, to, bucket, key, cache=None):
        """{group: (totals, [series items])} with open_sum kept for shares.
        cache: a name for key, to reuse the table of the same range."""
        ck = (frm, to, bucket, cache)
        if cache is not None and ck in self._tables:
            return self._tables[ck]
        out = self._table(frm, to, bucket, key)
        if cache is not None:
            self._tables[ck] = out
        return out

    def _table(self, frm, to, bucket, key):
        frm, to = self.eff(frm, to)
        idx = self.group_index(frm, to, key)
        bks = buckets(frm, to, bucket)
        out = {}
        for g, index in idx.items():
            tot = self.block(index, frm, to, self.sla_of)
            ser = []
            for s, e in bks:
                m = self.block(index, s, e, self.sla_of)
                span(m, s, e, bucket)
                ser.append(m)
            out[g] = (tot, ser)
        return out

    def empty_group(self, frm, to, bucket):
        frm, to = self.eff(frm, to)
        tot = metrics([], frm, to, None)
        ser = []
        for s, e in buckets(frm, to, bucket):
            m = metrics([], s, e, None)
            span(m, s, e, bucket)
            ser.append(m)
        return tot, ser

    @staticmethod
    def series_public(ser, share_with=None):
        out = []
        for i, m in enumerate(ser):
            p = public(m)
            if share_with is not None:
                p["workload_share"] = share(m["open_sum"], share_with[i]["open_sum"])
            for k in ("start", "end", "days", "bucket_days"):
                p[k] = m[k]
            out.append(p)
        return out

    # -- overview
    def departments_block(self, frm, to, bucket):
        tab = self.table(frm, to, bucket, lambda t: t["department"], "dept")
        out = []
        for i, (name, sla) in enumerate(self.depts):
            tot, ser = tab.get(name) or self.empty_group(frm, to, bucket)
            out.append({"name": name, "position": i + 1, "sla_days": sla,
                        "totals": public(tot), "series": self.series_public(ser)})
        return out

    def e2e_values(self):
        if self._e2e is None:
            self._e2e = end_to_end(self.vis, [n for n, _ in self.depts], self.measure)
        return self._e2e

    def end_to_end(self, frm, to, bucket):
        frm, to = self.eff(frm, to)
        vals = self.e2e_values()
        series = []
        for s, e in buckets(frm, to, bucket):
            b = dist([v for d, v in vals if s <= d <= e])
            span(b, s, e, bucket)
            series.append(b)
        roll = [{"date": iso(d), "mean": m} for d, m in rolling_28(vals, frm, to)]
        return {"totals": dist([v for d, v in vals if frm <= d <= to]),
                "series": series, "rolling_28d": roll}

    def kpis_of(self, frm, to):
        rows = [r for r in self.rows(frm, to)]
        closes = [r for r in rows if r["closed"]]
        days = (to - frm).days + 1
        e2e = sorted(v for d, v in self.e2e_values() if frm <= d <= to)
        starts = sum(1 for d in self.campaign_starts() if frm <= d <= to)
        return {
            "backlog": sum(r["open"] for r in rows if r["d"] == to),
            "sla_hit_rate": (sum(1 for r in closes if r["dtc"] <= self.sla_of(r)) / len(closes)
                             if closes else None),
            "throughput_per_week": starts / (days / 7),
            "campaign_starts": starts,
            "end_to_end_p50": pct(e2e, 0.5),
        }

    def campaign_starts(self):
        """Each creator's campaign start (earliest opened_on in the last
        department, as of as_of), once per creator (issue 11 point 9)."""
        last = self.depts[-1][0]
        first = {}
        for t in self.vis:
            if t["department"] == last:
                c = t["creator"]
                first[c] = min(first.get(c, t["opened"]), t["opened"])
        return list(first.values())

    def kpis(self, frm, to):
        frm, to = self.eff(frm, to)
        k = self.kpis_of(frm, to)
        length = (to - frm).days + 1
        pto = frm - DAY
        pfrm = frm - dt.timedelta(days=length)
        k["previous"] = self.kpis_of(pfrm, pto)
        return k

    def weekday(self, frm, to):
        frm, to = self.eff(frm, to)
        rows = self.rows(frm, to)
        return [{"department": name,
                 "opened": weekday_profile([r for r in rows if r["t"]["department"] == name])}
                for name, _ in self.depts]

    def overview(self, frm, to, bucket):
        return {"kpis": self.kpis(frm, to),
                "departments": self.departments_block(frm, to, bucket),
                "end_to_end": self.end_to_end(frm, to, bucket),
                "weekday_profile": self.weekday(frm, to)}

    # -- one department
    def department(self, name, frm, to, bucket, employees):
        """employees: {employee_id: name} of the data set."""
        frm_e, to_e = self.eff(frm, to)
        dtab = self.table(frm, to, bucket, lambda t: t["department"], "dept")
        dtot, dser = dtab.get(name) or self.empty_group(frm, to, bucket)
        mine = {t["employee_id"] for t in self.all if t["department"] == name}
        etab = {i: v for i, v in self.table(frm, to, bucket, lambda t: t["employee_id"], "emp").items()
                if i in mine}
        closes = {}
        for r in self.rows(frm, to):
            if r["closed"] and r["t"]["department"] == name:
                closes.setdefault(r["t"]["employee_id"], []).append(r["dtc"])
        ids = sorted(etab, key=lambda i: (employees[i].encode("utf-8"), i))
        emps = []
        for i in ids:
            tot, ser = etab[i]
            t = public(tot)
            t["workload_share"] = share(tot["open_sum"], dtot["open_sum"])
            emps.append({"id": i, "name": employees[i], "totals": t,
                         "series": self.series_public(ser, dser),
                         "flags": flags(t, dtot["lead_time"]["p50"], self.th),
                         "box": box(closes.get(i, []))})
        # close-based scores only for employees with min_closed closes
        mc = min_closed(self.th)
        judged = lambda f: (lambda e: f(e) if e["totals"]["lead_time"]["n"] >= mc else None)
        senses = {"lead_time_p50": (-1, judged(lambda e: e["totals"]["lead_time"]["p50"])),
                  "lead_time_mean": (-1, judged(lambda e: e["totals"]["lead_time"]["mean"])),
                  "closed": (1, judged(lambda e: e["totals"]["closed"])),
                  "closes_per_week": (1, judged(lambda e: e["totals"]["closes_per_week"])),
                  "sla_hit_rate": (1, judged(lambda e: e["totals"]["sla_hit_rate"])),
                  "avg_open": (1, lambda e: e["totals"]["avg_open"]),
                  "workload_share": (1, lambda e: e["totals"]["workload_share"])}
        for e in emps:
            e["scores"] = {}
        for key, (sense, get) in senses.items():
            sc = score({e["id"]: get(e) for e in emps}, sense)
            for e in emps:
                e["scores"][key] = sc[e["id"]]
        return {"department": {"name": name, "position": self.pos[name] + 1,
                               "sla_days": self.sla[name], "totals": public(dtot),
                               "series": self.series_public(dser)},
                "employees": emps}

    # -- one employee
    def employee(self, eid, ename, dept, frm, to, bucket):
        frm_e, to_e = self.eff(frm, to)
        etab = self.table(frm, to, bucket, lambda t: t["employee_id"], "emp")
        dtab = self.table(frm, to, bucket, lambda t: t["department"], "dept")
        dtot, dser = dtab.get(dept) or self.empty_group(frm, to, bucket)
        tot, ser = etab.get(eid) or self.empty_group(frm, to, bucket)
        mine = [r for r in self.rows(frm, to) if r["t"]["employee_id"] == eid]
        idx = by_day(mine)
        daily = []
        for d in days_of(frm_e, to_e):
            rs = idx.get(d, ())
            daily.append({"date": iso(d), "open": sum(r["open"] for r in rs),
                          "initiated": sum(r["initiated"] for r in rs),
                          "closed": sum(r["closed"] for r in rs)})
        dtc = [r["dtc"] for r in mine if r["closed"]]
        t = public(tot)
        t["workload_share"] = share(tot["open_sum"], dtot["open_sum"])
        return {"employee": {"id": eid, "name": ename, "department": dept},
                "totals": t, "series": self.series_public(ser, dser),
                "daily": daily, "histogram": histogram(dtc), "box": box(dtc),
                "trend": trend(mine, frm_e),
                "department": {"name": dept, "totals": public(dtot)},
                "per_employee": self.per_employee(dept, frm, to)}

    def per_employee(self, dept, frm, to):
        """The department's per-employee average (docs/API.md): over the
        department's employees with at least one point-in-time row in the
        range (N), each from that employee's own rows.  Counts: the mean of
        the employees' counts (= the department's total ÷ N); rework_rate:
        Σ rework ÷ Σ opened; workload_share: 1 ÷ N; the close-based figures:
        the mean of the employees' own lead-time p50 / mean / p90 and SLA
        share over those with at least min_closed closes."""
        frm, to = self.eff(frm, to)
        rows = [r for r in self.rows(frm, to) if r["t"]["department"] == dept]
        per = {}
        for r in rows:
            per.setdefault(r["t"]["employee_id"], []).append(r)
        ms = [metrics(rs, frm, to, self.sla_of) for rs in per.values()]
        n = len(ms)
        avg = lambda k: sum(m[k] for m in ms) / n if n else None
        mc = min_closed(self.th)
        judged = [m for m in ms if m["lead_time"]["n"] >= mc]
        jm = lambda f: sum(f(m) for m in judged) / len(judged) if judged else None
        opened = sum(m["opened"] for m in ms)
        return {"employees": n, "min_closed": mc,
                "opened": avg("opened"), "closed": avg("closed"),
                "backlog_end": avg("backlog_end"), "avg_open": avg("avg_open"),
                "closes_per_week": avg("closes_per_week"), "rework": avg("rework"),
                "rework_rate": sum(m["rework"] for m in ms) / opened if n and opened else None,
                "workload_share": 1 / n if n else None,
                "lead_time": {"n": len(judged), "mean": jm(lambda m: m["lead_time"]["mean"]),
                              "p50": jm(lambda m: m["lead_time"]["p50"]),
                              "p90": jm(lambda m: m["lead_time"]["p90"])},
                "sla_hit_rate": jm(lambda m: m["sla_hit_rate"])}

    # -- stages
    def stage_events(self):
        """Per department: [(date, stage days)] and [(date, wait days)]
        (docs/ANALYTICS.md: a stage exists once every ticket of the creator in
        the department is closed, dated its latest close; the wait into k is
        earliest opened in k − latest closed in k−1 when stage k−1 is
        complete, dated the later of the two)."""
        if self._stage_events is not None:
            return self._stage_events
        names = [n for n, _ in self.depts]
        stage = {n: [] for n in names}
        wait = {n: [] for n in names}
        per = creator_firsts(self.vis, names)
        for creator, bydept in per.items():
            done = {}
            for n in names:
                ts = bydept.get(n)
                if not ts:
                    continue
                start = min(t["opened"] for t in ts)
                if all(t["closed"] is not None for t in ts):
                    end = max(t["closed"] for t in ts)
                    done[n] = end
                    stage[n].append((end, self.measure(start, end)))
            for k in range(1, len(names)):
                prev, cur = names[k - 1], names[k]
                if prev in done and bydept.get(cur):
                    start = min(t["opened"] for t in bydept[cur])
                    wait[cur].append((max(start, done[prev]), self.measure(done[prev], start)))
        self._stage_events = (stage, wait)
        return self._stage_events

    def stages(self, frm, to, bucket):
        frm, to = self.eff(frm, to)
        stage, wait = self.stage_events()
        names = [n for n, _ in self.depts]
        bks = buckets(frm, to, bucket)
        out = []
        for k, n in enumerate(names):
            st = dist([v for d, v in stage[n] if frm <= d <= to])
            wt = None if k == 0 else dist([v for d, v in wait[n] if frm <= d <= to])
            ser = []
            for s, e in bks:
                ser.append({**span({}, s, e, bucket),
                            "stage": dist([v for d, v in stage[n] if s <= d <= e]),
                            "wait": None if k == 0 else
                            dist([v for d, v in wait[n] if s <= d <= e])})
            out.append({"name": n, "position": k + 1, "stage": st, "wait": wt, "series": ser})
        # p50_share over the end-to-end path: stages before the last, waits
        # after the first (null p50s contribute nothing)
        if len(out) == 1:
            path = [out[0]["stage"]["p50"]]
        else:
            path = [o["stage"]["p50"] for o in out[:-1]] + [o["wait"]["p50"] for o in out[1:]]
        denom = sum(v for v in path if v is not None)
        best = None
        for k, o in enumerate(out):
            p50 = o["stage"]["p50"]
            last = k == len(out) - 1 and len(out) > 1
            if last or p50 is None or denom <= 0:
                o["p50_share"] = None
                continue
            o["p50_share"] = p50 / denom
            if best is None or o["p50_share"] > best["share"]:
                best = {"department": o["name"], "p50": p50, "share": o["p50_share"]}
        # the overview's end-to-end figure of the same range
        e2e = dist([v for d, v in self.e2e_values() if frm <= d <= to])
        return {"departments": out, "bottleneck": best, "end_to_end": e2e}

    # -- creators
    def creator_list(self):
        per = {}
        for t in self.vis:
            per.setdefault(t["creator"], []).append(t)
        out = []
        for name in sorted(per, key=lambda s: s.encode("utf-8")):
            ts = per[name]
            acts = [t["opened"] for t in ts] + [t["closed"] for t in ts if t["closed"]]
            out.append({"name": name, "tickets": len(ts),
                        "first_opened": iso(min(t["opened"] for t in ts)),
                        "last_activity": iso(max(acts))})
        return out

    def search(self, q, limit):
        fq = ascii_fold(q or "")
        hits = [c for c in self.creator_list() if fq in ascii_fold(c["name"])]
        return {"q": q or "", "total": len(hits), "creators": hits[:limit]}

    def timeline(self, name):
        if self._by_creator is None:
            self._by_creator = {}
            for t in self.vis:
                self._by_creator.setdefault(t["creator"], []).append(t)
        ts = list(self._by_creator.get(name, []))
        if not ts:
            return None
        ts.sort(key=lambda t: (self.pos[t["department"]], t["opened"], t["ticket_id"].encode("utf-8")))
        tickets = [{"ticket_id": t["ticket_id"], "department": t["department"],
                    "employee": t["employee"], "employee_id": t["employee_id"],
                    "opened_on": iso(t["opened"]), "closed_on": iso(t["closed"])} for t in ts]
        names = [n for n, _ in self.depts]
        stages = []
        ends = {}
        for k, n in enumerate(names):
            mine = [t for t in ts if t["department"] == n]
            if not mine:
                continue
            start = min(t["opened"] for t in mine)
            end = None
            if all(t["closed"] is not None for t in mine):
                end = max(t["closed"] for t in mine)
                ends[n] = end
            wait = None
            if k > 0 and ends.get(names[k - 1]) is not None:
                wait = self.measure(ends[names[k - 1]], start)
            stages.append({"department": n, "start": iso(start), "end": iso(end),
                           "days": None if end is None else self.measure(start, end),
                           "wait_before": wait})
        first = [t["opened"] for t in ts if t["department"] == names[0]]
        last = [t["opened"] for t in ts if t["department"] == names[-1]]
        camp = min(last) if last else None
        days = self.measure(min(first), camp) if (first and last) else None
        return {"creator": name, "tickets": tickets, "stages": stages,
                "end_to_end": {"days": days, "campaign_start": iso(camp)}}

    # -- compare
    def closes(self, frm, to, dept):
        frm, to = self.eff(frm, to)
        return [r["dtc"] for r in self.rows(frm, to) if r["closed"] and r["t"]["department"] == dept]

    def compare_e2e(self, a, b):
        """compare's end_to_end: the end-to-end lead times of the campaigns
        that started in each period (the overview's figure), the same test."""
        (af, at), (bf, bt) = self.eff(*a), self.eff(*b)
        vals = self.e2e_values()
        va = [v for d, v in vals if af <= d <= at]
        vb = [v for d, v in vals if bf <= d <= bt]
        la, lb = lead_block(va), lead_block(vb)
        ch = {k: None if la[k] is None or lb[k] is None else lb[k] - la[k] for k in ("p50", "mean")}
        p = mann_whitney_p(va, vb)
        verdict = None if p is None else ("likely a real change" if p < 0.05 else "could be chance")
        return {"a": la, "b": lb, "change": ch, "p_value": p, "verdict": verdict}

    def compare(self, a, b):
        out = []
        for name, _ in self.depts:
            va, vb = self.closes(a[0], a[1], name), self.closes(b[0], b[1], name)
            la, lb = lead_block(va), lead_block(vb)
            ch = {}
            for k in ("p50", "mean"):
                ch[k] = None if la[k] is None or lb[k] is None else lb[k] - la[k]
            p = mann_whitney_p(va, vb)
            verdict = None if p is None else ("likely a real change" if p < 0.05 else "could be chance")
            out.append({"name": name, "a": la, "b": lb, "change": ch, "p_value": p, "verdict": verdict})
        return out

    # -- leaderboard
    def board(self, start, end, names):
        """names: {employee_id: name}."""
        deps = []
        for dname, _ in self.depts:
            per = {}
            for t in self.vis:
                c = t["closed"]
                if t["department"] == dname and c is not None and start <= c <= end:
                    per.setdefault(t["employee_id"], []).append(self.measure(t["opened"], c))
            def ranked(order, value):
                # standard competition ranking (1, 2, 2, 4): 1 + how many
                # listed before with a strictly better value
                out = []
                for k, i in enumerate(order[:self.lb_size]):
                    rank = k + 1 if k == 0 or value(order[k - 1]) != value(i) else out[-1]["rank"]
                    out.append({"rank": rank, "id": i, "name": names[i], "value": value(i),
                                "closed": len(per[i])})
                return out
            nb = lambda i: names[i].encode("utf-8")
            most = sorted(per, key=lambda i: (-len(per[i]), nb(i), i))
            elig = [i for i in per if len(per[i]) >= max(self.lb_min, 1)]
            p50 = {i: pct(sorted(per[i]), 0.5) for i in elig}
            rate = {i: sum(1 for v in per[i] if v <= self.sla[dname]) / len(per[i]) for i in elig}
            fast = sorted(elig, key=lambda i: (p50[i], nb(i), i))
            # nobody at 0% is among the best within SLA
            best = sorted((i for i in elig if rate[i] > 0), key=lambda i: (-rate[i], nb(i), i))
            deps.append({"name": dname,
                         "most_closed": ranked(most, lambda i: len(per[i])),
                         "fastest_p50": ranked(fast, lambda i: p50[i]),
                         "best_sla": ranked(best, lambda i: rate[i])})
        return {"start": iso(start), "end": iso(end), "departments": deps}

    def leaderboard(self, names):
        day = self.as_of - DAY
        monday = self.as_of - dt.timedelta(days=self.as_of.weekday())
        return {"as_of": iso(self.as_of), "size": self.lb_size, "min_closed": self.lb_min,
                "day": self.board(day, day, names),
                "week": self.board(monday - dt.timedelta(days=7), monday - DAY, names)}
