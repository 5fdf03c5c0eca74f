# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.cifleet.gotime.plugins.plugin_utils._names import ACCOUNT_NAME, HOST_NAME, LAUNCHD_LABEL, matches


def host_name(value):
    return matches(HOST_NAME, value)


def launchd_label(value):
    return matches(LAUNCHD_LABEL, value)


def account_name(value):
    return matches(ACCOUNT_NAME, value)


class TestModule(object):
    def tests(self):
        return {'host_name': host_name, 'launchd_label': launchd_label, 'account_name': account_name}
