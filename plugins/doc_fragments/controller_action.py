# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    # The attributes of an action that does all its work on the controller (fleet_record, fleet_report):
    # extends_documentation_fragment: cifleet.gotime.controller_action (after ansible.builtin.action_common_attributes
    # and its .flow); each module documents its check_mode.
    DOCUMENTATION = r'''
attributes:
  action:
    support: full
    details: The action plugin does all the work, on the controller.
  async:
    support: none
  bypass_host_loop:
    support: none
  diff_mode:
    support: none
  platform:
    platforms: posix
    details: Runs on the controller.
'''
