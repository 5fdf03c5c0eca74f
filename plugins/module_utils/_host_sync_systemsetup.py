# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This module_utils is PRIVATE and should only be used by this collection.

"""clock_facts' macOS systemsetup parsers (`-getusingnetworktime`, `-getnetworktimeserver`)."""

import re


class NeedsAdminError(ValueError):
    """systemsetup refused to run: it needs root (prints a refusal and still exits 0)."""


_NEEDS_ADMIN = 'You need administrator access to run this tool'
# e.g. 2024-02-27 19:50:48.886 systemsetup[78895:2281674] ### Error:-99 File:/AppleInternal/.../Admin/InternetServices.m Line:379
_SYSTEMSETUP_NOISE = re.compile(r'### Error:-?\d+ File:\S*InternetServices\.m')


def _systemsetup_lines(stdout, stderr):
    lines = []
    for raw in ((stdout or '') + '\n' + (stderr or '')).splitlines():
        line = raw.strip()
        if not line or _SYSTEMSETUP_NOISE.search(line):
            continue
        if _NEEDS_ADMIN in line:
            raise NeedsAdminError('systemsetup needs administrator access (run the task with become)')
        lines.append(line)
    return lines


def _systemsetup_value(label, stdout, stderr):
    prefix = label + ':'
    lines = _systemsetup_lines(stdout, stderr)
    for line in lines:
        if line.startswith(prefix):
            return line[len(prefix):].strip()
    raise ValueError('systemsetup printed no "%s" line: %r' % (label, lines[0] if lines else ''))


def parse_systemsetup_network_time(stdout, stderr=''):
    """`systemsetup -getusingnetworktime` -> True (On) / False (Off). NeedsAdminError without root."""
    value = _systemsetup_value('Network Time', stdout, stderr)
    if value.lower() in ('on', 'off'):
        return value.lower() == 'on'
    raise ValueError('systemsetup -getusingnetworktime: unknown state %r' % value)


def parse_systemsetup_time_server(stdout, stderr=''):
    """`systemsetup -getnetworktimeserver` -> list of servers (timed honours the first only)."""
    value = _systemsetup_value('Network Time Server', stdout, stderr)
    return [server.strip() for server in value.split(',') if server.strip()]
