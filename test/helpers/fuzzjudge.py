"""
The fuzz judge: reads (transport, query, reply) records from stdin and
checks each reply against what the query means to dnspython, a decoder we
did not write (run with /usr/bin/python3, Debian's python3-dnspython).

Record: 1 octet transport (0 UDP, 1 TCP), 2 octets query length, the query,
4 octets reply length (0xffffffff: no reply came), the reply. A record of
transport 0xff ends the stream; the judge then prints one JSON object:
counts by rcode and outcome, and failures grouped by kind, each with the
first example in hex.

What is judged, from dnspython's reading of the query (the server's own
decoder is never asked):
  - a packet shorter than a header, or with QR set, gets no reply
    (RFC 1035 §4.1.1); every other packet gets one;
  - the reply parses, has QR, the query's ID and opcode, RD and CD copied
    (not to an opcode we do not implement), and RA, Z clear;
  - the rcode: FORMERR for what dnspython cannot parse (where only the
    sections after the question fail, such as a record's RDATA the server
    never reads, FORMERR or an answer); NOTIMP for opcodes other than QUERY;
    BADVERS for EDNS versions above 0 (RFC 6891 §6.1.3); NOTAUTH (or
    FORMERR) for a TSIG with a key the server does not have (RFC 8945 §5.2);
    REFUSED outside the served zones and classes; NOERROR or NXDOMAIN inside;
  - the question echoed octet for octet (RFC 4343 §4.1: letter case kept);
  - over UDP, the size the client allows (512 without EDNS, RFC 1035
    §4.2.1; else its size capped at our 1232, RFC 6891 §6.2.5); no TC over TCP;
  - an OPT in the reply exactly when the query had one (RFC 6891 §7),
    version 0, DO echoed (RFC 3225 §3);
  - AA on authoritative IN answers, not on referrals or QCLASS ANY; the
    first answer's owner is the question name;
  - the same question asked again the same way gets the same reply: the
    response cache must not change what is said (IDs, letter case and
    EDNS options aside).
"""
import json
import struct
import sys

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.tsig

FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED, NOTAUTH, BADVERS = 1, 2, 3, 4, 5, 9, 16
NOERROR = 0
SERVER_EDNS_SIZE = 1232
CHAOS = 3
META_TYPES = {41, 249, 250, 251, 252, 253, 254}  # OPT, TKEY, TSIG, IXFR, AXFR, MAILB, MAILA
TSIG_FAILURES = (dns.message.UnknownTSIGKey, dns.tsig.PeerError, dns.tsig.BadSignature, dns.tsig.BadAlgorithm, dns.tsig.BadTime)

ZONES = [dns.name.from_text(z) for z in sys.argv[1:]]

# Options a server that does not implement them ignores (RFC 6891 §6.1.2): dnspython would parse ECS (RFC 7871) and
# EDE (RFC 8914, its text as UTF-8) and reject a query over their content; read them as opaque octets.
import dns.edns  # noqa: E402
for _code in (8, 15):
    dns.edns.register_type(dns.edns.GenericOption, _code)


class Failures:
    def __init__(self):
        self.kinds = {}

    def add(self, kind, transport, query, reply, detail=''):
        e = self.kinds.get(kind)
        if e:
            e['count'] += 1
            return
        self.kinds[kind] = {'count': 1, 'transport': transport, 'query': query.hex(), 'reply': reply.hex() if reply is not None else None, 'detail': detail}


def dummy_keyring(_message, keyname):
    """Any key the reply names: its structure is then read whole, and the MAC check fails, as it must (we have no key)."""
    return dns.tsig.Key(keyname, b'\x00' * 32)


def readable(wire):
    """The message as dnspython reads it: it knows no opcode but QUERY, IQUERY, STATUS, NOTIFY and UPDATE, and reads
    UPDATE's sections as zone, prerequisites and updates; so the opcode is read as QUERY (the header's own is judged apart)."""
    if len(wire) >= 3 and (wire[2] >> 3) & 0xF != 0:
        wire = wire[:2] + bytes([wire[2] & 0x87]) + wire[3:]
    return wire


