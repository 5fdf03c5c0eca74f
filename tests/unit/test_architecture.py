# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The import rules of docs/architecture.md, read from the plugins' own imports with ast."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import ast
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OURS = 'ansible_collections.cifleet.gotime.plugins.'
# Which of our plugin directories each kind may import (docs/architecture.md, "Who may import whom").
ALLOWED = {
    'modules': {'module_utils'},
    'module_utils': {'module_utils'},
    'plugin_utils': {'module_utils', 'plugin_utils'},
    'action': {'module_utils', 'plugin_utils'},
    'filter': {'module_utils', 'plugin_utils'},
    'lookup': {'module_utils', 'plugin_utils'},
    'test': {'module_utils', 'plugin_utils'},
    'doc_fragments': set(),
}
MAX_LINES = 400


def sources():
    found = []
    for kind in sorted(os.listdir(os.path.join(ROOT, 'plugins'))):
        directory = os.path.join(ROOT, 'plugins', kind)
        for dirpath, dummy, files in os.walk(directory):
            found.extend((kind, os.path.join(dirpath, name)) for name in sorted(files) if name.endswith('.py'))
    return found


def imported(path):
    """(line, dotted name) of every import in the file, relative ones resolved against its package."""
    package = os.path.relpath(os.path.dirname(path), ROOT).replace(os.sep, '.')
    package = 'ansible_collections.cifleet.gotime.' + package
    with open(path) as handle:
        tree = ast.parse(handle.read(), path)
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                parent = package.rsplit('.', node.level - 1)[0] if node.level > 1 else package
                base = parent + ('.' + base if base else '')
            names.extend((node.lineno, base + '.' + alias.name) for alias in node.names)
    return names


def kind_of(name):
    """Our plugin directory a dotted name points into, or None for anything else."""
    if not name.startswith(OURS):
        return None
    return name[len(OURS):].split('.')[0]


def test_sources_are_found():
    kinds = {kind for kind, dummy in sources()}
    assert {'modules', 'module_utils', 'plugin_utils'} <= kinds
    assert set(ALLOWED) >= kinds, 'a new plugin directory needs its rule in ALLOWED and docs/architecture.md'


@pytest.mark.parametrize('kind,path', sources(), ids=lambda value: os.path.basename(value) if '/' in value else value)
def test_imports_follow_the_rules(kind, path):
    wrong = ['%d: %s' % (line, name) for line, name in imported(path)
             if kind_of(name) is not None and kind_of(name) not in ALLOWED[kind]]
    if kind in ('modules', 'module_utils'):
        # What runs on the target gets only module_utils: no controller-side ansible code.
        wrong += ['%d: %s' % (line, name) for line, name in imported(path)
                  if name.startswith('ansible.') and not name.startswith('ansible.module_utils.')]
    assert wrong == [], '%s (%s) imports what docs/architecture.md forbids' % (path, kind)


def test_rule_check_can_fail():
    # The resolution above must see a forbidden import written either way.
    assert kind_of('ansible_collections.cifleet.gotime.plugins.plugin_utils._fleet_report.x') == 'plugin_utils'
    assert 'plugin_utils' not in ALLOWED['module_utils'] and 'modules' not in ALLOWED['plugin_utils']


@pytest.mark.parametrize('path', [path for kind, path in sources() if kind in ('module_utils', 'plugin_utils')], ids=os.path.basename)
def test_module_utils_and_plugin_utils_stay_small(path):
    with open(path) as handle:
        assert sum(1 for dummy in handle) <= MAX_LINES, 'split %s by job (docs/architecture.md)' % path


def test_fleet_report_has_one_file_per_job():
    # docs/architecture.md lists each fleet report file and its job: the list and the directory agree.
    with open(os.path.join(ROOT, 'docs', 'architecture.md')) as handle:
        documented = set(re.findall(r'`(_fleet_report\w*\.py)`', handle.read()))
    present = set(name for name in os.listdir(os.path.join(ROOT, 'plugins', 'plugin_utils')) if name.startswith('_fleet_report'))
    assert documented == present


def test_one_copy_of_the_verdicts_and_the_utc_formatter():
    # The report takes clock_facts' verdicts, and every UTC time as text comes from module_utils/_utc_time.py.
    for dummy, path in sources():
        with open(path) as handle:
            text = handle.read()
        if os.path.basename(path) != '_clock.py':
            assert 'VERDICTS = (' not in text, path
        if os.path.basename(path) != '_utc_time.py':
            assert '.strftime(' not in text and '.isoformat(' not in text, path


def test_host_sync_has_one_file_per_job():
    # docs/architecture.md lists each host_sync file and its job: the list and the directory agree.
    with open(os.path.join(ROOT, 'docs', 'architecture.md')) as handle:
        documented = set(re.findall(r'`(_host_sync\w*\.py)`', handle.read()))
    present = set(name for name in os.listdir(os.path.join(ROOT, 'plugins', 'module_utils')) if name.startswith('_host_sync'))
    assert documented == present
