"""Runner file edits of the job_guard role: install, idempotence, exact removal, refusals."""
import difflib
import os

import pytest
import tomlkit

from ansible_collections.cifleet.gotime.plugins.plugin_utils import _job_guard as jg

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
                        'fixtures', 'job_guard')
HOOK = '/usr/local/libexec/cifleet-gotime/job-guard.sh'
LINE = HOOK + ' ' + jg.MARKER
KEY = jg.GITHUB_HOOK_KEY


def fixture(name):
    with open(os.path.join(FIXTURES, name), newline='') as handle:
        return handle.read()


# --- GitHub .env ---

ENV_CASES = {
    'realistic': fixture('env'),
    'empty': '',
    'no-final-newline': 'LANG=C\nA=1',
    'crlf': 'LANG=C\r\nA=1\r\n',
    'blank-and-odd-lines': 'LANG=C\n\n=novalue\nno equals sign\n',
    'their-hook': 'LANG=C\n%s=/opt/hooks/clean.sh\nB=2\n' % KEY,
    'their-hook-last-no-newline': 'LANG=C\n%s=/opt/hooks/clean.sh' % KEY,
    'their-hook-twice': '%s=/old.sh\nX=1\n%s=/opt/hooks/clean.sh\r\n' % (KEY, KEY),
}


@pytest.mark.parametrize('name', sorted(ENV_CASES))
def test_github_env_install_is_idempotent_and_removal_exact(name):
    text = ENV_CASES[name]
    installed = jg.github_env(text, HOOK)['content']
    assert installed != text
    assert jg.github_env(installed, HOOK)['content'] == installed
    assert jg.github_env(installed, HOOK, state='absent')['content'] == text
    assert jg.github_env(text, HOOK, state='absent')['content'] == text
    # What the runner reads (Program.cs: lines split at the first '=', the last key wins).
    env = {}
    for line in installed.splitlines():
        if line.find('=') > 0:
            key, value = line.split('=', 1)
            env[key] = value
    assert env[KEY] == HOOK
    before = dict(line.split('=', 1) for line in text.splitlines() if line.find('=') > 0)
    if KEY in before:
        assert env[jg.GITHUB_CHAINED_KEY] == before[KEY]
    for key, value in before.items():
        if key != KEY:
            assert env[key] == value


def test_github_env_keeps_every_other_line_byte_for_byte():
    text = fixture('env')
    installed = jg.github_env(text, HOOK)
    assert installed['content'] == text + '%s=%s\n' % (KEY, HOOK)
    assert installed['chained'] is None


def test_github_env_their_hook_is_chained_in_place():
    result = jg.github_env(ENV_CASES['their-hook'], HOOK)
    assert result['content'] == 'LANG=C\n%s=%s\n%s=/opt/hooks/clean.sh\nB=2\n' % (KEY, HOOK, jg.GITHUB_CHAINED_KEY)
    assert result['chained'] == '/opt/hooks/clean.sh'


def test_github_env_moved_hook_path_replaces_ours():
    installed = jg.github_env('A=1\n', '/old/job-guard.sh')['content']
    # Our old line is someone's hook now as far as the new path can tell: it is chained, not lost.
    moved = jg.github_env(installed, HOOK)
    assert moved['chained'] == '/old/job-guard.sh'


@pytest.mark.parametrize('hook', ['relative.sh', '/path with space.sh', '/x;rm -rf /', '', None])
def test_github_env_refuses_unsafe_hook_paths(hook):
    with pytest.raises(jg.JobGuardEditError, match='hook path'):
        jg.github_env('A=1\n', hook)


def test_github_env_refuses_an_empty_hook_setting():
    with pytest.raises(jg.JobGuardEditError, match='set to nothing'):
        jg.github_env('%s=\n' % KEY, HOOK)


# --- GitLab config.toml ---

def scripts(text):
    return {runner['name']: runner.get('pre_build_script') for runner in tomlkit.parse(text).unwrap()['runners']}


def test_gitlab_default_guards_every_shell_runner_and_keeps_theirs():
    text = fixture('config.toml')
    result = jg.gitlab_config(text, LINE)
    before, after = scripts(text), scripts(result['content'])
    assert sorted(result['changed']) == ['linux-shell', 'literal-shell', 'macos-shell', 'quick-shell']
    assert result['skipped'] == {'docker-linux': "executor 'docker' runs jobs off this host"}
    for name in result['changed']:
        expected = LINE if before[name] is None else LINE + '\n' + before[name]
        if name == 'literal-shell':
            expected = HOOK + ' ' + jg.LITERAL_MARKER + '\n' + before[name]
        assert after[name] == expected, name
    assert after['docker-linux'] is None
    # Only the pre_build_script lines differ; comments, tokens, dates and tables are untouched.
    gone = [line for line in difflib.ndiff(text.splitlines(), result['content'].splitlines()) if line.startswith('- ')]
    assert gone and all(line.startswith('-   pre_build_script = ') for line in gone), gone


