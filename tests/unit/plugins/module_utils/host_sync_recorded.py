# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Recorded tool output for the host_sync tests (tests/fixtures/host_sync/README.md says where each
sample comes from) and a run(argv) that replays recorded command calls."""

import os

from ansible_collections.cifleet.gotime.plugins.module_utils._host_sync_mdm import MCX_READ_SCRIPT

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'fixtures', 'host_sync')


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def fixture_bytes(name):
    with open(os.path.join(FIXTURES, name), 'rb') as handle:
        return handle.read()


def _text(value):
    if isinstance(value, dict):
        return fixture(value['file'])
    return value or ''


class Recording(object):
    """run(argv) that checks each call against the recorded one and replays its output."""

    def __init__(self, calls):
        self.calls = list(calls)

    def __call__(self, argv):
        assert self.calls, 'unexpected call %r' % (argv,)
        call = self.calls.pop(0)
        # the osascript read's script is long: the cases name it
        assert list(argv) == [MCX_READ_SCRIPT if a == 'MCX_READ_SCRIPT' else a for a in call['argv']]
        return call['rc'], _text(call.get('out')), _text(call.get('err'))
