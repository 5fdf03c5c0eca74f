# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""go_env's path.Match port, old (string slicing, from git) against current (index walk), side by side.

Times downgrades() (GOPRIVATE/GONOSUMDB globs matched against public module probes) and check_glob_list()
on one long glob in both keys, as a CI job writing a huge GOPRIVATE into its go env file leaves them.
Both implementations must give the same results; the script stops if they differ.

Usage: .venv/bin/python bench/glob_match_bench.py [--base 289888e] [--sizes 5000,40000,200000]
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import argparse
import os
import subprocess
import sys
import time
import types

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OLD_PATH = 'plugins/module_utils/_go_settings.py'  # at --base, before the split into _go_env_*.py
sys.path.insert(0, os.path.join(ROOT, '.cache', 'collections'))
from ansible_collections.cifleet.gotime.plugins.module_utils import _go_env_checks, _go_env_plan  # noqa: E402

CURRENT = types.SimpleNamespace(downgrades=_go_env_plan.downgrades, check_glob_list=_go_env_checks.check_glob_list)


def old_module(base):
    """The module as it was at git revision base (before the index walk)."""
    source = subprocess.run(['git', '-C', ROOT, 'show', '%s:%s' % (base, OLD_PATH)], check=True,
                            stdout=subprocess.PIPE).stdout.decode()
    module = types.ModuleType('old_go_settings')
    exec(compile(source, 'old_go_settings.py', 'exec'), module.__dict__)  # pylint: disable=exec-used
    return module


def timed(module, env):
    start = time.perf_counter()
    found = module.downgrades(env)
    for key in ('GOPRIVATE', 'GONOSUMDB'):
        module.check_glob_list(key, env[key])
    return time.perf_counter() - start, found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--base', default='289888e', help='git revision holding the old implementation')
    parser.add_argument('--sizes', default='5000,40000,200000', help='glob lengths in characters')
    args = parser.parse_args()
    old = old_module(args.base)
    print('downgrades() + check_glob_list() on GOPRIVATE and GONOSUMDB, one glob each (old = %s)' % args.base)
    print('%10s %10s %10s %9s' % ('chars', 'old s', 'new s', 'old/new'))
    for size in (int(text) for text in args.sizes.split(',')):
        glob = 'corp.example/' + 'x' * (size - len('corp.example/'))
        env = {'GOPRIVATE': glob, 'GONOSUMDB': glob}
        old_s, old_found = timed(old, env)
        new_s, new_found = timed(CURRENT, env)
        if old_found != new_found:
            sys.exit('results differ at %d chars: %r vs %r' % (size, old_found, new_found))
        print('%10d %10.3f %10.3f %8.0fx' % (size, old_s, new_s, old_s / new_s))


if __name__ == '__main__':
    main()
