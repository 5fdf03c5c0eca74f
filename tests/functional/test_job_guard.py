"""Role job_guard on this machine, end to end, with real files, real sudo and a real runner user.

The CI runners themselves cannot be installed here, so the test plays their side of each contract
for real: a GitHub runner directory (.runner, a .env with other variables and one with a hook of
its own), a GitLab Runner config.toml with several runners and comments, a Buildkite hooks
directory with a pre-bootstrap hook of its own. The role runs (ansible-playbook, local
connection) with a stand-in gotime-guard and gotime-step that record who ran them; then the hook
scripts run as the runner user the way each runner runs them (GitHub: `bash -e` with the .env
variables; GitLab: the job shell with errexit; Buildkite: executed), from a directory that user
can read (issue 18). The sudoers rule is installed in /etc/sudoers.d and checked with visudo and
`sudo -l -U`; absent must give back every runner file byte for byte.
"""
import json
import os
import pwd
import shutil
import subprocess
import sys

import pytest
import tomlkit

from lab import other_user
from support.ansible_env import ansible_env

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(os.path.abspath(sys.executable))
FIXTURES = os.path.join(ROOT, 'tests', 'fixtures', 'job_guard')
# Role clock_tool's measuring script; gotime-guard is `gotime-clock guard` from its installed path.
CLOCK_SCRIPT = os.path.join(ROOT, 'roles', 'clock_tool', 'files', 'gotime-clock')
USER = 'gotime-ci-runner'
SUDOERS_NAME = 'cifleet-gotime-test-%d' % os.getpid()
HOOK_KEY = 'ACTIONS_RUNNER_HOOK_JOB_STARTED'
CHAINED_KEY = 'CIFLEET_GOTIME_CHAINED_JOB_STARTED_HOOK'

STAND_IN_GUARD = '''#!/bin/sh
# Stand-in for gotime-guard: records its arguments and user, asks the step path as the real
# guard does when skewed, exits with the status in %(rc)s.
echo "guard uid=$(id -u) args=$*" >> %(log)s/calls
if [ "$(cat %(rc)s)" = step ]; then
    sudo -n %(step)s || exit 1
    exit 0
fi
exit "$(cat %(rc)s)"
'''
STAND_IN_STEP = '''#!/bin/sh
# Stand-in for gotime-step: records that it ran, and as whom, with which arguments.
echo "step uid=$(id -u) args=$#" >> %(log)s/calls
'''
THEIR_SCRIPT = '''#!/bin/sh
echo "%(name)s uid=$(id -u)" >> %(log)s/calls
'''


def need_root():
    if os.geteuid() != 0:
        pytest.fail('test_job_guard installs a sudoers rule and a user: run it as root (make test does)')
    for tool in ('sudo', 'visudo', 'runuser', 'useradd'):
        if not shutil.which(tool):
            pytest.fail('%s is missing: run `make setup-test` (Debian package sudo in tests/apt-packages.txt)' % tool)


def write(path, text, mode=0o644, owner=None):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', newline='') as handle:
        handle.write(text)
    os.chmod(path, mode)
    if owner:
        entry = pwd.getpwnam(owner)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def read(path):
    with open(path, newline='') as handle:
        return handle.read()


def fixture(name):
    return read(os.path.join(FIXTURES, name))


@pytest.fixture(scope='module')
def host():
    need_root()
    created = subprocess.run(['id', '-u', USER], capture_output=True, check=False).returncode != 0
    if created:
        subprocess.run(['useradd', '--system', '--no-create-home', '--shell', '/bin/sh', USER], check=True)
    # Readable by the runner user: not pytest's tmp_path nor the checkout, which may sit under a 0700
    # home (issue 18).
    top = other_user.shared_dir('gotime-job-guard-')
    try:
        yield build_host(top)
    finally:
        sudoers = '/etc/sudoers.d/' + SUDOERS_NAME
        if os.path.exists(sudoers):
            os.unlink(sudoers)
        shutil.rmtree(top)
        if created:
            subprocess.run(['userdel', USER], check=False)


