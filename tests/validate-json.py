#!/usr/bin/python3
"""Validates a JSON document against a JSON Schema (draft-04, -07 or
2020-12, as the schema's "$schema" says): tests/cli/96-schemas.bats checks
every JSON and SARIF document tjit writes with it.

usage: validate-json.py SCHEMA [FILE]   (FILE missing or '-': standard input)

Exits 0 when the document is valid; 1, with the validator's message on
stderr, when it is not (or is no JSON at all); 2 on a usage error. Run it
with Debian's python3 (python3-jsonschema): /usr/bin/python3."""
import json
import sys

import jsonschema


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[3], file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    text = sys.stdin.read() if len(argv) == 2 or argv[2] == "-" else open(argv[2], encoding="utf-8").read()
    try:
        document = json.loads(text)
    except ValueError as e:
        print(f"validate-json: not JSON: {e}", file=sys.stderr)
        return 1
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    errors = sorted(validator(schema, format_checker=validator.FORMAT_CHECKER).iter_errors(document),
                    key=lambda e: list(e.absolute_path))
    for e in errors[:5]:
        where = "/".join(str(p) for p in e.absolute_path) or "(the document)"
        print(f"validate-json: {argv[1]}: at {where}: {e.message}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
