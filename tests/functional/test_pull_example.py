"""examples/pull, the ops repo template that agents apply with ansible-pull: its schedulers and its variables.

The real runs (ansible-pull of this template, the collection vendored, in a Debian 12 container) are molecule
scenario `pull`. Here: the launchd plist as plistlib reads it and launchd_plist's checks judge it, the systemd
units as `systemd-analyze verify` judges them, both schedulers running the same ansible-pull command, and the
fleet's variables as the roles' argument specs judge them, read where ansible-pull's inventory puts them.
"""
import json
import os
import plistlib
import shutil
import subprocess
import sys

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.cifleet.gotime.plugins.module_utils._fleet_record_spec import ARGUMENT_SPEC
from ansible_collections.cifleet.gotime.plugins.filter.launchd_plist import check_job

from support.ansible_env import ansible_env

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, 'examples', 'pull')
PLIST = os.path.join(EXAMPLE, 'launchd', 'org.cifleet.gotime.pull.plist')
SERVICE = os.path.join(EXAMPLE, 'systemd', 'cifleet-gotime-pull.service')
TIMER = os.path.join(EXAMPLE, 'systemd', 'cifleet-gotime-pull.timer')
GROUP_VARS = os.path.join(EXAMPLE, 'inventory', 'group_vars', 'all.yml')
SITE_ROLES = ('timesync', 'launchd_sync', 'go_policy')
BIN = os.path.dirname(sys.executable)


def load_plist():
    with open(PLIST, 'rb') as handle:
        return plistlib.load(handle)


def unit_settings(path):
    """{(section, key): [values]} of a systemd unit file (no line continuations in these units)."""
    settings, section = {}, None
    with open(path) as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith(('#', ';')):
                continue
            if line.startswith('['):
                section = line.strip('[]')
                continue
            key, value = line.split('=', 1)
            settings.setdefault((section, key), []).append(value)
    return settings


def exec_start():
    values = unit_settings(SERVICE)[('Service', 'ExecStart')]
    assert len(values) == 1
    return values[0].split()


def without_option(argv, option):
    index = argv.index(option)
    return argv[:index] + argv[index + 2:]


def option(argv, name):
    assert argv.count(name) == 1, name
    return argv[argv.index(name) + 1]


def test_plist_passes_the_launchd_checks_of_launchd_plist():
    job = load_plist()
    check_job(job)
    assert os.path.basename(PLIST) == job['Label'] + '.plist'


def test_plist_runs_at_load_and_on_calendar_firings_that_survive_sleep():
    job = load_plist()
    assert job['RunAtLoad'] is True
    assert job['StartCalendarInterval'] and 'StartInterval' not in job
    assert job['StandardOutPath'] == job['StandardErrorPath']
    assert job['StandardOutPath'].startswith('/var/log/')
    assert 'UserName' not in job  # a LaunchDaemon without UserName runs as root


def test_plist_argv_is_ansible_pull_of_local_yml_with_a_splay():
    argv = load_plist()['ProgramArguments']
    assert argv[0] == '/opt/ansible/bin/ansible-pull'
    assert argv[-1] == 'local.yml'
    assert option(argv, '--url').startswith('https://')
    assert option(argv, '--inventory') == 'inventory/hosts.yml'
    assert 0 < int(option(argv, '--sleep')) <= 600
    assert option(argv, '--directory').startswith('/var/db/')
    # A drift check must run even when the repo has not changed.
    assert '--only-if-changed' not in argv and '-o' not in argv


def test_launchd_and_systemd_run_the_same_pull_but_for_the_directory_and_splay():
    launchd = without_option(without_option(load_plist()['ProgramArguments'], '--sleep'), '--directory')
    assert without_option(exec_start(), '--directory') == launchd


def test_systemd_checkout_is_in_a_root_only_state_directory():
    settings = unit_settings(SERVICE)
    state_dir = '/var/lib/' + settings[('Service', 'StateDirectory')][0]
    assert settings[('Service', 'StateDirectoryMode')] == ['0700']
    assert os.path.dirname(option(exec_start(), '--directory')) == state_dir
    assert settings[('Service', 'Type')] == ['oneshot']
    assert ('Service', 'User') not in settings


def test_timer_fires_on_calendar_with_a_splay_and_catches_up_after_downtime():
    settings = unit_settings(TIMER)
    assert settings[('Timer', 'OnCalendar')]
    assert settings[('Timer', 'RandomizedDelaySec')]
    assert settings[('Timer', 'Persistent')] == ['true']
    assert settings[('Install', 'WantedBy')] == ['timers.target']


