#!/usr/bin/env python3
"""Checks on snapshot sets for tests/artefacts/*.sh: check_artefacts.py COMMAND ARGS...

Exits 0 when the check holds, 1 with a message on stderr when it does not.
"""
import glob
import html.parser
import json
import os
import re
import sys
import unicodedata

HASH = re.compile(r"^~h:[0-9a-f]{16}$")
HASH_ANY = re.compile(r"~h:[0-9a-f]{16}")


def die(msg):
    sys.stderr.write(msg + "\n")
    sys.exit(1)


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def latest_json(path):
    """A JSON file, or the newest snapshot JSON in a directory."""
    if os.path.isdir(path):
        files = sorted(glob.glob(os.path.join(path, "cdctop-*.json")))
        if not files:
            die("no snapshot JSON in %s" % path)
        return files[-1]
    return path


def rows_of(snap, table):
    return [r for r in snap["rows"] if r["table"] == table]


def width(text):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def cmd_tables(txt, js):
    text = open(txt, encoding="utf-8").read()
    for t in load(js)["tables"]:
        name = "%s.%s" % (t["schema"], t["table"])
        if name not in text:
            die("%s does not name %s" % (txt, name))


def cmd_width(limit, *files):
    for path in files:
        for n, line in enumerate(open(path, encoding="utf-8").read().split("\n"), 1):
            if width(line) > int(limit):
                die("%s:%d is %d columns wide" % (path, n, width(line)))


def cmd_json(*files):
    for path in files:
        load(path)


class Page(html.parser.HTMLParser):
    """Collects the SVG charts and what each one draws, and every link and source."""

    def __init__(self):
        super().__init__()
        self.doctype = False
        self.svgs = []  # per <svg>: number of drawn shapes with real coordinates
        self.in_svg = False
        self.refs = []
        self.scripts = 0

    def handle_decl(self, decl):
        self.doctype = self.doctype or decl.lower() == "doctype html"

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name in ("src", "href", "xlink:href", "action", "srcset"):
            if name in a:
                self.refs.append(a[name] or "")
        if tag == "script" or tag == "iframe" or tag == "object" or tag == "embed":
            self.scripts += 1
        if tag == "svg":
            self.in_svg = True
            self.svgs.append(0)
        elif self.in_svg and drawn(tag, a):
            self.svgs[-1] += 1

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag == "svg":
            self.in_svg = False

    def handle_endtag(self, tag):
        if tag == "svg":
            self.in_svg = False


NUM = r"-?\d+(?:\.\d+)?"


def drawn(tag, a):
    """A shape with data: a polyline with points, a path with a d, a rect with an area."""
    if tag == "polyline":
        return len(re.findall(NUM + "," + NUM, a.get("points", ""))) >= 1
    if tag == "path":
        return len(re.findall(NUM, a.get("d", ""))) >= 4
    if tag == "rect":
        try:
            return float(a.get("width", 0)) > 0 and float(a.get("height", 0)) > 0
        except ValueError:
            return False
    return False


def check_page(path, min_charts=4):
    text = open(path, encoding="utf-8").read()
    p = Page()
    p.feed(text)
    p.close()
    if not p.doctype or not text.rstrip().endswith("</html>"):
        die("%s: not a complete HTML document" % path)
    if re.search(r"https?://", text, re.I):
        die("%s refers to %s" % (path, re.search(r"https?://\S*", text, re.I).group(0)))
    outside = [r for r in p.refs if not r.startswith("#")]
    if outside:
        die("%s links or loads %s" % (path, outside))
    if p.scripts:
        die("%s has a script, iframe, object or embed" % path)
    charts = [n for n in p.svgs if n > 0]
    if len(charts) < min_charts:
        die("%s: %d SVG charts with data (%s), expected %d" % (path, len(charts), p.svgs, min_charts))
    return p


def cmd_html(*files):
    for path in files:
        check_page(path)


