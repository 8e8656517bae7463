#!/usr/bin/python3
"""One signed request and dnspython's reading of the reply, for test/e2e/tsig.test.ts.

Reads one JSON request on stdin:
  {"port", "name", "type", "key": {"name", "secret", "algorithm"?},
   "tcp"?, "skew"?: seconds, "opcode"?: "STATUS"|"NOTIFY"|..., "answer"?: "owner ttl class type rdata" (an answer record, FORMERR
   in a query), "edns"?: version (-1: none), "payload"?: size}
"key" signs the request and verifies the reply.
Writes one JSON reply on stdout:
  {"rcode", "signed": the reply has a TSIG, "verified": dnspython verified its MAC (for an error TSIG,
   the MAC chained to our request MAC, RFC 8945 §5.3.2), "tsig_error", "time_signed", "fudge",
   "other_time": the 48-bit time in Other Data, "request_time", "tc", "exception"?: what dnspython raised}
"""
import json
import socket
import struct
import sys
import time

import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rrset
import dns.tsig
import dns.tsigkeyring

# RFC 8945 §3 (dns.rcode.to_text says BADVERS for 16, the same number).
TSIG_ERRORS = {0: "NOERROR", 16: "BADSIG", 17: "BADKEY", 18: "BADTIME", 22: "BADTRUNC"}
seen = {}
real_validate = dns.tsig.validate


def validate(wire, key, owner, rdata, now, request_mac, tsig_start, ctx=None, multi=False):
    """dnspython's own check, which raises PeerBad* for an error TSIG before looking at its MAC: so look at the MAC first."""
    seen["rdata"] = rdata
    if rdata.error != 0 and len(rdata.mac) > 0:
        (adcount,) = struct.unpack("!H", wire[10:12])
        unsigned = wire[0:10] + struct.pack("!H", adcount - 1) + wire[12:tsig_start]
        try:
            dns.tsig._digest(unsigned, key, rdata, None, request_mac, None, False).verify(rdata.mac)
            seen["error_mac"] = True
        except Exception:
            seen["error_mac"] = False
    return real_validate(wire, key, owner, rdata, now, request_mac, tsig_start, ctx, multi)


dns.tsig.validate = validate


def ring_of(k):
    return dns.tsigkeyring.from_text({k["name"]: (k.get("algorithm", "hmac-sha256"), k["secret"])}), dns.name.from_text(k["name"])


def exchange(wire, req):
    if req.get("tcp"):
        with socket.create_connection(("127.0.0.1", req["port"]), timeout=5) as s:
            s.sendall(struct.pack("!H", len(wire)) + wire)
            head = s.recv(2, socket.MSG_WAITALL)
            return s.recv(struct.unpack("!H", head)[0], socket.MSG_WAITALL)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        s.sendto(wire, ("127.0.0.1", req["port"]))
        return s.recv(65535)


def main():
    req = json.load(sys.stdin)
    ring, keyname = ring_of(req["key"])
    if req.get("skew"):
        real = time.time
        time.time = lambda: real() + req["skew"]
    edns = req.get("edns", 0)
    q = dns.message.make_query(req["name"], req.get("type", "SOA"))
    q.use_edns(False if edns < 0 else edns, payload=req.get("payload", 1232))
    q.flags &= ~dns.flags.RD
    if req.get("opcode"):
        q.set_opcode(dns.opcode.from_text(req["opcode"]))
    if req.get("answer"):
        q.answer.append(dns.rrset.from_text(*req["answer"].split(" ", 4)))
    q.use_tsig(ring, keyname, algorithm=req["key"].get("algorithm", "hmac-sha256"))
    wire = q.to_wire()
    out = {"request_time": q.tsig[0].time_signed}
    reply = exchange(wire, req)
    try:
        m = dns.message.from_wire(reply, keyring=ring, request_mac=q.mac)
        out.update(rcode=dns.rcode.to_text(m.rcode()), signed=m.had_tsig, verified=m.had_tsig, tc=bool(m.flags & dns.flags.TC))
    except Exception as e:  # the test reads which exception it was
        out["exception"] = type(e).__name__
        (flags,) = struct.unpack("!H", reply[2:4])
        out.update(rcode=dns.rcode.to_text(flags & 0xF), signed="rdata" in seen, verified=seen.get("error_mac", False), tc=bool(flags & dns.flags.TC))
    r = seen.get("rdata")
    if r is not None:
        out.update(tsig_error=TSIG_ERRORS.get(r.error, str(r.error)), time_signed=r.time_signed, fudge=r.fudge, mac_size=len(r.mac))
        if len(r.other) == 6:
            out["other_time"] = int.from_bytes(r.other, "big")
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
