"""Issue 16, items 3 and 4, end to end: a victim's video call in two headless Chromium browsers with fake cameras
and microphones. The booking email arrives at a real SMTP server; the victim signs in to their case page on a
phone-sized viewport, checks their devices and waits; the officer lets them in; video flows both ways through
the app's WebSocket signalling. A second device is refused; a dropped victim rejoins; "not safe now" ends the call
at once and tells the officer not to call back. axe checks both call pages."""
import asyncio
import hashlib
import json
import os
import random
import re
import secrets
import socket
import subprocess
import threading
import time
import urllib.parse
import uuid

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from a11y import assert_accessible
from browser import sign_in, submit
from conftest import PASSWORD, Service, chromium, free_port, mailing_service
from test_video_response import mails_with_subject, phone_signed_in, record_crime, triage_and_choose_video

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


SENT = """
const done = arguments[arguments.length - 1];
const stats = window.__videoCall && window.__videoCall.stats();
if (!stats) { done(null); return; }
stats.then(report => {
  const sent = {video: 0, audio: 0};
  report.forEach(s => { if (s.type === 'outbound-rtp') sent[s.kind] = s.kind === 'video' ? (s.framesSent || 0) : (s.packetsSent || 0); });
  done(sent);
});
"""


def sent(driver):
    """Video frames and audio packets this side has sent so far."""
    return driver.execute_async_script(SENT)


def sending(driver, seconds=2.0):
    """Whether video and audio are still going out, over a couple of seconds."""
    before = sent(driver)
    time.sleep(seconds)
    after = sent(driver)
    return after["video"] > before["video"], after["audio"] > before["audio"]


def wait_for_frames(driver, at_least=30, timeout=30):
    WebDriverWait(driver, timeout, poll_frequency=0.5).until(lambda d: frames(d) > at_least)


def phone(svc, track, camera=True):
    return phone_signed_in(svc, track, "14", "6", "1979", camera=camera, extra=WEBRTC)


def booked_call(svc, inbox):
    """PC Call on the service, a victim who chose video and a call booked as soon as possible: returns the
    officer's browser (fake camera), the victim's id and the case page path from the booking email."""
    svc.cli("migrate")
    svc.cli("create-user", "--username", "pc.call", "--name", "PC Call", "--role", "officer", "--unit", "SN",
            "--rank", "PC", "--password", PASSWORD)
    token = svc.cli("create-token", "--name", "video", "--role", "administrator", "--quiet").stdout.strip()
    svc.start()
    crime_id, victim_id, _ = record_crime(svc, token, "pc.call", "Dana", "Okafor", "dana@example.com", "en", "1979-06-14")
    officer = chromium(camera=True, extra=WEBRTC)
    sign_in(officer, svc, "pc.call")
    triage_and_choose_video(officer, svc, crime_id, victim_id)
    officer.get(f"{svc.url}/victims/{victim_id}/video-call")
    Select(officer.find_element(By.ID, "slot")).select_by_value("asap")
    submit(officer)
    assert "Video call booked" in officer.page_source
    booked = mails_with_subject(inbox, "Your video call is booked")[0]
    track = re.search(r"/track/[A-Za-z0-9_-]{43}", booked.get_body(preferencelist=("plain",)).get_content()).group(0)
    return officer, victim_id, track


def join_waiting_room(victim, svc, track):
    victim.get(svc.url + track + "/call")
    victim.find_element(By.ID, "check-devices").click()
    WebDriverWait(victim, 10).until(lambda d: d.find_element(By.ID, "join").is_displayed())
    assert "Your camera and microphone work." in victim.find_element(By.ID, "call-status").text
    victim.find_element(By.ID, "join").click()


def admit(officer, svc, victim_id):
    officer.get(f"{svc.url}/victims/{victim_id}/video-call/room")
    officer.find_element(By.ID, "check-devices").click()
    WebDriverWait(officer, 15).until(lambda d: d.find_element(By.ID, "admit").is_displayed())
    assert "The victim is waiting" in officer.find_element(By.ID, "call-status").text
    officer.find_element(By.ID, "admit").click()


