# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_host_sync_systemsetup: systemsetup's answers on real recorded output."""

import pytest

from ansible_collections.cifleet.gotime.plugins.module_utils import _host_sync_systemsetup as hs
from host_sync_recorded import fixture


def test_systemsetup_network_time_on_off_with_harmless_stderr():
    assert hs.parse_systemsetup_network_time(fixture('systemsetup_network_time_on.txt'),
                                             fixture('systemsetup_error99.stderr')) is True
    assert hs.parse_systemsetup_network_time(fixture('systemsetup_network_time_off.txt'),
                                             fixture('systemsetup_error2.stderr')) is False


def test_systemsetup_time_server():
    assert hs.parse_systemsetup_time_server(fixture('systemsetup_time_server.txt')) == ['time.apple.com']


@pytest.mark.parametrize('parse', [hs.parse_systemsetup_network_time, hs.parse_systemsetup_time_server])
def test_systemsetup_without_root_is_its_own_error(parse):
    with pytest.raises(hs.NeedsAdminError, match='administrator'):
        parse(fixture('systemsetup_needs_admin.txt'), fixture('systemsetup_error99.stderr'))


def test_systemsetup_other_output_raises():
    with pytest.raises(ValueError, match='Network Time'):
        hs.parse_systemsetup_network_time(fixture('systemsetup_time_server.txt'))
    with pytest.raises(ValueError, match='no "Network Time" line'):
        hs.parse_systemsetup_network_time('', fixture('systemsetup_error99.stderr'))
