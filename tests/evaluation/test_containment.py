"""The runner's sandbox: each test runs a small runner script in a child process and looks at it from outside."""

from __future__ import annotations

import errno
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import pytest

import multikernelbench
from multikernelbench.evaluation.containment import ContainmentPlan, ContainmentReport, probe
from tests.support.processes import pids_with_arg, wait_until

# Every runner script starts with this: enter the sandbox the first argument describes, then run the body.
PREAMBLE = """
import dataclasses, json, os, sys
from multikernelbench.evaluation.containment import ContainmentPlan, enter_sandbox
report = enter_sandbox(ContainmentPlan(**json.loads(sys.argv[1])))
def say(**fields):
    print(json.dumps(fields), flush=True)
"""

# Fakes for libc's unshare, to make the OS refuse what the test names.
REFUSE_ALL = """
import errno
from multikernelbench.evaluation import containment
def refuse(flags):
    raise OSError(errno.EPERM, "Operation not permitted")
containment._unshare = refuse
"""
REFUSE_NETWORK = REFUSE_ALL.replace("def refuse(flags):", "real = containment._unshare\ndef refuse(flags):\n"
                                    "    if not flags & containment.CLONE_NEWNET:\n        return real(flags)")
REFUSE_UNLESS_USER_NS = REFUSE_ALL.replace("def refuse(flags):", "real = containment._unshare\ndef refuse(flags):\n"
                                           "    if flags & containment.CLONE_NEWUSER:\n        return real(flags)")

# Leaves its parent at once and lives on in a session of its own, as a daemon does.
DAEMON = """
import os, sys, time
if os.fork():
    os._exit(0)
os.setsid()
if os.fork():
    os._exit(0)
open(sys.argv[2], "w").close()
time.sleep(60)
"""


def runner_command(body: str, plan: dict | None = None, fake: str = "", *args: str) -> list[str]:
    script = fake + PREAMBLE + textwrap.dedent(body)
    # The tests' own folders (under the temporary root) stay writable unless a test says otherwise.
    plan = {"writable": [tempfile.gettempdir()], **(plan or {})}
    return [sys.executable, "-c", script, json.dumps(plan), *args]


def run_runner(body: str, plan: dict | None = None, fake: str = "", *args: str) -> tuple[int, list[dict]]:
    """Run a runner to its end: its exit status and what it said (one JSON object a line)."""
    done = subprocess.run(runner_command(body, plan, fake, *args), capture_output=True, text=True, timeout=30)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines or done.returncode != 0, done.stderr
    return done.returncode, lines


@pytest.fixture(scope="module")
def here(tmp_path_factory: pytest.TempPathFactory) -> ContainmentReport:
    """What this machine allows, from the same probe the evaluator runs."""
    return probe(ContainmentPlan(private_tmp=str(tmp_path_factory.mktemp("probe") / "tmp")))


def need(report: ContainmentReport, *features: str) -> None:
    missing = [f for f in features if not getattr(report, f)]
    if missing:
        pytest.skip(f"this machine does not allow {', '.join(missing)}: {'; '.join(report.warnings)}")


@pytest.fixture
def marker():
    """A unique argument to find a test's processes by; whatever still carries it is killed afterwards."""
    value = f"mkb-test-{uuid.uuid4().hex}"
    yield value
    for pid in pids_with_arg(value) + pids_with_arg(f"{value}-daemon"):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_the_runner_is_pid_1_and_sees_only_the_sandbox(here: ContainmentReport) -> None:
    need(here, "processes_isolated")
    code, [said] = run_runner("say(pid=os.getpid(), visible=[p for p in os.listdir('/proc') if p.isdigit()])")
    assert code == 0 and said["pid"] == 1
    if not any("/proc" in warning for warning in here.warnings):
        assert said["visible"] == ["1"]


