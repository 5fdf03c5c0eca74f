# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This module_utils is PRIVATE and should only be used by this collection.

"""clock_facts' host_sync: what the host's own time service says about itself, gathered from its tools.

The parsers live per tool (_host_sync_systemsetup, _host_sync_timedatectl, _host_sync_chronyc), the
launchd_sync status file in _host_sync_launchd and the managed (MDM) settings in _host_sync_mdm.
Every offset follows the NTP convention: seconds to add to the host clock to get the reference's time
(theta = server - host). Positive: the host clock is slow.
"""

from ansible_collections.cifleet.gotime.plugins.module_utils._host_sync_chronyc import (
    parse_chronyc_sources_csv, parse_chronyc_tracking_csv)
from ansible_collections.cifleet.gotime.plugins.module_utils._host_sync_commands import (
    failure as _failure, name as _name, parsed as _parsed)
from ansible_collections.cifleet.gotime.plugins.module_utils._host_sync_launchd import read_launchd_status
from ansible_collections.cifleet.gotime.plugins.module_utils._host_sync_mdm import MANAGED_PREFERENCES_PLIST, read_managed_time
from ansible_collections.cifleet.gotime.plugins.module_utils._host_sync_systemsetup import (
    NeedsAdminError, parse_systemsetup_network_time, parse_systemsetup_time_server)
from ansible_collections.cifleet.gotime.plugins.module_utils._host_sync_timedatectl import (
    parse_timedatectl_show, parse_timedatectl_show_timesync, parse_timedatectl_timesync_status)


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