def build_host(top):
    log = os.path.join(top, 'log')
    os.makedirs(log)
    os.chmod(log, 0o1777)
    paths = {
        'top': top, 'log': log, 'rc': os.path.join(top, 'guard-rc'),
        'guard': os.path.join(top, 'bin', 'gotime-guard'),
        'step': os.path.join(top, 'libexec', 'gotime-step'),
        'hook_dir': os.path.join(top, 'hooks-libexec'),
        'home': os.path.join(top, 'home'),
    }
    write(paths['rc'], '0\n', 0o644)
    write(paths['guard'], STAND_IN_GUARD % {'rc': paths['rc'], 'log': log, 'step': paths['step']}, 0o755)
    write(paths['step'], STAND_IN_STEP % {'log': log}, 0o755)
    for name in ('their-github-hook.sh', 'their-pre-bootstrap'):
        write(os.path.join(top, 'theirs', name), THEIR_SCRIPT % {'name': name, 'log': log}, 0o755)
    # GitHub: one runner found by the search (its .env from the fixture), one named, with a hook of its own.
    found = os.path.join(paths['home'], USER, 'actions-runner')
    named = os.path.join(top, 'srv', 'runner-two')
    for runner in (found, named):
        write(os.path.join(runner, '.runner'), '{"agentName": "mac-01", "poolName": "Default"}\n', 0o644, USER)
        os.chown(runner, pwd.getpwnam(USER).pw_uid, pwd.getpwnam(USER).pw_gid)
    write(os.path.join(found, '.env'), fixture('env'), 0o644, USER)
    write(os.path.join(named, '.env'), 'LANG=C.UTF-8\n%s=%s\nRUNNER_TOOL_CACHE=/opt/hostedtoolcache'
          % (HOOK_KEY, os.path.join(top, 'theirs', 'their-github-hook.sh')), 0o600, USER)
    paths['github'] = [found, named]
    # GitLab: the system config (root, 0600) with several runners and comments.
    paths['gitlab'] = os.path.join(top, 'etc', 'gitlab-runner', 'config.toml')
    write(paths['gitlab'], fixture('config.toml'), 0o600)
    # Buildkite: hooks-path from the agent config; a pre-bootstrap hook of its own (and another hook).
    hooks = os.path.join(top, 'etc', 'buildkite-agent', 'hooks')
    cfg = fixture('buildkite-agent.cfg').replace('/opt/homebrew/etc/buildkite-agent/hooks', hooks)
    paths['buildkite_cfg'] = os.path.join(top, 'etc', 'buildkite-agent', 'buildkite-agent.cfg')
    write(paths['buildkite_cfg'], cfg, 0o600, USER)
    write(os.path.join(hooks, 'pre-bootstrap'), THEIR_SCRIPT % {'name': 'their-pre-bootstrap', 'log': log}, 0o750, USER)
    write(os.path.join(hooks, 'environment'), 'export FOO=1\n', 0o755, USER)
    paths['hooks'] = hooks
    paths['files'] = snapshot(paths)
    return paths


def snapshot(paths):
    """{path: (bytes, mode, uid)} of every runner file the role may touch."""
    files = [os.path.join(runner, '.env') for runner in paths['github']] + [paths['gitlab']]
    files += [os.path.join(paths['hooks'], name) for name in sorted(os.listdir(paths['hooks']))]
    result = {}
    for path in files:
        info = os.stat(path)
        result[path] = (read(path), oct(info.st_mode), info.st_uid, info.st_ino)
    return result