def test_gitlab_second_run_unchanged_and_absent_restores_byte_for_byte():
    text = fixture('config.toml')
    installed = jg.gitlab_config(text, LINE)['content']
    again = jg.gitlab_config(installed, LINE)
    assert again['content'] == installed and again['changed'] == []
    removed = jg.gitlab_config(installed, LINE, state='absent')
    assert removed['content'] == text
    assert sorted(removed['changed']) == ['linux-shell', 'literal-shell', 'macos-shell', 'quick-shell']
    assert jg.gitlab_config(text, LINE, state='absent') == {'content': text, 'changed': [], 'skipped': {}}


def test_gitlab_chosen_runners_only_and_unchoosing_removes_ours():
    text = fixture('config.toml')
    one = jg.gitlab_config(text, LINE, names=['quick-shell'])
    assert one['changed'] == ['quick-shell']
    assert '\n  pre_build_script = "%s"\n  [runners.cache]' % LINE in one['content']
    other = jg.gitlab_config(one['content'], LINE, names=['linux-shell'])
    assert sorted(other['changed']) == ['linux-shell', 'quick-shell']
    assert jg.gitlab_config(other['content'], LINE, state='absent')['content'] == text


def test_gitlab_moved_hook_line_is_replaced_not_doubled():
    text = fixture('config.toml')
    old_line = '/opt/old/job-guard.sh ' + jg.MARKER
    installed = jg.gitlab_config(jg.gitlab_config(text, old_line)['content'], LINE)['content']
    assert old_line not in installed
    assert installed == jg.gitlab_config(text, LINE)['content']


@pytest.mark.parametrize('raw', [
    '""', '"echo hi"', '"a\\tb\\n"', '"""x"""', '"""\nx\n"""', '"""\r\nx\r\n"""', "'''x'''", "'''\nx\n'''",
    "'C:\\temp'", "''", '""""""',
])
def test_gitlab_every_string_form_round_trips(raw):
    text = '[[runners]]\n  name = "r"\n  executor = "shell"\n  pre_build_script = %s  # theirs\n' % raw
    installed = jg.gitlab_config(text, LINE)['content']
    theirs = tomlkit.parse(text)['runners'][0]['pre_build_script']
    value = tomlkit.parse(installed)['runners'][0]['pre_build_script']
    assert value.split('\n', 1)[1] == theirs
    assert installed.endswith('  # theirs\n')
    assert jg.gitlab_config(installed, LINE)['content'] == installed
    assert jg.gitlab_config(installed, LINE, state='absent')['content'] == text


def test_gitlab_file_without_final_newline_round_trips():
    text = '[[runners]]\n  name = "r"\n  executor = "shell"'
    installed = jg.gitlab_config(text, LINE)['content']
    assert installed == text + '\n  pre_build_script = "%s"' % LINE
    assert jg.gitlab_config(installed, LINE, state='absent')['content'] == text


def test_gitlab_refusals_name_the_problem():
    text = fixture('config.toml')
    with pytest.raises(jg.JobGuardEditError, match='entry named nope'):
        jg.gitlab_config(text, LINE, names=['nope'])
    with pytest.raises(jg.JobGuardEditError, match="executor 'docker'"):
        jg.gitlab_config(text, LINE, names=['docker-linux'])
    with pytest.raises(jg.JobGuardEditError, match='not valid TOML'):
        jg.gitlab_config('[[runners]\n', LINE)
    with pytest.raises(jg.JobGuardEditError, match='not a string'):
        jg.gitlab_config('[[runners]]\nname = "r"\nexecutor = "shell"\npre_build_script = 3\n', LINE)
    with pytest.raises(jg.JobGuardEditError, match='array of'):
        jg.gitlab_config('runners = [{name = "r"}]\n', LINE)


def test_gitlab_config_without_runners_is_left_alone():
    text = 'concurrent = 1\n'
    assert jg.gitlab_config(text, LINE) == {'content': text, 'changed': [], 'skipped': {}}


# --- Buildkite ---

def test_buildkite_hooks_path_from_the_homebrew_config():
    assert jg.buildkite_hooks_path(fixture('buildkite-agent.cfg')) == '/opt/homebrew/etc/buildkite-agent/hooks'


@pytest.mark.parametrize('text, expected', [
    ('hooks-path=/etc/buildkite-agent/hooks\n', '/etc/buildkite-agent/hooks'),
    ('# hooks-path="/nope"\nname="x"\n', None),
    ("hooks-path = '/a'\nhooks-path=\"/b\"\n", '/b'),
    ('', None),
])
def test_buildkite_hooks_path_forms(text, expected):
    assert jg.buildkite_hooks_path(text) == expected
