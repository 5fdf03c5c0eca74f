# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property test of go_env against Debian's real Go: random sequences of runs converge in one run.

Each example is a sequence of go_env runs (settings and unset over managed keys, derived ones included) on an env
file that also holds lines go_env does not manage. Each run is the module's own main() in this process (real
AnsibleModule, real go), first in check mode with diff, then for real, then again. After each run:
- `go env KEY` is every declared value, and every unset key has no env file line;
- check mode's changed, changed_keys, env and diff equal the real run's;
- the second run reports unchanged and leaves the env file's bytes and mtime alone;
- the lines go_env does not manage are still there, unchanged;
- what earlier runs of the sequence declared, and no later run redeclared or unset, is still in effect.

`make test` runs PROPERTY_EXAMPLES (default 10) sequences; the benchmark machine runs more with
GO_ENV_PROPERTY_EXAMPLES=500 (`make property-long`). A failure prints Hypothesis' @reproduce_failure blob and
the seed (GO_ENV_PROPERTY_SEED=N reruns the same sequences).
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import io
import json
import os
import random
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, note, seed, settings, strategies as st

from ansible.module_utils import basic

from ansible_collections.cifleet.gotime.plugins.module_utils import _go_env_keys
from ansible_collections.cifleet.gotime.plugins.module_utils import _go_env_plan
from ansible_collections.cifleet.gotime.plugins.modules import go_env as go_env_module

REAL_GO = '/usr/bin/go'
# The host's PATH has no C compiler (go is called by its path): `go env -json` then skips probing gcc's flags for
# GOGCCFLAGS, 0.03 s instead of 0.4 s here. Go 1.19 keeps CGO_ENABLED's default either way (1.20+ would turn it off).
HOST_PATH = '/nonexistent'
PROPERTY_EXAMPLES = int(os.environ.get('GO_ENV_PROPERTY_EXAMPLES') or 10)
# A new seed each run (more sequences over time); a failure names it, GO_ENV_PROPERTY_SEED=N replays it.
PROPERTY_SEED = int(os.environ.get('GO_ENV_PROPERTY_SEED') or random.SystemRandom().randrange(2 ** 32))

# Lines no run manages: kept byte for byte (a foreign key, a comment, a line Go skips, a duplicate).
UNMANAGED = ['GOAMD64=v2', '# fleet note: keep', 'not a go line', 'GOVCS=private:all']

# Managed keys and the values a run may declare. Derived ones: GONOPROXY/GONOSUMDB follow GOPRIVATE,
# GOMODCACHE follows GOPATH (which follows $HOME), GOCACHE follows $HOME, CGO_ENABLED follows GOOS.
# Some values equal the defaults the sequence itself produces, which is where a plan that compares
# with the effective value goes wrong.
VALUES = {
    'GOPRIVATE': ['corp.example', 'new.example'],
    'GONOPROXY': ['corp.example', 'new.example'],
    'GONOSUMDB': ['corp.example', 'new.example'],
    'GOINSECURE': ['legacy.corp.example'],
    'GOPROXY': ['https://proxy.golang.org,direct', 'https://goproxy.corp.example|https://proxy.golang.org,direct'],
    'GOSUMDB': ['sum.golang.org', 'sum.golang.google.cn'],
    'GOFLAGS': ['-mod=mod', '-mod=readonly -trimpath'],
    'GO111MODULE': ['on', 'auto'],
    'GOPATH': ['{home}/go', '/srv/gopath', '/srv/gopath:/srv/other'],
    'GOMODCACHE': ['{home}/go/pkg/mod', '/srv/gopath/pkg/mod'],
    'GOCACHE': ['{home}/.cache/go-build', '/srv/gocache'],
    'GOOS': ['linux', 'windows'],
    'CGO_ENABLED': ['0', '1'],
}
# A key and the keys whose defaults follow it: a sequence draws its keys from one or two of these.
FAMILIES = [('GOPRIVATE', 'GONOPROXY', 'GONOSUMDB'), ('GOPATH', 'GOMODCACHE'), ('GOOS', 'CGO_ENABLED'),
            ('GOCACHE', 'GOINSECURE'), ('GOPROXY', 'GOSUMDB'), ('GOFLAGS', 'GO111MODULE')]
KEYS = sorted(VALUES)
# go env values that differ on every call (a temp directory of the go command's own).
VOLATILE = ('GOGCCFLAGS',)


@st.composite
def sequences(draw):
    """1 to 4 go_env runs over one or two FAMILIES, so that one run's value often meets another key's default."""
    families = draw(st.permutations(FAMILIES))[:draw(st.integers(1, 2))]
    pool = sorted(set(key for family in families for key in family))
    steps = []
    for _step in range(draw(st.integers(1, 4))):
        keys = draw(st.permutations(pool))[:draw(st.integers(1, len(pool)))]
        declared, unset = {}, []
        for key in keys:
            if draw(st.integers(0, 3)) == 0:
                unset.append(key)
            else:
                declared[key] = draw(st.sampled_from(VALUES[key]))
        steps.append((declared, unset))
    return steps


