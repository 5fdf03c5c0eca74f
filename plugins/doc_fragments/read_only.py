# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type


class ModuleDocFragment(object):
    # The attributes of a module that only reads: extends_documentation_fragment: cifleet.gotime.read_only
    DOCUMENTATION = r'''
attributes:
  check_mode:
    support: full
    description: The module only reads; check mode runs it the same way.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
'''