def question_compressed(q):
    """The question's name holds a compression pointer: nothing comes before it to point at (RFC 1035 §4.1.4), so it
    points into the header or forward, and a server may call the query malformed (FORMERR, before it reads the OPT)."""
    o = 12
    while o < len(q):
        n = q[o]
        if n == 0:
            return False
        if n & 0xC0:
            return True
        o += n + 1
    return False


def pointer_into_header(q):
    """Octets that read as a compression pointer to the header (C0 00 to C0 0B) anywhere after it. dnspython follows
    such a pointer (it reads the ID or the counts as a name); a server may call it malformed, since no name is there
    (RFC 1035 §4.1.4), and ours does. A blind scan: where it misfires (RDATA that happens to hold those octets), the
    judge only also accepts FORMERR."""
    return any(q[i] == 0xC0 and q[i + 1] < 12 for i in range(12, len(q) - 1))


def answer_rcodes(question, transport):
    """The rcodes a well-formed question may get, and whether the answer must be authoritative."""
    labels, qtype, qclass = question
    inside = any(dns.name.Name(labels).is_subdomain(z) for z in ZONES)
    if qtype in (251, 252):
        # AXFR over UDP is NOTIMP (RFC 5936 §4.2, as NSD); a transfer nobody allowed is REFUSED, one outside our zones NOTAUTH.
        rcodes = {NOTIMP} if transport == 'udp' and qtype == 252 else {REFUSED, NOTAUTH}
    elif qclass == CHAOS:
        rcodes = {NOERROR, REFUSED}
    elif qclass not in (1, 255) or not inside:
        rcodes = {REFUSED}
    else:
        rcodes = {NOERROR, NXDOMAIN}
    if qtype in META_TYPES and qtype not in (251, 252):
        rcodes |= {FORMERR, NOTIMP, REFUSED}
    return rcodes, inside and qclass == 1 and qtype not in (251, 252)


def raw_question(q):
    """The question's name as raw labels (case kept), type and class, read by dnspython from the wire."""
    m = dns.message.from_wire(readable(q), question_only=True)
    if not m.question:
        return None
    rr = m.question[0]
    return rr.name.labels, rr.rdtype, rr.rdclass


def expectation(q, transport):
    """expectations(), and where the query holds a pointer into the header, FORMERR too, with or without an OPT
    (a server that stops at the pointer has not read the OPT)."""
    exp = expectations(q, transport)
    if pointer_into_header(q):
        exp['rcodes'] |= {FORMERR}
        if exp['edns']:
            exp['edns'] = None
    return exp


def expectations(q, transport):
    """What the reply must be: acceptable rcodes, whether an OPT is due (None: either), the question, the parsed query."""
    opcode = (q[2] >> 3) & 0xF
    qd, an = struct.unpack('>HH', q[4:8])
    exp = {'rcodes': set(), 'edns': None, 'question': None, 'query': None, 'opcode': opcode}
    if qd >= 1 and question_compressed(q):
        exp['rcodes'] = {FORMERR}
        return exp
    try:
        m = dns.message.from_wire(readable(q))
    except dns.message.UnknownTSIGKey:
        # Read whole up to a TSIG whose key we do not have: NOTAUTH/BADKEY, or FORMERR for a MAC of impossible length.
        exp['rcodes'] = {NOTAUTH, FORMERR}
        return exp
    except dns.message.TrailingJunk:
        # Octets after the last record: RFC 1035 says nothing; read as the query they follow, or FORMERR.
        try:
            m = dns.message.from_wire(readable(q), ignore_trailing=True)
        except Exception:
            exp['rcodes'] = {FORMERR, NOTIMP}
            return exp
        exp['lenient'] = True
    except Exception:
        try:
            exp['question'] = raw_question(q) if qd == 1 else None
        except Exception:
            exp['question'] = None
        # The header and question read but a later section did not (a record dnspython reads deeper than a server must):
        # FORMERR, or the answer to the question.
        exp['rcodes'] = {FORMERR, NOTIMP}
        if exp['question'] is not None and opcode == 0 and an == 0:
            exp['rcodes'] |= answer_rcodes(exp['question'], transport)[0] | {BADVERS}
        return exp
    exp['query'] = m
    exp['edns'] = m.edns >= 0
    errors = set()
    if opcode != 0:
        errors.add(NOTIMP)
    cookies = [len(o.to_wire()) for o in m.options if o.otype == 10] if m.edns >= 0 else []
    # RFC 7873 §5.2.2: a COOKIE of the wrong length (a client cookie of 8, a server cookie of 8 to 32 after it) is FORMERR.
    if cookies and not (cookies[0] == 8 or 16 <= cookies[0] <= 40):
        errors.add(FORMERR)
    if qd == 0 and an == 0 and cookies and not errors and opcode == 0:
        exp['rcodes'] = {NOERROR}  # RFC 7873 §5.4: a query for a server cookie
        return exp
    if qd != 1 or an != 0:
        errors.add(FORMERR)
    if m.edns > 0:
        errors.add(BADVERS)
    if qd >= 1:
        try:
            exp['question'] = raw_question(q)
        except Exception:
            exp['question'] = None
    if errors:
        exp['rcodes'] = errors
        return exp
    exp['rcodes'], exp['authoritative'] = answer_rcodes(exp['question'], transport)
    if exp.get('lenient'):
        exp['rcodes'] |= {FORMERR}
    return exp


