# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This plugin_utils is PRIVATE and should only be used by this collection.
"""Fleet report: per-host records -> one versioned document -> JSON, CSV, Prometheus text.

A record is what playbooks/report.yml caches per host (fact gotime_report): the raw
gotime_clock fact, the go_env posture and how collection went. The document projects
records onto the shipped schema (roles/fleet_report/files/fleet-report.schema.json),
sorts hosts worst first and adds summaries (one pass; SUMMARY_QUERIES defines them as jmespath queries).

Text in a record comes from agents and network peers and is hostile: each renderer passes every
string it writes through the one place that makes it safe for that output (module_utils/_display_text:
JSON strings, CSV cells, Prometheus label values; the HTML page through its _e), so a new field or
column is protected by the renderer it goes through.
"""

import csv
import datetime
import functools
import io
import json
import math
import os
import re
import socket

from ansible_collections.cifleet.gotime.plugins.module_utils import _display_text
from ansible_collections.cifleet.gotime.plugins.module_utils._host_sync_mdm import mdm_decision
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report_json

SCHEMA_VERSION = '1.2'
FORMAT = 'cifleet.gotime.fleet_report'
# 2: records carry `origin` (who measured, when, with which collection version);
# 3: and `time_servers` (the fleet's time servers for the host: timesync_servers + timesync_pools).
RECORD_VERSION = 3
# Where a record came from: a controller's report.yml run, or the agent itself (ansible-pull, playbooks/record.yml).
ORIGIN_MODES = ('controller', 'pull')
# A record older than this (seconds) is shown as stale, with its age (fleet_report_max_age).
DEFAULT_MAX_AGE = 7200

VERDICTS = ('ok', 'skewed', 'tls_window', 'no_time_source')
STATUSES = ('ok', 'unreachable', 'failed', 'missing')
# Worst first: the clock breaks TLS now, the clock is off, the clock cannot be checked,
# the host could not be checked, the host was never checked, all good.
STATES = ('tls_window', 'skewed', 'no_time_source', 'failed', 'unreachable', 'missing', 'ok')
GO_STATUSES = ('ok', 'not_installed', 'error', 'unknown')
# go env keys that make up a host's module-fetching posture.
GO_POSTURE_KEYS = ('GOVERSION', 'GOPROXY', 'GOSUMDB', 'GOPRIVATE', 'GONOPROXY', 'GONOSUMDB', 'GOINSECURE',
                   'GOFLAGS', 'GOTOOLCHAIN', 'GOMODCACHE')

CLOCK_KEYS = ('checked_at', 'platform', 'verdict', 'reason', 'offset', 'error_bound', 'offset_source', 'max_offset')
SERVER_KEYS = ('host', 'port', 'address', 'status', 'offset', 'delay', 'stratum', 'leap', 'ref_id', 'root_distance', 'error')
HOST_SYNC_KEYS = ('daemon', 'network_time_enabled', 'servers', 'synchronized', 'offset', 'launchd_sync', 'errors')
LAUNCHD_SYNC_KEYS = ('time', 'offset', 'action', 'server', 'error', 'threshold')
HTTPS_RESULT_KEYS = ('url', 'status', 'offset', 'round_trip', 'date', 'error')
HTTPS_ESTIMATE_KEYS = ('offset', 'error_bound', 'resolution', 'spread', 'count')
MDM_KEYS = ('managed', 'time_server', 'servers', 'time_zone', 'source', 'reason')
# A host's managed time settings against the fleet's servers, worst first (macOS hosts; null elsewhere):
# a profile pins another server than the fleet's; the settings could not be read; a profile pins a server
# but the fleet's servers are unknown; a profile pins the fleet's server; no profile pins one.
MDM_STATES = ('managed_disagrees', 'unreadable', 'managed', 'managed_agrees', 'unmanaged')
CERT_KEYS = ('endpoint', 'subject', 'issuer', 'sans', 'not_before', 'not_after', 'valid_at_host_time',
             'valid_at_true_time', 'seconds_until_expiry', 'error')

