"""Putting the current process, an untrusted runner, in a sandbox before it imports candidate code.

:func:`enter_sandbox` moves the runner into new Linux namespaces and sets resource limits:

- network: a new network namespace with nothing brought up, not even loopback: every connect,
  127.0.0.1 included, fails at once with "Network is unreachable";
- processes: a new PID namespace. It only applies to children, so the runner forks: the original
  process stays outside as a thin shim that waits and ends as the child ends; the child, PID 1
  inside, goes on as the runner. When PID 1 ends the kernel kills all that is left inside, daemons
  in sessions of their own included. PR_SET_PDEATHSIG chains starter -> shim -> PID 1, so even
  ``kill -9`` of whoever started the runner ends them all. PID 1 ignores signals it has no handler
  for, SIGKILL aside: stop the runner through the shim (SIGTERM, SIGINT) or with SIGKILL. Orphans
  inside become PID 1's children and stay zombies until it ends;
- files: a private mount namespace, a fresh tmpfs (sized by the kernel's default, half the memory)
  on ``private_tmp``, where TMPDIR then points, and a fresh /proc that lists only the sandbox;
- limits: RLIMIT_AS, RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_NPROC, and PR_SET_NO_NEW_PRIVS.

Root unshares directly; where that is refused (EPERM) the namespaces are made inside a new user
namespace with the uid and gid mapped to themselves, which most Linux systems allow anyone. What
the OS still refuses is skipped with a one-line warning in the report, never an exception. Call it
before any thread starts (importing torch starts some): Linux refuses a threaded process a new
user namespace. :func:`probe` tells the unsandboxed parent, once per plan, what runners will get.
"""

from __future__ import annotations

import ctypes
import dataclasses
import errno
import functools
import json
import os
import resource
import select
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import NoReturn

from multikernelbench.evaluation.lockdown import drop_capabilities, read_only_except

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
_MS_NOSUID, _MS_NODEV, _MS_NOEXEC, _MS_REC, _MS_PRIVATE = 0x2, 0x4, 0x8, 0x4000, 0x40000
_PR_SET_PDEATHSIG, _PR_SET_NO_NEW_PRIVS = 1, 38
_FLAG_NAMES = {CLONE_NEWNET: "CLONE_NEWNET", CLONE_NEWPID: "CLONE_NEWPID", CLONE_NEWNS: "CLONE_NEWNS"}
_PROBE_TIMEOUT_S = 10.0

# Loaded at import, not on first use: a child forked from a threaded parent must not need the loader's lock.
try:
    _LIBC: ctypes.CDLL | None = ctypes.CDLL(None, use_errno=True)
except OSError:
    _LIBC = None


@dataclass(frozen=True)
class ContainmentPlan:
    """What to shut the runner off from; ``None`` leaves a limit as it is."""

    address_space_bytes: int | None = None  # RLIMIT_AS (GPU drivers cannot live with it)
    cpu_seconds: int | None = None  # RLIMIT_CPU soft limit (SIGXCPU); the hard limit (SIGKILL) a bit above
    file_size_bytes: int | None = 4 * 2**30  # RLIMIT_FSIZE
    max_processes: int | None = 512  # threads and processes beyond those this uid already has (RLIMIT_NPROC)
    isolate_network: bool = True
    isolate_processes: bool = True
    private_tmp: str | None = None  # a folder to cover with a fresh tmpfs, which vanishes with the sandbox
    #: Everything but these folders (and ``private_tmp``) is remounted read-only; then capabilities go.
    read_only_filesystem: bool = True
    writable: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "writable", tuple(self.writable))  # from JSON it arrives as a list


@dataclass(frozen=True)
class ContainmentReport:
    """What :func:`enter_sandbox` achieved."""

    network_isolated: bool
    processes_isolated: bool
    tmp_private: bool
    limits: dict[str, int]  # resource name -> the soft limit set
    warnings: tuple[str, ...]  # one line for each thing the OS did not allow
    read_only: bool = False  # the file system is read-only outside the writable folders


