"""Issue 16, item 1, end to end: an officer triages a report and offers the victim a video call in Chromium; the
rules refuse it while the offender may be present and say why on the page; the victim, who reads Polish, gets
their case link by email at a real SMTP server (aiosmtpd), signs in on a phone-sized Chromium and asks for a visit
instead; the officer sees the request. axe checks every page at WCAG 2.2 AA."""
import datetime
import email
import email.policy
import random
import re
import time
from zoneinfo import ZoneInfo

import icalendar
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from a11y import assert_accessible
from browser import follow, set_value, sign_in, submit
from conftest import PASSWORD, chromium, iso, mailing_service


def check(driver, element_id):
    driver.find_element(By.ID, element_id).click()


def record_crime(svc, token, officer, given, family, email_address, language, born):
    """A theft reported an hour ago through the API, with one victim who prefers email (safe); returns the
    crime's and the victim's ids and the crime's reference."""
    now = datetime.datetime.now(datetime.timezone.utc)
    reference = f"SN/{random.randint(1000000, 9999999)}/26"
    body = {"reference": reference, "offence_code": "049/00", "offence": "Theft from the person",
            "command_unit": "SN", "channel": "online", "occurred_at": iso(now - datetime.timedelta(hours=5)),
            "reported_at": iso(now - datetime.timedelta(hours=1)), "officer_in_case": officer,
            "victims": [{"person": {"given_name": given, "family_name": family, "email": email_address,
                                    "email_safe": True, "preferred_contact": "email", "language": language,
                                    "date_of_birth": born}}]}
    created = requests.post(svc.url + "/api/v1/crimes", json=body, headers={"Authorization": f"Bearer {token}"})
    assert created.status_code == 201, created.text
    return created.json()["id"], created.json()["victims"][0]["id"], reference


def triage_and_choose_video(officer, svc, crime_id, victim_id):
    """The officer records a calm triage and the victim's choice of a video call (every answer yes, no
    offender), ending on the victim's page."""
    officer.get(f"{svc.url}/crimes/{crime_id}/triage")
    Select(officer.find_element(By.ID, "threat")).select_by_value("none")
    Select(officer.find_element(By.ID, "risk")).select_by_value("low")
    Select(officer.find_element(By.ID, "harm")).select_by_value("low")
    check(officer, "attendanceNeeded-no")
    officer.find_element(By.ID, "reason").send_keys("Phone snatched in the street; victim safe at home.")
    submit(officer)
    officer.get(f"{svc.url}/victims/{victim_id}/video-offer")
    for answer in ("hasVideoDevice", "hasConnection", "offenderPresent-no", "choice"):
        check(officer, answer)
    submit(officer, "main form button.button")


def phone_signed_in(svc, track, day, month, year, camera=False, extra=()):
    """The victim on a phone-sized viewport (not a desktop window clamped to its minimum), signed in to their
    case page with their date of birth."""
    victim = chromium(window="390,844", camera=camera, extra=extra)
    victim.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True})
    victim.get(svc.url + track)
    victim.find_element(By.ID, "dobDay").send_keys(day)
    victim.find_element(By.ID, "dobMonth").send_keys(month)
    victim.find_element(By.ID, "dobYear").send_keys(year)
    submit(victim, "main form[action$='/verify'] button")
    return victim


