# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_host_sync_chronyc: chronyc -c tracking and -c sources, recorded against chronyd -x here."""

import pytest

from ansible_collections.cifleet.gotime.plugins.module_utils import _host_sync_chronyc as hs
from host_sync_recorded import fixture


def test_chronyc_tracking_csv_synchronized():
    tracking = hs.parse_chronyc_tracking_csv(fixture('chronyc_tracking_synced.csv'))
    assert tracking['ref_id'] in ('7F00003D', '7F00003E')
    assert tracking['reference'] in ('127.0.0.61', '127.0.0.62')
    assert (tracking['stratum'], tracking['leap_status'], tracking['synchronized']) == (9, 'Normal', True)
    assert abs(tracking['offset']) < 0.001
    assert tracking['root_distance'] == pytest.approx(tracking['root_delay'] / 2 + tracking['root_dispersion'])


def test_chronyc_tracking_host_300s_fast_is_negative():
    # chronyd under libfaketime +300 s: "300 seconds fast of NTP time"; server - host = -300
    tracking = hs.parse_chronyc_tracking_csv(fixture('chronyc_tracking_300s_fast.csv'))
    assert tracking['offset'] == pytest.approx(-300.0, abs=0.01)
    assert (tracking['stratum'], tracking['leap_status'], tracking['synchronized']) == (9, 'Normal', True)


@pytest.mark.parametrize('name', ['chronyc_tracking_unsynchronised.csv', 'chronyc_tracking_local_reference.csv'])
def test_chronyc_tracking_not_following_a_time_source(name):
    tracking = hs.parse_chronyc_tracking_csv(fixture(name))
    assert tracking['synchronized'] is False
    assert tracking['ref_id'] in ('00000000', '7F7F0101')
    assert tracking['reference'] is None


def test_chronyc_sources_falseticker():
    sources = hs.parse_chronyc_sources_csv(fixture('chronyc_sources_falseticker.csv'))
    by_name = dict((source['name'], source) for source in sources)
    assert sorted(by_name) == ['127.0.0.61', '127.0.0.62', '127.0.0.63', '127.0.0.64']
    assert sorted(by_name[name]['state'] for name in ('127.0.0.61', '127.0.0.62')) == ['combined', 'selected']
    falseticker = by_name['127.0.0.63']
    assert falseticker['state'] == 'falseticker'
    assert falseticker['offset'] == pytest.approx(300.0, abs=0.01)   # that server is 300 s ahead
    silent = by_name['127.0.0.64']
    assert (silent['state'], silent['reach'], silent['last_rx']) == ('unusable', 0, None)
    assert all(source['mode'] == 'server' for source in sources)


def test_chronyc_sources_empty_and_unreachable():
    assert hs.parse_chronyc_sources_csv(fixture('chronyc_sources_none.csv')) == []
    assert [s['state'] for s in hs.parse_chronyc_sources_csv(fixture('chronyc_sources_unreachable.csv'))] == ['unusable']


@pytest.mark.parametrize('parse, name', [
    (hs.parse_chronyc_tracking_csv, 'chronyc_default_no_daemon.stdout'),
    (hs.parse_chronyc_tracking_csv, 'chronyc_tracking_synced.txt'),
    (hs.parse_chronyc_sources_csv, 'chronyc_sources_falseticker.txt'),
    (hs.parse_chronyc_sources_csv, 'chronyc_default_no_daemon.stdout'),
])
def test_chronyc_wrong_output_raises(parse, name):
    with pytest.raises(ValueError, match='chronyc'):
        parse(fixture(name))
