#!/usr/bin/env python3
"""A static check of a PowerShell script for Windows PowerShell 5.1.

PowerShell is not available on the machines that run the tests, so the
Hyper-V shim (drivers/hyperv/machinectl-hyperv.ps1) cannot run there.  This
checks what can be checked without it:

  - the script tokenizes: strings ('...', "...", here-strings), comments
    (# and <# #>), and (), {}, [] balanced;
  - no syntax that Windows PowerShell 5.1 lacks (PowerShell 7's ??, ??=, ?.,
    ?[, && and || pipeline chains, the ternary operator, ForEach-Object
    -Parallel, ConvertFrom-Json -AsHashtable/-Depth, clean blocks, $PSStyle);
  - every command Verb-Noun that is not a function of the script is in the
    list (tests/data/hyperv-cmdlets.txt, from Microsoft's reference), with
    its module when the script qualifies it (Hyper-V\\Get-VM), and every
    -Parameter written at the command's own level is one of that cmdlet's
    (or a common parameter);
  - with --verbs a,b,c: the shim's $verbs table has exactly those verbs.

Usage: ps-check.py [--list FILE] [--verbs V1,V2] SCRIPT.ps1
Prints one line per problem ("SCRIPT:LINE: message") and exits 1 when there
is any, 0 otherwise.
"""
import os
import re
import sys

COMMON = {"verbose", "debug", "erroraction", "warningaction", "informationaction", "errorvariable",
          "warningvariable", "informationvariable", "outvariable", "outbuffer", "pipelinevariable"}
PS7_ONLY = [
    (re.compile(r"\?\?=?"), "the ?? / ??= operators are PowerShell 7"),
    (re.compile(r"\$\{?\w+\}?\?[.\[]"), "?. and ?[ are PowerShell 7"),
    (re.compile(r"&&|\|\|"), "pipeline chain operators && and || are PowerShell 7"),
    (re.compile(r"\s\?\s[^:]*\s:\s"), "the ternary operator is PowerShell 7"),
    (re.compile(r"(?i)-Parallel\b"), "ForEach-Object -Parallel is PowerShell 7"),
    (re.compile(r"(?i)\$PSStyle\b"), "$PSStyle is PowerShell 7"),
    (re.compile(r"(?im)^\s*clean\s*\{"), "clean blocks are PowerShell 7"),
]
VERB_NOUN = re.compile(r"(?:([A-Za-z][\w.-]*)\\)?\b([A-Z][A-Za-z]+-[A-Z][A-Za-z]+)\b")


def load_list(path):
    cmds = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, params = line.partition(":")
            module, _, cmd = name.rpartition("\\")
            cmds[cmd.lower()] = (module, {p.lstrip("-").lower() for p in params.split()})
    return cmds


def tokenize(text):
    """The script with strings and comments blanked (same length, newlines
    kept), and the problems found on the way."""
    out, probs, i, n = [], [], 0, len(text)
    stack = []
    pairs = {")": "(", "}": "{", "]": "["}

    def line_of(pos):
        return text.count("\n", 0, pos) + 1

    def blank(s):
        return "".join("\n" if c == "\n" else " " for c in s)

    while i < n:
        c = text[i]
        if text.startswith("<#", i):
            j = text.find("#>", i + 2)
            if j < 0:
                probs.append((line_of(i), "unterminated <# comment"))
                j = n - 2
            out.append(blank(text[i:j + 2]))
            i = j + 2
        elif c == "#":
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(blank(text[i:j]))
            i = j
        elif text.startswith("@'", i) or text.startswith('@"', i):
            q = text[i + 1]
            if not text[i + 2:i + 3] == "\n" and not text[i + 2:i + 4] == "\r\n":
                probs.append((line_of(i), "a here-string must end its first line at @%s" % q))
            m = re.compile(r"\n" + re.escape(q) + "@").search(text, i + 2)
            if not m:
                probs.append((line_of(i), "unterminated here-string"))
                j = n
            else:
                j = m.end()
            out.append('"' + blank(text[i + 1:j - 1]) + '"')
            i = j
        elif c == "'":
            j = i + 1
            while True:
                k = text.find("'", j)
                if k < 0:
                    probs.append((line_of(i), "unterminated '...' string"))
                    k = n - 1
                    break
                if text[k + 1:k + 2] == "'":
                    j = k + 2
                    continue
                break
            out.append("'" + blank(text[i + 1:k]) + "'")
            i = k + 1
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "`" else 1
            if j >= n:
                probs.append((line_of(i), 'unterminated "..." string'))
            out.append('"' + blank(text[i + 1:j]) + '"')
            i = j + 1
        elif c == "`":
            out.append(text[i:i + 2])
            i += 2
        else:
            if c in "({[":
                stack.append((c, i))
            elif c in ")}]":
                if not stack or stack[-1][0] != pairs[c]:
                    probs.append((line_of(i), "unbalanced '%s'" % c))
                else:
                    stack.pop()
            out.append(c)
            i += 1
    for c, pos in stack:
        probs.append((line_of(pos), "'%s' is never closed" % c))
    return "".join(out), probs


