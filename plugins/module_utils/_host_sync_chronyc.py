# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This module_utils is PRIVATE and should only be used by this collection.

"""clock_facts' chrony parsers: `chronyc -c tracking` and `chronyc -c sources`.

Offsets follow the NTP convention: seconds to add to the host clock (positive: the host clock is slow).
"""

# Reference IDs that mean "not following a real time source".
_CHRONY_UNSYNCED_REFS = ('00000000', '7F7F0101')   # none; the `local` directive (127.127.1.1)
_CHRONY_STATES = {'*': 'selected', '+': 'combined', '-': 'not_combined', 'x': 'falseticker',
                  '~': 'too_variable', '?': 'unusable'}
_CHRONY_MODES = {'^': 'server', '=': 'peer', '#': 'refclock'}
_CHRONY_NEVER = 4294967295   # LastRx when no sample ever arrived


def _tracking(ref_id, reference, stratum, offset, root_delay, root_dispersion, update_interval, leap_status):
    ref_id = ref_id.upper()
    return {
        'ref_id': ref_id,
        'reference': reference or None,
        'stratum': stratum,
        'offset': offset,
        'root_delay': root_delay,
        'root_dispersion': root_dispersion,
        'root_distance': root_delay / 2.0 + root_dispersion,
        'update_interval': update_interval,
        'leap_status': leap_status,
        'synchronized': leap_status != 'Not synchronised' and ref_id not in _CHRONY_UNSYNCED_REFS,
    }


def parse_chronyc_tracking_csv(text):
    """`chronyc -c tracking` -> dict; offset is chrony's 'System time' correction (positive: host slow)."""
    lines = [line for line in (text or '').splitlines() if line.strip()]
    fields = lines[0].split(',') if len(lines) == 1 else []
    if len(fields) != 14:
        raise ValueError('chronyc -c tracking: expected one line of 14 fields, got %r' % (text or '')[:200])
    try:
        return _tracking(fields[0], fields[1], int(fields[2]), float(fields[4]), float(fields[10]),
                         float(fields[11]), float(fields[12]), fields[13])
    except ValueError:
        raise ValueError('chronyc -c tracking: malformed number in %r' % lines[0]) from None


def parse_chronyc_sources_csv(text):
    """`chronyc -c sources` -> list of sources: mode, state (selected | falseticker | ...), name, stratum,
    poll, reach, last_rx (None when never), offset (server - host, adjusted), measured_offset, error."""
    sources = []
    for raw in (text or '').splitlines():
        if not raw.strip():
            continue
        fields = raw.split(',')
        if len(fields) != 10 or fields[0] not in _CHRONY_MODES or fields[1] not in _CHRONY_STATES:
            raise ValueError('chronyc -c sources: unrecognized line %r' % raw)
        try:
            last_rx = int(fields[6])
            sources.append({
                'mode': _CHRONY_MODES[fields[0]],
                'state': _CHRONY_STATES[fields[1]],
                'name': fields[2],
                'stratum': int(fields[3]),
                'poll': int(fields[4]),
                'reach': int(fields[5], 8),
                'last_rx': None if last_rx == _CHRONY_NEVER else last_rx,
                # chrony prints host - source; flip to the NTP convention used everywhere here
                'offset': -float(fields[7]) + 0.0,
                'measured_offset': -float(fields[8]) + 0.0,
                'error': float(fields[9]),
            })
        except ValueError:
            raise ValueError('chronyc -c sources: malformed number in %r' % raw) from None
    return sources