def cmd_report(path, js, max_bytes, rows_per_table):
    """A report fit for a ticket: at most max_bytes, the verdict before the first section, every
    table named in each latency chart's legend, and rows_per_table rows of each table."""
    size = os.path.getsize(path)
    if size > int(max_bytes):
        die("%s is %d bytes, more than %s" % (path, size, max_bytes))
    text = open(path, encoding="utf-8").read()
    snap = load(js)
    verdict, first_h2 = text.find('<div class="verdict"'), text.find("<h2")
    if not 0 <= verdict < first_h2:
        die("the verdict (at %d) does not come before the first section (at %d)" % (verdict, first_h2))
    word = re.search(r'<p class="word \w+">(\w+)</p>', text[verdict:first_h2])
    if not word or word.group(1) != snap["verdict"]["word"]:
        die("the report's verdict %r is not the JSON's %r" % (word and word.group(1), snap["verdict"]["word"]))
    latency = text[text.index('<h2 id="latency">') : text.index('<h2 id="sizes">')]
    charts = latency.split("<h3>")[1:]
    if len(charts) != 3:
        die("%d latency charts, expected one per stage" % len(charts))
    names = ["%s.%s" % (t["schema"], t["table"]) for t in snap["tables"]]
    for chart in charts:
        stage = chart[: chart.index("</h3>")]
        if "<svg" not in chart or "<polyline" not in chart:
            die("the %s chart draws no line" % stage)
        legend = chart[chart.index('<ul class="legend">') :]
        legend = legend[: legend.index("</ul>")]
        missing = [n for n in names if n not in legend]
        if missing:
            die("the %s chart's legend lacks %s" % (stage, missing))
    rows = text.count('<td class="img">')
    want = sum(min(int(rows_per_table), t["rows_live"] + t["rows_deleted"]) for t in snap["tables"])
    if rows != want:
        die("%d rows in the report, expected %d" % (rows, want))
    print("%d bytes, %d tables, %s, %d rows" % (size, len(names), snap["verdict"]["word"], rows))


def fragments(value):
    """Printable stretches of a value, as they could appear in an artefact (at most 200 chars)."""
    for part in re.split(r"[\x00-\x1f\x7f]+", value):
        if len(part) >= 8:
            yield part[:200]


def cmd_values(js, table, column):
    seen = set()
    for r in rows_of(load(js), table):
        v = (r["row"] or {}).get(column)
        if isinstance(v, str):
            for f in fragments(v):
                if f not in seen:
                    seen.add(f)
                    print(f)


def cmd_samerows(plain, redacted):
    a, b = load(plain), load(latest_json(redacted))
    count = lambda s: sorted((r["schema"], r["table"], r["state"]) for r in s["rows"])
    if count(a) != count(b):
        die("the redacted run has other rows")


def cmd_redacted(path, table, column, *keep):
    s = load(latest_json(path))
    live = [r for r in rows_of(s, table) if r["row"]]
    if not live:
        die("no live rows in %s" % table)
    for r in live:
        v = r["row"].get(column)
        if v is not None and not (isinstance(v, str) and HASH.match(v)):
            die("%s.%s not redacted: %r" % (table, column, v))
        for k in keep:
            w = r["row"].get(k)
            if isinstance(w, str) and HASH.match(w):
                die("%s.%s redacted but should not be" % (table, k))


def cmd_redaction(path, columns, non_key):
    red = load(latest_json(path))["redaction"]
    if red is None or red["columns"] != json.loads(columns) or red["non_key_values"] != json.loads(non_key):
        die("redaction member is %r" % red)


def cmd_across(directory):
    sets = sorted(glob.glob(os.path.join(directory, "cdctop-*.json")))
    if not sets:
        die("no sets")
    by_row = {}
    for js in sets:
        base = js[: -len(".json")]
        raw = open(js, encoding="utf-8").read()
        in_json = set(HASH_ANY.findall(raw))
        in_txt = set(HASH_ANY.findall(open(base + ".txt", encoding="utf-8").read()))
        in_html = set(HASH_ANY.findall(open(base + ".html", encoding="utf-8").read()))
        if not in_json or not in_txt or not in_html:
            die("%s: hashes json %d, txt %d, html %d" % (base, len(in_json), len(in_txt), len(in_html)))
        if not in_txt <= in_json or not in_html <= in_json:
            die("%s: a hash in the text or the HTML is not in the JSON" % base)
        for r in json.loads(raw)["rows"]:
            ident = (r["schema"], r["table"], json.dumps(r["key"]), r["commit_ts_ns"])
            row = json.dumps(r["row"], sort_keys=True)
            if by_row.setdefault(ident, row) != row:
                die("the same row version differs between sets: %s" % (ident,))


