# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This module_utils is PRIVATE and should only be used by this collection.

"""clock_facts' systemd parsers: `timedatectl show`, `show-timesync`, `timesync-status` and time spans.

Offsets follow the NTP convention: seconds to add to the host clock (positive: the host clock is slow).
"""

import re

_BOOLEANS = {'yes': True, 'true': True, '1': True, 'no': False, 'false': False, '0': False}


def _properties(text, what):
    props = {}
    for raw in (text or '').splitlines():
        if '=' in raw:
            key, value = raw.split('=', 1)
            props[key.strip()] = value.strip()
    if not props:
        raise ValueError('%s printed no KEY=VALUE properties' % what)
    return props


def _boolean(value):
    return _BOOLEANS.get((value or '').lower())


def parse_timedatectl_show(text):
    """`timedatectl show` -> network_time_enabled (NTP), synchronized (NTPSynchronized), can_ntp, timezone."""
    props = _properties(text, 'timedatectl show')
    if 'NTP' not in props and 'NTPSynchronized' not in props:
        raise ValueError('timedatectl show printed neither NTP nor NTPSynchronized')
    return {
        'network_time_enabled': _boolean(props.get('NTP')),
        'synchronized': _boolean(props.get('NTPSynchronized')),
        'can_ntp': _boolean(props.get('CanNTP')),
        'timezone': props.get('Timezone') or None,
    }


def parse_timedatectl_show_timesync(text):
    """`timedatectl show-timesync` -> servers (link/runtime/system, else fallback), server_name, server_address."""
    props = _properties(text, 'timedatectl show-timesync')
    if not any(key.endswith('NTPServers') or key.startswith('Server') for key in props):
        raise ValueError('timedatectl show-timesync printed no NTP server properties')
    configured = []
    for key in ('LinkNTPServers', 'RuntimeNTPServers', 'SystemNTPServers'):
        configured.extend(props.get(key, '').split())
    return {
        'servers': configured or props.get('FallbackNTPServers', '').split(),
        'server_name': props.get('ServerName') or None,
        'server_address': props.get('ServerAddress') or None,
    }


_TIMESPAN_UNITS = {
    'y': 31557600.0, 'month': 2629800.0, 'w': 604800.0, 'd': 86400.0, 'h': 3600.0, 'min': 60.0,
    's': 1.0, 'ms': 1e-3, 'us': 1e-6, u'\u00b5s': 1e-6, u'\u03bcs': 1e-6, 'ns': 1e-9,
}
_TIMESPAN_PART = re.compile(u'(\\d+(?:\\.\\d+)?)(month|min|ms|us|\u00b5s|\u03bcs|ns|y|w|d|h|s)')


def parse_timespan(text):
    """A systemd time span ('+2.497ms', '1min 4s', '-6us', '0') -> seconds (float)."""
    value = (text or '').strip()
    sign = -1.0 if value.startswith('-') else 1.0
    body = value.lstrip('+-').replace(' ', '')
    if body == '0':
        return 0.0
    total, end = 0.0, 0
    for part in _TIMESPAN_PART.finditer(body):
        if part.start() != end:
            break
        total += float(part.group(1)) * _TIMESPAN_UNITS[part.group(2)]
        end = part.end()
    if end == 0 or end != len(body):
        raise ValueError('not a systemd time span: %r' % text)
    return sign * total


def _colon_fields(text):
    """'Key : value' lines -> {key: value}, both stripped; lines without a colon are skipped."""
    fields = {}
    for raw in (text or '').splitlines():
        key, sep, value = raw.partition(':')
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def parse_timedatectl_timesync_status(text):
    """`timedatectl timesync-status` -> server, address, offset, delay, jitter, root_distance, stratum, leap."""
    fields = _colon_fields(text)
    if 'Server' not in fields:
        raise ValueError('timedatectl timesync-status printed no Server line')
    server = re.match(r'^(?P<address>\S+)(?: \((?P<name>[^)]*)\))?$', fields['Server'])

    def span(key):
        # 'Root distance: 29.922ms (max: 5s)': the first word is the value
        value = fields.get(key)
        return parse_timespan(value.split(' (')[0]) if value else None

    return {
        'server': (server.group('name') or server.group('address')) if server else fields['Server'],
        'address': server.group('address') if server else None,
        'offset': span('Offset'),
        'delay': span('Delay'),
        'jitter': span('Jitter'),
        'root_distance': span('Root distance'),
        'stratum': int(fields['Stratum']) if fields.get('Stratum', '').isdigit() else None,
        'leap': fields.get('Leap'),
    }
