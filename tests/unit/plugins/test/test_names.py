"""The name checks roles reach as test plugins (plugins/test/names.py), and that they exist once."""
import os

import pytest

from ansible_collections.cifleet.gotime.plugins.plugin_utils import _names
from ansible_collections.cifleet.gotime.plugins.test import names as name_tests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
TESTS = name_tests.TestModule().tests()


@pytest.mark.parametrize('test, value, accepted', [
    ('host_name', 'time.apple.com', True),
    ('host_name', '127.0.0.1', True),
    ('host_name', 'fe80::1', True),
    ('host_name', 'ntp.example.com:123', True),
    ('host_name', '-oProxyCommand=x', False),
    ('host_name', 'a b', False),
    ('host_name', 'a/b', False),
    ('host_name', 'a;reboot', False),
    ('host_name', '', False),
    ('host_name', 123, False),
    ('launchd_label', 'org.cifleet.gotime.sync', True),
    ('launchd_label', 'a_b-c', True),
    ('launchd_label', 'a:b', False),
    ('launchd_label', '../x', False),
    ('launchd_label', 'with space', False),
    ('launchd_label', None, False),
    ('account_name', 'runner', True),
    ('account_name', '_buildkite', True),
    ('account_name', 'gitlab-runner', True),
    ('account_name', '1runner', False),
    ('account_name', 'root;id', False),
    ('account_name', '', False),
])
def test_names(test, value, accepted):
    assert TESTS[test](value) is accepted


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
