# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

"""Action of cifleet.gotime.fleet_record (documented in plugins/modules/fleet_record.py): runs on the controller."""

import fcntl
import os
import socket

from ansible.errors import AnsibleActionFail

from ansible_collections.cifleet.gotime.plugins.module_utils import _fleet_record_spec
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fact_cache
from ansible_collections.cifleet.gotime.plugins.plugin_utils._controller_action import ControllerAction

# Inventory names of "this machine": an agent that pulls records under its own host name instead.
LOCAL_NAMES = ('localhost', '127.0.0.1', '::1')


def open_spool(path):
    """The spool: Ansible's jsonfile cache in a root-only directory."""
    if not os.path.isdir(path):
        os.makedirs(path, mode=0o700)
    os.chmod(path, 0o700)
    return _fact_cache.FactCache('ansible.builtin.jsonfile', {'connection': path, 'prefix': '', 'timeout': 0})


def flush_spool(spool_dir, spool, cache, fact):
    """Send every spooled record (newest wins in the cache), then drop it from the spool.

    One flusher at a time: a controller's forks each run this action; the one that gets the lock sends
    the whole spool, the others go on. Returns the names sent.
    """
    sent = []
    with open(os.path.join(spool_dir, '.flush.lock'), 'a') as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return sent
        for waiting in spool.keys():
            try:
                waiting_record = spool.get(waiting).get(fact)
            except _fact_cache.CacheError:
                continue  # a file being replaced by another fork's spooling: next run
            if isinstance(waiting_record, dict):
                _fact_cache.write_record(cache, waiting, waiting_record, fact)
            spool.delete(waiting)
            sent.append(waiting)
    return sent


class ActionModule(ControllerAction):

    ARGUMENT_SPEC = _fleet_record_spec.ARGUMENT_SPEC

    def act(self, result, args, task_vars):
        try:
            io_timeout = _fact_cache.io_timeout(args['cache_io_timeout'], 'cache_io_timeout')
        except ValueError as exc:
            raise AnsibleActionFail('fleet_record: %s' % exc)
        name = args['name'] or str(task_vars.get('inventory_hostname') or '')
        if not name or name in LOCAL_NAMES:
            name = socket.gethostname()
        fact, record = args['fact'], args['record']
        options = {'connection': args['cache_connection'], 'prefix': args['cache_prefix'], 'timeout': args['cache_timeout']}
        # Like set_fact: a record describes the host and changes nothing on it (an agent's unchanged run stays changed=0).
        result.update(name=name, sent_from_spool=[], spooled=[], changed=False)

        try:
            spool = open_spool(args['spool']) if args['spool'] and not self._task.check_mode else None
            if args['spool'] and self._task.check_mode and os.path.isdir(args['spool']):
                spool = _fact_cache.FactCache('ansible.builtin.jsonfile', {'connection': args['spool'], 'prefix': '', 'timeout': 0})
        except (OSError, _fact_cache.CacheError) as exc:
            raise AnsibleActionFail('fleet_record: the spool %s cannot be used (%s); fix its path or permissions (option spool)'
                                    % (args['spool'], exc))

        error = None
        try:
            cache = _fact_cache.FactCache(args['cache_plugin'], options, io_timeout)
            result['cache'] = cache.describe()
        except _fact_cache.CacheError as exc:
            cache, error = None, str(exc)
            result['cache'] = args['cache_plugin'] or 'the configured fact cache'

        if cache is not None:
            try:
                # Spooled (older) records first; write_record keeps the newest either way.
                if spool is not None:
                    result['sent_from_spool'] = (spool.keys() if self._task.check_mode else
                                                 flush_spool(args['spool'], spool, cache, fact))
                if self._task.check_mode:
                    result.update(outcome='written', recorded=False, msg='check mode: would record %s in %s' % (name, cache.describe()))
                    result['spooled'] = spool.keys() if spool else []
                    return result
                outcome = _fact_cache.write_record(cache, name, record, fact)
                result.update(outcome=outcome, recorded=True)
                result['msg'] = ('recorded %s in %s' % (name, cache.describe()) if outcome == 'written' else
                                 'the cache %s already holds a newer record of %s; kept it' % (cache.describe(), name))
                if result['sent_from_spool']:
                    result['msg'] += '; sent %d record(s) kept from earlier runs' % len(result['sent_from_spool'])
                result['spooled'] = spool.keys() if spool else []
                return result
            except _fact_cache.CacheError as exc:
                error = str(exc)

        # The cache failed: this run's own job (configuring the agent) is done; keep the record or say it is lost.
        result.update(recorded=False, error=error)
        if spool is not None and not self._task.check_mode:
            try:
                _fact_cache.write_record(spool, name, record, fact)
                result['spooled'] = spool.keys()
                result.update(outcome='spooled', msg='NOT recorded in the shared cache: %s. Kept in %s; sent at the next '
                              'run that reaches the cache (%d record(s) waiting).' % (error, args['spool'], len(result['spooled'])))
            except _fact_cache.CacheError as exc:
                result.update(outcome='not_recorded', msg='NOT recorded: %s; and the spool %s failed too: %s' % (error, args['spool'], exc))
        else:
            result.update(outcome='not_recorded', msg='NOT recorded: %s. This measurement of %s is not in the fleet report; set the '
                          'spool option to keep records until the cache is back.' % (error, name))
        self._display.warning('fleet_record: %s' % result['msg'])
        if args['required']:
            result.update(failed=True)
        return result
