# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This module_utils is PRIVATE and should only be used by this collection.

"""A time tool's run, (rc, stdout, stderr), as a parsed value or one error line naming the command."""

import os


def name(argv):
    """The command as a person would type it: the tool's base name and its arguments."""
    return ' '.join([os.path.basename(argv[0])] + list(argv[1:]))


def failure(argv, rc, out, err):
    """One line naming the command and the first thing it said."""
    said = ((err or '').strip() or (out or '').strip()).splitlines()
    return '%s: exit %s%s' % (name(argv), rc, (': ' + said[0].strip()) if said else '')


def parsed(argv, result, parse, errors):
    """Parse the stdout of a run; a failure becomes a line in errors and None is returned."""
    rc, out, err = result
    if rc != 0:
        errors.append(failure(argv, rc, out, err))
        return None
    try:
        return parse(out)
    except ValueError as exc:
        errors.append('%s: %s' % (name(argv), exc))
        return None
