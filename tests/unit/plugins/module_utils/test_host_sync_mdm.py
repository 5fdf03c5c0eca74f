# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_host_sync_mdm: the managed (MDM) time settings read, replayed, and the timesync role's decision."""

import os

import pytest

from ansible_collections.cifleet.gotime.plugins.module_utils import _host_sync_mdm as hs
from host_sync_recorded import FIXTURES, Recording, fixture, fixture_bytes


def test_mcx_read_managed_and_not():
    managed = hs.parse_mcx_read(fixture('osascript_mcx_managed.txt'))
    assert managed == {'time_server': 'ntp.example.com', 'time_zone': 'America/Denver'}
    assert hs.parse_mcx_read(fixture('osascript_mcx_not_managed.txt')) == {'time_server': None, 'time_zone': None}


def test_mcx_read_a_value_that_is_not_forced_is_not_managed():
    text = '{"timeServer":{"value":"ntp.local","forced":false},"timeZone":{"value":null,"forced":false}}'
    assert hs.parse_mcx_read(text)['time_server'] is None


@pytest.mark.parametrize('text', [fixture('osascript_mscp_time_server.txt'), '', '{"timeServer":{"value":"x"}}',
                                  '{"timeServer":{"value":5,"forced":true},"timeZone":{"value":null,"forced":false}}'])
def test_mcx_read_anything_else_is_an_error(text):
    with pytest.raises(ValueError):
        hs.parse_mcx_read(text)


def test_managed_preferences_file():
    assert hs.parse_managed_preferences(fixture_bytes('managed_preferences_mcx.plist')) == {
        'time_server': 'ntp.example.com', 'time_zone': 'America/Denver'}
    two = hs.parse_managed_preferences(fixture_bytes('managed_preferences_mcx_two_servers.plist'))
    assert two == {'time_server': 'myserver.myorg.com,time.euro.apple.com', 'time_zone': None}


def test_managed_preferences_malformed_is_an_error():
    with pytest.raises(ValueError, match='not a property list'):
        hs.parse_managed_preferences(fixture_bytes('managed_preferences_mcx_truncated.plist'))


def _which(**tools):
    return tools.get


def test_read_managed_time_through_osascript():
    run = Recording([{'argv': ['/usr/bin/osascript', '-l', 'JavaScript', '-e', 'MCX_READ_SCRIPT'], 'rc': 0,
                      'out': {'file': 'osascript_mcx_managed.txt'}}])
    result = hs.read_managed_time(run, _which(osascript='/usr/bin/osascript'), '/nonexistent/mcx.plist')
    assert result == {'managed': True, 'time_server': 'ntp.example.com', 'servers': ['ntp.example.com'],
                      'time_zone': 'America/Denver', 'source': 'osascript', 'reason': None}


def test_read_managed_time_falls_back_to_the_file():
    run = Recording([{'argv': ['/usr/bin/osascript', '-l', 'JavaScript', '-e', 'MCX_READ_SCRIPT'], 'rc': 1,
                      'err': 'execution error: Error: ReferenceError (-2700)'}])
    path = os.path.join(FIXTURES, 'managed_preferences_mcx_two_servers.plist')
    result = hs.read_managed_time(run, _which(osascript='/usr/bin/osascript'), path)
    assert (result['managed'], result['servers'], result['source']) == (
        True, ['myserver.myorg.com', 'time.euro.apple.com'], path)


@pytest.mark.parametrize('name, why', [('no-such-file.plist', 'not present'),
                                       ('managed_preferences_mcx_truncated.plist', 'not a property list')])
def test_read_managed_time_unreadable_is_null_with_a_reason(name, why):
    path = os.path.join(FIXTURES, name)
    result = hs.read_managed_time(Recording([]), _which(), path)
    assert (result['managed'], result['time_server'], result['servers'], result['source']) == (None, None, [], None)
    assert 'osascript not found' in result['reason'] and why in result['reason'] and path in result['reason']


def test_read_managed_time_not_managed():
    run = Recording([{'argv': ['/usr/bin/osascript', '-l', 'JavaScript', '-e', 'MCX_READ_SCRIPT'], 'rc': 0,
                      'out': {'file': 'osascript_mcx_not_managed.txt'}}])
    result = hs.read_managed_time(run, _which(osascript='/usr/bin/osascript'), '/nonexistent/mcx.plist')
    assert (result['managed'], result['time_server'], result['reason']) == (False, None, None)


@pytest.mark.parametrize('servers, override, expected', [
    (['ntp.example.com'], False, ('apply', True)),
    (['time.apple.com'], False, ('leave', False)),
    (['time.apple.com'], True, ('override', False)),
])
def test_mdm_decision_for_a_managed_mac(servers, override, expected):
    managed = hs._managed('ntp.example.com,time.euro.apple.com', None, 'osascript')
    assert hs.mdm_decision(managed, servers, override) == expected


def test_mdm_decision_without_a_profile_or_unreadable():
    assert hs.mdm_decision(hs._managed(None, None, 'osascript'), ['a'], False) == ('apply', None)
    assert hs.mdm_decision(hs._managed(None, None, None, 'unreadable'), ['a'], True) == ('apply', None)
    assert hs.mdm_decision(None, ['a'], False) == ('apply', None)


def test_mdm_warnings_name_both_servers_and_the_way_out():
    managed = hs._managed('ntp.example.com', None, 'osascript')
    [leave] = hs.mdm_warnings(managed, ['time.apple.com'], 'leave')
    assert 'pins the time server ntp.example.com' in leave and "the fleet's is time.apple.com" in leave
    assert 'change the profile' in leave and 'timesync_override_mdm: true' in leave
    [override] = hs.mdm_warnings(managed, ['time.apple.com'], 'override')
    assert 'sets ntp.example.com again whenever it re-applies' in override
    assert hs.mdm_warnings(managed, ['ntp.example.com'], 'apply') == []
    [unreadable] = hs.mdm_warnings(hs._managed(None, None, None, 'osascript not found'), ['a'], 'apply')
    assert 'osascript not found' in unreadable