def signature(r):
    """What a reply says, IDs, letter case and EDNS options aside: for the same question asked the same way."""
    sections = []
    for sec in (r.answer, r.authority, r.additional):
        sections.append(sorted(rrset.to_text().lower() for rrset in sec))
    return (r.rcode(), r.flags & (dns.flags.AA | dns.flags.TC), tuple(tuple(s) for s in sections))


def judge(transport, q, reply, fails, counts, seen):
    due = len(q) >= 12 and not (q[2] & 0x80)
    if not due:
        if reply is not None:
            fails.add('a reply to a packet that must be dropped (shorter than a header, or QR set)', transport, q, reply)
        counts['dropped'] = counts.get('dropped', 0) + 1
        return
    if reply is None:
        fails.add('no reply', transport, q, reply)
        return
    exp = expectation(q, transport)
    qid, qflags = struct.unpack('>HH', q[:4])
    try:
        r = dns.message.from_wire(readable(reply), keyring=dummy_keyring)
    except TSIG_FAILURES:
        # A TSIG error reply (RFC 8945 §5.3.2), signed with a key we cannot check: the header is what is left to judge.
        rcode = reply[3] & 0xF if len(reply) >= 4 else -1
        if rcode not in exp['rcodes'] and not (rcode == NOTAUTH and exp['rcodes'] & {NOTAUTH}):
            fails.add(f'TSIG reply rcode {rcode}, expected one of {sorted(exp["rcodes"])}', transport, q, reply)
        counts['tsig'] = counts.get('tsig', 0) + 1
        return
    except Exception as e:
        fails.add(f'reply does not parse: {type(e).__name__}', transport, q, reply, str(e))
        return
    rcode = r.rcode()
    counts[dns.rcode.to_text(rcode)] = counts.get(dns.rcode.to_text(rcode), 0) + 1

    def want(ok, kind, detail=''):
        if not ok:
            fails.add(kind, transport, q, reply, detail)

    want(r.flags & dns.flags.QR, 'QR clear in the reply')
    want(r.id == qid, 'reply ID is not the query ID')
    want((reply[2] >> 3) & 0xF == exp['opcode'], 'reply opcode is not the query opcode')
    want(rcode in exp['rcodes'], f'rcode {dns.rcode.to_text(rcode)}, expected one of {sorted(exp["rcodes"])}')
    want(rcode != SERVFAIL, 'SERVFAIL')
    bare_notimp = exp['opcode'] != 0 and rcode == NOTIMP
    want(bool(r.flags & dns.flags.RD) == (bool(qflags & 0x0100) and not bare_notimp), 'RD not copied (or echoed to an unknown opcode)')
    want(bool(r.flags & dns.flags.CD) == (bool(qflags & 0x0010) and not bare_notimp), 'CD not copied (or echoed to an unknown opcode)')
    want(not r.flags & dns.flags.RA, 'RA set')
    want(not (reply[3] & 0x40), 'Z bit set')
    if transport == 'udp':
        limit = 512
        m = exp['query']
        if m is not None and m.edns >= 0:
            limit = min(max(m.payload, 512), SERVER_EDNS_SIZE)
        elif m is None:
            limit = SERVER_EDNS_SIZE  # what the server read of a malformed query is its own; the largest it may send
        want(len(reply) <= limit, f'UDP reply over {limit} octets')
    else:
        want(not r.flags & dns.flags.TC, 'TC over TCP')
    if exp['edns'] is True:
        want(r.edns == 0, 'query had EDNS, the reply has no OPT of version 0')
        if r.edns >= 0:
            want(bool(r.ednsflags & dns.flags.DO) == bool(exp['query'].ednsflags & dns.flags.DO), 'DO not echoed')
    elif exp['edns'] is False:
        want(r.edns < 0, 'reply has an OPT, the query had none')
    question = exp['question']
    if question is not None and rcode in (NOERROR, NXDOMAIN, REFUSED, NOTIMP, FORMERR, BADVERS) and not bare_notimp:
        rq = raw_question(reply)
        if rq is None:
            want(rcode != NOERROR and rcode != NXDOMAIN or bool(r.flags & dns.flags.TC), 'the question is not echoed')
        else:
            want(rq == question, 'the question is not echoed octet for octet')
    if rcode not in (NOERROR, NXDOMAIN):
        want(not r.answer and not r.authority, f'records with rcode {dns.rcode.to_text(rcode)}')
    if exp['query'] is not None and question is not None and rcode in (NOERROR, NXDOMAIN) and question[2] in (1, 255):
        name = dns.name.Name(question[0])
        referral = not r.answer and any(rs.rdtype == 2 for rs in r.authority) and not any(rs.rdtype == 6 for rs in r.authority)
        if exp.get('authoritative') and not referral:
            want(r.flags & dns.flags.AA, 'AA clear on an authoritative answer')
        if question[2] == 255:
            want(not r.flags & dns.flags.AA, 'AA on a QCLASS ANY answer')
        if r.answer:
            want(r.answer[0].name == name, 'the first answer is not for the question name')
        if rcode == NOERROR or rcode == NXDOMAIN:
            # The same question, asked the same way, gets the same reply (through the response cache or not).
            m = exp['query']
            key = (transport, name.to_text().lower(), question[1], question[2], m.edns >= 0, min(max(m.payload, 512), SERVER_EDNS_SIZE) if m.edns >= 0 else 0,
                   bool(m.ednsflags & dns.flags.DO), bool(exp.get('lenient')))
            sig = signature(r)
            was = seen.get(key)
            if was is None:
                if len(seen) < 200_000:
                    seen[key] = sig
            else:
                want(was == sig, 'the same question got a different reply', f'first {was!r}, now {sig!r}')


def main():
    fails, counts, seen = Failures(), {}, {}
    inputs = 0
    stdin = sys.stdin.buffer
    while True:
        head = stdin.read(1)
        if not head or head[0] == 0xFF:
            break
        qlen = struct.unpack('>H', stdin.read(2))[0]
        q = stdin.read(qlen)
        rlen = struct.unpack('>I', stdin.read(4))[0]
        reply = None if rlen == 0xFFFFFFFF else stdin.read(rlen)
        transport = 'udp' if head[0] == 0 else 'tcp'
        inputs += 1
        try:
            judge(transport, q, reply, fails, counts, seen)
        except Exception as e:  # a bug of the judge is reported, not a crash of the run
            fails.add(f'judge failed: {type(e).__name__}', transport, q, reply, str(e))
    print(json.dumps({'inputs': inputs, 'counts': counts, 'failures': fails.kinds}))


if __name__ == '__main__':
    main()
