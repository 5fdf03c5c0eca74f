# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_host_sync_launchd: the launchd_sync status file, valid and every way it can be wrong."""

import json

import pytest

from ansible_collections.cifleet.gotime.plugins.module_utils import _host_sync_launchd as hs


GOOD_STATUS = {'time': '2026-11-27T18:44:42Z', 'offset': -312.25, 'action': 'stepped',
               'server': 'time.apple.com', 'error': None, 'threshold': 30}
# The keys gotime-clock adds; an older launchd_sync.sh status has none of them.
NEW_KEYS = {'servers': [], 'agreed': [], 'falsetickers': [], 'trigger': None, 'error_bound': None, 'decision': None}
GOTIME_STATUS = dict(GOOD_STATUS, servers=['a', 'b', 'c', 'd'], agreed=['a', 'b', 'c'], falsetickers=['d'],
                     trigger='job', error_bound=0.0001, decision='stepped')


def write(tmp_path, content):
    path = tmp_path / 'status.json'
    path.write_bytes(content if isinstance(content, bytes) else content.encode('utf-8'))
    return str(path)


def test_launchd_status_absent(tmp_path):
    assert hs.read_launchd_status(str(tmp_path / 'missing.json')) is None


def test_launchd_status_valid(tmp_path):
    status = hs.read_launchd_status(write(tmp_path, json.dumps(GOOD_STATUS)))
    assert status == dict(GOOD_STATUS, threshold=30.0, **NEW_KEYS)
    assert isinstance(status['threshold'], float)
    # a failed run names no server (the old script wrote null there too)
    failed = dict(GOOD_STATUS, offset=None, action='failed', server=None, error='sntp: Exchange failed: Timeout',
                  time='2026-11-27T18:44:42.123456+00:00')
    assert hs.read_launchd_status(write(tmp_path, json.dumps(failed))) == dict(failed, threshold=30.0, **NEW_KEYS)


def test_gotime_clock_status_keys_are_kept(tmp_path):
    status = hs.read_launchd_status(write(tmp_path, json.dumps(GOTIME_STATUS)))
    assert status == dict(GOTIME_STATUS, threshold=30.0)


@pytest.mark.parametrize('content, why', [
    (b'', 'not valid JSON'),
    (b'{"time": ', 'not valid JSON'),
    (b'\xff\xfe', 'not valid JSON'),
    (b'[]', 'not a JSON object'),
    (json.dumps(dict((k, v) for k, v in GOOD_STATUS.items() if k != 'action')), 'missing key(s): action'),
    (json.dumps(dict(GOOD_STATUS, time='2026-11-27 18:44:42')), 'not UTC ISO 8601'),
    (json.dumps(dict(GOOD_STATUS, time='2026-11-27T18:44:42+02:00')), 'not UTC ISO 8601'),
    (json.dumps(dict(GOOD_STATUS, time='2026-13-27T18:44:42Z')), 'not a valid date'),
    (json.dumps(dict(GOOD_STATUS, offset='-312')), 'offset'),
    (json.dumps(dict(GOOD_STATUS, offset=True)), 'offset'),
    (json.dumps(dict(GOOD_STATUS, offset=float('nan'))), 'offset'),
    (json.dumps(dict(GOOD_STATUS, action='slewed')), "action 'slewed'"),
    (json.dumps(dict(GOOD_STATUS, server=5)), 'server'),
    (json.dumps(dict(GOTIME_STATUS, agreed='a, b')), 'agreed is not a list'),
    (json.dumps(dict(GOTIME_STATUS, falsetickers=[1])), 'falsetickers is not a list'),
    (json.dumps(dict(GOTIME_STATUS, trigger='cron')), "trigger 'cron'"),
    (json.dumps(dict(GOTIME_STATUS, error_bound='0.1')), 'error_bound'),
    (json.dumps(dict(GOOD_STATUS, error=1)), 'error is neither'),
    (json.dumps(dict(GOOD_STATUS, threshold=None)), 'threshold'),
])
def test_launchd_status_corrupt_is_reported_not_raised(tmp_path, content, why):
    path = write(tmp_path, content)
    status = hs.read_launchd_status(path)
    assert set(status) == set(GOOD_STATUS) | set(NEW_KEYS)
    assert why in status['error'] and path in status['error']
    assert [value for key, value in status.items() if key != 'error'] == [None] * 11


def test_launchd_status_unreadable_is_reported(tmp_path):
    # a directory where the file should be: open() fails with something other than "absent"
    status = hs.read_launchd_status(str(tmp_path))
    assert 'cannot read' in status['error']
