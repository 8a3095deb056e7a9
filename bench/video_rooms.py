"""Issue 16's signalling at scale: ROOMS video calls open at once, each with the officer's socket and the
victim's, through the app's real WebSocket routes, cookies and checks. On one node (SQLite, the default), or
with DATABASE_URL set on two nodes sharing PostgreSQL: every victim on the first node and every officer on the
second, so that every message crosses between nodes through the database (the cursor each node reads above). The booked calls and the
victims' signed-in case page sessions are written straight into the database (making a thousand through the
pages would take longer than the measurement); everything after that is the product's own path.

Measures, with every room open:
  - memory: the server's resident set before any socket and with every room open, per room;
  - relay latency: each room sends a candidate message every PERIOD seconds, alternately from each side,
    stamped with the sender's clock; the time until the other side receives it, p50/p95/p99/max, for SECONDS.
    VICTIMCARE_BIN=... python3 bench/video_rooms.py [ROOMS] [SECONDS] [PERIOD]"""
import asyncio
import datetime
import hashlib
import json
import pathlib
import re
import secrets
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid

import requests
import websockets

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "e2e"))

from conftest import make_service  # noqa: E402

ROOMS = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 60
PERIOD = float(sys.argv[3]) if len(sys.argv) > 3 else 2.0
PASSWORD = "bench rooms passphrase"


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def token():
    return secrets.token_urlsafe(32)  # 43 characters of base64url, as the service issues


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class SQLite:
    def __init__(self, path):
        self.db = sqlite3.connect(path)
        self.kind = self.db.execute("SELECT typeof(id) FROM victims LIMIT 1").fetchone()[0]

    def uuid(self, value):  # a UUID as the service stores it
        return value.bytes if self.kind == "blob" else str(value).upper()

    def back(self, raw):
        return uuid.UUID(bytes=raw) if self.kind == "blob" else uuid.UUID(raw)

    def time(self, seconds):
        return seconds

    def rows(self, sql, *args):
        return self.db.execute(sql.replace("%s", "?"), args).fetchall()

    def run(self, sql, *args):
        self.db.execute(sql.replace("%s", "?"), args)

    def commit(self):
        self.db.commit()


class Postgres:
    """Through psql: the statements are written out and run in one transaction."""

    def __init__(self, url):
        self.url = url
        self.statements = []

    def uuid(self, value):
        return str(value)

    def back(self, raw):
        return uuid.UUID(raw)

    def time(self, seconds):
        return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).isoformat()

    def rows(self, sql, *args):
        out = subprocess.run(["psql", self.url, "-Atc", sql % tuple(self.quote(a) for a in args)],
                             check=True, capture_output=True, text=True).stdout
        return [tuple(line.split("|")) for line in out.splitlines() if line]

    @staticmethod
    def quote(value):
        if value is None:
            return "NULL"
        if isinstance(value, (int, float)):
            return repr(value)
        return "'" + str(value).replace("'", "''") + "'"

    def run(self, sql, *args):
        self.statements.append(sql % tuple(self.quote(a) for a in args) + ";")

    def commit(self):
        script = "BEGIN;\n" + "\n".join(self.statements) + "\nCOMMIT;\n"
        subprocess.run(["psql", self.url, "-q", "-v", "ON_ERROR_STOP=1"], input=script, check=True, text=True,
                       capture_output=True)


def seed(db, rooms):
    """Books a call now for `rooms` victims and signs each into their case page; returns (victim id, track
    secret, session secret, call id, browser secret) per room."""
    victims = db.rows(
        "SELECT v.id, v.crime_id, c.command_unit_id FROM victims v JOIN crimes c ON c.id = v.crime_id "
        "ORDER BY v.id LIMIT %s", rooms)
    assert len(victims) == rooms, f"only {len(victims)} victims in the demo force"
    now = time.time()
    out = []
    for victim_id, crime_id, unit_id in victims:
        track, session, browser = token(), token(), token()
        track_id, session_id, call_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        for link_id, purpose, secret, channel, parent in (
                (track_id, "track", track, "email", None),
                (session_id, "session", session, "web", db.uuid(track_id))):
            db.run(
                "INSERT INTO victim_links (id, victim_id, purpose, channel, token_hash, created_at, expires_at, "
                "created_by_name, command_unit_id, parent_id, open_count, failed_attempts, lock_count) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, 'bench', %s, %s, 0, 0, 0)",
                db.uuid(link_id), victim_id, purpose, channel, sha256(secret), db.time(now), db.time(now + 6 * 3600),
                unit_id, parent)
        db.run(
            "INSERT INTO video_calls (id, victim_id, crime_id, command_unit_id, slot_minutes, opens_at, closes_at, "
            "channel, state, version, created_by_name, created_at, victim_browser_hash) "
            "VALUES (%s, %s, %s, %s, 30, %s, %s, 'email', 'booked', 1, 'bench', %s, %s)",
            db.uuid(call_id), victim_id, crime_id, unit_id, db.time(now - 60), db.time(now + 4 * 3600), db.time(now),
            sha256(browser))
        out.append((db.back(victim_id), track, session, call_id, browser))
    db.commit()
    return out