def run_role(paths, state, fail=False, **overrides):
    variables = {
        'job_guard_state': state,
        'job_guard_install_clock_tool': False,
        'job_guard_search_roots': [paths['home']],
        'job_guard_github_runners': [{'path': paths['github'][1]}],
        'job_guard_gitlab_configs': [{'path': paths['gitlab'], 'user': USER}],
        'job_guard_buildkite_agents': [{'config': paths['buildkite_cfg']}],
        'job_guard_guard_path': paths['guard'],
        'job_guard_step_command': paths['step'],
        'job_guard_hook_dir': paths['hook_dir'],
        'job_guard_sudoers_name': SUDOERS_NAME,
        # Loopback addresses where no NTP server listens (the real guard below finds no agreed time).
        'job_guard_servers': ['127.0.31.1', '127.0.31.2', '127.0.31.3'],
        'job_guard_budget': 15,
        # The system paths of this machine stay out of it.
        '__job_guard_gitlab_system_configs': [],
        '__job_guard_buildkite_configs': [],
    }
    variables.update(overrides)
    work = os.path.join(paths['top'], 'ansible-' + state)
    os.makedirs(work, exist_ok=True)
    playbook = os.path.join(work, 'play.yml')
    with open(playbook, 'w') as handle:
        json.dump([{'hosts': 'localhost', 'gather_facts': False, 'roles': [{'role': 'cifleet.gotime.job_guard'}],
                    'post_tasks': [{'name': 'Show the runners', 'ansible.builtin.debug': {'var': 'job_guard_runners'}}]}],
                  handle)
    with open(os.path.join(work, 'vars.json'), 'w') as handle:
        json.dump(variables, handle)
    env = ansible_env(work, ANSIBLE_STDOUT_CALLBACK='ansible.builtin.json', ANSIBLE_CALLBACK_RESULT_FORMAT='json')
    argv = [os.path.join(BIN, 'ansible-playbook'), '-i', 'localhost,', '-c', 'local',
            '-e', 'ansible_python_interpreter=%s' % sys.executable, '-e', '@' + os.path.join(work, 'vars.json'), playbook]
    proc = subprocess.run(argv, capture_output=True, text=True, env=env,
                          cwd=work, timeout=300, check=False)
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError('no JSON from ansible-playbook: rc=%s\n%s\n%s' % (proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:]))
    failed = [(t['task']['name'], t['hosts']['localhost'].get('msg'),
               [i.get('msg') for i in t['hosts']['localhost'].get('results', []) if i.get('failed')])
              for p in report['plays'] for t in p['tasks'] if t['hosts']['localhost'].get('failed')]
    stats = report['stats']['localhost']
    results = [(t['task']['name'], t['hosts']['localhost']) for p in report['plays'] for t in p['tasks']]
    if fail:
        assert proc.returncode == 2 and len(failed) == 1, (failed, proc.stderr[-2000:])
        return stats, failed[0]
    assert proc.returncode == 0, (failed, proc.stderr[-2000:])
    return stats, results


def as_runner(paths, argv, env=None):
    """Run argv as the runner user from a directory that user can read, with a clean environment."""
    base = {'PATH': '/usr/bin:/bin', 'HOME': '/nonexistent', 'LANG': 'C'}
    base.update(env or {})
    command = ['runuser', '-u', USER, '--', 'env', '-i'] + ['%s=%s' % item for item in sorted(base.items())] + argv
    return subprocess.run(command, capture_output=True, text=True, cwd=paths['top'], timeout=60, check=False)


def calls(paths):
    path = os.path.join(paths['log'], 'calls')
    lines = read(path).splitlines() if os.path.exists(path) else []
    if os.path.exists(path):
        os.unlink(path)
    return lines


def dotenv(path):
    """The environment a GitHub runner takes from .env (Program.cs LoadAndSetEnv)."""
    env = {}
    for line in read(path).splitlines():
        index = line.find('=')
        if index > 0:
            env[line[:index]] = line[index + 1:]
    return env


