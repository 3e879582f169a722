#!/usr/bin/env python3
"""A careless endpoint on 127.0.0.1, for tests/aws/trust.sh.

--mode echo (the default) answers every request with an error that quotes the whole request
back, headers and body, as a badly written proxy or a hostile endpoint might: STS form requests
get an STS XML ErrorResponse, JSON-protocol requests (X-Amz-Target) a JSON error, anything else
an HTML page. Whatever credentials the request carried (Authorization, X-Amz-Security-Token, a
WebIdentityToken in the body) are in the error text.

--mode kinesis answers like a Kinesis endpoint that has no streams: ListStreams is an empty list,
every other operation ResourceNotFoundException.

--tls CERT KEY serves HTTPS with that certificate instead of plain HTTP.

Every request is logged as "METHOD PATH target=X-Amz-Target action=Action" to --log.

Usage: echo_server.py --port-file F [--log F] [--mode echo|kinesis] [--tls CERT KEY]
"""
import argparse
import http.server
import json
import os
import ssl
import sys
import threading
import urllib.parse
from xml.sax.saxutils import escape


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--log")
    p.add_argument("--mode", default="echo", choices=["echo", "kinesis"])
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    return p.parse_args()


ARGS = parse_args()
LOCK = threading.Lock()


def log(line):
    if ARGS.log:
        with LOCK, open(ARGS.log, "a") as f:
            f.write(line + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body, ctype, extra=None):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace") if n else ""
        target = self.headers.get("X-Amz-Target") or ""
        action = urllib.parse.parse_qs(body).get("Action", [""])[0] if not target else ""
        log("%s %s target=%s action=%s" % (self.command, self.path, target, action))
        if ARGS.mode == "kinesis":
            return self.kinesis(target)
        echo = "%s %s | %s | %s" % (self.command, self.path,
                                    " | ".join("%s: %s" % kv for kv in self.headers.items()), body)
        if target:
            return self.reply(400, json.dumps({"__type": "AccessDeniedException",
                                               "message": "denied; your request was: " + echo}),
                              "application/x-amz-json-1.1")
        if action:
            xml = ("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>"
                   "<Type>Sender</Type><Code>AccessDenied</Code><Message>denied; your request was: "
                   "%s</Message></Error><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>"
                   "</ErrorResponse>" % escape(echo))
            return self.reply(403, xml, "text/xml")
        return self.reply(502, "<html><body><h1>Bad gateway</h1><pre>%s</pre></body></html>"
                          % escape(echo), "text/html")

    def kinesis(self, target):
        if target.endswith(".ListStreams"):
            return self.reply(200, json.dumps({"StreamNames": [], "HasMoreStreams": False}),
                              "application/x-amz-json-1.1")
        return self.reply(400, json.dumps({"__type": "ResourceNotFoundException",
                                           "message": "Stream cdc under account 123456789012 not found."}),
                          "application/x-amz-json-1.1")

    do_GET = do_POST = do_PUT = handle_any


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if ARGS.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(ARGS.tls[0], ARGS.tls[1])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
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
