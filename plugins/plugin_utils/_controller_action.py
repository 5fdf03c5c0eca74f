# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

"""The base of this collection's controller actions (fleet_record, fleet_report): no connection, no
files sent, options checked against the module's argument spec; each action writes only act()."""

from ansible.plugins.action import ActionBase


class ControllerAction(ActionBase):

    TRANSFERS_FILES = False
    _requires_connection = False
    ARGUMENT_SPEC = {}

    def run(self, tmp=None, task_vars=None):
        """The base result and the checked options (a bad option fails the task, naming it), then act()."""
        task_vars = task_vars or {}
        result = super(ControllerAction, self).run(tmp, task_vars)
        del tmp
        dummy, args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC)
        return self.act(result, args, task_vars)

    def act(self, result, args, task_vars):
        """The action's own work: the result, updated."""
        raise NotImplementedError
