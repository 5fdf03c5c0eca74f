# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

"""Filters of the fleet report; the logic lives in plugin_utils/_fleet_report*.py.

Records and rendered texts carry host-provided text (errors, reasons): they are marked unsafe so
that ansible-core before 2.19 never templates them again when they are stored as facts. The
fleet_report role passes the document straight to fleet_report_render and never stores it.
"""

from ansible.errors import AnsibleFilterError

try:
    from ansible.utils.unsafe_proxy import wrap_var
except ImportError:  # an ansible-core without unsafe_proxy never templates data again
    def wrap_var(value):
        return value

from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fact_cache
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report_html
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report_record

FORMATS = ('json', 'csv', 'html', 'prometheus')


def fleet_report_record(clock_result, go_result=None, failed_task=None, origin='controller', recorder=None, time_servers=None):
    """Registered clock_facts (or ansible_failed_result) and go_env results -> the host's cached record."""
    try:
        return wrap_var(_fleet_report_record.make_record(clock_result, go_result, failed_task, origin=origin, recorder=recorder,
                                                         time_servers=time_servers))
    except ValueError as exc:
        raise AnsibleFilterError(str(exc))


def read_cache(cache, fact):
    """Every record of a fact cache ({} or None plugin: the configured one) and where they came from."""
    try:
        return _fact_cache.read_cache(cache, fact)
    except _fact_cache.CacheError as exc:
        raise AnsibleFilterError('fleet_report: %s' % exc)


def fleet_report(hostvars, hosts, failed_hosts=None, fact='gotime_report', generated_at=None, title=None, records=None,
                 max_age=None, source=None, cache=None):
    """hostvars and a list of host names -> the fleet report document.

    records: {host: record} read from a fact cache (lookup cifleet.gotime.fleet_records); when given, it is the
    only source of records: its hosts are all reported and a host of hosts that it lacks is missing.
    cache: read the records of that fact cache here instead ({} the configured one), so that a large fleet's
    records never travel through Ansible variables.
    """
    try:
        if cache is not None and not (isinstance(hosts, str) or not hasattr(hosts, '__iter__')):
            records, source = read_cache(cache, fact)
        records, source = _fleet_report.gather_records(hostvars, hosts, fact, records, source)
        return _fleet_report.build(records, failed_hosts, generated_at, title, max_age=max_age, source=source)
    except ValueError as exc:
        raise AnsibleFilterError(str(exc))


def fleet_report_render(document, output_format):
    """The report document -> text in one of json, csv, html, prometheus; a list of formats gives {format: text}."""
    formats = [output_format] if isinstance(output_format, str) else list(output_format or [])
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise AnsibleFilterError('fleet_report_render: format must be one of %s, got %r' % (', '.join(FORMATS), output_format))
    if not isinstance(document, dict) or document.get('format') != _fleet_report.FORMAT:
        raise AnsibleFilterError('fleet_report_render: the input is not a fleet report document (use the fleet_report filter)')
    document = _fleet_report_record.plain_data(document)
    texts = {}
    for name in formats:
        texts[name] = _fleet_report_html.render_html(document) if name == 'html' else _fleet_report.RENDERERS[name](document)
    return wrap_var(texts[output_format] if isinstance(output_format, str) else texts)


class FilterModule(object):
    def filters(self):
        return {
            'fleet_report_record': fleet_report_record,
            'fleet_report': fleet_report,
            'fleet_report_render': fleet_report_render,
        }
