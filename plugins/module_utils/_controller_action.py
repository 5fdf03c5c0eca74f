# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

"""The module side of a controller action (fleet_record, fleet_report): the module file documents it and
only runs when the action plugin was bypassed."""

from ansible.module_utils.basic import AnsibleModule


def refuse_on_target(name, argument_spec):
    """Check the options as the action would, then fail saying where the module runs."""
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    module.fail_json(msg='cifleet.gotime.%s runs on the controller as an action plugin; call it by its FQCN from a play' % name)