# Summaries: what each one is, as a jmespath query over the document's hosts (docs/report.md). summarize()
# computes them all in one pass; tests/unit/plugins/plugin_utils/test_fleet_report.py holds it equal to these.
SUMMARY_QUERIES = {
    'hosts': 'length(hosts)',
    'states': '{%s}' % ', '.join("%s: length(hosts[?state == '%s'])" % (s, s) for s in STATES),
    'go': '{%s}' % ', '.join("%s: length(hosts[?go.status == '%s'])" % (s, s) for s in GO_STATUSES),
    'worst_offset': ('max_by(hosts[?offset != `null`], &abs(offset))'
                     '.{host: host, state: state, offset: offset, error_bound: error_bound, max_offset: max_offset}'),
    'beyond_threshold': 'hosts[?offset != `null` && abs(offset) > max_offset].host',
    'insecure_hosts': 'hosts[?length(go.insecure || `[]`) > `0`].host',
    'not_measured': "hosts[?status != 'ok'].{host: host, status: status, error: error}",
    'soonest_certificate_expiry': ('min_by(hosts[?certificate_expiry != `null`], &certificate_expiry.seconds_until_expiry)'
                                   '.{host: host, endpoint: certificate_expiry.endpoint,'
                                   ' seconds_until_expiry: certificate_expiry.seconds_until_expiry}'),
}


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


def _pick(source, keys):
    """The keys of a record's dict, each value as plain data (a copy: the record is never shared or changed)."""
    get = (source or {}).get
    out = {}
    for key in keys:
        value = get(key)
        out[key] = value if value.__class__ in _PLAIN_SET else plain_data(value)
    return out


def _plain(value):
    return value if value.__class__ in _PLAIN_SET else plain_data(value)


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


def _iso_utc(posix):
    moment = datetime.datetime.fromtimestamp(posix, datetime.timezone.utc)
    return moment.isoformat(timespec='milliseconds').replace('+00:00', 'Z')


