"""The outbox end to end: a crime recorded through the API with a victim's safe email address; the written
confirmation and the leaflet arrive at a real SMTP server (aiosmtpd) as well-formed MIME; their duties (R4, R5)
are met; the service's log never carries the address."""
import datetime
import email
import email.policy
import random
import sqlite3
import time

import requests
from conftest import iso, mailing_service


def serving(svc):
    """Migrates, starts the service and returns an administrator's API headers."""
    svc.cli("migrate")
    token = svc.cli("create-token", "--name", "outbox", "--role", "administrator", "--quiet").stdout.strip()
    svc.start()
    return {"Authorization": f"Bearer {token}"}


def test_confirmation_and_leaflet_by_smtp():
    svc, inbox, controller = mailing_service("victimcare-outbox-")
    try:
        headers = serving(svc)
        now = datetime.datetime.now(datetime.timezone.utc)
        reference = f"SN/{random.randint(1000000, 9999999)}/26"
        body = {"reference": reference, "offence_code": "049/00", "offence": "Theft from the person", "command_unit": "SN",
                "channel": "online", "occurred_at": iso(now - datetime.timedelta(hours=5)), "reported_at": iso(now - datetime.timedelta(hours=1)),
                "victims": [{"person": {"given_name": "Gwen", "family_name": "Mailer", "email": "gwen.mailer@example.com",
                                        "email_safe": True, "preferred_contact": "email", "language": "cy"}}]}
        created = requests.post(svc.url + "/api/v1/crimes", json=body, headers=headers)
        assert created.status_code == 201, created.text
        victim_id = created.json()["victims"][0]["id"]

        deadline = time.time() + 30
        while time.time() < deadline and len(inbox.messages) < 2:
            time.sleep(0.2)
        assert len(inbox.messages) == 2, svc.log_text()[-3000:]
        parsed = []
        for mail_from, rcpts, content in inbox.messages:
            assert mail_from == "no-reply@victimcare.example"
            assert rcpts == ["gwen.mailer@example.com"]
            msg = email.message_from_bytes(content, policy=email.policy.default)
            assert msg.get_content_type() == "multipart/alternative"
            assert msg["Message-ID"] and msg["Date"] and msg["To"] == "gwen.mailer@example.com"
            # Her recorded language is Welsh: the words and the headers are Welsh.
            assert msg["Content-Language"] == "cy"
            plain = msg.get_body(preferencelist=("plain",))
            html = msg.get_body(preferencelist=("html",))
            assert plain.get_content_charset() == "utf-8" and html.get_content_charset() == "utf-8"
            assert '<html lang="cy" dir="ltr">' in html.get_content()
            assert "Annwyl Gwen," in plain.get_content()
            assert "12. Cwyno." in plain.get_content()
            assert "cy-2026.11.2" in plain.get_content(), "the translation's version travels with it"
            parsed.append(msg)
        subjects = sorted(m["Subject"] for m in parsed)
        assert subjects == sorted([f"Eich adroddiad trosedd {reference}", "Eich hawliau fel dioddefwr trosedd"])
        confirmation = next(m for m in parsed if reference in m["Subject"])
        assert f"Cyfeirnod y drosedd: {reference}" in confirmation.get_body(preferencelist=("plain",)).get_content()

        # Delivered, so the written confirmation (R4) and the leaflet (R5) are met.
        deadline = time.time() + 10
        while time.time() < deadline:
            obligations = requests.get(svc.url + f"/api/v1/victims/{victim_id}/obligations", headers=headers).json()
            status = {o["code"]: o for o in obligations}
            if status["R4"]["status"] == "met" and status["R5"]["status"] == "met":
                break
            time.sleep(0.2)
        assert status["R4"]["status"] == "met" and status["R5"]["status"] == "met", status
        assert status["R4"]["met_by"].startswith("Written confirmation given"), status["R4"]
        assert status["R5"]["met_by"].startswith("Information leaflet given"), status["R5"]

        # Exactly two messages: a retried poll never sends again.
        time.sleep(2.5)
        assert len(inbox.messages) == 2
        log = svc.log_text()
        assert "gwen.mailer@example.com" not in log and "Mailer" not in log
    finally:
        svc.stop()
        controller.stop()


def test_relay_connections_are_kept_and_renewed():
    """Forty messages at once go over the few connections the outbox's concurrency allows, not one each; the
    relay closing idle connections (after 1 s here) costs no message, no retry and no duplicate."""
    svc, inbox, controller = mailing_service("victimcare-smtp-reuse-", timeout=1)
    try:
        headers = serving(svc)
        now = datetime.datetime.now(datetime.timezone.utc)

        def record(n, start):
            for i in range(start, start + n):
                body = {"reference": f"SN/{random.randint(1000000, 9999999)}/26", "offence_code": "049/00",
                        "offence": "Theft from the person", "command_unit": "SN", "channel": "online",
                        "occurred_at": iso(now - datetime.timedelta(hours=5)),
                        "reported_at": iso(now - datetime.timedelta(hours=1)),
                        "victims": [{"person": {"given_name": "Отримувач", "family_name": f"Поштовий{i}",
                                                "email": f"victim{i}@example.com", "email_safe": True,
                                                "preferred_contact": "email"}}]}
                created = requests.post(svc.url + "/api/v1/crimes", json=body, headers=headers)
                assert created.status_code == 201, created.text

        def wait_for(count, seconds):
            deadline = time.time() + seconds
            while time.time() < deadline and len(inbox.messages) < count:
                time.sleep(0.1)
            return len(inbox.messages)

        record(20, 0)
        assert wait_for(40, 30) == 40, svc.log_text()[-3000:]
        first_peers = set(inbox.peers)
        # One connection per message before; now at most the outbox's concurrency (16).
        assert len(first_peers) <= 16, len(first_peers)

        # The relay has closed every connection the service kept (1 s idle); the next messages go at once on new
        # ones. A message that failed on a closed connection would wait at least 30 s for its retry.
        time.sleep(2.5)
        record(5, 20)
        assert wait_for(50, 10) == 50, svc.log_text()[-3000:]
        assert not set(inbox.peers[40:]) & first_peers, "a connection the relay closed was used"
        time.sleep(1.5)
        assert len(inbox.messages) == 50, "nothing is sent twice"
        recipients = sorted(r for _, rcpts, _ in inbox.messages for r in rcpts)
        assert recipients == sorted(f"victim{i}@example.com" for i in range(25) for _ in range(2))
        with sqlite3.connect(svc.env["VICTIMCARE_SQLITE_PATH"]) as db:
            rows = db.execute("SELECT status, attempts, last_error FROM messages").fetchall()
        assert len(rows) == 50 and all(r == ("sent", 1, None) for r in rows), rows
    finally:
        svc.stop()
        controller.stop()
