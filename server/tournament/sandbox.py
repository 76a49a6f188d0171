"""Confined child processes for untrusted tournament entries (Linux).

An untrusted entry (a submitted package or wheel, a command) runs in a child
process of its own, confined in layers; each layer is documented in
docs/tournaments.md ("Threat model"):

- **resource limits** set between fork and exec: CPU seconds
  (``RLIMIT_CPU``: SIGXCPU at the limit, SIGKILL a second later), memory
  (``RLIMIT_DATA`` at the limit: the heap and every private writable mapping;
  ``RLIMIT_AS`` at the limit plus :data:`ADDRESS_ALLOWANCE_MB`, so runtimes
  that reserve address space they never use, V8 for one, can start), open
  files, file size, no core dumps;
- **a watchdog** in the parent that samples the process tree every
  :data:`POLL` seconds and kills it past the CPU limit (summed over the
  tree), past the memory limit (resident memory summed over the tree,
  shared memory included) or past the wall-clock limit;
- **a fresh session and process group**, killed as a whole (and every
  descendant the watchdog saw), and ``PR_SET_PDEATHSIG`` so that the child
  dies with the thread that started it;
- **no capabilities**: when the organizer runs as root, the child's bounding,
  ambient and inheritable sets are emptied, so it cannot raise its limits
  again and its root user id gives it only what a file's owner bits give;
- **Landlock** (Linux 5.13 and later, when the kernel has it): the child may
  read and execute only beneath the paths it is given (the system's
  libraries, the Python installation, accord's own packages, its entry), may
  write only in its private directory, may connect over TCP only to the
  talk's server port and bind none (ABI 4), cannot signal processes outside
  its sandbox nor reach their abstract unix sockets (ABI 6), and, being in a
  Landlock domain, cannot ptrace or read ``/proc/<pid>/{environ,mem,fd}`` of
  any process outside it (the organizer, the other entries);
- **a minimal environment** (given by the caller), ``cwd`` and ``HOME`` its
  private directory, stdin from ``/dev/null``, stdout and stderr drained into
  bounded buffers (the last :data:`TAIL_BYTES` of each are kept).

:func:`landlock_abi` says whether the kernel confines paths at all; without
Landlock only the limits, the watchdog and the capability drop apply.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import errno
import functools
import math
import os
import resource
import signal
import sys
import sysconfig
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import structlog

log = structlog.get_logger("accord.sandbox")

POLL = 0.1
"""Seconds between two samples of a child's process tree."""

TAIL_BYTES = 4096
"""Bytes of a child's stdout and of its stderr kept for the report."""

ADDRESS_ALLOWANCE_MB = 2048
"""Address space a child may reserve beyond its memory limit without using it."""

OPEN_FILES = 128
"""File descriptors a child may hold (sockets included)."""

FILE_MB = 64
"""Largest file a child may write (in its private directory), in MiB."""

HOOK_FAILURE_MARK = b"accord-sandbox: hook failed:"
"""Lines of the sandbox runner (:mod:`accord.bots.sandbox`) that report a hook that
raised or overran; the parent counts them as the entry's failures."""

# --- Landlock -----------------------------------------------------------------------------

_SYS_LANDLOCK_CREATE_RULESET = 444  # the same number on every architecture
_SYS_LANDLOCK_ADD_RULE = 445
_SYS_LANDLOCK_RESTRICT_SELF = 446
_LANDLOCK_CREATE_RULESET_VERSION = 1
_LANDLOCK_RULE_PATH_BENEATH = 1
_LANDLOCK_RULE_NET_PORT = 2

_FS_EXECUTE = 1 << 0
_FS_WRITE_FILE = 1 << 1
_FS_READ_FILE = 1 << 2
_FS_READ_DIR = 1 << 3
_FS_REFER = 1 << 13
_FS_TRUNCATE = 1 << 14
_FS_IOCTL_DEV = 1 << 15
_FS_FILE_RIGHTS = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV
"""The rights that apply to a file (the others are about directories)."""
_NET_BIND_TCP = 1 << 0
_NET_CONNECT_TCP = 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0
_SCOPE_SIGNAL = 1 << 1

