# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This plugin_utils is PRIVATE and should only be used by this collection.
"""Host entries of the fleet report: each host's cached record projected onto the shipped schema
(roles/fleet_report/files/fleet-report.schema.json): its state, the clock fact's fields, the go env posture,
the managed (MDM) time settings against the fleet's servers, and how fresh the record is. A record is read,
never copied whole: each part is picked as plain data."""

import time

from ansible_collections.cifleet.gotime.plugins.module_utils._clock import VERDICTS
from ansible_collections.cifleet.gotime.plugins.module_utils._host_sync_launchd import LAUNCHD_KEYS
from ansible_collections.cifleet.gotime.plugins.module_utils._host_sync_mdm import mdm_decision
from ansible_collections.cifleet.gotime.plugins.module_utils._utc_time import parse_time
from ansible_collections.cifleet.gotime.plugins.plugin_utils._fleet_report_record import ORIGIN_MODES, plain_data

# A record older than this (seconds) is shown as stale, with its age (fleet_report_max_age).
DEFAULT_MAX_AGE = 7200
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
# the report keeps the status keys every launchd status has (gotime-clock's added ones are optional)
LAUNCHD_SYNC_KEYS = LAUNCHD_KEYS
HTTPS_RESULT_KEYS = ('url', 'status', 'offset', 'round_trip', 'date', 'error')
HTTPS_ESTIMATE_KEYS = ('offset', 'error_bound', 'resolution', 'spread', 'count')
MDM_KEYS = ('managed', 'time_server', 'servers', 'time_zone', 'source', 'reason')
# A host's managed time settings against the fleet's servers, worst first (macOS hosts; null elsewhere):
# a profile pins another server than the fleet's; the settings could not be read; a profile pins a server
# but the fleet's servers are unknown; a profile pins the fleet's server; no profile pins one.
MDM_STATES = ('managed_disagrees', 'unreadable', 'managed', 'managed_agrees', 'unmanaged')
CERT_KEYS = ('endpoint', 'subject', 'issuer', 'sans', 'not_before', 'not_after', 'valid_at_host_time',
             'valid_at_true_time', 'seconds_until_expiry', 'error')
_PLAIN_SET = frozenset((str, int, bool, type(None)))


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
        now = time.time()
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