def test_no_connection_leaves_the_sandbox(here: ContainmentReport) -> None:
    need(here, "network_isolated")
    body = """
    import socket
    results = {}
    for host, port in (("127.0.0.1", int(sys.argv[2])), ("1.1.1.1", 53)):
        try:
            socket.create_connection((host, port), timeout=2).close()
            results[host] = "connected"
        except OSError as exc:
            results[host] = exc.errno
    say(**results)
    """
    with socket.socket() as listener:  # reachable from any process of this machine outside a sandbox
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = str(listener.getsockname()[1])
        _, [outside] = run_runner(body, {"isolate_network": False}, "", port)
        _, [inside] = run_runner(body, {}, "", port)
    assert outside["127.0.0.1"] == "connected"  # the test can tell a refusal from a closed port
    assert inside == {"127.0.0.1": errno.ENETUNREACH, "1.1.1.1": errno.ENETUNREACH}


def test_files_in_the_private_tmp_vanish_with_the_sandbox(here: ContainmentReport, tmp_path: Path) -> None:
    need(here, "tmp_private")
    private, kept = tmp_path / "private", tmp_path / "kept.txt"
    body = """
    import tempfile
    with open(os.path.join(tempfile.gettempdir(), "scratch.txt"), "w") as file:
        file.write("gone soon")
    with open(sys.argv[2], "w") as file:
        file.write("stays")
    say(tempdir=tempfile.gettempdir(), listed=os.listdir(tempfile.gettempdir()), private=report.tmp_private)
    """
    code, [said] = run_runner(body, {"private_tmp": str(private)}, "", str(kept))
    assert code == 0 and said == {"tempdir": str(private), "listed": ["scratch.txt"], "private": True}
    assert kept.read_text() == "stays"
    assert not (private / "scratch.txt").exists()


def test_resource_limits_are_set() -> None:
    body = """
    import errno, resource, signal, tempfile
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the signal kills the runner before write() can fail
    fd, path = tempfile.mkstemp()
    written, error = 0, None
    try:
        while True:
            written += os.write(fd, b"x" * 8192)
    except OSError as exc:
        error = exc.errno
    say(written=written, error=error, cpu=resource.getrlimit(resource.RLIMIT_CPU),
        address_space=resource.getrlimit(resource.RLIMIT_AS), limits=report.limits, warnings=report.warnings)
    """
    plan = {"file_size_bytes": 4096, "cpu_seconds": 30, "address_space_bytes": 8 * 2**30}
    code, [said] = run_runner(body, plan)
    assert code == 0
    assert (said["written"], said["error"]) == (4096, errno.EFBIG)
    assert said["cpu"][0] == 30 and said["cpu"][1] > 30
    assert said["address_space"] == [8 * 2**30, 8 * 2**30]
    assert {"RLIMIT_FSIZE": 4096, "RLIMIT_CPU": 30, "RLIMIT_AS": 8 * 2**30}.items() <= said["limits"].items()
    if os.getuid() == 0:  # root is not bound by it: no limit, and no warning either
        assert "RLIMIT_NPROC" not in said["limits"] and said["warnings"] == []
    else:
        assert said["limits"]["RLIMIT_NPROC"] >= 512


DAEMON_RUNNER = """
import subprocess, time
ready = sys.argv[2] + ".ready"
daemon = [sys.executable, "-c", sys.argv[3], sys.argv[4] + "-daemon", ready]
subprocess.run(daemon, check=True)  # returns once the daemon has left it
while not os.path.exists(ready):
    time.sleep(0.02)
say(ready=True)
time.sleep(60)
"""


@pytest.mark.parametrize("killed", ["runner", "starter"])
def test_a_daemon_dies_when_the_runner_is_killed(here: ContainmentReport, tmp_path: Path, marker: str,
                                                 killed: str) -> None:
    need(here, "processes_isolated")
    daemon = f"{marker}-daemon"
    command = runner_command(DAEMON_RUNNER, {}, "", str(tmp_path / "daemon"), DAEMON, marker)
    if killed == "starter":  # whoever started the runner dies: PDEATHSIG passes it on
        command = [sys.executable, "-c", "import subprocess, sys; subprocess.run(sys.argv[1:])", *command]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert json.loads(proc.stdout.readline()) == {"ready": True}
        assert pids_with_arg(daemon), "the daemon should be running before the kill"
        os.kill(proc.pid, signal.SIGKILL)
        assert wait_until(lambda: not pids_with_arg(daemon)), "the daemon outlived the sandbox"
    finally:
        proc.kill()
        proc.wait()