@pytest.fixture(scope='module')
def installed(host):
    first, first_results = run_role(host, 'present')
    second, dummy = run_role(host, 'present')
    return {'first': first, 'second': second, 'results': first_results}


def test_install_changes_then_second_run_changes_nothing(installed):
    assert installed['first']['changed'] >= 5
    assert installed['second']['changed'] == 0


def test_install_reports_the_runners_and_their_user(installed, host):
    shown = [result for name, result in installed['results'] if name == 'Show the runners'][0]['job_guard_runners']
    assert shown['users'] == [USER]
    assert sorted(runner['path'] for runner in shown['github']) == sorted(host['github'])
    assert [runner['changed_runners'] for runner in shown['gitlab']] == [
        ['macos-shell', 'linux-shell', 'quick-shell', 'literal-shell']]
    assert [(agent['hooks_path'], agent['chained']) for agent in shown['buildkite']] == [(host['hooks'], True)]


def test_install_says_the_github_runners_need_a_restart(installed, host):
    notes = [result for name, result in installed['results'] if name.endswith('Say which GitHub runners need a restart')]
    messages = [item['msg'] for result in notes for item in result.get('results', []) if 'msg' in item]
    assert sorted(m.split()[3] for m in messages) == sorted(host['github'])
    assert all('reads .env only when it starts' in m and 'job_guard_github_restart' in m for m in messages)


def test_github_env_has_our_hook_and_every_other_line(installed, host):
    hook = os.path.join(host['hook_dir'], 'job-guard.sh')
    found, named = host['github']
    original = host['files'][os.path.join(found, '.env')][0]
    assert read(os.path.join(found, '.env')) == original + '%s=%s\n' % (HOOK_KEY, hook)
    env = dotenv(os.path.join(named, '.env'))
    assert env[HOOK_KEY] == hook
    assert env[CHAINED_KEY] == os.path.join(host['top'], 'theirs', 'their-github-hook.sh')
    info = os.stat(os.path.join(named, '.env'))
    assert (oct(info.st_mode), info.st_uid) == host['files'][os.path.join(named, '.env')][1:3]
    # The hook script lives outside every runner directory, root-owned.
    assert not any(hook.startswith(runner + '/') for runner in host['github'])
    assert os.stat(hook).st_uid == 0 and oct(os.stat(hook).st_mode & 0o7777) == '0o755'