_READ = _FS_READ_FILE | _FS_READ_DIR | _FS_EXECUTE

_PR_SET_PDEATHSIG = 1
_PR_CAPBSET_DROP = 24
_PR_SET_NO_NEW_PRIVS = 38
_PR_CAP_AMBIENT = 47
_PR_CAP_AMBIENT_CLEAR_ALL = 4
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


class _NetPortAttr(ctypes.Structure):
    _fields_ = [("allowed_access", ctypes.c_uint64), ("port", ctypes.c_uint64)]


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


@functools.cache
def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


@functools.cache
def landlock_abi() -> int:
    """The kernel's Landlock ABI version; 0 when there is no Landlock (another OS,
    an older kernel, or Landlock not enabled at boot)."""

    libc = _libc()
    if libc is None:
        return 0
    version = libc.syscall(
        _SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), _LANDLOCK_CREATE_RULESET_VERSION
    )
    return max(0, int(version))


@functools.cache
def _unconfined() -> None:
    log.warning(
        "no Landlock in this kernel: untrusted entries run with resource limits only and "
        "can read whatever this user can (see docs/tournaments.md, threat model)"
    )


def _fs_rights(abi: int) -> int:
    rights = (1 << 13) - 1  # ABI 1: execute ... make_sym
    if abi >= 2:
        rights |= _FS_REFER
    if abi >= 3:
        rights |= _FS_TRUNCATE
    if abi >= 5:
        rights |= _FS_IOCTL_DEV
    return rights


def _ruleset(
    read: Iterable[str], write: Iterable[str], devices: Iterable[str], port: int | None
) -> int:
    """A Landlock ruleset (its file descriptor) allowing reads beneath ``read``, every
    file operation beneath ``write``, reads and writes of ``devices``, and TCP
    connections to ``port`` only; the caller closes it."""

    libc = _libc()
    abi = landlock_abi()
    assert libc is not None and abi > 0
    handled = _fs_rights(abi)
    attr = _RulesetAttr(handled_access_fs=handled)
    if abi >= 4:
        attr.handled_access_net = _NET_BIND_TCP | _NET_CONNECT_TCP
    if abi >= 6:
        attr.scoped = _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL
    fd = libc.syscall(
        _SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)), 0
    )
    if fd < 0:
        raise OSError(
            ctypes.get_errno(), f"landlock_create_ruleset: {os.strerror(ctypes.get_errno())}"
        )
    try:
        device_rights = (_FS_READ_FILE | _FS_WRITE_FILE | _FS_TRUNCATE) & handled
        for paths, rights in ((read, _READ), (write, handled), (devices, device_rights)):
            for path in paths:
                _allow(libc, fd, path, rights & handled)
        if abi >= 4 and port is not None:
            rule = _NetPortAttr(allowed_access=_NET_CONNECT_TCP, port=port)
            if libc.syscall(
                _SYS_LANDLOCK_ADD_RULE, fd, _LANDLOCK_RULE_NET_PORT, ctypes.byref(rule), 0
            ):
                raise OSError(ctypes.get_errno(), "landlock_add_rule (port)")
    except BaseException:
        os.close(fd)
        raise
    return fd


def _allow(libc: ctypes.CDLL, ruleset: int, path: str, rights: int) -> None:
    try:
        target = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # a path that does not exist allows nothing
    try:
        if not os.path.isdir(f"/proc/self/fd/{target}"):
            rights &= _FS_FILE_RIGHTS
        rule = _PathBeneathAttr(allowed_access=rights, parent_fd=target)
        if libc.syscall(
            _SYS_LANDLOCK_ADD_RULE, ruleset, _LANDLOCK_RULE_PATH_BENEATH, ctypes.byref(rule), 0
        ):
            err = ctypes.get_errno()
            raise OSError(err, f"landlock_add_rule {path}: {os.strerror(err)}")
    finally:
        os.close(target)


# --- what a child may read -----------------------------------------------------------------------

