#!/usr/bin/python3
"""report_summary.py junit|html FILE: read a faultline --report file the way
a consumer does and print what it holds as one JSON object, for tests to
check with jq. Exit 1 when the file is not what it must be:

junit  parsed with xml.etree (what CI plugins use); the conventional
       attributes (tests, failures, errors, skipped, time) present on
       <testsuites> and every <testsuite>, and their counts equal to the
       testcases' own results.
html   parsed with html.parser; no external resource (no <script>,
       <link>, <img>, <iframe>, no src= or href= but a fragment, no url( in
       styles), one <svg id="timeline">; the counts of its marks."""
import json
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

ATTRS = ("tests", "failures", "errors", "skipped", "time")


def result_of(case):
    for tag in ("failure", "error", "skipped"):
        el = case.find(tag)
        if el is not None:
            return tag, el.get("message", ""), el.get("type", "")
    return "passed", "", ""


def junit(path):
    root = ET.parse(path).getroot()
    problems = []
    if root.tag != "testsuites":
        problems.append(f"the root is <{root.tag}>, not <testsuites>")
    suites = root.findall("testsuite")
    out = {"suites": len(suites), "cases": [], "properties": {}}
    for el in [root] + suites:
        for a in ATTRS:
            if el.get(a) is None:
                problems.append(f"<{el.tag}> has no {a}=")
    for s in suites:
        out["name"] = s.get("name")
        out["properties"] = {p.get("name"): p.get("value") for p in s.findall("properties/property")}
        counts = {"failure": 0, "error": 0, "skipped": 0}
        for c in s.findall("testcase"):
            res, msg, typ = result_of(c)
            if res in counts:
                counts[res] += 1
            if c.get("time") is None or c.get("name") is None or c.get("classname") is None:
                problems.append(f"testcase {c.get('name')!r} lacks name, classname or time")
            props = {p.get("name"): p.get("value") for p in c.findall("properties/property")}
            out["cases"].append({"name": c.get("name"), "result": res, "message": msg, "type": typ,
                                 "time": float(c.get("time", "0")), "properties": props,
                                 "out": (c.findtext("system-out") or "")})
        want = {"tests": len(s.findall("testcase")), "failures": counts["failure"],
                "errors": counts["error"], "skipped": counts["skipped"]}
        for k, v in want.items():
            if s.get(k) is not None and int(s.get(k)) != v:
                problems.append(f"testsuite says {k}={s.get(k)}, its testcases {v}")
        out.update(want)
    return out, problems


class Page(HTMLParser):
    FORBIDDEN = {"script", "link", "img", "iframe", "object", "embed"}

    def __init__(self):
        super().__init__()
        self.tags = {}
        self.classes = {}
        self.external = []
        self.ids = {}
        self.text_of = None
        self.svgs = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags[tag] = self.tags.get(tag, 0) + 1
        if tag in self.FORBIDDEN:
            self.external.append(f"<{tag}>")
        for k in ("src", "href", "xlink:href"):
            if k in a and not (a[k] or "").startswith("#"):
                self.external.append(f"{k}={a[k]}")
        if "url(" in (a.get("style") or ""):
            self.external.append("url( in a style")
        if tag == "svg" and a.get("id") == "timeline":
            self.svgs += 1
        for c in (a.get("class") or "").split():
            self.classes[c] = self.classes.get(c, 0) + 1
        if a.get("id"):
            self.text_of = a["id"]
            self.ids[a["id"]] = ""

    def handle_data(self, data):
        if self.text_of:
            self.ids[self.text_of] += data

    def handle_endtag(self, tag):
        self.text_of = None


def html(path):
    p = Page()
    text = open(path, encoding="utf-8").read()
    p.feed(text)
    problems = []
    if "url(" in text:
        p.external.append("url(")
    if p.external:
        problems.append("external resources: " + ", ".join(p.external))
    if p.svgs != 1:
        problems.append(f"{p.svgs} <svg id=timeline>, want 1")
    return {"tags": p.tags, "classes": p.classes, "ids": p.ids}, problems


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("junit", "html"):
        sys.exit(__doc__)
    try:
        out, problems = (junit if sys.argv[1] == "junit" else html)(sys.argv[2])
    except (ET.ParseError, UnicodeDecodeError, OSError) as e:
        sys.exit(f"{sys.argv[2]}: {e}")
    print(json.dumps(out))
    for p in problems:
        print(f"{sys.argv[2]}: {p}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
