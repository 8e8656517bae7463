#!/usr/bin/python3
"""Batch DNS query helper for mailns differential tests.

Run with /usr/bin/python3 (needs dnspython >= 2.3).
stdin:  JSON {"host": "127.0.0.1", "port": 5353, "queries": [Query, ...]}
stdout: JSON [Reply, ...] (same order as queries)

Query:  {name, type, class?="IN", tcp?=false, edns?=1232|false, do?=false,
         ednsVersion?=0, rd?=false, opcode?="QUERY", id?}
Reply:  {id?, rcode, flags[sorted], edns: null|{version,payload,do,options[]},
         question[], answer[], authority[], additional[], opcode?, size?, error?}
         (size = wire length of the response in bytes; opcode of the response)

stdin:  JSON {"normalize": [[line, ...], ...]}   (lines 'owner ttl class type rdata')
stdout: JSON [[canonical line, ...], ...]         records read by dnspython, in the
         form of the reply sections below, to compare expected records with replies.

Canonical RR form: "owner ttl class type rdata", owner lower-cased; rdata as
dnspython to_text, lower-cased for name-only types (NS CNAME PTR MX SRV SOA
DNAME ...). Each section is a sorted list. Question lines keep the case as
received ("name class type"). OPT is reported in `edns`, not in additional.
"""
import json
import socket
import sys
import time

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.query
import dns.rdataclass
import dns.rdatatype
import dns.rcode
import dns.rrset

TIMEOUT = 2.0

# Types whose rdata is only names/numbers: safe to lower-case entirely.
LOWER_RDATA = {
    'NS', 'CNAME', 'PTR', 'MX', 'SRV', 'SOA', 'DNAME', 'MD', 'MF', 'MB', 'MG',
    'MR', 'MINFO', 'RP', 'AFSDB', 'RT', 'KX', 'PX',
}


def rr_lines(rrsets):
    out = []
    for rrset in rrsets:
        owner = rrset.name.to_text().lower()
        cls = dns.rdataclass.to_text(rrset.rdclass)
        typ = dns.rdatatype.to_text(rrset.rdtype)
        for rd in rrset:
            text = rd.to_text()
            if typ in LOWER_RDATA:
                text = text.lower()
            elif typ == 'NSEC':
                # next-domain name only; keep the type bitmap mnemonics as-is
                head, _, rest = text.partition(' ')
                text = f'{head.lower()} {rest}'.rstrip()
            out.append(f'{owner} {rrset.ttl} {cls} {typ} {text}')
    out.sort()
    return out


def option_text(opt):
    """EDNS option as text: 'EDE <info-code>[ <extra text>]' or '<NAME> <hex data>'."""
    code = int(opt.otype)
    if code == 15 and hasattr(opt, 'code'):  # Extended DNS Error (RFC 8914)
        text = f'EDE {int(opt.code)}'
        if getattr(opt, 'text', None):
            text += f' {opt.text}'
        return text
    try:
        name = dns.edns.OptionType.to_text(code)
    except Exception:  # pragma: no cover
        name = f'OPT{code}'
    try:
        data = opt.to_wire().hex()
    except Exception:
        data = ''
    return f'{name} {data}'.strip()


def opcode_text(op):
    try:
        return dns.opcode.to_text(op)
    except Exception:
        return str(op)


def build(q):
    name = dns.name.from_text(q['name'])
    rdtype = dns.rdatatype.from_text(q.get('type', 'A'))
    rdclass = dns.rdataclass.from_text(q.get('class', 'IN'))
    edns = q.get('edns', 1232)
    if edns is None or edns is True:
        edns = 1232
    msg = dns.message.make_query(name, rdtype, rdclass, use_edns=False)
    if edns is not False:
        # Set EDNS explicitly: make_query(want_dnssec=...) in dnspython 2.3
        # clobbers the EDNS version bits when clearing DO.
        msg.use_edns(
            edns=int(q.get('ednsVersion', 0) or 0),
            ednsflags=dns.flags.DO if q.get('do', False) else 0,
            payload=int(edns),
        )
    opcode = q.get('opcode')
    if opcode is not None:
        if isinstance(opcode, int) or (isinstance(opcode, str) and opcode.isdigit()):
            op = int(opcode)
        else:
            op = dns.opcode.from_text(opcode)
        msg.set_opcode(op)
    # make_query sets RD by default; honour the requested value (default: off).
    if q.get('rd', False):
        msg.flags |= dns.flags.RD
    else:
        msg.flags &= ~dns.flags.RD
    return msg


def question_lines(msg):
    out = []
    for rrset in msg.question:
        out.append(f'{rrset.name.to_text()} {dns.rdataclass.to_text(rrset.rdclass)} '
                   f'{dns.rdatatype.to_text(rrset.rdtype)}')
    return out


