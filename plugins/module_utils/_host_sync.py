# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This module_utils is PRIVATE and should only be used by this collection.

"""Host time-sync state: parsers of sntp, systemsetup, timedatectl and chronyc output.

Every offset returned here follows the NTP convention: seconds to add to the host clock
to get the reference's time (theta = server - host). Positive: the host clock is slow.
"""

import json
import math
import os
import plistlib
import re
from datetime import datetime
from xml.parsers.expat import ExpatError


class NeedsAdminError(ValueError):
    """systemsetup refused to run: it needs root (prints a refusal and still exits 0)."""


# ---------------------------------------------------------------------------
# macOS sntp

# Apple's own sntp (current macOS; the release that switched is not recorded):
#   +0.171773 +/- 0.105399 time.apple.com 17.253.60.45
# ntp 4.2.8 sntp (macOS up to at least 10.14, tests/fixtures/host_sync) / ntpsec ntpdig:
#   2018-09-29 19:42:41.448103 (-0200) +1087.742403 +/- 725.183462 pool.ntp.org 188.68.36.203 s2 no-leap
_SNTP_RESULT = re.compile(
    r'^(?:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \([+-]\d{4}\)\s+)?'
    r'(?P<offset>[+-]?\d+(?:\.\d+)?)\s+\+/-\s+(?P<error>\d+(?:\.\d+)?)'
    r'\s+(?P<host>\S+)'
    r'(?:\s+(?P<address>[0-9A-Fa-f:.]*[:.][0-9A-Fa-f:.]*(?:%\w+)?))?'
    r'(?:\s+s(?P<stratum>\d+)\s+(?P<leap>\S+))?\s*$')
# Harmless lines around the result: the 4.2.8 version banner and the KoD database warning.
_SNTP_NOISE = re.compile(r'^(sntp \d+\.\d+\.\d+\S*@|kod_init_kod_db\(\))')
_SNTP_FAILURE = re.compile(r'^(?:sntp|ntpdig)(?:\[\d+\])?: (?P<message>.+)$')


def parse_sntp(text):
    """Parse what `sntp HOST` (or ntpdig) printed, stdout and stderr together.

    Returns a dict: status (ok | timeout | dns_error | error), offset and error (seconds,
    offset as server - host), host, address, stratum, leap (when printed), message (failures seen).
    A result line wins over failure lines (Apple's sntp reports a timed-out address and
    still answers from the next one).
    """
    failures = []
    for raw in (text or '').splitlines():
        line = raw.strip()
        if not line or _SNTP_NOISE.match(line):
            continue
        match = _SNTP_RESULT.match(line)
        if match:
            return {
                'status': 'ok',
                'offset': float(match.group('offset')),
                'error': float(match.group('error')),
                'host': match.group('host'),
                'address': match.group('address'),
                'stratum': int(match.group('stratum')) if match.group('stratum') else None,
                'leap': match.group('leap'),
                'message': '; '.join(failures) or None,
            }
        failure = _SNTP_FAILURE.match(line)
        if failure:
            failures.append(failure.group('message'))
            continue
        raise ValueError('unrecognized sntp output line: %r' % line)
    if not failures:
        raise ValueError('sntp printed no result and no error')
    message = '; '.join(failures)
    lowered = message.lower()
    if 'lookup' in lowered or 'dns' in lowered or 'not known' in lowered or 'nodename nor servname' in lowered:
        status = 'dns_error'
    elif 'timeout' in lowered or 'no eligible servers' in lowered:
        status = 'timeout'
    else:
        status = 'error'
    return {'status': status, 'offset': None, 'error': None, 'host': None, 'address': None,
            'stratum': None, 'leap': None, 'message': message}


# ---------------------------------------------------------------------------
# macOS systemsetup

