# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cifleet.gotime.go_env end to end: real ansible-playbook runs against localhost with Debian's real Go.

What one run does with each input (validation, refusals, downgrades, masking, the go calls and their order,
check mode's prediction, modcache guards) is recorded data: tests/fixtures/go_env/run_cases.yaml, replayed by
tests/unit/plugins/module_utils/test_go_env_run.py. This file keeps what only a real run shows: ansible-doc,
the four steps and -vvv output through ansible-playbook, become_user, a real module cache, concurrent runs on
one env file, the env file replaced in one rename, the issue-16 convergence, and the words each installed Go says.

HOME (and so the go env file) of every run is a temp dir; a `go` wrapper script logs each call of the
binary (tag, subcommand, flag; never values) and execs the real go, so tests count invocations.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile

import pytest

from ansible_collections.cifleet.gotime.plugins.module_utils import _go_env_checks
from ansible_collections.cifleet.gotime.plugins.module_utils import _go_env_keys
from ansible_collections.cifleet.gotime.plugins.module_utils import _go_env_plan
from test_go_env_property import installed_gos

from lab import other_user

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(ROOT, '.cache', 'collections')
BIN = os.path.dirname(sys.executable)
REAL_GO = '/usr/bin/go'
TARGET_PYTHON = '/usr/bin/python3'  # the module's interpreter; readable by the test user too
SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
MODULE = 'cifleet.gotime.go_env'

WRAPPER = '''#!/bin/sh
printf '%%s %%s %%s\\n' "${GO_CALL_TAG:-none}" "$1" "$2" >> %(log)s
printf '%%s\\n' "$*" >> %(log)s.argv
if [ "$1 $2" = "env -w" ] && [ -n "$GO_WRITE_BARRIER" ]; then
  # hold concurrent writers until all arrived or 1.5 s after the first did, then release them together
  date +%%s%%N >> "$GO_WRITE_BARRIER"; first=$(head -n 1 "$GO_WRITE_BARRIER")
  while [ "$(wc -l < "$GO_WRITE_BARRIER")" -lt "$GO_WRITERS" ] && [ $(($(date +%%s%%N) - first)) -lt 1500000000 ]; do
    sleep 0.05
  done
fi
exec %(go)s "$@"
'''
# Go 1.12 (simulated): `go env -json` without GOVERSION or GOENV, and its `go version` line.
OLD_GO = '''#!/bin/sh
case "$1" in
version) echo "go version go1.12.17 linux/amd64" ;;
env) printf '{\\n\\t"GOARCH": "amd64",\\n\\t"GOFLAGS": "",\\n\\t"GOPATH": "%(home)s/go",\\n\\t"GOPROXY": "",\\n\\t"GOROOT": "/usr/local/go"\\n}\\n' ;;
*) echo "go $1: unknown command" >&2; exit 2 ;;
esac
'''


class Lab(object):
    """One temp HOME, a logging go wrapper, and ansible-playbook runs whose registered results come back as JSON."""

    def __init__(self, path):
        self.dir = str(path)
        self.home = os.path.join(self.dir, 'home')
        self.env_file = os.path.join(self.home, '.config', 'go', 'env')
        self.calls = os.path.join(self.dir, 'go-calls.log')
        self.go = os.path.join(self.dir, 'go')
        os.makedirs(self.home)
        self.write_script(self.go, WRAPPER % {'log': self.calls, 'go': REAL_GO})
        self.runs = 0

    @staticmethod
    def write_script(path, text):
        with open(path, 'w') as f:
            f.write(text)
        os.chmod(path, 0o755)

    def write_env(self, text):
        os.makedirs(os.path.dirname(self.env_file), exist_ok=True)
        with open(self.env_file, 'w') as f:
            f.write(text)

    def env_snapshot(self, path=None):
        """(bytes, mtime_ns) of the env file, or None."""
        path = path or self.env_file
        if not os.path.exists(path):
            return None
        with open(path, 'rb') as f:
            return f.read(), os.stat(path).st_mtime_ns

    def calls_tagged(self, tag):
        if not os.path.exists(self.calls):
            return []
        with open(self.calls) as f:
            return [line.split()[1:] for line in f if line.split()[0] == tag]

    def ansible_env(self, extra=None):
        env = {
            'PATH': SYSTEM_PATH,
            'HOME': self.home,
            'LANG': 'C.UTF-8',
            'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS,
            'ANSIBLE_HOME': os.path.join(self.dir, 'ansible'),
            'ANSIBLE_LOCAL_TEMP': os.path.join(self.dir, 'ansible', 'tmp'),
            'ANSIBLE_PIPELINING': 'true',
            'ANSIBLE_NOCOLOR': 'true',
            'ANSIBLE_RETRY_FILES_ENABLED': 'false',
        }
        env.update(extra or {})
        return env

    def play(self, tasks, hosts=None, verbosity=0, diff=False, extra_env=None):
        """Run the tasks on localhost (or several local hosts); return ({host: {register: result}}, output)."""
        self.runs += 1
        run_dir = os.path.join(self.dir, 'run%d' % self.runs)
        os.makedirs(run_dir)
        hosts = hosts or {'localhost': {}}
        registered = []
        for i, task in enumerate(tasks):
            task.setdefault('name', 'task %d' % i)
            task.setdefault('register', 'r%d' % i)
            registered.append(task['register'])
        dump = {
            'name': 'Dump registered results',
            'ansible.builtin.copy': {
                'content': '{{ {%s} | to_json }}' % ', '.join("'%s': %s" % (r, r) for r in registered),
                'dest': os.path.join(run_dir, '{{ inventory_hostname }}.json'),
                'mode': '0600',
            },
            'check_mode': False,
            'diff': False,
        }
        inventory = {'all': {'hosts': dict(
            (name, dict({'ansible_connection': 'local', 'ansible_python_interpreter': TARGET_PYTHON}, **hostvars))
            for name, hostvars in hosts.items())}}
        playbook = [{'name': 'go_env functional test', 'hosts': 'all', 'gather_facts': False, 'tasks': tasks + [dump]}]
        for name, data in (('inventory.yml', inventory), ('playbook.yml', playbook)):
            with open(os.path.join(run_dir, name), 'w') as f:
                json.dump(data, f, indent=1)  # JSON is YAML
        argv = [os.path.join(BIN, 'ansible-playbook'), '-i', 'inventory.yml', 'playbook.yml', '--forks', '8']
        argv += ['-' + 'v' * verbosity] if verbosity else []
        argv += ['--diff'] if diff else []
        proc = subprocess.run(argv, cwd=run_dir, env=self.ansible_env(extra_env), capture_output=True, text=True,
                              timeout=300, check=False)
        output = proc.stdout + proc.stderr
        results = {}
        for name in hosts:
            path = os.path.join(run_dir, name + '.json')
            assert os.path.exists(path), 'ansible-playbook rc %d, no results:\n%s' % (proc.returncode, output[-6000:])
            with open(path) as f:
                results[name] = json.load(f)
        return (results['localhost'] if list(hosts) == ['localhost'] else results), output


def go_env(name, check=False, tag=None, env=None, ignore_errors=False, register=None, **args):
    task = {'name': name, MODULE: args}
    if check:
        task['check_mode'] = True
    environment = dict(env or {})
    if tag:
        environment['GO_CALL_TAG'] = tag
    if environment:
        task['environment'] = environment
    if ignore_errors:
        task['ignore_errors'] = True
    if register:
        task['register'] = register
    return task


def stat_task(path, register):
    return {'name': 'stat ' + register, 'ansible.builtin.stat': {'path': path, 'checksum_algorithm': 'sha256'},
            'register': register}


def same_file(a, b):
    keys = ('exists', 'checksum', 'mtime', 'inode')
    return [a['stat'].get(k) for k in keys] == [b['stat'].get(k) for k in keys]


# The four steps of one call, (step, check mode): registered and tagged <name>_<step>.
FOUR_STEPS = (('check', True), ('apply', False), ('again', False), ('check2', True))


def four_steps(name, env_file, stats, **args):
    """go_env with args in check mode, applied, applied again, in check mode again: registers <name>_check,
    <name>_apply, <name>_again, <name>_check2 (each tagged so), each followed by a stat of env_file as the
    next of stats."""
    tasks = []
    for (step, check), stat_name in zip(FOUR_STEPS, stats):
        register = '%s_%s' % (name, step)
        tasks += [go_env('%s: %s' % (name, step), check=check, tag=register, register=register, **args),
                  stat_task(env_file, stat_name)]
    return tasks


def assert_untouched(r, lab, register, before, after):
    """The call registered (and tagged) register changed nothing, left the env file alone (stats before and after)
    and called go once: go env -json."""
    assert r[register]['changed'] is False, r[register]
    assert same_file(r[before], r[after])
    assert lab.calls_tagged(register) == [['env', '-json']]


def assert_four_steps(r, lab, name, stats):
    """four_steps(name, ..., stats[1:]) with stats[0] taken before: check mode predicts a change and leaves the
    file alone, apply changes and rewrites it, then both again are untouched."""
    before, checked, applied, again, checked2 = stats
    assert r[name + '_check']['changed'] is True, r[name + '_check']
    assert same_file(r[before], r[checked])
    assert r[name + '_apply']['changed'] is True, r[name + '_apply']
    assert r[applied]['stat']['checksum'] != r[checked]['stat']['checksum']
    assert_untouched(r, lab, name + '_again', applied, again)
    assert_untouched(r, lab, name + '_check2', again, checked2)


@pytest.fixture
def lab(tmp_path):
    return Lab(tmp_path)


# ------------------------------------------------------------------ a real module cache

def build_file_proxy(directory):
    """A GOPROXY directory serving example.com/m v1.0.0 (list, info, mod, zip in Go's layout); return its URL."""
    vdir = os.path.join(directory, 'example.com', 'm', '@v')
    os.makedirs(vdir)
    gomod = 'module example.com/m\n\ngo 1.19\n'
    files = {'list': 'v1.0.0\n', 'v1.0.0.info': '{"Version":"v1.0.0","Time":"2024-01-01T00:00:00Z"}\n', 'v1.0.0.mod': gomod}
    for name, text in files.items():
        with open(os.path.join(vdir, name), 'w') as f:
            f.write(text)
    with zipfile.ZipFile(os.path.join(vdir, 'v1.0.0.zip'), 'w') as z:
        z.writestr('example.com/m@v1.0.0/go.mod', gomod)
        z.writestr('example.com/m@v1.0.0/m.go', 'package m\n\nconst V = 1\n')
    return 'file://' + directory


def fill_modcache(proxy_url, modcache, workdir):
    """go mod download into modcache; the checksum database is off only in this process's environment."""
    env = {'PATH': SYSTEM_PATH, 'HOME': workdir, 'GOENV': 'off', 'GOPROXY': proxy_url, 'GOSUMDB': 'off',
           'GOFLAGS': '-mod=mod', 'GOMODCACHE': modcache, 'GOCACHE': os.path.join(workdir, 'gocache')}
    subprocess.run([REAL_GO, 'mod', 'download', 'example.com/m@v1.0.0'], cwd=workdir, env=env, check=True,
                   capture_output=True, timeout=120)
    zip_path = os.path.join(modcache, 'cache', 'download', 'example.com', 'm', '@v', 'v1.0.0.zip')
    assert os.path.exists(zip_path)
    return zip_path


def count_files(path):
    return sum(len(dirs) + len(files) for _root, dirs, files in os.walk(path))


# ------------------------------------------------------------------ a real non-root user

@pytest.fixture(scope='module')
def ci_user():
    """A real non-root user with a home under a world-traversable temp dir; removed afterwards."""
    base = other_user.shared_dir('gotime-user-')
    name = 'gtenv' + secrets.token_hex(3)
    home = os.path.join(base, name)
    subprocess.run(['useradd', '--create-home', '--home-dir', home, '--shell', '/bin/sh', '--user-group', name],
                   check=True, capture_output=True)
    try:
        entry = pwd.getpwnam(name)
        yield {'name': name, 'uid': entry.pw_uid, 'gid': entry.pw_gid, 'home': home, 'base': base}
    finally:
        subprocess.run(['userdel', '--remove', name], capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)


def become(task, user):
    task.update({'become': True, 'become_user': user['name'], 'become_method': 'su'})
    return task


# ------------------------------------------------------------------ tests

def test_ansible_doc_renders():
    env = {'PATH': SYSTEM_PATH, 'HOME': tempfile.gettempdir(), 'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS,
           'ANSIBLE_NOCOLOR': 'true', 'ANSIBLE_HOME': tempfile.mkdtemp(prefix='gotime-doc-')}
    try:
        proc = subprocess.run([os.path.join(BIN, 'ansible-doc'), MODULE], env=env, capture_output=True, text=True, timeout=120,
                              check=False)
    finally:
        shutil.rmtree(env['ANSIBLE_HOME'], ignore_errors=True)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for text in ('OPTIONS', 'settings', 'unset', 'modcache', 'allow_insecure', 'ATTRIBUTES', 'check_mode', 'diff_mode',
                 'support: full', 'EXAMPLES', 'cifleet.gotime.go_env:', 'RETURN VALUES', 'insecure', 'overridden'):
        assert text in out, text
    assert 'ERROR' not in proc.stderr and 'WARNING' not in proc.stderr, proc.stderr


def test_four_steps_for_settings_and_unset(lab):
    lab.write_env('CGO_ENABLED=0\nGOAMD64=v2\nGOFLAGS=-mod=mod\nGOINSECURE=legacy.corp.example\n'
                  'GOSUMDB=sum.golang.google.cn\n')
    settings = {'GOPROXY': 'https://goproxy.corp.example|https://proxy.golang.org,direct',
                'GOPRIVATE': '*.corp.example', 'GOFLAGS': '-mod=readonly'}
    unset = ['GOSUMDB', 'GOINSECURE']
    f = lab.env_file
    tasks = ([stat_task(f, 's0')] + four_steps('set', f, ['s1', 's2', 's3', 's4'], go=lab.go, settings=settings)
             + four_steps('unset', f, ['s5', 's6', 's7', 's8'], go=lab.go, unset=unset)
             + [go_env("a value equal to Go's default", tag='default', register='default', go=lab.go,
                       settings={'GOSUMDB': 'sum.golang.org'}),
                stat_task(f, 's9')])
    r, out = lab.play(tasks, diff=True)

    assert_four_steps(r, lab, 'set', ['s0', 's1', 's2', 's3', 's4'])
    # settings: check mode predicts
    assert r['set_check']['changed_keys'] == ['GOFLAGS', 'GOPRIVATE', 'GOPROXY'], out
    assert r['set_check']['env']['GOPROXY'] == settings['GOPROXY']
    assert r['set_check']['env']['GONOSUMDB'] == '*.corp.example'  # Go's own derivation, from the simulation
    assert r['set_check']['env']['GOENV'] == f
    assert '+GOPRIVATE=*.corp.example' in out
    # apply
    assert r['set_apply']['changed_keys'] == ['GOFLAGS', 'GOPRIVATE', 'GOPROXY']
    assert r['set_apply']['env']['GOFLAGS'] == '-mod=readonly'
    assert r['set_apply']['env_file'] == f
    assert r['set_again']['changed_keys'] == []

    # unset
    assert_four_steps(r, lab, 'unset', ['s4', 's5', 's6', 's7', 's8'])
    assert r['unset_check']['changed_keys'] == ['GOINSECURE', 'GOSUMDB']
    assert r['unset_check']['env']['GOSUMDB'] == 'sum.golang.org'  # Go's default, predicted
    assert r['unset_apply']['env']['GOSUMDB'] == 'sum.golang.org'
    assert r['unset_apply']['env']['GOINSECURE'] == ''

    # a wanted value equal to Go's default is not written
    assert_untouched(r, lab, 'default', 's8', 's9')

    # foreign keys survived every step
    with open(f) as fh:
        lines = fh.read().splitlines()
    assert sorted(lines) == sorted(['CGO_ENABLED=0', 'GOAMD64=v2', 'GOFLAGS=-mod=readonly', 'GOPRIVATE=*.corp.example',
                                    'GOPROXY=' + settings['GOPROXY']])


def test_credentials_never_in_verbose_output(lab):
    first, second, third, fourth = ('Fst-' + secrets.token_hex(8), 'Snd-' + secrets.token_hex(8),
                                    'Thd-' + secrets.token_hex(8), 'Fth-' + secrets.token_hex(8))
    proxy = 'https://ci:%s@goproxy.corp.example,https://proxy.golang.org,direct'
    tasks = [
        go_env('set, check mode', check=True, register='set_check', go=lab.go, settings={'GOPROXY': proxy % first}),
        go_env('set', register='set', go=lab.go, settings={'GOPROXY': proxy % first}),
        go_env('change', register='change', go=lab.go,
               settings={'GOPROXY': proxy % second, 'GOSUMDB': 'sum.golang.org https://ci:%s@sum.corp.example' % fourth}),
        go_env('change, check mode', check=True, register='change_check', go=lab.go, settings={'GOPROXY': proxy % third}),
        go_env('read only', check=True, register='read', go=lab.go),
        go_env('validation failure', ignore_errors=True, register='invalid', go=lab.go,
               settings={'GOPROXY': 'https://ci:%s@goproxy.corp.example,,direct' % third}),
        go_env('downgrade refused', ignore_errors=True, register='refused', go=lab.go,
               settings={'GOPROXY': 'https://ci:%s@goproxy.corp.example' % third, 'GOSUMDB': 'off'}),
    ]
    r, out = lab.play(tasks, verbosity=3, diff=True)
    with open(lab.env_file) as fh:
        written = fh.read()
    assert second in written and fourth in written  # the real values were written
    assert r['set_check']['changed'] and r['set']['changed'] and r['change']['changed'] and r['change_check']['changed']
    assert r['invalid']['failed'] and r['refused']['failed']
    assert '***@goproxy.corp.example' in out and '***@sum.corp.example' in out
    assert '<localhost> EXEC' in out  # really -vvv
    with open(lab.calls + '.argv') as fh:
        argv = fh.read()
    assert 'env -w GOPROXY=https://gotime-credential-' in argv  # go got placeholders
    for secret in (first, second, third, fourth):
        assert secret not in out, secret
        assert secret not in json.dumps(r), secret
        assert secret not in argv, secret
    assert 'gotime-credential-' not in written


def test_become_user_writes_that_users_env_file(lab, ci_user):
    lab.write_env('GOPRIVATE=root.corp.example\n')
    root_before = lab.env_snapshot()
    user_file = os.path.join(ci_user['home'], '.config', 'go', 'env')
    tasks = [become(go_env('as the CI user', register='user', settings={'GOPRIVATE': 'ci.corp.example'}), ci_user),
             become(go_env('as the CI user again', register='again', settings={'GOPRIVATE': 'ci.corp.example'}), ci_user)]
    r, out = lab.play(tasks)
    assert r['user']['changed'] is True, out
    assert r['user']['env_file'] == user_file
    assert r['again']['changed'] is False
    with open(user_file) as fh:
        assert fh.read() == 'GOPRIVATE=ci.corp.example\n'
    assert os.stat(user_file).st_uid == ci_user['uid']
    assert lab.env_snapshot() == root_before


def test_modcache_absent_on_a_real_cache(lab):
    proxy = build_file_proxy(os.path.join(lab.dir, 'proxy'))
    modcache = os.path.join(lab.home, 'go', 'pkg', 'mod')
    zip_path = fill_modcache(proxy, modcache, lab.dir)
    files_before = count_files(modcache)
    tasks = [
        go_env('check: would clean', check=True, register='check1', go=lab.go, modcache='absent'),
        stat_task(zip_path, 'zip_after_check'),
        go_env('clean', register='clean', tag='clean', go=lab.go, modcache='absent'),
        stat_task(modcache, 'cache_after_clean'),
        go_env('clean again', register='again', tag='again', go=lab.go, modcache='absent'),
        go_env('check again', check=True, register='check2', tag='check2', go=lab.go, modcache='absent'),
    ]
    r, out = lab.play(tasks)
    assert r['check1']['changed'] is True, out
    assert r['check1']['modcache'] == {'path': modcache, 'existed': True, 'removed': True}
    assert r['zip_after_check']['stat']['exists'] is True
    assert r['clean']['changed'] is True
    assert r['clean']['modcache'] == {'path': modcache, 'existed': True, 'removed': True}
    assert lab.calls_tagged('clean') == [['env', '-json'], ['clean', '-modcache']]
    assert r['cache_after_clean']['stat']['exists'] is False
    assert r['again']['changed'] is False
    assert r['again']['modcache'] == {'path': modcache, 'existed': False, 'removed': False}
    assert lab.calls_tagged('again') == [['env', '-json']]
    assert r['check2']['changed'] is False
    assert files_before > 10


def test_modcache_owned_by_root_fails_clearly_as_non_root(lab, ci_user):
    parent = os.path.join(ci_user['base'], 'user-owned')
    os.makedirs(parent)
    os.chown(parent, ci_user['uid'], ci_user['gid'])
    modcache = os.path.join(parent, 'modcache')
    proxy = build_file_proxy(os.path.join(lab.dir, 'proxy'))
    fill_modcache(proxy, modcache, lab.dir)  # as root
    files_before = count_files(modcache)
    tasks = [become(go_env('clean a root-owned cache', ignore_errors=True, register='clean',
                           env={'GOMODCACHE': modcache}, modcache='absent'), ci_user),
             become(go_env('check mode', check=True, register='check', env={'GOMODCACHE': modcache},
                           modcache='absent'), ci_user)]
    r, out = lab.play(tasks)
    msg = r['clean'].get('msg', '')
    assert r['clean'].get('failed') is True, r['clean']
    assert 'owned by root (uid 0)' in msg and ci_user['name'] in msg and 'nothing was removed' in msg, msg
    assert count_files(modcache) == files_before
    assert r['check']['changed'] is True and r['check']['modcache']['removed'] is True


def test_too_old_go(lab):
    """Go 1.12 (a stand-in script: no real Go before 1.13 is packaged here) reads but cannot write."""
    old_go = os.path.join(lab.dir, 'go1.12')
    lab.write_script(old_go, OLD_GO % {'home': lab.home})
    settings = {'GOPROXY': 'https://proxy.golang.org,direct'}
    tasks = [
        go_env('too old to write', ignore_errors=True, register='old', go=old_go, settings=settings),
        go_env('too old, check mode', check=True, ignore_errors=True, register='old_check', go=old_go, settings=settings),
        go_env('too old, read only', check=True, register='old_read', go=old_go),
    ]
    r, out = lab.play(tasks)
    for name in ('old', 'old_check'):
        assert r[name]['failed'], r[name]
        assert 'go_missing' not in r[name], r[name]
        assert 'go1.12.17, too old' in r[name]['msg'] and 'Go 1.13 or later' in r[name]['msg'], r[name]['msg']
    assert r['old_read']['changed'] is False and r['old_read']['go_version'] == 'go1.12.17'
    assert r['old_read']['env_file'] is None


def test_eight_concurrent_runs_on_one_user(lab):
    lab.write_env('GOAMD64=v1\n')
    keys = [('GOPRIVATE', 'a.corp.example'), ('GONOPROXY', 'b.corp.example'), ('GOFLAGS', '-mod=mod'),
            ('GOBIN', '/opt/gobin'), ('CGO_ENABLED', '0'), ('GO111MODULE', 'on'),
            ('GOPROXY', 'https://goproxy.corp.example,direct'), ('GONOSUMDB', 'c.corp.example')]
    hosts = dict(('h%d' % i, {'go_key': k, 'go_value': v}) for i, (k, v) in enumerate(keys))
    barrier = {'GO_WRITE_BARRIER': os.path.join(lab.dir, 'barrier'), 'GO_WRITERS': str(len(keys))}
    task = go_env('one key per host', ignore_errors=True, register='run', go=lab.go, env=barrier,
                  settings='{{ {go_key: go_value} }}')
    r, out = lab.play([task], hosts=hosts)
    failures = [res['run'].get('msg') for res in r.values() if res['run'].get('failed')]
    assert all('lock' in msg for msg in failures), failures
    with open(lab.env_file) as fh:
        lines = fh.read().splitlines()
    assert all(line.count('=') >= 1 and line.split('=', 1)[0].isupper() for line in lines), lines
    values = dict(line.split('=', 1) for line in lines)
    assert values.pop('GOAMD64') == 'v1'
    written = dict((hosts[h]['go_key'], hosts[h]['go_value']) for h, res in r.items() if not res['run'].get('failed'))
    assert values == written, (values, failures)
    assert len(written) == 8 or failures
    assert stat.S_IMODE(os.stat(lab.env_file).st_mode) & 0o600 == 0o600


# go env -w cut short after truncating the file it edits (a crash, a full disk, a kill mid-write).
CUT_SHORT_GO = '''#!/bin/sh
if [ "$1 $2" = "env -w" ]; then : > "${GOENV:-$HOME/.config/go/env}"; echo "go: killed while writing" >&2; exit 1; fi
exec %(go)s "$@"
'''


def test_env_file_is_replaced_in_one_rename(lab):
    # Someone's dotfiles: the env file links into them, mode 0640, with a line go_env does not manage.
    dotfiles = os.path.join(lab.home, 'dotfiles')
    os.makedirs(dotfiles)
    real = os.path.join(dotfiles, 'go-env')
    with open(real, 'w') as f:
        f.write('GOAMD64=v3\nGOPROXY=https://old.corp.example\n')
    os.chmod(real, 0o640)
    os.makedirs(os.path.dirname(lab.env_file))
    os.symlink(real, lab.env_file)
    inode = os.stat(real).st_ino
    cut_short = os.path.join(lab.dir, 'go-cut-short')
    lab.write_script(cut_short, CUT_SHORT_GO % {'go': REAL_GO})

    r, out = lab.play([
        go_env('write cut short', ignore_errors=True, register='cut', go=cut_short,
               settings={'GOPROXY': 'https://goproxy.corp.example'}),
    ])
    assert r['cut']['failed'] and 'killed while writing' in r['cut']['msg'], r['cut']
    with open(real) as f:
        assert f.read() == 'GOAMD64=v3\nGOPROXY=https://old.corp.example\n'
    assert os.stat(real).st_ino == inode
    assert sorted(os.listdir(dotfiles)) == ['go-env'] and os.listdir(os.path.dirname(lab.env_file)) == ['env']

    r, out = lab.play([go_env('write', register='w', go=lab.go, settings={'GOPROXY': 'https://goproxy.corp.example'})])
    assert r['w']['changed'] is True
    assert os.path.islink(lab.env_file) and os.readlink(lab.env_file) == real
    with open(real) as f:
        assert f.read() == 'GOAMD64=v3\nGOPROXY=https://goproxy.corp.example\n'
    assert os.stat(real).st_ino != inode  # renamed into place, not rewritten
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o640
    assert sorted(os.listdir(dotfiles)) == ['go-env']


def test_issue_16_derived_default_converges_in_one_run(lab):
    """GONOPROXY defaults to GOPRIVATE: declared as the old GOPRIVATE while the same run changes GOPRIVATE."""
    first = {'GOPRIVATE': 'corp.example'}
    second = {'GOPRIVATE': 'new.example', 'GONOPROXY': 'corp.example'}
    f = lab.env_file
    r, out = lab.play([go_env('GOPRIVATE', register='first', go=lab.go, settings=first), stat_task(f, 's0')]
                      + four_steps('both', f, ['s1', 's2', 's3', 's4'], go=lab.go, settings=second), diff=True)
    assert r['first']['changed'] is True, out
    # check mode predicts what the real run does, and changes nothing; the second identical run and check mode
    # again: unchanged, the file untouched, one go call
    assert_four_steps(r, lab, 'both', ['s0', 's1', 's2', 's3', 's4'])
    assert r['both_check']['changed_keys'] == ['GONOPROXY', 'GOPRIVATE']
    assert r['both_check']['env']['GONOPROXY'] == 'corp.example' and r['both_check']['env']['GONOSUMDB'] == 'new.example'
    assert r['both_check']['diff'] == r['both_apply']['diff']
    assert '+GONOPROXY=corp.example' in out
    assert r['s1']['stat']['mtime'] < r['s2']['stat']['mtime']
    # one run reaches the declared state: go env GONOPROXY is corp.example
    assert r['both_apply']['changed_keys'] == ['GONOPROXY', 'GOPRIVATE']
    got = subprocess.run([REAL_GO, 'env', 'GONOPROXY', 'GOPRIVATE'], env={'HOME': lab.home, 'PATH': SYSTEM_PATH},
                         capture_output=True, text=True, check=True).stdout.split()
    assert got == ['corp.example', 'new.example']
    with open(f) as fh:
        assert sorted(fh.read().splitlines()) == ['GONOPROXY=corp.example', 'GOPRIVATE=new.example']


def module_dir(tmp_path):
    """A module with no dependencies, for go commands that need one."""
    d = tmp_path / 'mod'
    d.mkdir()
    (d / 'go.mod').write_text('module example.com/m\n\ngo 1.17\n')
    return str(d)


@pytest.mark.parametrize('go', installed_gos())
def test_reasons_quote_what_the_installed_go_does(go, tmp_path):
    """The Go words our messages quote are what this Go says: go env -w GODEBUG and GOTELEMETRY, go get with
    GOFLAGS=-insecure. (run_cases.yaml has the same from Debian's go1.23.5 and go1.24.4, recorded.)"""
    env = {'HOME': str(tmp_path), 'PATH': SYSTEM_PATH, 'GOENV': str(tmp_path / 'env'), 'GOPROXY': 'off',
           'GOFLAGS': '-mod=mod'}
    version = _go_env_keys.parse_version(subprocess.run([go, 'version'], capture_output=True, text=True, check=True).stdout)
    for key in sorted(_go_env_keys.OS_ONLY_KEYS):
        proc = subprocess.run([go, 'env', '-w', key + '=x'], env=env, cwd='/', capture_output=True, text=True, check=False)
        assert proc.returncode != 0 and not (tmp_path / 'env').exists()
        assert '"%s"' % proc.stderr.strip() in _go_env_checks.go_refusal(key, version), (proc.stderr, _go_env_checks.go_refusal(key, version))
    known = json.loads(subprocess.run([go, 'env', '-json'], env=env, cwd='/', capture_output=True, text=True, check=True).stdout)
    for key in sorted(_go_env_keys.TELEMETRY_KEYS):
        proc = subprocess.run([go, 'env', '-w', key + '=off'], env=env, cwd='/', capture_output=True, text=True, check=False)
        assert proc.returncode != 0 and not (tmp_path / 'env').exists()
        with pytest.raises(ValueError) as refused:
            _go_env_checks.check_key(key, set(known), version)
        if key in known:  # Go 1.23+: the message quotes it
            assert '"%s"' % proc.stderr.strip() in str(refused.value), (proc.stderr, str(refused.value))
        else:
            assert proc.stderr.strip() == 'go: unknown go command variable %s' % key, proc.stderr
            assert 'is unknown to the installed %s' % _go_env_keys.version_text(version) in str(refused.value)
    why = _go_env_plan.downgrades({'GOFLAGS': '-insecure'}, version)[0]['why']
    env['GOFLAGS'] = '-insecure'
    mod = module_dir(tmp_path)
    got = subprocess.run([go, 'get', 'example.com/x@v1.0.0'], env=env, cwd=mod, capture_output=True, text=True, check=False)
    listed = subprocess.run([go, 'list', '-m'], env=env, cwd=mod, capture_output=True, text=True, check=False)
    if version[:2] >= _go_env_keys.INSECURE_FLAG_REMOVED:
        assert got.returncode == 1 and got.stderr.strip() == _go_env_keys.INSECURE_FLAG_ERROR, got.stderr
        assert listed.returncode == 0, listed.stderr  # other commands ignore it, as the reason says
        assert _go_env_keys.INSECURE_FLAG_ERROR in why and 'other commands ignore it' in why
    else:
        assert 'plain HTTP' in why
