#!/usr/bin/env python3
"""Issue 15's figures against a running release server (bench/evidence.sh starts it):
  ingest   one large file in one PATCH (hash + encrypt + durable write), beside openssl and sha256sum on the
           same file, and the server's memory growth while it streams;
  kills    concurrent tus uploads while the server is SIGKILLed and restarted; every upload must complete with
           its hash;
  playback time to the first byte of random ranges;
the verify figure is taken by the shell script (the command against openssl)."""
import argparse
import hashlib
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time

import requests
from tusclient import client as tus


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1])
    return 0


def timed(cmd):
    start = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - start


def tus_headers(token):
    return {"Authorization": f"Bearer {token}", "Tus-Resumable": "1.0.0"}


def create(url, token, interview, length, name):
    meta = ",".join(f"{k} {__import__('base64').b64encode(v.encode()).decode()}" for k, v in
                    {"interview": interview, "filename": name, "filetype": "video/mp4"}.items())
    r = requests.post(url + "/uploads", headers=dict(tus_headers(token), **{"Upload-Length": str(length), "Upload-Metadata": meta}))
    assert r.status_code == 201, r.text
    return url + r.headers["Location"]


def ingest(args):
    path, size = args.file, os.path.getsize(args.file)
    subprocess.run(["cat", path], stdout=subprocess.DEVNULL, check=True)  # into the page cache for everyone
    t_openssl = min(timed(["openssl", "dgst", "-sha256", path]) for _ in range(2))
    t_sha256sum = min(timed(["sha256sum", path]) for _ in range(2))
    # The disk's own durable write of the same bytes, on the filesystem the evidence store is on: a floor no
    # durable ingest can beat.
    copy = os.path.join(os.path.dirname(path), "dd-copy.bin")
    t_disk = min(timed(["dd", f"if={path}", f"of={copy}", "bs=1M", "conv=fsync", "status=none"]) for _ in range(2))
    os.remove(copy)
    upload = create(args.url, args.token, args.interview, size, "ingest.mp4")
    pid = int(args.pid)
    before = rss_kib(pid)
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_kib(pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    start = time.monotonic()
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PATCH", "-T", path,
                          "-H", f"Authorization: Bearer {args.token}", "-H", "Tus-Resumable: 1.0.0",
                          "-H", "Content-Type: application/offset+octet-stream", "-H", "Upload-Offset: 0", upload],
                         capture_output=True, text=True)
    t_upload = time.monotonic() - start
    done.set()
    sampler.join()
    assert out.stdout == "204", out.stdout
    item = upload.rsplit("/", 1)[1]
    print(json.dumps({"bytes": size, "upload_s": round(t_upload, 2), "openssl_s": round(t_openssl, 2),
                      "sha256sum_s": round(t_sha256sum, 2), "dd_fsync_s": round(t_disk, 2),
                      "ratio_openssl": round(t_openssl / t_upload, 2), "ratio_dd_fsync": round(t_disk / t_upload, 2),
                      "ratio_sha256sum": round(t_sha256sum / t_upload, 2), "MiB_per_s": round(size / 1048576 / t_upload, 1),
                      "rss_before_mib": round(before / 1024, 1), "rss_peak_mib": round(peak[0] / 1024, 1),
                      "rss_growth_mib": round((peak[0] - before) / 1024, 1), "item": item}))


def kills(args):
    files = args.files.split(",")
    expected = {}
    for f in files:
        h = hashlib.sha256()
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 24), b""):
                h.update(block)
        expected[f] = h.hexdigest()
    results = {}
    errors = []
    finished = threading.Event()

    def one(f):
        try:
            while True:
                try:
                    uploader = tus.TusClient(args.url + "/uploads", headers={"Authorization": f"Bearer {args.token}"}).uploader(
                        f, chunk_size=8 * 1024 * 1024, retries=1000, retry_delay=1,
                        metadata={"interview": args.interview, "filename": os.path.basename(f), "filetype": "video/mp4"})
                    uploader.url = uploader.url or uploader.create_url()
                    break
                except Exception:  # noqa: BLE001 - the server is down: try again
                    time.sleep(1)
            while True:
                try:
                    uploader.upload()
                    break
                except Exception:  # noqa: BLE001 - killed mid-chunk: ask where it got to, carry on
                    time.sleep(1)
                    try:
                        uploader.offset = uploader.get_offset()
                    except Exception:  # noqa: BLE001
                        pass
            results[f] = uploader.url.rsplit("/", 1)[1]
        except Exception as e:  # noqa: BLE001
            errors.append(f"{f}: {e!r}")

    threads = [threading.Thread(target=one, args=(f,)) for f in files]
    start = time.monotonic()
    for t in threads:
        t.start()
    killed = 0
    rng = random.Random(7)
    while killed < args.kills and any(t.is_alive() for t in threads):
        time.sleep(rng.uniform(0.5, 3.0))
        subprocess.run(["bash", "-c", args.restart], check=True)
        killed += 1
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    headers = {"Authorization": f"Bearer {args.token}"}
    recordings = requests.get(args.url + f"/api/v1/interviews/{args.interview}", headers=headers).json()["recordings"]
    by_id = {r["id"].lower(): r for r in recordings}
    matched = sum(1 for f, item in results.items() if by_id.get(item.lower(), {}).get("sha256") == expected[f])
    print(json.dumps({"uploads": len(files), "completed": len(results), "hashes_matched": matched, "kills": killed,
                      "seconds": round(elapsed, 1), "errors": errors[:5]}))


def playback(args):
    session = requests.Session()
    session.cookies.set("vc_session", args.cookie)
    url = args.url + f"/evidence/{args.item}/media"
    size = int(session.head(url).headers.get("Content-Length", "0")) or int(args.size)
    rng = random.Random(3)
    first = []
    for _ in range(args.requests):
        a = rng.randrange(size - 1)
        b = min(size - 1, a + rng.randrange(64 * 1024, 1024 * 1024))
        start = time.monotonic()
        with session.get(url, headers={"Range": f"bytes={a}-{b}"}, stream=True) as r:
            assert r.status_code == 206
            next(r.iter_content(4096))
            first.append(time.monotonic() - start)
            for _ in r.iter_content(1 << 16):
                pass
    first.sort()
    print(json.dumps({"requests": len(first), "first_byte_p50_ms": round(1000 * statistics.median(first), 2),
                      "first_byte_p99_ms": round(1000 * first[int(len(first) * 0.99) - 1], 2)}))


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("mode")
    p.add_argument("--url")
    p.add_argument("--token")
    p.add_argument("--interview")
    p.add_argument("--file")
    p.add_argument("--files")
    p.add_argument("--pid")
    p.add_argument("--kills", type=int, default=30)
    p.add_argument("--restart")
    p.add_argument("--cookie")
    p.add_argument("--item")
    p.add_argument("--size")
    p.add_argument("--requests", type=int, default=500)
    a = p.parse_args()
    {"ingest": ingest, "kills": kills, "playback": playback}[a.mode](a)
