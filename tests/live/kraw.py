#!/usr/bin/env python3
"""One SigV4-signed AWS JSON-protocol call, for what an installed AWS CLI cannot do (an
operation it does not know; SQS's JSON protocol, which CLI v2 before 2.13 does not speak).

  kraw.py [--sqs] ENDPOINT OPERATION JSON   prints the response body; exits 1 on an HTTP error

Keys and region come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION.
"""
import datetime
import hashlib
import hmac
import os
import sys
import urllib.error
import urllib.parse
import urllib.request


def sign(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def main():
    args = sys.argv[1:]
    sqs = args[0] == "--sqs"
    if sqs:
        args = args[1:]
    endpoint, op, body = args[0], args[1], args[2].encode()
    service = "sqs" if sqs else "kinesis"
    region = os.environ.get("AWS_REGION", "us-east-1")
    akid, secret = os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]
    host = urllib.parse.urlparse(endpoint).netloc
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    target = ("AmazonSQS." if sqs else "Kinesis_20131202.") + op
    ctype = "application/x-amz-json-1.0" if sqs else "application/x-amz-json-1.1"
    headers = {"content-type": ctype, "host": host, "x-amz-date": amz_date, "x-amz-target": target}
    signed = ";".join(sorted(headers))
    canonical = "\n".join(["POST", "/", ""] + ["%s:%s" % (k, headers[k]) for k in sorted(headers)]
                          + ["", signed, hashlib.sha256(body).hexdigest()])
    scope = "%s/%s/%s/aws4_request" % (day, region, service)
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    k = sign(("AWS4" + secret).encode(), day)
    k = sign(sign(sign(k, region), service), "aws4_request")
    sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
    req = urllib.request.Request(endpoint.rstrip("/") + "/", data=body, method="POST", headers={
        "Content-Type": ctype, "X-Amz-Date": amz_date, "X-Amz-Target": target,
        "Authorization": "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s"
                         % (akid, scope, signed, sig)})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            print(r.read().decode())
    except urllib.error.HTTPError as e:
        print(e.read().decode(), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
