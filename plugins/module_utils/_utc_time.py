# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This module_utils is PRIVATE and should only be used by this collection.
"""UTC times as text, the one place: POSIX seconds -> ISO 8601 with a Z, and back."""

import datetime
import time


def iso_utc(timestamp=None, timespec='seconds'):
    """POSIX seconds (default now) -> 'YYYY-MM-DDTHH:MM:SSZ', or with timespec='milliseconds' '...SS.mmmZ'."""
    moment = datetime.datetime.fromtimestamp(time.time() if timestamp is None else timestamp, datetime.timezone.utc)
    return moment.isoformat(timespec=timespec).replace('+00:00', 'Z')


def parse_time(value):
    """ISO 8601 (Z or offset) or a POSIX number -> POSIX seconds; None when unparsable."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        moment = datetime.datetime.fromisoformat(str(value).replace('Z', '+00:00'))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.timestamp()
