#!/usr/bin/env python3
"""Regenerates foreign-signatures.json: requests signed by signers that are not ours.

The Swift tests only read the JSON; this script is kept so the fixture can be reproduced
(`python3 make_foreign_signatures.py > foreign-signatures.json`, needs botocore).

- "botocore": botocore's SigV4Auth, as used by SQL's official Python sample (APICommon.py), which
  signs every header it is given (`content-type;host;x-amz-date`) and signs the `/*` detail path as `/%2A`.
- "node-sample": an independent re-implementation of SQL's official Node sample (APICommon.js): it signs
  only `host;x-amz-date`, signs the detail path `/salesinvoice/*` as `/salesinvoice/`, builds the query with
  encodeURIComponent sorted by key, and also sends an unsigned `x-amz-content-sha256`.

The credentials are made up for the sandbox; the access key contains '/' like real SQL keys do.
"""
import datetime
import hashlib
import hmac
import json
import sys
from unittest import mock
from urllib.parse import quote

import botocore
import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCESS_KEY = "abcd1234.sql.my/ACCOUNTAPI"
SECRET_KEY = "sandbox/Secret+Key0123456789EXAMPLEabcdefgh"
SESSION_TOKEN = "FQoGZXIvYXdzEXAMPLE//sandbox-session-token=="
REGION = "ap-southeast-5"
SERVICE = "sqlaccount"
NOW = datetime.datetime(2026, 3, 15, 8, 30, 0, tzinfo=datetime.timezone.utc)

INVOICE_BODY = json.dumps({
    "code": "300-A0001",
    "docno": "IV-00001",
    "docdate": "2026-03-15",
    "description": "Shopee order 2603150001 – Kedai Ém",
    "sdsdocdetail": [
        {"itemcode": "ANT", "qty": "1.00", "unitprice": "100.00", "tax": "SV", "taxrate": "8%"}
    ],
}, ensure_ascii=False)


def botocore_signed(method, url, body, headers, token=None):
    request = AWSRequest(method, url, headers=dict(headers), data=body.encode("utf-8"))
    auth = SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY, token), SERVICE, REGION)
    # Record the intermediate texts botocore computes inside add_auth (recomputing them afterwards would
    # include the Authorization header it has just added).
    seen = {}
    original_canonical_request = auth.canonical_request
    original_string_to_sign = auth.string_to_sign

    def spy_canonical_request(req):
        seen["canonicalRequest"] = original_canonical_request(req)
        return seen["canonicalRequest"]

    def spy_string_to_sign(req, canonical):
        seen["stringToSign"] = original_string_to_sign(req, canonical)
        return seen["stringToSign"]

    auth.canonical_request = spy_canonical_request
    auth.string_to_sign = spy_string_to_sign
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=NOW):
        auth.add_auth(request)
    canonical_request = seen["canonicalRequest"]
    string_to_sign = seen["stringToSign"]
    return {
        "name": None,
        "signer": "botocore " + botocore.__version__,
        "method": method,
        "url": url,
        "headers": [[name, value] for name, value in request.headers.items()],
        "body": body,
        "canonicalRequest": canonical_request,
        "stringToSign": string_to_sign,
    }


def encode_uri_component(text):
    # JavaScript's encodeURIComponent keeps A-Z a-z 0-9 - _ . ! ~ * ' ( ).
    return quote(text, safe="-_.!~*'()")


def node_sample_signed(method, host, path, signed_path, query, body):
    amz_date = NOW.strftime("%Y%m%dT%H%M%SZ")
    date_stamp = NOW.strftime("%Y%m%d")
    canonical_query = "&".join(
        f"{encode_uri_component(k)}={encode_uri_component(v)}" for k, v in sorted(query, key=lambda kv: kv[0])
    )
    payload_hash = hashlib.sha256(body.encode("utf-8")).hexdigest()
    canonical_headers = f"host:{host}\nx-amz-date:{amz_date}\n"
    signed_headers = "host;x-amz-date"
    canonical_request = "\n".join([method, signed_path, canonical_query, canonical_headers, signed_headers, payload_hash])
    scope = f"{date_stamp}/{REGION}/{SERVICE}/aws4_request"
    string_to_sign = "\n".join([
        "AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()
    ])

    def sign(key, msg):
        return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()

    key = sign(("AWS4" + SECRET_KEY).encode("utf-8"), date_stamp)
    key = sign(key, REGION)
    key = sign(key, SERVICE)
    key = sign(key, "aws4_request")
    signature = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    authorization = (
        f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/{scope}, SignedHeaders={signed_headers}, Signature={signature}"
    )
    url = f"https://{host}{path}" + (f"?{canonical_query}" if canonical_query else "")
    return {
        "name": None,
        "signer": "node-sample (re-implemented in Python)",
        "method": method,
        "url": url,
        "headers": [
            ["Content-Type", "application/json"],
            ["Host", host],
            ["X-Amz-Date", amz_date],
            ["x-amz-content-sha256", payload_hash],
            ["Authorization", authorization],
        ],
        "body": body,
        "canonicalRequest": canonical_request,
        "stringToSign": string_to_sign,
    }


def named(name, case):
    case["name"] = name
    return case


def main():
    json_headers = {"Host": "api.sql.my", "Content-Type": "application/json"}
    cases = [
        named("botocore-post-salesinvoice",
              botocore_signed("POST", "https://api.sql.my/salesinvoice", INVOICE_BODY, json_headers)),
        named("botocore-get-query",
              botocore_signed("GET", "https://api.sql.my/customer?offset=0&limit=50&companyname=Kedai%20Runcit%20Ali",
                              "", json_headers)),
        named("botocore-get-detail-star",
              botocore_signed("GET", "https://api.sql.my/salesinvoice/*?docno=IV-00001", "", json_headers)),
        named("botocore-post-session-token",
              botocore_signed("POST", "https://api.sql.my/salesinvoice", INVOICE_BODY, json_headers, SESSION_TOKEN)),
        named("node-sample-get-detail-star",
              node_sample_signed("GET", "api.sql.my", "/salesinvoice/*", "/salesinvoice/",
                                 [("docno", "IV-00001")], "")),
        named("node-sample-post-salesinvoice",
              node_sample_signed("POST", "api.sql.my", "/salesinvoice", "/salesinvoice", [], INVOICE_BODY)),
    ]
    fixture = {
        "comment": "Generated by make_foreign_signatures.py; do not edit by hand.",
        "accessKey": ACCESS_KEY,
        "secretKey": SECRET_KEY,
        "sessionToken": SESSION_TOKEN,
        "region": REGION,
        "service": SERVICE,
        "amzDate": NOW.strftime("%Y%m%dT%H%M%SZ"),
        "cases": cases,
    }
    json.dump(fixture, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
