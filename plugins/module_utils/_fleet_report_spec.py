# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This module_utils is PRIVATE and should only be used by this collection.
"""Argument spec of cifleet.gotime.fleet_report: one copy for the action plugin and its module documentation stub."""

from ansible_collections.cifleet.gotime.plugins.module_utils._controller_action import cache_options

FORMATS = ('json', 'csv', 'html', 'prometheus')

ARGUMENT_SPEC = {
    'dest': {'type': 'path', 'required': True},
    'basename': {'type': 'str', 'default': 'fleet-report'},
    'formats': {'type': 'list', 'elements': 'str', 'choices': list(FORMATS), 'default': list(FORMATS)},
    'hosts': {'type': 'list', 'elements': 'str', 'default': []},
    'failed_hosts': {'type': 'list', 'elements': 'str', 'default': []},
    'fact': {'type': 'str', 'default': 'gotime_report'},
    'cache': {'type': 'dict', 'options': cache_options()},
    'generated_at': {'type': 'str'},
    'title': {'type': 'str', 'default': 'Fleet clock and Go posture'},
    'max_age': {'type': 'raw', 'default': 7200},
    'mode': {'type': 'raw', 'default': '0644'},
    'directory_mode': {'type': 'raw', 'default': '0755'},
    'schema': {'type': 'path'},
}
