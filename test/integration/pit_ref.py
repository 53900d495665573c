"""Brute-force reference for SPEC §2 (point-in-time rows), from the spec alone.

Nothing here knows how the C code works.  A ticket is a dict with
ticket_id, creator, employee, department (str), opened (datetime.date) and
closed (datetime.date or None).  `rows()` walks every ticket day by day and
sorts the result; `to_csv()` writes the exact bytes SPEC §2 fixes (header,
RFC 4180 quoting exactly when a field holds , " CR or LF, LF line ends,
null = empty); `to_json()` gives the rows as the dicts a JSON reader sees.

Also here, for the tests that feed the importer: `utc_date()` (SPEC §1: a
full ISO-8601 timestamp is accepted and its UTC date used), `iso_for()`
(write a timestamp whose UTC date is a given day) and `read_import_csv()`.
"""
import csv
import datetime as dt
import io
import re

DAY = dt.timedelta(days=1)

HEADER = ("report_date,creator,employee,department,ticket_id,"
          "initiated_contact,is_open,ticket_age,ticket_closed,days_to_close")
COLUMNS = HEADER.split(",")

_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?"
    r"(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$")


def utc_date(text):
    """The UTC calendar date of `YYYY-MM-DD` or an ISO-8601 timestamp."""
    m = _ISO.match(text.strip())
    if not m:
        raise ValueError("not a date or timestamp: %r" % text)
    y, mo, d, hh, mm, ss, zone = m.groups()
    day = dt.date(int(y), int(mo), int(d))
    if hh is None:
        return day
    local = dt.datetime(day.year, day.month, day.day, int(hh), int(mm),
                        min(int(ss or 0), 59))
    offset = dt.timedelta(0)
    if zone and zone not in ("Z", "z"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = sign * dt.timedelta(hours=int(digits[:2]),
                                     minutes=int(digits[2:] or 0))
    return (local - offset).date()


def iso_for(day, rng):
    """A random ISO-8601 timestamp (zone, fraction, separator varied) whose
    UTC date is `day`; about half of them have another local date."""
    zones = [("Z", 0), ("+02:00", 120), ("-05:30", -330), ("+05:45", 345),
             ("-11:00", -660), ("+14:00", 840), ("+0100", 60), ("-0800", -480),
             ("+09", 540), ("", 0)]
    label, off = rng.choice(zones)
    # UTC minute of the day: near midnight half the time, to cross dates
    if rng.random() < 0.5:
        minute = rng.choice([0, 1, 59, 600, 1380, 1438, 1439])
    else:
        minute = rng.randrange(1440)
    utc = dt.datetime(day.year, day.month, day.day) + dt.timedelta(minutes=minute)
    local = utc + dt.timedelta(minutes=off)
    sep = rng.choice(["T", "T", " "])
    text = local.strftime("%Y-%m-%d") + sep + local.strftime("%H:%M")
    kind = rng.randrange(3)
    if kind >= 1:
        text += ":%02d" % rng.randrange(60)
    if kind == 2:
        text += ".%03d" % rng.randrange(1000)
    text += label
    assert utc_date(text) == day, (text, day)
    return text


def read_import_csv(text, aliases=None):
    """Tickets of an import CSV (SPEC §4: header in any order, BOM allowed),
    employee names resolved through `aliases` {misspelt: real}."""
    aliases = aliases or {}
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader)]
    out = []
    for rec in reader:
        if rec == [] or rec == [""]:
            continue
        row = dict(zip(header, rec))
        emp = row["employee"].strip()
        out.append({
            "ticket_id": row["ticket_id"].strip(),
            "creator": row["creator"].strip(),
            "employee": aliases.get(emp, emp),
            "department": row["department"].strip(),
            "opened": utc_date(row["opened_on"]),
            "closed": utc_date(row["closed_on"]) if row["closed_on"].strip() else None,
        })
    return out


def rows(tickets, as_of, frm, to, department=None, employee=None, creator=None):
    """Every row of SPEC §2 with frm <= d <= min(to, as_of), as tuples
    (d, ticket, initiated, open, age, closed, days_to_close), ordered by
    report_date then ticket_id in byte order."""
    to = min(to, as_of)
    out = []
    for t in tickets:
        if department is not None and t["department"] != department:
            continue
        if employee is not None and t["employee"] != employee:
            continue
        if creator is not None and t["creator"] != creator:
            continue
        o, c = t["opened"], t["closed"]
        last = c if c is not None else as_of
        d = o
        while d <= last:
            if frm <= d <= to:
                closing = c is not None and d == c
                out.append((d, t,
                            1 if d == o else 0,
                            1 if (c is None or d < c) else 0,
                            (d - o).days,
                            1 if closing else 0,
                            (c - o).days if closing else None))
            d += DAY
    out.sort(key=lambda r: (r[0], r[1]["ticket_id"].encode("utf-8")))
    return out


def csv_field(s):
    if any(ch in s for ch in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def to_csv(rs):
    """The exact CSV text of SPEC §2 for the rows."""
    lines = [HEADER]
    for d, t, ini, opn, age, cl, dtc in rs:
        lines.append(",".join([
            d.isoformat(), csv_field(t["creator"]), csv_field(t["employee"]),
            csv_field(t["department"]), csv_field(t["ticket_id"]),
            str(ini), str(opn), str(age), str(cl), "" if dtc is None else str(dtc)]))
    return "\n".join(lines) + "\n"


def to_json(rs):
    """The rows as JSON objects (dicts) with the CSV header's names."""
    return [{
        "report_date": d.isoformat(), "creator": t["creator"], "employee": t["employee"],
        "department": t["department"], "ticket_id": t["ticket_id"],
        "initiated_contact": ini, "is_open": opn, "ticket_age": age,
        "ticket_closed": cl, "days_to_close": dtc,
    } for d, t, ini, opn, age, cl, dtc in rs]


def write_import_csv(tickets, fields, crlf=False, bom=False, order=None):
    """An import CSV for tickets, whose written values come from
    fields(ticket) -> dict of the six columns (strings); RFC 4180 quoting."""
    order = order or ["ticket_id", "creator", "employee", "department", "opened_on", "closed_on"]
    eol = "\r\n" if crlf else "\n"
    out = ["\ufeff" if bom else ""]
    out.append(",".join(order) + eol)
    for t in tickets:
        f = fields(t)
        out.append(",".join(csv_field(f[k]) for k in order) + eol)
    return "".join(out)
