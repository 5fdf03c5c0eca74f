# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""go_env's port of Go's path.Match and module.MatchPrefixPatterns (GOPRIVATE, GONOPROXY, GONOSUMDB, GOINSECURE)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This module_utils is PRIVATE and should only be used by this collection.


class BadPattern(Exception):
    pass


def _scan_chunk(pattern, i):
    """Go's scanChunk by index: (star, chunk start, chunk end); the rest of the pattern starts at chunk end."""
    n = len(pattern)
    star = False
    while i < n and pattern[i] == '*':
        i += 1
        star = True
    start = i
    in_range = False
    while i < n:
        c = pattern[i]
        if c == '\\':
            if i + 1 < n:
                i += 1
        elif c == '[':
            in_range = True
        elif c == ']':
            in_range = False
        elif c == '*' and not in_range:
            break
        i += 1
    return star, start, i


def _get_esc(pattern, i, end):
    """Go's getEsc: (character, index after it) of a range bound in pattern[i:end]."""
    if i >= end or pattern[i] in '-]':
        raise BadPattern()
    if pattern[i] == '\\':
        i += 1
        if i >= end:
            raise BadPattern()
    i += 1
    if i >= end:
        raise BadPattern()
    return pattern[i - 1], i


def _match_chunk(pattern, i, end, s, j):
    """Go's matchChunk on pattern[i:end] against s[j:]: (index in s after the chunk, matched).

    Raise BadPattern for a malformed chunk even after a mismatch.
    """
    n = len(s)
    failed = False
    while i < end:
        if not failed and j >= n:
            failed = True
        c = pattern[i]
        if c == '[':
            r = None
            if not failed:
                r = s[j]
                j += 1
            i += 1
            negated = False
            if i < end and pattern[i] == '^':
                negated = True
                i += 1
            matched = False
            nrange = 0
            while True:
                if i < end and pattern[i] == ']' and nrange > 0:
                    i += 1
                    break
                lo, i = _get_esc(pattern, i, end)
                hi = lo
                if pattern[i] == '-':
                    hi, i = _get_esc(pattern, i + 1, end)
                if r is not None and lo <= r <= hi:
                    matched = True
                nrange += 1
            if matched == negated:
                failed = True
        elif c == '?':
            if not failed:
                if s[j] == '/':
                    failed = True
                j += 1
            i += 1
        else:
            if c == '\\':
                i += 1
                if i >= end:
                    raise BadPattern()
            if not failed:
                if pattern[i] != s[j]:
                    failed = True
                j += 1
            i += 1
    if failed:
        return n, False
    return j, True


def path_match(pattern, name):
    """Go's path.Match: * and ? do not cross '/'; raise BadPattern for a malformed pattern.

    Indexes into pattern and name like Go's string slices, so the cost is linear in the pattern.
    """
    p, end, j, n = 0, len(pattern), 0, len(name)
    while p < end:
        star, start, p = _scan_chunk(pattern, p)
        if star and start == p:
            return name.find('/', j) < 0
        k, ok = _match_chunk(pattern, start, p, name, j)
        if ok and (k == n or p < end):
            j = k
            continue
        if star:
            found = False
            i = j
            while i < n and name[i] != '/':
                k, ok = _match_chunk(pattern, start, p, name, i + 1)
                if ok and not (p == end and k < n):
                    j = k
                    found = True
                    break
                i += 1
            if found:
                continue
        while p < end:
            star, start, p = _scan_chunk(pattern, p)
            _match_chunk(pattern, start, p, '', 0)
        return False
    return j == n


def match_prefix_patterns(globs, target):
    """golang.org/x/mod/module.MatchPrefixPatterns: does a comma-separated glob list match a module path prefix."""
    for glob in globs.split(','):
        glob = glob[:-1] if glob.endswith('/') else glob
        if not glob:
            continue
        n = glob.count('/')
        parts = target.split('/')
        if len(parts) <= n:
            continue
        try:
            if path_match(glob, '/'.join(parts[:n + 1])):
                return True
        except BadPattern:
            continue
    return False
