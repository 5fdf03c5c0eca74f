# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This module_utils is PRIVATE and should only be used by this collection.

"""macOS managed time settings (MDM profile payload com.apple.MCX: timeServer, timeZone), for
mdm_time_info and clock_facts: the read, and what the timesync role does about them."""

import json
import os
import plistlib
from xml.parsers.expat import ExpatError

from ansible_collections.cifleet.gotime.plugins.module_utils import _host_sync_commands

MCX_DOMAIN = 'com.apple.MCX'
MANAGED_PREFERENCES_PLIST = '/Library/Managed Preferences/com.apple.MCX.plist'
# The compliance tools' read (usnistgov/macos_security system_settings_time_server_configure:
# NSUserDefaults suite com.apple.MCX, objectForKey) for both keys, plus objectIsForcedForKey, which
# is true only for a value an administrator's profile manages. One JSON line, so nothing depends on
# how osascript prints a missing value.
MCX_READ_SCRIPT = (
    "ObjC.import('Foundation');"
    "var d = $.NSUserDefaults.alloc.initWithSuiteName('com.apple.MCX');"
    "var out = {};"
    "['timeServer', 'timeZone'].forEach(function (k) {"
    " var v = ObjC.unwrap(d.objectForKey(k));"
    " out[k] = {value: v === undefined ? null : v, forced: d.objectIsForcedForKey(k) === true};"
    "});"
    "JSON.stringify(out);")
_MCX_KEYS = (('timeServer', 'time_server'), ('timeZone', 'time_zone'))


def _managed(time_server, time_zone, source, reason=None):
    servers = [s.strip() for s in (time_server or '').split(',') if s.strip()]
    return {
        'managed': None if reason else bool(servers),
        'time_server': time_server,
        'servers': servers,
        'time_zone': time_zone,
        'source': source,
        'reason': reason,
    }


def _managed_value(key, value):
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValueError('%s %s is %r, not a non-empty string' % (MCX_DOMAIN, key, value))
    return value.strip()


def parse_mcx_read(text):
    """What MCX_READ_SCRIPT printed -> {time_server, time_zone}: the forced (profile) values, else None."""
    try:
        data = json.loads((text or '').strip())
    except ValueError:
        raise ValueError('osascript printed no JSON object: %r' % (text or '')[:200]) from None
    values = {}
    for key, name in _MCX_KEYS:
        item = data.get(key) if isinstance(data, dict) else None
        if not isinstance(item, dict) or not isinstance(item.get('forced'), bool) or 'value' not in item:
            raise ValueError('osascript output has no {value, forced} for %s: %r' % (key, (text or '')[:200]))
        values[name] = _managed_value(key, item['value']) if item['forced'] else None
    return values


def parse_managed_preferences(data):
    """The bytes of /Library/Managed Preferences/com.apple.MCX.plist -> {time_server, time_zone}.

    That directory holds only managed values, so a key there is one a profile sets.
    """
    try:
        top = plistlib.loads(data)
    except (ValueError, ExpatError, TypeError, OverflowError) as exc:
        raise ValueError('not a property list: %s' % exc) from None
    if not isinstance(top, dict):
        raise ValueError('not a dictionary at the top level')
    return dict((name, _managed_value(key, top.get(key))) for key, name in _MCX_KEYS)


def read_managed_time(run, which, plist_path=MANAGED_PREFERENCES_PLIST):
    """The managed (MDM) time settings of a Mac; never raises.

    First the com.apple.MCX defaults suite through osascript (as compliance tools read it), then the
    managed preferences file. managed: true when a profile sets timeServer, false when none does,
    None with a reason when neither could be read. servers: timeServer split on commas (timed
    honours the first).
    """
    problems = []
    osascript = which('osascript')
    if osascript:
        argv = [osascript, '-l', 'JavaScript', '-e', MCX_READ_SCRIPT]
        rc, out, err = run(argv)
        if rc == 0:
            try:
                values = parse_mcx_read(out)
                return _managed(values['time_server'], values['time_zone'], 'osascript')
            except ValueError as exc:
                problems.append('osascript: %s' % exc)
        else:
            problems.append(_host_sync_commands.failure([osascript, '-l', 'JavaScript'], rc, out, err))
    else:
        problems.append('osascript not found')
    try:
        with open(plist_path, 'rb') as handle:
            raw = handle.read()
    except (IOError, OSError) as exc:
        problems.append('%s: %s' % (plist_path, 'not present' if not os.path.exists(plist_path) else exc))
        return _managed(None, None, None, 'managed time settings unreadable: %s' % '; '.join(problems))
    try:
        values = parse_managed_preferences(raw)
    except ValueError as exc:
        problems.append('%s: %s' % (plist_path, exc))
        return _managed(None, None, None, 'managed time settings unreadable: %s' % '; '.join(problems))
    return _managed(values['time_server'], values['time_zone'], plist_path)


def mdm_decision(managed, servers, override=False):
    """What the timesync role does about the time server, given read_managed_time()'s result.

    Returns (decision, agrees): decision 'apply' (no profile pins a server, or it is ours, or the
    settings are unreadable), 'leave' (a profile pins another server: never fight it) or 'override'
    (the same, and override was asked for). agrees: whether the profile's server (the first, which
    timed honours) is ours; None when no profile pins one.
    """
    if not managed or managed.get('managed') is not True or not managed.get('servers'):
        return 'apply', None
    agrees = bool(servers) and managed['servers'][0] == servers[0]
    if agrees:
        return 'apply', True
    return ('override' if override else 'leave'), False


def mdm_warnings(managed, servers, decision):
    """The warnings that go with mdm_decision()'s decision (one line each)."""
    if managed is None or managed.get('managed') is None:
        reason = (managed or {}).get('reason') or 'not read'
        return ['Could not read the time settings a configuration profile (MDM, com.apple.MCX) may manage: %s. '
                'The time server is set as if no profile pinned one.' % reason] if servers else []
    if decision not in ('leave', 'override'):
        return []
    theirs, ours = managed['servers'][0], servers[0]
    if decision == 'leave':
        text = ('A configuration profile (MDM payload com.apple.MCX, timeServer %s, read from %s) pins the time server %s; '
                'the fleet\'s is %s. Left as it is: a server set here lasts only until the profile re-applies. To resolve it, '
                'change the profile to %s, or make %s the fleet\'s server (timesync_servers); to set %s anyway, set '
                'timesync_override_mdm: true.')
        return [text % (managed['time_server'], managed['source'], theirs, ours, ours, theirs, ours)]
    text = ('Overriding the time server %s that a configuration profile (MDM payload com.apple.MCX, timeServer) pins '
            'with %s (timesync_override_mdm): the profile sets %s again whenever it re-applies. Change the profile '
            'to make %s last.')
    return [text % (theirs, ours, theirs, ours)]