def enter_sandbox(plan: ContainmentPlan) -> ContainmentReport:
    """Put this process in the sandbox ``plan`` describes and report what was achieved; never raises.

    With process isolation this forks: the calling process becomes the shim and never returns; the
    child returns (as PID 1 of the new namespace) with every inherited file descriptor still valid.
    """
    warnings: list[str] = []
    uid, gid = os.getuid(), os.getgid()
    tasks_before = _count_tasks(uid) if plan.max_processes is not None and uid != 0 else 0
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    wanted = (CLONE_NEWNET if plan.isolate_network else 0) | (CLONE_NEWPID if plan.isolate_processes else 0)
    wanted |= CLONE_NEWNS if plan.private_tmp or plan.isolate_processes else 0
    got, refusals = _unshare_namespaces(wanted, uid, gid, warnings)
    if got & CLONE_NEWPID:
        try:
            _become_pid1()
        except OSError as exc:
            got &= ~CLONE_NEWPID
            refusals[CLONE_NEWPID] = f"fork failed ({exc.strerror})"
    if refusals.get(CLONE_NEWNET):
        warnings.append(f"no network isolation: {refusals[CLONE_NEWNET]}; the answer can reach the network")
    if refusals.get(CLONE_NEWPID):
        warnings.append(f"no process isolation: {refusals[CLONE_NEWPID]}; what the answer starts can outlive it")
    tmp_private = False
    if got & CLONE_NEWNS:
        tmp_private = _private_mounts(plan.private_tmp, bool(got & CLONE_NEWPID), warnings)
    elif plan.private_tmp:
        warnings.append(f"no private tmp: {refusals[CLONE_NEWNS]}; files written in {plan.private_tmp} stay")
    elif got & CLONE_NEWPID:
        warnings.append(f"/proc not remounted: {refusals[CLONE_NEWNS]}; it lists processes outside the sandbox")
    if plan.private_tmp:  # TMPDIR goes there even when it is not private: temporary files stay in a known place
        try:
            os.makedirs(plan.private_tmp, exist_ok=True)
        except OSError as exc:
            warnings.append(f"cannot make {plan.private_tmp} ({exc.strerror})")
        os.environ["TMPDIR"] = plan.private_tmp
        tempfile.tempdir = None  # gettempdir() caches its answer: let it read TMPDIR again
    read_only = False
    if plan.read_only_filesystem and got & CLONE_NEWNS:
        kept = (*plan.writable, *([plan.private_tmp] if plan.private_tmp else []))
        read_only = read_only_except(kept, warnings)
    elif plan.read_only_filesystem:
        warnings.append("files outside the build cache stay writable: no mount namespace")
    limits = _set_limits(plan, uid, tasks_before, warnings)
    if not _prctl(_PR_SET_NO_NEW_PRIVS, 1):
        warnings.append("PR_SET_NO_NEW_PRIVS refused: setuid programs can still gain privileges")
    drop_capabilities(warnings)  # last: undoing any of the above would need them
    return ContainmentReport(bool(got & CLONE_NEWNET), bool(got & CLONE_NEWPID), tmp_private, limits, tuple(warnings),
                             read_only)


