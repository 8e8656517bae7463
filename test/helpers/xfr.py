#!/usr/bin/python3
"""Zone transfers and TSIG through dnspython, for test/helpers/xfr.ts.

Reads one JSON request on stdin, writes one JSON reply on stdout:
- {"op": "xfr", "port", "zone", "key"?: {"name", "secret", "algorithm"}, "skew"?: seconds}
  -> {"records": [canonical lines], "messages": n, "error"?: "ExceptionName: text"}
  dnspython verifies every message's TSIG when a key is given.
- {"op": "query", "port", "zone", "type", "tcp", "key"?, "skew"?}
  -> {"rcode", "tsig_error"?, "error"?: "ExceptionName: text"}
- {"op": "zone", "zone", "text"} -> {"records": [canonical lines]} (a master file, e.g. mailns export)
- {"op": "ixfr", "port", "zone", "serial", "udp"?, "key"?}
  -> {"records": [canonical lines, in the order received], "messages": n, "error"?} (dns.query.xfr)
- {"op": "apply", "port", "zone", "text", "udp_mode"?: "never"|"try"|"only", "key"?}
  -> {"records": [canonical lines of the zone after], "error"?}: the master file `text` as dnspython's
  zone, brought up to date by dns.query.inbound_xfr with an IXFR from its SOA serial
Canonical lines: 'owner ttl CLASS TYPE rdata', names absolute and lower-cased.
"""
import json
import socket
import struct
import sys
import time

import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.tsig
import dns.tsigkeyring
import dns.xfr
import dns.zone


def canon(name, ttl, rdata):
    return f"{name.to_text().lower()} {ttl} {dns.rdataclass.to_text(rdata.rdclass)} {dns.rdatatype.to_text(rdata.rdtype)} {rdata.to_text().lower() if rdata.rdtype in (2, 5, 6, 12, 15, 33) else rdata.to_text()}"


def keyring_of(k):
    if not k:
        return None, None, None
    ring = dns.tsigkeyring.from_text({k["name"]: (k.get("algorithm", "hmac-sha256"), k["secret"])})
    return ring, dns.name.from_text(k["name"]), dns.name.from_text(k.get("algorithm", "hmac-sha256"))


def skewed(seconds):
    if seconds:
        real = time.time
        time.time = lambda: real() + seconds


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        chunk = s.recv(n - len(b))
        if not chunk:
            raise EOFError("connection closed")
        b += chunk
    return b


def xfr(req):
    ring, keyname, alg = keyring_of(req.get("key"))
    skewed(req.get("skew", 0))
    zone = dns.name.from_text(req["zone"])
    q = dns.message.make_query(zone, dns.rdatatype.AXFR)
    if ring:
        q.use_tsig(ring, keyname, algorithm=alg)
    records, messages = [], 0
    try:
        with socket.create_connection(("127.0.0.1", req["port"]), timeout=30) as s:
            wire = q.to_wire()
            s.sendall(struct.pack("!H", len(wire)) + wire)
            ctx, request_mac, soa_seen = None, q.mac if ring else b"", 0
            while soa_seen < 2:
                (ln,) = struct.unpack("!H", recv_exact(s, 2))
                data = recv_exact(s, ln)
                r = dns.message.from_wire(data, keyring=ring, request_mac=request_mac, xfr=True, origin=None, tsig_ctx=ctx, multi=True, one_rr_per_rrset=True)
                ctx = r.tsig_ctx
                messages += 1
                if r.rcode() != dns.rcode.NOERROR:
                    return {"records": records, "messages": messages, "error": f"rcode {dns.rcode.to_text(r.rcode())}"}
                if ring and not r.had_tsig:
                    return {"records": records, "messages": messages, "error": "unsigned message in a signed transfer"}
                for rrset in r.answer:
                    for rd in rrset:
                        if rd.rdtype == dns.rdatatype.SOA:
                            soa_seen += 1
                        records.append(canon(rrset.name, rrset.ttl, rd))
    except Exception as e:  # the test reads which exception it was
        return {"records": records, "messages": messages, "error": f"{type(e).__name__}: {e}"}
    return {"records": records, "messages": messages}


def query(req):
    ring, keyname, alg = keyring_of(req.get("key"))
    skewed(req.get("skew", 0))
    q = dns.message.make_query(req["zone"], req.get("type", "SOA"), use_edns=0)
    if ring:
        q.use_tsig(ring, keyname, algorithm=alg)
    out = {}
    try:
        fn = dns.query.tcp if req.get("tcp") else dns.query.udp
        r = fn(q, "127.0.0.1", port=req["port"], timeout=5)
        out["rcode"] = dns.rcode.to_text(r.rcode())
    except Exception as e:
        out["error"] = f"{type(e).__name__}: {e}"
    return out


def zone(req):
    z = dns.zone.from_text(req["text"], origin=req["zone"], relativize=False, check_origin=False)
    return {"records": [canon(name, rds.ttl, rd) for name, node in z.nodes.items() for rds in node.rdatasets for rd in rds]}


def ixfr(req):
    ring, keyname, alg = keyring_of(req.get("key"))
    records, messages = [], 0
    try:
        for r in dns.query.xfr("127.0.0.1", req["zone"], rdtype=dns.rdatatype.IXFR, serial=req["serial"], port=req["port"], timeout=10,
                               lifetime=30, use_udp=bool(req.get("udp")), relativize=False, keyring=ring, keyname=keyname, keyalgorithm=alg or dns.tsig.default_algorithm):
            messages += 1
            for rrset in r.answer:
                for rd in rrset:
                    records.append(canon(rrset.name, rrset.ttl, rd))
    except Exception as e:  # the test reads which exception it was
        return {"records": records, "messages": messages, "error": f"{type(e).__name__}: {e}"}
    return {"records": records, "messages": messages}


def apply(req):
    ring, keyname, alg = keyring_of(req.get("key"))
    z = dns.zone.from_text(req["text"], origin=req["zone"], relativize=False, check_origin=False)
    mode = {"never": dns.query.UDPMode.NEVER, "try": dns.query.UDPMode.TRY_FIRST, "only": dns.query.UDPMode.ONLY}[req.get("udp_mode", "never")]
    q, _ = dns.xfr.make_query(z, keyring=ring, keyname=keyname, keyalgorithm=alg or dns.tsig.default_algorithm)
    try:
        dns.query.inbound_xfr("127.0.0.1", z, q, port=req["port"], timeout=10, lifetime=30, udp_mode=mode)
    except Exception as e:
        return {"error": f"{type(e).__name__}: {e}"}
    return {"records": [canon(name, rds.ttl, rd) for name, node in z.nodes.items() for rds in node.rdatasets for rd in rds]}


def main():
    req = json.load(sys.stdin)
    out = {"xfr": xfr, "query": query, "zone": zone, "ixfr": ixfr, "apply": apply}[req["op"]](req)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
