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
sorts hosts worst first and adds summaries computed with jmespath queries.

Text in a record comes from agents and network peers and is hostile: each renderer passes every
string it writes through the one place that makes it safe for that output (module_utils/_display_text:
JSON strings, CSV cells, Prometheus label values; the HTML page through its _e), so a new field or
column is protected by the renderer it goes through.
"""

import csv
import datetime
import io
import json
import math
import traceback

from ansible_collections.cifleet.gotime.plugins.module_utils import _display_text

try:
    import jmespath
    HAS_JMESPATH = True
    JMESPATH_IMPORT_ERROR = None
except ImportError:
    HAS_JMESPATH = False
    JMESPATH_IMPORT_ERROR = traceback.format_exc()

SCHEMA_VERSION = '1.0'
FORMAT = 'cifleet.gotime.fleet_report'
RECORD_VERSION = 1

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
CERT_KEYS = ('endpoint', 'subject', 'issuer', 'sans', 'not_before', 'not_after', 'valid_at_host_time',
             'valid_at_true_time', 'seconds_until_expiry', 'error')

# Summaries: each one a jmespath query over the document's hosts (documented in docs/report.md).
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


def plain_data(value):
    """Deep copy into plain dict/list/str/int/float/bool/None (drops Ansible's tagged and lazy types;
    a non-finite float becomes None)."""
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
    source = source or {}
    return dict((k, source.get(k)) for k in keys)


def _result_error(result):
    msg = result.get('msg') or 'no message'
    stderr = (result.get('module_stderr') or '').strip()
    if stderr and stderr not in msg:
        msg = '%s (%s)' % (msg, stderr.splitlines()[-1])
    return msg


def make_record(clock_result, go_result=None, failed_task=None):
    """Build the cached per-host record from registered task results.

    clock_result: the clock_facts result (or, in a rescue, ansible_failed_result);
    go_result: the go_env result, None when the task did not run.
    """
    if not isinstance(clock_result, dict):
        raise ValueError('fleet_report_record: the clock_facts result must be a dict, got %s' % type(clock_result).__name__)
    clock_result = plain_data(clock_result)
    record = {'record_version': RECORD_VERSION, 'status': 'ok', 'error': None, 'failed_task': None, 'clock': None, 'go': None}
    if clock_result.get('unreachable'):
        record.update(status='unreachable', error=_result_error(clock_result), failed_task=failed_task)
        return record
    if clock_result.get('failed'):
        record.update(status='failed', error=_result_error(clock_result), failed_task=failed_task)
        return record
    clock = (clock_result.get('ansible_facts') or {}).get('gotime_clock')
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
        return {'status': status, 'error': raw.get('msg'), 'version': None, 'env': {}, 'insecure': [], 'overridden': [], 'warnings': []}
    env = raw.get('env') or {}
    insecure = [_pick(item, ('key', 'value', 'why')) for item in raw.get('insecure') or [] if isinstance(item, dict)]
    overridden = raw.get('overridden') or []
    if isinstance(overridden, dict):
        overridden = sorted(overridden)
    return {
        'status': 'ok',
        'error': None,
        'version': raw.get('go_version'),
        'env': dict((k, env[k]) for k in GO_POSTURE_KEYS if k in env),
        'insecure': insecure,
        'overridden': [str(k) for k in overridden],
        'warnings': [str(w) for w in raw.get('warnings') or []],
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
        'truechimers': list(selection.get('truechimers') or []),
        'falsetickers': list(selection.get('falsetickers') or []),
        'majority': selection.get('majority'),
        'reason': selection.get('reason'),
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
    out.update(ntp=None, https_date=None, host_sync=None, certificates=[], certificate_expiry=None)
    return out


def host_entry(host, record, failed_in_run=False):
    """Project one host's cached record onto the report's host entry."""
    record = plain_data(record) if isinstance(record, dict) else None
    entry = {'host': str(host), 'status': 'ok', 'error': None, 'failed_task': None}
    if record is None:
        if failed_in_run:
            entry.update(status='failed', error='the host failed in this run before its report record was written')
        else:
            entry.update(status='missing', error='no gotime_report record in the fact cache: run playbooks/report.yml against this host')
    elif record.get('status') in ('unreachable', 'failed'):
        entry.update(status=record['status'], error=record.get('error'), failed_task=record.get('failed_task'))
    elif failed_in_run:
        entry.update(status='failed', error='the host failed in this run after its report record was written')
    elif not isinstance(record.get('clock'), dict):
        entry.update(status='failed', error='the report record holds no gotime_clock fact')
    elif record['clock'].get('verdict') not in VERDICTS:
        # One bad record (e.g. from another collection version) must not sink the fleet's report.
        entry.update(status='failed', error='gotime_clock has an unknown verdict %r' % (record['clock'].get('verdict'),))
    if entry['status'] == 'ok':
        entry.update(_clock_part(record['clock']))
        entry['go'] = _go_posture(record.get('go'))
        entry['state'] = entry['verdict']
    else:
        entry.update(_empty_clock())
        entry['go'] = None
        entry['state'] = entry['status']
    entry['rank'] = STATES.index(entry['state'])
    return entry


def _sort_key(entry):
    offset = entry.get('offset')
    return (entry['rank'], -abs(offset) if isinstance(offset, (int, float)) else 0.0, entry['host'])


def summarize(hosts):
    if not HAS_JMESPATH:
        raise ValueError('fleet_report: the jmespath Python library is required on the controller')
    data = {'hosts': hosts}
    return dict((name, jmespath.search(query, data)) for name, query in SUMMARY_QUERIES.items())


def utc_now():
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.isoformat(timespec='seconds').replace('+00:00', 'Z')


def build(records, failed_hosts=None, generated_at=None, title=None):
    """records: {host: record or None}. Returns the report document (plain data)."""
    failed_hosts = set(failed_hosts or [])
    hosts = [host_entry(host, record, host in failed_hosts) for host, record in records.items()]
    hosts.sort(key=_sort_key)
    return {
        'format': FORMAT,
        'schema_version': SCHEMA_VERSION,
        'generated_at': generated_at or utc_now(),
        'title': title or 'Fleet clock and Go posture',
        'summary': summarize(hosts),
        'hosts': hosts,
    }


# ---------------------------------------------------------------- renderers

def render_json(doc):
    return json.dumps(_display_text.strings_in(doc), indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + '\n'


CSV_COLUMNS = (
    'host', 'state', 'status', 'verdict', 'offset', 'error_bound', 'max_offset', 'offset_source', 'checked_at', 'platform',
    'daemon', 'synchronized', 'network_time_enabled', 'truechimers', 'falsetickers',
    'last_sync_time', 'last_sync_action', 'last_sync_error',
    'soonest_expiry_endpoint', 'soonest_expiry_seconds', 'certificate_problems',
    'go_status', 'goproxy', 'gosumdb', 'go_insecure', 'reason', 'error',
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
    return [_csv_value(row[c]) for c in CSV_COLUMNS]


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
    for entry in doc['hosts']:
        host = entry['host']
        sync = entry.get('host_sync') or {}
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
        go = entry.get('go')
        if go:
            m.add('gotime_go_installed', '1 when go was found on the host.', {'host': host}, go['status'] != 'not_installed')
            m.add('gotime_go_insecure_settings', 'go env settings go_env reports as security downgrades (GOSUMDB=off, GOINSECURE, ...).',
                  {'host': host}, len(go.get('insecure') or []))
    return m.text()


RENDERERS = {'json': render_json, 'csv': render_csv, 'prometheus': render_prometheus}
EXTENSIONS = {'json': 'json', 'csv': 'csv', 'html': 'html', 'prometheus': 'prom'}
