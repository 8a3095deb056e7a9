"""Issue 17: `victimcare import crimes` killed with SIGKILL in the middle of a file loses no chunk it committed,
leaves no half-written one, and the same file again finishes the job: every record once, nothing twice. On
SQLite and, when the test script started one, PostgreSQL."""
import os
import pathlib
import re
import signal
import sqlite3
import subprocess
import tempfile
import time
import urllib.parse
import uuid

import pytest

from conftest import BINARY, ROOT, make_service

ADMIN_URL = os.environ.get("TEST_DATABASE_URL")
ROWS = 30000


def databases():
    yield "sqlite"
    if ADMIN_URL:
        yield "postgres"


class Database:
    def __init__(self, kind, tmp):
        self.kind = kind
        self.url = None
        if kind == "postgres":
            name = "vc_e2e_" + uuid.uuid4().hex[:12]
            subprocess.run(["psql", ADMIN_URL, "-qc", f"CREATE DATABASE {name}"], check=True)
            parts = urllib.parse.urlsplit(ADMIN_URL)
            self.url = urllib.parse.urlunsplit(parts._replace(path="/" + name))
        self.service = make_service(tmp, self.url)

    def scalar(self, query):
        if self.kind == "postgres":
            out = subprocess.run(["psql", self.url, "-Atc", query], check=True, capture_output=True, text=True)
            return int(out.stdout.strip())
        with sqlite3.connect(self.service.env["VICTIMCARE_SQLITE_PATH"], timeout=30) as db:
            return db.execute(query).fetchone()[0]


def counts(db):
    return {
        "crimes": db.scalar("SELECT COUNT(*) FROM crimes"),
        "crime keys": db.scalar("SELECT COUNT(*) FROM import_keys WHERE kind = 'crime'"),
        "links": db.scalar("SELECT COUNT(*) FROM crime_persons"),
        "link keys": db.scalar("SELECT COUNT(*) FROM import_keys WHERE kind = 'link'"),
        "events": db.scalar("SELECT COUNT(*) FROM case_events"),
        "event keys": db.scalar("SELECT COUNT(*) FROM import_keys WHERE kind = 'event'"),
        "victims": db.scalar("SELECT COUNT(*) FROM victims"),
        "victims computed": db.scalar("SELECT COUNT(*) FROM victims WHERE computed_version = facts_version"),
        "victims with obligations": db.scalar("SELECT COUNT(DISTINCT victim_id) FROM obligations"),
    }


@pytest.mark.parametrize("kind", list(databases()))
def test_an_import_killed_mid_file_resumes_where_it_stopped(kind):
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="victimcare-resume-"))
    db = Database(kind, tmp)
    svc = db.service
    svc.cli("migrate")
    extract = tmp / "extract.csv"
    subprocess.run(["python3", str(ROOT / "bench" / "make_import.py"), str(ROWS), str(extract), "7", "K"], check=True)
    lines = extract.read_text().splitlines()[1:]
    expected = {kind: sum(1 for line in lines if line.startswith(kind + ",")) for kind in ("crime", "person", "event")}

    importer = subprocess.Popen([BINARY, "import", "crimes", str(extract), "--source", "KILL"], cwd=ROOT, env=svc.env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Killed once some chunks are in and before the file is done.
    deadline = time.time() + 240
    while time.time() < deadline and importer.poll() is None:
        if db.scalar("SELECT COUNT(*) FROM import_keys WHERE kind = 'crime'") >= expected["crime"] // 4:
            break
        time.sleep(0.05)
    importer.send_signal(signal.SIGKILL)
    assert importer.wait() == -signal.SIGKILL, "the import finished before it could be killed: make ROWS larger"

    # What was committed is whole: every record with its key, every victim with its obligations worked out.
    after_kill = counts(db)
    assert 0 < after_kill["crimes"] < expected["crime"]
    assert after_kill["crimes"] == after_kill["crime keys"]
    assert after_kill["links"] == after_kill["link keys"]
    assert after_kill["events"] == after_kill["event keys"]
    assert after_kill["victims"] == after_kill["victims computed"] == after_kill["victims with obligations"]

    # The same file again: what was committed is unchanged, the rest is created, nothing twice.
    out = svc.cli("import", "crimes", str(extract), "--source", "KILL").stdout
    figures = re.search(r"(\d+) rows — (\d+) created, (\d+) updated, (\d+) unchanged, (\d+) rejected", out)
    assert figures, out
    rows, created, updated, unchanged, rejected = map(int, figures.groups())
    assert rows == len(lines) and updated == 0 and rejected == 0
    assert unchanged == after_kill["crimes"] + after_kill["links"] + after_kill["events"]
    assert created + unchanged == rows
    final = counts(db)
    assert final["crimes"] == final["crime keys"] == expected["crime"]
    assert final["links"] == final["link keys"] == expected["person"]
    assert final["events"] == final["event keys"] == expected["event"]
    assert final["victims"] == final["victims computed"] == final["victims with obligations"]
    assert db.scalar("SELECT COUNT(DISTINCT reference) FROM crimes") == expected["crime"]
