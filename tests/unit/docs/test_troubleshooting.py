"""docs/troubleshooting.md (and docs/facts.md) name only variables and playbooks that exist, and
quote this collection's own messages exactly."""
import ast
import glob
import os
import re

import pytest

from support import docgen

PAGES = ('docs/troubleshooting.md', docgen.FACTS_DOC)
# A public variable of the playbooks (gotime_) or of a role (its name as prefix); not an FQCN part.
VARIABLE = re.compile(r'(?<![\w.])((?:gotime|%s)_\w+)' % '|'.join(docgen.role_names()))
PLAYBOOK = re.compile(r'\bplaybooks/[\w.-]+\.yml\b')
# "(`plugins/.../file.py`):" then a ```text block: each line is a message of that file, `...` marking text filled in at run time.
QUOTES = re.compile(r'\(`((?:plugins|playbooks|roles)/[^`]+)`\):\n\n```text\n(.*?)\n```', re.S)


def read(path):
    with open(os.path.join(docgen.ROOT, path)) as handle:
        return handle.read()


def walk_yaml(value):
    """Every key and string of a loaded YAML document."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from walk_yaml(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk_yaml(item)
    elif isinstance(value, str):
        yield value


def known_variables():
    """Role options and defaults, what the roles register or set, and the gotime_ names the playbooks use."""
    names = set()
    for role in docgen.role_names():
        for spec in docgen.argument_specs(role).values():
            names.update(spec.get('options') or {})
        names.update(docgen.role_defaults(role))
        for path in glob.glob(os.path.join(docgen.ROOT, 'roles', role, '*', '*.yml')):
            for task in docgen.read_yaml(path) or []:
                if isinstance(task, dict):
                    names.update([task['register']] if 'register' in task else [])
                    names.update(task.get('ansible.builtin.set_fact') or {})
    for path in glob.glob(os.path.join(docgen.ROOT, 'playbooks', '*.yml')):
        code = '\n'.join(line for line in read(path).splitlines() if not line.lstrip().startswith('#'))
        names.update(re.findall(r'\bgotime_\w+', code))
    return names


def literals(path):
    """The strings of a file of ours: Python constants (adjacent literals joined), YAML scalars."""
    full = os.path.join(docgen.ROOT, path)
    if path.endswith('.py'):
        with open(full) as handle:
            tree = ast.parse(handle.read(), full)
        return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    strings = []
    for document in docgen.read_yaml(full) or []:
        strings.extend(walk_yaml(document))
    return strings


def quoted(message, strings):
    """Whether one string holds the message's fixed parts, in order."""
    parts = [part for part in message.split('...') if part]
    for string in strings:
        position = 0
        for part in parts:
            position = string.find(part, position)
            if position < 0:
                break
            position += len(part)
        else:
            return True
    return False


def quotes():
    found = []
    for page in PAGES:
        for path, block in QUOTES.findall(read(page)):
            found.extend((page, path, line) for line in block.splitlines() if line.strip())
    return found


@pytest.mark.parametrize('page', PAGES)
def test_variables_exist(page):
    known = known_variables()
    named = set(VARIABLE.findall(read(page)))
    assert named, 'the pattern finds no variable at all'
    assert sorted(named - known) == [], 'not a variable of a role spec, role defaults, role results or a playbook'


@pytest.mark.parametrize('page', PAGES)
def test_playbooks_exist(page):
    for path in set(PLAYBOOK.findall(read(page))):
        assert os.path.isfile(os.path.join(docgen.ROOT, path)), path


def test_enough_quotes_are_checked():
    # Guards the pattern: a changed layout must not turn the check below into a check of nothing.
    assert len(quotes()) >= 25
    assert set(path for dummy, path, dummy in quotes()) >= {'plugins/module_utils/_go_settings.py', 'plugins/module_utils/_clock.py',
                                                            'plugins/module_utils/_ntp.py', 'playbooks/remediate.yml'}


@pytest.mark.parametrize('page,path,message', quotes(), ids=lambda value: value[:60])
def test_quoted_message_is_ours(page, path, message):
    assert quoted(message, literals(path)), '%s quotes %r, which %s does not hold' % (page, message, path)


def test_quote_check_rejects_a_changed_message():
    strings = ['%s: %s can only be set in the OS environment; go env -w refuses it']
    assert quoted('...: ... can only be set in the OS environment; go env -w refuses it', strings)
    assert not quoted('...: ... can only be set in the OS environment; go env -w ignores it', strings)
    assert not quoted('go env -w refuses it ... can only be set', strings)