def test_triage_offer_and_a_visit_asked_for_on_a_phone():
    svc, inbox, controller = mailing_service("victimcare-video-")
    officer = victim = None
    try:
        svc.cli("migrate")
        svc.cli("create-user", "--username", "pc.video", "--name", "PC Video", "--role", "officer", "--unit", "SN",
                "--rank", "PC", "--password", PASSWORD)
        token = svc.cli("create-token", "--name", "video", "--role", "administrator", "--quiet").stdout.strip()
        svc.start()
        crime_id, victim_id, reference = record_crime(
            svc, token, "pc.video", "Zofia", "Wójcik", "zofia@example.com", "pl", "1990-03-07")

        officer = chromium()
        sign_in(officer, svc, "pc.video")
        officer.get(f"{svc.url}/crimes/{crime_id}")
        assert "Not triaged yet." in officer.page_source
        follow(officer, By.LINK_TEXT, "Triage and video offer")
        assert_accessible(officer)
        # Sent empty: every question is named in the summary and beside its field.
        submit(officer)
        summary = officer.find_element(By.CSS_SELECTOR, ".error-summary").text
        for text in ("Choose the threat", "Choose the risk", "Choose the harm", "Say whether an officer must attend now",
                     "Say why attendance is or is not needed"):
            assert text in summary, summary
        assert_accessible(officer)
        Select(officer.find_element(By.ID, "threat")).select_by_value("none")
        Select(officer.find_element(By.ID, "risk")).select_by_value("low")
        Select(officer.find_element(By.ID, "harm")).select_by_value("low")
        check(officer, "attendanceNeeded-no")
        reason = ("Telefon skradziony w autobusie linii 38; sprawca odjechał, ofiara bezpieczna w pracy. "
                  "Caller is calm, no injuries, no suspect known to her. ") * 6
        officer.find_element(By.ID, "reason").send_keys(reason)
        submit(officer)
        assert "a video call may be offered" in officer.page_source
        assert "Telefon skradziony w autobusie linii 38" in officer.page_source
        follow(officer, By.LINK_TEXT, "Zofia Wójcik")
        assert "The triage allows a video call" in officer.page_source
        assert_accessible(officer)
        # The offender may be with her: video refused, said beside the answer, and a visit offered.
        check(officer, "hasVideoDevice")
        check(officer, "hasConnection")
        check(officer, "offenderPresent")
        officer.find_element(By.ID, "accessNeeds").send_keys("Polish interpreter; prefers evenings after 6pm")
        check(officer, "choice")
        submit(officer, "main form button.button")
        summary = officer.find_element(By.CSS_SELECTOR, ".error-summary").text
        assert "The offender is or could be with them" in summary and "offer a visit" in summary, summary
        assert officer.find_element(By.ID, "accessNeeds").get_attribute("value") == \
            "Polish interpreter; prefers evenings after 6pm", "what was typed is kept"
        assert_accessible(officer)
        check(officer, "offenderPresent-no")
        check(officer, "choice")
        submit(officer, "main form button.button")
        assert f"/victims/{victim_id}" in officer.current_url
        assert "Recorded: they chose a video call." in officer.page_source
        assert "A video call, recorded by PC Video" in officer.page_source

        # Her case page link came by email, in Polish.
        deadline = time.time() + 30
        track = None
        while time.time() < deadline and track is None:
            for content in inbox.contents():
                msg = email.message_from_bytes(content, policy=email.policy.default)
                found = re.search(r"/track/[A-Za-z0-9_-]{43}", msg.get_body(preferencelist=("plain",)).get_content())
                if found:
                    track = found.group(0)
            time.sleep(0.2)
        assert track, svc.log_text()[-2000:]

        victim = phone_signed_in(svc, track, "7", "3", "1990")
        assert "Poproś o wizytę" in victim.page_source
        assert_accessible(victim)
        heading = victim.find_element(By.ID, "visit-heading")
        assert heading.text == "Poproś o wizytę funkcjonariusza"
        wide = victim.execute_script(
            "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
            "document.documentElement.clientWidth + 1).map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + "
            "Math.round(e.getBoundingClientRect().right)).slice(0, 12)")
        assert victim.execute_script("return document.documentElement.clientWidth") == 390
        assert victim.execute_script("return document.documentElement.scrollWidth") <= 390, f"sideways scrolling: {wide}"
        note = "Wolę spotkać się osobiście — mieszkam sama, proszę dzwonić po 18:00. " * 3
        victim.find_element(By.ID, "visitNote").send_keys(note)
        submit(victim, "main form[action$='/visit'] button")
        assert "Przekazaliśmy funkcjonariuszowi" in victim.find_element(By.CSS_SELECTOR, ".notice").text
        assert not victim.find_elements(By.ID, "visit-heading"), "asked once: the form is gone"
        assert_accessible(victim)

        officer.get(f"{svc.url}/victims/{victim_id}")
        assert "Asked for a visit instead of a video call" in officer.page_source
        assert "An officer visits, asked for on their case page" in officer.page_source
        assert "mieszkam sama" in officer.page_source
        log = svc.log_text()
        assert "zofia@example.com" not in log and "Wójcik" not in log and "mieszkam sama" not in log
    finally:
        for browser in (officer, victim):
            if browser:
                browser.quit()
        svc.stop()
        controller.stop()