_NEEDS_ADMIN = 'You need administrator access to run this tool'
# e.g. 2024-02-27 19:50:48.886 systemsetup[78895:2281674] ### Error:-99 File:/AppleInternal/.../Admin/InternetServices.m Line:379
_SYSTEMSETUP_NOISE = re.compile(r'### Error:-?\d+ File:\S*InternetServices\.m')


def _systemsetup_lines(stdout, stderr):
    lines = []
    for raw in ((stdout or '') + '\n' + (stderr or '')).splitlines():
        line = raw.strip()
        if not line or _SYSTEMSETUP_NOISE.search(line):
            continue
        if _NEEDS_ADMIN in line:
            raise NeedsAdminError('systemsetup needs administrator access (run the task with become)')
        lines.append(line)
    return lines


def _systemsetup_value(label, stdout, stderr):
    prefix = label + ':'
    lines = _systemsetup_lines(stdout, stderr)
    for line in lines:
        if line.startswith(prefix):
            return line[len(prefix):].strip()
    raise ValueError('systemsetup printed no "%s" line: %r' % (label, lines[0] if lines else ''))


def parse_systemsetup_network_time(stdout, stderr=''):
    """`systemsetup -getusingnetworktime` -> True (On) / False (Off). NeedsAdminError without root."""
    value = _systemsetup_value('Network Time', stdout, stderr)
    if value.lower() in ('on', 'off'):
        return value.lower() == 'on'
    raise ValueError('systemsetup -getusingnetworktime: unknown state %r' % value)


def parse_systemsetup_time_server(stdout, stderr=''):
    """`systemsetup -getnetworktimeserver` -> list of servers (timed honours the first only)."""
    value = _systemsetup_value('Network Time Server', stdout, stderr)
    return [server.strip() for server in value.split(',') if server.strip()]


# ---------------------------------------------------------------------------
# systemd: timedatectl

_BOOLEANS = {'yes': True, 'true': True, '1': True, 'no': False, 'false': False, '0': False}


def _properties(text, what):
    props = {}
    for raw in (text or '').splitlines():
        if '=' in raw:
            key, value = raw.split('=', 1)
            props[key.strip()] = value.strip()
    if not props:
        raise ValueError('%s printed no KEY=VALUE properties' % what)
    return props


def _boolean(value):
    return _BOOLEANS.get((value or '').lower())


def parse_timedatectl_show(text):
    """`timedatectl show` -> network_time_enabled (NTP), synchronized (NTPSynchronized), can_ntp, timezone."""
    props = _properties(text, 'timedatectl show')
    if 'NTP' not in props and 'NTPSynchronized' not in props:
        raise ValueError('timedatectl show printed neither NTP nor NTPSynchronized')
    return {
        'network_time_enabled': _boolean(props.get('NTP')),
        'synchronized': _boolean(props.get('NTPSynchronized')),
        'can_ntp': _boolean(props.get('CanNTP')),
        'timezone': props.get('Timezone') or None,
    }


def parse_timedatectl_show_timesync(text):
    """`timedatectl show-timesync` -> servers (link/runtime/system, else fallback), server_name, server_address."""
    props = _properties(text, 'timedatectl show-timesync')
    if not any(key.endswith('NTPServers') or key.startswith('Server') for key in props):
        raise ValueError('timedatectl show-timesync printed no NTP server properties')
    configured = []
    for key in ('LinkNTPServers', 'RuntimeNTPServers', 'SystemNTPServers'):
        configured.extend(props.get(key, '').split())
    return {
        'servers': configured or props.get('FallbackNTPServers', '').split(),
        'server_name': props.get('ServerName') or None,
        'server_address': props.get('ServerAddress') or None,
    }


_TIMESPAN_UNITS = {
    'y': 31557600.0, 'month': 2629800.0, 'w': 604800.0, 'd': 86400.0, 'h': 3600.0, 'min': 60.0,
    's': 1.0, 'ms': 1e-3, 'us': 1e-6, u'\u00b5s': 1e-6, u'\u03bcs': 1e-6, 'ns': 1e-9,
}
_TIMESPAN_PART = re.compile(u'(\\d+(?:\\.\\d+)?)(month|min|ms|us|\u00b5s|\u03bcs|ns|y|w|d|h|s)')


