#!/usr/bin/env python3
"""A forward HTTP proxy on 127.0.0.1 that only ever connects to 127.0.0.1, for tests/aws/trust.sh.

Plain requests arrive with an absolute URL ("POST http://kinesis.cdctop.test/ HTTP/1.1"). The
URL's host is only a name: --map NAME=PORT sends requests for NAME to 127.0.0.1:PORT, a URL whose
host is 127.0.0.1 goes to its own port, and anything else is answered 502 without connecting
anywhere. CONNECT (https through the proxy) is tunnelled the same way. Every request is logged
as "METHOD URL" (or "CONNECT host:port") to --log before it is forwarded.

Usage: fwd_proxy.py --port-file F [--log F] [--map NAME=PORT ...]
"""
import argparse
import os
import select
import socket
import socketserver
import sys
import threading
import urllib.parse


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--log")
    p.add_argument("--map", action="append", default=[])
    return p.parse_args()


ARGS = parse_args()
MAP = {k.lower(): int(v) for k, v in (m.split("=", 1) for m in ARGS.map)}
LOCK = threading.Lock()


def log(line):
    if ARGS.log:
        with LOCK, open(ARGS.log, "a") as f:
            f.write(line + "\n")


def upstream_port(host, port):
    if host.lower() in MAP:
        return MAP[host.lower()]
    if host in ("127.0.0.1", "localhost"):
        return port
    return None


def read_head(f):
    lines = []
    while True:
        line = f.readline(65536)
        if not line:
            return None
        lines.append(line)
        if line in (b"\r\n", b"\n"):
            return lines


def pump(a, b):
    socks = [a, b]
    while True:
        r, _, _ = select.select(socks, [], [], 30)
        if not r:
            return
        for s in r:
            data = s.recv(65536)
            if not data:
                return
            (b if s is a else a).sendall(data)


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        while True:
            head = read_head(self.rfile)
            if not head:
                return
            method, target, version = head[0].decode("latin-1").split()
            log("%s %s" % (method, target))
            if method == "CONNECT":
                return self.connect(target)
            if not self.forward(method, target, version, head[1:]):
                return

    def bad_gateway(self):
        self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    def connect(self, target):
        host, _, port = target.rpartition(":")
        up = upstream_port(host, int(port))
        if up is None:
            return self.bad_gateway()
        with socket.create_connection(("127.0.0.1", up), timeout=10) as s:
            self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self.wfile.flush()
            pump(self.connection, s)

    def forward(self, method, target, version, headers):
        u = urllib.parse.urlsplit(target)
        up = upstream_port(u.hostname or "", u.port or 80)
        length = 0
        for h in headers:
            name, _, value = h.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        body = self.rfile.read(length) if length else b""
        if up is None:
            self.bad_gateway()
            return False
        path = u.path or "/"
        if u.query:
            path += "?" + u.query
        kept = [h for h in headers if not h.lower().startswith((b"proxy-", b"connection:"))]
        request = ("%s %s %s\r\n" % (method, path, version)).encode("latin-1")
        request += b"".join(h for h in kept if h not in (b"\r\n", b"\n"))
        request += b"Connection: close\r\n\r\n" + body
        with socket.create_connection(("127.0.0.1", up), timeout=10) as s:
            s.sendall(request)
            reply = b""
            while True:
                data = s.recv(65536)
                if not data:
                    break
                reply += data
        head, sep, rest = reply.partition(b"\r\n\r\n")
        lines = [l for l in head.split(b"\r\n") if not l.lower().startswith(b"connection:")]
        self.wfile.write(b"\r\n".join(lines) + b"\r\nConnection: close" + sep + rest)
        self.wfile.flush()
        return False  # one request per client connection, said in the reply


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    server = Server(("127.0.0.1", 0), Handler)
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
