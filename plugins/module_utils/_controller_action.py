# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

"""The module side of a controller action (fleet_record, fleet_report): the module file documents it and
only runs when the action plugin was bypassed; the fact cache options both take."""

from ansible.module_utils.basic import AnsibleModule

# How a controller action reaches a fact cache (plugin_utils/_fact_cache.FactCache): fleet_record's cache_* options,
# fleet_report's cache suboptions.
_CACHE_OPTIONS = {
    'plugin': {'type': 'str'},
    'connection': {'type': 'str', 'no_log': True},
    'prefix': {'type': 'str'},
    'timeout': {'type': 'int'},
    'io_timeout': {'type': 'raw', 'default': 10},
}


def cache_options(prefix=''):
    """The fact cache options as an argument spec, each name after prefix (a fresh copy each call)."""
    return dict((prefix + name, dict(spec)) for name, spec in _CACHE_OPTIONS.items())


def refuse_on_target(name, argument_spec):
    """Check the options as the action would, then fail saying where the module runs."""
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    module.fail_json(msg='cifleet.gotime.%s runs on the controller as an action plugin; call it by its FQCN from a play' % name)
