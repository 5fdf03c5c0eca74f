# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This plugin_utils is PRIVATE and should only be used by this collection.
"""Summaries of the fleet report, computed in one pass over the host entries; SUMMARY_QUERIES defines each as
a jmespath query (docs/report.md), and a unit test holds the pass equal to the queries."""

from ansible_collections.cifleet.gotime.plugins.plugin_utils._fleet_report_hosts import GO_STATUSES, MDM_STATES, STATES
from ansible_collections.cifleet.gotime.plugins.plugin_utils._fleet_report_record import ORIGIN_MODES

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
