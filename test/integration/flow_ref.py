"""Brute-force reference for the flow analytics of issue 11 and the
business-day measure, written from docs/API.md and docs/ANALYTICS.md
alone.  Like agg_ref, everything is computed from the point-in-time rows
of SPEC §2 (agg_ref.pit_rows) or from the tickets directly, the slow,
obvious way; nothing here knows how the C code works.
"""
import datetime as dt
import math
import random

import agg_ref
from agg_ref import DAY, iso, pct

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def business_measure(weekend, holidays):
    """The day count from a to b in business days: the business days in
    (a, b] (minus those in (b, a] when b < a), one day at a time.
    weekend: weekday numbers (0 = Monday); holidays: dates."""
    off = set(holidays)

    def business(d):
        return d.weekday() not in weekend and d not in off

    def measure(a, b):
        lo, hi, sign = (a, b, 1) if a <= b else (b, a, -1)
        n, d = 0, lo + DAY
        while d <= hi:
            n += business(d)
            d += DAY
        return sign * n
    return measure


def rows_upto(tickets, as_of, to, measure):
    """Every row dated on or before `to` (from the first ticket on)."""
    first = min((t["opened"] for t in tickets), default=to)
    return agg_ref.pit_rows(tickets, as_of, first, to, measure)


# ---------------------------------------------------------------------------
# aging work in progress

ZONES = ["under_p50", "p50", "p70", "p85", "p95"]
LEVELS = [0.5, 0.7, 0.85, 0.95]


def zone(age, pcts):
    if pcts[0] is None:
        return None
    z = "under_p50"
    for name, p in zip(ZONES[1:], pcts):
        if age > p:
            z = name
    return z


def wip(tickets, depts, as_of, frm, to, measure, emp_ids, limit=10, only=None):
    """docs/API.md /api/v1/wip.  emp_ids: {(employee, department): id}."""
    short = (to - frm).days + 1 < 90
    bfrom = to - dt.timedelta(days=364) if short else frm
    rows = agg_ref.pit_rows(tickets, as_of, bfrom, to, measure)
    out_depts, all_items, per_emp = [], [], {}
    for k, (name, sla) in enumerate(depts):
        if only is not None and name != only:
            continue
        closes = sorted(r["dtc"] for r in rows if r["closed"] and r["t"]["department"] == name)
        pcts = [pct(closes, p) for p in LEVELS]
        items = []
        for r in rows:
            t = r["t"]
            if r["d"] == to and r["open"] and t["department"] == name:
                age = measure(t["opened"], to)
                eid = emp_ids[(t["employee"], name)]
                items.append({"ticket_id": t["ticket_id"], "creator": t["creator"], "employee_id": eid,
                              "employee": t["employee"], "opened_on": iso(t["opened"]), "age": age,
                              "zone": zone(age, pcts), "_dept": name})
        items.sort(key=lambda i: (-i["age"], i["ticket_id"].encode("utf-8")))
        zones = {z: sum(1 for i in items if i["zone"] == z) for z in ZONES}
        for i in items:
            e = per_emp.setdefault(i["employee_id"], {"id": i["employee_id"], "name": i["employee"],
                                                      "department": name, "open": 0, "oldest_age": None,
                                                      "zones": {z: 0 for z in ZONES}, "_pos": k})
            e["open"] += 1
            e["oldest_age"] = i["age"] if e["oldest_age"] is None else max(e["oldest_age"], i["age"])
            if i["zone"]:
                e["zones"][i["zone"]] += 1
        all_items.extend(items)
        out_depts.append({"name": name, "position": k + 1, "sla_days": sla, "open": len(items),
                          "percentiles": {"n": len(closes), "p50": pcts[0], "p70": pcts[1],
                                          "p85": pcts[2], "p95": pcts[3]},
                          "zones": zones,
                          "items": [{x: v for x, v in i.items() if x != "_dept"} for i in items]})
    all_items.sort(key=lambda i: (-i["age"], i["ticket_id"].encode("utf-8")))
    oldest = []
    for i in all_items[:limit]:
        o = {x: v for x, v in i.items() if x != "_dept"}
        o["department"] = i["_dept"]
        oldest.append(o)
    emps = sorted(per_emp.values(), key=lambda e: (e["_pos"], e["name"].encode("utf-8"), e["id"]))
    for e in emps:
        del e["_pos"]
    return {"basis": {"from": iso(bfrom), "to": iso(to), "short": short},
            "departments": out_depts, "employees": emps, "oldest": oldest}