def staff_cookie(url):
    s = requests.Session()
    page = s.get(url + "/sign-in")
    csrf = re.search(r'name="_csrf" value="([^"]+)"', page.text).group(1)
    r = s.post(url + "/sign-in", data={"_csrf": csrf, "username": "bench.admin", "password": PASSWORD, "next": "/"},
               allow_redirects=False)
    assert r.status_code in (302, 303), r.status_code
    return "; ".join(f"{k}={v}" for k, v in s.cookies.items())


async def main():
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="victimcare-bench-rooms-"))
    url = os.environ.get("DATABASE_URL") or None
    svc = make_service(tmp, url)
    svc.env["LOG_LEVEL"] = "warning"
    svc.cli("migrate")
    svc.cli("demo-data", "--crimes", str(int(ROOMS * 1.4) + 50), "--seed", "16",
            *(["--i-understand-this-is-not-live"] if url else []))
    svc.cli("create-user", "--username", "bench.admin", "--name", "Bench Admin", "--role", "administrator",
            "--password", PASSWORD)
    rooms = seed(Postgres(url) if url else SQLite(str(tmp / "victimcare.sqlite")), ROOMS)
    svc.start()
    # On PostgreSQL a second node: the officers' sockets are there, the victims' on the first.
    other = None
    if url:
        other = make_service(tmp, url)
        other.env["LOG_LEVEL"] = "warning"
        other.start()
    officer_node = other or svc
    ws_base = svc.url.replace("http://", "ws://")
    officer_ws = officer_node.url.replace("http://", "ws://")
    try:
        staff = staff_cookie(officer_node.url)
        time.sleep(2)
        nodes = [svc] + ([other] if other else [])
        before = sum(rss_kib(n.process.pid) for n in nodes)
        latencies = []
        received = {"n": 0}
        sockets = []

        async def reader(ws):
            try:
                async for text in ws:
                    message = json.loads(text)
                    if message.get("type") == "candidate" and "sent" in message.get("candidate", {}):
                        latencies.append(time.perf_counter() - message["candidate"]["sent"])
                        received["n"] += 1
            except websockets.ConnectionClosed:
                pass

        async def open_room(victim_id, track, session, call_id, browser):
            cookie = f"vc_case={session}; vc_call_{str(call_id)[:8]}={browser}"
            victim = await websockets.connect(
                f"{ws_base}/track/{track}/call/signal", additional_headers={"Cookie": cookie, "Origin": svc.url},
                max_size=2 ** 20, open_timeout=60)
            officer = await websockets.connect(
                f"{officer_ws}/victims/{victim_id}/video-call/signal",
                additional_headers={"Cookie": staff, "Origin": officer_node.url}, max_size=2 ** 20, open_timeout=60)
            return victim, officer

        started = time.perf_counter()
        for i in range(0, len(rooms), 50):
            sockets += await asyncio.gather(*(open_room(*r) for r in rooms[i:i + 50]))
        opened = time.perf_counter() - started
        readers = [asyncio.create_task(reader(ws)) for pair in sockets for ws in pair]
        await asyncio.sleep(3)
        after = sum(rss_kib(n.process.pid) for n in nodes)
        where = "two nodes on PostgreSQL, every message between nodes" if other else "one node on SQLite"
        print(f"{where}: {ROOMS} rooms ({2 * ROOMS} sockets) opened in {opened:.1f} s; server RSS {before / 1024:.1f} MiB "
              f"before, {after / 1024:.1f} MiB with every room open: {(after - before) / ROOMS:.1f} KiB per room")

        sent = {"n": 0}

        async def talk(index, victim, officer):
            await asyncio.sleep(PERIOD * index / len(sockets))  # spread the rooms over the period
            side = index % 2
            deadline = time.perf_counter() + SECONDS
            while time.perf_counter() < deadline:
                ws = (victim, officer)[side]
                side = 1 - side
                body = {"type": "candidate", "candidate": {"sent": time.perf_counter(), "room": index}}
                await ws.send(json.dumps(body))
                sent["n"] += 1
                await asyncio.sleep(PERIOD)

        await asyncio.gather(*(talk(i, v, o) for i, (v, o) in enumerate(sockets)))
        await asyncio.sleep(2)
        peak = sum(rss_kib(n.process.pid) for n in nodes)
        rate = sent["n"] / SECONDS
        print(f"relayed {received['n']} of {sent['n']} messages over {SECONDS:.0f} s ({rate:.0f} a second): "
              f"latency p50 {percentile(latencies, 50) * 1000:.1f} ms, p95 {percentile(latencies, 95) * 1000:.1f} ms, "
              f"p99 {percentile(latencies, 99) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms; "
              f"server RSS {peak / 1024:.1f} MiB after")
        for pair in sockets:
            for ws in pair:
                await ws.close()
        for task in readers:
            task.cancel()
    finally:
        svc.stop()
        if other:
            other.stop()


asyncio.run(main())