def parse_timespan(text):
    """A systemd time span ('+2.497ms', '1min 4s', '-6us', '0') -> seconds (float)."""
    value = (text or '').strip()
    sign = -1.0 if value.startswith('-') else 1.0
    body = value.lstrip('+-').replace(' ', '')
    if body == '0':
        return 0.0
    total, end = 0.0, 0
    for part in _TIMESPAN_PART.finditer(body):
        if part.start() != end:
            break
        total += float(part.group(1)) * _TIMESPAN_UNITS[part.group(2)]
        end = part.end()
    if end == 0 or end != len(body):
        raise ValueError('not a systemd time span: %r' % text)
    return sign * total


def _colon_fields(text):
    """'Key : value' lines -> {key: value}, both stripped; lines without a colon are skipped."""
    fields = {}
    for raw in (text or '').splitlines():
        key, sep, value = raw.partition(':')
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def parse_timedatectl_timesync_status(text):
    """`timedatectl timesync-status` -> server, address, offset, delay, jitter, root_distance, stratum, leap."""
    fields = _colon_fields(text)
    if 'Server' not in fields:
        raise ValueError('timedatectl timesync-status printed no Server line')
    server = re.match(r'^(?P<address>\S+)(?: \((?P<name>[^)]*)\))?$', fields['Server'])

    def span(key):
        # 'Root distance: 29.922ms (max: 5s)': the first word is the value
        value = fields.get(key)
        return parse_timespan(value.split(' (')[0]) if value else None

    return {
        'server': (server.group('name') or server.group('address')) if server else fields['Server'],
        'address': server.group('address') if server else None,
        'offset': span('Offset'),
        'delay': span('Delay'),
        'jitter': span('Jitter'),
        'root_distance': span('Root distance'),
        'stratum': int(fields['Stratum']) if fields.get('Stratum', '').isdigit() else None,
        'leap': fields.get('Leap'),
    }


# ---------------------------------------------------------------------------
# chrony: chronyc

# Reference IDs that mean "not following a real time source".
_CHRONY_UNSYNCED_REFS = ('00000000', '7F7F0101')   # none; the `local` directive (127.127.1.1)
_CHRONY_STATES = {'*': 'selected', '+': 'combined', '-': 'not_combined', 'x': 'falseticker',
                  '~': 'too_variable', '?': 'unusable'}
_CHRONY_MODES = {'^': 'server', '=': 'peer', '#': 'refclock'}
_CHRONY_NEVER = 4294967295   # LastRx when no sample ever arrived


def _tracking(ref_id, reference, stratum, offset, root_delay, root_dispersion, update_interval, leap_status):
    ref_id = ref_id.upper()
    return {
        'ref_id': ref_id,
        'reference': reference or None,
        'stratum': stratum,
        'offset': offset,
        'root_delay': root_delay,
        'root_dispersion': root_dispersion,
        'root_distance': root_delay / 2.0 + root_dispersion,
        'update_interval': update_interval,
        'leap_status': leap_status,
        'synchronized': leap_status != 'Not synchronised' and ref_id not in _CHRONY_UNSYNCED_REFS,
    }


def parse_chronyc_tracking_csv(text):
    """`chronyc -c tracking` -> dict; offset is chrony's 'System time' correction (positive: host slow)."""
    lines = [line for line in (text or '').splitlines() if line.strip()]
    fields = lines[0].split(',') if len(lines) == 1 else []
    if len(fields) != 14:
        raise ValueError('chronyc -c tracking: expected one line of 14 fields, got %r' % (text or '')[:200])
    try:
        return _tracking(fields[0], fields[1], int(fields[2]), float(fields[4]), float(fields[10]),
                         float(fields[11]), float(fields[12]), fields[13])
    except ValueError:
        raise ValueError('chronyc -c tracking: malformed number in %r' % lines[0]) from None


