"""Records COUNT crimes through the API, each with one victim with a safe email address (so each queues the
written confirmation and the leaflet), from 8 threads.  python3 bench/make_crimes.py BASE TOKEN COUNT"""
import concurrent.futures
import datetime
import sys

import requests

base, token, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
now = datetime.datetime.now(datetime.timezone.utc)


def iso(dt):
    return dt.isoformat(timespec="seconds")


def one(n):
    session = requests.Session()
    body = {"reference": f"SN/{8000000 + n}/26", "offence_code": "049/00", "command_unit": "SN", "channel": "online",
            "occurred_at": iso(now - datetime.timedelta(hours=5)), "reported_at": iso(now - datetime.timedelta(hours=1)),
            "victims": [{"person": {"given_name": "Bench", "family_name": f"Victim{n}", "email": f"victim{n}@example.com",
                                    "email_safe": True, "preferred_contact": "email"}}]}
    r = session.post(base + "/api/v1/crimes", json=body, headers={"Authorization": f"Bearer {token}"})
    return r.status_code


with concurrent.futures.ThreadPoolExecutor(8) as pool:
    codes = list(pool.map(one, range(count)))
print(f"created={codes.count(201)} failed={len(codes) - codes.count(201)}")
