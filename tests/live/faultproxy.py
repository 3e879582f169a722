#!/usr/bin/env python3
"""A fault-injecting HTTP/1.1 proxy for the live tests (stdlib only, loopback only).

  faultproxy.py LISTEN_PORT UPSTREAM_PORT LOG

Forwards every request to 127.0.0.1:UPSTREAM_PORT, except when a fault rule matches. Rules are
added by POSTing JSON to /__fault on the proxy itself:

  {"op": "GetRecords", "action": "throttle", "count": 3}
  {"op": "*", "action": "drop", "seconds": 2}
  {"action": "refuse", "seconds": 3}

  op       the X-Amz-Target operation ("GetRecords", "GetShardIterator", ...) or "*"
  action   throttle  400 ProvisionedThroughputExceededException
           expired   400 ExpiredIteratorException
           error500  500 InternalFailure
           truncate  the upstream's answer cut in half (a malformed body)
           drop      the request read, the connection closed without an answer
           refuse    the listening socket closed (connection refused), and every open
                     connection dropped, for `seconds`
           paginate  ListShards answered one shard per page with NextToken, as AWS pages; a
                     NextToken sent together with StreamName/StreamARN is refused as AWS does
           expire_token  a ListShards with a NextToken answered ExpiredNextTokenException
  count    how many matching requests to hit (default 1); or
  seconds  for how long to hit every matching request

Every injected fault is logged as one line "FAULT <action> <op>" to LOG.
"""
import http.client
import json
import socket
import sys
import threading
import time

LOCK = threading.Lock()
RULES = []
REFUSE_UNTIL = [0.0]
LOG = [None]
PAGES = {}  # NextToken -> the shards left to list


def log(line):
    with LOCK:
        LOG[0].write(line + "\n")
        LOG[0].flush()


def take_rule(op, has_token):
    """The first rule matching op, used up by one hit; None when no fault applies."""
    now = time.time()
    with LOCK:
        for r in list(RULES):
            if r.get("until") and now >= r["until"]:
                RULES.remove(r)
                continue
            if r.get("op", "*") not in ("*", op):
                continue
            if r["action"] == "expire_token" and not has_token:
                continue
            if not r.get("until"):
                r["count"] -= 1
                if r["count"] <= 0:
                    RULES.remove(r)
            return r["action"]
    return None


def read_request(f):
    line = f.readline()
    if not line:
        return None
    method, path, _ = line.decode("latin-1").split(" ", 2)
    headers = {}
    while True:
        h = f.readline()
        if h in (b"\r\n", b"\n", b""):
            break
        k, v = h.decode("latin-1").split(":", 1)
        headers[k.strip().lower()] = v.strip()
    body = f.read(int(headers.get("content-length", "0")))
    return method, path, headers, body


def respond(conn, status, reason, body, ctype="application/x-amz-json-1.1"):
    head = "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n" % (
        status, reason, ctype, len(body))
    conn.sendall(head.encode() + body)


def aws_error(conn, status, name, message):
    respond(conn, status, "Error", json.dumps({"__type": name, "message": message}).encode())


def control(conn, body):
    rule = json.loads(body)
    if rule["action"] == "refuse":
        REFUSE_UNTIL[0] = time.time() + float(rule.get("seconds", 1))
    else:
        if "seconds" in rule:
            rule["until"] = time.time() + float(rule["seconds"])
        else:
            rule["count"] = int(rule.get("count", 1))
        with LOCK:
            RULES.append(rule)
    respond(conn, 200, "OK", b"{}", "application/json")


def paginate(conn, upstream, method, path, headers, body):
    """ListShards one shard per page, from one upstream listing per first page."""
    req = json.loads(body or b"{}")
    token = req.get("NextToken")
    if token and ("StreamName" in req or "StreamARN" in req):
        aws_error(conn, 400, "InvalidArgumentException",
                  "NextToken and StreamName cannot be provided together.")
        return
    if token:
        shards = PAGES.pop(token, None)
        if shards is None:
            aws_error(conn, 400, "InvalidArgumentException", "unknown NextToken")
            return
    else:
        status, reason, ctype, data = forward(upstream, method, path, headers, body)
        if status != 200:
            respond(conn, status, reason, data, ctype)
            return
        shards = json.loads(data)["Shards"]
    page = {"Shards": shards[:1]}
    if len(shards) > 1:
        token = "page-%d-%d" % (len(shards), int(time.time() * 1000))
        with LOCK:
            PAGES[token] = shards[1:]
        page["NextToken"] = token
    respond(conn, 200, "OK", json.dumps(page).encode())


def forward(upstream, method, path, headers, body):
    fwd = {k: v for k, v in headers.items() if k not in ("connection", "expect", "host")}
    fwd["host"] = "127.0.0.1:%d" % upstream
    c = http.client.HTTPConnection("127.0.0.1", upstream, timeout=60)
    try:
        c.request(method, path, body=body, headers=fwd)
        r = c.getresponse()
        return r.status, r.reason, r.getheader("content-type", "application/json"), r.read()
    finally:
        c.close()


def serve(conn, upstream):
    f = conn.makefile("rb")
    try:
        while True:
            req = read_request(f)
            if req is None:
                return
            method, path, headers, body = req
            if path.startswith("/__fault"):
                control(conn, body)
                continue
            op = headers.get("x-amz-target", "").split(".")[-1]
            if time.time() < REFUSE_UNTIL[0]:
                log("FAULT refuse %s" % op)
                return
            action = take_rule(op, b"NextToken" in body)
            if action:
                log("FAULT %s %s" % (action, op))
            if action == "drop":
                return
            if action == "throttle":
                aws_error(conn, 400, "ProvisionedThroughputExceededException",
                          "Rate exceeded for shard (injected)")
            elif action == "expired":
                aws_error(conn, 400, "ExpiredIteratorException",
                          "Iterator expired. The iterator was created at time X (injected)")
            elif action == "expire_token":
                aws_error(conn, 400, "ExpiredNextTokenException", "The token has expired.")
            elif action == "paginate":
                paginate(conn, upstream, method, path, headers, body)
            elif action == "error500":
                aws_error(conn, 500, "InternalFailure", "injected server error")
            else:
                status, reason, ctype, data = forward(upstream, method, path, headers, body)
                if action == "truncate":
                    data = data[: len(data) // 2]
                respond(conn, status, reason, data, ctype)
    except (OSError, ValueError):
        return
    finally:
        f.close()
        conn.close()


def listen(port):
    while True:
        try:
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
            s.listen(64)
            s.settimeout(0.1)
            return s
        except OSError:
            s.close()
            time.sleep(0.05)


def main():
    port, upstream = int(sys.argv[1]), int(sys.argv[2])
    LOG[0] = open(sys.argv[3], "a")
    s = listen(port)
    while True:
        if time.time() < REFUSE_UNTIL[0]:
            # Closed: new connections are refused until the time is up.
            s.close()
            while time.time() < REFUSE_UNTIL[0]:
                time.sleep(0.05)
            s = listen(port)
        try:
            conn, _ = s.accept()
        except socket.timeout:
            continue
        conn.settimeout(None)
        threading.Thread(target=serve, args=(conn, upstream), daemon=True).start()


if __name__ == "__main__":
    main()
