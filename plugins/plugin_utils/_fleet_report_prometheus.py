# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This plugin_utils is PRIVATE and should only be used by this collection.
"""Fleet report document -> fleet-report.prom: Prometheus text exposition format (node_exporter textfile
collector), gauges with HELP and TYPE, every label value through _display_text.prometheus_label."""

import math

from ansible_collections.cifleet.gotime.plugins.module_utils import _display_text
from ansible_collections.cifleet.gotime.plugins.module_utils._clock import VERDICTS
from ansible_collections.cifleet.gotime.plugins.module_utils._utc_time import parse_time
from ansible_collections.cifleet.gotime.plugins.plugin_utils._fleet_report_hosts import STATES


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