def empty_reply(q):
    r = {'rcode': '', 'flags': [], 'edns': None, 'question': [], 'answer': [],
         'authority': [], 'additional': []}
    if q.get('id') is not None:
        r['id'] = q['id']
    return r


def _recv_exact(sock, n):
    buf = b''
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError('connection closed by server')
        buf += chunk
    return buf


def exchange_udp(host, port, wire, qid):
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.settimeout(TIMEOUT)
        s.connect((host, port))  # only accept datagrams from the server
        s.send(wire)
        deadline = time.monotonic() + TIMEOUT
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise dns.exception.Timeout()
            s.settimeout(remaining)
            data = s.recv(65535)
            # accept the first datagram whose id matches; don't second-guess
            # opcode/question here - the caller compares those.
            if len(data) >= 2 and int.from_bytes(data[:2], 'big') == qid:
                return data


def exchange_tcp(host, port, wire):
    with socket.create_connection((host, port), timeout=TIMEOUT) as s:
        s.settimeout(TIMEOUT)
        s.sendall(len(wire).to_bytes(2, 'big') + wire)
        ln = int.from_bytes(_recv_exact(s, 2), 'big')
        return _recv_exact(s, ln)


def run_one(host, port, q):
    reply = empty_reply(q)
    try:
        msg = build(q)
        wire = msg.to_wire()
    except Exception as e:
        reply['error'] = f'bad query: {type(e).__name__}: {e}'
        return reply
    try:
        if q.get('tcp', False):
            data = exchange_tcp(host, port, wire)
        else:
            data = exchange_udp(host, port, wire, msg.id)
    except (dns.exception.Timeout, socket.timeout, TimeoutError):
        reply['error'] = 'timeout'
        return reply
    except ConnectionRefusedError:
        reply['error'] = 'connection refused'
        return reply
    except ConnectionResetError:
        reply['error'] = 'connection reset'
        return reply
    except EOFError:
        reply['error'] = 'eof'
        return reply
    except Exception as e:
        reply['error'] = f'{type(e).__name__}: {e}'
        return reply

    reply['size'] = len(data)
    if len(data) < 12:
        reply['error'] = f'short reply ({len(data)} bytes)'
        return reply
    hdr_flags = int.from_bytes(data[2:4], 'big')
    op = (hdr_flags >> 11) & 0xF
    reply['opcode'] = opcode_text(op)
    wire = data
    try:
        dns.opcode.Opcode(op)
    except ValueError:
        # dnspython refuses unknown opcodes; parse as QUERY (opcode reported above)
        fixed = hdr_flags & ~0x7800
        wire = data[:2] + fixed.to_bytes(2, 'big') + data[4:]
    try:
        # one_rr_per_rrset keeps per-RR TTLs (dnspython would otherwise merge
        # RRs into one rrset with the minimum TTL).
        resp = dns.message.from_wire(wire, one_rr_per_rrset=True)
    except Exception as e:
        reply['error'] = f'{type(e).__name__}: {e}'
        # still report the header so tests can see e.g. rcode/flags
        reply['rcode'] = dns.rcode.to_text(hdr_flags & 0xF)
        reply['flags'] = sorted(dns.flags.to_text(hdr_flags).split())
        return reply

    reply['rcode'] = dns.rcode.to_text(resp.rcode())
    reply['flags'] = sorted(dns.flags.to_text(resp.flags).split())
    if resp.edns >= 0:
        reply['edns'] = {
            'version': int(resp.edns),
            'payload': int(resp.payload),
            'do': bool(resp.ednsflags & dns.flags.DO),
            'options': [option_text(o) for o in resp.options],
        }
    reply['question'] = question_lines(resp)
    reply['answer'] = rr_lines(resp.answer)
    reply['authority'] = rr_lines(resp.authority)
    reply['additional'] = rr_lines(resp.additional)
    return reply


def normalize(lines):
    """Zone-file lines 'owner ttl class type rdata' in the canonical form of rr_lines."""
    rrsets = []
    for line in lines:
        owner, ttl, cls, typ, rdata = line.split(None, 4)
        rrsets.append(dns.rrset.from_text(owner, int(ttl), cls, typ, rdata))
    return rr_lines(rrsets)


def main():
    req = json.load(sys.stdin)
    if 'normalize' in req:
        # Expected records, written by the caller in zone-file form, read by dnspython.
        json.dump([normalize(group) for group in req['normalize']], sys.stdout)
        sys.stdout.write('\n')
        return
    host = req.get('host', '127.0.0.1')
    port = int(req['port'])
    out = [run_one(host, port, q) for q in req.get('queries', [])]
    json.dump(out, sys.stdout)
    sys.stdout.write('\n')


if __name__ == '__main__':
    main()
