# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This plugin_utils is PRIVATE and should only be used by this collection.
"""Fleet report: per-host records -> one versioned document -> JSON, CSV, HTML, Prometheus text.

The parts, one job each: _fleet_report_record (the cached per-host record), _fleet_report_hosts (a record
projected onto the shipped schema, roles/fleet_report/files/fleet-report.schema.json), _fleet_report_summary
(the summaries), this file (the document: every host, worst first, and where the records came from), one
renderer per format (_fleet_report_json, _csv, _html, _prometheus) and _fleet_report_files (writing them).

Text in a record comes from agents and network peers and is hostile: each renderer passes every
string it writes through the one place that makes it safe for that output (module_utils/_display_text:
JSON strings, CSV cells, Prometheus label values; the HTML page through its _e), so a new field or
column is protected by the renderer it goes through.
"""

from ansible_collections.cifleet.gotime.plugins.module_utils._utc_time import iso_utc, parse_time
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report_csv
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report_json
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report_prometheus
from ansible_collections.cifleet.gotime.plugins.plugin_utils._fleet_report_hosts import DEFAULT_MAX_AGE, host_entry
from ansible_collections.cifleet.gotime.plugins.plugin_utils._fleet_report_record import plain_data
from ansible_collections.cifleet.gotime.plugins.plugin_utils._fleet_report_summary import summarize

SCHEMA_VERSION = '1.2'
FORMAT = 'cifleet.gotime.fleet_report'


def _sort_key(entry):
    offset = entry.get('offset')
    return (entry['rank'], -abs(offset) if isinstance(offset, (int, float)) else 0.0, entry['host'])


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


def build(records, failed_hosts=None, generated_at=None, title=None, max_age=None, source=None):
    """records: {host: record or None}. Returns the report document (plain data).

    max_age: freshness limit in seconds (default DEFAULT_MAX_AGE), measured against generated_at;
    source: where the records were read, e.g. {'kind': 'fact_cache', 'plugin': ..., 'cache_hosts': N, 'inventory_hosts': N}.
    """
    max_age = DEFAULT_MAX_AGE if max_age is None else plain_data(max_age)  # task arguments may be Ansible's tagged types
    generated_at, title = plain_data(generated_at), plain_data(title)
    if isinstance(max_age, str) and max_age.strip().isdigit():
        max_age = int(max_age)  # from -e on the command line
    if isinstance(max_age, bool) or not isinstance(max_age, (int, float)) or max_age <= 0:
        raise ValueError('fleet_report: max_age must be a number of seconds above 0, got %r' % (max_age,))
    generated_at = generated_at or iso_utc(None, 'seconds')
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


RENDERERS = {'json': _fleet_report_json.render_json, 'csv': _fleet_report_csv.render_csv,
             'prometheus': _fleet_report_prometheus.render_prometheus}
EXTENSIONS = {'json': 'json', 'csv': 'csv', 'html': 'html', 'prometheus': 'prom'}
