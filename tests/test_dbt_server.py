"""The run's dbt server (pipelines/dbt/dbt_server.py): a dbt step it serves behaves as a dbt process
of its own would (exit code, stdout events, tables, signals), and without it dbt runs as before.

A dbt step is started here as dagster-dbt starts it: ``python -P dbt_main.py ARGS``, stdout and
stderr one pipe, the environment dagster-dbt adds. A tiny dbt project on DuckDB stands in for the
lakehouse's (the pipeline tests run the real one with the server on: it is the default).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from kernel.settings import dbt_server
from pipelines.dbt import dbt_main
from pipelines.dbt.dbt_server import DAGSTER_DBT_ENV, READ_AT_IMPORT, differs_at_import, serving
from tools.tiny_dbt import dbt_command, write_tiny_project

MODELS = {
    "good.sql": "select 1 as x union all select 2",
    "bad.sql": "select * from no_such_table",
    # 10^11 rows: runs until it is stopped; 10^10: a few seconds
    "slow.sql": "select count(*) as n from range(100000000000)",
    "while.sql": "select count(*) as n from range(10000000000)",
}


@pytest.fixture
def project(tmp_path) -> Path:
    return write_tiny_project(tmp_path, MODELS)


def _env(project: Path, served: str | None) -> dict[str, str]:
    """dagster-dbt's environment for a dbt process (dagster_dbt.core.resource), and the server's socket."""
    env = {"PYTHONLEGACYWINDOWSSTDIO": "1", **os.environ, **DAGSTER_DBT_ENV, "DBT_LOG_FORMAT": "json",
           "DBT_TARGET_PATH": str(project / "target"), "DBT_LOG_PATH": str(project / "target")}
    env.pop(dbt_main.SOCKET_ENV, None)
    if served:
        env[dbt_main.SOCKET_ENV] = served
    return env


def _start(project: Path, args: list[str], served: str | None) -> subprocess.Popen:
    return subprocess.Popen(
        dbt_command(project, args), cwd=project, env=_env(project, served), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _dbt(project: Path, args: list[str], served: str | None) -> tuple[int, list[dict], int]:
    """Exit code, stdout events and the pid of the process that ran dbt (from its events)."""
    process = _start(project, args, served)
    out, _ = process.communicate(timeout=300)
    events = [json.loads(line) for line in out.decode().splitlines()]
    pids = {event["info"]["pid"] for event in events}
    assert len(pids) == 1, out
    return process.returncode, events, pids.pop()


def _shape(events: list[dict]) -> list[tuple[str, str, str]]:
    """Each event's name, level and message without its figures (times, counts, ids)."""
    return [(e["info"]["name"], e["info"]["level"], re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+(\.\d+)?", "#", e["info"]["msg"]))
            for e in events]


def _socket() -> str:
    return os.environ[dbt_main.SOCKET_ENV]


def test_a_served_step_exits_prints_and_builds_as_a_process_of_its_own(project):
    assert _dbt(project, ["run", "--select", "good"], None)[0] == 0  # the parse, saved for all below
    alone = [_dbt(project, args, None) for args in (["run", "--select", "good"], ["run", "--select", "bad"])]
    with serving():
        served = [_dbt(project, args, _socket()) for args in (["run", "--select", "good"], ["run", "--select", "bad"])]
    (good_code, good_events, _), (bad_code, bad_events, _) = alone
    assert (good_code, bad_code) == (0, 1)  # a failing model: dbt's exit code 1
    assert [code for code, _, _ in served] == [0, 1]
    assert _shape(served[0][1]) == _shape(good_events)
    assert _shape(served[1][1]) == _shape(bad_events)
    assert any(e["info"]["name"] == "LogModelResult" for e in served[0][1])
    with duckdb.connect(str(project.parent / "warehouse.duckdb"), read_only=True) as db:
        assert db.sql("select x from good order by x").fetchall() == [(1,), (2,)]
    log = (project / "target" / "dbt.log").read_text(encoding="utf-8")
    assert log.count("Running with dbt=") == 5 and not log.lstrip().startswith("{")  # dbt_main's text log


def test_a_click_usage_error_gives_its_code_and_message_through_the_server(project):
    def usage_error(served):
        process = subprocess.run([sys.executable, "-P", dbt_main.__file__, "run", "--no-such-option"], cwd=project,
                                 env=_env(project, served), capture_output=True, timeout=300)
        return process.returncode, process.stdout, process.stderr

    alone = usage_error(None)
    with serving():
        served = usage_error(_socket())
    assert alone[0] == 2 and b"No such option" in alone[2]
    assert served == alone


def test_without_a_server_dbt_runs_in_the_step_process(project, tmp_path):
    process = _start(project, ["run", "--select", "good"], str(tmp_path / "no-such-socket"))
    out, _ = process.communicate(timeout=300)
    events = [json.loads(line) for line in out.decode().splitlines()]
    assert process.returncode == 0
    assert {e["info"]["pid"] for e in events} == {process.pid}  # ran here: the fallback
    with serving():
        served = _start(project, ["run", "--select", "good"], _socket())
        out, _ = served.communicate(timeout=300)
    assert served.returncode == 0
    assert {json.loads(line)["info"]["pid"] for line in out.decode().splitlines()} != {served.pid}  # a copy ran it


def test_a_step_whose_environment_dbt_reads_at_import_differs_runs_on_its_own(project):
    with serving():
        env = {**_env(project, _socket()), "DBT_MACRO_DEBUGGING": "1"}
        process = subprocess.Popen([sys.executable, "-P", dbt_main.__file__, "run", "--select", "good",
                                    "--project-dir", str(project), "--profiles-dir", str(project)],
                                   cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        out, _ = process.communicate(timeout=300)
    assert process.returncode == 0
    assert {json.loads(line)["info"]["pid"] for line in out.decode().splitlines()} == {process.pid}


def _wait_for_node(process: subprocess.Popen) -> int:
    """The pid that runs dbt, once the slow model started."""
    for line in process.stdout:
        event = json.loads(line)
        if event["info"]["name"] == "LogStartLine":
            return event["info"]["pid"]
    raise AssertionError("the model never started")


def _gone(pid: int, seconds: float = 30) -> bool:
    """The process ended (a zombie waiting for its reaper counts as ended)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return True
        except (FileNotFoundError, ProcessLookupError):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_a_stopped_step_takes_its_dbt_with_it(project, how):
    """dagster-dbt stops a step by signalling its process (SIGINT, then the run may kill it)."""
    with serving():
        process = _start(project, ["run", "--select", "slow"], _socket())
        dbt_pid = _wait_for_node(process)
        assert dbt_pid != process.pid
        process.send_signal(how)
        assert process.wait(timeout=60) == -how  # ended as a dbt process of its own would
        assert _gone(dbt_pid)


@pytest.fixture
def ctrl_c_reaches_children():
    """A shell starts a background job (`cmd &`) with SIGINT ignored, and an ignored signal stays
    ignored in every process started below it: dbt then never sees the Ctrl-C this test sends
    (a preview CI started that way failed here three times running). With a handler here, the
    processes this test starts (the server, dbt) get SIGINT's default back."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


def test_an_interrupted_step_ends_as_dbt_ends_on_ctrl_c(project, ctrl_c_reaches_children):
    def interrupted(served):
        process = _start(project, ["run", "--select", "while"], served)
        _wait_for_node(process)
        process.send_signal(signal.SIGINT)
        rest = process.stdout.read().decode()
        names = [json.loads(line)["info"]["name"] for line in rest.splitlines()]
        # one LogCancelLine per node in flight when the signal came, and dbt's main thread (the
        # cancel line) and the node's thread (its result) print in either order: timing, not the
        # server (the preview CI of 2447513 and one of three runs beside it met the other order)
        return process.wait(timeout=60), sorted(set(names))

    # a signal that lands after the model's query ended interrupts nothing (exit 0, on an idle
    # machine the query is short): such a pair says nothing about the server, so it is taken again
    for _ in range(3):
        alone = interrupted(None)
        with serving():
            served = interrupted(_socket())
        if alone[0] != 0 and served[0] != 0:
            break
    assert alone[0] != 0, "three times the query ended before the signal"
    assert served == alone


def test_the_server_ends_with_the_run_and_when_the_run_process_dies():
    script = ("import os, sys, time\nfrom pipelines.dbt.dbt_server import serving\n"
              "with serving():\n    print(flush=True)\n    time.sleep(float(sys.argv[1]))\nprint('done', flush=True)")
    ends = subprocess.Popen([sys.executable, "-c", script, "0.5"], stdout=subprocess.PIPE, text=True)
    dies = subprocess.Popen([sys.executable, "-c", script, "600"], stdout=subprocess.PIPE, text=True)
    servers = []
    for run in (ends, dies):
        run.stdout.readline()
        (server,) = Path(f"/proc/{run.pid}/task/{run.pid}/children").read_text().split()
        servers.append(int(server))
    assert ends.stdout.readline() == "done\n" and ends.wait(timeout=60) == 0
    assert _gone(servers[0], seconds=1)  # closed and waited for by serving()
    dies.kill()
    dies.wait()
    assert _gone(servers[1])


def test_a_serving_inside_another_uses_its_server():
    """`crmlake run` starts the server before Dagster's imports; the run's own serving finds it."""
    script = ("import os, sys\nfrom pipelines.dbt import dbt_main\nfrom pipelines.dbt.dbt_server import serving\n"
              "with serving():\n    outer = os.environ[dbt_main.SOCKET_ENV]\n    with serving():\n"
              "        print(os.environ[dbt_main.SOCKET_ENV] == outer, flush=True)\n"
              "        print(open(f'/proc/{os.getpid()}/task/{os.getpid()}/children').read().split(), flush=True)\n"
              "    print(os.environ.get(dbt_main.SOCKET_ENV) == outer, flush=True)\n"
              "print(dbt_main.SOCKET_ENV in os.environ, flush=True)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    same, children, still, after = done.stdout.splitlines()
    assert same == "True" and len(eval(children)) == 1  # noqa: S307 (a list of pids printed above)
    assert still == "True"  # the inner serving leaves the outer server serving
    assert after == "False"


def test_the_environment_dbt_reads_at_import_is_known():
    """Every DBT_*, CRMLAKE_* or KMP_* variable read while importing dbt is one the server holds equal."""
    script = textwrap.dedent("""
        import os, sys
        read = set()
        get, has = os._Environ.__getitem__, os._Environ.__contains__
        def reading(self, k):  # a name looked up, not one walked past by iterating (networkx does)
            if sys._getframe(1).f_code.co_name != "__iter__":
                read.add(k)
            return get(self, k)
        os._Environ.__getitem__ = reading
        os._Environ.__contains__ = lambda self, k: (read.add(k), has(self, k))[1]
        import dbt.cli.main
        print(sorted(k for k in read if k.startswith(("DBT_", "CRMLAKE_", "KMP_"))))
        """)
    done = subprocess.run([sys.executable, "-P", "-c", script], capture_output=True, text=True, timeout=300, check=True)
    read = set(eval(done.stdout))  # noqa: S307 (a list of names printed by the script above)
    assert "DBT_RECORDER_MODE" in read  # the recording works
    assert read <= READ_AT_IMPORT


def test_dbt_imports_start_no_thread_but_duckdb_does():
    """Why the server imports dbt but not the DuckDB adapter: it must fork with one thread."""
    script = ("import os\nfrom pipelines.dbt.dbt_main import import_dbt\nimport_dbt()\n"
              "print(len(os.listdir('/proc/self/task')))\nimport duckdb\nprint(len(os.listdir('/proc/self/task')))")
    done = subprocess.run([sys.executable, "-P", "-c", script], capture_output=True, text=True, timeout=300, check=True)
    assert done.stdout.split() == ["1", "2"]


def test_which_environment_differences_keep_a_step_from_the_server():
    server = {"PATH": "/bin", "DBT_LOG_FORMAT": "text", "CRMLAKE_RAW_DIR": "/abs/raw", "PWD": "/a"}
    step = {"PATH": "/bin", "DBT_LOG_FORMAT": "json", "CRMLAKE_RAW_DIR": "raw", "PWD": "/b", "DBT_TARGET_PATH": "t"}
    assert differs_at_import(server, step) == []  # per-command settings: read when dbt runs
    assert differs_at_import(server, {**step, "DBT_RECORDER_MODE": "record"}) == ["DBT_RECORDER_MODE"]
    assert differs_at_import(server, {**step, "PYTHONHASHSEED": "0", "PATH": "/usr/bin"}) == ["PATH", "PYTHONHASHSEED"]
    assert differs_at_import(server, {k: v for k, v in step.items() if k != "PATH"}) == ["PATH"]


def test_the_switch():
    assert dbt_server({}) is True
    assert dbt_server({"CRMLAKE_DBT_SERVER": "off"}) is False
    assert dbt_server({"CRMLAKE_DBT_SERVER": " ON "}) is True
    with pytest.raises(ValueError, match="CRMLAKE_DBT_SERVER"):
        dbt_server({"CRMLAKE_DBT_SERVER": "maybe"})
