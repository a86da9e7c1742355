"""Read an `strace -f -ttt` log: network system calls that are not local, and how long each process lived.

Expected options: `-f -ttt -qq -s 256 -e trace=socket,connect,sendto,sendmsg,sendmmsg,execve` (and bind), so
each line is `PID EPOCH-SECONDS call(args) = result`, or `PID EPOCH-SECONDS +++ exited with N +++`.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Iterable

LOCAL_FAMILIES = frozenset({"AF_UNIX", "AF_LOCAL", "AF_NETLINK", "AF_UNSPEC"})  # AF_UNSPEC: a UDP disconnect
NETWORK_CALLS = ("socket", "connect", "sendto", "sendmsg", "sendmmsg", "bind")

_LINE = re.compile(r"^(?P<pid>\d+)\s+(?P<time>\d+\.\d+)\s+(?P<rest>.*)$")
_CALL = re.compile(r"^(?P<name>\w+)\((?P<args>.*)")
_FAMILY = re.compile(r"sa_family=(?P<family>\w+)")
_IPV4 = re.compile(r'inet_addr\("(?P<address>[^"]+)"\)')
_IPV6 = re.compile(r'inet_pton\(AF_INET6, "(?P<address>[^"]+)"')


@dataclass(frozen=True)
class Process:
    pid: int
    command: str  # the argv of its execve, as strace printed it
    started: float
    ended: float | None

    @property
    def lifetime_s(self) -> float | None:
        return None if self.ended is None else self.ended - self.started


def _entries(lines: Iterable[str]):
    for line in lines:
        match = _LINE.match(line.strip())
        if match:
            yield int(match["pid"]), float(match["time"]), match["rest"]


def _is_loopback(address: str) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    mapped = getattr(parsed, "ipv4_mapped", None)  # ::ffff:127.0.0.1, as a dual-stack socket names it
    return parsed.is_loopback or (mapped is not None and mapped.is_loopback)


def network_violations(lines: Iterable[str], inet_sockets: bool = False) -> list[str]:
    """Each socket() outside AF_UNIX/netlink, and each connect/send/bind to an address that is not local.

    `inet_sockets`: IP sockets themselves are allowed (Ray's processes talk over loopback TCP); every
    address they connect, send or bind to must still be loopback.
    """
    found = []
    for pid, _, rest in _entries(lines):
        call = _CALL.match(rest)
        if call is None or call["name"] not in NETWORK_CALLS:
            continue  # `<... resumed>` halves and signals: the call's own line carries its arguments
        args = call["args"]
        if call["name"] == "socket":
            if args.split(",")[0].strip() not in LOCAL_FAMILIES and not inet_sockets:
                found.append(f"{pid} {rest}")
            continue
        for family in _FAMILY.finditer(args):
            if family["family"] in LOCAL_FAMILIES:
                continue
            address = _IPV4.search(args) or _IPV6.search(args)
            if address is None or not _is_loopback(address["address"]):
                found.append(f"{pid} {rest}")
                break
    return found


def processes(lines: Iterable[str]) -> list[Process]:
    """Every process that ran a program (execve), with when it started and exited."""
    started: dict[int, tuple[str, float]] = {}
    pending: dict[int, tuple[str, float]] = {}  # an execve that strace split around another process's line
    ended: dict[int, float] = {}
    for pid, time, rest in _entries(lines):
        succeeded = rest.rstrip().endswith("= 0")
        if rest.startswith("execve("):
            if succeeded:
                started[pid] = (rest, time)
            elif rest.endswith("<unfinished ...>"):
                pending[pid] = (rest, time)
        elif rest.startswith("<... execve resumed>") and succeeded and pid in pending:
            started[pid] = pending.pop(pid)
        elif rest.startswith("+++ exited") or rest.startswith("+++ killed"):
            ended[pid] = time
    return [Process(pid, command, time, ended.get(pid)) for pid, (command, time) in started.items()]
