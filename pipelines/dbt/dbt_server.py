"""A warm dbt for one run: imports dbt once, then forks a copy of itself for each dbt step.

Every dbt step used to be a new Python process paying 1.5-3 s CPU to import dbt (and mashumaro
compiling dbt's classes) before dbt's first log line; a run has up to three dbt steps. The run
(:func:`serving`, in :func:`pipelines.runner.materialize`) starts this server as a child process,
which sets dbt_main's garbage collection, imports dbt and listens on a Unix socket in a private
(0700) temporary folder. ``dbt_main.py`` sends its command line, environment, folder, umask and
standard streams (the file descriptors themselves, SCM_RIGHTS); the server forks, and the copy puts
those streams on 0/1/2, moves to the folder, takes the environment and runs dbt's command line as
dbt_main would, from a state no dbt command has touched: dbt's global state (flags, adapters, event
loggers, invocation id) is set up inside each command, in the copy, never in the server. The exit
status goes back to dbt_main, which exits with it.

Why forking is safe here, and when the server says no (dbt_main then runs dbt itself):

- It forks only while it has one thread. ``import duckdb`` starts a DuckDB worker thread (its
  default connection), so the adapter is left for each copy to import (~0.1 s); dbt's own imports
  start none. Before each fork the thread count is checked.
- What dbt's imports read from the environment is fixed in the copy (a decorator reading
  ``DBT_RECORDER_MODE``, ``DBT_MACRO_DEBUGGING``, networkx's settings, Python's own ``PYTHON*``,
  locale and time zone): a command whose environment differs from the server's in anything but
  the per-command ``DBT_*`` and ``CRMLAKE_*`` settings (and ``PWD``) is refused, and so is one
  from another Python (executable, ``sys.path``, flags).
- The copy builds ``sys.stdin/stdout/stderr`` as Python builds them at start, with the caller's
  settings, so the bytes and their buffering are those of a dbt process of its own.

Signals: dbt_main forwards SIGINT, SIGTERM, SIGHUP and SIGQUIT to the copy; if dbt_main dies
without a word (SIGKILL) its socket closes and the copy is killed. The server ends when the run
closes its standard input (at the run's end, or when the run process dies), killing any copy
still running.

Run as ``python -P dbt_server.py FD`` (FD: the listening socket, bound by :func:`serving`).
"""

from __future__ import annotations

import io
import json
import logging
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipelines.dbt import dbt_main

log = logging.getLogger(__name__)

# Environment variables dbt's imports read (found by recording os.environ while importing
# dbt.cli.main: tests/test_dbt_server.py); the other DBT_*, CRMLAKE_* and KMP_* ones are read per command.
READ_AT_IMPORT = frozenset({
    "DBT_MACRO_DEBUGGING", "DBT_PACKAGE_HUB_URL",
    "DBT_RECORDER_MODE", "DBT_RECORDER_TYPES", "DBT_RECORDER_ROW_LIMIT",
    "DBT_ENGINE_RECORDER_MODE", "DBT_ENGINE_RECORDER_TYPES", "DBT_ENGINE_RECORDER_ROW_LIMIT",
})
# KMP_*: Intel's OpenMP runtime, which neither dbt nor DuckDB loads; scikit-learn sets two of them
# when the run imports it, after `crmlake run` has started the server (run_what_changed.py)
PER_COMMAND_PREFIXES = ("DBT_", "CRMLAKE_", "KMP_")
PER_COMMAND = frozenset({"PWD", "OLDPWD"})  # the shell line of project.py moves to the lakehouse
_STREAM_NAMES = ("<stdin>", "<stdout>", "<stderr>")
# what dagster-dbt adds to a dbt process's environment (dagster_dbt.core.resource): the server
# starts with it, so that a step's environment read at import is the server's
DAGSTER_DBT_ENV = {"PYTHONUNBUFFERED": "1", "DAGSTER_DBT_CLI": "true"}
_HELD = {signal.SIGTERM, *dbt_main.FORWARDED_SIGNALS}  # held while forking


