#!/usr/bin/env python3
"""Read `machinectl env` output by the quoting rules of shells that do not run
here, and print the value each variable gets, NUL-terminated, in the order the
names are given:

    shell-rules.py powershell FILE NAME...
    shell-rules.py cmd-for FILE NAME...     the hint's FOR /f "tokens=*" ... DO @%i
    shell-rules.py cmd-batch FILE NAME...   the lines in a batch file (or typed)

A variable that is not set prints as "unset".  Anything that would run a
command, expand a variable, redirect, or otherwise not be a plain assignment or
a comment exits 1 with the reason on stderr: the output is then unsafe.

PowerShell (about_Quoting_Rules, about_Special_Characters, about_Comments and
the language specification's lexical grammar): Invoke-Expression receives the
output line by line (lines end at CR, LF or CRLF).  A line is a comment from
'#' on, `$Env:NAME = "..."` (an expandable string), or
`Remove-Item Env:\\NAME`.  In an expandable string the double-quote characters
are '"' and U+201C, U+201D, U+201E; two of them in a row are one literal
quote; a backquote escapes the next character (`0 `a `b `e `f `n `r `t `v
name control characters, `u{X} a code point, any other character stands for
itself); '$' followed by a variable-name character, '{', '(' or another '$',
'^' or '?' expands.

cmd (the parser phases of cmd.exe): in the hint's FOR /f loop each line of the
output becomes %i after the line was parsed, so its characters are not parsed
again, but with delayed expansion on, '!' still expands; each line is a command:
lines ending at LF (a CR before it dropped), empty lines and lines starting
with ';' skipped, leading blanks dropped.  In a batch file each line goes
through percent expansion ('%' expands) and then tokenizing: outside double
quotes '^' escapes the next character and & | < > ( ) end the command,
redirect or open a block.  SET NAME=VALUE sets VALUE as it is; SET "NAME=VALUE"
drops the first quote and everything from the last one on.  REM ignores the
rest of its line.
"""
import re
import sys

PS_DQ = '"\u201c\u201d\u201e'
PS_ESC = {'0': '\0', 'a': '\a', 'b': '\b', 'e': '\x1b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t', 'v': '\v'}


def fail(msg):
    sys.stderr.write(msg + '\n')
    sys.exit(1)


def ps_string(s, i, line):
    """An expandable string starting at s[i]; returns (value, index after it)."""
    if i >= len(s) or s[i] not in PS_DQ:
        fail('not a string: ' + line)
    i += 1
    out = ''
    while True:
        if i >= len(s):
            fail('unterminated string: ' + line)
        c = s[i]
        if c == '`':
            if i + 1 >= len(s):
                fail('backquote at the end of the line: ' + line)
            e = s[i + 1]
            if e == 'u' and i + 2 < len(s) and s[i + 2] == '{':
                j = s.index('}', i)
                out += chr(int(s[i + 3:j], 16))
                i = j + 1
                continue
            out += PS_ESC.get(e, e)
            i += 2
        elif c in PS_DQ:
            if i + 1 < len(s) and s[i + 1] in PS_DQ:
                out += s[i + 1]
                i += 2
            else:
                return out, i + 1
        elif c == '$':
            n = s[i + 1] if i + 1 < len(s) else ''
            if n and (n.isalnum() or n in '_{($^?:'):
                fail('a variable or subexpression would expand: ' + line)
            out += c
            i += 1
        else:
            out += c
            i += 1


def powershell(text):
    env = {}
    for line in re.split(r'\r\n|\r|\n', text):
        s = line.lstrip(' \t')
        if s == '' or s.startswith('#'):
            continue
        m = re.match(r'\$Env:([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*', s)
        if m:
            val, end = ps_string(s, m.end(), line)
            if s[end:].strip(' \t') != '':
                fail('more after the string would run: ' + line)
            env[m.group(1)] = val
            continue
        m = re.fullmatch(r'Remove-Item Env:\\\\([A-Za-z_][A-Za-z0-9_]*)[ \t]*', s)
        if m:
            env.pop(m.group(1), None)
            continue
        fail('not an assignment or a comment: ' + line)
    return env


def cmd_set(arg, env, line):
    arg = arg.lstrip(' \t')
    if arg.startswith('"'):
        last = arg.rindex('"')
        if last == 0:
            fail('SET with one quote: ' + line)
        arg = arg[1:last]
    if '=' not in arg:
        fail('SET without =: ' + line)
    name, val = arg.split('=', 1)
    if val == '':
        env.pop(name, None)
    else:
        env[name] = val


def cmd_command(cmdline, env, line):
    m = re.match(r'([^ \t,;=]*)(.*)', cmdline, re.S)
    word, rest = m.group(1).upper(), m.group(2)
    if word == 'REM':
        return
    if word != 'SET':
        fail('runs a command other than SET or REM: ' + line)
    if '!' in rest:
        fail('with delayed expansion on, ! expands: ' + line)
    cmd_set(rest[1:] if rest[:1] in (' ', '\t') else rest, env, line)


def cmd_for(text):
    env = {}
    for line in text.split('\n'):
        line = line[:-1] if line.endswith('\r') else line
        if '\r' in line:
            fail('a CR inside a line: ' + repr(line))
        s = line.lstrip(' \t')
        if s == '' or s.startswith(';'):
            continue
        cmd_command(s, env, line)
    return env


def cmd_batch(text):
    env = {}
    for line in text.split('\n'):
        line = line[:-1] if line.endswith('\r') else line
        s = line.lstrip(' \t@')
        if s.upper().startswith('REM') and s[3:4] in ('', ' ', '\t'):
            continue
        if '%' in s:
            fail('percent expansion would change: ' + line)
        out, quoted, i = '', False, 0
        while i < len(s):
            c = s[i]
            if c == '"':
                quoted = not quoted
            elif not quoted and c == '^':
                i += 1
                if i < len(s):
                    out += s[i]
                i += 1
                continue
            elif not quoted and c in '&|<>()':
                fail('%r ends the command or redirects: %s' % (c, line))
            out += c
            i += 1
        if out.strip(' \t') == '':
            continue
        cmd_command(out, env, line)
    return env


def main():
    mode, path, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    text = open(path, 'rb').read().decode('utf-8', 'surrogateescape')
    env = {'powershell': powershell, 'cmd-for': cmd_for, 'cmd-batch': cmd_batch}[mode](text)
    sys.stdout.buffer.write(b''.join(env.get(n, 'unset').encode('utf-8', 'surrogateescape') + b'\0' for n in names))


main()
