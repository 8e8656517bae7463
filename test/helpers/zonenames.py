"""Reads a master file with dnspython's zone parser, an outside judge of our
zone-file text: prints every record as JSON, names as lists of labels (each
label's octets as latin1 text, the form mailns uses), so a test can compare
the names exactly. Usage: zonenames.py ORIGIN < zone-text"""
import json
import sys

import dns.rdataclass
import dns.rdatatype
import dns.zone


def labels(name):
    return [l.decode('latin1') for l in name.labels if l]


def main():
    origin = sys.argv[1]
    # check_origin=False: the ISP's lines are a fragment of its zone, without the SOA.
    zone = dns.zone.from_text(sys.stdin.read(), origin=origin, relativize=False, check_origin=False)
    out = []
    for name, node in zone.nodes.items():
        for rds in node.rdatasets:
            for rd in rds:
                target = getattr(rd, 'target', None)
                out.append({
                    'owner': labels(name),
                    'type': dns.rdatatype.to_text(rds.rdtype),
                    'target': labels(target) if target is not None else None,
                })
    print(json.dumps(sorted(out, key=lambda r: (r['owner'][::-1], r['type'], r['target'] or []))))


main()
