#!/usr/bin/env python3
"""The physical limit `demo-data` chases (issue 17): the database's own bulk load of the rows `demo-data` wrote.

Every table the generator fills is copied, row for row, into an empty copy of its schema and timed:
  sqlite   a prepared INSERT reused for every row (Python's `executemany` on the system SQLite), one transaction,
           the same journal settings as VictimCare (WAL, synchronous=NORMAL, 256 MiB cache);
  postgres `COPY … FROM` a CSV file of the table (psql's \\copy), one transaction.
Both load with the primary keys and unique constraints in place and the other indexes dropped (as `demo-data` does),
then build those indexes, timed apart. Foreign keys are left out (a lower bound: VictimCare's load checks them).
Reading the source rows and writing the CSV files is not timed.

  demo_limit.py sqlite SOURCE.sqlite WORKDIR
  demo_limit.py postgres SOURCE_URL TARGET_URL WORKDIR
"""
import glob
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time

TABLES = [
    "persons", "contact_points", "locations", "property_items", "crimes", "crime_status_changes", "crime_persons",
    "crime_locations", "crime_property", "victims", "obligations", "enhanced_changes", "needs_assessments",
    "case_events", "contacts", "victim_actions", "referrals", "response_triages", "response_choices",
]


def report(label, rows, load, indexes):
    print(f"{label} physical limit: rows={rows} load_s={load:.1f} rows_per_second={rows / load:.0f} "
          f"indexes_s={indexes:.1f} total_s={load + indexes:.1f}", flush=True)


def sqlite_limit(source, work):
    target = os.path.join(work, "limit.sqlite")
    if os.path.exists(target):
        os.remove(target)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-262144", "foreign_keys=OFF"):
        dst.execute(f"PRAGMA {pragma}")
    later = []
    for table in TABLES:
        dst.execute(src.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()[0])
        for (sql,) in src.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (table,)):
            if sql.upper().startswith("CREATE UNIQUE"):
                dst.execute(sql)
            else:
                later.append(sql)
    rows = 0
    load = 0.0
    started = time.monotonic()
    dst.execute("BEGIN")
    load += time.monotonic() - started
    for table in TABLES:
        cursor = src.execute(f'SELECT * FROM "{table}"')
        insert = f'INSERT INTO "{table}" VALUES ({", ".join("?" * len(cursor.description))})'
        while True:
            chunk = cursor.fetchmany(50_000)
            if not chunk:
                break
            started = time.monotonic()
            dst.executemany(insert, chunk)
            load += time.monotonic() - started
            rows += len(chunk)
    started = time.monotonic()
    dst.execute("COMMIT")
    load += time.monotonic() - started
    started = time.monotonic()
    for sql in later:
        dst.execute(sql)
    indexes = time.monotonic() - started
    report("sqlite", rows, load, indexes)


def psql(url, *commands, capture=False, tuples=False):
    args = ["psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1"] + (["-At"] if tuples else [])
    for command in commands:
        args += ["-c", command]
    return subprocess.run(args, check=True, capture_output=capture, text=True).stdout


def postgres_limit(source, target, work):
    pg_dump = shutil.which("pg_dump") or sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"))[-1]
    schema = subprocess.run(
        [pg_dump, "-s", "--no-owner", "--no-privileges", source] + sum((["-t", t] for t in TABLES), []),
        check=True, capture_output=True, text=True).stdout
    statements = [s.strip() for s in re.split(r";\n", schema)]
    now, later = [], []
    for statement in statements:
        body = "\n".join(line for line in statement.splitlines() if not line.startswith("--")).strip()
        if not body or "FOREIGN KEY" in body or body.startswith("SELECT pg_catalog.set_config"):
            continue
        (later if body.startswith("CREATE INDEX") else now).append(body)
    psql(target, *[s + ";" for s in now])
    rows = 0
    for table in TABLES:
        path = os.path.join(work, f"limit-{table}.csv")
        psql(source, f"\\copy {table} TO '{path}' WITH (FORMAT csv)")
        rows += int(psql(source, f"SELECT count(*) FROM {table}", capture=True, tuples=True))
    copies = [f"\\copy {t} FROM '{os.path.join(work, f'limit-{t}.csv')}' WITH (FORMAT csv)" for t in TABLES]
    started = time.monotonic()
    psql(target, "BEGIN", *copies, "COMMIT")
    load = time.monotonic() - started
    started = time.monotonic()
    psql(target, *[s + ";" for s in later])
    indexes = time.monotonic() - started
    for table in TABLES:
        os.remove(os.path.join(work, f"limit-{table}.csv"))
    report("postgres", rows, load, indexes)


if __name__ == "__main__":
    if sys.argv[1] == "sqlite":
        sqlite_limit(sys.argv[2], sys.argv[3])
    else:
        postgres_limit(sys.argv[2], sys.argv[3], sys.argv[4])
