"""The command line: tokens are shown once and can be revoked; bad arguments fail clearly; logs carry no
personal data."""
import re

import requests

from conftest import PASSWORD


def test_token_is_printed_once_stored_hashed_and_revocable(service):
    issued = service.cli("create-token", "--name", "records-bridge", "--role", "administrator")
    token_id, secret = re.search(r"Token ([0-9A-F-]{36}) .*\n(vc_\S+)", issued.stdout).groups()
    headers = {"Authorization": f"Bearer {secret}"}
    assert requests.get(service.url + "/api/v1/command-units", headers=headers).status_code == 200
    service.cli("revoke-token", token_id)
    assert requests.get(service.url + "/api/v1/command-units", headers=headers).status_code == 401
    database = service.env["VICTIMCARE_SQLITE_PATH"]
    import sqlite3
    with sqlite3.connect(database) as db:
        stored = db.execute("SELECT token_hash FROM api_tokens").fetchall()
    assert all(secret not in row[0] for row in stored)


def test_bad_arguments_fail_with_a_message(service):
    result = service.cli("create-user", "--username", "x y", "--name", "X", "--role", "wizard", check=False)
    assert result.returncode != 0
    assert "--role" in result.stdout + result.stderr
    assert "--username" in result.stdout + result.stderr
    result = service.cli("create-token", "--name", "t", "--role", "officer", check=False)
    assert result.returncode != 0
    assert "command unit" in (result.stdout + result.stderr).lower()


def test_demo_data_is_not_loaded_twice(service):
    result = service.cli("demo-data", "--crimes", "10")
    assert "already loaded" in result.stdout


def test_logs_hold_ids_and_events_not_personal_data(service, admin_token):
    headers = {"Authorization": f"Bearer {admin_token}"}
    body = {"reference": "SN/5550001/26", "offence_code": "049/00", "command_unit": "SN", "channel": "online",
            "occurred_at": "2026-11-01T10:00:00Z", "reported_at": "2026-11-01T11:00:00Z",
            "victims": [{"person": {"given_name": "Perdita", "family_name": "Xanthopoulou", "phone": "07700 900999", "email": "perdita@example.org"}}]}
    assert requests.post(service.url + "/api/v1/crimes", json=body, headers=headers).status_code == 201
    requests.get(service.url + "/api/v1/crimes?name=Xanthopoulou", headers=headers)
    requests.get(service.url + "/api/v1/people?name=Perdita+Xanthopoulou", headers=headers)
    log = service.log_text()
    for secret in ("Xanthopoulou", "Perdita", "900999", "perdita@example.org", admin_token, PASSWORD):
        assert secret not in log
    assert '"route":"\\/api\\/v1\\/crimes"' in log
