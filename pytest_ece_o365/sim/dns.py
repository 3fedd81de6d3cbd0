"""Simulated DNS on loopback (UDP and TCP, same port): Microsoft's host names resolve to 127.0.0.1.

Answers A with 127.0.0.1 (following a CNAME chain like the real ``outlook.office365.com`` one), AAAA with
an empty NOERROR (the simulator listens on IPv4 only), and NXDOMAIN for the names the scenario removes
and for every name it does not know.
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import struct
import threading

from dnslib import CNAME, QTYPE, RCODE, RR, A, DNSRecord

from pytest_ece_o365.sim.https import SimBindError
from pytest_ece_o365.sim.listen import claim_port_options, while_readable
from pytest_ece_o365.sim.recorder import Recorder
from pytest_ece_o365.sim.tenant import Tenant

__all__ = ["DnsServer", "answer"]

# The real chain (2026): outlook.office365.com → outlook.ha.office365.com → outlook.ms-acdc.office.com.
_CNAMES = {
    "outlook.office365.com": "outlook.ha.office365.com",
    "outlook.ha.office365.com": "outlook.ms-acdc.office.com",
}
_TTL = 60


def answer(tenant: Tenant, query: bytes) -> bytes | None:
    """The reply to one DNS query message, or None when it does not parse."""
    try:
        request = DNSRecord.parse(query)
    except Exception:  # dnslib raises several types for garbage; a server just drops it
        return None
    reply = request.reply()
    if not request.questions:
        reply.header.rcode = RCODE.FORMERR
        return bytes(reply.pack())
    question = request.q
    name = str(question.qname).rstrip(".").lower()
    known = set(tenant.hosts.all()) - tenant.nxdomain
    chain: list[tuple[str, str]] = []
    while name in _CNAMES and (name in known or chain):
        chain.append((name, _CNAMES[name]))
        name = _CNAMES[name]
    if not chain and name not in known:
        reply.header.rcode = RCODE.NXDOMAIN
        return bytes(reply.pack())
    for source, target in chain:
        reply.add_answer(RR(source + ".", QTYPE.CNAME, rdata=CNAME(target + "."), ttl=_TTL))
    if question.qtype in (QTYPE.A, QTYPE.ANY):
        reply.add_answer(RR(name + ".", QTYPE.A, rdata=A("127.0.0.1"), ttl=_TTL))
    return bytes(reply.pack())


class DnsServer:
    """UDP and TCP DNS on one loopback port; two threads, both joined by :meth:`stop`."""

    def __init__(
        self,
        tenant: Tenant,
        host: str = "127.0.0.1",
        port: int = 0,
        recorder: Recorder | None = None,
        answer_delay: float = 0.0,
    ) -> None:
        self.tenant = tenant
        self.answer_delay = answer_delay  # benchmarks: a slow tenant
        self.recorder = recorder if recorder is not None else Recorder()
        self._queries = itertools.count(1)
        self.host = host
        self._requested_port = port
        self._udp: socket.socket | None = None
        self._tcp: socket.socket | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def _answer(self, query: bytes) -> bytes | None:
        try:
            question = DNSRecord.parse(query).q
            self.recorder.command("dns", next(self._queries), f"{QTYPE[question.qtype]}? {question.qname}")
        except Exception:  # garbage is dropped by answer() below; nothing worth recording
            pass
        return answer(self.tenant, query)

    @property
    def port(self) -> int:
        if self._udp is None:
            raise RuntimeError("DNS server is not started")
        return int(self._udp.getsockname()[1])

    def start(self) -> None:
        """Bind UDP and TCP on the same port and serve; ready when this returns."""
        for _attempt in range(20):
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                udp.bind((self.host, self._requested_port))
                claim_port_options(tcp)
                tcp.bind((self.host, udp.getsockname()[1]))
                tcp.listen(16)
            except OSError as exc:
                udp.close()
                tcp.close()
                if self._requested_port:  # a fixed port: no retry can help
                    raise SimBindError(
                        exc.errno, f"DNS cannot listen on {self.host}:{self._requested_port}: {exc.strerror}"
                    ) from exc
                continue  # the ephemeral UDP port was taken for TCP: try another
            break
        else:
            raise SimBindError(0, f"DNS found no free port on {self.host} for both UDP and TCP")
        self._udp, self._tcp = udp, tcp
        udp.setblocking(False)
        tcp.setblocking(False)
        self._stop.clear()
        for target, kind in ((self._serve_udp, "udp"), (self._serve_tcp, "tcp")):
            thread = threading.Thread(target=target, name=f"sim-dns-{kind}-{self.port}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop both loops, join the threads, close the sockets. Idempotent."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()
        for sock in (self._udp, self._tcp):
            if sock is not None:
                sock.close()
        self._udp = self._tcp = None

    def _serve_udp(self) -> None:
        assert self._udp is not None
        sock = self._udp
        for _ in while_readable(sock, self._stop):
            try:
                data, peer = sock.recvfrom(4096)
            except OSError:
                continue
            reply = self._answer(data)
            if reply is not None and self.answer_delay:
                # Later, from a timer: this loop must go on answering the other queries meanwhile.
                timer = threading.Timer(self.answer_delay, _send_quietly, (sock, reply, peer))
                timer.daemon = True  # a withheld answer must not keep the process alive
                timer.start()
            elif reply is not None:
                _send_quietly(sock, reply, peer)

    def _serve_tcp(self) -> None:
        assert self._tcp is not None
        listener = self._tcp
        for _ in while_readable(listener, self._stop):
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            # Served inline: DNS-over-TCP clients send one query and wait; a short timeout bounds a
            # silent one.
            with conn:
                conn.setblocking(True)
                conn.settimeout(1.0)
                self._tcp_session(conn)

    def _tcp_session(self, conn: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                head = _read_exact(conn, 2)
                if head is None:
                    return
                message = _read_exact(conn, struct.unpack("!H", head)[0])
                if message is None:
                    return
                reply = self._answer(message)
                if reply is None:
                    return
                conn.sendall(struct.pack("!H", len(reply)) + reply)
            except OSError:
                return


def _send_quietly(sock: socket.socket, reply: bytes, peer: tuple[str, int]) -> None:
    with contextlib.suppress(OSError, ValueError):
        sock.sendto(reply, peer)


def _read_exact(conn: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data
