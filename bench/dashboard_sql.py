"""The dashboard's figures as one hand-written SQL statement, for comparison with the application's aggregate
pass (`victimcare dashboard-refresh`): every source's counts by command unit and month over the 24 months to
the current one, in a single UNION ALL. Prints the statement for `sqlite` or `postgres`.
    python3 bench/dashboard_sql.py sqlite|postgres"""
import datetime
import sys
import zoneinfo

dialect = sys.argv[1]
london = zoneinfo.ZoneInfo("Europe/London")
now = datetime.datetime.now(datetime.timezone.utc)
today = now.astimezone(london).date()
months = []
y, m = today.year, today.month
for _ in range(24):
    months.append((y, m))
    y, m = (y, m - 1) if m > 1 else (y - 1, 12)
months.reverse()


def start(ym):
    return datetime.datetime(ym[0], ym[1], 1, tzinfo=london)


def following(ym):
    return (ym[0] + 1, 1) if ym[1] == 12 else (ym[0], ym[1] + 1)


def instant(dt):
    if dialect == "sqlite":
        return repr(dt.timestamp())
    return "TIMESTAMPTZ '" + dt.astimezone(datetime.timezone.utc).isoformat() + "'"


def month_case(column):
    return "CASE " + " ".join(
        f"WHEN {column} < {instant(start(following(ym)))} THEN '{ym[0]:04d}-{ym[1]:02d}'" for ym in months) + " END"


first, last = months[0], months[-1]
lo, hi = instant(start(first)), instant(start(following(last)))
as_of = instant(now)
true = "1" if dialect == "sqlite" else "TRUE"
first_day = f"'{first[0]:04d}-{first[1]:02d}-01'"
end_day = "'%04d-%02d-01'" % following(last)
leaflet = "LOWER(a.method) LIKE '%{}%'"
print(f"""
SELECT 'obligations' AS kind, c.command_unit_id AS unit, SUBSTR(o.due_date, 1, 7) AS month, o.code AS code, o.trigger AS trig,
  SUM(CASE WHEN o.state = 'met' AND o.met_at <= o.due_at THEN 1 ELSE 0 END) AS a,
  SUM(CASE WHEN o.state = 'met' OR (o.state = 'open' AND o.due_at < {as_of}) THEN 1 ELSE 0 END) AS b, 0 AS c, 0 AS d
FROM obligations o JOIN crimes c ON c.id = o.crime_id
WHERE o.due_date >= {first_day} AND o.due_date < {end_day}
GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT 'victims', c.command_unit_id, {month_case('c.reported_at')}, '', '', COUNT(*),
  SUM(CASE WHEN v.enhanced THEN 1 ELSE 0 END), SUM(CASE WHEN v.referral_consent <> 'not_asked' THEN 1 ELSE 0 END), 0
FROM victims v JOIN crimes c ON c.id = v.crime_id
WHERE c.reported_at >= {lo} AND c.reported_at < {hi}
GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT 'leaflet', c.command_unit_id, {month_case('c.reported_at')}, '', '',
  COUNT(DISTINCT CASE WHEN {leaflet.format('email')} THEN a.victim_id END),
  COUNT(DISTINCT CASE WHEN {leaflet.format('qr')} THEN a.victim_id END),
  COUNT(DISTINCT CASE WHEN {leaflet.format('print')} OR {leaflet.format('letter')} OR {leaflet.format('post')} OR {leaflet.format('paper')} THEN a.victim_id END), 0
FROM victim_actions a JOIN victims v ON v.id = a.victim_id JOIN crimes c ON c.id = v.crime_id
WHERE a.kind = 'information_leaflet' AND c.reported_at >= {lo} AND c.reported_at < {hi}
GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT 'contacts', c.command_unit_id, {month_case('k.at')}, '', '', COUNT(*), SUM(CASE WHEN k.successful THEN 1 ELSE 0 END), 0, 0
FROM contacts k JOIN victims v ON v.id = k.victim_id JOIN crimes c ON c.id = v.crime_id
WHERE k.method IN ('phone', 'in_person', 'video') AND k.at >= {lo} AND k.at < {hi}
GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT 'answers', i.command_unit_id, {month_case('r.submitted_at')}, i.source, '', COUNT(*),
  SUM(CASE WHEN r.satisfaction >= 4 THEN 1 ELSE 0 END), SUM(CASE WHEN r.kept_informed = 'yes' THEN 1 ELSE 0 END),
  SUM(CASE WHEN r.fair_and_respectful = 'yes' THEN 1 ELSE 0 END)
FROM feedback_responses r JOIN feedback_invitations i ON i.id = r.invitation_id
WHERE r.submitted_at >= {lo} AND r.submitted_at < {hi}
GROUP BY 1, 2, 3, 4, 5
UNION ALL
SELECT 'overdue', c.command_unit_id, '', '', '', COUNT(*), SUM(CASE WHEN o.due_at < {as_of} THEN 1 ELSE 0 END), 0, 0
FROM obligations o JOIN crimes c ON c.id = o.crime_id
WHERE o.state = 'open'
GROUP BY 1, 2, 3, 4, 5;
""")