_CHRONY_SYSTEM_TIME = re.compile(r'^(?P<value>\d+(?:\.\d+)?) seconds (?P<dir>fast|slow) of NTP time$')


def parse_chronyc_tracking(text):
    """Human `chronyc tracking` -> the same dict as parse_chronyc_tracking_csv()."""
    fields = _colon_fields(text)
    try:
        ref = re.match(r'^(?P<id>[0-9A-Fa-f]{8}) \((?P<name>[^)]*)\)$', fields['Reference ID'])
        system_time = _CHRONY_SYSTEM_TIME.match(fields['System time'])
        offset = float(system_time.group('value'))

        def seconds(key):
            return float(fields[key].split()[0])

        return _tracking(ref.group('id'), ref.group('name'), int(fields['Stratum']),
                         offset if system_time.group('dir') == 'slow' else -offset,
                         seconds('Root delay'), seconds('Root dispersion'),
                         seconds('Update interval'), fields['Leap status'])
    except (KeyError, AttributeError, ValueError, IndexError):
        raise ValueError('unrecognized chronyc tracking output: %r' % (text or '')[:200]) from None


def parse_chronyc_sources_csv(text):
    """`chronyc -c sources` -> list of sources: mode, state (selected | falseticker | ...), name, stratum,
    poll, reach, last_rx (None when never), offset (server - host, adjusted), measured_offset, error."""
    sources = []
    for raw in (text or '').splitlines():
        if not raw.strip():
            continue
        fields = raw.split(',')
        if len(fields) != 10 or fields[0] not in _CHRONY_MODES or fields[1] not in _CHRONY_STATES:
            raise ValueError('chronyc -c sources: unrecognized line %r' % raw)
        try:
            last_rx = int(fields[6])
            sources.append({
                'mode': _CHRONY_MODES[fields[0]],
                'state': _CHRONY_STATES[fields[1]],
                'name': fields[2],
                'stratum': int(fields[3]),
                'poll': int(fields[4]),
                'reach': int(fields[5], 8),
                'last_rx': None if last_rx == _CHRONY_NEVER else last_rx,
                # chrony prints host - source; flip to the NTP convention used everywhere here
                'offset': -float(fields[7]) + 0.0,
                'measured_offset': -float(fields[8]) + 0.0,
                'error': float(fields[9]),
            })
        except ValueError:
            raise ValueError('chronyc -c sources: malformed number in %r' % raw) from None
    return sources


# ---------------------------------------------------------------------------
# launchd_sync status file (written by the launchd_sync role's job)

