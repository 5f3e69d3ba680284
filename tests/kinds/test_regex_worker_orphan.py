"""A regex worker (grep's, and the searcher of command and http output) dies with the process that
started it: a run that ends while a check's regex
still runs (the check abandoned at its timeout) or that is killed leaves nothing spinning."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

STARTER = """
import json, os, sys
from certify.targets import textscan
proc = textscan._start_worker()
payload = {"root": ".", "files": [], "texts": ["a" * 40 + "b"],
           "jobs": [{"pattern": "(a+)+$", "over": "lines", "deadline": 0}]}
proc.stdin.write(json.dumps(payload).encode() + b"\\n")
proc.stdin.close()
print(proc.pid, flush=True)
proc.stdout.readline()  # {"start": 0}: the worker is in the runaway regex
os._exit(0)  # the run ends without stopping it
"""


SEARCHER = """
import json, os, subprocess, sys
from certify.kinds import command
head = {"patterns": [["out", "(a+)+$", 0]], "sizes": [["out", 41]]}
proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", command._SEARCHER, str(os.getpid())],
                        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
proc.stdin.write(json.dumps(head).encode() + b"\\n" + b"a" * 40 + b"b")
proc.stdin.close()
print(proc.pid, flush=True)
import time; time.sleep(0.5)  # the searcher is in the runaway regex
os._exit(0)  # the run ends without stopping it
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("starter", [STARTER, SEARCHER], ids=["grep-worker", "output-searcher"])
def test_a_worker_in_a_runaway_regex_dies_when_its_run_ends(starter: str) -> None:
    out = subprocess.run([sys.executable, "-c", starter], capture_output=True, text=True, timeout=30,
                         check=True).stdout
    pid = int(out.split()[0])
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    alive = _alive(pid)
    if alive:
        os.kill(pid, 9)
    assert not alive, "the regex worker outlived the run that started it"
