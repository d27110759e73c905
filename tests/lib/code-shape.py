#!/usr/bin/env python3
"""Facts about the code's shape that doc/hacking.md promises (t6007 checks them).

  code-shape.py functions DIR...   every C function longer than MAX lines: "FILE:LINE NAME N"
  code-shape.py lines DIR          the number of lines of C in DIR
"""
import os, re, sys

MAX = 120

def c_files(dirs):
    for d in dirs:
        for root, _, files in os.walk(d):
            for f in sorted(files):
                if f.endswith(('.c', '.h')):
                    yield os.path.join(root, f)

def functions(path):
    """(name, first line, length) of each function: a body opened by '{' in
    column 0 and closed by '}' in column 0."""
    lines = open(path, encoding='utf-8', errors='replace').read().split('\n')
    start = None
    for i, line in enumerate(lines):
        if line.startswith('{') and start is None:
            start = i
            head = ' '.join(lines[max(0, i - 3):i])
            m = re.findall(r'([A-Za-z_]\w*)\s*\(', head)
            name = m[0] if m else '?'
            for cand in m:
                if cand not in ('__attribute__', 'format', 'sizeof'):
                    name = cand
                    break
        elif line.startswith('}') and start is not None:
            yield name, start + 1, i - start + 1
            start = None

def main():
    what, dirs = sys.argv[1], sys.argv[2:]
    if what == 'functions':
        for path in c_files(dirs):
            for name, line, n in functions(path):
                if n > MAX:
                    print(f'{path}:{line} {name} {n}')
    elif what == 'lines':
        print(sum(len(open(p, encoding='utf-8', errors='replace').read().split('\n')) - 1
                  for p in c_files(dirs) if p.endswith('.c')))
    else:
        sys.exit(__doc__)

main()
