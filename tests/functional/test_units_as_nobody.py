"""`pytest tests/unit` as a normal user (nobody) passes, in a copy of the checkout that user can read.

Unit tests need no root and start no server (tests/unit/conftest.py fails one that binds a socket or
starts a daemon); the ones that do live here in tests/functional. This runs the whole unit suite as
uid 65534 with no supplementary groups, from lab.other_user's readable copies, and requires every
test to pass: none skipped for want of root.
"""
import os
import re
import shutil
import subprocess
import sys
import sysconfig

import pytest

from lab import other_user

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOBODY = other_user.NOBODY

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason='switching to nobody needs root')


@pytest.fixture
def readable_checkout():
    """(checkout, site-packages, home): copies nobody can read, and a home nobody owns."""
    top = other_user.shared_dir('gotime-units-')
    checkout = os.path.join(top, 'gotime')
    subprocess.run([os.path.join(ROOT, 'scripts', 'bootstrap'), 'clean-copy', checkout], check=True, timeout=120)
    # tests/conftest.py's collection link, made here: nobody cannot write into the copy
    link = os.path.join(checkout, '.cache', 'collections', 'ansible_collections', 'cifleet', 'gotime')
    os.makedirs(os.path.dirname(link))
    os.symlink(os.path.join('..', '..', '..', '..'), link)
    packages = sysconfig.get_paths()['purelib']
    if not other_user.others_can_enter(packages):  # a venv in a private directory: nobody needs its own copy
        packages = shutil.copytree(packages, os.path.join(top, 'site-packages'), symlinks=True)
    home = os.path.join(top, 'home')
    os.mkdir(home, 0o700)
    shutil.chown(home, NOBODY, NOBODY)
    try:
        yield checkout, packages, home
    finally:
        shutil.rmtree(top)


def test_unit_tests_pass_as_nobody(readable_checkout):
    checkout, packages, home = readable_checkout
    python = other_user.python_for(NOBODY)
    run_pytest = ('import site, sys; site.addsitedir(sys.argv[1]); import pytest; '
                  'sys.exit(pytest.main(["-q", "-rs", "-p", "no:cacheprovider", "tests/unit"]))')
    env = {'PATH': os.path.dirname(sys.executable) + ':/usr/local/bin:/usr/bin:/bin', 'HOME': home, 'TMPDIR': home,
           'LANG': 'C.UTF-8', 'ANSIBLE_HOME': os.path.join(home, 'ansible'),
           'ANSIBLE_LOCAL_TEMP': os.path.join(home, 'ansible-tmp'),
           'ANSIBLE_COLLECTIONS_PATH': os.path.join(checkout, '.cache', 'collections')}
    proc = subprocess.run(other_user.argv(NOBODY, [python, '-c', run_pytest, packages]), cwd=checkout, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    # all passed: a skip (no root, a tool nobody cannot run) would hide what this test is for
    assert re.search(r'^\d+ passed in ', proc.stdout.strip().splitlines()[-1]), out[-3000:]
