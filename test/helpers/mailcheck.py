#!/usr/bin/python3
"""Mail-record checks with independent parsers, for the mailns e2e tests.

Run with /usr/bin/python3 (Debian: python3-spf, python3-dkim, python3-nacl,
python3-dnspython). Every DNS query goes to the mailns under test, never to the
system resolver.

usage:  mailcheck.py SUBCOMMAND < request.json > reply.json

  modules   {"modules": ["spf", "dkim", ...]}
            -> {"missing": [names that do not import]}
  spf       {"host", "port", "checks": [{"i", "s", "h"}]}
            -> [{"result", "explanation", "lookups": ["name TYPE", ...]}]
            pyspf's spf.check2(); pyspf resolves through dnspython's default
            resolver, which is replaced by one that asks only host:port.
  dkim-key  {"host", "port", "names": ["sel._domainkey.example.com", ...]}
            -> [{"name", "txt", "records", "transport", "tags", "k", "bits",
                 "raw_len", "evaluate": {"keysize", "ktag"} | {"error"}}]
            The key record parsed by dkimpy itself: dkim.util.parse_tag_value,
            dkim.crypto.parse_public_key (RSA), nacl VerifyKey (Ed25519) and
            dkim.evaluate_pk (what dkim.verify uses).
  dkim-sign-verify
            {"host", "port", "domain", "selector", "key_file", "algorithm"
             ("rsa-sha256" | "ed25519-sha256"), "message", "tampered"?}
            -> {"signature", "verify", "verify_tampered", "lookups",
                "pem_accepted": bool}
            Signs with dkimpy and verifies with a dnsfunc that asks mailns.
"""
import base64
import importlib
import json
import sys


def out(obj):
    json.dump(obj, sys.stdout)
    sys.stdout.write('\n')


def cmd_modules(req):
    missing = []
    for m in req['modules']:
        try:
            importlib.import_module(m)
        except Exception:  # ImportError, or a broken install
            missing.append(m)
    return {'missing': missing}


# ------------------------------------------------------------------ DNS

class Dns:
    """Asks the server under test; records every query it makes."""

    def __init__(self, host, port):
        self.host = host
        self.port = port
        self.lookups = []

    def txt(self, name, timeout=5):
        """TXT strings of each record at `name` (joined per record), rcode and transport."""
        import dns.flags
        import dns.message
        import dns.query
        import dns.rcode
        import dns.rdatatype
        if isinstance(name, bytes):
            name = name.decode('ascii')
        self.lookups.append(f'{name} TXT')
        q = dns.message.make_query(name, 'TXT', use_edns=0, payload=1232)
        r, tcp = dns.query.udp_with_fallback(q, self.host, port=self.port, timeout=timeout)
        records = []
        for rrset in r.answer:
            if rrset.rdtype == dns.rdatatype.TXT:
                for rd in rrset:
                    records.append(b''.join(rd.strings))
        return {
            'rcode': dns.rcode.to_text(r.rcode()),
            'aa': bool(r.flags & dns.flags.AA),
            'tc': bool(r.flags & dns.flags.TC),
            'transport': 'tcp' if tcp else 'udp',
            'records': records,
        }

    def dkimfunc(self):
        """dkimpy's dnsfunc: name (bytes) -> the TXT record's text (bytes), or None."""
        def f(name, timeout=5):
            rep = self.txt(name, timeout)
            # RFC 6376 §3.6.2.2: more than one key record is undefined; give the first like dkimpy does.
            return rep['records'][0] if rep['records'] else None
        return f

    def install_default_resolver(self):
        """Point dnspython's module-level resolver (used by pyspf) at the server under test."""
        import dns.resolver
        res = dns.resolver.Resolver(configure=False)
        res.nameservers = [self.host]
        res.port = self.port
        res.timeout = 2
        res.lifetime = 5
        res.use_edns(0, 0, 1232)
        dns.resolver.default_resolver = res


# ------------------------------------------------------------------ SPF

def cmd_spf(req):
    import spf
    d = Dns(req['host'], req['port'])
    d.install_default_resolver()
    orig = spf.DNSLookup
    results = []
    for c in req['checks']:
        lookups = []

        def logged(name, qtype, *args, **kw):
            lookups.append(f'{name} {qtype}')
            return orig(name, qtype, *args, **kw)
        spf.DNSLookup = logged
        try:
            result, explanation = spf.check2(i=c['i'], s=c['s'], h=c['h'], querytime=10)
        finally:
            spf.DNSLookup = orig
        results.append({'result': result, 'explanation': explanation, 'lookups': lookups})
    return results


