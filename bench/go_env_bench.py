# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""go_env side by side, with Debian's real Go, in one run:

1. Five keys already in place: one idempotent cifleet.gotime.go_env task versus five
   `ansible.builtin.command: go env -w KEY=VALUE` tasks (what runbooks do today).
   Wall time of the task block (timestamps taken on the controller around it, median of --rounds),
   go invocations (a wrapper script logs each one), tasks reporting changed.
2. The check-mode decision of `modcache: absent` (GOMODCACHE guard + "does the cache hold anything")
   on a 50,000-file cache of fake module dirs, against a full walk of the same cache.

Usage: .venv/bin/python bench/go_env_bench.py [--rounds 5] [--files 50000]
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTIONS = os.path.join(ROOT, '.cache', 'collections')
BIN = os.path.dirname(os.path.abspath(sys.executable))
REAL_GO = '/usr/bin/go'
SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
KEYS = {
    'GOPROXY': 'https://goproxy.corp.example,https://proxy.golang.org,direct',
    'GOPRIVATE': '*.corp.example',
    'GONOSUMDB': 'corp.example',
    'GONOPROXY': 'corp.example',
    'GOFLAGS': '-mod=readonly',
}

sys.path.insert(0, COLLECTIONS)
from ansible_collections.cifleet.gotime.plugins.module_utils import _go_env_modcache  # noqa: E402


def playbook(tasks, out):
    return [{
        'name': 'bench', 'hosts': 'localhost', 'gather_facts': False,
        'tasks': [{'name': 't0', 'ansible.builtin.set_fact': {'bench_t0': '{{ now().timestamp() }}'}}]
        + tasks
        + [{'name': 't1', 'ansible.builtin.set_fact': {'bench_t1': '{{ now().timestamp() }}'}},
           {'name': 'dump', 'ansible.builtin.copy': {
               'dest': out, 'mode': '0600',
               'content': '{{ {"seconds": bench_t1 | float - bench_t0 | float, "changed": %s} | to_json }}'
               % ' + '.join('(r%d is changed) | int' % i for i in range(len(tasks)))}}],
    }]


def run_play(work, name, tasks):
    out = os.path.join(work, name + '.json')
    path = os.path.join(work, name + '.yml')
    with open(path, 'w') as f:
        json.dump(playbook(tasks, out), f)
    env = {'PATH': SYSTEM_PATH, 'HOME': os.path.join(work, 'home'), 'LANG': 'C.UTF-8',
           'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS, 'ANSIBLE_HOME': os.path.join(work, 'ansible'),
           'ANSIBLE_LOCAL_TEMP': os.path.join(work, 'ansible', 'tmp'), 'ANSIBLE_PIPELINING': 'true',
           'ANSIBLE_NOCOLOR': 'true', 'GO_CALLS': os.path.join(work, name + '.calls')}
    inventory = 'localhost ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n'
    with open(os.path.join(work, 'inventory'), 'w') as f:
        f.write(inventory)
    if os.path.exists(env['GO_CALLS']):
        os.remove(env['GO_CALLS'])
    started = time.monotonic()
    proc = subprocess.run([os.path.join(BIN, 'ansible-playbook'), '-i', 'inventory', path], cwd=work, env=env,
                          capture_output=True, text=True, check=False)
    wall = time.monotonic() - started
    if proc.returncode:
        sys.exit('ansible-playbook failed:\n' + proc.stdout[-4000:] + proc.stderr[-2000:])
    with open(out) as f:
        result = json.load(f)
    with open(env['GO_CALLS']) as f:
        result['go_calls'] = sum(1 for _line in f)
    result['playbook_seconds'] = wall
    return result


