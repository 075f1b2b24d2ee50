#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Validate a CDI spec as a container engine would: the JSON schema of the
CDI project (Debian's golang-github-container-orchestrated-devices-
container-device-interface-dev ships it) and the checks of its Go parser
(pkg/cdi: spec.validate, qualified-device.go) that the schema lacks.

    cdi_validate.py SCHEMA_DIR SPEC.json   -> exit 0, or 1 with the reasons
"""
import json
import os
import re
import sys

import jsonschema

VERSIONS = {'0.1.0', '0.2.0', '0.3.0', '0.4.0', '0.5.0'}  # pkg/cdi/spec.go
VENDOR = re.compile(r'^[A-Za-z]([A-Za-z0-9_.-]*[A-Za-z0-9])?$')
CLASS = re.compile(r'^[A-Za-z]([A-Za-z0-9_-]*[A-Za-z0-9])?$')
DEVICE = re.compile(r'^[A-Za-z0-9]([A-Za-z0-9_.:-]*[A-Za-z0-9])?$')


def edits_errors(edits, where):
    errs = []
    for node in edits.get('deviceNodes', []):
        if not node['path'].startswith('/'):
            errs.append('%s: device node path %r is not absolute' % (where, node['path']))
        if node.get('type', 'c') not in ('b', 'c', 'u', 'p'):
            errs.append('%s: device node type %r' % (where, node['type']))
        if not set(node.get('permissions', '')) <= set('rwm'):
            errs.append('%s: permissions %r' % (where, node['permissions']))
    for m in edits.get('mounts', []):
        for k in ('hostPath', 'containerPath'):
            if not m[k].startswith('/'):
                errs.append('%s: mount %s %r is not absolute' % (where, k, m[k]))
    for e in edits.get('env', []):
        if '=' not in e:
            errs.append('%s: env %r is not NAME=value' % (where, e))
    return errs


def main():
    schema_dir, path = sys.argv[1], sys.argv[2]
    spec = json.load(open(path))
    schema = json.load(open(os.path.join(schema_dir, 'schema.json')))
    resolver = jsonschema.RefResolver('file://%s/' % os.path.abspath(schema_dir), schema)
    errs = ['schema: %s at %s' % (e.message, '/'.join(str(p) for p in e.path))
            for e in jsonschema.Draft7Validator(schema, resolver=resolver).iter_errors(spec)]
    if errs:
        print('\n'.join(errs))
        return 1
    if spec['cdiVersion'] not in VERSIONS:
        errs.append('cdiVersion %r unknown to CDI 0.5' % spec['cdiVersion'])
    vendor, _, cls = spec['kind'].partition('/')
    if not VENDOR.match(vendor) or not CLASS.match(cls):
        errs.append('kind %r is not vendor/class' % spec['kind'])
    if not spec['devices']:
        errs.append('no devices')
    names = [d['name'] for d in spec['devices']]
    for n in names:
        if not DEVICE.match(n):
            errs.append('device name %r' % n)
    if len(set(names)) != len(names):
        errs.append('duplicate device names')
    for d in spec['devices']:
        errs += edits_errors(d['containerEdits'], 'device %s' % d['name'])
        if not any(d['containerEdits'].get(k) for k in ('env', 'deviceNodes', 'mounts', 'hooks')):
            errs.append('device %s: no container edits' % d['name'])
    errs += edits_errors(spec.get('containerEdits', {}), 'spec')
    print('\n'.join(errs) if errs else 'valid CDI %s spec of kind %s, devices %s' %
          (spec['cdiVersion'], spec['kind'], ' '.join(names)))
    return 1 if errs else 0


if __name__ == '__main__':
    sys.exit(main())