SYSTEM_PATHS = (
    "/usr",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/bin",
    "/sbin",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/localtime",
    "/etc/nsswitch.conf",
    "/etc/host.conf",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/gai.conf",
    "/etc/passwd",
    "/etc/group",
    "/etc/ssl",
    "/etc/ca-certificates",
    "/etc/alternatives",
    "/etc/mime.types",
    "/dev/urandom",
    "/dev/random",
)
"""What every confined child may read: shared libraries, programs, the few files of
/etc that the C library, OpenSSL and the time zone code read. Nothing of /proc,
/tmp or /home."""

DEVICES = ("/dev/null", "/dev/zero", "/dev/full")
"""Devices a confined child may read and write."""


@functools.cache
def python_paths() -> tuple[str, ...]:
    """What a Python child needs to run the sandbox runner: this interpreter's
    installation, the virtual environment, and accord's own packages (the
    protocol and the bot SDK: not the server, whose code is no secret but
    which no entry needs)."""

    paths = {sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        with contextlib.suppress(KeyError):
            paths.add(sysconfig.get_paths()[key])
    paths.add(str(Path(sys.executable).resolve().parent))
    import accord
    import accord.bots
    import accord.protocol

    for package in (accord, accord.bots, accord.protocol):
        paths.update(str(Path(p).resolve()) for p in package.__path__)
    return tuple(sorted(p for p in paths if p))


# --- limits ---------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Confinement:
    """Everything one child is allowed."""

    cpu_seconds: float
    memory_mb: int
    wall_seconds: float
    home: str
    """Its private directory: its cwd and HOME, the only place it may write."""
    read: tuple[str, ...] = ()
    """Paths it may read and execute beneath (besides :data:`SYSTEM_PATHS`)."""
    port: int | None = None
    """The only TCP port it may connect to (the talk's server)."""
    memory_exit: int | None = None
    """An exit status by which the child says it ran out of memory (the sandbox
    runner's), reported as the memory limit."""


def _rlimits(conf: Confinement) -> list[tuple[int, tuple[int, int]]]:
    cpu = max(1, math.ceil(conf.cpu_seconds))
    data = conf.memory_mb * 2**20
    space = (conf.memory_mb + ADDRESS_ALLOWANCE_MB) * 2**20
    wanted = [
        (resource.RLIMIT_CPU, (cpu, cpu + 1)),
        (resource.RLIMIT_DATA, (data, data)),
        (resource.RLIMIT_AS, (space, space)),
        (resource.RLIMIT_NOFILE, (OPEN_FILES, OPEN_FILES)),
        (resource.RLIMIT_FSIZE, (FILE_MB * 2**20, FILE_MB * 2**20)),
        (resource.RLIMIT_CORE, (0, 0)),
    ]
    out = []
    for which, (soft, hard) in wanted:
        # never above the current hard limit: raising it would fail without privileges
        _, current = resource.getrlimit(which)
        if current != resource.RLIM_INFINITY:
            hard = min(hard, current)
            soft = min(soft, hard)
        out.append((which, (soft, hard)))
    return out


def _preexec(conf: Confinement, ruleset: int | None) -> Callable[[], None]:
    """What the child runs between fork and exec. Everything is prepared here, in
    the parent: between fork and exec in a process with threads only system
    calls are safe, so the function below makes nothing but those."""

    limits = _rlimits(conf)
    libc = _libc()
    root = os.geteuid() == 0
    last_cap = 63
    with contextlib.suppress(OSError, ValueError):
        last_cap = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    header = _CapHeader(version=_LINUX_CAPABILITY_VERSION_3, pid=0)
    no_caps = (_CapData * 2)()

    def confine() -> None:
        for which, pair in limits:
            resource.setrlimit(which, pair)
        if libc is None:
            return
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if root:
            # without this, a root child could raise its own limits (CAP_SYS_RESOURCE)
            for cap in range(last_cap + 1):
                libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)
        libc.prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
        libc.capset(ctypes.byref(header), no_caps)
        if ruleset is not None:
            if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "no_new_privs")
            if libc.syscall(_SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) != 0:
                raise OSError(ctypes.get_errno(), "landlock_restrict_self")

    return confine