def differs_at_import(server_env: dict[str, str], command_env: dict[str, str]) -> list[str]:
    """Environment variables a forked copy would see with the server's values, not the command's."""
    names = set(server_env) | set(command_env)
    return sorted(
        name for name in names
        if server_env.get(name) != command_env.get(name)
        and (name in READ_AT_IMPORT or not (name in PER_COMMAND or name.startswith(PER_COMMAND_PREFIXES)))
    )


def refusal(started_env: dict[str, str], request: dict) -> str | None:
    """Why this server cannot run ``request`` as a process of its own would, or None."""
    if request.get("python") != [sys.executable, sys.path, list(sys.flags)]:
        return "another Python (executable, sys.path or flags)"
    if changed := differs_at_import(started_env, request["env"]):
        return f"environment read at import differs: {', '.join(changed[:5])}"
    threads = len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else threading.active_count()
    if threads != 1:
        return f"the server has {threads} threads"
    return None


@dataclass
class _Command:
    connection: socket.socket
    pid: int
    pidfd: int


def serve(listener: socket.socket) -> dict | None:
    """Take commands until standard input closes (None); in a forked copy, its command."""
    started_env = dict(os.environ)
    running: dict[int, _Command] = {}
    said: set[str] = set()
    while True:
        by_pidfd = {c.pidfd: c for c in running.values()}
        by_socket = {c.connection.fileno(): c for c in running.values()}
        stopping = False
        try:
            ready, _, _ = select.select([0, listener, *by_pidfd, *by_socket], [], [])
        except _Stop:
            stopping, ready = True, []
        for fd in ready:
            if fd in by_pidfd:  # a copy ended: its status to dbt_main
                command = by_pidfd[fd]
                _, status = os.waitpid(command.pid, 0)
                _send(command.connection, {"status": os.waitstatus_to_exitcode(status)})
                command.connection.close()
                os.close(command.pidfd)
                del running[command.pid]
        for fd in ready:
            if fd in by_socket and by_socket[fd].pid in running and not _still_there(by_socket[fd].connection):
                os.kill(by_socket[fd].pid, signal.SIGKILL)  # dbt_main is gone: so is its dbt
        if stopping or (0 in ready and not os.read(0, 4096)):
            for command in running.values():
                os.kill(command.pid, signal.SIGKILL)
                os.waitpid(command.pid, 0)
            return None
        if listener in ready:
            forked = _take(listener, started_env, running, said)
            if forked is not None:
                return forked


def _take(listener: socket.socket, started_env: dict, running: dict, said: set) -> dict | None:
    connection, _ = listener.accept()
    fds: list[int] = []
    try:
        connection.settimeout(30)
        header, fds, _, _ = socket.recv_fds(connection, dbt_main._LENGTH.size, 3)
        (length,) = dbt_main._LENGTH.unpack(header)
        body = b""
        while len(body) < length and (chunk := connection.recv(length - len(body))):
            body += chunk
        request = json.loads(body)
        connection.settimeout(None)
    except (OSError, ValueError, struct.error):
        _close(connection, fds)
        return None
    reason = "no standard streams came" if len(fds) != 3 else refusal(started_env, request)
    if reason is not None:
        if reason not in said:  # once per reason and run: the step still runs, on its own
            said.add(reason)
            print(f"crmlake dbt server: a dbt step starts dbt itself ({reason})", file=sys.stderr, flush=True)
        _send(connection, {"refused": reason})
        _close(connection, fds)
        return None
    sys.stdout.flush()
    sys.stderr.flush()
    signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)  # a signal now is the copy's or the server's
    pid = os.fork()
    if pid == 0:  # the copy: nothing of the server's but what dbt imported (become: the signals)
        for command in running.values():
            command.connection.close()
            os.close(command.pidfd)
        listener.close()
        connection.close()
        request["fds"] = fds
        return request
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)
    for fd in fds:
        os.close(fd)
    running[pid] = _Command(connection, pid, os.pidfd_open(pid))
    _send(connection, {"pid": pid})
    return None