def test_a_video_call_between_two_browsers():
    svc, inbox, controller = mailing_service("victimcare-video-call-")
    officer = victim = other = None
    try:
        officer, victim_id, track = booked_call(svc, inbox)
        victim = phone(svc, track)
        case_policy = requests.get(svc.url + track).headers["Permissions-Policy"]
        assert case_policy.startswith("camera=()"), "every other page still forbids the camera"
        victim.find_element(By.CSS_SELECTOR, "a.button[href$='/call']").click()
        WebDriverWait(victim, 10).until(lambda d: d.current_url.endswith("/call"))
        assert_accessible(victim)
        join_waiting_room(victim, svc, track)

        # A second phone with her details: refused kindly, the call stays with the first.
        other = phone(svc, track, camera=False)
        other.get(svc.url + track + "/call")
        assert "already open on another phone or computer" in other.page_source
        assert not other.find_elements(By.ID, "call")

        officer.get(f"{svc.url}/victims/{victim_id}/video-call/room")
        assert_accessible(officer)
        started = time.time()
        admit(officer, svc, victim_id)
        wait_for_frames(officer)
        wait_for_frames(victim)
        print(f"admit to 30 frames both ways: {time.time() - started:.2f} s")
        WebDriverWait(victim, 10).until(lambda d: "talking to your officer" in d.find_element(By.ID, "call-status").text)

        # Sound only, by choice: her camera stops going out, her voice does not; the officer is told. Then back.
        audio = victim.find_element(By.ID, "audio-only")
        assert audio.is_displayed() and audio.text == "Switch to sound only"
        audio.click()
        WebDriverWait(officer, 10).until(lambda d: "Sound only" in d.find_element(By.ID, "call-status").text)
        time.sleep(0.5)
        assert sending(victim) == (False, True), "sound only: no video frames out, audio still going"
        assert victim.execute_script("return window.__videoCall.audioOnly()") is True
        assert_accessible(victim)
        victim.find_element(By.ID, "audio-only").click()
        WebDriverWait(officer, 10).until(lambda d: "Connected." in d.find_element(By.ID, "call-status").text)
        assert sending(victim) == (True, True)
        # The automatic fallback judges each sample of the connection: under 150 kbit/s or over 15% loss is poor.
        judged = victim.execute_script(
            "const j = window.__videoCall.judge; return [j({bitrate: 90000, loss: 0}), j({bitrate: 2e6, loss: 0.2}),"
            " j({bitrate: 300000, loss: 0.01}), j({bitrate: 900000, loss: 0.01}), j({bitrate: null, loss: null})];")
        assert judged == ["poor", "poor", "fair", "good", "good"]

        # She sends a photo of the damage from her phone: stored with its hash under the call's interview, and the
        # officer is told at once.
        photo = bytes([0xFF, 0xD8, 0xFF, 0xE0]) + os.urandom(200_000)
        path = f"/tmp/victimcare-e2e-{uuid.uuid4().hex}-cracked window.jpg"
        with open(path, "wb") as f:
            f.write(photo)
        form = victim.find_element(By.ID, "evidence")
        assert form.is_displayed()
        victim.find_element(By.ID, "evidence-file").send_keys(path)
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(victim, 20).until(lambda d: "Sent." in d.find_element(By.ID, "evidence-status").text)
        WebDriverWait(officer, 10).until(lambda d: "The victim sent a photo." in d.find_element(By.ID, "evidence-note").text)
        interview = officer.find_element(By.CSS_SELECTOR, "#evidence-note a").get_attribute("href")
        cookies = {c["name"]: c["value"] for c in officer.get_cookies()}
        shown = requests.get(interview, cookies=cookies)
        assert shown.status_code == 200 and hashlib.sha256(photo).hexdigest() in shown.text
        assert "Photo sent by the victim: " in shown.text and "Victim (video call " in shown.text
        media = re.search(r'<img src="(/evidence/[^"]+/media)"', shown.text).group(1)
        assert requests.get(svc.url + media, cookies=cookies).content == photo
        os.remove(path)

        # With her agreement, the officer records the call as an interview; she is told while it records.
        officer.find_element(By.ID, "record-start").click()
        assert "Ask the victim first" in officer.find_element(By.ID, "record-status").text
        officer.find_element(By.ID, "record-consent").click()
        officer.find_element(By.ID, "record-start").click()
        WebDriverWait(victim, 10).until(lambda d: "being recorded" in d.find_element(By.ID, "recording-note").text)
        # She reloads while it records: she is told again (the call keeps the state; the socket's first message says it).
        victim.refresh()
        victim.find_element(By.ID, "check-devices").click()
        WebDriverWait(victim, 10).until(lambda d: d.find_element(By.ID, "join").is_displayed())
        victim.find_element(By.ID, "join").click()
        WebDriverWait(victim, 15).until(lambda d: "being recorded" in d.find_element(By.ID, "recording-note").text)
        WebDriverWait(officer, 15).until(lambda d: "uploaded of" in d.find_element(By.ID, "record-status").text)
        time.sleep(3)
        officer.find_element(By.ID, "record-stop").click()
        WebDriverWait(officer, 30).until(
            lambda d: "Recording finished and uploaded" in d.find_element(By.ID, "record-status").text)
        WebDriverWait(victim, 10).until(lambda d: d.find_element(By.ID, "recording-note").text == "")
        shown = requests.get(interview, cookies=cookies)
        assert "Agreed to the recording" in shown.text and re.search(r"video-call-[0-9T-]+Z?\.webm", shown.text)

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


