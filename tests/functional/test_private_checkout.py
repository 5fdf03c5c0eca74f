"""The test harness from a checkout that other users cannot enter (a fresh clone in root's home, 0700).

Builds such a checkout (the files a clone has, scripts/bootstrap clean-copy, inside a 0700
directory, with TMPDIR in there too, as a CI that keeps its temp files at home has), then runs there
every test that runs something as another user: the macOS command emulator as nobody, chronyd
dropping to _chrony, go_env through become_user. Each must get its real answer, not "permission
denied": whatever runs as another user runs from lab.other_user's readable copies.
"""
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# Every test that runs a process as another user than root.
AS_ANOTHER_USER = [
    'tests/functional/test_darwin_emulator.py::test_systemsetup_without_root_refuses_and_exits_0',
    'tests/functional/test_darwin_emulator.py::test_sntp_step_needs_root',
    'tests/functional/test_darwin_emulator.py::test_launchd_disabled_label_and_root',
    'tests/functional/test_host_sync_live.py::test_gather_live_chronyd',
    'tests/functional/test_go_env.py::test_become_user_writes_that_users_env_file',
]

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason='switching to other users needs root')


@pytest.fixture
def private_checkout():
    """(checkout, its TMPDIR): a copy of this checkout's files in a directory only root can enter."""
    top = tempfile.mkdtemp(prefix='gotime-private-')
    os.chmod(top, 0o700)
    checkout = os.path.join(top, 'gotime')
    subprocess.run([os.path.join(ROOT, 'scripts', 'bootstrap'), 'clean-copy', checkout], check=True, timeout=120)
    tmpdir = os.path.join(top, 'tmp')
    os.mkdir(tmpdir, 0o700)
    try:
        yield checkout, tmpdir
    finally:
        shutil.rmtree(top)


def test_another_user_can_enter_no_part_of_it(private_checkout):
    checkout, tmpdir = private_checkout
    probe = subprocess.run(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '/usr/bin/env',
                            'cat', os.path.join(checkout, 'README.md'), os.path.join(tmpdir, '.')],
                           capture_output=True, text=True, check=False)
    assert probe.returncode == 1 and probe.stderr.count('Permission denied') == 2, probe.stderr
    assert stat.S_IMODE(os.stat(os.path.dirname(checkout)).st_mode) == 0o700


def test_tests_that_run_as_another_user_pass_there(private_checkout):
    checkout, tmpdir = private_checkout
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(('ANSIBLE_', 'PYTEST_')))
    env.update(TMPDIR=tmpdir, ANSIBLE_CONFIG=os.path.join(checkout, 'ansible.cfg'),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(checkout, '.cache', 'collections'),
               ANSIBLE_HOME=os.path.join(checkout, '.cache', 'ansible-home'),
               ANSIBLE_LOCAL_TEMP=os.path.join(checkout, '.cache', 'ansible-tmp'))
    proc = subprocess.run([sys.executable, '-m', 'pytest', '-q', '-rs', '-p', 'no:cacheprovider'] + AS_ANOTHER_USER,
                          cwd=checkout, env=env, capture_output=True, text=True, timeout=600, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    # Every one ran and passed: a skip (no root, no chronyd) would hide the trap this test is for.
    assert re.search(r'^%d passed in ' % len(AS_ANOTHER_USER), proc.stdout.splitlines()[-1]), out[-3000:]
