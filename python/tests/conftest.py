# SPDX-License-Identifier: Apache-2.0
"""conftest.py - runs real flows into a temporary datastore once per session, for every test.

The flow programs come from the build directory: $MF_BUILD_DIR (CTest sets it), else ../../build
beside this package. A missing build is a failure, not a skip: a test suite that quietly tests
nothing is worse than a red one.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # import metaflow_c from the source tree

REPO = os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("MF_BUILD_DIR") or os.path.join(REPO, "build")


def _program(rel):
    path = os.path.join(BUILD, rel)
    if not os.access(path, os.X_OK):
        pytest.fail("flow program '%s' is missing: build first (cmake --build build) or set MF_BUILD_DIR" % path)
    return path


class Store:
    """A datastore root filled by real runs, and the program of each flow in it (for `dump`)."""

    def __init__(self, root):
        self.root = root
        self.programs = {}  # flow name -> program

    def run(self, program, *args, env=None, ok=True):
        full_env = dict(os.environ, **(env or {}))
        full_env.pop("MF_DATASTORE_ROOT", None)
        p = subprocess.run([program, *args, "--datastore-root", self.root], cwd=os.path.dirname(self.root),
                           env=full_env, capture_output=True, text=True, timeout=600)
        if ok and p.returncode != 0:
            pytest.fail("%s %s failed (%d): %s" % (program, " ".join(args), p.returncode, p.stderr))
        return p

    def dump_json(self, flow, spec):
        p = self.run(self.programs[flow], "dump", spec, "--json")
        return json.loads(p.stdout)

    def runs_json(self, flow):
        return json.loads(self.run(self.programs[flow], "runs", "--json").stdout)


def _flow_name(s, program):
    """The flow's name, as `runs --json` gives it (after the program ran once)."""
    return json.loads(s.run(program, "runs", "--json").stdout)[0]["flow"]


@pytest.fixture(scope="session")
def store(tmp_path_factory):
    """Every example run once, the typed flow, and a failed run of resume_flow that is resumed."""
    s = Store(str(tmp_path_factory.mktemp("store") / "ds"))
    examples = os.path.join(BUILD, "examples")
    if not os.path.isdir(examples):
        pytest.fail("no examples under '%s': build first or set MF_BUILD_DIR" % examples)
    names = sorted(n for n in os.listdir(examples) if os.access(os.path.join(examples, n), os.X_OK)
                   and os.path.isfile(os.path.join(examples, n)))
    if len(names) < 6:
        pytest.fail("only %d example programs under '%s'" % (len(names), examples))
    for n in names:
        prog = os.path.join(examples, n)
        s.run(prog, "run", "--quiet")
        s.programs[_flow_name(s, prog)] = prog
    typed = _program("tests/flows/py_types_flow")
    s.programs["PyTypesFlow"] = typed
    s.run(typed, "run", "--quiet", "--tag", "typed")
    s.run(typed, "run", "--quiet", "--label", "second", "--weight", "2")
    resume = _program("tests/flows/resume_flow")
    counter = os.path.join(os.path.dirname(s.root), "counter")
    env = {"MF_COUNTER": counter}
    failed = s.run(resume, "run", "--quiet", env=dict(env, MF_FAIL_AT="join"), ok=False)
    assert failed.returncode != 0, "resume_flow was asked to fail at 'join' and did not"
    s.run(resume, "resume", "--quiet", env=env)
    s.programs[_flow_name(s, resume)] = resume
    return s


@pytest.fixture
def copy_of(store, tmp_path):
    """A fresh copy of the session's store, for tests that damage or change it."""
    def make():
        dst = tmp_path / "copy"
        shutil.copytree(store.root, dst)
        return str(dst)
    return make
