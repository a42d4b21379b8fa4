"""The last steps of the runner's sandbox: a read-only filesystem but for what it must write, and no
capabilities left to undo that.

Inside its own mount namespace the runner bind-mounts each path it must write (the build cache) onto
itself, then remounts every other mount read-only, keeping the flags the kernel locked on it
(``nosuid``, ``nodev``, ...), and puts a fresh tmpfs on ``/dev/shm``. Files the answer writes in /tmp
or the home folder then fail with "Read-only file system"; its private temporary folder (a tmpfs of
its own, see :mod:`multikernelbench.evaluation.containment`) and the build cache stay writable.

Mount changes need CAP_SYS_ADMIN, which the runner holds inside its user namespace, and so would the
answer. So, last, every capability is dropped (effective, permitted, inheritable, ambient, bounding)
and the securebits make sure no ``exec`` of a root-owned program gives them back. Capabilities belong
to threads: this must run while the runner has only one (before torch is imported).
"""

from __future__ import annotations

import ctypes
import os

_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
_MS_REMOUNT, _MS_BIND, _MS_NOATIME, _MS_NODIRATIME, _MS_REC = 0x20, 0x1000, 0x400, 0x800, 0x4000
_MS_RELATIME, _MS_STRICTATIME = 0x200000, 0x1000000
_OPTION_FLAGS = {"nosuid": _MS_NOSUID, "nodev": _MS_NODEV, "noexec": _MS_NOEXEC, "noatime": _MS_NOATIME,
                 "nodiratime": _MS_NODIRATIME, "relatime": _MS_RELATIME, "strictatime": _MS_STRICTATIME}
# Kernel file systems whose mounts are left as they are (remounting them read-only gains nothing).
_LEFT_ALONE = ("/proc", "/sys", "/dev")
_PR_CAPBSET_DROP, _PR_SET_SECUREBITS, _PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL = 24, 28, 47, 4
_SECBIT_NOROOT, _SECBIT_NOROOT_LOCKED, _SECBIT_NO_SETUID_FIXUP, _SECBIT_NO_SETUID_FIXUP_LOCKED = 1, 2, 4, 8
_CAPABILITY_VERSION_3 = 0x20080522
_LAST_CAPABILITY = 63

try:
    _LIBC: ctypes.CDLL | None = ctypes.CDLL(None, use_errno=True)
except OSError:
    _LIBC = None


def read_only_except(writable: tuple[str, ...], warnings: list[str]) -> bool:
    """Remount every mount of this mount namespace read-only but ``writable`` (and /proc, /sys, /dev);
    a fresh tmpfs on /dev/shm. True when the root file system ended up read-only."""
    kept = [os.path.realpath(p) for p in writable if os.path.isdir(p)]
    for path in kept:
        try:
            _mount(path, path, None, _MS_BIND | _MS_REC)
        except OSError as exc:
            warnings.append(f"{path} may be read-only for the answer: binding it failed ({os.strerror(exc.errno)})")
    try:
        _mount("tmpfs", "/dev/shm", "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=1777")
    except OSError:
        pass  # no /dev/shm here: nothing to keep private
    root_read_only = False
    for point, options in _mounts():
        if _under(point, kept) or _under(point, list(_LEFT_ALONE)) or point == "/dev/shm":
            continue
        flags = _MS_BIND | _MS_REMOUNT | _MS_RDONLY
        for option in options:
            flags |= _OPTION_FLAGS.get(option, 0)
        try:
            _mount("none", point, None, flags)
            root_read_only |= point == "/"
        except OSError as exc:
            if point == "/":
                warnings.append(f"files outside the build cache stay writable: remounting / read-only failed "
                                f"({os.strerror(exc.errno)})")
    return root_read_only


def drop_capabilities(warnings: list[str]) -> None:
    """Give up every capability of this (single-threaded) process for good."""
    if _LIBC is None:
        warnings.append("capabilities not dropped: no C library")
        return
    locked = _SECBIT_NOROOT | _SECBIT_NOROOT_LOCKED | _SECBIT_NO_SETUID_FIXUP | _SECBIT_NO_SETUID_FIXUP_LOCKED
    if _LIBC.prctl(_PR_SET_SECUREBITS, locked, 0, 0, 0) != 0:
        warnings.append("securebits not set: a root-owned program could regain capabilities")
    for capability in range(_LAST_CAPABILITY + 1):
        _LIBC.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0)  # EINVAL past the kernel's last one: fine
    _LIBC.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = (ctypes.c_uint32 * 2)(_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable, for two 32-bit halves: all zero
    if _LIBC.capset(header, data) != 0:
        warnings.append(f"capabilities not dropped ({os.strerror(ctypes.get_errno())})")


def _mounts() -> list[tuple[str, list[str]]]:
    """(mount point, per-mount options) of this namespace, parents before children."""
    found = []
    try:
        with open("/proc/self/mountinfo") as file:
            for line in file:
                fields = line.split()
                point = fields[4].encode().decode("unicode_escape")  # \040 is a space
                found.append((point, fields[5].split(",")))
    except (OSError, IndexError):
        return []
    return found


def _under(path: str, roots: list[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    if _LIBC is None:
        raise OSError(0, "no C library")
    result = _LIBC.mount(source.encode(), target.encode(), fstype.encode() if fstype else None, flags,
                         data.encode() if data else None)
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))
