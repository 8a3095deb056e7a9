"""End-to-end fixtures: the real `victimcare` binary, serving over real HTTP, driven by a real browser."""
import datetime
import json
import os
import pathlib
import socket
import subprocess
import tempfile
import threading
import time

import pytest
import requests

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = os.environ.get("VICTIMCARE_BIN", str(ROOT / ".build" / "debug" / "victimcare"))
PASSWORD = "e2e demo passphrase"
ADMIN_PASSWORD = "e2e admin passphrase"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    """One `victimcare serve` process and the command line against the same database."""

    def __init__(self, workdir, env, port):
        self.workdir = workdir
        self.env = env
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.process = None

    def cli(self, *args, check=True):
        result = subprocess.run([BINARY, *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300)
        if check and result.returncode != 0:
            raise AssertionError(f"victimcare {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def start(self):
        log = open(self.workdir / f"serve-{self.port}.log", "w")
        env = dict(self.env, PORT=str(self.port))
        self.process = subprocess.Popen([BINARY, "serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if requests.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None:
                raise AssertionError("victimcare serve exited:\n" + (self.workdir / f"serve-{self.port}.log").read_text())
            time.sleep(0.2)
        raise AssertionError("victimcare serve did not become ready")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def log_text(self):
        return (self.workdir / f"serve-{self.port}.log").read_text()


def make_service(tmp, database_url=None):
    env = dict(os.environ)
    env.update({
        "LOG_FORMAT": "json", "LOG_LEVEL": "info", "BCRYPT_COST": "4", "HOST": "127.0.0.1",
        "VICTIMCARE_ADMIN_PASSWORD": ADMIN_PASSWORD, "VICTIMCARE_DEMO_PASSWORD": PASSWORD,
        "REFERRAL_DIRECTORY": str(tmp / "referrals"), "REFERRAL_EMAIL": "referrals@support.example",
        "EVIDENCE_DIRECTORY": str(tmp / "evidence"),
        # The weekly survey sample would add invitations to the outbox other tests count; test_dashboard takes one.
        "SURVEY_PER_STRATUM": "0",
    })
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
        env["VICTIMCARE_SQLITE_PATH"] = str(tmp / "victimcare.sqlite")
    return Service(tmp, env, free_port())


@pytest.fixture(scope="session")
def service():
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="victimcare-e2e-"))
    svc = make_service(tmp)
    svc.cli("migrate")
    svc.cli("demo-data", "--crimes", "300", "--seed", "42")
    svc.cli("create-user", "--username", "pc.browser", "--name", "PC Browser", "--role", "officer", "--unit", "SN", "--password", PASSWORD)
    svc.cli("create-user", "--username", "auditor", "--name", "Audit Admin", "--role", "administrator", "--password", PASSWORD)
    svc.start()
    yield svc
    svc.stop()


@pytest.fixture(scope="session")
def admin_token(service):
    return service.cli("create-token", "--name", "e2e", "--role", "administrator", "--quiet").stdout.strip()


def chromium(window="1280,1000", camera=False, extra=()):
    """Headless Chromium from Debian; with `camera`, its fake camera and microphone, allowed without asking;
    `extra` switches as given."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service as ChromeService

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", f"--window-size={window}"):
        options.add_argument(arg)
    if camera:
        for arg in ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                    "--autoplay-policy=no-user-gesture-required"):
            options.add_argument(arg)
    for arg in extra:
        options.add_argument(arg)
    browser = webdriver.Chrome(service=ChromeService("/usr/bin/chromedriver"), options=options)
    browser.implicitly_wait(2)
    return browser


@pytest.fixture()
def driver():
    browser = chromium()
    yield browser
    browser.quit()


def iso(dt):
    return dt.astimezone(datetime.timezone.utc).isoformat(timespec="seconds")


class Inbox:
    """A real SMTP server's mailbox (aiosmtpd): each message as (sender, recipients, bytes)."""

    def __init__(self):
        self.messages = []
        # The client end (address, port) of the connection each message came on.
        self.peers = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
            self.peers.append(tuple(session.peer))
        return "250 2.0.0 queued as e2e"

    def contents(self):
        with self.lock:
            return [content for _, _, content in self.messages]


def mailing_service(prefix, database_url=None, **smtp_settings):
    """A service that sends its email to a real SMTP server of its own; returns it with its inbox and the server
    (stop both when done). `smtp_settings` go to aiosmtpd's server (e.g. `timeout`: seconds idle before it
    closes a connection)."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    smtp_port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port, **smtp_settings)
    controller.start()
    svc = make_service(pathlib.Path(tempfile.mkdtemp(prefix=prefix)), database_url)
    svc.env.update({"MESSAGE_PROVIDER": "smtp", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port),
                    "MAIL_FROM": "no-reply@victimcare.example", "OUTBOX_POLL_SECONDS": "1"})
    return svc, inbox, controller
