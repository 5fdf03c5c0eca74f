# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This plugin_utils is PRIVATE and should only be used by this collection.
"""The report's files on the controller: each written whole or not at all (a temporary file in the destination
directory, then os.replace), with a fixed mode, and left alone when it already holds the same bytes and mode."""

import os
import stat
import tempfile

from ansible_collections.cifleet.gotime.plugins.plugin_utils._fleet_report import EXTENSIONS


def file_mode(mode):
    """The mode option (octal text such as '0644', or a number) -> permission bits."""
    if isinstance(mode, bool):
        raise ValueError('fleet_report: mode must be octal such as 0644, got %r' % (mode,))
    if isinstance(mode, int):
        bits = mode
    else:
        try:
            bits = int(str(mode).strip(), 8)
        except ValueError:
            raise ValueError('fleet_report: mode must be octal such as 0644 (symbolic modes are not supported), got %r' % (mode,))
    if not 0 <= bits <= 0o7777:
        raise ValueError('fleet_report: mode must be octal such as 0644, got %r' % (mode,))
    return bits


def _same(path, data, mode):
    """(content equal, mode equal) of an existing regular file; (False, False) when there is none."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return False, False
    if not stat.S_ISREG(info.st_mode) or info.st_size != len(data):
        return False, stat.S_IMODE(info.st_mode) == mode
    with open(path, 'rb') as handle:
        return handle.read() == data, stat.S_IMODE(info.st_mode) == mode


def write_file(path, data, mode, check_mode=False):
    """Put data (bytes) at path with mode; True when something changed (or would, in check mode)."""
    content_same, mode_same = _same(path, data, mode)
    if content_same and mode_same:
        return False
    if check_mode:
        return True
    if content_same:
        os.chmod(path, mode)
        return True
    directory, name = os.path.split(path)
    handle, temporary = tempfile.mkstemp(prefix='.%s.' % name, suffix='.tmp', dir=directory or '.')
    try:
        with os.fdopen(handle, 'wb') as out:
            out.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    return True


def ensure_directory(path, mode, check_mode=False):
    """The report directory with mode (created with its parents when missing); True when something changed."""
    if os.path.isdir(path):
        if stat.S_IMODE(os.stat(path).st_mode) == mode:
            return False
        if not check_mode:
            os.chmod(path, mode)
        return True
    if os.path.lexists(path):
        raise ValueError('fleet_report: dest %s exists and is not a directory' % path)
    if not check_mode:
        os.makedirs(path)
        os.chmod(path, mode)
    return True


def write_report(dest, basename, texts, mode, check_mode=False, schema=None, directory_mode=0o755):
    """texts: {format: text, or a function that makes it (called when its file is written, so that only one
    text is held at a time)}. Writes <dest>/<basename>.<extension> for each, and the schema file (a path) as
    <basename>.schema.json when given; returns ({format: path}, [changed paths]) (dest itself when it changed)."""
    changed = [dest] if ensure_directory(dest, directory_mode, check_mode) else []
    files = dict((name, os.path.join(dest, '%s.%s' % (basename, EXTENSIONS[name]))) for name in texts)
    for name, text in texts.items():
        data = (text() if callable(text) else text).encode('utf-8')
        if write_file(files[name], data, mode, check_mode):
            changed.append(files[name])
        del data
    if schema:
        with open(schema, 'rb') as handle:
            data = handle.read()
        path = os.path.join(dest, '%s.schema.json' % basename)
        if write_file(path, data, mode, check_mode):
            changed.append(path)
    return files, changed
