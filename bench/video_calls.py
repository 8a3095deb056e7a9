"""Issue 16's call set-up time: from the officer pressing "Let them in" to video decoded on both sides, between
two headless Chromium browsers (fake cameras) through the app's signalling, CALLS times, direct and then relayed
through a private coturn with relay-only policy. The same victim rejoins for each call (the officer books the
next as soon as possible and ends each one). Prints p50 and p95 for each mode.
    VICTIMCARE_BIN=... python3 bench/video_calls.py [CALLS]"""
import pathlib
import secrets
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "e2e"))

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

from browser import submit  # noqa: E402
from conftest import mailing_service  # noqa: E402
from test_video_call import admit, booked_call, frames, join_waiting_room, phone, start_coturn  # noqa: E402

CALLS = int(sys.argv[1]) if len(sys.argv) > 1 else 20


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run(mode):
    turn = None
    svc, inbox, controller = mailing_service(f"victimcare-bench-video-{mode}-")
    svc.env["LOG_LEVEL"] = "warning"
    if mode == "relay":
        secret = secrets.token_hex(16)
        turn, port = start_coturn(secret)
        svc.env.update({"TURN_URLS": f"turn:127.0.0.1:{port}?transport=udp", "TURN_SECRET": secret,
                        "VIDEO_ICE_POLICY": "relay"})
    officer = victim = None
    times = []
    try:
        officer, victim_id, track = booked_call(svc, inbox)
        victim = phone(svc, track)
        for i in range(CALLS):
            if i:
                officer.get(f"{svc.url}/victims/{victim_id}/video-call")
                Select(officer.find_element(By.ID, "slot")).select_by_value("asap")
                submit(officer)
            join_waiting_room(victim, svc, track)
            admit(officer, svc, victim_id)
            started = time.perf_counter()
            while not (frames(officer) > 0 and frames(victim) > 0):
                if time.perf_counter() - started > 30:
                    raise AssertionError(f"call {i + 1}: no video after 30 s")
                time.sleep(0.02)
            times.append(time.perf_counter() - started)
            submit(officer, "form[action$='/end'] button")
    finally:
        for browser in (officer, victim):
            if browser:
                browser.quit()
        svc.stop()
        controller.stop()
        if turn:
            turn.kill()
    return times


for mode in ("direct", "relay"):
    times = run(mode)
    print(f"{mode}: {len(times)} calls, admit to video both ways p50 {percentile(times, 50):.3f} s, "
          f"p95 {percentile(times, 95):.3f} s, max {max(times):.3f} s, mean {statistics.mean(times):.3f} s")
