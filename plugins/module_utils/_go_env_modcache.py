# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""go_env's module cache guards: where GOMODCACHE may point, what it holds, who may remove it."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This module_utils is PRIVATE and should only be used by this collection.

import os
import posixpath
import pwd
import stat


def _is_within(path, parent):
    return path == parent or path.startswith(parent.rstrip('/') + '/')


def _forms(path):
    """The path as written (normalised) and with symlinks resolved: a guard must hold for both."""
    return set((posixpath.normpath(path), os.path.realpath(path)))


def modcache_guard(path, home_dirs=(), goroot='', gopath='', env_file='', key='GOMODCACHE'):
    """Refuse a GOMODCACHE that go clean -modcache must not remove; return its real path."""
    if not path:
        raise ValueError('%s is empty (Go sets none when HOME and GOPATH are unset): there is no module cache to clean' % key)
    if not posixpath.isabs(path):
        raise ValueError('%s=%r is relative: refusing to clean a path that depends on the working directory' % (key, path))
    forms = _forms(path)
    if any(form.count('/') < 2 for form in forms):
        raise ValueError('%s=%r is / or a top-level directory: refusing to clean it' % (key, path))
    protected = [('home directory', h) for h in home_dirs if h]
    protected += [('GOPATH entry', p) for p in gopath.split(':') if p]
    protected += [('GOROOT', goroot)] if goroot else []
    protected += [('env file directory', posixpath.dirname(env_file))] if env_file else []
    for what, other in protected:
        if any(_is_within(o, form) for o in _forms(other) for form in forms):
            raise ValueError('%s=%r is or contains the %s %s: refusing to clean it' % (key, path, what, other))
    if goroot and any(_is_within(form, g) for g in _forms(goroot) for form in forms):
        raise ValueError('%s=%r is inside GOROOT %s: refusing to clean part of the Go installation' % (key, path, goroot))
    real = os.path.realpath(path)
    if os.path.lexists(real) and not os.path.isdir(real):
        raise ValueError('%s=%r is not a directory: refusing to clean it' % (key, path))
    return real


def modcache_state(path):
    """(exists, holds anything) from the first directory entry only: no walk, constant time."""
    try:
        with os.scandir(path) as entries:
            for _entry in entries:
                return True, True
        return True, False
    except FileNotFoundError:
        return False, False
    except NotADirectoryError:
        return True, True
    except PermissionError as e:
        raise ValueError('module cache %s: cannot list it: %s' % (path, e))


def _owner(uid):
    try:
        return '%s (uid %d)' % (pwd.getpwuid(uid).pw_name, uid)
    except KeyError:
        return 'uid %d' % uid


def removal_blocker(path, euid):
    """Why this user cannot remove the whole cache (go clean would leave it half deleted), or None.

    Go makes read-only directories writable first, which needs ownership; root may remove anything.
    """
    if euid == 0:
        return None
    parent = posixpath.dirname(path.rstrip('/')) or '/'
    top = os.lstat(path)
    pst = os.stat(parent)
    if not os.access(parent, os.W_OK | os.X_OK):
        return 'its parent %s is not writable by %s' % (parent, _owner(euid))
    if pst.st_mode & stat.S_ISVTX and euid not in (pst.st_uid, top.st_uid):
        return 'its parent %s is sticky and the cache is owned by %s' % (parent, _owner(top.st_uid))
    stack = [path]
    while stack:
        directory = stack.pop()
        st = os.lstat(directory)
        if st.st_uid != euid and not os.access(directory, os.R_OK | os.W_OK | os.X_OK):
            return '%s is owned by %s, not by %s' % (directory, _owner(st.st_uid), _owner(euid))
        try:
            with os.scandir(directory) as entries:
                stack.extend(e.path for e in entries if e.is_dir(follow_symlinks=False))
        except OSError as e:
            return 'cannot list %s: %s' % (directory, e.strerror)
    return None


def count_entries(path, limit=100000):
    total = 0
    for _root, dirs, files in os.walk(path):
        total += len(dirs) + len(files)
        if total >= limit:
            break
    return total