FRAMES_FROM = """
const who = arguments[0], done = arguments[arguments.length - 1];
const stats = window.__videoCall && window.__videoCall.stats(who);
if (!stats) { done(0); return; }
stats.then(report => {
  let frames = 0;
  report.forEach(s => { if (s.type === 'inbound-rtp' && s.kind === 'video') frames = s.framesDecoded || 0; });
  done(frames);
});
"""


def frames_from(driver, who):
    """Video frames this page has decoded from one other side of the call."""
    return driver.execute_async_script(FRAMES_FROM, who)


def call_under_way(svc, inbox):
    """A booked call with the victim on her phone, let in, and video flowing both ways."""
    officer, victim_id, track = booked_call(svc, inbox)
    victim = phone(svc, track)
    join_waiting_room(victim, svc, track)
    admit(officer, svc, victim_id)
    wait_for_frames(officer)
    wait_for_frames(victim)
    return officer, victim


def invite_guest(officer, kind="interpreter", name="Interpreter 12"):
    """The officer makes a guest's link from the call page; returns it."""
    Select(officer.find_element(By.ID, "guest-kind")).select_by_value(kind)
    officer.find_element(By.ID, "guest-name").send_keys(name)
    officer.find_element(By.CSS_SELECTOR, "#guest-form button[type=submit]").click()
    WebDriverWait(officer, 10).until(lambda d: d.find_element(By.ID, "guest-link").get_attribute("value"))
    return officer.find_element(By.ID, "guest-link").get_attribute("value")


def guest_waiting(link, officer, checks=lambda guest: None):
    """A guest opens the link in their own browser (`checks` run on the page as it opens), checks their devices
    and joins; returns their browser once the officer sees them waiting."""
    guest = chromium(camera=True, extra=WEBRTC)
    guest.get(link)
    checks(guest)
    guest.find_element(By.ID, "check-devices").click()
    WebDriverWait(guest, 10).until(lambda d: d.find_element(By.ID, "join").is_displayed())
    guest.find_element(By.ID, "join").click()
    WebDriverWait(officer, 15).until(lambda d: d.find_element(By.ID, "admit-guest").is_displayed())
    return guest


