# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_host_sync_timedatectl: systemd's timedatectl output and time spans, recorded."""

import pytest

from ansible_collections.cifleet.gotime.plugins.module_utils import _host_sync_timedatectl as hs
from host_sync_recorded import fixture


def test_timedatectl_show():
    assert hs.parse_timedatectl_show(fixture('timedatectl_show_synchronized.txt')) == {
        'network_time_enabled': True, 'synchronized': True, 'can_ntp': True, 'timezone': 'Asia/Shanghai'}
    assert hs.parse_timedatectl_show(fixture('timedatectl_show_ntp_off.txt')) == {
        'network_time_enabled': False, 'synchronized': False, 'can_ntp': True, 'timezone': 'Etc/UTC'}


def test_timedatectl_show_timesync():
    assert hs.parse_timedatectl_show_timesync(fixture('timedatectl_show_timesync.txt')) == {
        'servers': ['127.0.0.65'], 'server_name': '127.0.0.65', 'server_address': '127.0.0.65'}


def test_timedatectl_timesync_status():
    lab = hs.parse_timedatectl_timesync_status(fixture('timedatectl_timesync_status.txt'))
    assert (lab['server'], lab['address'], lab['stratum'], lab['leap']) == ('127.0.0.65', '127.0.0.65', 8, 'normal')
    assert abs(lab['offset']) < 0.001 and lab['root_distance'] == 0.0
    ubuntu = hs.parse_timedatectl_timesync_status(fixture('timedatectl_timesync_status_ubuntu.txt'))
    assert (ubuntu['server'], ubuntu['address']) == ('ntp.ubuntu.com', '91.189.94.4')
    assert ubuntu['offset'] == pytest.approx(0.002497)
    assert ubuntu['delay'] == pytest.approx(0.199540)
    assert ubuntu['jitter'] == pytest.approx(0.005834)
    assert ubuntu['root_distance'] == pytest.approx(0.029922)


@pytest.mark.parametrize('span, seconds', [
    ('+6us', 6e-6), ('-2.497ms', -0.002497), ('0', 0.0), ('1min 4s', 64.0), ('34min 8s', 2048.0),
    (u'+3\u00b5s', 3e-6), ('1h 2min', 3720.0)])
def test_timespan(span, seconds):
    assert hs.parse_timespan(span) == pytest.approx(seconds)


@pytest.mark.parametrize('span', ['', 'n/a', '5 parsecs', '1min x'])
def test_timespan_rejects(span):
    with pytest.raises(ValueError, match='time span'):
        hs.parse_timespan(span)


@pytest.mark.parametrize('parse', [hs.parse_timedatectl_show, hs.parse_timedatectl_show_timesync,
                                   hs.parse_timedatectl_timesync_status])
def test_timedatectl_failure_text_raises(parse):
    with pytest.raises(ValueError, match='timedatectl'):
        parse(fixture('timedatectl_show_no_systemd.stderr'))
