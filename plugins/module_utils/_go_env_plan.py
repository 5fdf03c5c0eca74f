# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""go_env's security downgrades and change plan (what to write, unset, or leave)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This module_utils is PRIVATE and should only be used by this collection.

import re

from ansible_collections.cifleet.gotime.plugins.module_utils._go_env_glob import match_prefix_patterns
from ansible_collections.cifleet.gotime.plugins.module_utils._go_env_keys import (
    DERIVED_DEFAULTS, GO_TRUE, INSECURE_FLAG_ERROR, INSECURE_FLAG_REMOVED, PUBLIC_MODULE_PROBES, version_text,
)
from ansible_collections.cifleet.gotime.plugins.module_utils._go_env_secrets import mask_value


def _public_match(globs):
    for probe in PUBLIC_MODULE_PROBES:
        if match_prefix_patterns(globs, probe):
            return probe
    return None


def insecure_flag_reason(version):
    """What GOFLAGS=-insecure does on this Go version (None: unknown, both)."""
    removed = ('Go 1.17 removed it: go get fails with "%s" (other commands ignore it), so it weakens nothing; '
               'use GOINSECURE for the module paths that need it' % INSECURE_FLAG_ERROR)
    before = 'it lets go get fetch modules over plain HTTP and skips the checksum database'
    if version is None:
        return '-insecure: before Go 1.17 %s; %s' % (before, removed)
    if version[:2] >= INSECURE_FLAG_REMOVED:
        return '-insecure on %s: %s' % (version_text(version), removed)
    return '-insecure on %s (before Go 1.17): %s' % (version_text(version), before)


def downgrades(env, version=None):
    """[{key, value, why}] for values the fleet's policy refuses as security downgrades (values masked).

    Each why says what the value really does (on this Go version where that matters).
    """
    found = []

    def add(key, why):
        found.append({'key': key, 'value': mask_value(key, env[key]), 'why': why})

    if env.get('GOSUMDB', '').strip() == 'off':
        add('GOSUMDB', 'the checksum database is off: go.sum entries for new modules are trusted on first download')
    for key, why in (('GONOSUMDB', 'the checksum database is skipped for them'),
                     ('GOPRIVATE', 'they bypass the proxy and, unless GONOSUMDB says otherwise, the checksum database')):
        probe = _public_match(env.get(key, ''))
        if probe:
            add(key, 'matches public modules such as %s: %s' % (probe, why))
    if env.get('GOINSECURE', '').strip():
        add('GOINSECURE', 'direct fetches of matching modules may use plain HTTP or skip certificate checks; it applies to '
            'direct fetches only, and the checksum database still verifies those modules')
    for token in env.get('GOFLAGS', '').split():
        name, eq, arg = token.lstrip('-').partition('=')
        if name == 'insecure' and (not eq or arg in GO_TRUE):
            add('GOFLAGS', insecure_flag_reason(version))
            break
    first = re.split(r'[,|]', env.get('GOPROXY', ''))[0].strip()
    if first == 'direct':
        add('GOPROXY', "only direct: go.sum and the checksum database still verify every module, but there is no proxy's "
            'immutable cache (a retag or deletion at the origin reaches you) and go runs git or other version-control '
            "tools against each module's origin")
    return found


def default_follows(key, version):
    """What the key's default follows on this Go version (DERIVED_DEFAULTS), or None for a fixed default."""
    entry = DERIVED_DEFAULTS.get(key)
    if entry and (version is None or version[:2] >= entry[0]):
        return entry[1]
    return None


def declared_holds(key, value, file_values, effective, environ, version):
    """Is the declared value in effect independently of every other key: in the env file, or Go's fixed default?"""
    if key in file_values:
        return file_values[key] == value
    if environ.get(key) or default_follows(key, version):
        return False
    return effective.get(key) == value


def plan_changes(settings, unset, file_values, effective, environ, version=None):
    """(keys to write with values, keys to remove) so that one run reaches the declared state.

    Declared: each key of settings has its value whatever the order of keys, whatever else changes; each unset key
    has no env file line. A value equal to a default that follows other keys or the environment is written anyway:
    otherwise a change of GOPRIVATE (GONOPROXY's source) in this run or a later one would move it.
    """
    to_set = dict((k, v) for k, v in settings.items()
                  if not declared_holds(k, v, file_values, effective, environ, version))
    to_unset = sorted(k for k in unset if k in file_values)
    return to_set, to_unset


def overridden_keys(keys, environ):
    """Managed keys set in the OS environment: Go prefers those over the env file."""
    return sorted(k for k in keys if environ.get(k))