LAUNCHD_ACTIONS = ('none', 'stepped', 'failed')
LAUNCHD_TRIGGERS = ('schedule', 'job', 'manual')
_LAUNCHD_KEYS = ('time', 'offset', 'action', 'server', 'error', 'threshold')
# Written by gotime-clock (role clock_tool); absent from the older launchd_sync.sh status.
_LAUNCHD_LISTS = ('servers', 'agreed', 'falsetickers')
_LAUNCHD_OPTIONAL = _LAUNCHD_LISTS + ('trigger', 'error_bound', 'decision')
_UTC_ISO8601 = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|\+00:00)$')


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _launchd_problem(data):
    if not isinstance(data, dict):
        return 'not a JSON object'
    missing = [key for key in _LAUNCHD_KEYS if key not in data]
    if missing:
        return 'missing key(s): %s' % ', '.join(missing)
    if not isinstance(data['time'], str) or not _UTC_ISO8601.match(data['time']):
        return 'time %r is not UTC ISO 8601 (YYYY-MM-DDTHH:MM:SS[.ffffff]Z)' % (data['time'],)
    try:
        datetime.strptime(data['time'][:19], '%Y-%m-%dT%H:%M:%S')
    except ValueError:
        return 'time %r is not a valid date and time' % (data['time'],)
    if data['offset'] is not None and not (_is_number(data['offset']) and math.isfinite(data['offset'])):
        return 'offset is neither a finite number nor null'
    if data['action'] not in LAUNCHD_ACTIONS:
        return 'action %r is not one of %s' % (data['action'], ', '.join(LAUNCHD_ACTIONS))
    if data['server'] is not None and not isinstance(data['server'], str):
        return 'server is neither text nor null'
    if data['error'] is not None and not isinstance(data['error'], str):
        return 'error is neither text nor null'
    if not (_is_number(data['threshold']) and math.isfinite(data['threshold'])):
        return 'threshold is not a finite number'
    for key in _LAUNCHD_LISTS:
        if key in data and not (isinstance(data[key], list) and all(isinstance(name, str) for name in data[key])):
            return '%s is not a list of server names' % key
    if 'trigger' in data and data['trigger'] not in LAUNCHD_TRIGGERS:
        return 'trigger %r is not one of %s' % (data['trigger'], ', '.join(LAUNCHD_TRIGGERS))
    if data.get('error_bound') is not None and not (_is_number(data['error_bound']) and math.isfinite(data['error_bound'])):
        return 'error_bound is neither a finite number nor null'
    if data.get('decision') is not None and not isinstance(data['decision'], str):
        return 'decision is neither text nor null'
    return None


def read_launchd_status(path):
    """The launchd_sync job's last result, or None when the file does not exist.

    A file that cannot be read or does not hold a valid status yields a dict whose
    `error` says why (all other keys None); it never raises.
    """
    try:
        with open(path, 'rb') as handle:
            raw = handle.read()
    except (IOError, OSError) as exc:
        if not os.path.exists(path):
            return None
        return _launchd_unreadable(path, 'cannot read: %s' % exc)
    try:
        data = json.loads(raw.decode('utf-8'))
    except (ValueError, UnicodeDecodeError) as exc:
        return _launchd_unreadable(path, 'not valid JSON: %s' % exc)
    problem = _launchd_problem(data)
    if problem:
        return _launchd_unreadable(path, problem)
    status = dict((key, data[key]) for key in _LAUNCHD_KEYS)
    for key in _LAUNCHD_OPTIONAL:
        status[key] = data.get(key, [] if key in _LAUNCHD_LISTS else None)
    status['offset'] = None if data['offset'] is None else float(data['offset'])
    status['threshold'] = float(data['threshold'])
    return status


def _launchd_unreadable(path, why):
    status = dict((key, None) for key in _LAUNCHD_KEYS + _LAUNCHD_OPTIONAL)
    status['error'] = 'launchd_sync status file %s: %s' % (path, why)
    return status


# ---------------------------------------------------------------------------
# macOS managed time settings (MDM profile payload com.apple.MCX: timeServer, timeZone)

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
            problems.append(_failure([osascript, '-l', 'JavaScript'], rc, out, err))
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


# ---------------------------------------------------------------------------
# gather

def _name(argv):
    return ' '.join([os.path.basename(argv[0])] + list(argv[1:]))


def _failure(argv, rc, out, err):
    """One line naming the command and the first thing it said."""
    said = ((err or '').strip() or (out or '').strip()).splitlines()
    return '%s: exit %s%s' % (_name(argv), rc, (': ' + said[0].strip()) if said else '')


def _parsed(argv, result, parse, errors):
    """Parse the stdout of a run; a failure becomes a line in errors and None is returned."""
    rc, out, err = result
    if rc != 0:
        errors.append(_failure(argv, rc, out, err))
        return None
    try:
        return parse(out)
    except ValueError as exc:
        errors.append('%s: %s' % (_name(argv), exc))
        return None