def mails_with_subject(inbox, subject, count=1, timeout=30):
    """The messages whose subject is `subject`, once `count` of them have arrived."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = [email.message_from_bytes(c, policy=email.policy.default) for c in inbox.contents()]
        found = [m for m in found if m["Subject"] == subject]
        if len(found) >= count:
            return found
        time.sleep(0.2)
    raise AssertionError(f"no {subject!r} after {timeout} s")


def calendar_of(msg):
    parts = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, [p.get_content_type() for p in msg.walk()]
    assert parts[0].get_filename() == "video-call.ics"
    return icalendar.Calendar.from_ical(parts[0].get_payload(decode=True))


def test_rota_booking_calendar_and_the_victim_cancelling():
    svc, inbox, controller = mailing_service("victimcare-video-booking-")
    supervisor = officer = victim = None
    try:
        svc.cli("migrate")
        svc.cli("create-user", "--username", "ps.rota", "--name", "PS Rota", "--role", "supervisor", "--unit", "SN",
                "--rank", "PS", "--password", PASSWORD)
        svc.cli("create-user", "--username", "pc.screen", "--name", "PC Screen", "--role", "officer", "--unit", "SN",
                "--rank", "PC", "--password", PASSWORD)
        token = svc.cli("create-token", "--name", "video", "--role", "administrator", "--quiet").stdout.strip()
        svc.start()
        crime_id, victim_id, _ = record_crime(
            svc, token, "pc.screen", "Amira", "Haddad", "amira@example.com", "ar", "1988-11-02")

        # The supervisor puts PC Screen on the rota from tomorrow 09:00 London time.
        supervisor = chromium()
        sign_in(supervisor, svc, "ps.rota")
        supervisor.get(svc.url + "/video/rota")
        assert_accessible(supervisor)
        submit(supervisor)
        assert "Choose an officer of your unit who takes calls." in supervisor.find_element(By.CSS_SELECTOR, ".error-summary").text
        assert_accessible(supervisor)
        tomorrow = (datetime.datetime.now(ZoneInfo("Europe/London")) + datetime.timedelta(days=1)).date()
        Select(supervisor.find_element(By.ID, "officer")).select_by_value("pc.screen")
        set_value(supervisor, "startsAt", f"{tomorrow}T09:00")
        set_value(supervisor, "endsAt", f"{tomorrow}T11:00")
        Select(supervisor.find_element(By.ID, "slotMinutes")).select_by_value("30")
        submit(supervisor)
        assert "Shift added" in supervisor.page_source and "PC Screen" in supervisor.page_source

        # The officer triages, records the choice and books the 09:30 slot.
        officer = chromium()
        sign_in(officer, svc, "pc.screen")
        triage_and_choose_video(officer, svc, crime_id, victim_id)
        follow(officer, By.LINK_TEXT, "Book or change the video call")
        assert_accessible(officer)
        submit(officer)
        assert "Choose a time, or as soon as possible." in officer.find_element(By.CSS_SELECTOR, ".error-summary").text
        options = [o for o in Select(officer.find_element(By.ID, "slot")).options if "09:30" in o.text]
        assert len(options) == 1, [o.text for o in Select(officer.find_element(By.ID, "slot")).options]
        Select(officer.find_element(By.ID, "slot")).select_by_visible_text(options[0].text)
        submit(officer)
        assert "Video call booked" in officer.page_source
        assert_accessible(officer)

        booked = mails_with_subject(inbox, "تم حجز مكالمة الفيديو")[0]
        assert booked.get_content_type() == "multipart/mixed"
        event = calendar_of(booked).walk("VEVENT")[0]
        start = event.decoded("DTSTART")
        assert start.astimezone(ZoneInfo("Europe/London")).strftime("%Y-%m-%d %H:%M") == f"{tomorrow} 09:30"
        assert event.decoded("DTEND") - start == datetime.timedelta(minutes=30)
        assert int(event["SEQUENCE"]) == 1 and str(event["SUMMARY"]) == "مكالمة فيديو"
        assert "mailto:amira@example.com" in str(event["ATTENDEE"])
        plain = booked.get_body(preferencelist=("plain",)).get_content()
        assert "Theft" not in plain, "the message never names the offence"
        track = re.search(r"/track/[A-Za-z0-9_-]{43}", plain).group(0)

        # On her phone she signs in and cancels; the calendar entry is withdrawn.
        victim = phone_signed_in(svc, track, "2", "11", "1988")
        assert victim.find_element(By.ID, "video-heading").text == "مكالمة الفيديو"
        assert victim.find_element(By.CSS_SELECTOR, "html").get_attribute("dir") == "rtl"
        assert_accessible(victim)
        assert victim.execute_script("return document.documentElement.scrollWidth") <= 390
        submit(victim, "main form[action$='/video-cancel'] button")
        assert "تم إلغاء مكالمة الفيديو" in victim.find_element(By.CSS_SELECTOR, ".notice").text
        assert not victim.find_elements(By.ID, "video-heading")
        cancelled = mails_with_subject(inbox, "تم إلغاء مكالمة الفيديو")[0]
        cal = calendar_of(cancelled)
        assert str(cal["METHOD"]) == "CANCEL"
        withdrawn = cal.walk("VEVENT")[0]
        assert str(withdrawn["UID"]) == str(event["UID"]) and int(withdrawn["SEQUENCE"]) == 2
        assert str(withdrawn["STATUS"]) == "CANCELLED"

        # The slot is free again, and the booking page says what happened.
        officer.get(f"{svc.url}/victims/{victim_id}/video-call")
        assert "Cancelled by the victim on their case page" in officer.page_source
        supervisor.get(svc.url + "/video/rota")
        assert "None" in supervisor.find_element(By.CSS_SELECTOR, "table tbody").text
        log = svc.log_text()
        assert "amira@example.com" not in log and "Haddad" not in log
    finally:
        for browser in (supervisor, officer, victim):
            if browser:
                browser.quit()
        svc.stop()
        controller.stop()
