# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

"""The names roles and controller plugins accept, defined once: roles reach them as the test plugins
cifleet.gotime.host_name, launchd_label and account_name (plugins/test/names.py)."""

import re

# An NTP server the timesync, launchd_sync, clock_tool and job_guard roles accept: a host name or
# address (an IPv6 one may begin with ::), no spaces, slashes or shell syntax, never a leading '-'.
HOST_NAME = re.compile(r'^(?:[A-Za-z0-9]|::)[A-Za-z0-9._:-]*$')
# A launchd job label (launchd_sync, the launchd_plist filter): no spaces or slashes.
LAUNCHD_LABEL = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]*$')
# A user or group name (go_policy's and job_guard's users, clock_tool's guard group), by shadow-utils'
# rule for both since 4.13 (Debian 12): a digit may lead, all digits may not (chown would read a number as an id).
ACCOUNT_NAME = re.compile(r'^(?![0-9]+$)[A-Za-z0-9_][A-Za-z0-9_.-]*$')


def matches(pattern, value):
    """True for a string the pattern matches; anything else (a number, None) is not a name."""
    return isinstance(value, str) and pattern.match(value) is not None
