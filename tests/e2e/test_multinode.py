"""Several stateless app nodes on one PostgreSQL database: a session started on one node works on another,
and writes through both nodes at once are all kept."""
import concurrent.futures
import os
import pathlib
import re
import subprocess
import tempfile
import time
import urllib.parse
import uuid

import pytest
import requests

from conftest import PASSWORD, make_service

ADMIN_URL = os.environ.get("TEST_DATABASE_URL")
pytestmark = pytest.mark.skipif(not ADMIN_URL, reason="needs TEST_DATABASE_URL (the test script starts PostgreSQL)")


@pytest.fixture(scope="module")
def two_nodes():
    name = "vc_e2e_" + uuid.uuid4().hex[:12]
    subprocess.run(["psql", ADMIN_URL, "-qc", f"CREATE DATABASE {name}"], check=True)
    parts = urllib.parse.urlsplit(ADMIN_URL)
    database_url = urllib.parse.urlunsplit(parts._replace(path="/" + name))
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="victimcare-nodes-"))
    first = make_service(tmp, database_url)
    second = make_service(tmp, database_url)
    first.cli("migrate")
    first.cli("demo-data", "--crimes", "50", "--seed", "5", "--i-understand-this-is-not-live")
    first.cli("create-user", "--username", "pc.nodes", "--name", "PC Nodes", "--role", "officer", "--unit", "SN", "--password", PASSWORD)
    token = first.cli("create-token", "--name", "nodes", "--role", "administrator", "--quiet").stdout.strip()
    first.start()
    second.start()
    yield first, second, token
    first.stop()
    second.stop()


def csrf(html):
    return re.search(r'name="_csrf" value="([^"]+)"', html).group(1)


def test_a_session_from_one_node_works_on_the_other(two_nodes):
    first, second, _ = two_nodes
    browser = requests.Session()
    page = browser.get(first.url + "/sign-in")
    signed_in = browser.post(first.url + "/sign-in", data={"_csrf": csrf(page.text), "username": "pc.nodes", "password": PASSWORD, "next": "/"}, allow_redirects=False)
    assert signed_in.status_code == 303
    cookie = browser.cookies.get("vc_session")
    home = requests.get(second.url + "/", cookies={"vc_session": cookie}, allow_redirects=False)
    assert home.status_code == 303  # to the officer's own home page
    other = requests.get(second.url + home.headers["Location"], cookies={"vc_session": cookie}, allow_redirects=False)
    assert other.status_code == 200
    assert "My victims" in other.text
    # A form rendered by one node posts to the other.
    form = requests.get(second.url + "/people/new", cookies={"vc_session": cookie})
    created = requests.post(first.url + "/people", cookies={"vc_session": cookie}, allow_redirects=False,
                            data={"_csrf": csrf(form.text), "givenName": "Nodal", "familyName": "Person", "language": "en"})
    assert created.status_code == 303
    person = requests.get(second.url + created.headers["Location"], cookies={"vc_session": cookie})
    assert "Nodal Person" in person.text


def test_writes_through_both_nodes_at_once_are_all_kept(two_nodes):
    first, second, token = two_nodes
    headers = {"Authorization": f"Bearer {token}"}
    references = [f"SN/{n:07d}/99" for n in range(1, 61)]

    def record(index_and_reference):
        index, reference = index_and_reference
        node = (first, second)[index % 2]
        body = {"reference": reference, "offence_code": "049/00", "command_unit": "SN", "channel": "online",
                "occurred_at": "2026-11-01T10:00:00Z", "reported_at": "2026-11-01T11:00:00Z",
                "victims": [{"person": {"given_name": "Multi", "family_name": f"Node{index}"}}]}
        return requests.post(node.url + "/api/v1/crimes", json=body, headers=headers, timeout=30).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(record, enumerate(references)))
    assert statuses == [201] * len(references)
    # The same reference sent to both nodes at once: exactly one wins.
    duplicate = {"reference": "SN/7777777/99", "offence_code": "049/00", "command_unit": "SN", "channel": "online",
                 "occurred_at": "2026-11-01T10:00:00Z", "reported_at": "2026-11-01T11:00:00Z"}
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda n: requests.post((first, second)[n % 2].url + "/api/v1/crimes", json=duplicate, headers=headers, timeout=30).status_code, range(8)))
    assert sorted(results).count(201) == 1
    assert all(status in (201, 409, 422) for status in results)
    for reference in references:
        found = requests.get(second.url + "/api/v1/crimes", params={"reference": reference}, headers=headers).json()["items"]
        assert [item["reference"] for item in found] == [reference]


def test_both_nodes_match_people_against_one_person_index(two_nodes):
    """Issue 18: each person recorded twice at the same moment, once through each node; both nodes match against one
    index (each replays what the other appended to the log), so every pair ends in one cluster, no entry is lost
    or doubled, and either node shows the link."""
    first, second, _ = two_nodes
    token = first.cli("create-token", "--name", "nodes-sn", "--role", "officer", "--unit", "SN", "--quiet").stdout.strip()
    headers = {"Authorization": f"Bearer {token}"}
    people = [{"given_name": f"Chidi{n}", "family_name": "Okonkwo", "date_of_birth": f"19{60 + n}-0{1 + n % 9}-1{n % 9}",
               "phone": f"07700 91{n:04d}", "phone_safe": True} for n in range(20)]

    def post(job):
        node, body = job
        response = requests.post(node.url + "/api/v1/people", json=body, headers=headers, timeout=120)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    jobs = [job for body in people for job in ((first, body), (second, body))]
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(post, jobs))
    for _ in range(120):
        status = first.cli("linkage", "status").stdout
        if "waiting 0" in status:
            break
        time.sleep(0.5)
    assert "waiting 0" in status, status
    database_url = first.env["DATABASE_URL"]

    def query(sql):
        return subprocess.run(["psql", database_url, "-Atc", sql], check=True, capture_output=True, text=True).stdout.split()

    quoted = ",".join(f"'{i}'" for i in ids)
    assert query(f"SELECT COUNT(*) FROM linkage_log WHERE op = 'record' AND person_id IN ({quoted})") == ["40"]
    for n in range(20):
        pair = f"'{ids[2 * n]}','{ids[2 * n + 1]}'"
        assert query(f"SELECT COUNT(DISTINCT cluster_id) FROM linkage_clusters WHERE person_id IN ({pair})") == ["1"], n
    # Either node shows the link, whichever recorded which.
    browser = requests.Session()
    page = browser.get(second.url + "/sign-in")
    browser.post(second.url + "/sign-in", data={"_csrf": csrf(page.text), "username": "pc.nodes", "password": PASSWORD, "next": "/"})
    for node in (first, second):
        shown = browser.get(node.url + f"/people/{ids[0]}").text
        assert "Linked as the same person" in shown and f'href="/people/{ids[1]}"' in shown