# --- /proc readings -------------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _stat(pid: int) -> tuple[int, float, float] | None:
    """(start time, CPU seconds of the process and its reaped children, resident
    bytes) of ``pid``, or None if it is gone."""

    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
        with open(f"/proc/{pid}/statm", "rb") as f:
            resident = int(f.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None
    fields = raw[raw.rfind(b")") + 2 :].split()  # the name may hold spaces and parentheses
    # fields[0] is field 3 (state): utime, stime, cutime, cstime are fields 14-17, starttime 22
    cpu = sum(int(x) for x in fields[11:15]) / _TICK
    return int(fields[19]), cpu, resident


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", "rb") as f:
                out.extend(int(x) for x in f.read().split())
        except (OSError, ValueError):
            continue
    return out


# --- one child ------------------------------------------------------------------------------------

Reason = Literal["exit", "signal", "cpu", "memory", "wall", "stopped", "spawn"]


@dataclass
class Ending:
    """How a child ended."""

    reason: Reason
    returncode: int | None
    cpu: float = 0.0
    """CPU seconds of the tree, as last sampled."""
    memory: int = 0
    """Largest resident bytes of the tree sampled."""
    last_line: str = ""
    """The last line it wrote (stderr first), made printable and short."""
    hook_failures: int = 0
    first_failure: str = ""
    """The first hook failure it reported."""
    error: str = ""
    """Why it could not be started (``spawn``)."""

    def describe(self, conf: Confinement) -> str:
        """What happened, for a report line."""

        tail = f": {self.last_line}" if self.last_line else ""
        match self.reason:
            case "cpu":
                return f"killed after {conf.cpu_seconds:.1f} s of CPU (limit)"
            case "memory":
                return f"exceeded {conf.memory_mb} MiB (memory limit)"
            case "wall":
                return f"killed after {conf.wall_seconds:.1f} s of wall-clock time (limit)"
            case "stopped":
                return "still running after the talks concluded; stopped"
            case "spawn":
                return f"could not be started: {self.error}"
            case "signal":
                assert self.returncode is not None
                return f"killed by {_signal_name(-self.returncode)}{tail}"
        return f"exited with status {self.returncode}{tail}"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


class _Tail:
    """The last bytes of a stream, and a count of the lines that carry a mark."""

    def __init__(self, mark: bytes | None = None) -> None:
        self.data = bytearray()
        self.mark = mark
        self.marked = 0
        self.first_marked = ""
        self._line = bytearray()

    def feed(self, chunk: bytes) -> None:
        self.data += chunk
        del self.data[:-TAIL_BYTES]
        if self.mark is None:
            return
        for byte_line in chunk.splitlines(keepends=True):
            self._line += byte_line
            if self._line.endswith(b"\n"):
                if self._line.startswith(self.mark):
                    self.marked += 1
                    if self.marked == 1:
                        self.first_marked = _printable(bytes(self._line[len(self.mark) :]))
                self._line.clear()
            elif len(self._line) > TAIL_BYTES:
                del self._line[len(self.mark) + 1 :]  # still tells whether it starts marked

    def last_line(self) -> str:
        for raw in reversed(bytes(self.data).splitlines()):
            text = _printable(raw)
            if text:
                return text
        return ""


def _printable(raw: bytes, limit: int = 200) -> str:
    """A child's output as one short line of printable text (it goes into reports)."""

    text = "".join(ch if ch.isprintable() else " " for ch in raw.decode("utf-8", "replace"))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Sandbox:
    """One confined child: :meth:`start`, then :meth:`wait` or :meth:`stop`."""

    label: str
    conf: Confinement
    process: asyncio.subprocess.Process | None = None
    ending: Ending | None = None
    started_at: float = 0.0
    _reason: Reason | None = None
    _seen: dict[int, int] = field(default_factory=dict)
    """Descendants sampled: pid → start time (a pid reused later is not theirs)."""
    _cpu: float = 0.0
    _memory: int = 0
    _done: asyncio.Task[Ending] | None = None
    _exited: asyncio.Event | None = None
    _pipes: set[int] = field(default_factory=set)
    """Inodes of its stdout and stderr pipes."""
    _stdout: _Tail = field(default_factory=_Tail)
    _stderr: _Tail = field(default_factory=lambda: _Tail(HOOK_FAILURE_MARK))

    async def start(self, argv: Sequence[str], env: dict[str, str]) -> None:
        """Spawn ``argv`` confined; a child that cannot be spawned ends at once
        (reason ``spawn``)."""

        read = (*SYSTEM_PATHS, *self.conf.read)
        ruleset = None
        try:
            if landlock_abi() > 0:
                ruleset = _ruleset(read, [self.conf.home], DEVICES, self.conf.port)
            else:
                _unconfined()
            self.started_at = time.monotonic()
            loop = asyncio.get_running_loop()
            transport, protocol = await loop.subprocess_exec(
                lambda: _Protocol(limit=2**16, loop=loop),
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=self.conf.home,
                env=env,
                start_new_session=True,
                preexec_fn=_preexec(self.conf, ruleset),
                close_fds=True,
            )
            self.process = asyncio.subprocess.Process(transport, protocol, loop)
            self._exited = protocol.exited
            self._pipes = _pipe_inodes(transport)
        except Exception as exc:  # no such program, or the confinement failed in the child
            self.ending = Ending("spawn", None, error=_describe(exc))
            return
        finally:
            if ruleset is not None:
                os.close(ruleset)
        self._done = asyncio.ensure_future(self._run(self.process))

    async def wait(self) -> Ending:
        """Until the child has ended (by itself or killed by a limit)."""

        if self._done is None:
            assert self.ending is not None
            return self.ending
        return await asyncio.shield(self._done)

    @property
    def running(self) -> bool:
        return self._done is not None and not self._done.done()

    async def stop(self, grace: float = 0.0) -> Ending:
        """Give the child ``grace`` seconds to end by itself, then kill its process
        group and every descendant seen; return how it ended."""

        if self._done is None:
            assert self.ending is not None
            return self.ending
        if not self._done.done() and grace > 0:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._done), grace)
        if not self._done.done():
            self._kill("stopped")
        return await self._done

    # --- inside -------------------------------------------------------------------------

    async def _run(self, process: asyncio.subprocess.Process) -> Ending:
        assert process.stdout is not None and process.stderr is not None
        readers = [
            asyncio.ensure_future(_drain(process.stdout, self._stdout)),
            asyncio.ensure_future(_drain(process.stderr, self._stderr)),
        ]
        try:
            # not process.wait(): that also waits for the pipes to close, which a
            # descendant holding them could put off for ever
            await self._watch(process)
        finally:
            # whatever it left behind goes with it
            self._kill(None)
            _, pending = await asyncio.wait(readers, timeout=1.0)
            if pending:
                # a descendant outside the group (it left it before the watchdog saw
                # it) still holds the pipes: they lead to it
                for pid in _holders(self._pipes):
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(pid, signal.SIGKILL)
                _, pending = await asyncio.wait(readers, timeout=1.0)
            transport = getattr(process, "_transport", None)
            if pending and transport is not None:
                transport.close()  # stop reading: the process is reaped all the same
            for reader in pending:
                reader.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
        returncode = process.returncode
        assert returncode is not None
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(process.wait(), 5.0)
        self.ending = Ending(
            self._classify(returncode),
            returncode,
            cpu=self._cpu,
            memory=self._memory,
            last_line=self._stderr.last_line() or self._stdout.last_line(),
            hook_failures=self._stderr.marked,
            first_failure=self._stderr.first_marked,
        )
        return self.ending

    def _classify(self, returncode: int) -> Reason:
        if returncode == -signal.SIGXCPU:
            return "cpu"  # the kernel's verdict, even if the watchdog was about to kill it
        if self._reason is not None:
            return self._reason
        if returncode == -signal.SIGKILL and self._cpu >= max(1, math.ceil(self.conf.cpu_seconds)):
            return "cpu"  # the hard limit, a second after SIGXCPU was ignored
        if self.conf.memory_exit is not None and returncode == self.conf.memory_exit:
            return "memory"
        return "signal" if returncode < 0 else "exit"

    async def _watch(self, process: asyncio.subprocess.Process) -> None:
        """Sample the tree until the child exits; kill it past a limit."""

        conf = self.conf
        memory = conf.memory_mb * 2**20
        exited = self._exited
        assert exited is not None
        while not exited.is_set():
            self._sample(process.pid)
            if self._cpu >= conf.cpu_seconds:
                self._kill("cpu")
            elif self._memory > memory:
                self._kill("memory")
            elif time.monotonic() - self.started_at >= conf.wall_seconds:
                self._kill("wall")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(exited.wait(), POLL)

    def _sample(self, pid: int) -> None:
        """CPU and resident memory of the child and its descendants; remembers them."""

        cpu = 0.0
        resident = 0
        stack = [pid]
        while stack:
            current = stack.pop()
            stat = _stat(current)
            if stat is None:
                continue
            started, seconds, rss = stat
            if current != pid:
                known = self._seen.setdefault(current, started)
                if known != started:
                    continue
            cpu += seconds
            resident += rss
            stack.extend(_children(current))
        # exited descendants count through their parent's reaped-children time
        self._cpu = max(self._cpu, cpu)
        self._memory = max(self._memory, resident)

    def _kill(self, reason: Reason | None) -> None:
        if reason is not None and self._reason is None:
            self._reason = reason
        process = self.process
        if process is None:
            return
        if process.returncode is None:
            self._sample(process.pid)  # the descendants it has now, to kill them too
        # after the child is reaped its group lives on while a descendant does (and
        # its id cannot be reused meanwhile); an empty group is simply gone
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        for pid, started in list(self._seen.items()):
            stat = _stat(pid)
            if stat is not None and stat[0] == started:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)


