"""Issue 16, items 3 and 4, end to end: a victim's video call in two headless Chromium browsers with fake cameras
and microphones. The booking email arrives at a real SMTP server; the victim signs in to their case page on a
phone-sized viewport, checks their devices and waits; the officer lets them in; video flows both ways through
the app's WebSocket signalling. A second device is refused; a dropped victim rejoins; "not safe now" ends the call
at once and tells the officer not to call back. axe checks both call pages."""
import datetime
import random
import re
import time

import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from a11y import assert_accessible
from browser import sign_in, submit
from conftest import PASSWORD, chromium, iso, mailing_service
from test_video_response import mails_with_subject, phone_signed_in, triage_and_choose_video

WEBRTC = ("--disable-features=WebRtcHideLocalIpsWithMdns",)

FRAMES = """
const done = arguments[arguments.length - 1];
const stats = window.__videoCall && window.__videoCall.stats();
if (!stats) { done(0); return; }
stats.then(report => {
  let frames = 0;
  report.forEach(s => { if (s.type === 'inbound-rtp' && s.kind === 'video') frames = s.framesDecoded || 0; });
  done(frames);
});
"""


def frames(driver):
    return driver.execute_async_script(FRAMES)


def wait_for_frames(driver, at_least=30, timeout=30):
    WebDriverWait(driver, timeout, poll_frequency=0.5).until(lambda d: frames(d) > at_least)


def phone(svc, track, camera=True):
    return phone_signed_in(svc, track, "14", "6", "1979", camera=camera, extra=WEBRTC)


def test_a_video_call_between_two_browsers():
    svc, inbox, controller = mailing_service("victimcare-video-call-")
    officer = victim = other = None
    try:
        svc.cli("migrate")
        svc.cli("create-user", "--username", "pc.call", "--name", "PC Call", "--role", "officer", "--unit", "SN",
                "--rank", "PC", "--password", PASSWORD)
        token = svc.cli("create-token", "--name", "video", "--role", "administrator", "--quiet").stdout.strip()
        svc.start()
        now = datetime.datetime.now(datetime.timezone.utc)
        body = {"reference": f"SN/{random.randint(1000000, 9999999)}/26", "offence_code": "049/00",
                "offence": "Theft from the person", "command_unit": "SN", "channel": "online",
                "occurred_at": iso(now - datetime.timedelta(hours=5)), "reported_at": iso(now - datetime.timedelta(hours=1)),
                "officer_in_case": "pc.call",
                "victims": [{"person": {"given_name": "Dana", "family_name": "Okafor", "email": "dana@example.com",
                                        "email_safe": True, "preferred_contact": "email", "language": "en",
                                        "date_of_birth": "1979-06-14"}}]}
        created = requests.post(svc.url + "/api/v1/crimes", json=body, headers={"Authorization": f"Bearer {token}"})
        assert created.status_code == 201, created.text
        crime_id, victim_id = created.json()["id"], created.json()["victims"][0]["id"]

        officer = chromium(camera=True, extra=WEBRTC)
        sign_in(officer, svc, "pc.call")
        triage_and_choose_video(officer, svc, crime_id, victim_id)
        officer.get(f"{svc.url}/victims/{victim_id}/video-call")
        Select(officer.find_element(By.ID, "slot")).select_by_value("asap")
        submit(officer)
        assert "Video call booked" in officer.page_source

        booked = mails_with_subject(inbox, "Your video call is booked")[0]
        track = re.search(r"/track/[A-Za-z0-9_-]{43}", booked.get_body(preferencelist=("plain",)).get_content()).group(0)

        victim = phone(svc, track)
        case_policy = requests.get(svc.url + track).headers["Permissions-Policy"]
        assert case_policy.startswith("camera=()"), "every other page still forbids the camera"
        victim.find_element(By.CSS_SELECTOR, "a.button[href$='/call']").click()
        WebDriverWait(victim, 10).until(lambda d: d.current_url.endswith("/call"))
        assert_accessible(victim)
        victim.find_element(By.ID, "check-devices").click()
        WebDriverWait(victim, 10).until(lambda d: d.find_element(By.ID, "join").is_displayed())
        assert "Your camera and microphone work." in victim.find_element(By.ID, "call-status").text
        victim.find_element(By.ID, "join").click()

        # A second phone with her details: refused kindly, the call stays with the first.
        other = phone(svc, track, camera=False)
        other.get(svc.url + track + "/call")
        assert "already open on another phone or computer" in other.page_source
        assert not other.find_elements(By.ID, "call")

        officer.get(f"{svc.url}/victims/{victim_id}/video-call/room")
        assert_accessible(officer)
        officer.find_element(By.ID, "check-devices").click()
        WebDriverWait(officer, 15).until(lambda d: d.find_element(By.ID, "admit").is_displayed())
        assert "The victim is waiting" in officer.find_element(By.ID, "call-status").text
        started = time.time()
        officer.find_element(By.ID, "admit").click()
        wait_for_frames(officer)
        wait_for_frames(victim)
        print(f"admit to 30 frames both ways: {time.time() - started:.2f} s")
        WebDriverWait(victim, 10).until(lambda d: "talking to your officer" in d.find_element(By.ID, "call-status").text)

        # Her connection drops (the page reloads): she rejoins without waiting to be let in again.
        victim.refresh()
        victim.find_element(By.ID, "check-devices").click()
        WebDriverWait(victim, 10).until(lambda d: d.find_element(By.ID, "join").is_displayed())
        victim.find_element(By.ID, "join").click()
        WebDriverWait(victim, 30, poll_frequency=0.5).until(lambda d: frames(d) > 30)

        # Not safe now: her screen goes to a neutral site at once; the officer is told not to call back.
        victim.find_element(By.ID, "not-safe").click()
        WebDriverWait(victim, 10).until(lambda d: "/track/" not in d.current_url)
        WebDriverWait(officer, 15).until(lambda d: "not safe to talk" in d.find_element(By.ID, "call-status").text)
        officer.get(f"{svc.url}/victims/{victim_id}")
        assert "Ended a video call: not safe to talk" in officer.page_source
        log = svc.log_text()
        assert "dana@example.com" not in log and "Okafor" not in log
    finally:
        for browser in (officer, victim, other):
            if browser:
                browser.quit()
        svc.stop()
        controller.stop()