@functools.cache
def probe(plan: ContainmentPlan) -> ContainmentReport:
    """What :func:`enter_sandbox` achieves here, found in a short-lived forked child (the caller stays as it is)."""
    read_fd, write_fd = os.pipe()
    _flush_std_streams()  # else the child would print the caller's buffered output a second time
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_fd)
            payload = json.dumps(dataclasses.asdict(enter_sandbox(plan))).encode()
            while payload:
                payload = payload[os.write(write_fd, payload):]
        finally:
            os._exit(0)
    os.close(write_fd)
    data, deadline = b"", time.monotonic() + _PROBE_TIMEOUT_S
    try:
        while (left := deadline - time.monotonic()) > 0 and select.select([read_fd], [], [], left)[0]:
            if not (chunk := os.read(read_fd, 65536)):
                break
            data += chunk
    finally:
        os.close(read_fd)
        try:
            os.kill(pid, signal.SIGKILL)  # the shim: its PDEATHSIG takes the sandboxed child with it
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
    try:
        fields = json.loads(data)
        return ContainmentReport(**{**fields, "warnings": tuple(fields["warnings"])})
    except (ValueError, TypeError, KeyError):
        return ContainmentReport(False, False, False, {}, ("the sandbox probe gave no report: no isolation assumed",))


def _libc_call(name: str, *args: object) -> None:
    """Call a C library function that returns -1 and sets errno on failure; raises OSError."""
    if _LIBC is None:
        raise OSError(errno.ENOSYS, "no C library found")
    if getattr(_LIBC, name)(*args) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


def _unshare(flags: int) -> None:
    """unshare(2): Python 3.11 has no os.unshare."""
    _libc_call("unshare", ctypes.c_int(flags))


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    args = [s.encode() if s is not None else None for s in (source, target, fstype)]
    _libc_call("mount", *args, ctypes.c_ulong(flags), data.encode() if data else None)


def _prctl(option: int, value: int) -> bool:
    return _LIBC is not None and _LIBC.prctl(option, ctypes.c_ulong(value), 0, 0, 0) == 0


def _why(exc: OSError) -> str:
    if exc.errno == errno.EINVAL:
        return f"{exc.strerror}: does the process already run threads?"
    return exc.strerror or str(exc)


def _unshare_as_anyone(flags: int, uid: int, gid: int, warnings: list[str]) -> str | None:
    """Unshare ``flags`` inside a new user namespace, else (where that is refused) directly; None on success,
    else why not. The user namespace comes first even for root: capabilities held in it do not reach
    the machine (no module loading, no tracing of processes outside), so root's answer is not root."""
    try:
        _unshare(flags | CLONE_NEWUSER)
    except OSError as exc:
        in_user_namespace = exc
    else:
        # Unmapped ids show as "nobody" and cannot own files: map ours to themselves ("deny" first, or gid_map
        # is refused).
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
            try:
                with open(f"/proc/self/{name}", "w") as file:
                    file.write(text)
            except OSError as exc:
                warnings.append(f"user namespace: writing /proc/self/{name} failed ({exc.strerror}); "
                                "files may be unwritable")
        return None
    try:
        _unshare(flags)
        return None
    except OSError as exc:
        return f"{_why(exc)}; with a new user namespace: {_why(in_user_namespace)}"


def _unshare_namespaces(wanted: int, uid: int, gid: int, warnings: list[str]) -> tuple[int, dict[int, str]]:
    """All of ``wanted`` at once, else each alone: the flags obtained, and why each other one was refused."""
    if not wanted or _unshare_as_anyone(wanted, uid, gid, warnings) is None:
        return wanted, {}
    got, refusals = 0, {}
    for flag, name in _FLAG_NAMES.items():
        if wanted & flag:
            why = _unshare_as_anyone(flag, uid, gid, warnings)
            if why is None:
                got |= flag
            else:
                refusals[flag] = f"unshare({name}) failed ({why})"
    return got, refusals


def _flush_std_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass


def _become_pid1() -> None:
    """Fork after unshare(CLONE_NEWPID): the parent turns into the shim, the child returns as PID 1."""
    alive_r, alive_w = os.pipe()  # the shim holds the write end while it lives
    _flush_std_streams()
    child = os.fork()
    if child == 0:
        os.close(alive_w)
        _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if select.select([alive_r], [], [], 0)[0]:  # end of file: the shim died before the line above
            os._exit(1)
        os.close(alive_r)
        return
    os.close(alive_r)
    _run_shim(child)


