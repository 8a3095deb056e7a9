#!/usr/bin/env python3
"""Issue 17: when recording crimes through the API stalls. CLIENTS threads each record crimes one after another
for SECONDS (one victim with a safe email address, as bench/api_crimes.lua does), timing every request; prints
p50, p99 and the slowest, then each request slower than the threshold with when it started, so stalls that hit
every client at once (a background job holding SQLite's write lane) show as a column of the same start time.
    bench/api_stalls.py BASE_URL TOKEN [SECONDS] [CLIENTS] [THRESHOLD_MS]
"""
import http.client
import json
import sys
import threading
import time
from urllib.parse import urlparse


def main():
    base, token = sys.argv[1], sys.argv[2]
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 10
    clients = int(sys.argv[4]) if len(sys.argv) > 4 else 8
    threshold = float(sys.argv[5]) / 1000 if len(sys.argv) > 5 else 0.12
    url = urlparse(base)
    timings, lock = [], threading.Lock()
    stamp = int(time.time()) % 100000

    def client(number):
        connection = http.client.HTTPConnection(url.hostname, url.port)
        sent, end = 0, time.monotonic() + seconds
        while time.monotonic() < end:
            sent += 1
            ref = f"{stamp:05d}{number:02d}{sent:06d}"
            body = json.dumps({
                "reference": f"SN/{ref}/26", "offence_code": "049/00", "command_unit": "SN", "channel": "online",
                "occurred_at": "2026-12-01T08:00:00Z", "reported_at": "2026-12-01T09:00:00Z",
                "victims": [{"person": {"given_name": "Stall", "family_name": f"Victim{ref}",
                                        "email": f"stall{ref}@example.com", "email_safe": True,
                                        "preferred_contact": "email"}}]})
            start = time.monotonic()
            connection.request("POST", "/api/v1/crimes", body,
                               {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            with lock:
                timings.append((start, time.monotonic() - start, response.status))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    timings.sort()
    first = timings[0][0]
    latencies = sorted(t[1] for t in timings)
    failed = sum(1 for t in timings if t[2] != 201)
    print(f"requests={len(timings)} per_second={len(timings) / seconds:.1f} failed={failed} "
          f"p50_ms={latencies[len(latencies) // 2] * 1000:.1f} p99_ms={latencies[int(len(latencies) * 0.99)] * 1000:.1f} "
          f"max_ms={latencies[-1] * 1000:.1f}")
    slow = [(round(s - first, 2), round(d * 1000)) for s, d, _ in timings if d > threshold]
    print(f"slower_than_{threshold * 1000:.0f}ms={len(slow)} (started_s, ms): {slow[:80]}")


if __name__ == "__main__":
    main()
