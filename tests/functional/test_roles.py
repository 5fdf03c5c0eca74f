"""Roles timesync, launchd_sync, go_policy and job_guard: bad variables fail before any change; template headers.

Every bad-variable case is one inventory host (a local connection to this machine) of one
ansible-playbook run in check mode: each must fail at argument_specs validation or at the role's
early checks, with a message naming the variable, and no task may have reported a change (or, in
check mode, a predicted change) before. Owner and mode of every installed file, and the rendered
headers, are asserted by the molecule scenarios' verify steps (extensions/molecule/*/tests).
"""
import glob
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(ROOT, '.cache', 'collections')
ROLES = ('timesync', 'launchd_sync', 'go_policy', 'job_guard')
ARGSPEC_TASK = 'Validating arguments against arg spec'

# (case id, role, variables, text the failure message must contain)
CASES = [
    ('timesync-no-sources', 'timesync', {'timesync_servers': [], 'timesync_pools': []},
     'timesync_servers and timesync_pools are both empty'),
    ('timesync-server-with-space', 'timesync', {'timesync_servers': ['ntp one.example']}, 'timesync_servers'),
    ('timesync-pool-shell', 'timesync', {'timesync_pools': ['pool.ntp.org;reboot']}, 'timesync_pools'),
    ('timesync-iburst-not-bool', 'timesync', {'timesync_iburst': 'sometimes'}, 'timesync_iburst'),
    ('timesync-minsources-zero', 'timesync', {'timesync_minsources': 0}, 'timesync_minsources'),
    ('timesync-negative-makestep', 'timesync', {'timesync_makestep_threshold': -1}, 'timesync_makestep_threshold'),
    ('timesync-wait-unbounded', 'timesync', {'timesync_wait_timeout': 86400}, 'timesync_wait_timeout'),
    ('timesync-daemon-options-shell', 'timesync', {'timesync_chrony_daemon_options': ['-x; rm -rf /']},
     'timesync_chrony_daemon_options'),
    ('timesync-servers-not-list', 'timesync', {'timesync_servers': {'host': 'ntp.example'}}, 'timesync_servers'),
    ('launchd-interval-5', 'launchd_sync', {'launchd_sync_interval': 5}, 'launchd_sync_interval must be at least 60'),
    ('launchd-interval-not-int', 'launchd_sync', {'launchd_sync_interval': 'often'}, 'launchd_sync_interval'),
    ('launchd-negative-threshold', 'launchd_sync', {'launchd_sync_threshold': -0.5}, 'launchd_sync_threshold'),
    ('launchd-label-space', 'launchd_sync', {'launchd_sync_label': 'org.example clock'}, 'launchd_sync_label'),
    ('launchd-label-slash', 'launchd_sync', {'launchd_sync_label': 'org/example'}, 'launchd_sync_label'),
    ('launchd-no-servers', 'launchd_sync', {'launchd_sync_servers': []}, 'launchd_sync_servers is empty'),
    ('launchd-calendar-unknown-field', 'launchd_sync', {'launchd_sync_calendar_interval': [{'Second': 5}]},
     "launchd_sync_calendar_interval makes an invalid launchd job: StartCalendarInterval: unknown field 'Second'"),
    ('launchd-bootstrap-timeout-0', 'launchd_sync', {'launchd_sync_bootstrap_timeout': 0},
     'launchd_sync_bootstrap_timeout must be from 1 to 300 seconds, got 0'),
    ('launchd-state-choice', 'launchd_sync', {'launchd_sync_state': 'installed'}, 'launchd_sync_state'),
    ('launchd-relative-status', 'launchd_sync', {'launchd_sync_status_path': 'status.json'}, 'launchd_sync_status_path'),
    ('launchd-calendar-minute-75', 'launchd_sync', {'launchd_sync_calendar_interval': [{'Minute': 75}]},
     'launchd_sync_calendar_interval makes an invalid launchd job: StartCalendarInterval: Minute must be an integer from 0 to 59'),
    ('go-user-missing', 'go_policy', {'go_policy_users': ['no-such-user-gotime']},
     'go_policy_users: no such user'),
    ('go-user-option-like', 'go_policy', {'go_policy_users': ['-r']}, 'go_policy_users'),
    ('go-settings-lowercase-key', 'go_policy', {'go_policy_settings': {'goproxy': 'https://proxy.golang.org'}},
     'go_policy_settings'),
    ('go-settings-bool-value', 'go_policy', {'go_policy_settings': {'GO111MODULE': True}},
     'go_policy_settings values must be strings'),
    ('go-settings-and-unset', 'go_policy', {'go_policy_settings': {'GOSUMDB': 'sum.golang.org'},
                                            'go_policy_unset': ['GOSUMDB']}, 'go_policy_unset both name GOSUMDB'),
    ('go-modcache-not-bool', 'go_policy', {'go_policy_modcache_clean': 'perhaps'}, 'go_policy_modcache_clean'),
    ('guard-state-choice', 'job_guard', {'job_guard_state': 'installed'}, 'job_guard_state'),
    ('guard-budget-zero', 'job_guard', {'job_guard_budget': 0}, 'job_guard_budget must be more than 0'),
    ('guard-budget-not-int', 'job_guard', {'job_guard_budget': 'long'}, 'job_guard_budget'),
    ('guard-sudoers-name-dot', 'job_guard', {'job_guard_sudoers_name': 'gotime.step'}, 'job_guard_sudoers_name'),
    ('guard-github-runner-no-path', 'job_guard', {'job_guard_github_runners': [{'user': 'ci'}]},
     'missing required arguments: path found in job_guard_github_runners'),
    ('guard-gitlab-user-missing', 'job_guard',
     {'job_guard_gitlab_configs': [{'path': '/etc/gitlab-runner/config.toml', 'user': 'no-such-user-gotime'}]},
     'no such user no-such-user-gotime'),
    ('guard-relative-hook-dir', 'job_guard', {'job_guard_hook_dir': 'libexec/gotime'}, 'job_guard_hook_dir'),
    ('guard-step-command-space', 'job_guard', {'job_guard_step_command': '/usr/local/bin/step now'},
     'job_guard_step_command'),
    ('guard-on-no-source', 'job_guard', {'job_guard_on_no_source': 'ignore'}, 'job_guard_on_no_source must be fail, warn'),
    ('guard-server-shell', 'job_guard', {'job_guard_servers': ['ntp1.example;reboot']}, 'job_guard_servers'),
    ('guard-user-option-like', 'job_guard', {'job_guard_gitlab_user': '-r'}, 'job_guard_gitlab_user'),
]


