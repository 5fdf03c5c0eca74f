# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This plugin_utils is PRIVATE and should only be used by this collection.
"""Fleet report document -> fleet-report.csv: one row per host in report order, every cell through
_display_text.csv_cell (numbers stay numbers, text that a spreadsheet would run as a formula is quoted)."""

import csv
import io

from ansible_collections.cifleet.gotime.plugins.module_utils import _display_text
from ansible_collections.cifleet.gotime.plugins.plugin_utils._fleet_report_hosts import certificate_problems

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