def settings_side_by_side(work, rounds):
    wrapper = os.path.join(work, 'go')
    with open(wrapper, 'w') as f:
        f.write('#!/bin/sh\necho "$1 $2" >> "$GO_CALLS"\nexec %s "$@"\n' % REAL_GO)
    os.chmod(wrapper, 0o755)
    module_task = [{'name': 'go_env, five keys', 'register': 'r0',
                    'cifleet.gotime.go_env': {'go': wrapper, 'settings': KEYS}}]
    command_tasks = [{'name': 'go env -w ' + key, 'register': 'r%d' % i,
                      'ansible.builtin.command': {'argv': [wrapper, 'env', '-w', '%s=%s' % (key, value)]}}
                     for i, (key, value) in enumerate(sorted(KEYS.items()))]
    first = run_play(work, 'setup', module_task)  # puts the five keys in place
    assert first['changed'] == 1
    rows = {}
    for name, tasks in (('go_env module', module_task), ('5 x command: go env -w', command_tasks)):
        runs = [run_play(work, name.split()[0], tasks) for _i in range(rounds)]
        rows[name] = {
            'task_seconds': statistics.median(r['seconds'] for r in runs),
            'playbook_seconds': statistics.median(r['playbook_seconds'] for r in runs),
            'go_calls': runs[-1]['go_calls'],
            'changed': runs[-1]['changed'],
        }
    return rows


def build_cache(root, files):
    """files empty files in fake module dirs (100 per module), as GOMODCACHE/example.com/mN@v1.0.0/fN.go."""
    per_module = 100
    made = 0
    module = 0
    while made < files:
        directory = os.path.join(root, 'example.com', 'm%d@v1.0.0' % module)
        os.makedirs(directory)
        for i in range(min(per_module, files - made)):
            open(os.path.join(directory, 'f%d.go' % i), 'w').close()
            made += 1
        module += 1
    return made


def modcache_decision(work, files, rounds):
    home = os.path.join(work, 'cachehome')
    cache = os.path.join(home, 'go', 'pkg', 'mod')
    made = build_cache(cache, files)
    goroot = '/usr/lib/go'
    decision, walk = [], []
    for _i in range(max(rounds, 20)):
        started = time.perf_counter()
        real = _go_env_modcache.modcache_guard(cache, [home], goroot, os.path.join(home, 'go'),
                                               os.path.join(home, '.config', 'go', 'env'))
        exists, held = _go_env_modcache.modcache_state(real)
        decision.append(time.perf_counter() - started)
        assert exists and held
        started = time.perf_counter()
        counted = _go_env_modcache.count_entries(cache, limit=10 ** 9)
        walk.append(time.perf_counter() - started)
    return {'files': made, 'entries': counted, 'decision_ms': statistics.median(decision) * 1000,
            'decision_max_ms': max(decision) * 1000, 'walk_ms': statistics.median(walk) * 1000}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--files', type=int, default=50000)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix='go_env_bench-')
    try:
        os.makedirs(os.path.join(work, 'home'))
        rows = settings_side_by_side(work, args.rounds)
        cache = modcache_decision(work, args.files, args.rounds)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print('Idempotent run, five keys already in place (median of %d rounds, %s)' % (args.rounds, sys.platform))
    print('%-26s %12s %14s %9s %8s' % ('', 'task block s', 'playbook s', 'go calls', 'changed'))
    for name, row in rows.items():
        print('%-26s %12.3f %14.3f %9d %8d' % (name, row['task_seconds'], row['playbook_seconds'], row['go_calls'],
                                               row['changed']))
    mod, cmd = rows['go_env module'], rows['5 x command: go env -w']
    print('ratios command/module: task time %.2fx, go calls %.1fx, changed %d vs %d'
          % (cmd['task_seconds'] / mod['task_seconds'], cmd['go_calls'] / float(mod['go_calls']),
             cmd['changed'], mod['changed']))
    print('Check-mode modcache decision on %d files (%d entries): median %.3f ms, max %.3f ms (target < 50 ms); '
          'a full walk takes %.1f ms' % (cache['files'], cache['entries'], cache['decision_ms'], cache['decision_max_ms'],
                                         cache['walk_ms']))
    return 0 if cache['decision_max_ms'] < 50 else 1


if __name__ == '__main__':
    sys.exit(main())
