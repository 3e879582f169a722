#!/usr/bin/env python3
"""A loopback stand-in for the EC2 instance metadata service (IMDSv2) and for the container
credentials endpoint, for tests/aws/creds.sh.

IMDSv2 as EC2 serves it: PUT /latest/api/token needs x-aws-ec2-metadata-token-ttl-seconds
and returns a session token; every GET must carry it in x-aws-ec2-metadata-token, else 401.
Each fetch of the role's credentials returns the next key pair from --keys (or a made-up one)
with an Expiration --expiry seconds ahead, so a client that refreshes shows a new key each time.

It also answers STS AssumeRoleWithWebIdentity (POST /sts, unsigned, form body) when the
WebIdentityToken equals the contents of --web-token-file.

Usage: imds_stub.py --port-file F [--log F] [--expiry S] [--keys F] [--role NAME]
                    [--region R] [--mode ok|bad-code|no-role] [--container-token T]
                    [--web-token-file F]
"""
import argparse
import datetime
import http.server
import json
import os
import secrets
import sys
import threading
import urllib.parse
from xml.sax.saxutils import escape


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--log")
    p.add_argument("--expiry", type=float, default=3600)
    p.add_argument("--keys", help="JSON list of [access_key_id, secret] pairs to hand out in turn")
    p.add_argument("--role", default="cdctop-test-role")
    p.add_argument("--region", default="eu-west-3")
    p.add_argument("--mode", default="ok", choices=["ok", "bad-code", "no-role"])
    p.add_argument("--container-token")
    p.add_argument("--web-token-file")
    return p.parse_args()


ARGS = parse_args()
TOKENS = set()
LOCK = threading.Lock()
STATE = {"fetches": 0}
KEYS = []
if ARGS.keys:
    with open(ARGS.keys) as f:
        KEYS = json.load(f)


def log(line):
    if ARGS.log:
        with LOCK, open(ARGS.log, "a") as f:
            f.write(line + "\n")


def next_credentials():
    with LOCK:
        n = STATE["fetches"]
        STATE["fetches"] += 1
    if KEYS:
        akid, secret = KEYS[n % len(KEYS)]
    else:
        akid, secret = "ASIASTUB%012d" % n, secrets.token_urlsafe(30)
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=ARGS.expiry)
    return {
        "Code": "Success",
        "LastUpdated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Type": "AWS-HMAC",
        "AccessKeyId": akid,
        "SecretAccessKey": secret,
        "Token": "" if KEYS else "stub-session-token-%d" % n,
        "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body, ctype="text/plain"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def drain(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)

    def do_PUT(self):
        self.drain()
        ttl = self.headers.get("x-aws-ec2-metadata-token-ttl-seconds")
        log("PUT %s ttl=%s" % (self.path, ttl))
        if self.path != "/latest/api/token":
            return self.reply(404, "not found")
        if ttl is None or not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            return self.reply(400, "missing or bad x-aws-ec2-metadata-token-ttl-seconds")
        token = secrets.token_urlsafe(24)
        with LOCK:
            TOKENS.add(token)
        return self.reply(200, token)

    def do_GET(self):
        token = self.headers.get("x-aws-ec2-metadata-token")
        with LOCK:
            valid = token in TOKENS
        log("GET %s token=%s" % (self.path, "valid" if valid else ("bad" if token else "none")))
        if self.path == "/container-creds":
            return self.container()
        if not valid:
            return self.reply(401, "Unauthorized")
        base = "/latest/meta-data/iam/security-credentials/"
        if self.path == "/latest/meta-data/placement/region":
            return self.reply(200, ARGS.region)
        if self.path == base:
            if ARGS.mode == "no-role":
                return self.reply(404, "not found")
            return self.reply(200, ARGS.role + "\n")
        if self.path == base + ARGS.role:
            if ARGS.mode == "bad-code":
                body = {"Code": "AssumeRoleUnauthorizedAccess", "Message": "EC2 cannot assume the role",
                        "LastUpdated": "2026-01-01T00:00:00Z"}
                return self.reply(200, json.dumps(body), "application/json")
            return self.reply(200, json.dumps(next_credentials()), "application/json")
        return self.reply(404, "not found")

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(n).decode(), keep_blank_values=True)
        signed = "Authorization" in self.headers
        log("POST %s action=%s signed=%s" % (self.path, form.get("Action", ["?"])[0], signed))
        if self.path != "/sts" or form.get("Action") != ["AssumeRoleWithWebIdentity"]:
            return self.reply(404, "not found")
        with open(ARGS.web_token_file) as f:
            want = f.read().strip()
        if signed or form.get("WebIdentityToken") != [want] or "RoleArn" not in form:
            body = ("<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>"
                    "<Message>the web identity token was not accepted</Message></Error></ErrorResponse>")
            return self.reply(400, body, "text/xml")
        c = next_credentials()
        body = ("<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                "<AssumeRoleWithWebIdentityResult><Credentials>"
                "<SessionToken>%s</SessionToken><SecretAccessKey>%s</SecretAccessKey>"
                "<Expiration>%s</Expiration><AccessKeyId>%s</AccessKeyId></Credentials>"
                "<SubjectFromWebIdentityToken>%s</SubjectFromWebIdentityToken>"
                "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"
                % (escape(c["Token"]), escape(c["SecretAccessKey"]), c["Expiration"],
                   escape(c["AccessKeyId"]), escape(form["RoleSessionName"][0])))
        return self.reply(200, body, "text/xml")

    def container(self):
        auth = self.headers.get("Authorization")
        if ARGS.container_token is not None and auth != ARGS.container_token:
            return self.reply(403, json.dumps({"message": "bad authorization token"}), "application/json")
        c = next_credentials()
        del c["Code"], c["LastUpdated"], c["Type"]
        return self.reply(200, json.dumps(c), "application/json")


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, ARGS.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
