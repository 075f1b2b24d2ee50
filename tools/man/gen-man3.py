#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Section 3 man pages of libcsa and libcsa-pack from the public headers.

The comment above each CSA_EXPORT declaration (kernel-doc "/**" or a plain
"/*") is the only source: the pages cannot drift from the headers.  A
comment followed by several declarations documents all of them (one page,
the others are .so links to it).  Which library a function is in comes from
the version scripts (lib/*.map).  A public function without a comment, or
one that no version script exports, is an error.

    gen-man3.py --out DIR --version X.Y.Z --include INCDIR \\
        --map LIB:PKGCONFIG=MAP... HEADER...    (writes DIR/man3/*.3)
"""
import argparse
import os
import re
import sys
import time

DECL = re.compile(r'CSA_EXPORT\s+[a-z][^;(]*?\b(csa_\w+)\s*\(')


def read_map(path):
    """Exported names of a linker version script, private nodes excluded."""
    names, node, scope = set(), None, None
    text = re.sub(r'/\*.*?\*/', '', open(path).read(), flags=re.S)
    for line in text.splitlines():
        line = line.strip()
        m = re.match(r'([A-Za-z_][\w.]*)\s*\{', line)
        if m:
            node, scope = m.group(1), None
            continue
        if line in ('global:', 'local:'):
            scope = line
            continue
        m = re.match(r'(\w+);$', line)
        if m and scope == 'global:' and not node.endswith('PRIVATE'):
            names.add(m.group(1))
    return names


def comment_text(lines):
    """The text of a C comment, without the comment markers."""
    out = []
    for line in lines:
        line = re.sub(r'^\s*/\*\*?', '', line)
        line = re.sub(r'\*/\s*$', '', line)
        line = re.sub(r'^\s*\* ?', '', line)
        out.append(line.rstrip())
    while out and not out[0].strip():
        out.pop(0)
    while out and not out[-1].strip():
        out.pop()
    return out


def parse_header(path):
    """[(comment lines, [(name, prototype)])] in header order."""
    lines = open(path).read().splitlines()
    groups, comment, i = [], None, 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith('/*'):
            start = i
            while '*/' not in lines[i]:
                i += 1
            comment = comment_text(lines[start:i + 1])
            if not comment:
                comment = None
            i += 1
            continue
        if line.startswith('CSA_EXPORT ') and '(' in line:
            start = i
            while not lines[i].rstrip().endswith(';'):
                i += 1
            proto = ' '.join(l.strip() for l in lines[start:i + 1])
            proto = re.sub(r'^CSA_EXPORT\s+', '', proto)
            proto = re.sub(r'\(\s+', '(', re.sub(r'\s+', ' ', proto))
            name = DECL.search('CSA_EXPORT ' + proto).group(1)
            if comment is None:
                sys.exit('%s: %s has no comment to make its man page from' % (path, name))
            if groups and groups[-1][0] is comment:
                groups[-1][1].append((name, proto))
            else:
                groups.append((comment, [(name, proto)]))
            i += 1
            if i < len(lines) and not lines[i].strip():
                comment = None  # only adjacent declarations share a comment
            continue
        if line.strip():
            comment = None  # a struct, a #define ...: the comment was theirs
        i += 1
    return groups


def roff(text):
    """Escape plain text for roff; function() references become bold."""
    text = text.replace('\\', '\\e').replace('-', '\\-')
    text = re.sub(r'\b(csa_\w+)\(\)', r'\\fB\1\\fP()', text)
    text = re.sub(r'@(\w+)', r'\\fI\1\\fP', text)
    if text.startswith(('.', "'")):
        text = '\\&' + text
    return text


def split_kerneldoc(comment, names):
    """brief, [(param, text)], [description paragraphs], return text."""
    brief, params, paras, ret = '', [], [], []
    first = comment[0]
    m = re.match(r'(?:\w+\(\)(?:,\s*)?)+\s+-\s+(.*)', first)
    body = comment
    if m:
        brief, body = m.group(1), comment[1:]
    cur, para = None, []

    def flush():
        if para:
            paras.append(' '.join(para))
            para.clear()
    for line in body:
        pm = re.match(r'@(\w+):\s*(.*)', line)
        if pm and not paras and not para:
            params.append([pm.group(1), pm.group(2)])
            cur = 'param'
            continue
        if re.match(r'(Return|Returns):\s*', line):
            flush()
            ret.append(re.sub(r'^(Return|Returns):\s*', '', line))
            cur = 'return'
            continue
        if not line.strip():
            if cur == 'param':
                cur = None
            elif cur == 'return':
                cur = 'return-gap'
            else:
                flush()
            continue
        if cur == 'param' and line.startswith((' ', '\t')):
            params[-1][1] += ' ' + line.strip()
        elif cur == 'return':
            ret.append(line.strip())
        else:
            if cur == 'return-gap':
                cur = None
            if cur == 'param':
                cur = None
            para.append(line.strip())
    flush()
    if not brief:
        # a plain comment: its first sentence names the page
        text = ' '.join(paras) if paras else ''
        m = re.match(r'(.+?[.])(\s|$)', text)
        brief = (m.group(1) if m else text).rstrip('.')
        if len(brief) > 100:
            brief = brief[:97].rsplit(' ', 1)[0] + ' ...'
    return brief, params, paras, ' '.join(ret)


def page(comment, funcs, header, lib, version, date, public):
    brief, params, paras, ret = split_kerneldoc(comment, [f for f, _ in funcs])
    name = funcs[0][0]
    libname, pc = lib
    out = ['.\\" Generated by tools/man/gen-man3.py from %s: do not edit.' % header,
           '.TH %s 3 "%s" "libcsa %s" "libcsa Manual"' % (name.upper().replace('_', '\\_'),
                                                       date, version),
           '.SH NAME',
           '%s \\- %s' % (', '.join(roff(f) for f, _ in funcs), roff(brief)),
           '.SH LIBRARY',
           '%s (\\fI\\-l%s\\fP, \\fBpkg\\-config \\-\\-libs %s\\fP)' % (libname, libname[3:], pc),
           '.SH SYNOPSIS',
           '.nf',
           '.B #include <%s>' % header,
           '.PP']
    for _, proto in funcs:
        out.append('.BI "%s"' % roff(proto).replace('"', '\\(dq'))
    out.append('.fi')
    if params:
        out.append('.SH ARGUMENTS')
        for p, text in params:
            out += ['.TP', '.I %s' % p, roff(text)]
    out.append('.SH DESCRIPTION')
    if paras:
        for i, p in enumerate(paras):
            if i:
                out.append('.PP')
            out.append(roff(p))
    else:
        out.append(roff(brief[:1].upper() + brief[1:]) + '.')
    if ret:
        out += ['.SH RETURN VALUE', roff(ret)]
    elif not re.search(r'\bvoid\s+csa_', funcs[0][1]):
        out += ['.SH RETURN VALUE',
                'See the description; failing calls return a negative errno '
                'value and leave a message for \\fBcsa_last_error\\fP(3).']
    text = ' '.join([brief, ret] + paras + [t for _, t in params])
    seealso = sorted(set(re.findall(r'\b(csa_\w+)\(\)', text)) & public -
                     set(f for f, _ in funcs))
    if name != 'csa_last_error':
        seealso.append('csa_last_error')
    out += ['.SH SEE ALSO',
            ', '.join('\\fB%s\\fP(3)' % s.replace('_', '_') for s in seealso)]
    return '\n'.join(out) + '\n'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('--version', required=True)
    ap.add_argument('--map', action='append', required=True,
                    help='LIBNAME:PKGCONFIG=MAPFILE')
    ap.add_argument('--include', required=True, help='directory of csa/*.h')
    ap.add_argument('headers', nargs='+')
    a = ap.parse_args()
    lib_of = {}
    for spec in a.map:
        lib, path = spec.split('=', 1)
        for n in read_map(path):
            lib_of[n] = tuple(lib.split(':'))
    epoch = int(os.environ.get('SOURCE_DATE_EPOCH') or
                max(os.path.getmtime(h) for h in a.headers))
    date = time.strftime('%Y-%m-%d', time.gmtime(epoch))
    os.makedirs(os.path.join(a.out, 'man3'), exist_ok=True)
    written = []
    public = set(lib_of)
    for h in a.headers:
        inc = os.path.relpath(h, a.include)
        for comment, funcs in parse_header(h):
            for f, _ in funcs:
                if f not in lib_of:
                    sys.exit('%s: %s is in no version script (lib/*.map)' % (h, f))
            libs = set(lib_of[f] for f, _ in funcs)
            if len(libs) != 1:
                sys.exit('%s: %s share a comment but not a library' %
                         (h, ', '.join(f for f, _ in funcs)))
            first = funcs[0][0]
            with open(os.path.join(a.out, 'man3', first + '.3'), 'w') as f:
                f.write(page(comment, funcs, inc, libs.pop(), a.version, date, public))
            written.append(first)
            for other, _ in funcs[1:]:
                with open(os.path.join(a.out, 'man3', other + '.3'), 'w') as f:
                    f.write('.so man3/%s.3\n' % first)
                written.append(other)
    missing = public - set(written)
    if missing:
        sys.exit('exported but not declared CSA_EXPORT in the headers: ' +
                 ', '.join(sorted(missing)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
