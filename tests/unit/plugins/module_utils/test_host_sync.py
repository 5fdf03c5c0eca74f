# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""gather_host_sync() replayed from recorded command calls (tests/fixtures/host_sync/gather_cases.yaml).

The same on this machine for real and against live chronyd -x daemons: tests/functional/test_host_sync_live.py."""

import json
import os

import pytest
import yaml

from ansible_collections.cifleet.gotime.plugins.module_utils import _host_sync as hs
from host_sync_recorded import FIXTURES, Recording

GOOD_STATUS = {'time': '2026-11-27T18:44:42Z', 'offset': -312.25, 'action': 'stepped',
               'server': 'time.apple.com', 'error': None, 'threshold': 30}


with open(os.path.join(FIXTURES, 'gather_cases.yaml')) as _handle:
    GATHER_CASES = yaml.safe_load(_handle)


@pytest.mark.parametrize('case', GATHER_CASES, ids=[case['id'] for case in GATHER_CASES])
def test_gather_replayed(case):
    run = Recording(case['calls'])
    prefs = os.path.join(FIXTURES, case.get('managed_preferences', 'no-such-file.plist'))
    result = hs.gather_host_sync(run, case['system'], case['which'].get, managed_preferences_path=prefs)
    assert run.calls == [], 'calls not made: %r' % (run.calls,)
    assert sorted(result) == sorted(['daemon', 'network_time_enabled', 'servers', 'synchronized', 'offset',
                                     'source', 'needs_admin', 'launchd_sync', 'mdm', 'errors'])
    for key, expected in case['expected'].items():
        if key == 'mdm' and expected and expected.get('source') == 'MANAGED_PREFERENCES':
            expected = dict(expected, source=prefs, reason=None)
        if isinstance(expected, dict) and 'approx' in expected:
            assert result[key] == pytest.approx(expected['approx'], abs=expected['tol']), key
        else:
            assert result[key] == expected, key


def test_gather_reads_the_launchd_status(tmp_path):
    path = str(tmp_path / 'status.json')
    with open(path, 'w') as handle:
        json.dump(GOOD_STATUS, handle)
    result = hs.gather_host_sync(Recording([]), 'Darwin', {}.get, launchd_status_path=path)
    assert result['launchd_sync']['action'] == 'stepped'
    absent = hs.gather_host_sync(Recording([]), 'Darwin', {}.get, launchd_status_path=str(tmp_path / 'none'))
    assert absent['launchd_sync'] is None


def test_gather_other_systems_report_nothing():
    assert hs.gather_host_sync(Recording([]), 'FreeBSD', {'chronyc': '/usr/local/bin/chronyc'}.get)['daemon'] is None