class Host(object):
    """One user's HOME with an env file seeded with unmanaged lines; go_env runs in this process."""

    def __init__(self, home):
        self.home = home
        self.env_file = os.path.join(home, '.config', 'go', 'env')
        os.makedirs(os.path.dirname(self.env_file))
        with open(self.env_file, 'w') as f:
            f.write(''.join(line + '\n' for line in UNMANAGED))

    def snapshot(self):
        with open(self.env_file, 'rb') as f:
            return f.read(), os.stat(self.env_file).st_mtime_ns

    def lines(self):
        with open(self.env_file) as f:
            return f.read().splitlines()

    def run(self, declared, unset, check=False, capsys=None):
        """go_env's main() on these options; return its result (exit_json's JSON)."""
        args = {'settings': declared or None, 'unset': unset, 'go': REAL_GO, 'allow_insecure': True,
                '_ansible_check_mode': check, '_ansible_diff': True,
                '_ansible_remote_tmp': os.path.join(self.home, '.ansible', 'tmp'), '_ansible_keep_remote_files': False}
        basic._ANSIBLE_ARGS = json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode()
        if hasattr(basic, '_ANSIBLE_PROFILE'):
            basic._ANSIBLE_PROFILE = 'legacy'
        out = io.StringIO()
        stdout, sys.stdout = sys.stdout, out
        try:
            with pytest.raises(SystemExit):
                go_env_module.main()
        finally:
            sys.stdout = stdout
            basic._ANSIBLE_ARGS = None
        return json.loads(out.getvalue())

    def go_env(self, keys):
        """`go env KEY...` as the user sees it (a separate go process, not the module's reading)."""
        proc = subprocess.run([REAL_GO, 'env'] + list(keys), env={'HOME': self.home, 'PATH': HOST_PATH}, cwd='/',
                              capture_output=True, text=True, check=True)
        return dict(zip(keys, proc.stdout.split('\n')))


@pytest.fixture
def go_user(tmp_path_factory, monkeypatch):
    """The test process is the module's host: a clean environment with HOME in a temp dir, no GO* variables."""
    for name in list(os.environ):
        if name.startswith(('GO', 'CGO_', 'XDG_')) or name in ('CC', 'CXX'):
            monkeypatch.delenv(name)
    monkeypatch.setenv('PATH', HOST_PATH)
    monkeypatch.setenv('LANG', 'C.UTF-8')

    def new_host():
        home = str(tmp_path_factory.mktemp('home'))
        monkeypatch.setenv('HOME', home)
        return Host(home)
    return new_host


def apply_and_check(host, declared, unset):
    """One step of a sequence: check mode, the real run, the run again; the properties above. Return declared."""
    declared = dict((k, v.format(home=host.home)) for k, v in declared.items())
    before = host.snapshot()
    check = host.run(declared, unset, check=True)
    assert not check.get('failed'), check
    assert host.snapshot() == before, 'check mode changed the env file'
    real = host.run(declared, unset)
    assert not real.get('failed'), real
    # check mode predicts exactly what the real run does
    for field in ('changed', 'changed_keys', 'diff'):
        assert check[field] == real[field], (field, check[field], real[field])
    stable = dict((k, v) for k, v in real['env'].items() if k not in VOLATILE)
    assert dict((k, v) for k, v in check['env'].items() if k not in VOLATILE) == stable
    assert real['changed'] == (host.snapshot() != before)
    # declared: go env KEY is every declared value; every unset key has no env file line
    assert host.go_env(sorted(declared)) == declared
    written = _go_env_keys.parse_env_file('\n'.join(host.lines()))
    assert not set(unset) & set(written), (unset, written)
    # unmanaged lines kept, in order
    assert [line for line in host.lines() if line in UNMANAGED] == UNMANAGED
    # the same run again: unchanged, nothing written
    settled = host.snapshot()
    again = host.run(declared, unset)
    assert again['changed'] is False and again['changed_keys'] == [], again
    assert host.snapshot() == settled
    return declared