# ---------------------------------------------------------------------------
# cycle-time scatter

def quartiles(values):
    v = sorted(values)
    return {"n": len(v), "q1": pct(v, 0.25), "median": pct(v, 0.5), "q3": pct(v, 0.75)}


def scatter(tickets, depts, as_of, frm, to, measure, emp_ids, only=None):
    rows = agg_ref.pit_rows(tickets, as_of, frm - dt.timedelta(days=27), to, measure)
    out = []
    for k, (name, sla) in enumerate(depts):
        if only is not None and name != only:
            continue
        closes = [r for r in rows if r["closed"] and r["t"]["department"] == name]
        inr = sorted((r for r in closes if r["d"] >= frm),
                     key=lambda r: (r["d"], r["t"]["ticket_id"].encode("utf-8")))
        vals = sorted(r["dtc"] for r in inr)
        q1, q3 = pct(vals, 0.25), pct(vals, 0.75)
        iqr = None if q1 is None else q3 - q1
        lo = None if q1 is None else q1 - 1.5 * iqr
        hi = None if q1 is None else q3 + 1.5 * iqr
        points, outliers = [], []
        for r in inr:
            t = r["t"]
            p = {"date": iso(r["d"]), "days": r["dtc"], "ticket_id": t["ticket_id"], "creator": t["creator"],
                 "employee_id": emp_ids[(t["employee"], name)], "employee": t["employee"]}
            flag = r["dtc"] < lo or r["dtc"] > hi
            points.append(dict(p, outlier=flag))
            if flag:
                outliers.append(p)
        rolling = []
        d = frm
        while d <= to:
            w = [r["dtc"] for r in closes if d - dt.timedelta(days=27) <= r["d"] <= d]
            rolling.append(dict(quartiles(w), date=iso(d)))
            d += DAY
        out.append({"name": name, "position": k + 1, "sla_days": sla,
                    "stats": {"n": len(vals), "p50": pct(vals, 0.5), "p85": pct(vals, 0.85),
                              "p95": pct(vals, 0.95), "q1": q1, "q3": q3, "iqr": iqr,
                              "fence_low": lo, "fence_high": hi},
                    "points": points, "rolling": rolling, "outliers": outliers})
    return {"window_days": 28, "departments": out}


# ---------------------------------------------------------------------------
# cumulative flow and throughput

def flow(tickets, depts, as_of, frm, to, bucket, only=None):
    rows = rows_upto(tickets, as_of, to, agg_ref.calendar_days)
    out = []
    for k, (name, sla) in enumerate(depts):
        if only is not None and name != only:
            continue
        per_day = {}
        for r in rows:
            if r["t"]["department"] == name:
                x = per_day.setdefault(r["d"], [0, 0, 0])
                x[0] += r["initiated"]
                x[1] += r["closed"]
                x[2] += r["open"]

        def total(lo, hi, i):
            """Σ of column i over the rows dated in [lo, hi]."""
            return sum(v[i] for day, v in per_day.items() if (lo is None or lo <= day) and day <= hi)
        daily = []
        arrived, done = total(None, frm - DAY, 0), total(None, frm - DAY, 1)
        base = {"arrived": arrived, "done": done}
        d = frm
        while d <= to:
            x = per_day.get(d, [0, 0, 0])
            arrived += x[0]
            done += x[1]
            lo = d - dt.timedelta(days=27)
            daily.append({"date": iso(d), "arrived": arrived, "in_progress": x[2], "done": done,
                          "opened": x[0], "closed": x[1],
                          "opened_ma28": total(lo, d, 0) / 28, "closed_ma28": total(lo, d, 1) / 28})
            d += DAY
        bks = []
        for s, e in agg_ref.buckets(frm, to, bucket):
            o, c = total(s, e, 0), total(s, e, 1)
            bks.append({**agg_ref.span({}, s, e, bucket), "opened": o, "closed": c, "net_flow": o - c,
                        "closes_per_week": c / (((e - s).days + 1) / 7)})
        out.append({"name": name, "position": k + 1, "sla_days": sla, "base": base,
                    "daily": daily, "buckets": bks})
    return {"departments": out}


