"""A tiny authoritative DNS server on loopback UDP (dnslib), with one behaviour per name."""

from __future__ import annotations

import socket
import threading

from dnslib import AAAA, CNAME, QTYPE, RCODE, RR, A, DNSRecord


class LocalDns:
    """Names: ``*.ok.test`` and any name in ``records`` answer; ``alias.test`` is a CNAME chain;
    ``nx.test`` NXDOMAIN; ``fail.test`` SERVFAIL; ``empty.test`` NOERROR without records;
    ``slow.test`` is never answered. Everything else is NXDOMAIN."""

    def __init__(self, records: dict[str, str] | None = None) -> None:
        self.records = {name.lower().rstrip("."): address for name, address in (records or {}).items()}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port: int = self.sock.getsockname()[1]
        self.queries: list[str] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                data, peer = self.sock.recvfrom(4096)
            except (TimeoutError, OSError):
                continue
            try:
                request = DNSRecord.parse(data)
            except Exception:
                continue
            reply = self.answer(request)
            if reply is not None:
                self.sock.sendto(reply.pack(), peer)

    def answer(self, request: DNSRecord) -> DNSRecord | None:
        qname = str(request.q.qname).rstrip(".").lower()
        qtype = QTYPE[request.q.qtype]
        self.queries.append(f"{qname} {qtype}")
        reply = request.reply()
        if qname == "slow.test":
            return None
        if qname == "fail.test":
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        if qname == "empty.test":
            return reply
        if qname == "alias.test":
            reply.add_answer(RR("alias.test", QTYPE.CNAME, rdata=CNAME("outlook.ha.test"), ttl=60))
            reply.add_answer(RR("outlook.ha.test", QTYPE.CNAME, rdata=CNAME("pod1.ha.test"), ttl=60))
            if qtype == "A":
                reply.add_answer(RR("pod1.ha.test", QTYPE.A, rdata=A("127.0.0.1"), ttl=60))
            return reply
        address = self.records.get(qname) or ("127.0.0.1" if qname.endswith(".ok.test") else None)
        if address is None:
            reply.header.rcode = RCODE.NXDOMAIN
            return reply
        if qtype == "A" and ":" not in address:
            reply.add_answer(RR(qname, QTYPE.A, rdata=A(address), ttl=60))
        elif qtype == "AAAA" and ":" in address:
            reply.add_answer(RR(qname, QTYPE.AAAA, rdata=AAAA(address), ttl=60))
        return reply

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(1)
        self.sock.close()