def test_installed_hook_scripts_pass_shellcheck(installed, host):
    scripts = [os.path.join(host['hook_dir'], 'job-guard.sh'), os.path.join(host['hooks'], 'pre-bootstrap')]
    proc = subprocess.run(['shellcheck', '--shell=sh'] + scripts, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout


@pytest.mark.parametrize('guard_rc', ['0', '1', '2'])
def test_github_hook_runs_the_guard_as_the_runner_user_and_passes_its_status(installed, host, guard_rc):
    write(host['rc'], guard_rc + '\n')
    calls(host)
    for runner in host['github']:
        env = dotenv(os.path.join(runner, '.env'))
        # The runner runs a .sh hook as `bash -e {path}` with the .env variables in its environment.
        proc = as_runner(host, ['bash', '-e', env[HOOK_KEY]], env={k: v for k, v in env.items() if k != 'LANG'})
        assert proc.returncode == int(guard_rc), proc.stderr
        lines = calls(host)
        uid = pwd.getpwnam(USER).pw_uid
        assert lines[0] == 'guard uid=%d args=--budget 15 --servers 127.0.31.1,127.0.31.2,127.0.31.3' % uid
        if runner == host['github'][1] and guard_rc == '0':
            assert lines[1:] == ['their-github-hook.sh uid=%d' % uid]
        else:
            assert lines[1:] == []


def test_gitlab_pre_build_script_runs_the_guard_first_then_theirs(installed, host):
    hook = os.path.join(host['hook_dir'], 'job-guard.sh')
    text = read(host['gitlab'])
    runners = {r['name']: r for r in tomlkit.parse(text).unwrap()['runners']}
    before = {r['name']: r for r in tomlkit.parse(host['files'][host['gitlab']][0]).unwrap()['runners']}
    line = hook + ' # cifleet.gotime job_guard'
    assert runners['linux-shell']['pre_build_script'] == line + '\n' + before['linux-shell']['pre_build_script']
    assert runners['quick-shell']['pre_build_script'] == line
    assert 'pre_build_script' not in runners['docker-linux']
    assert oct(os.stat(host['gitlab']).st_mode) == host['files'][host['gitlab']][1]
    for guard_rc, expected in (('0', 0), ('1', 1)):
        write(host['rc'], guard_rc + '\n')
        # The shell executor runs the script lines in the job's shell with errexit.
        proc = as_runner(host, ['bash', '-c', 'set -eo pipefail\n' + runners['linux-shell']['pre_build_script'] + '\n'],
                         env={'CI_JOB_NAME': 'build'})
        assert proc.returncode == expected, proc.stderr
        assert ('starting build' in proc.stdout) == (expected == 0)
        assert calls(host)[0].startswith('guard uid=%d ' % pwd.getpwnam(USER).pw_uid)


def test_buildkite_hook_runs_the_guard_then_their_hook(installed, host):
    hook = os.path.join(host['hooks'], 'pre-bootstrap')
    kept = os.path.join(host['hooks'], 'pre-bootstrap.cifleet-gotime-original')
    assert '# cifleet.gotime job_guard pre-bootstrap hook' in read(hook).splitlines()
    theirs = host['files'][hook]
    assert (read(kept), oct(os.stat(kept).st_mode), os.stat(kept).st_uid, os.stat(kept).st_ino) == theirs
    uid = pwd.getpwnam(USER).pw_uid
    for guard_rc in ('0', '1'):
        write(host['rc'], guard_rc + '\n')
        # The agent executes the hook (no shell of its own) as the agent's user.
        proc = as_runner(host, [hook], env={'BUILDKITE_ENV_FILE': '/dev/null'})
        assert proc.returncode == int(guard_rc), proc.stderr
        lines = calls(host)
        assert lines[0].startswith('guard uid=%d ' % uid)
        assert lines[1:] == (['their-pre-bootstrap uid=%d' % uid] if guard_rc == '0' else [])


def test_sudoers_rule_is_valid_and_allows_exactly_the_step_command(installed, host):
    path = '/etc/sudoers.d/' + SUDOERS_NAME
    info = os.stat(path)
    assert (info.st_uid, oct(info.st_mode & 0o7777)) == (0, '0o440')
    assert subprocess.run(['visudo', '-cf', path], capture_output=True, text=True, check=False).returncode == 0
    # And sudo's whole configuration with it (the rule defines no alias that could clash).
    assert subprocess.run(['visudo', '-c'], capture_output=True, text=True, check=False).returncode == 0
    listing = subprocess.run(['sudo', '-l', '-U', USER], capture_output=True, text=True, check=True).stdout
    allowed = listing.split('may run the following commands', 1)[1].splitlines()[1:]
    assert [line.strip() for line in allowed if line.strip()] == ['(root) NOPASSWD: %s ""' % host['step']]
    calls(host)
    assert as_runner(host, ['sudo', '-n', host['step']]).returncode == 0
    assert calls(host) == ['step uid=0 args=0']
    for argv in (['sudo', '-n', host['step'], '--servers', 'evil.example'], ['sudo', '-n', '/bin/true'],
                 ['sudo', '-n', '-u', 'root', '/bin/sh', '-c', 'id']):
        proc = as_runner(host, argv)
        assert proc.returncode != 0 and 'a password is required' in proc.stderr, (argv, proc.stderr)
    assert calls(host) == []


def test_skewed_guard_steps_through_sudo_as_root(installed, host):
    write(host['rc'], 'step\n')
    calls(host)
    env = dotenv(os.path.join(host['github'][0], '.env'))
    proc = as_runner(host, ['bash', '-e', env[HOOK_KEY]])
    assert proc.returncode == 0, proc.stderr
    assert calls(host)[1:] == ['step uid=0 args=0']


@pytest.mark.parametrize('policy, expected_rc, expected', [
    ('fail', 2, 'gotime-guard: refused: no agreed time'),
    ('warn', 0, 'gotime-guard: warning: the job runs on an unverified clock'),
])
def test_real_guard_decides_the_job(installed, host, policy, expected_rc, expected):
    """The collection's own gotime-guard (role clock_tool's gotime-clock) behind each hook, as the runner user.

    No NTP server answers on the configured loopback addresses, so the guard finds no agreed time:
    its policy decides, and each runner's hook passes the guard's status and line on.
    """
    clock = other_user.readable_copy(CLOCK_SCRIPT, host['top'])
    write(host['guard'], '#!/bin/sh\nexec %s guard --no-step --timeout 1 --on-no-source %s --status %s --textfile %s "$@"\n'
          % (clock, policy, os.path.join(host['log'], 'status.json'), os.path.join(host['log'], 'guard.prom')), 0o755)
    try:
        github = dotenv(os.path.join(host['github'][0], '.env'))
        gitlab = {r['name']: r for r in tomlkit.parse(read(host['gitlab'])).unwrap()['runners']}['quick-shell']
        for argv in (['bash', '-e', github[HOOK_KEY]], ['bash', '-c', 'set -eo pipefail\n' + gitlab['pre_build_script']],
                     [os.path.join(host['hooks'], 'pre-bootstrap')]):
            proc = as_runner(host, argv)
            assert proc.returncode == expected_rc, (argv, proc.stdout, proc.stderr)
            assert expected in proc.stdout, (argv, proc.stdout, proc.stderr)
            assert '127.0.31.1' in proc.stdout
    finally:
        write(host['guard'], STAND_IN_GUARD % {'rc': host['rc'], 'log': host['log'], 'step': host['step']}, 0o755)


def test_absent_restores_every_runner_file_byte_for_byte(installed, host):
    first, dummy = run_role(host, 'absent')
    again, dummy = run_role(host, 'absent')
    assert first['changed'] >= 4 and again['changed'] == 0
    after = snapshot(host)
    for path, (text, mode, uid, inode) in host['files'].items():
        assert after[path][:3] == (text, mode, uid), path
    # Their Buildkite hook is the very file it was (renamed back), not a copy.
    hook = os.path.join(host['hooks'], 'pre-bootstrap')
    assert after[hook][3] == host['files'][hook][3]
    assert sorted(os.listdir(host['hooks'])) == ['environment', 'pre-bootstrap']
    assert not os.path.exists('/etc/sudoers.d/' + SUDOERS_NAME)
    assert not os.path.exists(os.path.join(host['hook_dir'], 'job-guard.sh'))


def test_refuses_a_step_command_that_a_runner_user_could_swap(host):
    """A directory above the step command that the runner user owns: no sudoers rule, nothing changed."""
    own = os.path.join(host['top'], 'user-owned')
    write(os.path.join(own, 'gotime-step'), STAND_IN_STEP % {'log': host['log']}, 0o755)
    os.chown(own, pwd.getpwnam(USER).pw_uid, 0)
    before = snapshot(host)
    stats, (name, message, dummy) = run_role(
        host, 'present', fail=True, job_guard_step_command=os.path.join(own, 'gotime-step'))
    assert name.endswith('Require an executable guard and a root-owned step command that only root can change')
    assert 'directories above %s/gotime-step that others can change: %s' % (own, own) in message
    assert stats['changed'] == 0
    assert snapshot(host) == before
    assert not os.path.exists('/etc/sudoers.d/' + SUDOERS_NAME)