def _run_shim(child: int) -> NoReturn:
    """Wait for the sandboxed child and end as it ended; a request to stop ends it with SIGKILL."""
    def stop_child(signum: int, frame: object) -> None:
        try:
            os.kill(child, signal.SIGKILL)  # PID 1 would ignore SIGTERM and SIGINT anyway
        except ProcessLookupError:
            pass

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        try:
            signal.signal(signum, stop_child)
        except ValueError:
            pass  # not the main thread: only SIGKILL and PDEATHSIG stop the runner then
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    try:
        _, status = os.waitpid(child, 0)
        code = os.waitstatus_to_exitcode(status)
    except ChildProcessError:
        code = 1
    if code < 0:
        try:
            signal.signal(-code, signal.SIG_DFL)
        except (OSError, ValueError):
            pass  # SIGKILL and SIGSTOP cannot be caught: they are at their default already
        os.kill(os.getpid(), -code)
        code = 128 - code  # only reached for a signal whose default is to be ignored
    os._exit(code)


def _private_mounts(private_tmp: str | None, new_pids: bool, warnings: list[str]) -> bool:
    """Mounts of this (new) mount namespace: none shared, a tmpfs on ``private_tmp``, a /proc of our own."""
    try:
        _mount("none", "/", None, _MS_REC | _MS_PRIVATE)
    except OSError as exc:  # then new mounts would show outside too: make none
        if private_tmp:
            warnings.append(f"no private tmp: making mounts private failed ({exc.strerror}); {private_tmp} stays")
        return False
    if new_pids:
        try:
            _mount("proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
        except OSError as exc:
            warnings.append(f"/proc not remounted ({exc.strerror}): it still lists processes outside the sandbox")
    if not private_tmp:
        return False
    try:
        os.makedirs(private_tmp, exist_ok=True)
        _mount("tmpfs", private_tmp, "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=0700")
        return True
    except OSError as exc:
        warnings.append(f"no private tmp: mounting a tmpfs on {private_tmp} failed ({exc.strerror}); its files stay")
        return False


def _count_tasks(uid: int) -> int:
    """Threads of processes whose real uid is ``uid``: what RLIMIT_NPROC counts."""
    total = 0
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/status") as file:
                fields = dict(line.split(":", 1) for line in file if ":" in line)
            total += int(fields["Threads"]) if int(fields["Uid"].split()[0]) == uid else 0
        except (OSError, ValueError, KeyError, IndexError):
            continue  # it ended while we looked
    return total


def _set_limits(plan: ContainmentPlan, uid: int, tasks_before: int, warnings: list[str]) -> dict[str, int]:
    cpu = plan.cpu_seconds
    wanted = {  # name -> (soft limit, how far above it the hard limit goes)
        "RLIMIT_AS": (plan.address_space_bytes, 0),
        "RLIMIT_CPU": (cpu, max(2, cpu // 10) if cpu else 0),  # SIGXCPU first, SIGKILL a little later
        "RLIMIT_FSIZE": (plan.file_size_bytes, 0),
        "RLIMIT_NPROC": (None if plan.max_processes is None or uid == 0 else tasks_before + plan.max_processes, 0),
    }
    # Root is not bound by RLIMIT_NPROC: its processes stay inside the PID namespace and the memory limit.
    limits: dict[str, int] = {}
    for name, (soft, slack) in wanted.items():
        if soft is None:
            continue
        which, hard = getattr(resource, name), soft + slack
        try:
            current_hard = resource.getrlimit(which)[1]
            if current_hard != resource.RLIM_INFINITY:  # only root may raise a hard limit
                hard = min(hard, current_hard)
            resource.setrlimit(which, (min(soft, hard), hard))
            limits[name] = min(soft, hard)
        except (OSError, ValueError) as exc:
            warnings.append(f"{name} not set ({exc})")
    return limits
