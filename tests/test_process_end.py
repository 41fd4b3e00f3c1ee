"""A ``crmlake`` command ends its process without the interpreter's teardown (issue 16: 1.5-2 s CPU
after a pipeline run), but with everything a normal exit does for others: the exit code, threads
that are not daemons finished, exit handlers run, buffered output written."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
import atexit, threading, time
from tools.process_end import end_process
atexit.register(lambda: print("exit handler ran", end=""))
threading.Thread(target=lambda: (time.sleep(0.3), print("thread finished"))).start()
print("buffered, no newline ", end="")
end_process({code})
print("never printed")
"""


def _end(code) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # output into a pipe is buffered
    return subprocess.run([sys.executable, "-c", SCRIPT.format(code=code)], capture_output=True, text=True,
                          timeout=60, check=False, env=env)


def test_the_process_ends_with_its_code_after_threads_handlers_and_output():
    done = _end(3)
    assert done.returncode == 3
    assert done.stdout == "buffered, no newline thread finished\nexit handler ran"
    assert done.stderr == ""


def test_no_code_is_success():
    assert _end(None).returncode == 0


def test_main_with_arguments_returns_to_its_caller(monkeypatch):
    from tools import cli

    monkeypatch.setattr(cli, "cmd_status", lambda args: 7)  # the parser takes it when it is built
    assert cli.main(["status"]) == 7  # a test or a caller in-process keeps running