def test_without_process_isolation_the_daemon_outlives_the_runner(tmp_path: Path, marker: str) -> None:
    """The control for the test above: it can see a daemon that survives."""
    daemon = f"{marker}-daemon"
    command = runner_command(DAEMON_RUNNER, {"isolate_processes": False}, "", str(tmp_path / "daemon"), DAEMON, marker)
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert json.loads(proc.stdout.readline()) == {"ready": True}
    proc.kill()
    proc.wait()
    time.sleep(0.3)
    assert pids_with_arg(daemon)


def test_the_shim_ends_as_the_runner_ends(here: ContainmentReport) -> None:
    need(here, "processes_isolated")
    assert run_runner("say(pid=os.getpid()); sys.exit(7)") == (7, [{"pid": 1}])
    crash = "import ctypes; say(pid=os.getpid()); ctypes.string_at(0)"  # a candidate's segmentation fault
    no_core = lambda: resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # noqa: E731
    done = subprocess.run(runner_command(crash), capture_output=True, preexec_fn=no_core, timeout=30)
    assert done.returncode == -signal.SIGSEGV


def test_sigterm_to_the_shim_stops_the_runner(here: ContainmentReport) -> None:
    need(here, "processes_isolated")
    proc = subprocess.Popen(runner_command("import time; say(ready=True); time.sleep(60)"), stdout=subprocess.PIPE)
    try:
        assert json.loads(proc.stdout.readline()) == {"ready": True}
        proc.terminate()
        assert proc.wait(timeout=5) == -signal.SIGKILL  # PID 1 would have ignored SIGTERM itself
    finally:
        proc.kill()
        proc.wait()


def test_refused_namespaces_give_warnings_not_errors(tmp_path: Path) -> None:
    body = "say(pid=os.getpid(), tmpdir=os.environ['TMPDIR'], **dataclasses.asdict(report))"
    code, [said] = run_runner(body, {"private_tmp": str(tmp_path / "tmp")}, REFUSE_ALL)
    assert code == 0 and said["pid"] != 1 and said["tmpdir"] == str(tmp_path / "tmp")
    assert not (said["network_isolated"] or said["processes_isolated"] or said["tmp_private"])
    assert said["limits"]["RLIMIT_FSIZE"] == 4 * 2**30  # the limits are set all the same
    assert ("no network isolation: unshare(CLONE_NEWNET) failed (Operation not permitted; with a new user "
            "namespace: Operation not permitted); the answer can reach the network") in said["warnings"]
    assert any(w.startswith("no process isolation: unshare(CLONE_NEWPID) failed") for w in said["warnings"])
    assert any(w.startswith("no private tmp: unshare(CLONE_NEWNS) failed") for w in said["warnings"])


def test_one_refused_namespace_costs_only_its_own_feature(here: ContainmentReport) -> None:
    need(here, "processes_isolated")
    code, [said] = run_runner("say(pid=os.getpid(), **dataclasses.asdict(report))", {}, REFUSE_NETWORK)
    assert code == 0 and said["pid"] == 1
    assert (said["network_isolated"], said["processes_isolated"]) == (False, True)
    assert [w for w in said["warnings"] if w.startswith("no ")] == [
        "no network isolation: unshare(CLONE_NEWNET) failed (Operation not permitted; with a new user "
        "namespace: Operation not permitted); the answer can reach the network"]


def test_without_privilege_it_goes_through_a_user_namespace(here: ContainmentReport, tmp_path: Path) -> None:
    need(here, "processes_isolated", "network_isolated", "tmp_private")
    body = """
    import tempfile
    with open("/proc/self/uid_map") as file:
        uid_map = file.read().split()
    with open(os.path.join(tempfile.gettempdir(), "scratch.txt"), "w") as file:
        file.write("mine")
    say(pid=os.getpid(), uid=os.getuid(), uid_map=uid_map, **dataclasses.asdict(report))
    """
    code, [said] = run_runner(body, {"private_tmp": str(tmp_path / "tmp")}, REFUSE_UNLESS_USER_NS)
    if not said["processes_isolated"]:
        pytest.skip(f"user namespaces are not allowed here: {said['warnings']}")
    uid = os.getuid()
    assert code == 0 and said["pid"] == 1 and said["uid"] == uid
    assert said["uid_map"] == [str(uid), str(uid), "1"]  # one id mapped: a new user namespace, not the first
    assert said["network_isolated"] and said["tmp_private"]
    assert not (tmp_path / "tmp" / "scratch.txt").exists()


