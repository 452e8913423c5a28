#!/usr/bin/python3
"""check_schema.py DEF [FILE]: validate faultline --json output against
doc/faultline.schema.json's $defs/DEF. FILE (or stdin) holds one JSON
document, or one per line (events). Exit 0 when every document is valid;
otherwise print each error with its path and exit 1.

Debian's python3-jsonschema (4.10) is the validator: /usr/bin/python3 so
that another python on PATH does not hide it."""
import json
import os
import sys

import jsonschema

SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "doc",
                      "faultline.schema.json")


def documents(text):
    text = text.strip()
    if not text:
        return []
    try:
        return [json.loads(text)]
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    with open(SCHEMA) as f:
        schema = json.load(f)
    if sys.argv[1] not in schema["$defs"]:
        sys.exit(f"no $defs/{sys.argv[1]} in {SCHEMA}")
    one = dict(schema, oneOf=None)
    del one["oneOf"]
    one["$ref"] = "#/$defs/" + sys.argv[1]
    validator = jsonschema.Draft202012Validator(one)
    text = open(sys.argv[2]).read() if len(sys.argv) == 3 else sys.stdin.read()
    docs = documents(text)
    if not docs:
        sys.exit("no JSON document to check")
    bad = 0
    for i, doc in enumerate(docs):
        for err in validator.iter_errors(doc):
            bad += 1
            where = "/".join(str(p) for p in err.absolute_path) or "(top)"
            print(f"document {i + 1}: {where}: {err.message}", file=sys.stderr)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