def statement_params(code, start):
    """The -Param tokens of the command starting at `start`, at its own level:
    up to the end of the statement (a newline not after a backtick or a pipe,
    ';', '|', or a closing bracket of the enclosing level)."""
    depth, i, params = 0, start, []
    while i < len(code):
        c = code[i]
        if c in "({[":
            depth += 1
        elif c in ")}]":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and c in ";|":
            break
        elif depth == 0 and c == "\n":
            if code[:i].rstrip(" \t\r").endswith("`"):
                i += 1
                continue
            break
        elif depth == 0 and c == "-" and (i == 0 or code[i - 1] in " \t"):
            m = re.match(r"-([A-Za-z]\w*)(:?)", code[i:])
            if m:
                params.append(m.group(1))
                i += m.end()
                continue
        i += 1
    return params


OPERATORS = {"eq", "ne", "gt", "ge", "lt", "le", "like", "notlike", "match", "notmatch", "contains",
             "notcontains", "in", "notin", "replace", "split", "join", "is", "isnot", "as", "and", "or",
             "not", "xor", "band", "bor", "f", "ceq", "cne", "ieq", "ine", "clike", "cmatch", "imatch"}


def main(argv):
    list_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "hyperv-cmdlets.txt")
    verbs = None
    args = argv[1:]
    while args and args[0].startswith("--"):
        if args[0] == "--list":
            list_path, args = args[1], args[2:]
        elif args[0] == "--verbs":
            verbs, args = set(args[1].split(",")), args[2:]
        else:
            sys.stderr.write("ps-check.py: unknown option %s\n" % args[0])
            return 2
    if len(args) != 1:
        sys.stderr.write(__doc__)
        return 2
    script = args[0]
    text = open(script, encoding="utf-8-sig").read()
    cmds = load_list(list_path)
    code, probs = tokenize(text)

    def line_of(pos):
        return code.count("\n", 0, pos) + 1

    for rx, why in PS7_ONLY:
        for m in rx.finditer(code):
            probs.append((line_of(m.start()), why))
    functions = {m.group(1).lower() for m in re.finditer(r"(?im)^\s*function\s+([\w-]+)", code)}
    for m in VERB_NOUN.finditer(code):
        module, cmd = m.group(1), m.group(2)
        before = code[max(0, m.start() - 10):m.start()]
        if re.search(r"(?i)function\s+$", before) or re.search(r"function:$", before):
            continue
        if cmd.lower() in functions:
            if module:
                probs.append((line_of(m.start()), "%s\\%s: %s is a function of the script" % (module, cmd, cmd)))
            continue
        if cmd.lower() not in cmds:
            probs.append((line_of(m.start()), "unknown cmdlet %s (not in %s)" % (cmd, os.path.basename(list_path))))
            continue
        want_mod, params = cmds[cmd.lower()]
        if module and module.lower() != want_mod.lower():
            probs.append((line_of(m.start()), "%s is in module %s, not %s" % (cmd, want_mod or "(core)", module)))
        for p in statement_params(code, m.end()):
            pl = p.lower()
            if pl in params or pl in COMMON:
                continue
            if pl in OPERATORS:
                continue
            probs.append((line_of(m.start()), "%s has no parameter -%s" % (cmd, p)))
    if verbs is not None:
        m = re.search(r"\$verbs\s*=\s*@\{", code)
        body, depth = "", 1
        for c in code[m.end():] if m else "":
            depth += {"{": 1, "}": -1}.get(c, 0)
            if depth == 0:
                break
            body += c
        found = set(re.findall(r"(?m)^\s*(\w+)\s*=", body))
        if found != verbs:
            probs.append((line_of(m.start()) if m else 1,
                          "the $verbs table has %s, the fake %s" % (sorted(found), sorted(verbs))))
    for line, msg in sorted(probs):
        print("%s:%d: %s" % (script, line, msg))
    return 1 if probs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