def test_an_interpreter_joins_as_the_third_participant():
    """Issue 16, item 3: the officer makes a link for an interpreter during the call (a form left empty is
    answered inline); a link preview fetches it first and takes nothing; the interpreter opens it in a third
    browser, checks their devices and joins (which takes the link for that browser) and waits; the officer lets
    them in and video flows between all three, each pair directly. The victim is told an interpreter joined.
    A second browser with the same link is refused; the officer removes the interpreter, whose page says so and
    whose link then no longer works, and the call carries on between the other two."""
    svc, inbox, controller = mailing_service("victimcare-video-guest-")
    officer = victim = guest = other = None
    try:
        officer, victim = call_under_way(svc, inbox)
        # No relay configured here: the officer is told, before inviting anyone, what a guest's browser can see.
        assert "can see her network address" in officer.find_element(By.ID, "guest-relay").text

        officer.find_element(By.CSS_SELECTOR, "#guest-form button[type=submit]").click()
        WebDriverWait(officer, 10).until(lambda d: d.find_element(By.ID, "guest-kind-error").is_displayed())
        assert "Choose who is joining" in officer.find_element(By.ID, "guest-kind-error").text
        assert officer.find_element(By.ID, "guest-kind").get_attribute("aria-invalid") == "true"
        link = invite_guest(officer, "interpreter", "Amira Haddad أميرة حداد, LanguageLine booking 88231-" + "x" * 120)
        assert re.search(r"/call-guest/[A-Za-z0-9_-]{43}$", link)
        assert "Amira Haddad أميرة حداد" in officer.find_element(By.ID, "guest-current").text
        assert_accessible(officer)

        # A mail scanner or a chat's link preview fetches the link first: it takes nothing.
        assert requests.get(link).status_code == 200

        def page_names_nobody(page):
            assert "invited into this call as an interpreter" in page.page_source
            assert "Okafor" not in page.page_source and "Dana" not in page.page_source
            assert_accessible(page)
        guest = guest_waiting(link, officer, page_names_nobody)
        assert "guest is waiting" in officer.find_element(By.ID, "guest-status").text
        # Waiting, the interpreter sees and hears nobody.
        time.sleep(1)
        assert frames_from(guest, "officer") == 0 and frames_from(guest, "victim") == 0
        officer.find_element(By.ID, "admit-guest").click()

        started = time.time()
        for driver, other_side in ((guest, "officer"), (guest, "victim"), (victim, "guest"), (officer, "guest")):
            WebDriverWait(driver, 30, poll_frequency=0.5).until(lambda d: frames_from(d, other_side) > 30)
        print(f"admit to 30 frames on every pair: {time.time() - started:.2f} s")
        WebDriverWait(victim, 10).until(
            lambda d: "An interpreter has joined the call." in d.find_element(By.ID, "guest-note").text)
        WebDriverWait(officer, 10).until(lambda d: "guest is in the call" in d.find_element(By.ID, "guest-status").text)
        assert_accessible(victim)

        # The same link in another browser: the page opens (a link preview takes nothing), joining is refused kindly.
        other = chromium(camera=True, extra=WEBRTC)
        other.get(link)
        other.find_element(By.ID, "check-devices").click()
        WebDriverWait(other, 10).until(lambda d: d.find_element(By.ID, "join").is_displayed())
        other.find_element(By.ID, "join").click()
        WebDriverWait(other, 10).until(lambda d: "already open on another" in d.find_element(By.ID, "call-status").text)

        # Removed: the interpreter's page says so at once, the victim is told, the link is dead, and the other two
        # carry on.
        officer.find_element(By.ID, "remove-guest").click()
        WebDriverWait(guest, 15).until(lambda d: "ended your part" in d.find_element(By.ID, "call-status").text)
        WebDriverWait(victim, 15).until(
            lambda d: "The third person has left the call." in d.find_element(By.ID, "guest-note").text)
        assert requests.get(link).status_code == 410
        before = frames(victim)
        time.sleep(2)
        assert frames(victim) > before + 10, "the officer and the victim carry on"
        log = svc.log_text()
        assert "Amira" not in log and "Okafor" not in log
    finally:
        for browser in (officer, victim, guest, other):
            if browser:
                browser.quit()
        svc.stop()
        controller.stop()


INSTAGRAM = ("Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP1A; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
             "Version/4.0 Chrome/124.0.0.0 Mobile Safari/537.36 Instagram 330.0.0.40.92 Android")


def test_a_link_opened_inside_another_app_says_how_to_open_it_properly():
    """Issue 16, item 3: the booking link tapped inside Instagram opens in its own browser, which often blocks the
    camera: the page says at once how to open it in the phone's browser, and still lets her try."""
    svc, inbox, controller = mailing_service("victimcare-video-inapp-")
    officer = victim = None
    try:
        officer, victim_id, track = booked_call(svc, inbox)
        victim = phone_signed_in(svc, track, "14", "6", "1979", camera=True, extra=WEBRTC + (f"--user-agent={INSTAGRAM}",))
        victim.get(svc.url + track + "/call")
        panel = victim.find_element(By.ID, "in-app")
        assert panel.is_displayed() and "Open in browser" in panel.text
        assert victim.find_element(By.ID, "check-devices").is_displayed()
        assert_accessible(victim)
    finally:
        for browser in (officer, victim):
            if browser:
                browser.quit()
        svc.stop()
        controller.stop()


SELECTED_PAIR = """
const done = arguments[arguments.length - 1];
const stats = window.__videoCall && window.__videoCall.stats();
if (!stats) { done(null); return; }
stats.then(report => {
  const all = {}; report.forEach(s => { all[s.id] = s; });
  let pair = null;
  report.forEach(s => { if (s.type === 'transport' && s.selectedCandidatePairId) pair = all[s.selectedCandidatePairId]; });
  if (!pair) { done(null); return; }
  done([all[pair.localCandidateId].candidateType, all[pair.remoteCandidateId].candidateType]);
});
"""