def test_the_probe_leaves_its_caller_as_it_was(here: ContainmentReport, tmp_path: Path) -> None:
    def state() -> tuple:
        with open("/proc/self/status") as status:
            no_new_privs = [line for line in status if line.startswith("NoNewPrivs")]
        return resource.getrlimit(resource.RLIMIT_FSIZE), os.environ.get("TMPDIR"), os.getpid(), no_new_privs

    before = state()
    plan = ContainmentPlan(file_size_bytes=12345, private_tmp=str(tmp_path / "tmp"))
    report = probe(plan)
    assert report.limits["RLIMIT_FSIZE"] == 12345
    assert report.processes_isolated == here.processes_isolated
    assert state() == before
    assert probe(plan) is report  # once per plan


@pytest.mark.skipif(os.getuid() != 0, reason="not root: every other test here already takes the unprivileged way")
def test_an_unprivileged_runner_gets_a_sandbox_too(here: ContainmentReport) -> None:
    need(here, "processes_isolated", "network_isolated")
    source_root = str(Path(multikernelbench.__file__).parent.parent)
    as_nobody = dict(user=65534, group=65534, extra_groups=[], cwd="/", capture_output=True, text=True, timeout=30,
                     env={**os.environ, "PYTHONPATH": source_root})
    for python in (sys.executable, "/usr/bin/python3"):  # this one may sit in root's home, out of nobody's reach
        try:
            if subprocess.run([python, "-c", "import multikernelbench"], **as_nobody).returncode == 0:
                break
        except OSError:
            pass
    else:
        pytest.skip("user nobody cannot run a Python that imports this package")
    body = "say(pid=os.getpid(), uid=os.getuid(), **dataclasses.asdict(report))"
    done = subprocess.run([python, *runner_command(body)[1:]], **as_nobody)
    said = json.loads(done.stdout)
    if not said["processes_isolated"]:
        pytest.skip(f"unprivileged user namespaces are not allowed here: {said['warnings']}")
    assert (said["pid"], said["uid"], said["network_isolated"]) == (1, 65534, True)
    assert said["limits"]["RLIMIT_NPROC"] >= 512


LOCKDOWN_RUNNER = """
import subprocess
outcomes = {}
for path in (sys.argv[2], sys.argv[3], os.path.join(os.environ["TMPDIR"], "scratch"), "/dev/null"):
    try:
        with open(path, "w") as file:
            file.write("x")
        outcomes[path] = "written"
    except OSError as exc:
        outcomes[path] = exc.strerror
remount = subprocess.run(["mount", "-o", "remount,rw", "/"], capture_output=True)
with open("/proc/self/status") as status:
    caps = [line.split()[1] for line in status if line.startswith(("CapEff", "CapPrm", "CapBnd"))]
say(outcomes=outcomes, remount=remount.returncode, caps=caps)
"""


def test_only_the_writable_folders_and_the_private_tmp_can_be_written(here: ContainmentReport, tmp_path: Path) -> None:
    need(here, "tmp_private")
    allowed, refused = tmp_path / "cache", tmp_path / "elsewhere"
    allowed.mkdir()
    refused.mkdir()
    plan = {"writable": [str(allowed)], "private_tmp": str(tmp_path / "private")}
    code, [said] = run_runner(LOCKDOWN_RUNNER, plan, "", str(allowed / "built.so"), str(refused / "dropped"))
    assert code == 0
    outcomes = said["outcomes"]
    assert outcomes[str(allowed / "built.so")] == "written" and outcomes["/dev/null"] == "written"
    assert outcomes[str(refused / "dropped")] == "Read-only file system" and not (refused / "dropped").exists()
    assert list(outcomes.values()).count("written") == 3  # the private tmp too
    # No capability is left to undo it, not even for a program it starts.
    assert said["remount"] != 0 and said["caps"] == ["0000000000000000"] * 3
