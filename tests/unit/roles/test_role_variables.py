# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every internal variable (__role_*) a role uses is one the role defines: in its vars or defaults, a
task's vars, set_fact, register or loop_var. A pattern moved to a test plugin (plugins/test/names.py)
leaves no task behind that still names the old variable."""
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROLES = sorted(os.listdir(os.path.join(ROOT, 'roles')))


def role_text(role):
    texts = []
    for dirpath, dummy, files in os.walk(os.path.join(ROOT, 'roles', role)):
        for name in sorted(files):
            if name.endswith(('.yml', '.j2')):
                with open(os.path.join(dirpath, name)) as handle:
                    texts.append(handle.read())
    return '\n'.join(texts)


def undefined(text):
    defined = set(re.findall(r'^\s*-?\s*(__\w+):', text, re.M))
    defined |= set(re.findall(r'(?:register|loop_var):\s*(__\w+)', text))
    return sorted(set(re.findall(r'(?<![\w.])(__[a-z]\w*)', text)) - defined)


@pytest.mark.parametrize('role', ROLES)
def test_internal_variables_are_defined(role):
    assert undefined(role_text(role)) == []


def test_an_undefined_one_is_found():
    text = '__x_pattern: a\n- ansible.builtin.assert:\n    that: y is match(__x_pattern) and z is match(__x_gone)\n'
    assert undefined(text) == ['__x_gone']