def start_coturn(secret):
    """A private coturn on a free port, with its own small relay port range, taking REST-scheme credentials."""
    port = free_port()
    low = random.randint(40000, 60000)
    process = subprocess.Popen(
        ["turnserver", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", f"--listening-port={port}",
         "--use-auth-secret", f"--static-auth-secret={secret}", "--realm=victimcare", "--allow-loopback-peers",
         "--no-tls", "--no-dtls", "--no-cli", f"--min-port={low}", f"--max-port={low + 200}", "--fingerprint",
         "--log-file=stdout", "--simple-log"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.time() + 10
    while time.time() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process, port
        time.sleep(0.1)
    process.kill()
    raise AssertionError("coturn did not start")


SELECTED_PAIR_WITH = SELECTED_PAIR.replace("window.__videoCall.stats()", "window.__videoCall.stats(arguments[0])")


def test_a_guest_never_learns_the_victims_address():
    """With a relay configured but direct media allowed between the officer and the victim, every connection
    with the guest (someone from outside the police) goes through coturn: the guest never receives the victim's
    address."""
    secret = secrets.token_hex(16)
    turn, turn_port = start_coturn(secret)
    svc, inbox, controller = mailing_service("victimcare-video-guest-relay-")
    svc.env.update({"TURN_URLS": f"turn:127.0.0.1:{turn_port}?transport=udp", "TURN_SECRET": secret})
    officer = victim = guest = None
    try:
        officer, victim = call_under_way(svc, inbox)
        assert not officer.find_elements(By.ID, "guest-relay"), "a relay is configured: no warning"
        guest = guest_waiting(invite_guest(officer, "guardian", "Her mother"), officer)
        officer.find_element(By.ID, "admit-guest").click()
        for driver, other_side in ((guest, "victim"), (victim, "guest"), (guest, "officer")):
            WebDriverWait(driver, 30, poll_frequency=0.5).until(lambda d: frames_from(d, other_side) > 20)
        assert guest.execute_async_script(SELECTED_PAIR_WITH, "victim") == ["relay", "relay"]
        assert victim.execute_async_script(SELECTED_PAIR_WITH, "guest") == ["relay", "relay"]
        WebDriverWait(victim, 10).until(
            lambda d: "A parent or guardian has joined the call." in d.find_element(By.ID, "guest-note").text)
        # The officer and the victim were free to connect directly.
        assert "relay" not in victim.execute_async_script(SELECTED_PAIR_WITH, "officer")
    finally:
        for browser in (officer, victim, guest):
            if browser:
                browser.quit()
        svc.stop()
        controller.stop()
        turn.kill()


def test_relay_only_through_coturn():
    secret = secrets.token_hex(16)
    turn, turn_port = start_coturn(secret)
    svc, inbox, controller = mailing_service("victimcare-video-relay-")
    svc.env.update({"TURN_URLS": f"turn:127.0.0.1:{turn_port}?transport=udp", "TURN_SECRET": secret,
                    "VIDEO_ICE_POLICY": "relay"})
    officer = victim = None
    try:
        officer, victim = call_under_way(svc, inbox)
        for driver in (officer, victim):
            assert driver.execute_async_script(SELECTED_PAIR) == ["relay", "relay"], "media went through coturn"
        # The credentials were coturn's REST scheme, for this call only, and never a person's name.
        ice = officer.find_element(By.ID, "call").get_attribute("data-ice")
        assert "Okafor" not in ice and ":call-" in ice
    finally:
        for browser in (officer, victim):
            if browser:
                browser.quit()
        svc.stop()
        controller.stop()
        turn.kill()


async def python_victim(svc, track, cookies, received, stop):
    """The victim's side as a Python WebRTC peer (aiortc): its own socket to the app's signalling, with the
    case page's cookies and the page's origin; it answers the officer's offer, sends frames and counts those
    it receives."""
    import websockets
    from aiortc import RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
    from aiortc.sdp import candidate_from_sdp

    pc = RTCPeerConnection()
    pc.addTrack(VideoStreamTrack())

    @pc.on("track")
    def on_track(track_in):
        async def count():
            while True:
                await track_in.recv()
                received.append(1)
        asyncio.ensure_future(count())

    url = svc.url.replace("http://", "ws://") + track + "/call/signal"
    cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
    async with websockets.connect(url, additional_headers={"Cookie": cookie, "Origin": svc.url}) as ws:
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=0.5)
            except asyncio.TimeoutError:
                continue
            m = json.loads(raw)
            if m["type"] == "offer":
                await pc.setRemoteDescription(RTCSessionDescription(sdp=m["sdp"], type="offer"))
                await pc.setLocalDescription(await pc.createAnswer())
                await ws.send(json.dumps({"type": "answer", "sdp": pc.localDescription.sdp}))
            elif m["type"] == "candidate" and m["candidate"].get("candidate"):
                c = candidate_from_sdp(m["candidate"]["candidate"].split(":", 1)[1])
                c.sdpMid = m["candidate"].get("sdpMid")
                c.sdpMLineIndex = m["candidate"].get("sdpMLineIndex")
                await pc.addIceCandidate(c)
    await pc.close()


def test_a_python_webrtc_peer_takes_the_call():
    svc, inbox, controller = mailing_service("victimcare-video-aiortc-")
    officer = None
    stop = threading.Event()
    received = []
    try:
        officer, victim_id, track = booked_call(svc, inbox)

        # Signed in to the case page and the call opened, as the page would: the cookies bind this peer.
        session = requests.Session()
        session.get(svc.url + track)
        signed = session.post(svc.url + track + "/verify",
                              data={"method": "dob", "dobDay": "14", "dobMonth": "6", "dobYear": "1979"})
        assert signed.status_code == 200 and "Join your video call" in signed.text
        assert 'id="call"' in session.get(svc.url + track + "/call").text
        # Without the page's origin the socket is refused.
        refused = requests.get(svc.url + track + "/call/signal", cookies=session.cookies,
                               headers={"Origin": "https://evil.example", "Connection": "Upgrade", "Upgrade": "websocket",
                                        "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
        assert refused.status_code == 403

        peer = threading.Thread(
            target=lambda: asyncio.run(python_victim(svc, track, session.cookies.get_dict(), received, stop)))
        peer.start()
        admit(officer, svc, victim_id)
        wait_for_frames(officer, at_least=20)
        deadline = time.time() + 20
        while time.time() < deadline and len(received) < 20:
            time.sleep(0.2)
        assert len(received) >= 20, "the Python peer receives the officer's video"
        stop.set()
        peer.join(timeout=10)
    finally:
        stop.set()
        if officer:
            officer.quit()
        svc.stop()
        controller.stop()


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs TEST_DATABASE_URL (PostgreSQL)")
def test_a_node_dies_mid_call_and_both_sides_carry_on():
    """The officer on one node, the victim on another, one PostgreSQL database. The victim's node is killed
    (SIGKILL) mid-call: media keeps flowing peer to peer; when the node is back, the victim's page reconnects
    by itself and the officer's page negotiates afresh."""
    admin = os.environ["TEST_DATABASE_URL"]
    name = "vc_video_" + uuid.uuid4().hex[:12]
    subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True)
    database_url = urllib.parse.urlunsplit(urllib.parse.urlsplit(admin)._replace(path="/" + name))
    first, inbox, controller = mailing_service("victimcare-video-nodes-", database_url)
    second = Service(first.workdir, dict(first.env), free_port())
    officer = victim = None
    try:
        officer, victim_id, track = booked_call(first, inbox)
        second.start()
        victim = phone(second, track)
        join_waiting_room(victim, second, track)
        admit(officer, first, victim_id)
        wait_for_frames(officer)
        wait_for_frames(victim)

        second.process.kill()
        second.process.wait()
        before = frames(victim)
        time.sleep(2)
        assert frames(victim) > before + 10, "media flows while the victim's node is down"
        WebDriverWait(victim, 10).until(lambda d: "Reconnecting" in d.find_element(By.ID, "call-status").text)

        second.start()
        # The page reconnects on its own; the officer offers afresh and both see video again.
        WebDriverWait(victim, 30, poll_frequency=0.5).until(
            lambda d: "talking to your officer" in d.find_element(By.ID, "call-status").text)
        wait_for_frames(victim)
        wait_for_frames(officer)
    finally:
        for browser in (officer, victim):
            if browser:
                browser.quit()
        second.stop()
        first.stop()
        controller.stop()
