"""Issue 16's signalling at scale: ROOMS video calls open at once on one node (SQLite), each with the officer's
socket and the victim's, through the app's real WebSocket routes, cookies and checks. The booked calls and the
victims' signed-in case page sessions are written straight into the database (making a thousand through the
pages would take longer than the measurement); everything after that is the product's own path.

Measures, with every room open:
  - memory: the server's resident set before any socket and with every room open, per room;
  - relay latency: each room sends a candidate message every PERIOD seconds, alternately from each side,
    stamped with the sender's clock; the time until the other side receives it, p50/p95/p99/max, for SECONDS.
    VICTIMCARE_BIN=... python3 bench/video_rooms.py [ROOMS] [SECONDS] [PERIOD]"""
import asyncio
import hashlib
import json
import pathlib
import re
import secrets
import sqlite3
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


def seed(db_path, rooms):
    """Books a call now for `rooms` victims and signs each into their case page; returns (victim id, track
    secret, session secret, call id, browser secret) per room."""
    db = sqlite3.connect(db_path)
    kind = db.execute("SELECT typeof(id) FROM victims LIMIT 1").fetchone()[0]

    def u(value):  # a UUID as the service stores it
        return value.bytes if kind == "blob" else str(value).upper()

    def back(raw):
        return uuid.UUID(bytes=raw) if kind == "blob" else uuid.UUID(raw)

    victims = db.execute(
        "SELECT v.id, v.crime_id, c.command_unit_id FROM victims v JOIN crimes c ON c.id = v.crime_id "
        "ORDER BY v.id LIMIT ?", (rooms,)).fetchall()
    assert len(victims) == rooms, f"only {len(victims)} victims in the demo force"
    now = time.time()
    out = []
    for victim_id, crime_id, unit_id in victims:
        track, session, browser = token(), token(), token()
        track_id, session_id, call_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        for link_id, purpose, secret, channel, parent in (
                (track_id, "track", track, "email", None), (session_id, "session", session, "web", u(track_id))):
            db.execute(
                "INSERT INTO victim_links (id, victim_id, purpose, channel, token_hash, created_at, expires_at, "
                "created_by_name, command_unit_id, parent_id, open_count, failed_attempts, lock_count) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 'bench', ?, ?, 0, 0, 0)",
                (u(link_id), victim_id, purpose, channel, sha256(secret), now, now + 6 * 3600, unit_id, parent))
        db.execute(
            "INSERT INTO video_calls (id, victim_id, crime_id, command_unit_id, slot_minutes, opens_at, closes_at, "
            "channel, state, version, created_by_name, created_at, victim_browser_hash) "
            "VALUES (?, ?, ?, ?, 30, ?, ?, 'email', 'booked', 1, 'bench', ?, ?)",
            (u(call_id), victim_id, crime_id, unit_id, now - 60, now + 4 * 3600, now, sha256(browser)))
        out.append((back(victim_id), track, session, call_id, browser))
    db.commit()
    db.close()
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
    svc = make_service(tmp)
    svc.env["LOG_LEVEL"] = "warning"
    svc.cli("migrate")
    svc.cli("demo-data", "--crimes", str(int(ROOMS * 1.4) + 50), "--seed", "16")
    svc.cli("create-user", "--username", "bench.admin", "--name", "Bench Admin", "--role", "administrator",
            "--password", PASSWORD)
    rooms = seed(str(tmp / "victimcare.sqlite"), ROOMS)
    svc.start()
    ws_base = svc.url.replace("http://", "ws://")
    try:
        staff = staff_cookie(svc.url)
        time.sleep(2)
        before = rss_kib(svc.process.pid)
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
                f"{ws_base}/victims/{victim_id}/video-call/signal",
                additional_headers={"Cookie": staff, "Origin": svc.url}, max_size=2 ** 20, open_timeout=60)
            return victim, officer

        started = time.perf_counter()
        for i in range(0, len(rooms), 50):
            sockets += await asyncio.gather(*(open_room(*r) for r in rooms[i:i + 50]))
        opened = time.perf_counter() - started
        readers = [asyncio.create_task(reader(ws)) for pair in sockets for ws in pair]
        await asyncio.sleep(3)
        after = rss_kib(svc.process.pid)
        print(f"{ROOMS} rooms ({2 * ROOMS} sockets) opened in {opened:.1f} s; server RSS {before / 1024:.1f} MiB "
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
        peak = rss_kib(svc.process.pid)
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


asyncio.run(main())