def _still_there(connection: socket.socket) -> bool:
    try:
        return bool(connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT))
    except BlockingIOError:
        return True
    except OSError:
        return False


def _send(connection: socket.socket, message: dict) -> None:
    try:
        connection.sendall(json.dumps(message).encode() + b"\n")
    except OSError:
        pass  # dbt_main is gone; its copy was or will be killed


def _close(connection: socket.socket, fds: list[int]) -> None:
    for fd in fds:
        os.close(fd)
    connection.close()


def become(request: dict) -> None:
    """The forked copy takes on the command's process: signals, streams, folder, environment."""
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)
    for target, fd in enumerate(request["fds"]):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    os.umask(request["umask"])
    old = (sys.stdout, sys.stderr)
    sys.stdin, sys.stdout, sys.stderr = (
        _stdio(fd, settings) for fd, settings in enumerate(request["stdio"])
    )
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = sys.stdin, sys.stdout, sys.stderr
    # handlers made at import (dbt's first event logger) hold the server's streams
    loggers = [logging.getLogger(), *(v for v in logging.Logger.manager.loggerDict.values() if isinstance(v, logging.Logger))]
    for logger in loggers:
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream in old:
                handler.setStream(sys.stdout if handler.stream is old[0] else sys.stderr)


def _stdio(fd: int, settings: list) -> io.TextIOWrapper:
    """A standard stream as CPython makes it at start (Python/pylifecycle.c, create_stdio)."""
    encoding, errors, line_buffering, write_through = settings
    writing = fd != 0
    buffering = 0 if writing and write_through else -1
    buffer = open(fd, "wb" if writing else "rb", buffering=buffering, closefd=False)  # noqa: SIM115
    raw = buffer.raw if buffering else buffer
    raw.name = _STREAM_NAMES[fd]
    stream = io.TextIOWrapper(buffer, encoding, errors, "\n", line_buffering, write_through)
    stream.mode = "w" if writing else "r"
    return stream


class _Stop(Exception):
    """SIGTERM to the server."""


def _stop(*_) -> None:
    raise _Stop


def main(listening_fd: int) -> None:
    listener = socket.socket(fileno=listening_fd)  # bound by the run: a step never finds no socket
    signal.signal(signal.SIGTERM, _stop)  # ends the loop as a closed input does
    dbt_main.import_dbt()  # a dbt step that comes meanwhile waits in the socket's queue
    request = serve(listener)
    if request is None:
        return
    become(request)
    dbt_main.run_dbt(request["argv"])


# -- the run's side ----------------------------------------------------------------------------

@contextmanager
def serving(enabled: bool = True) -> Iterator[None]:
    """A dbt server for the dbt steps started inside (their dbt_main finds it in the environment).

    Inside another ``serving`` of this process, that one serves: ``crmlake run`` starts the server
    as soon as it knows something will run, so dbt's import overlaps Dagster's, and the run's own
    ``serving`` in :func:`pipelines.runner.materialize` finds it."""
    if not enabled or os.environ.get(dbt_main.SOCKET_ENV):
        yield
        return
    folder = Path(tempfile.mkdtemp(prefix="crmlake-dbt-"))  # 0700: only this user connects
    path = folder / "socket"
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
            listener.bind(str(path))
            listener.listen(16)
            server = subprocess.Popen(
                [sys.executable, "-P", __file__, str(listener.fileno())], pass_fds=[listener.fileno()],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, start_new_session=True,
                env={"PYTHONLEGACYWINDOWSSTDIO": "1", **os.environ, **DAGSTER_DBT_ENV},
            )
    except OSError as exc:
        log.warning("dbt server not started (%s): each dbt step starts dbt itself", exc)
        shutil.rmtree(folder, ignore_errors=True)
        yield
        return
    os.environ[dbt_main.SOCKET_ENV] = str(path)
    try:
        yield
    finally:
        os.environ.pop(dbt_main.SOCKET_ENV, None)
        if server.poll() is not None:
            log.warning("the dbt server ended during the run (exit %s): later dbt steps started dbt "
                        "themselves", server.returncode)
        server.stdin.close()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
