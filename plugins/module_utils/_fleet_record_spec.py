# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This module_utils is PRIVATE and should only be used by this collection.
"""Argument spec of cifleet.gotime.fleet_record: one copy for the action plugin and its module documentation stub."""

from ansible_collections.cifleet.gotime.plugins.module_utils._controller_action import cache_options

ARGUMENT_SPEC = dict(cache_options('cache_'), **{
    'record': {'type': 'dict', 'required': True},
    'name': {'type': 'str'},
    'fact': {'type': 'str', 'default': 'gotime_report'},
    'spool': {'type': 'path'},
    'required': {'type': 'bool', 'default': False},
})