class _Protocol(asyncio.subprocess.SubprocessStreamProtocol):
    """asyncio's protocol for a child with pipes, which also says when the child exits
    (before its pipes close)."""

    def __init__(self, *, limit: int, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(limit=limit, loop=loop)
        self.exited = asyncio.Event()

    def process_exited(self) -> None:
        super().process_exited()
        self.exited.set()


def _pipe_inodes(transport: asyncio.BaseTransport) -> set[int]:
    out = set()
    for fd in (1, 2):
        pipe = transport.get_pipe_transport(fd)  # type: ignore[attr-defined]
        source = None if pipe is None else pipe.get_extra_info("pipe")
        with contextlib.suppress(OSError, ValueError, AttributeError):
            out.add(os.fstat(source.fileno()).st_ino)
    return out


def _holders(inodes: set[int]) -> list[int]:
    """Other processes that hold one of the pipes ``inodes`` open."""

    wanted = {f"pipe:[{inode}]" for inode in inodes}
    me = os.getpid()
    out: list[int] = []
    try:
        names = os.listdir("/proc")
    except OSError:
        return out
    for name in names:
        if not name.isdigit() or int(name) == me:
            continue
        try:
            fds = os.listdir(f"/proc/{name}/fd")
        except OSError:
            continue
        for fd in fds:
            with contextlib.suppress(OSError):
                if os.readlink(f"/proc/{name}/fd/{fd}") in wanted:
                    out.append(int(name))
                    break
    return out


async def _drain(stream: asyncio.StreamReader, tail: _Tail) -> None:
    while chunk := await stream.read(65536):
        tail.feed(chunk)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.ENOENT and exc.filename:
        return f"no such program {exc.filename!r}"
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 200 else text[:199] + "…"


__all__ = [
    "DEVICES",
    "SYSTEM_PATHS",
    "Confinement",
    "Ending",
    "Sandbox",
    "landlock_abi",
    "python_paths",
]
