"""Validates zone files against schema/zone.schema.json with a validator we
did not write: the Debian python3-jsonschema, for the draft the schema
declares, and PyYAML (python3-yaml) to read the files. For
test/config/schema.test.ts; run with /usr/bin/python3.

stdin:  {"schema": path, "files": [path, ...], "docs": [{"name": ..., "text": ...}, ...]}
stdout: {"validator": "Draft7Validator",
         "results": [{"name": ..., "errors": ["/path: message", ...]}, ...],
         "samples": {"checked": n, "invalid": ["#/pointer default|examples: message", ...]}}
samples: every default and every entry of examples in the schema, each
validated against the subschema it is written in.
"""
import json
import re
import sys

import jsonschema
import yaml


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML reads YAML 1.1, where off, on, yes and no are booleans, 010 is
    octal and 1:30 is a number; mailns reads YAML 1.2 (the core schema of the
    npm yaml library), where they are text, 10 and text. The implicit types
    are replaced by the YAML 1.2 core ones, so both read the same data."""


_REPLACED = {'tag:yaml.org,2002:bool', 'tag:yaml.org,2002:int', 'tag:yaml.org,2002:float', 'tag:yaml.org,2002:timestamp'}
Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _REPLACED]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# YAML 1.2 §10.3.2, the core schema.
Yaml12Loader.add_implicit_resolver('tag:yaml.org,2002:bool', re.compile(r'^(?:true|True|TRUE|false|False|FALSE)$'), list('tTfF'))
Yaml12Loader.add_implicit_resolver('tag:yaml.org,2002:int', re.compile(r'^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$'), list('-+0123456789'))
Yaml12Loader.add_implicit_resolver('tag:yaml.org,2002:float', re.compile(
    r'^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$'), list('-+.0123456789'))


def _bool(loader, node):
    return loader.construct_scalar(node).lower() == 'true'


def _int(loader, node):
    v = loader.construct_scalar(node)
    if v.startswith('0o'):
        return int(v[2:], 8)
    if v.startswith('0x'):
        return int(v[2:], 16)
    return int(v, 10)


def _float(loader, node):
    v = loader.construct_scalar(node).lower()
    return float(v.replace('.inf', 'inf').replace('.nan', 'nan'))


Yaml12Loader.add_constructor('tag:yaml.org,2002:bool', _bool)
Yaml12Loader.add_constructor('tag:yaml.org,2002:int', _int)
Yaml12Loader.add_constructor('tag:yaml.org,2002:float', _float)


def js_keys(v):
    """Mapping keys as a JavaScript object has them: text (true, 1, '' for null)."""
    if isinstance(v, dict):
        return {('true' if k is True else 'false' if k is False else '' if k is None else str(k)): js_keys(x) for k, x in v.items()}
    if isinstance(v, list):
        return [js_keys(x) for x in v]
    return v


def _escape(key):
    return key.replace('~', '~0').replace('/', '~1')


def check_samples(cls, root):
    """Each default and example against its own subschema: a root that is only
    {"$ref": pointer} (draft 7 ignores the keywords beside $ref), so the
    pointer resolves in the schema as written."""
    checked, invalid = 0, []

    def walk(node, ptr):
        nonlocal checked
        if isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f'{ptr}/{i}')
            return
        if not isinstance(node, dict):
            return
        samples = ([('default', node['default'])] if 'default' in node else []) + [('examples', e) for e in node.get('examples', [])]
        for kind, value in samples:
            checked += 1
            # The root's own examples against the root (a $ref to '#' would name itself).
            probe = root if ptr == '' else dict(root, **{'$ref': '#' + ptr})
            for e in cls(probe).iter_errors(value):
                invalid.append(f'#{ptr} {kind} {json.dumps(value)}: {e.message}')
        for k, v in node.items():
            if k not in ('default', 'examples', 'const', 'enum'):
                walk(v, f'{ptr}/{_escape(k)}')

    walk(root, '')
    return {'checked': checked, 'invalid': invalid}


def main():
    req = json.load(sys.stdin)
    with open(req['schema'], encoding='utf-8') as f:
        schema = json.load(f)
    # The validator of the draft named by the schema's $schema (and the schema itself checked against that draft).
    cls = jsonschema.validators.validator_for(schema, default=None)
    if cls is None:
        raise SystemExit(f"no validator for $schema {schema.get('$schema')!r}")
    cls.check_schema(schema)
    validator = cls(schema)
    docs = [{'name': p, 'text': open(p, encoding='utf-8').read()} for p in req.get('files', [])] + req.get('docs', [])
    results = []
    for d in docs:
        data = js_keys(yaml.load(d['text'], Loader=Yaml12Loader))
        errors = sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
        results.append({'name': d['name'], 'errors': [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]})
    json.dump({'validator': cls.__name__, 'results': results, 'samples': check_samples(cls, schema)}, sys.stdout)


if __name__ == '__main__':
    main()
