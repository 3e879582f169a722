"""Checks that one snapshot set's JSON, text and HTML say the same thing about every table:
rates, latency percentiles, record-size headroom and its level. Each figure is computed once, in
the core; this reads it back from all three artefacts, independently, and compares what each
printed with the JSON's exact value, to the precision printed.

usage: agree.py SNAPSHOT.json SNAPSHOT.txt SNAPSHOT.html
"""
import html.parser
import json
import re
import sys

failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL: " + msg)


def ok(msg):
    print("ok: " + msg)


def number(text):
    """A printed figure back to a number and the precision it was printed with."""
    t = text.strip().rstrip("%")
    mult = 1.0
    if t and t[-1] in "kMG":
        mult = {"k": 1e3, "M": 1e6, "G": 1e9}[t[-1]]
        t = t[:-1]
    decimals = len(t.split(".")[1]) if "." in t else 0
    return float(t) * mult, 0.5 * 10 ** -decimals * mult + 1e-9


def agrees(what, printed, exact):
    if exact is None:
        if printed.strip() not in ("-", ""):
            fail("%s: printed %r where the JSON has no value" % (what, printed))
        return
    try:
        value, tol = number(printed)
    except ValueError:
        fail("%s: %r is not a number (JSON %r)" % (what, printed, exact))
        return
    if abs(value - exact) > tol:
        fail("%s: printed %s, JSON %r" % (what, printed, exact))


def table_name(t):
    return t["schema"] + "." + t["table"]


with open(sys.argv[1], encoding="utf-8") as f:
    snap = json.load(f)
with open(sys.argv[2], encoding="utf-8") as f:
    text = f.read()
with open(sys.argv[3], encoding="utf-8") as f:
    page = f.read()

tables = {table_name(t): t for t in snap["tables"]}
tables["(all tables)"] = snap["all"]
checked = 0

# --- the text: Overview lines ---------------------------------------------------------------------
overview = text.split("==== Overview ====")[1].split("====")[0]
for line in overview.splitlines():
    words = line.replace("(all tables)", "(all_tables)").split()
    if words and words[0] == "(all_tables)":
        words[0] = "(all tables)"
    if not words or words[0] not in tables:
        continue
    t = tables[words[0]]
    name = words[0]
    # from the left: name, 1s/s, 10s/s, mix; from the right: p50, p99, max, head, last
    rate1, rate10 = words[1], words[2]
    p50, p99, _max, head = words[-5], words[-4], words[-3], words[-2]
    agrees(name + " overview 1s/s", rate1, t["rate_per_s"]["1s"])
    agrees(name + " overview 10s/s", rate10, t["rate_per_s"]["10s"])
    lat = t["latency_ms"]["commit_to_emit"]
    agrees(name + " overview p50", p50, lat["p50"])
    agrees(name + " overview p99", p99, lat["p99"])
    agrees(name + " overview headroom", head, t["size_bytes"]["headroom_pct"])
    checked += 1

# --- the text: Table detail sections ----------------------------------------------------------------
stages = {"commit→emit": "commit_to_emit", "emit→arrival": "emit_to_arrival",
          "arrival→processed": "arrival_to_processed"}
for name, t in tables.items():
    if name == "(all tables)":
        continue
    part = text.split("==== Table detail: %s ====" % name)
    if len(part) < 2:
        fail("no Table detail section for " + name)
        continue
    sec = part[1].split("====")[0]
    m = re.search(r"rate 1s (\S+)\s+rate 10s (\S+)\s+rate 60s (\S+)", sec)
    if not m:
        fail(name + " detail: no rates line")
    else:
        for i, k in enumerate(("1s", "10s", "60s")):
            agrees("%s detail rate %s" % (name, k), m.group(i + 1), t["rate_per_s"][k])
    for label, key in stages.items():
        m = re.search(r"^ %s\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)" % re.escape(label), sec, re.M)
        lat = t["latency_ms"][key]
        if not m:
            fail("%s detail: no %s line" % (name, label))
            continue
        if m.group(1) == "-":
            agrees("%s detail %s" % (name, label), "-", lat["p50"])
            continue
        for i, q in enumerate(("p50", "p90", "p99", "max")):
            agrees("%s detail %s %s" % (name, label, q), m.group(i + 1), lat[q])
    m = re.search(r"headroom (\S+)", sec)
    agrees(name + " detail headroom", m.group(1) if m else "-", t["size_bytes"]["headroom_pct"])
    checked += 1


# --- the HTML: the Tables section -------------------------------------------------------------------
class Rows(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.section = None
        self.rows = []
        self.cell = None
        self.row = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "h2":
            self.section = a.get("id")
        elif tag == "tr" and self.section == "tables":
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = [a.get("class", ""), ""]

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append(self.cell)
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[1] += data


parser = Rows()
parser.feed(page)
head = [c[1] for c in parser.rows[0]] if parser.rows else []
for row in parser.rows[1:]:
    name = row[0][1].strip()
    name = "(all tables)" if name == "all tables" else name
    if name not in tables:
        fail("HTML row for unknown table %r" % name)
        continue
    t = tables[name]
    cells = {h: c for h, c in zip(head, row)}
    agrees(name + " html changes/s 10 s", cells["changes/s 10 s"][1], t["rate_per_s"]["10s"])
    agrees(name + " html changes/s 60 s", cells["60 s"][1], t["rate_per_s"]["60s"])
    agrees(name + " html commit→emit p50", cells["commit→emit p50 ms"][1],
           t["latency_ms"]["commit_to_emit"]["p50"])
    agrees(name + " html headroom", cells["headroom"][1], t["size_bytes"]["headroom_pct"])
    level = t["size_bytes"]["level"]
    classes = cells["headroom"][0].split()
    want = {"ok": None, "warn": "warn", "bad": "bad"}[level]
    if want and want not in classes or not want and ({"warn", "bad"} & set(classes)):
        fail("%s html headroom class %r, JSON level %s" % (name, cells["headroom"][0], level))
    checked += 1

levels = sorted({t["size_bytes"]["level"] for t in tables.values()})
print("checked %d table lines; headroom levels seen: %s" % (checked, ", ".join(levels)))
if checked < 11:
    fail("too few table lines found (%d)" % checked)
if failures:
    sys.exit(1)
ok("JSON, text and HTML agree")
