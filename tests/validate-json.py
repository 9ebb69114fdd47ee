#!/usr/bin/python3
"""Validates a JSON document against a JSON Schema (draft-04, -07 or
2020-12, as the schema's "$schema" says): tests/cli/96-schemas.bats checks
every JSON and SARIF document tjit writes with it.

usage: validate-json.py SCHEMA [FILE]   (FILE missing or '-': standard input)

Exits 0 when the document is valid; 1, with the validator's message on
stderr, when it is not (or is no JSON at all); 2 on a usage error. Run it
with Debian's python3 (python3-jsonschema): /usr/bin/python3."""
import json
import pathlib
import sys
import threading

import jsonschema


def strict_object(pairs):
    """A JSON object whose keys are unique (json.loads keeps the last)."""
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate key in {keys}")
    return dict(pairs)


def no_constant(name):
    raise ValueError(f"{name} is not JSON")


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[3], file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    text = sys.stdin.read() if len(argv) == 2 or argv[2] == "-" else open(argv[2], encoding="utf-8").read()
    try:
        document = json.loads(text, object_pairs_hook=strict_object, parse_constant=no_constant)
    except ValueError as e:
        print(f"validate-json: not JSON: {e}", file=sys.stderr)
        return 1
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    # "error.schema.json#/$defs/error" is read from beside SCHEMA; a
    # schema's own id (SARIF's, an https URL) is SCHEMA itself, never fetched
    store = {validator.ID_OF(schema): schema} if validator.ID_OF(schema) else {}
    resolver = jsonschema.RefResolver(pathlib.Path(argv[1]).resolve().as_uri(), schema, store=store)
    checker = validator(schema, resolver=resolver, format_checker=validator.FORMAT_CHECKER)
    error = jsonschema.exceptions.best_match(checker.iter_errors(document))
    if error is None:
        return 0
    where = "/".join(str(p) for p in error.absolute_path) or "(the document)"
    print(f"validate-json: {argv[1]}: at {where}: {error.message}", file=sys.stderr)
    return 1


def run_deep():
    """main on a thread with a large stack: the validator recurses per
    nesting level, and a jaxpr may nest sub-jaxprs 100 deep (limits.h)."""
    status = [1]
    sys.setrecursionlimit(200000)
    threading.stack_size(512 << 20)
    t = threading.Thread(target=lambda: status.__setitem__(0, main(sys.argv)))
    t.start()
    t.join()
    return status[0]


if __name__ == "__main__":
    sys.exit(run_deep())
