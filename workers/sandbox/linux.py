"""The few Linux system calls the sandbox needs that Python 3.11's `os` lacks (unshare, mount,
sethostname), through libc. Standard library only: `enter.py` imports this as a plain module."""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import re

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_NOATIME = 1024
MS_NODIRATIME = 2048
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MS_RELATIME = 1 << 21

# Per-mount options as /proc/self/mountinfo spells them: a read-only remount must keep them.
MOUNT_OPTIONS = {"ro": MS_RDONLY, "nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC,
                 "noatime": MS_NOATIME, "nodiratime": MS_NODIRATIME, "relatime": MS_RELATIME}

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
_libc.mount.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                        ctypes.c_char_p)
_libc.unshare.argtypes = (ctypes.c_int,)
_libc.sethostname.argtypes = (ctypes.c_char_p, ctypes.c_size_t)
_libc.prctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong,
                        ctypes.c_ulong)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _b(value: str | None) -> bytes | None:
    return None if value is None else os.fsencode(value)


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int,
          data: str | None = None) -> None:
    _check(_libc.mount(_b(source), _b(target), _b(fstype), flags, _b(data)),
           f"mount {fstype or source or ''} on {target}")


def sethostname(name: str) -> None:
    raw = name.encode()
    _check(_libc.sethostname(raw, len(raw)), "sethostname")


def mounts() -> list[tuple[str, int]]:
    """(mount point, per-mount flags) of every mount this process sees, in mount order."""
    result = []
    with open("/proc/self/mountinfo") as info:
        for line in info:
            fields = line.split()
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])
            flags = 0
            for option in fields[5].split(","):
                flags |= MOUNT_OPTIONS.get(option, 0)
            result.append((point, flags))
    return result


# ------------------------------------------------------------------------------------- seccomp
# A classic-BPF filter that refuses new user namespaces (x86_64): unshare/clone with
# CLONE_NEWUSER get EPERM, clone3 gets ENOSYS (its flags are out of a filter's reach; glibc then
# falls back to clone), x32 and i386 system calls are refused (they would bypass the numbers). A user namespace gives no access beyond the
# kernel's uid, but it is where most Linux privilege-escalation bugs are reached from.
CLONE_NEWUSER = 0x10000000
AUDIT_ARCH_X86_64 = 0xC000003E
X32_BIT = 0x40000000
NR_CLONE, NR_UNSHARE, NR_CLONE3 = 56, 272, 435
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
RET_ALLOW, RET_ERRNO = 0x7FFF0000, 0x00050000
BPF_LD_W_ABS, BPF_JEQ_K, BPF_JGE_K, BPF_JSET_K, BPF_RET_K = 0x20, 0x15, 0x35, 0x45, 0x06


class _Instruction(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Instruction))]


def deny_user_namespaces() -> bool:
    """Install the filter (inherited across fork and exec, irrevocable). False on an
    architecture it does not know (nothing installed)."""
    if os.uname().machine != "x86_64":
        return False
    program = [
        (BPF_LD_W_ABS, 0, 0, 4),                       # arch
        (BPF_JEQ_K, 1, 0, AUDIT_ARCH_X86_64),
        (BPF_RET_K, 0, 0, RET_ERRNO | 1),              # i386 system calls (int 0x80): EPERM
        (BPF_LD_W_ABS, 0, 0, 0),                       # syscall number
        (BPF_JGE_K, 0, 1, X32_BIT),
        (BPF_RET_K, 0, 0, RET_ERRNO | 1),              # x32: EPERM
        (BPF_JEQ_K, 0, 1, NR_CLONE3),
        (BPF_RET_K, 0, 0, RET_ERRNO | 38),             # clone3: ENOSYS
        (BPF_JEQ_K, 1, 0, NR_UNSHARE),
        (BPF_JEQ_K, 0, 3, NR_CLONE),
        (BPF_LD_W_ABS, 0, 0, 16),                      # flags: args[0], low 32 bits
        (BPF_JSET_K, 0, 1, CLONE_NEWUSER),
        (BPF_RET_K, 0, 0, RET_ERRNO | 1),              # a new user namespace: EPERM
        (BPF_RET_K, 0, 0, RET_ALLOW),
    ]
    filters = (_Instruction * len(program))(*[_Instruction(*i) for i in program])
    fprog = _Program(len(program), filters)
    _check(_libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog), 0, 0),
           "seccomp")
    return True