@settings(max_examples=PROPERTY_EXAMPLES, deadline=None, database=None, print_blob=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@seed(PROPERTY_SEED)
@given(sequence=sequences())
def test_random_sequences_converge_in_one_run(go_user, sequence):
    note('seed %d: replay with GO_ENV_PROPERTY_SEED=%d' % (PROPERTY_SEED, PROPERTY_SEED))
    host = go_user()
    expected = {}
    for declared, unset in sequence:
        expected.update(apply_and_check(host, declared, unset))
        for key in unset:
            expected.pop(key, None)
        # what earlier runs declared and no later run changed still holds (a playbook of several tasks converges)
        assert host.go_env(sorted(expected)) == expected


@pytest.mark.parametrize('order', [('GOPRIVATE', 'GONOPROXY'), ('GONOPROXY', 'GOPRIVATE')])
def test_issue_16_sequence(go_user, order):
    """The issue's sequence: GONOPROXY equal to the old derived default survives GOPRIVATE's change in the same run."""
    host = go_user()
    apply_and_check(host, {'GOPRIVATE': 'corp.example'}, [])
    wanted = {'GOPRIVATE': 'new.example', 'GONOPROXY': 'corp.example'}
    apply_and_check(host, dict((k, wanted[k]) for k in order), [])
    assert host.go_env(['GONOPROXY', 'GONOSUMDB']) == {'GONOPROXY': 'corp.example', 'GONOSUMDB': 'new.example'}
    assert 'GONOPROXY=corp.example' in host.lines()


def test_gomodcache_stays_when_gopath_moves(go_user):
    """GOMODCACHE declared as today's default (from GOPATH) stays when the same run moves GOPATH."""
    host = go_user()
    default = host.go_env(['GOMODCACHE'])['GOMODCACHE']
    assert default == os.path.join(host.home, 'go', 'pkg', 'mod')
    apply_and_check(host, {'GOPATH': '/srv/gopath', 'GOMODCACHE': default}, [])
    assert host.go_env(['GOMODCACHE'])['GOMODCACHE'] == default


# ------------------------------------------------------------------ DERIVED_DEFAULTS against the real Go

# Keys go env -w refuses: they derive too (GOENV, GOEXE, GOTOOLDIR, GOTELEMETRYDIR), but no run declares them.
REFUSED = _go_env_keys.OS_ONLY_KEYS | _go_env_keys.READ_ONLY_KEYS | _go_env_keys.TELEMETRY_KEYS


def installed_gos():
    """Debian's Go of make test, and every other Go of Debian's layout on this machine (/usr/lib/go-1.N)."""
    found = set([os.path.realpath(REAL_GO)])
    for name in sorted(os.listdir('/usr/lib')):
        path = os.path.join('/usr/lib', name, 'bin', 'go')
        if name.startswith('go-1.') and os.access(path, os.X_OK):
            found.add(os.path.realpath(path))
    return sorted(found)


def fake_goroot(goroot, directory):
    """A GOROOT like goroot (symlinks) whose go.env names other defaults."""
    os.makedirs(directory)
    for name in os.listdir(goroot):
        if name != 'go.env':
            os.symlink(os.path.join(goroot, name), os.path.join(directory, name))
    with open(os.path.join(directory, 'go.env'), 'w') as f:
        f.write('GOPROXY=https://goproxy.other.example\nGOSUMDB=sum.golang.google.cn\nGOTOOLCHAIN=local\n')
    return directory


@pytest.mark.parametrize('go', installed_gos())
def test_derived_defaults_cover_what_go_derives(go, tmp_path):
    """Change one source at a time (an env file line or the OS environment); every key Go then moves is in the table."""
    def env_json(lines, extra):
        env_file = tmp_path / ('env%d' % len(os.listdir(str(tmp_path))))
        env_file.write_text(''.join(line + '\n' for line in lines))
        environ = dict({'HOME': str(tmp_path / 'home'), 'PATH': HOST_PATH, 'GOENV': str(env_file)}, **extra)
        proc = subprocess.run([go, 'env', '-json'], env=environ, cwd='/', capture_output=True, text=True, check=True)
        return json.loads(proc.stdout)

    base = env_json([], {})
    version = _go_env_keys.parse_version(base['GOVERSION'])
    goroot = fake_goroot(base['GOROOT'], str(tmp_path / 'goroot'))
    probes = {
        '$HOME': ([], {'HOME': str(tmp_path / 'other-home')}),
        '$XDG_CACHE_HOME': ([], {'XDG_CACHE_HOME': str(tmp_path / 'cache')}),
        'GOPRIVATE': (['GOPRIVATE=corp.example'], {}),
        'GOPATH': (['GOPATH=/srv/gopath'], {}),
        'GOOS': (['GOOS=windows'], {}),
        'GOARCH': (['GOARCH=arm64'], {}),
        'GOROOT': (['GOROOT=' + goroot], {}),
    }
    moved_by = {}
    for source, (lines, extra) in probes.items():
        after = env_json(lines, extra)
        moved = set(k for k in set(base) | set(after) if base.get(k) != after.get(k)) - set([source, 'GOENV'])
        assert moved, '%s moved no key: the probe tests nothing' % source
        moved -= REFUSED
        undeclared = sorted(k for k in moved if not _go_env_plan.default_follows(k, version))
        assert undeclared == [], '%s: %s follow %s but DERIVED_DEFAULTS does not say so' % (go, undeclared, source)
        for key in moved:
            moved_by.setdefault(key, set()).add(source)
    # the derivations the issue names, on every version
    assert moved_by['GONOPROXY'] == moved_by['GONOSUMDB'] == set(['GOPRIVATE'])
    assert 'GOPATH' in moved_by['GOMODCACHE'] and '$HOME' in moved_by['GOPATH']
    assert ('GOROOT' in moved_by.get('GOPROXY', ())) == (version >= (1, 21))