def _gather_chrony(run, chronyc, state):
    argv = [chronyc, '-n', '-c', 'tracking']
    tracking = _parsed(argv, run(argv), parse_chronyc_tracking_csv, state['errors'])
    if tracking is None:
        return False
    state.update(daemon='chronyd', network_time_enabled=True, synchronized=tracking['synchronized'],
                 offset=tracking['offset'], source='chronyc')
    # -N prints the names written in chrony.conf (chrony 4.0+); older chronyc knows only -n
    argv = [chronyc, '-c', '-N', 'sources']
    result = run(argv)
    if result[0] != 0:
        argv = [chronyc, '-c', '-n', 'sources']
        result = run(argv)
    sources = _parsed(argv, result, parse_chronyc_sources_csv, state['errors'])
    if sources is not None:
        state['servers'] = [source['name'] for source in sources if source['mode'] in ('server', 'peer')]
    return True


def _gather_timedatectl(run, which, timedatectl, state):
    argv = [timedatectl, 'show']
    show = _parsed(argv, run(argv), parse_timedatectl_show, state['errors'])
    if show is None:
        return
    state.update(network_time_enabled=show['network_time_enabled'], synchronized=show['synchronized'],
                 source='timedatectl')
    if not show['network_time_enabled']:
        return
    # NTP=yes means one unit of systemd's ntp-units.d list runs; only timesyncd answers show-timesync
    argv = [timedatectl, 'show-timesync']
    result = run(argv)
    timesync = _parsed(argv, result, parse_timedatectl_show_timesync, state['errors']) if result[0] == 0 else None
    if timesync is None:
        state['daemon'] = 'ntpd' if which('ntpd') else None
        return
    state.update(daemon='systemd-timesyncd', servers=timesync['servers'])
    argv = [timedatectl, 'timesync-status']
    status = _parsed(argv, run(argv), parse_timedatectl_timesync_status, state['errors'])
    if status is not None:
        state['offset'] = status['offset']


def _gather_darwin(run, which, state):
    state['daemon'] = 'timed'
    systemsetup = which('systemsetup')
    if not systemsetup:
        return
    state['source'] = 'systemsetup'
    for option, key, parse in (('-getusingnetworktime', 'network_time_enabled', parse_systemsetup_network_time),
                               ('-getnetworktimeserver', 'servers', parse_systemsetup_time_server)):
        argv = [systemsetup, option]
        rc, out, err = run(argv)
        try:
            value, problem = parse(out, err), None
        except NeedsAdminError:
            state['needs_admin'] = True
            return
        except ValueError as exc:
            value, problem = None, exc
        if rc != 0:
            state['errors'].append(_failure(argv, rc, out, err))
        elif problem:
            state['errors'].append('%s: %s' % (_name(argv), problem))
        else:
            state[key] = value


def gather_host_sync(run, system, which, launchd_status_path=None, managed_preferences_path=MANAGED_PREFERENCES_PLIST):
    """What the host's own time service says about itself.

    run(argv) -> (rc, stdout, stderr), run with LANG=C; which(name) -> path or None;
    system is platform.system(). Missing tools leave values None; a failing command adds a
    line to errors. macOS: systemsetup, daemon timed (offsets are measured by clock_facts,
    not here), and the managed (MDM) time settings in mdm (read_managed_time); mdm is None
    elsewhere. Linux: chronyc when chronyd answers, else timedatectl.
    """
    state = {
        'daemon': None,
        'network_time_enabled': None,
        'servers': [],
        'synchronized': None,
        'offset': None,
        'source': None,
        'needs_admin': False,
        'launchd_sync': None,
        'mdm': None,
        'errors': [],
    }
    if system == 'Darwin':
        _gather_darwin(run, which, state)
        state['mdm'] = read_managed_time(run, which, managed_preferences_path)
    elif system == 'Linux':
        chronyc = which('chronyc')
        if not (chronyc and _gather_chrony(run, chronyc, state)):
            timedatectl = which('timedatectl')
            if timedatectl:
                _gather_timedatectl(run, which, timedatectl, state)
    if launchd_status_path:
        state['launchd_sync'] = read_launchd_status(launchd_status_path)
    return state
