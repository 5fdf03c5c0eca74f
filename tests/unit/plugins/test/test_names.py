"""The name checks roles reach as test plugins (plugins/test/names.py), and that they exist once."""
import os

import pytest

from ansible_collections.cifleet.gotime.plugins.plugin_utils import _names
from ansible_collections.cifleet.gotime.plugins.test import names as name_tests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
TESTS = name_tests.TestModule().tests()


# test: (values it accepts, values it refuses)
NAMES = {
    'host_name': (['time.apple.com', '127.0.0.1', 'fe80::1', 'ntp.example.com:123'],
                  ['-oProxyCommand=x', 'a b', 'a/b', 'a;reboot', '', 123]),
    'launchd_label': (['org.cifleet.gotime.sync', 'a_b-c'], ['a:b', '../x', 'with space', None]),
    'account_name': (['runner', '_buildkite', 'gitlab-runner'], ['1runner', 'root;id', '']),
}


@pytest.mark.parametrize('test', sorted(NAMES))
def test_names(test):
    accepted, refused = NAMES[test]
    assert [value for value in accepted if TESTS[test](value) is not True] == []
    assert [value for value in refused if TESTS[test](value) is not False] == []


def test_each_pattern_lives_once():
    # No role vars, task or plugin spells one of these patterns again: they reach the roles as tests.
    patterns = [_names.HOST_NAME.pattern, _names.LAUNCHD_LABEL.pattern, _names.ACCOUNT_NAME.pattern]
    found = []
    for top in ('roles', 'plugins', 'playbooks'):
        for dirpath, dummy, files in os.walk(os.path.join(ROOT, top)):
            for name in files:
                path = os.path.join(dirpath, name)
                if path.endswith(os.path.join('plugin_utils', '_names.py')) or not name.endswith(('.py', '.yml', '.j2')):
                    continue
                with open(path, errors='replace') as handle:
                    text = handle.read()
                found.extend('%s: %s' % (os.path.relpath(path, ROOT), p) for p in patterns if p in text)
    assert found == []
