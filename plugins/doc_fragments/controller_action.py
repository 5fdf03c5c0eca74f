# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    # The attributes of an action that does all its work on the controller (fleet_record, fleet_report), described
    # here whole like read_only's: extends_documentation_fragment: cifleet.gotime.controller_action, and nothing else.
    DOCUMENTATION = r'''
attributes:
  action:
    description: Has an action plugin, which runs on the controller.
    support: full
    details: The action plugin does all the work, on the controller.
  async:
    description: Can run with the C(async) keyword.
    support: none
  bypass_host_loop:
    description: Runs once for the whole play instead of once per host.
    support: none
  check_mode:
    description: Can run in check mode and say what would change without changing it.
    support: full
    details: In check mode nothing is written or sent; C(changed) and the result say what would be.
  diff_mode:
    description: Returns what changed (or would change) when run in diff mode.
    support: none
  platform:
    description: The operating systems it runs against.
    support: N/A
    platforms: posix
    details: Runs on the controller.
'''
