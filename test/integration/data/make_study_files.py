#!/usr/bin/env python3
"""Writes the two export-shaped test files of test_events.py (run once; the
outputs are committed, this script says how they were made):

- combined.csv: the shape of the original study's data file as issue 10
  describes it (the real file is not available): pandas' blank index
  column, creator, employee, department in capitals, start_date and
  end_date (YYYY-MM-DD; empty = still open), no ticket id, the departments'
  frames one after the other, 3,074 rows.
- jira_export.csv: a Jira "Export > CSV (all fields)" of plush-pipeline
  issues: the columns Jira writes (repeated Labels, Watchers and Sprint
  headers, multi-line descriptions with commas and quotes), dates in Jira's
  default `dd/MMM/yy h:mm a` in the exporting user's zone (Europe/Berlin),
  some around midnight and the DST changes, unresolved issues with an
  empty Resolved; the plush creator in "Custom field (Creator)".

Deterministic: python3 make_study_files.py writes the same bytes.
"""
import csv
import datetime as dt
import io
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))

FIRST = ["Gregory", "Linda", "Marcus", "Priya", "Tomasz", "Aisha", "Kenji", "Sofia", "Dmitri",
         "Fatima", "Liam", "Mei", "Oscar", "Nadia", "Rafael", "Ingrid", "Tunde", "Chloe",
         "Hamid", "Yara", "Pablo", "Greta", "Sanjay", "Elena", "Kwame", "Hana", "Mateo",
         "Olga", "Jamal", "Lucia"]
LAST = ["Jones", "Nguyen", "Okafor", "Schmidt", "Rossi", "Kowalski", "Tanaka", "Haddad",
        "Silva", "Johansson", "Murphy", "Dubois", "Petrov", "Mensah", "Garcia", "Kim",
        "O'Neil", "Fischer", "Lopez", "Novak", "Ahmed", "Berg", "Costa", "Ivanova"]
DEPTS = [("SALES", 2, 30, 10), ("CONTRACT", 1, 5, 3), ("DESIGN", 10, 50, 15),
         ("MANUFACTURING", 10, 40, 4), ("CAMPAIGN", 21, 25, 3)]


def person(rng, used):
    while True:
        name = "%s %s" % (rng.choice(FIRST), rng.choice(LAST))
        if name not in used:
            used.add(name)
            return name


def combined(rng):
    used = set()
    staff = {d: [person(rng, used) for _ in range(n)] for d, _, _, n in DEPTS}
    end = dt.date(2021, 12, 31)
    frames = {d: [] for d, _, _, _ in DEPTS}
    total = 0
    while total < 3074:
        creator = person(rng, used)
        day = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(1000))
        for dept, lo, hi, _ in DEPTS:
            if total == 3074 or day > end:
                break
            close = day + dt.timedelta(days=rng.randint(lo, hi))
            open_ = close > end or rng.random() < 0.04
            frames[dept].append((creator, rng.choice(staff[dept]), dept, day.isoformat(),
                                 "" if open_ else close.isoformat()))
            total += 1
            if open_:
                break
            day = close + dt.timedelta(days=rng.randint(0, 6))
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["", "creator", "employee", "department", "start_date", "end_date"])
    i = 0
    for dept, _, _, _ in DEPTS:
        for row in frames[dept]:
            w.writerow([i] + list(row))
            i += 1
    return out.getvalue()


def jira_time(t):
    """Jira's default `dd/MMM/yy h:mm a`."""
    return "%02d/%s/%s %d:%02d %s" % (t.day, t.strftime("%b"), t.strftime("%y"),
                                      (t.hour + 11) % 12 + 1, t.minute, "AM" if t.hour < 12 else "PM")


def jira(rng):
    used = set()
    projects = [("SAL", "Sales"), ("CON", "Contract"), ("DES", "Design"), ("MFG", "Manufacturing"),
                ("CMP", "Campaign")]
    staff = {p: [person(rng, used) for _ in range(3)] for p, _ in projects}
    header = ["Summary", "Issue key", "Issue id", "Issue Type", "Status", "Project key", "Project name",
              "Project type", "Project lead", "Priority", "Resolution", "Assignee", "Reporter",
              "Creator", "Created", "Updated", "Last Viewed", "Resolved", "Labels", "Labels", "Labels",
              "Description", "Watchers", "Watchers", "Sprint", "Sprint", "Custom field (Creator)",
              "Custom field (Story Points)"]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(header)
    n = {p: 0 for p, _ in projects}
    iid = 10000
    # local times near midnight and across the 2024 DST changes
    tricky = [dt.datetime(2024, 3, 30, 23, 45), dt.datetime(2024, 3, 31, 0, 30),
              dt.datetime(2024, 3, 31, 3, 15), dt.datetime(2024, 10, 26, 23, 50),
              dt.datetime(2024, 10, 27, 2, 30), dt.datetime(2024, 10, 27, 0, 20),
              dt.datetime(2024, 6, 30, 23, 59), dt.datetime(2024, 7, 1, 0, 0),
              dt.datetime(2024, 12, 31, 23, 30), dt.datetime(2025, 1, 1, 0, 45)]
    for c in range(40):
        creator = person(rng, used) + (" Plush Co." if c % 7 == 3 else "")
        t = dt.datetime(2024, 1, 8, 9, 0) + dt.timedelta(days=rng.randrange(330),
                                                          minutes=rng.randrange(600))
        for key, project in projects:
            if rng.random() < 0.15:
                break
            n[key] += 1
            iid += 1
            created = t if rng.random() > 0.2 else rng.choice(tricky)
            resolved = created + dt.timedelta(days=rng.randint(0, 25), minutes=rng.randrange(-300, 900))
            if resolved < created:
                resolved = created
            unresolved = rng.random() < 0.12
            labels = rng.sample(["plush", "vip", "rework", "eu", "us", "urgent"], rng.randint(0, 3))
            labels += [""] * (3 - len(labels))
            desc = rng.choice(["", "Creator asked for \"softer\" fabric, again.",
                               "Line one\nline two, with a comma\n\"quoted\" line three"])
            w.writerow(["%s for %s" % (project, creator), "%s-%d" % (key, n[key]), iid,
                        "Task", "Open" if unresolved else "Done", key, project, "business",
                        staff[key][0], rng.choice(["Medium", "High", "Low"]),
                        "" if unresolved else "Done", rng.choice(staff[key]), rng.choice(staff[key]),
                        staff[key][0], jira_time(created),
                        jira_time(resolved if not unresolved else created + dt.timedelta(days=1)),
                        "", "" if unresolved else jira_time(resolved)] + labels +
                       [desc, staff[key][1], "", "Sprint %d" % rng.randint(1, 9), "",
                        creator, rng.choice(["", "3", "5"])])
            if unresolved:
                break
            t = resolved + dt.timedelta(days=rng.randint(0, 4), hours=rng.randint(0, 8))
    return out.getvalue()


def main():
    rng = random.Random(3074)
    with open(os.path.join(HERE, "combined.csv"), "w", encoding="utf-8", newline="") as f:
        f.write(combined(rng))
    with open(os.path.join(HERE, "jira_export.csv"), "w", encoding="utf-8", newline="") as f:
        f.write(jira(rng))


if __name__ == "__main__":
    main()