def record_origin(mode, clock=None, recorder=None, now=None):
    """Who recorded a measurement, when, and with which collection version (what merging records needs).

    mode: controller (report.yml on a controller) or pull (the agent recording itself). measured_at is the
    recorder's clock; in pull mode the recorder is the measured host, so its measured offset (true minus
    host time) is added when there is one, which keeps a skewed agent's record from looking older or newer.
    """
    if mode not in ORIGIN_MODES:
        raise ValueError('fleet_report_record: origin must be one of %s, got %r' % (', '.join(ORIGIN_MODES), mode))
    now = parse_time(now) if now is not None else datetime.datetime.now(datetime.timezone.utc).timestamp()
    offset = (clock or {}).get('offset') if mode == 'pull' else None
    if isinstance(offset, (int, float)) and not isinstance(offset, bool):
        now += offset
    return {'mode': mode, 'recorder': str(recorder or socket.gethostname()), 'measured_at': _iso_utc(now),
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


def _go_posture(raw):
    if raw is None:
        return None
    if raw.get('unreachable') or raw.get('failed'):
        status = 'unknown' if raw.get('unreachable') else ('not_installed' if raw.get('go_missing') else 'error')
        return {'status': status, 'error': _plain(raw.get('msg')), 'version': None, 'env': {}, 'insecure': [], 'overridden': [],
                'warnings': []}
    env = raw.get('env') or {}
    insecure = [_pick(item, ('key', 'value', 'why')) for item in raw.get('insecure') or [] if isinstance(item, dict)]
    overridden = _plain(raw.get('overridden')) or []
    if isinstance(overridden, dict):
        overridden = sorted(overridden)
    return {
        'status': 'ok',
        'error': None,
        'version': _plain(raw.get('go_version')),
        'env': dict((k, _plain(env[k])) for k in GO_POSTURE_KEYS if k in env),
        'insecure': insecure,
        'overridden': [str(k) for k in overridden],
        'warnings': [str(w) for w in _plain(raw.get('warnings')) or []],
    }


def _number_or_none(value):
    """A number the report computes with (chart, sort, summaries); anything else from a record is None."""
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _soonest_expiry(certificates):
    known = [c for c in certificates if isinstance(c.get('seconds_until_expiry'), (int, float))]
    if not known:
        return None
    cert = min(known, key=lambda c: (c['seconds_until_expiry'], c.get('endpoint') or ''))
    return {'endpoint': cert.get('endpoint'), 'seconds_until_expiry': cert['seconds_until_expiry']}


def _clock_part(clock):
    out = _pick(clock, CLOCK_KEYS)
    for key in ('offset', 'error_bound', 'max_offset'):
        out[key] = _number_or_none(out[key])
    ntp = clock.get('ntp') or {}
    selection = ntp.get('selection') or {}
    out['ntp'] = {
        'servers': [_pick(s, SERVER_KEYS) for s in ntp.get('servers') or []],
        'truechimers': plain_data(list(selection.get('truechimers') or [])),
        'falsetickers': plain_data(list(selection.get('falsetickers') or [])),
        'majority': _plain(selection.get('majority')),
        'reason': _plain(selection.get('reason')),
    }
    https_date = clock.get('https_date') or {}
    estimate = https_date.get('estimate')
    out['https_date'] = {
        'estimate': _pick(estimate, HTTPS_ESTIMATE_KEYS) if isinstance(estimate, dict) else None,
        'results': [_pick(r, HTTPS_RESULT_KEYS) for r in https_date.get('results') or [] if isinstance(r, dict)],
    }
    host_sync = clock.get('host_sync')
    if isinstance(host_sync, dict):
        host_sync = _pick(host_sync, HOST_SYNC_KEYS)
        if isinstance(host_sync['launchd_sync'], dict):
            host_sync['launchd_sync'] = _pick(host_sync['launchd_sync'], LAUNCHD_SYNC_KEYS)
        else:
            host_sync['launchd_sync'] = None
        host_sync['servers'] = list(host_sync['servers'] or [])
        host_sync['errors'] = [str(e) for e in host_sync['errors'] or []]
    else:
        host_sync = None
    out['host_sync'] = host_sync
    out['certificates'] = [_pick(c, CERT_KEYS) for c in clock.get('certificates') or [] if isinstance(c, dict)]
    for cert in out['certificates']:
        cert['seconds_until_expiry'] = _number_or_none(cert['seconds_until_expiry'])
    out['certificate_expiry'] = _soonest_expiry(out['certificates'])
    return out


def _empty_clock():
    out = dict((k, None) for k in CLOCK_KEYS)
    out.update(ntp=None, https_date=None, host_sync=None, certificates=[], certificate_expiry=None, mdm=None)
    return out


def fleet_servers(record, ntp):
    """The fleet's time servers for a host and where they come from.

    The record's time_servers (timesync_servers + timesync_pools of the host's vars) when it has them, else the
    NTP servers clock_facts measured against (gotime_clock_ntp_servers); ([], None) when neither is known.
    """
    configured = record.get('time_servers')
    if isinstance(configured, list) and configured:
        return [str(s) for s in configured], 'timesync'
    measured = [str(s['host']) for s in (ntp or {}).get('servers') or [] if isinstance(s, dict) and s.get('host')]
    return (measured, 'measured') if measured else ([], None)


def mdm_part(clock, record):
    """The host's managed (MDM) time settings and whether the profile's server is the fleet's; None off macOS.

    agrees follows the timesync role's rule (mdm_decision: timed honours one server, so the profile's first is
    compared with the fleet's first); None when no profile pins a server or the fleet's servers are unknown.
    """
    host_sync = clock.get('host_sync')
    mdm = host_sync.get('mdm') if isinstance(host_sync, dict) else None
    if not isinstance(mdm, dict):
        return None
    out = _pick(mdm, MDM_KEYS)
    if not isinstance(out['managed'], bool):
        out['managed'] = None
    out['servers'] = [str(s) for s in out['servers']] if isinstance(out['servers'], list) else []
    servers, source = fleet_servers(record, clock.get('ntp'))
    agrees = mdm_decision(out, servers)[1] if servers else None
    if out['managed'] is None:
        state = 'unreadable'
    elif not out['managed'] or not out['servers']:
        state = 'unmanaged'
    elif agrees is None:
        state = 'managed'
    else:
        state = 'managed_agrees' if agrees else 'managed_disagrees'
    out.update(fleet_servers=servers, fleet_servers_source=source, agrees=agrees, state=state)
    return out


def record_freshness(record, now, max_age):
    """The host entry's `record` part: when and by whom it was measured, its age and whether it is stale.

    A record without origin (record_version 1) is dated by the host's checked_at. A record with no date
    at all is stale: it cannot be shown as current.
    """
    if record is None:
        return None
    origin = record.get('origin') if isinstance(record.get('origin'), dict) else {}
    measured_at = _plain(origin.get('measured_at')) or _plain((record.get('clock') or {}).get('checked_at'))
    when = parse_time(measured_at)
    age = None if when is None else round(max(now - when, 0.0), 3)
    return {
        'measured_at': measured_at if when is not None else None,
        'age': age,
        'stale': age is None or age > max_age,
        'mode': _plain(origin['mode']) if origin.get('mode') in ORIGIN_MODES else 'unknown',
        'recorder': _plain(origin.get('recorder')),
        'collection_version': _plain(origin.get('collection_version')),
    }


def host_entry(host, record, failed_in_run=False, now=None, max_age=DEFAULT_MAX_AGE):
    """Project one host's cached record onto the report's host entry.

    now (POSIX seconds, default the controller clock) and max_age (seconds) decide record.age and record.stale.
    """
    record = record if isinstance(record, dict) else None  # read, never copied whole: each part is picked as plain data
    if now is None:
        now = datetime.datetime.now(datetime.timezone.utc).timestamp()
    entry = {'host': str(host), 'status': 'ok', 'error': None, 'failed_task': None}
    if record is None:
        if failed_in_run:
            entry.update(status='failed', error='the host failed in this run before its report record was written')
        else:
            entry.update(status='missing', error='no gotime_report record in the fact cache: run playbooks/report.yml against this host')
    elif record.get('status') in ('unreachable', 'failed'):
        entry.update(status=_plain(record['status']), error=_plain(record.get('error')), failed_task=_plain(record.get('failed_task')))
    elif failed_in_run:
        entry.update(status='failed', error='the host failed in this run after its report record was written')
    elif not isinstance(record.get('clock'), dict):
        entry.update(status='failed', error='the report record holds no gotime_clock fact')
    elif record['clock'].get('verdict') not in VERDICTS:
        # One bad record (e.g. from another collection version) must not sink the fleet's report.
        entry.update(status='failed', error='gotime_clock has an unknown verdict %r' % (_plain(record['clock'].get('verdict')),))
    if entry['status'] == 'ok':
        entry.update(_clock_part(record['clock']))
        entry['mdm'] = mdm_part(record['clock'], record)
        entry['go'] = _go_posture(record.get('go'))
        entry['state'] = entry['verdict']
    else:
        entry.update(_empty_clock())
        entry['go'] = None
        entry['state'] = entry['status']
    entry['rank'] = STATES.index(entry['state'])
    entry['record'] = record_freshness(record, now, max_age)
    return entry


def _sort_key(entry):
    offset = entry.get('offset')
    return (entry['rank'], -abs(offset) if isinstance(offset, (int, float)) else 0.0, entry['host'])


def summarize(hosts):
    """The document's summaries in one pass over the hosts: the results of SUMMARY_QUERIES (jmespath, the
    definition; a unit test holds the two equal), then summarize_records and summarize_mdm."""
    states = dict((state, 0) for state in STATES)
    go = dict((status, 0) for status in GO_STATUSES)
    worst = soonest = None
    beyond, insecure, not_measured = [], [], []
    for entry in hosts:
        if entry['state'] in states:
            states[entry['state']] += 1
        posture = entry.get('go')
        if posture:
            if posture.get('status') in go:
                go[posture['status']] += 1
            if posture.get('insecure'):
                insecure.append(entry['host'])
        offset = entry.get('offset')
        if offset is not None:
            if worst is None or abs(offset) > abs(worst['offset']):  # max_by: the first of equals
                worst = entry
            threshold = entry.get('max_offset')
            if threshold is not None and abs(offset) > threshold:
                beyond.append(entry['host'])
        if entry['status'] != 'ok':
            not_measured.append({'host': entry['host'], 'status': entry['status'], 'error': entry.get('error')})
        expiry = entry.get('certificate_expiry')
        if expiry is not None and (soonest is None or expiry['seconds_until_expiry'] <
                                   soonest['certificate_expiry']['seconds_until_expiry']):  # min_by: the first of equals
            soonest = entry
    summary = {
        'hosts': len(hosts),
        'states': states,
        'go': go,
        'worst_offset': None if worst is None else dict((k, worst.get(k)) for k in ('host', 'state', 'offset', 'error_bound', 'max_offset')),
        'beyond_threshold': beyond,
        'insecure_hosts': insecure,
        'not_measured': not_measured,
        'soonest_certificate_expiry': None if soonest is None else {
            'host': soonest['host'], 'endpoint': soonest['certificate_expiry'].get('endpoint'),
            'seconds_until_expiry': soonest['certificate_expiry']['seconds_until_expiry']},
    }
    summary.update(summarize_records(hosts))
    summary.update(summarize_mdm(hosts))
    return summary


def summarize_mdm(hosts):
    """Hosts per managed-time-settings state (hosts that report them: macOS) and the hosts whose profile disagrees."""
    states = dict((state, 0) for state in MDM_STATES)
    disagrees = []
    for entry in hosts:
        mdm = entry.get('mdm')
        if not mdm:
            continue
        states[mdm['state']] += 1
        if mdm['state'] == 'managed_disagrees':
            disagrees.append({'host': entry['host'], 'time_server': mdm['time_server'], 'fleet_servers': mdm['fleet_servers']})
    return {'mdm': states, 'mdm_disagrees': disagrees}


def summarize_records(hosts):
    """Where the records came from (origin mode, recorder) and which are stale, oldest first."""
    origins = dict((mode, 0) for mode in ORIGIN_MODES + ('unknown', 'no_record'))
    recorders = {}
    stale = []
    for entry in hosts:
        record = entry.get('record')
        if record is None:
            origins['no_record'] += 1
            continue
        origins[record['mode']] += 1
        if record.get('recorder') is not None:
            recorders[record['recorder']] = recorders.get(record['recorder'], 0) + 1
        if record['stale']:
            stale.append({'host': entry['host'], 'age': record['age'], 'measured_at': record['measured_at']})
    stale.sort(key=lambda s: (-(s['age'] if s['age'] is not None else float('inf')), s['host']))
    return {'origins': origins, 'recorders': dict(sorted(recorders.items())), 'stale': stale}


def gather_records(hostvars, hosts, fact='gotime_report', records=None, source=None):
    """The report's {host: record} and source: records read from a fact cache (all its hosts, plus the hosts of
    hosts it lacks, as missing) when records is given, else each of hosts' cached fact from hostvars."""
    if isinstance(hosts, str) or not hasattr(hosts, '__iter__'):
        raise ValueError('fleet_report: hosts must be a list of inventory host names')
    if records is not None and not isinstance(records, dict):
        raise ValueError('fleet_report: records must be a dict of host name to record (lookup cifleet.gotime.fleet_records)')
    if records is not None:
        cached = records
        records = dict((str(h), cached.get(h)) for h in hosts)
        records.update((str(h), r) for h, r in cached.items())
        if source is not None:
            source = dict(source, inventory_only_hosts=len(set(records) - set(str(h) for h in cached)))
        return records, source
    records = {}
    for host in hosts:
        host = str(host)
        try:
            host_vars = hostvars[host]
        except KeyError:
            raise ValueError('fleet_report: %s is not in hostvars' % host)
        facts = host_vars.get('ansible_facts') or {}
        records[host] = facts.get(fact)
    return records, source


def utc_now():
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.isoformat(timespec='seconds').replace('+00:00', 'Z')


def build(records, failed_hosts=None, generated_at=None, title=None, max_age=None, source=None):
    """records: {host: record or None}. Returns the report document (plain data).

    max_age: freshness limit in seconds (default DEFAULT_MAX_AGE), measured against generated_at;
    source: where the records were read, e.g. {'kind': 'fact_cache', 'plugin': ..., 'cache_hosts': N, 'inventory_hosts': N}.
    """
    max_age = DEFAULT_MAX_AGE if max_age is None else _plain(max_age)  # task arguments may be Ansible's tagged types
    generated_at, title = _plain(generated_at), _plain(title)
    if isinstance(max_age, str) and max_age.strip().isdigit():
        max_age = int(max_age)  # from -e on the command line
    if isinstance(max_age, bool) or not isinstance(max_age, (int, float)) or max_age <= 0:
        raise ValueError('fleet_report: max_age must be a number of seconds above 0, got %r' % (max_age,))
    generated_at = generated_at or utc_now()
    now = parse_time(generated_at)
    if now is None:
        raise ValueError('fleet_report: generated_at must be UTC ISO 8601 (e.g. 2026-11-27T18:00:00Z), got %r' % (generated_at,))
    failed_hosts = set(failed_hosts or [])
    hosts = [host_entry(host, record, host in failed_hosts, now, max_age) for host, record in records.items()]
    hosts.sort(key=_sort_key)
    return {
        'format': FORMAT,
        'schema_version': SCHEMA_VERSION,
        'generated_at': generated_at,
        'title': title or 'Fleet clock and Go posture',
        'max_age': max_age,
        'source': plain_data(source) if source else {'kind': 'play'},
        'summary': summarize(hosts),
        'hosts': hosts,
    }


# ---------------------------------------------------------------- renderers

def render_json(doc):
    return _fleet_report_json.render_json(doc)


CSV_COLUMNS = (
    'host', 'state', 'status', 'verdict', 'offset', 'error_bound', 'max_offset', 'offset_source', 'checked_at', 'platform',
    'daemon', 'synchronized', 'network_time_enabled', 'truechimers', 'falsetickers',
    'last_sync_time', 'last_sync_action', 'last_sync_error',
    'soonest_expiry_endpoint', 'soonest_expiry_seconds', 'certificate_problems',
    'go_status', 'goproxy', 'gosumdb', 'go_insecure', 'reason', 'error',
    # The record: when and by whom measured, its age at report time and whether it is past max_age.
    'measured_at', 'record_age_seconds', 'stale', 'origin', 'recorder', 'collection_version',
    # Managed (MDM) time settings (macOS) against the fleet's servers (from the record's time_servers or what was measured).
    'mdm_state', 'mdm_managed', 'mdm_time_server', 'mdm_time_zone', 'mdm_agrees', 'fleet_time_servers', 'fleet_time_servers_source',
    'mdm_source', 'mdm_reason',
)


def _csv_value(value):
    return _display_text.csv_cell(value)


def certificate_problems(entry):
    """Endpoints whose certificate is unusable now, with the cause."""
    problems = []
    for cert in entry.get('certificates') or []:
        endpoint = str(cert.get('endpoint'))
        if cert.get('error'):
            error = str(cert['error'])
            problems.append(error if error.startswith(endpoint) else '%s: %s' % (endpoint, error))
        elif cert.get('valid_at_host_time') is False:
            at_true = cert.get('valid_at_true_time')
            problems.append('%s: invalid at host time%s' % (
                endpoint, ', valid at true time' if at_true else (', invalid at true time' if at_true is False else '')))
    return problems


def csv_row(entry):
    sync = entry.get('host_sync') or {}
    last = sync.get('launchd_sync') or {}
    ntp = entry.get('ntp') or {}
    expiry = entry.get('certificate_expiry') or {}
    go = entry.get('go') or {}
    env = go.get('env') or {}
    row = {
        'host': entry['host'], 'state': entry['state'], 'status': entry['status'], 'verdict': entry.get('verdict'),
        'offset': entry.get('offset'), 'error_bound': entry.get('error_bound'), 'max_offset': entry.get('max_offset'),
        'offset_source': entry.get('offset_source'), 'checked_at': entry.get('checked_at'), 'platform': entry.get('platform'),
        'daemon': sync.get('daemon'), 'synchronized': sync.get('synchronized'),
        'network_time_enabled': sync.get('network_time_enabled'),
        'truechimers': ' '.join(ntp.get('truechimers') or []), 'falsetickers': ' '.join(ntp.get('falsetickers') or []),
        'last_sync_time': last.get('time'), 'last_sync_action': last.get('action'), 'last_sync_error': last.get('error'),
        'soonest_expiry_endpoint': expiry.get('endpoint'), 'soonest_expiry_seconds': expiry.get('seconds_until_expiry'),
        'certificate_problems': '; '.join(certificate_problems(entry)),
        'go_status': go.get('status'), 'goproxy': env.get('GOPROXY'), 'gosumdb': env.get('GOSUMDB'),
        'go_insecure': '; '.join('%s=%s' % (i.get('key'), i.get('value')) for i in go.get('insecure') or []),
        'reason': entry.get('reason'), 'error': entry.get('error'),
    }
    row.update(_csv_record(entry.get('record')))
    row.update(_csv_mdm(entry.get('mdm')))
    cell = _display_text.csv_cell
    return [cell(row[c]) for c in CSV_COLUMNS]


def _csv_mdm(mdm):
    mdm = mdm or {}
    return {'mdm_state': mdm.get('state'), 'mdm_managed': mdm.get('managed'), 'mdm_time_server': mdm.get('time_server'),
            'mdm_time_zone': mdm.get('time_zone'), 'mdm_agrees': mdm.get('agrees'),
            'fleet_time_servers': ' '.join(mdm.get('fleet_servers') or []), 'fleet_time_servers_source': mdm.get('fleet_servers_source'),
            'mdm_source': mdm.get('source'), 'mdm_reason': mdm.get('reason')}


def _csv_record(record):
    record = record or {}
    return {'measured_at': record.get('measured_at'), 'record_age_seconds': record.get('age'), 'stale': record.get('stale'),
            'origin': record.get('mode'), 'recorder': record.get('recorder'), 'collection_version': record.get('collection_version')}


def render_csv(doc):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    writer.writerow(CSV_COLUMNS)
    for entry in doc['hosts']:
        writer.writerow(csv_row(entry))
    return out.getvalue()


def parse_time(value):
    """ISO 8601 (Z or offset) or a POSIX number -> POSIX seconds; None when unparsable."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        moment = datetime.datetime.fromisoformat(str(value).replace('Z', '+00:00'))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()


def _label(value):
    return _display_text.prometheus_label(value)


def _labels(**labels):
    pairs = ['%s="%s"' % (k, _label(v)) for k, v in sorted(labels.items()) if v is not None]
    return '{%s}' % ','.join(pairs) if pairs else ''


def _number(value):
    """A sample value as text; None when value is not a finite number (a sample with text is dropped)."""
    if isinstance(value, bool):
        return '1' if value else '0'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    return None


class _Metrics:
    def __init__(self):
        self._families = []
        self._samples = {}

    def add(self, name, help_text, labels, value):
        value = _number(value)
        if value is None:
            return
        if name not in self._samples:
            self._families.append((name, help_text))
            self._samples[name] = []
        self._samples[name].append('%s%s %s' % (name, _labels(**labels), value))

    def declare(self, name, help_text):
        if name not in self._samples:
            self._families.append((name, help_text))
            self._samples[name] = []

    def text(self):
        lines = []
        for name, help_text in self._families:
            lines.append('# HELP %s %s' % (name, help_text))
            lines.append('# TYPE %s gauge' % name)
            lines.extend(self._samples[name])
        return '\n'.join(lines) + '\n'


def render_prometheus(doc):
    """Prometheus text exposition format (node_exporter textfile collector)."""
    m = _Metrics()
    m.add('gotime_report_generated_timestamp_seconds', 'When the fleet report was rendered (controller clock).',
          {}, parse_time(doc['generated_at']))
    for state in STATES:
        m.add('gotime_fleet_hosts', 'Hosts per report state.', {'state': state}, doc['summary']['states'].get(state, 0))
    for origin, count in (doc['summary'].get('origins') or {}).items():
        m.add('gotime_fleet_records', 'Hosts per record origin (controller, pull, unknown, no_record).', {'origin': origin}, count)
    m.add('gotime_fleet_stale_records', 'Hosts whose record is older than the report max_age.', {},
          len(doc['summary'].get('stale') or []))
    for state, count in (doc['summary'].get('mdm') or {}).items():
        m.add('gotime_fleet_mdm_hosts', 'Hosts per managed (MDM) time settings state, of the hosts that report them (macOS).',
              {'state': state}, count)
    for entry in doc['hosts']:
        host = entry['host']
        sync = entry.get('host_sync') or {}
        record = entry.get('record')
        if record:
            m.add('gotime_host_record_age_seconds', 'Age of the host record at report time (measured_at to generated_at).',
                  {'host': host, 'origin': record.get('mode'), 'recorder': record.get('recorder')}, record.get('age'))
            m.add('gotime_host_record_stale', '1 when the host record is older than the report max_age (or undated).',
                  {'host': host}, record.get('stale'))
        m.add('gotime_host_up', '1 when the host was measured in the report run, 0 when unreachable, failed or missing.',
              {'host': host, 'status': entry['status']}, entry['status'] == 'ok')
        m.add('gotime_host_info', 'Host labels: platform and time sync daemon.',
              {'host': host, 'platform': entry.get('platform') or 'unknown', 'daemon': sync.get('daemon') or 'none'}, 1)
        if entry['status'] != 'ok':
            continue
        m.add('gotime_clock_offset_seconds', 'True time minus host time (positive: host clock slow).',
              {'host': host, 'source': entry.get('offset_source')}, entry.get('offset'))
        m.add('gotime_clock_error_bound_seconds', 'The true offset lies within offset plus or minus this bound.',
              {'host': host}, entry.get('error_bound'))
        m.add('gotime_clock_max_offset_seconds', 'Offset threshold of the verdict.', {'host': host}, entry.get('max_offset'))
        for verdict in VERDICTS:
            m.add('gotime_clock_verdict', 'Clock verdict of the host: 1 for the current verdict, 0 for the others.',
                  {'host': host, 'verdict': verdict}, entry['verdict'] == verdict)
        m.add('gotime_ntp_falsetickers', 'NTP servers left out of the selection as falsetickers.',
              {'host': host}, len((entry.get('ntp') or {}).get('falsetickers') or []))
        if isinstance(sync.get('synchronized'), bool):
            m.add('gotime_host_sync_synchronized', 'The host time daemon reports itself synchronized.',
                  {'host': host, 'daemon': sync.get('daemon') or 'none'}, sync['synchronized'])
        for cert in entry.get('certificates') or []:
            labels = {'host': host, 'endpoint': cert.get('endpoint')}
            m.add('gotime_certificate_seconds_until_expiry', 'Seconds until the endpoint certificate expires (at true time).',
                  labels, cert.get('seconds_until_expiry'))
            if isinstance(cert.get('valid_at_host_time'), bool):
                m.add('gotime_certificate_valid_at_host_time', 'The endpoint certificate is valid by the host clock.',
                      labels, cert['valid_at_host_time'])
        last = sync.get('launchd_sync')
        if last:
            m.add('gotime_sync_job_last_run_timestamp_seconds', 'When the launchd_sync job last ran (host clock).',
                  {'host': host}, parse_time(last.get('time')))
            m.add('gotime_sync_job_last_success', 'Last launchd_sync job result: 1 without error, 0 with one.',
                  {'host': host, 'action': last.get('action') or 'unknown'}, not last.get('error'))
            m.add('gotime_sync_job_last_offset_seconds', 'Offset the launchd_sync job measured on its last run.',
                  {'host': host}, last.get('offset'))
        mdm = entry.get('mdm')
        if mdm and mdm['managed'] is not None:
            m.add('gotime_host_mdm_managed', '1 when a configuration profile (MDM, com.apple.MCX) pins the time server, 0 when none does.',
                  {'host': host}, mdm['managed'])
        if mdm and mdm['agrees'] is not None:
            m.add('gotime_host_mdm_time_server_agrees', "1 when the profile's time server is the fleet's first server, 0 when it is another.",
                  {'host': host, 'time_server': mdm['servers'][0], 'fleet_server': mdm['fleet_servers'][0]}, mdm['agrees'])
        go = entry.get('go')
        if go:
            m.add('gotime_go_installed', '1 when go was found on the host.', {'host': host}, go['status'] != 'not_installed')
            m.add('gotime_go_insecure_settings', 'go env settings go_env reports as security downgrades (GOSUMDB=off, GOINSECURE, ...).',
                  {'host': host}, len(go.get('insecure') or []))
    return m.text()


RENDERERS = {'json': render_json, 'csv': render_csv, 'prometheus': render_prometheus}
EXTENSIONS = {'json': 'json', 'csv': 'csv', 'html': 'html', 'prometheus': 'prom'}