# ---------------------------------------------------------------------------
# forecast inputs and an independent Monte Carlo

def daily_closes(tickets, as_of, frm, to, dept):
    rows = agg_ref.pit_rows(tickets, as_of, frm, to)
    per = {}
    for r in rows:
        if r["closed"] and r["t"]["department"] == dept:
            per[r["d"]] = per.get(r["d"], 0) + 1
    return [per.get(frm + dt.timedelta(days=i), 0) for i in range((to - frm).days + 1)]


def open_on(tickets, as_of, d, dept):
    rows = agg_ref.pit_rows(tickets, as_of, d, d)
    return sum(r["open"] for r in rows if r["t"]["department"] == dept)


def campaign_start_days(tickets, depts, as_of):
    """{creator: campaign start} (earliest opened in the last department)."""
    last = depts[-1][0]
    out = {}
    for t in agg_ref.visible(tickets, as_of):
        if t["department"] == last:
            out[t["creator"]] = min(out.get(t["creator"], t["opened"]), t["opened"])
    return out


def daily_campaign_starts(tickets, depts, as_of, frm, to):
    starts = campaign_start_days(tickets, depts, as_of)
    return [sum(1 for d in starts.values() if d == frm + dt.timedelta(days=i))
            for i in range((to - frm).days + 1)]


def in_flight(tickets, depts, as_of, d):
    """Creators with a ticket open on d before the last department and no
    ticket in the last department opened by d."""
    last = depts[-1][0]
    rows = agg_ref.pit_rows(tickets, as_of, d, d)
    busy = {r["t"]["creator"] for r in rows if r["open"] and r["t"]["department"] != last}
    started = {t["creator"] for t in agg_ref.visible(tickets, as_of)
               if t["department"] == last and t["opened"] <= d}
    return len(busy - started)


def monte_carlo(hist, days, items, trials=10000, horizon=1095, seed=12345):
    """Our own Monte Carlo: (totals after `days` days, days to reach
    `items` or None beyond the horizon), trials each.  Each future day is
    a day of the history drawn uniformly.  For the days to finish, the
    draws of zero-count days are skipped in one step: the days until the
    next day with a count > 0 are geometric with q = (days with a count) ÷
    (days), and that day's count is uniform among them, which is the same
    distribution at a fraction of the draws."""
    rng = random.Random(seed)
    totals = [sum(rng.choices(hist, k=days)) for _ in range(trials)]
    busy = [v for v in hist if v > 0]
    q = len(busy) / len(hist)
    finish = []
    for _ in range(trials):
        if items == 0:
            finish.append(0)
            continue
        if not busy:
            finish.append(None)
            continue
        done, d = 0, 0
        while done < items and d <= horizon:
            gap = 1 if q == 1 else int(math.log(1.0 - rng.random()) / math.log(1.0 - q)) + 1
            d += gap
            done += rng.choice(busy)
        finish.append(d if done >= items and d <= horizon else None)
    return totals, finish


def mc_tolerance(trials, delta=1e-6):
    """How far two Monte Carlo estimates of one distribution function may
    lie apart, anywhere.  Each empirical survival (or distribution)
    function of `trials` independent draws is within eps of the true one
    at every x at once with probability >= 1 - 2 exp(-2 trials eps²)
    (Dvoretzky–Kiefer–Wolfowitz, Massart's constant); uniformly is what
    makes the bound hold at the daemon's own, data-dependent quantile.
    Two such estimates are then within 2 eps of each other with
    probability >= 1 - delta when 4 exp(-2 trials eps²) = delta."""
    return 2 * math.sqrt(math.log(4 / delta) / (2 * trials))
