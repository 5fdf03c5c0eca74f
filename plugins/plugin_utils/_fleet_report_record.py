# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This plugin_utils is PRIVATE and should only be used by this collection.
"""The fleet report's per-host record: what playbooks/report.yml (or an agent, playbooks/record.yml) caches as
gotime_report, built from the registered clock_facts and go_env results, with who measured it and when."""

import functools
import json
import math
import os
import re
import socket
import time

from ansible_collections.cifleet.gotime.plugins.module_utils._utc_time import iso_utc, parse_time

# 2: records carry `origin` (who measured, when, with which collection version);
# 3: and `time_servers` (the fleet's time servers for the host: timesync_servers + timesync_pools).
RECORD_VERSION = 3
# Where a record came from: a controller's report.yml run, or the agent itself (ansible-pull, playbooks/record.yml).
ORIGIN_MODES = ('controller', 'pull')

# Exactly these types are kept as they are (floats are checked: NaN and infinities become None).
_PLAIN_SCALARS = (str, int, bool, type(None))
_PLAIN_SET = frozenset(_PLAIN_SCALARS)


def plain_data(value):
    """Deep copy into plain dict/list/str/int/float/bool/None (drops Ansible's tagged and lazy types;
    a non-finite float becomes None)."""
    kind = type(value)
    if kind in _PLAIN_SCALARS:
        return value  # exactly a plain type (not a subclass): nothing to drop; the common case, kept fast
    if kind is dict:
        return dict((str(k), plain_data(v)) for k, v in value.items())
    if kind is list:
        return [plain_data(v) for v in value]
    if isinstance(value, dict):
        return dict((str(k), plain_data(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [plain_data(v) for v in value]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        # NaN and infinities are no measurement (and not JSON).
        return float(value) if math.isfinite(value) else None
    return str(value)


def _result_error(result):
    msg = result.get('msg') or 'no message'
    stderr = (result.get('module_stderr') or '').strip()
    if stderr and stderr not in msg:
        msg = '%s (%s)' % (msg, stderr.splitlines()[-1])
    return msg


@functools.lru_cache(maxsize=None)
def collection_version():
    """This collection's version: MANIFEST.json of an installed copy, else galaxy.yml of a checkout."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        with open(os.path.join(root, 'MANIFEST.json')) as handle:
            return str(json.load(handle)['collection_info']['version'])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        with open(os.path.join(root, 'galaxy.yml')) as handle:
            match = re.search(r'^version:\s*["\']?([^"\'\s#]+)', handle.read(), re.MULTILINE)
    except OSError:
        match = None
    return match.group(1) if match else None


def record_origin(mode, clock=None, recorder=None, now=None):
    """Who recorded a measurement, when, and with which collection version (what merging records needs).

    mode: controller (report.yml on a controller) or pull (the agent recording itself). measured_at is the
    recorder's clock; in pull mode the recorder is the measured host, so its measured offset (true minus
    host time) is added when there is one, which keeps a skewed agent's record from looking older or newer.
    """
    if mode not in ORIGIN_MODES:
        raise ValueError('fleet_report_record: origin must be one of %s, got %r' % (', '.join(ORIGIN_MODES), mode))
    now = parse_time(now) if now is not None else time.time()
    offset = (clock or {}).get('offset') if mode == 'pull' else None
    if isinstance(offset, (int, float)) and not isinstance(offset, bool):
        now += offset
    return {'mode': mode, 'recorder': str(recorder or socket.gethostname()), 'measured_at': iso_utc(now, 'milliseconds'),
            'collection_version': collection_version()}


def _time_servers(value):
    """The record's time_servers: a list of server names, or None when the fleet's servers are not known."""
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or not all(isinstance(s, str) for s in value):
        raise ValueError('fleet_report_record: time_servers must be a list of server names (timesync_servers + timesync_pools), '
                         'got %r' % (value,))
    return [str(s) for s in value if str(s).strip()]


def make_record(clock_result, go_result=None, failed_task=None, origin='controller', recorder=None, now=None, time_servers=None):
    """Build the cached per-host record from registered task results.

    clock_result: the clock_facts result (or, in a rescue, ansible_failed_result);
    go_result: the go_env result, None when the task did not run;
    origin, recorder, now: see record_origin (recorder defaults to this machine's host name, now to its clock);
    time_servers: the fleet's time servers for the host, in order (timesync_servers + timesync_pools), None when unknown.
    """
    if not isinstance(clock_result, dict):
        raise ValueError('fleet_report_record: the clock_facts result must be a dict, got %s' % type(clock_result).__name__)
    time_servers = _time_servers(plain_data(time_servers))
    clock_result = plain_data(clock_result)
    clock = (clock_result.get('ansible_facts') or {}).get('gotime_clock')
    record = {'record_version': RECORD_VERSION, 'status': 'ok', 'error': None, 'failed_task': None, 'clock': None, 'go': None,
              'origin': record_origin(origin, clock if isinstance(clock, dict) else None, recorder, now),
              'time_servers': time_servers}
    if clock_result.get('unreachable'):
        record.update(status='unreachable', error=_result_error(clock_result), failed_task=failed_task)
        return record
    if clock_result.get('failed'):
        record.update(status='failed', error=_result_error(clock_result), failed_task=failed_task)
        return record
    if not isinstance(clock, dict):
        record.update(status='failed', error='clock_facts returned no gotime_clock fact', failed_task=failed_task)
        return record
    record['clock'] = clock
    if isinstance(go_result, dict) and not go_result.get('skipped'):
        go_result = plain_data(go_result)
        unreachable = bool(go_result.get('unreachable'))
        # report.yml reads with failed_when: false, which clears `failed`: a run without env failed.
        failed = not unreachable and (bool(go_result.get('failed')) or not isinstance(go_result.get('env'), dict))
        record['go'] = {
            'unreachable': unreachable,
            'failed': failed,
            'msg': _result_error(go_result) if failed or unreachable else None,
            # go_env's flag for "no go binary": a posture, not a failure.
            'go_missing': bool(go_result.get('go_missing')),
            'go_version': go_result.get('go_version'),
            'env': go_result.get('env') or {},
            'insecure': go_result.get('insecure') or [],
            'overridden': go_result.get('overridden') or [],
            'warnings': go_result.get('warnings') or [],
        }
    return record