# ------------------------------------------------------------------ DKIM

def cmd_dkim_key(req):
    import dkim
    import dkim.crypto
    import dkim.util
    d = Dns(req['host'], req['port'])
    results = []
    for name in req['names']:
        rep = d.txt(name)
        entry = {'name': name, 'rcode': rep['rcode'], 'transport': rep['transport'],
                 'records': len(rep['records'])}
        if not rep['records']:
            results.append(entry)
            continue
        txt = rep['records'][0]
        entry['txt'] = txt.decode('ascii')
        tags = dkim.util.parse_tag_value(txt)
        entry['tags'] = {k.decode(): v.decode() for k, v in tags.items()}
        k = tags.get(b'k', b'rsa')
        entry['k'] = k.decode()
        p = tags.get(b'p', b'')
        raw = base64.b64decode(p, validate=True) if p else b''
        entry['raw_len'] = len(raw)
        if p and k == b'rsa':
            pk = dkim.crypto.parse_public_key(raw)
            entry['bits'] = pk['modulus'].bit_length()
            entry['exponent'] = pk['publicExponent']
        elif p and k == b'ed25519':
            import nacl.signing
            nacl.signing.VerifyKey(raw)  # raises on a bad key
            entry['bits'] = len(raw) * 8
        try:
            _pk, keysize, ktag, _tlsrpt = dkim.evaluate_pk(name, txt)
            entry['evaluate'] = {'keysize': keysize, 'ktag': ktag.decode() if ktag else None}
        except Exception as e:  # dkim.KeyFormatError for an empty (revoked) key
            entry['evaluate'] = {'error': f'{type(e).__name__}: {e}'}
        results.append(entry)
    return results


ED25519_PKCS8_PREFIX = bytes.fromhex('302e020100300506032b657004220420')


def ed25519_seed_from_pem(pem):
    """dkimpy signs Ed25519 with the base64 32-octet seed (RFC 8463 §4.2 keys); read it out of PKCS#8 PEM."""
    body = b''.join(l for l in pem.splitlines() if l and not l.startswith(b'-----'))
    der = base64.b64decode(body)
    if len(der) != 48 or not der.startswith(ED25519_PKCS8_PREFIX):
        raise ValueError(f'not an Ed25519 PKCS#8 key ({len(der)} octets)')
    return base64.b64encode(der[16:])


def cmd_dkim_sign_verify(req):
    import dkim
    d = Dns(req['host'], req['port'])
    alg = req['algorithm'].encode()
    with open(req['key_file'], 'rb') as f:
        pem = f.read()
    pem_accepted = True
    if alg == b'ed25519-sha256':
        try:
            dkim.sign(b'From: a@b\r\n\r\nx\r\n', b'x', b'y', pem, signature_algorithm=alg)
        except Exception:
            pem_accepted = False
        key = ed25519_seed_from_pem(pem)
    else:
        key = pem
    msg = req['message'].encode()
    sig = dkim.sign(msg, req['selector'].encode(), req['domain'].encode(), key,
                    signature_algorithm=alg, include_headers=[b'from', b'to', b'subject', b'date'])
    signed = sig + msg
    res = {'signature': sig.decode(), 'pem_accepted': pem_accepted,
           'verify': bool(dkim.verify(signed, dnsfunc=d.dkimfunc()))}
    if req.get('tampered') is not None:
        res['verify_tampered'] = bool(dkim.verify(sig + req['tampered'].encode(), dnsfunc=d.dkimfunc()))
    res['lookups'] = d.lookups
    return res


COMMANDS = {
    'modules': cmd_modules,
    'spf': cmd_spf,
    'dkim-key': cmd_dkim_key,
    'dkim-sign-verify': cmd_dkim_sign_verify,
}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in COMMANDS:
        sys.stderr.write(f'usage: mailcheck.py {{{"|".join(COMMANDS)}}} < request.json\n')
        return 2
    out(COMMANDS[sys.argv[1]](json.load(sys.stdin)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
