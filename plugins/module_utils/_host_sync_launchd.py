# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This module_utils is PRIVATE and should only be used by this collection.

"""The launchd_sync status file (written by gotime-clock, role clock_tool, or the older launchd_sync job)."""

import json
import math
import os
import re
from datetime import datetime

# gotime-clock's CLOCK_ACTIONS (roles/clock_tool/files/gotime-clock): stepped_unverified is a step that no check
# after it could confirm (no agreed time).
LAUNCHD_ACTIONS = ('none', 'stepped', 'stepped_unverified', 'failed')
LAUNCHD_TRIGGERS = ('schedule', 'job', 'manual')
LAUNCHD_KEYS = ('time', 'offset', 'action', 'server', 'error', 'threshold')
# Written by gotime-clock (role clock_tool); absent from the older launchd_sync.sh status.
_LAUNCHD_LISTS = ('servers', 'agreed', 'falsetickers')
_LAUNCHD_OPTIONAL = _LAUNCHD_LISTS + ('trigger', 'error_bound', 'decision')
_UTC_ISO8601 = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|\+00:00)$')


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _launchd_problem(data):
    if not isinstance(data, dict):
        return 'not a JSON object'
    missing = [key for key in LAUNCHD_KEYS if key not in data]
    if missing:
        return 'missing key(s): %s' % ', '.join(missing)
    if not isinstance(data['time'], str) or not _UTC_ISO8601.match(data['time']):
        return 'time %r is not UTC ISO 8601 (YYYY-MM-DDTHH:MM:SS[.ffffff]Z)' % (data['time'],)
    try:
        datetime.strptime(data['time'][:19], '%Y-%m-%dT%H:%M:%S')
    except ValueError:
        return 'time %r is not a valid date and time' % (data['time'],)
    if data['offset'] is not None and not (_is_number(data['offset']) and math.isfinite(data['offset'])):
        return 'offset is neither a finite number nor null'
    if data['action'] not in LAUNCHD_ACTIONS:
        return 'action %r is not one of %s' % (data['action'], ', '.join(LAUNCHD_ACTIONS))
    if data['server'] is not None and not isinstance(data['server'], str):
        return 'server is neither text nor null'
    if data['error'] is not None and not isinstance(data['error'], str):
        return 'error is neither text nor null'
    if not (_is_number(data['threshold']) and math.isfinite(data['threshold'])):
        return 'threshold is not a finite number'
    for key in _LAUNCHD_LISTS:
        if key in data and not (isinstance(data[key], list) and all(isinstance(name, str) for name in data[key])):
            return '%s is not a list of server names' % key
    if 'trigger' in data and data['trigger'] not in LAUNCHD_TRIGGERS:
        return 'trigger %r is not one of %s' % (data['trigger'], ', '.join(LAUNCHD_TRIGGERS))
    if data.get('error_bound') is not None and not (_is_number(data['error_bound']) and math.isfinite(data['error_bound'])):
        return 'error_bound is neither a finite number nor null'
    if data.get('decision') is not None and not isinstance(data['decision'], str):
        return 'decision is neither text nor null'
    return None


def read_launchd_status(path):
    """The launchd_sync job's last result, or None when the file does not exist.

    A file that cannot be read or does not hold a valid status yields a dict whose
    `error` says why (all other keys None); it never raises.
    """
    try:
        with open(path, 'rb') as handle:
            raw = handle.read()
    except (IOError, OSError) as exc:
        if not os.path.exists(path):
            return None
        return _launchd_unreadable(path, 'cannot read: %s' % exc)
    try:
        data = json.loads(raw.decode('utf-8'))
    except (ValueError, UnicodeDecodeError) as exc:
        return _launchd_unreadable(path, 'not valid JSON: %s' % exc)
    problem = _launchd_problem(data)
    if problem:
        return _launchd_unreadable(path, problem)
    status = dict((key, data[key]) for key in LAUNCHD_KEYS)
    for key in _LAUNCHD_OPTIONAL:
        status[key] = data.get(key, [] if key in _LAUNCHD_LISTS else None)
    status['offset'] = None if data['offset'] is None else float(data['offset'])
    status['threshold'] = float(data['threshold'])
    return status


def _launchd_unreadable(path, why):
    status = dict((key, None) for key in LAUNCHD_KEYS + _LAUNCHD_OPTIONAL)
    status['error'] = 'launchd_sync status file %s: %s' % (path, why)
    return status
