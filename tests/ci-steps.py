#!/usr/bin/python3
"""Prints the shell steps of a CI recipe of docs/ci/, read as the CI
service reads the YAML (tests/cli/93-ci-recipes.bats runs them):

  ci-steps.py github FILE NAME   the `run` of the step named NAME, of any job
  ci-steps.py gitlab FILE JOB    the `script` lines of JOB, one per line

Exit 1 with a message when there is no such step or job."""
import sys

import yaml


def github(doc, name):
    for job in doc.get("jobs", {}).values():
        for step in job.get("steps", []):
            if step.get("name") == name and "run" in step:
                return step["run"]
    return None


def gitlab(doc, job):
    script = doc.get(job, {}).get("script")
    return "".join(line + "\n" for line in script) if script else None


def main():
    kind, path, name = sys.argv[1:4]
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    text = {"github": github, "gitlab": gitlab}[kind](doc, name)
    if text is None:
        sys.exit(f"ci-steps: {path}: no {'step' if kind == 'github' else 'job'} '{name}'")
    sys.stdout.write(text)


main()
