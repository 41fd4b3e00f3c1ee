"""dbt's command line as the pipeline starts it (pipelines/dbt/project.py), with the costs that
every dbt process paid taken down; what dbt builds and tests is the same.

Python's garbage collector: dbt's imports alone leave 130,000 objects that live until the process
ends (the manifest read from the saved parse adds more), and with Python's default thresholds the
young generation is collected every 700 allocations and the survivors are scanned again and again.
Here the young generation is collected every 50,000 allocations and the imported modules are
frozen out of the collections; unreachable cycles are still collected, later. With the log file
below, an S=1 one-day delta's three dbt processes took 15 % less CPU (docs/performance.md, the
same peak memory).

dbt's log file (``dbt.log`` in the target folder): dagster-dbt sets ``DBT_LOG_FORMAT=json`` for
the events it reads from stdout, and dbt's file log follows that format unless its own is set: a
JSON line per debug event, each SQL statement among them (an S=1 delta's file grew 5.1 MB as JSON,
1.1 MB as text). The file gets dbt's own format for files: text lines with time, level and thread,
the same debug events (unless the caller set ``DBT_LOG_FORMAT_FILE``). stdout stays JSON.

dbt's imports (1.5-3 s CPU a process): when the run started a dbt server
(:mod:`pipelines.dbt.dbt_server`, its socket in ``CRMLAKE_DBT_SERVER_SOCKET``), this process hands
its command line, environment, folder and standard streams to it, and a copy of the server, which
has imported dbt already, runs dbt on them; this process forwards the signals it gets to that copy
and exits as it did. Without a server, or when the server cannot take the command, dbt runs here.

Run as ``python -P dbt_main.py ARGS`` (``-P``: this folder is not put on ``sys.path``).
"""

from __future__ import annotations

import gc
import json
import os
import signal
import socket
import struct
import sys

SOCKET_ENV = "CRMLAKE_DBT_SERVER_SOCKET"
# signals that end or interrupt a dbt process; a served command's copy gets them as dbt would
FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
_LENGTH = struct.Struct("!I")  # a request's length, in front of it


def main() -> None:
    server = os.environ.pop(SOCKET_ENV, None)  # the server is no part of dbt's environment
    os.environ.setdefault("DBT_LOG_FORMAT_FILE", "debug")
    if server:
        status = run_served(server, sys.argv[1:])
        if status is not None:
            exit_as(status)
    import_dbt()
    run_dbt(sys.argv[1:])


def import_dbt() -> None:
    """dbt's imports, with the garbage collection above (the server does this once for a run)."""
    gc.set_threshold(50_000, 10, 10)  # the young generation; the older ones keep their defaults
    import dbt.cli.main  # noqa: F401

    gc.freeze()  # the imported modules: collections no longer scan them


def run_dbt(args: list[str]) -> None:
    from dbt.cli.main import cli

    sys.argv[:] = ["dbt", *args]
    cli()  # click's standalone mode: exits with dbt's exit code


def stream_settings(stream) -> list:
    """What Python chose for a standard stream at start (the server builds its copy's the same)."""
    return [stream.encoding, stream.errors, stream.line_buffering, stream.write_through]


def request(args: list[str]) -> dict:
    """What a served dbt command needs of this process, besides its standard streams."""
    umask = os.umask(0)
    os.umask(umask)
    return {
        "argv": args, "env": dict(os.environ), "cwd": os.getcwd(), "umask": umask,
        "python": [sys.executable, sys.path, list(sys.flags)],
        "stdio": [stream_settings(s) for s in (sys.stdin, sys.stdout, sys.stderr)],
    }


def run_served(path: str, args: list[str]) -> int | None:
    """dbt ``args`` run by the server at ``path``: its exit status (negative: the signal that ended
    it), or None when no server took the command (then nothing of it has run)."""
    try:
        body = json.dumps(request(args)).encode()
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.connect(path)
    except OSError:
        return None
    child = None
    pending: list[int] = []

    def forward(signum, _frame):
        if child is None:
            pending.append(signum)
        else:
            os.kill(child, signum)

    before = {s: signal.signal(s, forward) for s in FORWARDED_SIGNALS}
    with connection, connection.makefile("rb") as replies:
        try:
            socket.send_fds(connection, [_LENGTH.pack(len(body))], [0, 1, 2])
            connection.sendall(body)
            first = json.loads(replies.readline() or b"{}")
        except (OSError, ValueError):
            first = {}
        if "pid" not in first:  # refused, or the server went away: dbt runs here
            for signum, handler in before.items():
                signal.signal(signum, handler)
            for signum in pending:
                os.kill(os.getpid(), signum)
            return None
        child = first["pid"]
        for signum in pending:
            os.kill(child, signum)
        last = json.loads(replies.readline() or b"{}")
    if "status" not in last:
        print("dbt server: it ended while running this dbt command", file=sys.stderr)
        return 1
    return last["status"]


def exit_as(status: int) -> None:
    """Exit with the served command's status: its code, or the signal that ended it."""
    if status < 0:
        signal.signal(-status, signal.SIG_DFL)
        os.kill(os.getpid(), -status)
    sys.exit(status if status >= 0 else 128 - status)


if __name__ == "__main__":
    main()