@pytest.fixture(scope='module')
def bad_variable_run(tmp_path_factory):
    """One check-mode ansible-playbook run over all cases: {case id: [task results of that host]}."""
    tmp = tmp_path_factory.mktemp('roles')
    hosts = {}
    for case, role, variables, unused_expected in CASES:
        hosts[case] = dict(variables, case_role='cifleet.gotime.' + role, ansible_connection='local',
                           ansible_python_interpreter=sys.executable)
    (tmp / 'inventory.json').write_text(json.dumps({'all': {'hosts': hosts}}))
    # One play: a play in which every host failed would end the run before the next one.
    plays = [{'name': 'bad role variables', 'hosts': 'all', 'gather_facts': False,
              'tasks': [{'name': 'Run the role', 'ansible.builtin.include_role': {'name': '{{ case_role }}'}}]}]
    (tmp / 'playbook.yml').write_text(json.dumps(plays))
    (tmp / 'ansible.cfg').write_text('[defaults]\nforks = 30\nretry_files_enabled = false\n')
    env = dict(os.environ, ANSIBLE_CONFIG=str(tmp / 'ansible.cfg'), ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
               ANSIBLE_HOME=str(tmp / 'home'), ANSIBLE_LOCAL_TEMP=str(tmp / 'local'),
               ANSIBLE_STDOUT_CALLBACK='ansible.builtin.json', ANSIBLE_CALLBACK_RESULT_FORMAT='json')
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '--check',
                           '-i', str(tmp / 'inventory.json'), str(tmp / 'playbook.yml')],
                          capture_output=True, text=True, env=env, timeout=600, check=False)
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        raise AssertionError('no JSON from ansible-playbook: rc=%s\n%s\n%s' % (proc.returncode, proc.stdout, proc.stderr))
    per_host = {}
    for play in report['plays']:
        for task in play['tasks']:
            for host, result in task['hosts'].items():
                per_host.setdefault(host, []).append((task['task']['name'], result))
    return per_host, report['stats']


@pytest.mark.parametrize('case, role, variables, expected', CASES, ids=[case[0] for case in CASES])
def test_bad_variable_fails_before_any_change(bad_variable_run, case, role, variables, expected):
    per_host, stats = bad_variable_run
    assert stats[case]['failures'] == 1
    results = per_host[case]
    failed = [(name, result) for name, result in results if result.get('failed')]
    assert failed
    for name, unused_result in failed:
        task = name.split(' : ', 1)[-1]
        assert name == 'cifleet.gotime.%s : %s' % (role, task)
        assert task.startswith((ARGSPEC_TASK, 'Require', 'Build and check')), name
    name, result = failed[-1]
    messages = [result['msg']] + [item.get('msg', '') for item in result.get('results', []) if item.get('failed')]
    assert [message for message in messages if expected in message], messages
    before = results[:results.index(failed[0])]
    assert not [task for task, outcome in before if outcome.get('changed')]


def test_at_least_twelve_bad_variable_cases():
    assert len(CASES) >= 12
    assert {case[1] for case in CASES} == set(ROLES)


def test_every_role_has_argument_specs_readme_and_default_vars():
    for role in ROLES:
        path = os.path.join(ROOT, 'roles', role)
        assert os.path.isfile(os.path.join(path, 'meta', 'argument_specs.yml')), role
        assert os.path.isfile(os.path.join(path, 'README.md')), role
        assert os.path.isfile(os.path.join(path, 'defaults', 'main.yml')), role


def test_platform_vars_end_in_a_default():
    for role in ('timesync', 'launchd_sync', 'job_guard'):
        assert os.path.isfile(os.path.join(ROOT, 'roles', role, 'vars', 'default.yml')), role
        with open(os.path.join(ROOT, 'roles', role, 'tasks', 'main.yml')) as handle:
            assert '- default.yml' in handle.read(), role


def test_every_template_starts_with_the_ansible_managed_header():
    templates = sorted(glob.glob(os.path.join(ROOT, 'roles', '*', 'templates', '*.j2')))
    assert len(templates) >= 3
    for template in templates:
        with open(template) as handle:
            lines = handle.read().splitlines()
        if lines[0].startswith('#!'):
            lines = lines[1:]
        assert lines[0] == '{{ ansible_managed | comment }}', template
