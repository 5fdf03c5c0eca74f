# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""go_env's run replayed from tests/fixtures/go_env/run_cases.yaml (recorded from the real Go by record.py there).

go_env's main() runs in this process with its real module_utils and real files in a temp lab; only
AnsibleModule.run_command is replaced: each go call must be the next recorded one (argv, environment, working
directory), gets its recorded rc, stdout and stderr, and does on disk what the real call did. A call not in the
recording, or in another order, fails the case, and so does a recorded call the run did not make. No go binary
runs here: bin/go in the lab only exists for the module's "is it there" check.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import stat

import pytest
import yaml

from ansible.module_utils import basic

from support import go_env_cases as gec

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
                       'fixtures', 'go_env', 'run_cases.yaml')
with open(FIXTURE) as _handle:
    CASES = yaml.safe_load(_handle)
NEVER_RUN = '#!/bin/sh\necho "test_go_env_run replays recorded go calls; this file is never executed" >&2\nexit 127\n'


class Replay(object):
    """AnsibleModule.run_command for one run: the recorded calls, in order."""

    def __init__(self, lab, calls):
        self.lab = lab
        self.calls = list(calls)

    def method(self):
        """self as AnsibleModule.run_command (a plain function, so it binds to the module)."""
        def run_command(module, args, **kwargs):
            return self(module, args, **kwargs)
        return run_command

    def __call__(self, module, args, **kwargs):
        argv, placeholders = gec.number_placeholders(list(args))
        assert self.calls, 'go call not in the recording: %r' % (self.lab.normal(argv),)
        call = self.calls.pop(0)
        environ = kwargs.get('environ_update') or {}
        assert self.lab.normal(argv) == call['argv'], 'go call out of order or different'
        assert self.lab.normal(environ) == call['environ'], (environ, call['environ'])
        assert kwargs.get('cwd') == call['cwd']
        extra = dict(placeholders)
        if 'GOENV' in environ:
            extra[call['environ']['GOENV']] = environ['GOENV']
        self.lab.apply(call.get('effects') or {}, extra)
        return call['rc'], self.lab.real(gec.call_output(call), extra), self.lab.real(call['err'], extra)


def all_texts(value):
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in all_texts(k) + all_texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in all_texts(v)]
    return [value] if isinstance(value, str) else []


@pytest.mark.parametrize('case', CASES, ids=[c['id'] for c in CASES])
def test_go_env_run_replayed(case, tmp_path, monkeypatch):
    lab = gec.Lab(tmp_path)
    with open(lab.go, 'w') as f:
        f.write(NEVER_RUN)
    os.chmod(lab.go, stat.S_IRWXU)
    lab.prepare(case)
    for run in case['runs']:
        replay = Replay(lab, run['calls'])
        monkeypatch.setattr(basic.AnsibleModule, 'run_command', replay.method())
        with gec.Environ(lab, case['environ']):
            result = gec.run_main(lab, lab.real(run['params']), run['check_mode'], run['diff'])
        what = '%s / %s' % (case['id'], run['name'])
        assert replay.calls == [], '%s: recorded go calls not made: %r' % (what, [c['argv'] for c in replay.calls])
        assert gec.recorded_result(lab, result, gec.managed_keys(run['params'])) == run['result'], what
        assert lab.normal(lab.env_file_text()) == run['env_file_after'], what
        # no credential placeholder outlives the run; none reaches a result
        assert 'gotime-credential-' not in (lab.env_file_text() or '')
        assert not any('gotime-credential-' in t for t in all_texts(result)), what
        monkeypatch.undo()


def test_every_case_ran_a_real_go_and_covers_the_versions():
    """The recording is what record.py writes: every run that reached go has go env -json first, from Debian's Gos."""
    versions = set(c['go'] for c in CASES)
    assert {'go1.19.8', 'go1.21.13', 'go1.22.12', 'go1.23.5', 'go1.24.4'} <= versions
    reached = [r for c in CASES for r in c['runs'] if r['calls']]
    assert len(reached) > 60
    for run in reached:
        assert run['calls'][0]['argv'][1:] == ['env', '-json'], run['name']
        env = run['calls'][0]['out_json']
        assert env['GOROOT'].startswith(('/usr/lib/go-1.', '@DEB@/usr/lib/go-1.')), env['GOROOT']
    ids = set(c['id'] for c in CASES)
    assert len(ids) == len(CASES)


def test_refusals_quote_what_that_go_says():
    """Where the case also asked go env -w / -u itself (go_says), go_env's message says what that Go said."""
    probed = [(c, r) for c in CASES for r in c['runs'] if 'go_says' in r]
    assert len(probed) >= 9
    for case, run in probed:
        said = run['go_says']['err'].strip()
        msg = run['result']['msg']
        assert run['go_says']['rc'] != 0 and run['result']['failed'] is True, case['id']
        assert run['calls'][-1]['argv'][1:] == ['env', '-json'], 'refused before any write'
        if '"%s"' % said in msg:
            continue
        # go says "unknown go command variable KEY" and go env -json does not list it: our words for that
        key = said.rsplit(' ', 1)[-1]
        assert said == 'go: unknown go command variable %s' % key, (case['id'], said)
        assert '%s is unknown to the installed %s' % (key, case['go']) in msg, (case['id'], msg)
        assert key not in run['calls'][0]['out_json']


def test_credentials_never_reach_results_or_go():
    """The credentials case: go env -w got placeholders; the env file got the credentials; results mask them."""
    case = [c for c in CASES if c['id'] == 'credentials'][0]
    secrets = ('Fst-4f1c0d9e8a7b6c5d', 'Snd-0a1b2c3d4e5f6a7b', 'Thd-9e8d7c6b5a4f3e2d', 'Fth-13579bdf2468ace0')
    writes = [call for run in case['runs'] for call in run['calls'] if call['argv'][1:3] == ['env', '-w']]
    assert writes and all('gotime-credential-@1@' in ' '.join(call['argv']) for call in writes)
    for run in case['runs']:
        for secret in secrets:
            assert secret not in json.dumps(run['result']), (run['name'], secret)
            assert all(secret not in ' '.join(call['argv']) for call in run['calls']), (run['name'], secret)
    assert secrets[1] in case['runs'][2]['env_file_after'] and secrets[3] in case['runs'][2]['env_file_after']
    assert '***@goproxy.corp.example' in json.dumps(case['runs'][2]['result']['diff'])


def test_replay_refuses_a_call_out_of_order(tmp_path, monkeypatch):
    """The replay itself: a run whose go calls differ from the recording fails."""
    case = [c for c in CASES if c['id'] == 'settings_four_steps'][0]
    lab = gec.Lab(tmp_path)
    with open(lab.go, 'w') as f:
        f.write(NEVER_RUN)
    os.chmod(lab.go, stat.S_IRWXU)
    lab.prepare(case)
    run = case['runs'][1]  # apply: go env -json twice, go env -w, go env -json
    calls = [run['calls'][0], run['calls'][2], run['calls'][1], run['calls'][3]]
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', Replay(lab, calls).method())
    with gec.Environ(lab, case['environ']):
        with pytest.raises(AssertionError, match='out of order'):
            gec.run_main(lab, lab.real(run['params']), run['check_mode'], run['diff'])