def cmd_equal(plain, keyed):
    """customer_id hashed: the same id gives the same hash in orders and as the customers key."""
    a, b = load(plain), load(latest_json(keyed))
    plain_orders = {r["key"]["order_id"]: r["row"]["customer_id"] for r in rows_of(a, "orders") if r["row"]}
    hashed_orders = {r["key"]["order_id"]: r["row"]["customer_id"] for r in rows_of(b, "orders") if r["row"]}
    if set(plain_orders) != set(hashed_orders) or not plain_orders:
        die("orders differ between the runs")
    mapping, reverse = {}, {}
    for k, v in plain_orders.items():
        h = hashed_orders[k]
        if not HASH.match(h):
            die("orders.customer_id not redacted: %r" % h)
        if mapping.setdefault(v, h) != h:
            die("one value, two hashes: %s" % v)
        if reverse.setdefault(h, v) != v:
            die("two values, one hash: %s" % h)
    if len(mapping) == len(plain_orders):
        die("no customer has two orders: equality not exercised")
    customer_keys = {r["key"]["customer_id"] for r in rows_of(b, "customers")}
    plain_customers = {r["key"]["customer_id"] for r in rows_of(a, "customers")}
    shared = [v for v in mapping if v in plain_customers]
    if not shared:
        die("no customer both ordered and changed")
    for v in shared:
        if mapping[v] not in customer_keys:
            die("customer %s: its hash in orders is not its key in customers" % v)


def cmd_allvalues(js, configured_table, configured_column):
    """Every non-key value hashed; a configured key readable; any other key hashed in all rows of
    its table or in none."""
    s = load(js)
    pk = {t["table"]: set(t["pk"]["columns"]) for t in s["tables"]}
    key_hashed = {}
    n = 0
    for r in s["rows"]:
        for col, v in (r["row"] or {}).items():
            hashed = isinstance(v, str) and bool(HASH.match(v))
            if col in pk[r["table"]]:
                if r["table"] == configured_table and col == configured_column and hashed:
                    die("configured key column %s.%s redacted" % (r["table"], col))
                if key_hashed.setdefault((r["table"], col), hashed) != hashed:
                    die("key column %s.%s hashed in some rows only" % (r["table"], col))
            elif v is not None:
                if not hashed:
                    die("%s.%s not redacted: %r" % (r["table"], col, v))
                n += 1
    if n == 0:
        die("nothing redacted")
    if (configured_table, configured_column) not in key_hashed:
        die("no row of %s" % configured_table)


def png_pixels(path):
    """Width, height and rows of (r, g, b) tuples of an 8-bit RGB or RGBA PNG, stdlib only."""
    import struct
    import zlib

    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        die("%s is not a PNG" % path)
    pos, idat, hdr = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        die("unsupported PNG: depth %d, colour type %d, interlace %d" % (depth, ctype, interlace))
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[i : i + 3]) for i in range(0, stride, bpp)])
        prev = line
    return w, h, rows


def cmd_png(path, min_colours):
    """A screenshot that is not blank: many colours, and ink on a good part of the page."""
    w, h, rows = png_pixels(path)
    colours = set()
    inked = 0
    for row in rows[::2]:
        for px in row[::2]:
            colours.add(px)
            if px != (255, 255, 255):
                inked += 1
    share = inked / max(1, len(rows[::2]) * len(rows[0][::2]))
    print("%dx%d, %d colours, %.1f%% not white" % (w, h, len(colours), 100 * share))
    if len(colours) < int(min_colours) or share < 0.02:
        die("%s looks blank" % path)


COMMANDS = {name[4:]: fn for name, fn in globals().items() if name.startswith("cmd_")}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        die("usage: check_artefacts.py {%s} ARGS..." % ",".join(sorted(COMMANDS)))
    COMMANDS[sys.argv[1]](*sys.argv[2:])
