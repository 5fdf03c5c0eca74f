"""The name checks roles reach as test plugins (plugins/test/names.py), and that they exist once."""
import os
import re
import string

import pytest

from ansible_collections.cifleet.gotime.plugins.plugin_utils import _names
from ansible_collections.cifleet.gotime.plugins.test import names as name_tests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
TESTS = name_tests.TestModule().tests()


# test: (values it accepts, values it refuses)
NAMES = {
    'host_name': (['time.apple.com', '127.0.0.1', 'fe80::1', '::1', '::ffff:192.0.2.1', 'ntp.example.com:123'],
                  ['-oProxyCommand=x', ':123', 'a b', 'a/b', 'a;reboot', '', 123]),
    'launchd_label': (['org.cifleet.gotime.sync', 'a_b-c'], ['a:b', '../x', 'with space', None]),
    # shadow-utils 4.13 and later (Debian 12) creates users and groups whose name begins with a digit, not all-digit ones.
    'account_name': (['runner', '_buildkite', 'gitlab-runner', '1password', 'ci.runners'],
                     ['1234', '-runner', '.hidden', 'root;id', 'a b', '', 1000]),
}


@pytest.mark.parametrize('test', sorted(NAMES))
def test_names(test):
    accepted, refused = NAMES[test]
    assert [value for value in accepted if TESTS[test](value) is not True] == []
    assert [value for value in refused if TESTS[test](value) is not False] == []


def product_files():
    """(relative path, text) of every role, plugin and playbook file that could spell a pattern, _names.py aside."""
    for top in ('roles', 'plugins', 'playbooks'):
        for dirpath, dummy, files in os.walk(os.path.join(ROOT, top)):
            for name in sorted(files):
                path = os.path.join(dirpath, name)
                if path.endswith(os.path.join('plugin_utils', '_names.py')) or not name.endswith(('.py', '.yml', '.j2')):
                    continue
                with open(path, errors='replace') as handle:
                    yield os.path.relpath(path, ROOT), handle.read()


# A name rule written as a regex: a first character class, then one class repeated, e.g. ^[A-Za-z_][A-Za-z0-9_.-]*$.
NAME_RULE = re.compile(r"^\^(?:\(\?![^)]*\))?(?:\[[^\]]+\]|\(\?:[^)]*\))\[([^\]]+)\][*+]\$$")
# Quoted regex literals in YAML and Jinja: '^...$' or "^...$".
LITERAL = re.compile(r"'(\^[^']*\$)'|\"(\^[^\"]*\$)\"")


def characters(cls):
    """The characters of a bracket expression's body such as A-Za-z0-9_.- (ranges expanded, \\ escapes read)."""
    cls = cls.replace('\\\\', '\\')
    chars, i = set(), 0
    while i < len(cls):
        char = cls[i + 1] if cls[i] == '\\' and i + 1 < len(cls) else cls[i]
        step = 2 if cls[i] == '\\' else 1
        if i + step + 1 < len(cls) and cls[i + step] == '-':
            chars.update(chr(c) for c in range(ord(char), ord(cls[i + step + 1]) + 1))
            i += step + 2
        else:
            chars.add(char)
            i += step
    return frozenset(chars)


def test_the_names_rules_parse_as_name_rules():
    # The check below reads both sides the same way: each _names pattern must parse as a name rule.
    for pattern in (_names.HOST_NAME, _names.LAUNCHD_LABEL, _names.ACCOUNT_NAME):
        assert NAME_RULE.match(pattern.pattern), pattern.pattern
    assert characters('A-Za-z0-9_.-') == frozenset(string.ascii_letters + string.digits + '_.-')
    assert characters('A-Za-z0-9._:-') == characters('A-Za-z0-9_.:-')


def test_each_pattern_lives_once():
    # No role vars, task or plugin spells one of these patterns again: they reach the roles as tests.
    patterns = [_names.HOST_NAME.pattern, _names.LAUNCHD_LABEL.pattern, _names.ACCOUNT_NAME.pattern]
    found = []
    for path, text in product_files():
        found.extend('%s: %s' % (path, p) for p in patterns if p in text)
    assert found == []


def test_no_name_rule_is_spelled_again_with_another_first_character():
    # clock_tool once checked its guard group with ^[A-Za-z0-9_][A-Za-z0-9_.-]*$: account_name with another first
    # character. A regex literal whose repeated class is the same set as a _names rule's is that rule again.
    rules = {}  # repeated class -> the tests with it (launchd_label and account_name share one)
    for name in ('host_name', 'launchd_label', 'account_name'):
        rules.setdefault(characters(NAME_RULE.match(getattr(_names, name.upper()).pattern).group(1)), []).append(name)
    found = []
    for path, text in product_files():
        for literal in (a or b for a, b in LITERAL.findall(text)):
            rule = NAME_RULE.match(literal)
            if rule and characters(rule.group(1)) in rules:
                found.append('%s: %s is the test %s again' % (path, literal, ' or '.join(
                    'cifleet.gotime.' + name for name in rules[characters(rule.group(1))])))
    assert found == []


def test_the_check_finds_the_respelling_it_was_written_for():
    # The check above is not vacuous: the old clock_tool line and the old account rule are found.
    old = "    - ok: \"{{ clock_tool_guard_group is match('^[A-Za-z0-9_][A-Za-z0-9_.-]*$') }}\"\n"
    literal = LITERAL.findall(old)[0][0]
    assert characters(NAME_RULE.match(literal).group(1)) == characters(NAME_RULE.match(_names.ACCOUNT_NAME.pattern).group(1))
    # job_guard's sudoers file name rule is another one (sudo skips names with '.'), even written as a name rule.
    sudoers = NAME_RULE.match('^[A-Za-z0-9_-][A-Za-z0-9_-]*$')
    assert characters(sudoers.group(1)) != characters(NAME_RULE.match(_names.ACCOUNT_NAME.pattern).group(1))
