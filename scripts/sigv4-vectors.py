#!/usr/bin/env python3
"""Signs a set of S3 requests with botocore's SigV4 signer (the reference implementation) and prints them as
JSON: the Swift tests sign the same inputs and must produce the same Authorization header. The end-to-end
suite runs this again and compares with the committed file, so the vectors are botocore's, not ours.
    scripts/sigv4-vectors.py > Tests/VictimCareServerTests/Evidence/Fixtures/sigv4-botocore.json"""
import datetime
import hashlib
import json
import sys
import urllib.parse
from unittest import mock

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

CASES = [
    ("PUT", "/victimcare-evidence/uploads/0b0b0b0b-0000-4000-8000-000000000001/00000003", "", b"sealed segment bytes", {}),
    ("GET", "/victimcare-evidence/objects/0b0b0b0b-0000-4000-8000-000000000001", "", b"", {"Range": "bytes=1048604-2097207"}),
    ("GET", "/victimcare-evidence", "list-type=2&prefix=uploads%2F0b0b0b0b-0000-4000-8000-000000000001%2F", b"", {}),
    ("POST", "/victimcare-evidence/objects/0b0b0b0b-0000-4000-8000-000000000001", "uploads=", b"", {}),
    ("PUT", "/victimcare-evidence/objects/0b0b0b0b-0000-4000-8000-000000000001", "partNumber=2&uploadId=2~abc%2Bdef%3D%3D", b"",
     {"x-amz-copy-source": "/victimcare-evidence/uploads/0b0b0b0b-0000-4000-8000-000000000001/00000001"}),
    ("POST", "/victimcare-evidence/objects/0b0b0b0b-0000-4000-8000-000000000001", "uploadId=2~abc%2Bdef%3D%3D",
     b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;e1&quot;</ETag></Part></CompleteMultipartUpload>", {}),
    ("DELETE", "/victimcare-evidence/a key with spaces/and+plus/caf\u00e9", "", b"", {}),
    ("HEAD", "/victimcare-evidence/objects/x", "", b"", {"X-Amz-Meta-Note": "  two   spaces  "}),
]


def main():
    credentials = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    fixed = datetime.datetime(2026, 11, 30, 12, 34, 56)
    vectors = []
    for method, path, query, body, headers in CASES:
        url = "http://127.0.0.1:9000" + "/".join(urllib.parse.quote(part, safe="~") for part in path.split("/"))
        if query:
            url += "?" + query
        request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
        request.headers["X-Amz-Content-SHA256"] = hashlib.sha256(body).hexdigest()
        with mock.patch("botocore.auth.get_current_datetime", return_value=fixed):
            S3SigV4Auth(credentials, "s3", "eu-west-2").add_auth(request)
        signed = request.headers["Authorization"]
        names = signed.split("SignedHeaders=")[1].split(",")[0].split(";")
        sent = {k.lower(): v for k, v in request.headers.items()}
        sent["host"] = "127.0.0.1:9000"
        vectors.append({
            "method": method, "path": path,
            "query": [pair.split("=", 1) for pair in query.split("&")] if query else [],
            "headers": [[name, sent[name]] for name in names],
            "payload_sha256": hashlib.sha256(body).hexdigest(),
            "amz_date": sent["x-amz-date"], "authorization": signed,
        })
    json.dump({"access_key": credentials.access_key, "secret_key": credentials.secret_key, "region": "eu-west-2",
               "vectors": vectors}, sys.stdout, indent=1, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