def test_systemd_analyze_verifies_the_units(tmp_path):
    """`systemd-analyze verify` in a scratch root that has the system's units and the ExecStart path."""
    analyze = shutil.which('systemd-analyze')
    if analyze is None:
        pytest.fail('systemd-analyze is missing: apt-get install systemd (tests/apt-packages.txt)')
    root = tmp_path / 'root'
    shutil.copytree('/usr/lib/systemd/system', str(root / 'usr' / 'lib' / 'systemd' / 'system'), symlinks=True)
    units = root / 'etc' / 'systemd' / 'system'
    units.mkdir(parents=True)
    for path in (SERVICE, TIMER):
        shutil.copy(path, str(units))
    # verify checks that ExecStart's program exists and is executable; /opt/ansible is the agent's venv.
    program = root / exec_start()[0].lstrip('/')
    program.parent.mkdir(parents=True)
    program.write_text('')
    program.chmod(0o755)
    proc = subprocess.run([analyze, 'verify', '--root', str(root), '--man=no',
                           '/etc/systemd/system/' + os.path.basename(SERVICE),
                           '/etc/systemd/system/' + os.path.basename(TIMER)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert (proc.returncode, proc.stdout + proc.stderr) == (0, '')


def test_systemd_analyze_understands_the_calendar():
    spec = unit_settings(TIMER)[('Timer', 'OnCalendar')][0]
    proc = subprocess.run(['systemd-analyze', 'calendar', '--iterations', '2', spec],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert 'Iter. #2:' in proc.stdout


def role_options(role):
    with open(os.path.join(ROOT, 'roles', role, 'meta', 'argument_specs.yml')) as handle:
        return yaml.safe_load(handle)['argument_specs']['main']['options']


def test_every_fleet_variable_is_a_role_option_of_the_right_type():
    with open(GROUP_VARS) as handle:
        fleet = yaml.safe_load(handle)
    known = set()
    for role in SITE_ROLES:
        options = role_options(role)
        known.update(options)
        given = {name: value for name, value in fleet.items() if name in options}
        result = ArgumentSpecValidator(options).validate(given)
        assert not result.error_messages, (role, result.error_messages)
    # The record playbook's settings: options of the cifleet.gotime.fleet_record action it passes them to.
    record = dict((name[len('gotime_record_'):], value) for name, value in fleet.items() if name.startswith('gotime_record_'))
    assert sorted(record) == ['cache_io_timeout', 'cache_plugin', 'cache_prefix', 'cache_timeout', 'spool']
    result = ArgumentSpecValidator(ARGUMENT_SPEC).validate(dict(record, record={}))
    assert not result.error_messages, result.error_messages
    known.update('gotime_record_' + name for name in record)
    assert sorted(set(fleet) - known) == []
    # The launchd_sync calendar also passes the plist checks the role applies.
    check_job({'Label': 'org.cifleet.gotime.clock-sync', 'ProgramArguments': ['/bin/true'],
               'StartCalendarInterval': fleet['launchd_sync_calendar_interval']})


def test_the_inventory_gives_localhost_the_fleets_variables(tmp_path):
    """ansible-pull --inventory inventory/hosts.yml: group_vars next to it reach localhost."""
    env = ansible_env(str(tmp_path))
    proc = subprocess.run([os.path.join(BIN, 'ansible-inventory'), '-i', 'inventory/hosts.yml', '--host', 'localhost'],
                          cwd=EXAMPLE, capture_output=True, text=True, env=env, timeout=120, check=True)
    host = json.loads(proc.stdout)
    with open(GROUP_VARS) as handle:
        fleet = yaml.safe_load(handle)
    assert {name: host.get(name) for name in fleet} == fleet
    assert host['ansible_connection'] == 'local'


def test_local_yml_runs_both_site_plays_and_the_record_play_on_localhost(tmp_path):
    env = ansible_env(str(tmp_path))
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', 'inventory/hosts.yml', '--list-hosts',
                           'local.yml'],
                          cwd=EXAMPLE, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    plays = [line.strip() for line in proc.stdout.splitlines() if line.strip().startswith('play #')]
    assert len(plays) == 3, proc.stdout
    assert proc.stdout.count('pattern: [\'localhost\']') == 3, proc.stdout
    assert proc.stdout.count('hosts (1):') == 3, proc.stdout
    assert "play #3 (localhost): Record this host in the fleet's fact cache" in proc.stdout
