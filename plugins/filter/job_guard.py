# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

"""Filters of the job_guard role; the logic lives in plugin_utils/_job_guard.py.

They run on the controller, so the agents need no TOML library. The texts they return are
runner files (which may hold tokens): they are marked unsafe, so that ansible-core before 2.19
never templates them again when they are stored as facts.
"""

from ansible.errors import AnsibleFilterError

try:
    from ansible.utils.unsafe_proxy import wrap_var
except ImportError:  # an ansible-core without unsafe_proxy never templates data again
    def wrap_var(value):
        return value

from ansible_collections.cifleet.gotime.plugins.plugin_utils import _job_guard

STATES = ('present', 'absent')


def _state(state, name):
    if state not in STATES:
        raise AnsibleFilterError('%s: state must be present or absent, got %r' % (name, state))
    return state


def job_guard_github_env(text, hook, state='present'):
    """A GitHub Actions runner .env text -> {content, chained} with our job-started hook set or removed."""
    try:
        return wrap_var(_job_guard.github_env(str(text), hook, _state(state, 'job_guard_github_env')))
    except ValueError as exc:
        raise AnsibleFilterError('job_guard_github_env: %s' % exc)


def job_guard_gitlab_config(text, line, runners=None, state='present', path='config.toml'):
    """A GitLab Runner config.toml text -> {content, changed, skipped} with our pre_build_script line."""
    if runners is not None and (isinstance(runners, str) or not hasattr(runners, '__iter__')):
        raise AnsibleFilterError('job_guard_gitlab_config: runners must be a list of [[runners]] names or null')
    try:
        names = None if runners is None else [str(name) for name in runners]
        return wrap_var(_job_guard.gitlab_config(str(text), line, names, _state(state, 'job_guard_gitlab_config'), path))
    except ValueError as exc:
        raise AnsibleFilterError('job_guard_gitlab_config: %s' % exc)


def job_guard_buildkite_hooks_path(text):
    """A buildkite-agent.cfg text -> its hooks-path, or None."""
    return _job_guard.buildkite_hooks_path(str(text))


def job_guard_runners(found, stats, named, defaults, discover=True):
    """Files found, stats and the role's variables -> {github, gitlab, buildkite, problems}."""
    try:
        return _job_guard.runners(list(found or []), dict(stats or {}), dict(named or {}), dict(defaults), bool(discover))
    except (KeyError, TypeError, AttributeError) as exc:
        raise AnsibleFilterError('job_guard_runners: malformed input (%s)' % exc)


class FilterModule(object):
    """Runner file edits of the job_guard role."""

    def filters(self):
        return {
            'job_guard_github_env': job_guard_github_env,
            'job_guard_gitlab_config': job_guard_gitlab_config,
            'job_guard_buildkite_hooks_path': job_guard_buildkite_hooks_path,
            'job_guard_runners': job_guard_runners,
        }
