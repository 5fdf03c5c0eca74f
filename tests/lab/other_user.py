"""Files and commands for a process that runs as another user than the test suite (root).

The checkout may live under a directory other users cannot enter (a clone in root's home, mode
0700): such a process cannot read the checkout in place, nor pytest's tmp_path (/tmp/pytest-of-root
is 0700), nor a TMPDIR below a private directory. So whatever runs as another user runs from
shared_dir(), a fresh 0755 directory whose every parent others can enter, with copies made by
readable_copy(), started by argv() with an interpreter from python_for().

    copy = other_user.readable_copy(EMULATOR)
    subprocess.run(other_user.argv(65534, [other_user.python_for(65534), copy, 'sntp', ...]))
"""
import contextlib
import functools
import os
import shutil
import stat
import subprocess
import sys
import tempfile

NOBODY = 65534
# Debian's interpreter: the fallback when the running one (a venv, a pyenv in /root) is private.
SYSTEM_PYTHONS = ('/usr/bin/python3', '/usr/local/bin/python3')


def others_can_enter(path):
    """True when a user who is neither owner nor in the group can search path and all its parents."""
    path = os.path.realpath(path)
    while True:
        if not os.stat(path).st_mode & stat.S_IXOTH:
            return False
        parent = os.path.dirname(path)
        if parent == path:
            return True
        path = parent


def shared_base():
    """The temp directory (TMPDIR honoured) when others can enter it, else /tmp; ValueError if neither."""
    for base in (tempfile.gettempdir(), '/tmp'):
        if os.path.isdir(base) and others_can_enter(base):
            return base
    raise ValueError('no temp directory that other users can enter: TMPDIR=%s and /tmp are private; '
                     'point TMPDIR at a directory with mode 1777 or 0755 parents' % tempfile.gettempdir())


def shared_dir(prefix='gotime-shared-'):
    """A fresh directory (0755, owned by the caller) that other users can enter and read."""
    path = tempfile.mkdtemp(prefix=prefix, dir=shared_base())
    os.chmod(path, 0o755)
    return path


def readable_copy(source, directory=None):
    """A copy of the file source in directory (default: a new shared_dir), 0755 if executable else 0644."""
    directory = directory or shared_dir('gotime-copy-')
    target = os.path.join(directory, os.path.basename(source))
    shutil.copyfile(source, target)
    os.chmod(target, 0o755 if os.stat(source).st_mode & stat.S_IXUSR else 0o644)
    return target


@contextlib.contextmanager
def readable(source):
    """readable_copy(source) in a new shared_dir, removed with the directory on exit."""
    copy = readable_copy(source)
    try:
        yield copy
    finally:
        shutil.rmtree(os.path.dirname(copy))


def argv(uid, command):
    """command run with uid as real and effective user and group id, no supplementary groups.

    setpriv itself execs with root's rights still in hand (it reaches a file in a 0700 directory);
    /usr/bin/env execs command after the switch, so the kernel checks the path as uid would.
    """
    return ['setpriv', '--reuid=%d' % uid, '--regid=%d' % uid, '--clear-groups', '/usr/bin/env'] + list(command)


@functools.lru_cache(maxsize=None)
def python_for(uid):
    """A Python 3 that uid can start and import the standard library with (the running one if it can)."""
    candidates = [os.path.realpath(sys.executable)] + [p for p in SYSTEM_PYTHONS if os.path.exists(p)]
    tried = []
    for candidate in candidates:
        probe = subprocess.run(argv(uid, [candidate, '-c', 'import json, plistlib, socket']), cwd='/',
                               capture_output=True, text=True, timeout=60, check=False)
        if probe.returncode == 0:
            return candidate
        tried.append('%s: %s' % (candidate, (probe.stderr.strip().splitlines() or ['exit %d' % probe.returncode])[-1]))
    raise ValueError('no Python 3 that uid %d can run (%s); install python3 from the distribution'
                     % (uid, '; '.join(tried)))
