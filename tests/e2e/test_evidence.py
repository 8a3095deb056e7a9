"""Interview recordings over real HTTP (issue 15): tuspy (the reference tus client) uploads to the running
server; the server is killed with SIGKILL mid-upload and the upload resumes on another node sharing the
database and the evidence store; playback by ranges with requests; the evidence bundle checked with
sha256sum and the shell loop docs/evidence-bundle.md gives; tampering found by `victimcare evidence verify`."""
import base64
import datetime
import hashlib
import io
import os
import pathlib
import random
import re
import signal
import subprocess
import tarfile
import tempfile
import threading
import time
import urllib.parse
import uuid

import pytest
import requests
from tusclient import client as tus

from conftest import PASSWORD, ROOT, chromium, make_service

ADMIN_URL = os.environ.get("TEST_DATABASE_URL")
S3_URL = os.environ.get("TEST_S3_ENDPOINT")


def iso(dt):
    return dt.astimezone(datetime.timezone.utc).isoformat(timespec="seconds")


def csrf(html):
    return re.search(r'name="_csrf" value="([^"]+)"', html).group(1)


class Force:
    """A force's VictimCare on one or more nodes: one database, one evidence store."""

    def __init__(self, s3=False):
        self.tmp = pathlib.Path(tempfile.mkdtemp(prefix="victimcare-evidence-"))
        self.s3 = None
        if s3:
            import boto3
            self.s3 = {"EVIDENCE_S3_ENDPOINT": S3_URL, "EVIDENCE_S3_BUCKET": "vc-e2e-" + uuid.uuid4().hex[:10],
                       "EVIDENCE_S3_REGION": "eu-west-2", "EVIDENCE_S3_ACCESS_KEY": "testing", "EVIDENCE_S3_SECRET_KEY": "testing"}
            boto3.client("s3", endpoint_url=S3_URL, region_name="eu-west-2", aws_access_key_id="testing",
                         aws_secret_access_key="testing").create_bucket(
                Bucket=self.s3["EVIDENCE_S3_BUCKET"], CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
        self.database_url = None
        if ADMIN_URL:
            name = "vc_ev_" + uuid.uuid4().hex[:12]
            subprocess.run(["psql", ADMIN_URL, "-qc", f"CREATE DATABASE {name}"], check=True)
            parts = urllib.parse.urlsplit(ADMIN_URL)
            self.database_url = urllib.parse.urlunsplit(parts._replace(path="/" + name))
        self.key = base64.b64encode(os.urandom(32)).decode()
        self.nodes = []

    def node(self):
        svc = make_service(self.tmp, self.database_url)
        svc.env.update({"EVIDENCE_DIRECTORY": str(self.tmp / "evidence"), "EVIDENCE_MASTER_KEY": self.key,
                        "EVIDENCE_LOCK_SECONDS": "2", "EVIDENCE_MAX_MB": "512"})
        if self.s3:
            svc.env.update(self.s3)
        self.nodes.append(svc)
        return svc

    def stop(self):
        for node in self.nodes:
            node.stop()


@pytest.fixture(scope="module")
def force():
    f = Force()
    first = f.node()
    first.cli("migrate")
    first.cli("create-user", "--username", "pc.kit", "--name", "PC Kit", "--role", "officer", "--unit", "SN", "--password", PASSWORD)
    first.cli("create-user", "--username", "cps.reviewer", "--name", "CPS Reviewer", "--role", "prosecutor", "--password", PASSWORD)
    f.token = first.cli("create-token", "--name", "kit", "--role", "officer", "--unit", "SN", "--quiet").stdout.strip()
    first.start()
    f.first = first
    yield f
    f.stop()


def new_interview(node, token):
    headers = {"Authorization": f"Bearer {token}"}
    now = datetime.datetime.now(datetime.timezone.utc)
    body = {"reference": f"SN/{random.randint(1000000, 9999999)}/26", "offence_code": "008/01", "command_unit": "SN",
            "channel": "telephone", "occurred_at": iso(now - datetime.timedelta(days=2)), "reported_at": iso(now - datetime.timedelta(days=1)),
            "victims": [{"person": {"given_name": "Agnieszka", "family_name": "Wójcik-Kowalczyk", "phone": "07700 900456", "phone_safe": True}}]}
    crime = requests.post(node.url + "/api/v1/crimes", json=body, headers=headers)
    assert crime.status_code == 201, crime.text
    detail = requests.get(node.url + f"/api/v1/crimes/{crime.json()['id']}", headers=headers)
    assert detail.status_code == 200, detail.text
    link = next(p for p in detail.json()["people"] if p["role"] == "victim")
    interview = requests.post(node.url + f"/api/v1/crimes/{crime.json()['id']}/interviews", headers=headers, json={
        "person_link_id": link["id"], "kind": "victim_account", "place": "abroad",
        "place_detail": "British Embassy, Warsaw (remote, by kit)", "interviewers": "PC Kit", "interpreter": "Polish interpreter",
        "consent": True})
    assert interview.status_code == 201, interview.text
    return interview.json()


def recording(size, seed):
    rng = random.Random(seed)
    return bytes(rng.getrandbits(8) for _ in range(size)) if size < 1 << 16 else rng.randbytes(size)


def stored(node, token, interview_id):
    response = requests.get(node.url + f"/api/v1/interviews/{interview_id}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()["recordings"]


def test_tuspy_uploads_with_checksums_and_the_hash_matches(force):
    interview = new_interview(force.first, force.token)
    data = recording(5 * 1024 * 1024 + 123, 1)
    client = tus.TusClient(force.first.url + "/uploads", headers={"Authorization": f"Bearer {force.token}"})
    uploader = client.uploader(file_stream=io.BytesIO(data), chunk_size=1024 * 1024 + 7, upload_checksum=True,
                               metadata={"interview": interview["id"], "filename": "ABE kit 1.mp4", "filetype": "video/mp4"})
    uploader.upload()
    [item] = stored(force.first, force.token, interview["id"])
    assert item["state"] == "complete"
    assert item["bytes"] == len(data)
    assert item["sha256"] == hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def s3_force():
    if not S3_URL:
        pytest.skip("needs TEST_S3_ENDPOINT (the test script starts moto's S3 server)")
    f = Force(s3=True)
    first = f.node()
    first.cli("migrate")
    f.token = first.cli("create-token", "--name", "kit", "--role", "officer", "--unit", "SN", "--quiet").stdout.strip()
    first.start()
    f.first = first
    yield f
    f.stop()


def test_the_sigv4_vectors_are_botocores():
    fresh = subprocess.run(["python3", str(ROOT / "scripts" / "sigv4-vectors.py")], capture_output=True, text=True, check=True).stdout
    committed = (ROOT / "Tests" / "VictimCareServerTests" / "Evidence" / "Fixtures" / "sigv4-botocore.json").read_text()
    assert fresh == committed


def test_an_upload_survives_sigkill_and_finishes_on_another_node(force):
    kill_and_resume(force)


def test_on_s3_an_upload_survives_sigkill_and_finishes_on_another_node(s3_force):
    kill_and_resume(s3_force)


def kill_and_resume(force):
    interview = new_interview(force.first, force.token)
    data = recording(24 * 1024 * 1024 + 5, 2)
    node = force.node().start()
    headers = {"Authorization": f"Bearer {force.token}"}
    client = tus.TusClient(node.url + "/uploads", headers=headers)
    uploader = client.uploader(file_stream=io.BytesIO(data), chunk_size=4 * 1024 * 1024, upload_checksum=True,
                               metadata={"interview": interview["id"], "filename": "long.mp4", "filetype": "video/mp4"})
    uploader.upload_chunk()
    uploader.upload_chunk()
    url = uploader.url
    # A PATCH is streaming when the node is killed: half a chunk sent, then SIGKILL.
    offset = int(requests.head(node.url + urllib.parse.urlsplit(url).path, headers=dict(headers, **{"Tus-Resumable": "1.0.0"})).headers["Upload-Offset"])
    assert offset == 8 * 1024 * 1024

    def slow_body():
        yield data[offset:offset + 3 * 1024 * 1024]
        time.sleep(30)
        yield data[offset + 3 * 1024 * 1024:offset + 4 * 1024 * 1024]

    def send():
        try:
            requests.patch(node.url + urllib.parse.urlsplit(url).path, data=slow_body(), timeout=60, headers=dict(
                headers, **{"Tus-Resumable": "1.0.0", "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"}))
        except requests.RequestException:
            pass

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    time.sleep(1.5)
    node.process.send_signal(signal.SIGKILL)
    node.process.wait(timeout=10)
    # Another node takes the upload up where the store says it is: what was acknowledged, no more.
    other = force.node().start()
    head = requests.head(other.url + urllib.parse.urlsplit(url).path, headers=dict(headers, **{"Tus-Resumable": "1.0.0"}))
    assert head.status_code == 200
    assert int(head.headers["Upload-Offset"]) == offset
    resumed = tus.TusClient(other.url + "/uploads", headers=headers).uploader(
        file_stream=io.BytesIO(data), url=other.url + urllib.parse.urlsplit(url).path, chunk_size=4 * 1024 * 1024,
        upload_checksum=True, retries=10, retry_delay=1)
    resumed.upload()
    [item] = stored(other, force.token, interview["id"])
    assert item["state"] == "complete"
    assert item["sha256"] == hashlib.sha256(data).hexdigest()
    other.stop()


def signed_in(node, username):
    session = requests.Session()
    page = session.get(node.url + "/sign-in")
    response = session.post(node.url + "/sign-in", data={"_csrf": csrf(page.text), "username": username, "password": PASSWORD, "next": "/"},
                            allow_redirects=False)
    assert response.status_code == 303, response.text
    return session


def test_ranges_shares_the_bundle_and_tampering(force):
    interview = new_interview(force.first, force.token)
    data = recording(3 * 1024 * 1024 + 77, 3)
    tus.TusClient(force.first.url + "/uploads", headers={"Authorization": f"Bearer {force.token}"}).uploader(
        file_stream=io.BytesIO(data), chunk_size=2 * 1024 * 1024,
        metadata={"interview": interview["id"], "filename": "interview.mp4", "filetype": "video/mp4"}).upload()
    [item] = stored(force.first, force.token, interview["id"])
    officer = signed_in(force.first, "pc.kit")
    media = force.first.url + f"/evidence/{item['id']}/media"
    rng = random.Random(4)
    for _ in range(25):
        a = rng.randrange(len(data))
        b = min(len(data) - 1, a + rng.randrange(3 * 1024 * 1024))
        part = officer.get(media, headers={"Range": f"bytes={a}-{b}"})
        assert part.status_code == 206
        assert part.content == data[a:b + 1]
        assert part.headers["Content-Range"] == f"bytes {a}-{b}/{len(data)}"
    assert officer.get(media, headers={"Range": f"bytes={len(data)}-"}).status_code == 416

    # Shared with a prosecutor, who sees it; revoked, and at once refused.
    page = officer.get(force.first.url + f"/interviews/{interview['id']}")
    shared = officer.post(force.first.url + f"/interviews/{interview['id']}/shares", allow_redirects=False,
                          data={"_csrf": csrf(page.text), "username": "cps.reviewer", "days": "14", "download": "yes"})
    assert shared.status_code == 303
    cps = signed_in(force.first, "cps.reviewer")
    assert "/interviews/" + interview["id"] in cps.get(force.first.url + "/shared").text
    assert cps.get(media, headers={"Range": "bytes=0-99"}).content == data[:100]

    # The bundle, checked with sha256sum and the documented loop, as a defence expert would.
    bundle = cps.get(force.first.url + f"/interviews/{interview['id']}/bundle")
    assert bundle.status_code == 200
    out = pathlib.Path(tempfile.mkdtemp(prefix="bundle-"))
    with tarfile.open(fileobj=io.BytesIO(bundle.content)) as archive:
        archive.extractall(out, filter="data")
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    doc = (ROOT / "docs" / "evidence-bundle.md").read_text()
    loop = re.search(r"```sh\n(for dir in custody.*?)```", doc, re.S).group(1)
    chain = subprocess.run(["sh", "-c", loop], cwd=out, capture_output=True, text=True)
    assert chain.returncode == 0 and "BROKEN" not in chain.stdout, chain.stdout + chain.stderr
    manifest = __import__("json").loads((out / "manifest.json").read_text())
    assert manifest["items"][0]["sha256"] == hashlib.sha256(data).hexdigest()
    assert f"last hash {manifest['items'][0]['custody_head']}" in chain.stdout
    # An edited entry in the bundle is found by the same loop.
    entry = sorted((out / "custody" / item["id"].lower()).glob("0*.txt"))[1]
    entry.write_text(entry.read_text().replace("officer", "inspector"))
    broken = subprocess.run(["sh", "-c", loop], cwd=out, capture_output=True, text=True)
    assert "BROKEN" in broken.stdout

    page = officer.get(force.first.url + f"/interviews/{interview['id']}")
    share_id = re.search(r'/shares/([0-9A-Fa-f-]{36})/revoke', page.text).group(1)
    revoked = officer.post(force.first.url + f"/interviews/{interview['id']}/shares/{share_id}/revoke",
                           data={"_csrf": csrf(page.text)}, allow_redirects=False)
    assert revoked.status_code == 303
    assert cps.get(media, headers={"Range": "bytes=0-99"}).status_code == 403

    # verify: clean, then one byte flipped in the store is found and reported with where.
    assert force.first.cli("evidence", "verify", "--all").returncode == 0
    segment = next((force.tmp / "evidence" / "objects").rglob(item["id"].lower() + ".seg"))
    raw = bytearray(segment.read_bytes())
    raw[1024 * 1024 + 28 + 10] ^= 0x80
    segment.write_bytes(bytes(raw))
    result = force.first.cli("evidence", "verify", "--all", check=False)
    assert result.returncode != 0
    assert f"FAIL {item['id'].upper()}" in result.stdout.upper() and "segment 1" in result.stdout


@pytest.fixture()
def camera_driver():
    browser = chromium("420,900", camera=True)
    yield browser
    browser.quit()


def test_recording_in_the_browser_survives_a_dropped_connection(force, camera_driver):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    from a11y import assert_accessible
    from browser import sign_in, submit

    driver = camera_driver
    interview = new_interview(force.first, force.token)
    sign_in(driver, force.first, "pc.kit")
    driver.get(force.first.url + f"/crimes/{interview['crime_id']}/interviews/new")
    assert_accessible(driver)
    driver.get(force.first.url + f"/interviews/{interview['id']}/record")
    assert_accessible(driver)
    driver.find_element(By.ID, "start").click()
    WebDriverWait(driver, 15).until(lambda d: d.find_element(By.ID, "recorder").get_attribute("data-recording") == "true")
    started = time.monotonic()
    time.sleep(3)
    # The phone loses its connection for a while mid-interview; recording carries on.
    driver.set_network_conditions(offline=True, latency=0, download_throughput=0, upload_throughput=0)
    time.sleep(4)
    driver.set_network_conditions(offline=False, latency=50, download_throughput=500 * 1024, upload_throughput=256 * 1024)
    time.sleep(3)
    driver.find_element(By.ID, "stop").click()
    recorded_for = time.monotonic() - started
    WebDriverWait(driver, 90).until(lambda d: d.find_element(By.ID, "recorder").get_attribute("data-done") == "true")
    [item] = stored(force.first, force.token, interview["id"])
    assert item["state"] == "complete" and item["content_type"] == "video/webm"
    # The stored bytes are a playable recording as long as the recording was (remuxed, as a player would).
    officer = signed_in(force.first, "pc.kit")
    data = officer.get(force.first.url + f"/evidence/{item['id']}/download").content
    assert hashlib.sha256(data).hexdigest() == item["sha256"]
    work = pathlib.Path(tempfile.mkdtemp(prefix="recording-"))
    (work / "in.webm").write_bytes(data)
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(work / "in.webm"), "-c", "copy", str(work / "out.mkv")], check=True)
    probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(work / "out.mkv")],
                           capture_output=True, text=True, check=True)
    duration = float(probe.stdout.strip())
    assert abs(duration - recorded_for) < 1.0, (duration, recorded_for)
    driver.get(force.first.url + f"/interviews/{interview['id']}")
    assert "Chain of custody" in driver.page_source
    assert_accessible(driver)
