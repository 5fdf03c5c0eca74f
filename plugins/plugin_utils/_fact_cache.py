# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This plugin_utils is PRIVATE and should only be used by this collection.
"""Fleet records in Ansible's fact caches: read every host of a configured cache, write one record.

Only Ansible's own cache plugins move data (cache_loader: the configured fact_caching plugin and its
settings, or a named one such as community.general.redis with options given here). The one shortcut:
reading many hosts of a Redis cache, the plugin's own connection answers one MGET for many of the
plugin's keys (FactCache.get_many), decoded as the plugin decodes.

A Redis cache's sockets are bounded (bound_io): community.general.redis sets no socket timeout, so an address
that drops packets, or a server that accepts and never answers, would hang the task for good.
"""

import json
import math
import re

from ansible import constants as C
from ansible.parsing.ajson import AnsibleJSONDecoder
from ansible.plugins.loader import cache_loader

from ansible_collections.cifleet.gotime.plugins.module_utils._utc_time import parse_time

# Keys per MGET from a Redis cache: few round trips, bounded replies (10,000 records are about 60 MB).
MGET_CHUNK = 500
# Our option names -> the cache plugins' own option names (the same for jsonfile, yaml, redis, memcached, ...).
CACHE_OPTIONS = {'connection': '_uri', 'prefix': '_prefix', 'timeout': '_timeout'}
# host:port:db:password (optionally tls://) and sentinel "h:p;h:p;db:password": the password is the part to hide.
_PASSWORD_RES = (re.compile(r'^((?:tls://)?(?:[^:;]+|\[[^]]+\]):\d+:\d+):(.+)$'), re.compile(r'^(.*;\d+):(.+)$'))
# Seconds a cache's server may take to accept a connection, and to answer each request (options cache_io_timeout, io_timeout).
DEFAULT_IO_TIMEOUT = 10


class CacheError(Exception):
    """The fact cache could not be opened, read or written; the message names the cache (never its password)."""


def _password(connection):
    for pattern in _PASSWORD_RES:
        match = pattern.match(connection or '')
        if match:
            return match.group(2)
    return None


def mask_connection(connection):
    """A cache connection string fit to print: a Redis password becomes ****."""
    if connection is None:
        return None
    connection = str(connection)
    password = _password(connection)
    return connection[:len(connection) - len(password)] + '****' if password else connection


def io_timeout(value, option='io_timeout'):
    """The I/O timeout in seconds from a task or lookup option (a number, or its text from -e); None: the default.

    ValueError names the option and the fix.
    """
    if value is None:
        return float(DEFAULT_IO_TIMEOUT)
    seconds = None
    if isinstance(value, str):
        value = str(value)  # Ansible's tagged text shown as plain text
        try:
            seconds = float(value.strip())
        except ValueError:
            pass
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    if seconds is None or not math.isfinite(seconds) or seconds <= 0:
        raise ValueError('%s must be a number of seconds above 0 (how long the cache server may take to accept a connection '
                         'or to answer), got %r; for example %s: %d' % (option, value, option, DEFAULT_IO_TIMEOUT))
    return seconds


def _redis_clients(plugin):
    """The redis-py clients of a community.general.redis plugin: its database and, in sentinel mode, the sentinels."""
    client = getattr(plugin, '_db', None)
    pool = getattr(client, 'connection_pool', None)
    if not isinstance(getattr(pool, 'connection_kwargs', None), dict):
        return []
    manager = getattr(pool, 'sentinel_manager', None)
    return [client] + list(getattr(manager, 'sentinels', None) or [])


def bound_io(plugin, seconds):
    """Bound each socket wait of a Redis cache plugin to seconds, before its first connection; returns seconds, or None
    for a plugin without sockets of redis-py's (jsonfile, yaml, pickle, memory: nothing to bound).

    Every connection the clients' pools make from now on gets socket_connect_timeout and socket_timeout (a plugin's own
    shorter one stays: sentinel mode's 0.2 s) and one try: redis-py 6 retries a connect timeout three times with
    backoff (a listener that never accepts took 13 s at a 1 s timeout, 1 s with one try), as redis-py 4 and 5 did not.
    """
    clients = _redis_clients(plugin)
    for client in clients:
        kwargs = client.connection_pool.connection_kwargs
        for name in ('socket_timeout', 'socket_connect_timeout'):
            if name in kwargs or name == 'socket_timeout':  # a Unix socket connection takes no connect timeout
                kwargs[name] = seconds if kwargs.get(name) is None else min(kwargs[name], seconds)
        if 'retry' in kwargs:  # redis-py versions that take a retry policy
            from redis.backoff import NoBackoff
            from redis.retry import Retry
            kwargs['retry'] = Retry(NoBackoff(), 0)
    return seconds if clients else None


class FactCache:
    """One cache plugin instance: plugin None means the configured one (fact_caching / ANSIBLE_CACHE_PLUGIN).

    options: connection, prefix, timeout (the plugin's _uri, _prefix, _timeout); an option left out is the
    plugin's own setting (ansible.cfg [defaults] fact_caching_*, ANSIBLE_CACHE_PLUGIN_* environment).
    io_timeout: seconds for each connect and each answer of a Redis cache (bound_io); None leaves the plugin's sockets as they are.
    """

    def __init__(self, plugin=None, options=None, io_timeout=DEFAULT_IO_TIMEOUT):
        self.plugin = str(plugin or C.CACHE_PLUGIN)
        options = dict((k, v) for k, v in (options or {}).items() if v is not None)
        unknown = sorted(set(options) - set(CACHE_OPTIONS))
        if unknown:
            raise CacheError('unknown cache option %s: use %s' % (', '.join(unknown), ', '.join(sorted(CACHE_OPTIONS))))
        self._secret = _password(options.get('connection'))
        direct = dict((CACHE_OPTIONS[k], v) for k, v in options.items())
        try:
            self._cache = cache_loader.get(self.plugin, **direct)
        except Exception as exc:  # a plugin raises what it likes (AnsibleError, ImportError, ...)
            raise CacheError(self._message('cannot be opened', exc))
        if self._cache is None:  # ansible-core before 2.17 returns None for an unknown plugin name
            raise CacheError(self._message('cannot be opened', LookupError('no cache plugin of that name')))
        self._raw = getattr(self._cache, '__wrapped__', self._cache)
        self.io_timeout = bound_io(self._raw, io_timeout) if io_timeout is not None else None
        connection = options.get('connection')
        if connection is None:
            try:
                connection = self._raw.get_option('_uri')
            except (KeyError, AttributeError):
                connection = None
        if self._secret is None:
            self._secret = _password(connection)
        self.connection = mask_connection(connection)
        self.prefix = self._option('_prefix')
        if self.prefix is None and hasattr(self._raw, '_get_cache_file_name'):
            # File caches (jsonfile, yaml, pickle) store unprefixed keys then, but their keys() calls len(prefix).
            self._raw.set_option('_prefix', '')
        # Seconds after which the plugin itself drops a record (0: never); such a record cannot be reported stale.
        self.timeout = self._option('_timeout')

    def _option(self, name):
        try:
            return self._raw.get_option(name)
        except (KeyError, AttributeError):
            return None

    def describe(self):
        parts = [self.plugin]
        if self.connection:
            parts.append(self.connection)
        if self.prefix:
            parts.append('prefix %s' % self.prefix)
        return ' '.join(parts)

    def _message(self, what, exc):
        text = '%s: %s' % (type(exc).__name__, exc) if str(exc) else type(exc).__name__
        if type(exc).__name__ == 'TimeoutError' and getattr(self, 'io_timeout', None):  # redis-py's or the socket's
            text += '; no answer within the I/O timeout of %g s' % self.io_timeout
        if self._secret:
            text = text.replace(self._secret, '****')
        where = self.describe() if hasattr(self, 'connection') else self.plugin
        return 'the fact cache %s %s (%s)' % (where, what, text)

    def keys(self):
        """Every host name in the cache.

        ansible-core 2.19 prefixes keys with a schema id in a wrapper around the plugin, and that wrapper
        compares them as text: bytes from a plugin (community.general.redis) are decoded first.
        """
        try:
            raw_keys = list(self._raw.keys())
        except Exception as exc:
            raise CacheError(self._message('cannot be read', exc))
        names = []
        restore = getattr(self._cache, '_restore_key', None)
        for key in raw_keys:
            if isinstance(key, bytes):
                key = key.decode('utf-8', 'replace')
            key = restore(key) if restore is not None else key
            if key is not None:
                names.append(key)
        return sorted(set(names))

    def get(self, host):
        """The host's cached facts, {} when the cache has none."""
        try:
            facts = self._cache.get(host)
        except KeyError:
            return {}
        except Exception as exc:
            raise CacheError(self._message('cannot be read', exc))
        return facts if isinstance(facts, dict) else {}

    def get_many(self, hosts):
        """{host: facts} for each of hosts ({} when the cache has none), read in bulk where the plugin allows.

        community.general.redis: one MGET per MGET_CHUNK keys (the plugin's own key names) instead of a round
        trip per host, each value decoded as the plugin's get decodes it (and, on ansible-core 2.19, unwrapped
        as its cache wrapper does); a key whose value is gone takes the plugin's own get. Other plugins: one get
        per host (a file cache reads one file per host either way).
        """
        database = getattr(self._raw, '_db', None)
        make_key = getattr(self._raw, '_make_key', None)
        if make_key is None or not hasattr(database, 'mget'):
            return dict((host, self.get(host)) for host in hosts)
        wrapper = self._cache if self._cache is not self._raw else None  # ansible-core 2.19: keys and values wrapped
        hosts = list(hosts)
        found = {}
        for start in range(0, len(hosts), MGET_CHUNK):
            chunk = hosts[start:start + MGET_CHUNK]
            keys = [make_key(wrapper._get_key(host) if wrapper is not None else host) for host in chunk]
            try:
                values = database.mget(keys)
            except Exception as exc:
                raise CacheError(self._message('cannot be read', exc))
            for host, value in zip(chunk, values):
                if value is None:
                    found[host] = self.get(host)
                    continue
                try:
                    facts = json.loads(value, cls=AnsibleJSONDecoder)
                    if wrapper is not None:
                        facts = wrapper._decode(facts)
                except Exception as exc:
                    raise CacheError(self._message('cannot be read', exc))
                found[host] = facts if isinstance(facts, dict) else {}
        return found

    def set(self, host, facts):
        try:
            self._cache.set(host, facts)
        except Exception as exc:
            raise CacheError(self._message('cannot be written', exc))

    def delete(self, host):
        try:
            self._cache.delete(host)
        except KeyError:
            pass
        except Exception as exc:
            raise CacheError(self._message('cannot be written', exc))


def read_records(cache, fact='gotime_report'):
    """{host: record} for every host in the cache (None where the host has facts but no record), read in bulk."""
    records = {}
    for host, facts in cache.get_many(cache.keys()).items():
        record = facts.get(fact)
        records[host] = record if isinstance(record, dict) else None
    return records


def read_cache(options, fact='gotime_report'):
    """Every record of the fact cache that options name (plugin, connection, prefix, timeout, io_timeout; {} or a None
    plugin: the configured one) and where they came from: ({host: record}, source). A bad io_timeout: ValueError."""
    if not isinstance(options, dict):
        raise CacheError('cache must be a dict with plugin, connection, prefix, timeout, io_timeout (each optional)')
    seconds = io_timeout(options.get('io_timeout'), 'cache.io_timeout')
    source = FactCache(options.get('plugin'), dict((k, v) for k, v in options.items() if k not in ('plugin', 'io_timeout')), seconds)
    records = read_records(source, fact)
    return records, {'kind': 'fact_cache', 'plugin': source.plugin, 'connection': source.connection, 'prefix': source.prefix,
                     'timeout': source.timeout, 'cache_hosts': len(records)}


def measured_at(record):
    origin = (record or {}).get('origin') if isinstance(record, dict) else None
    when = (origin or {}).get('measured_at') if isinstance(origin, dict) else None
    if when is None and isinstance(record, dict):
        when = (record.get('clock') or {}).get('checked_at')
    return parse_time(when)


def write_record(cache, host, record, fact='gotime_report'):
    """Put the record into the host's cached facts, keeping its other facts.

    The newer measurement wins: a record older than the cached one (a late spool flush, a slower
    controller) leaves the cache as it is. Returns 'written' or 'kept_newer'.
    """
    facts = dict(cache.get(host))
    current = facts.get(fact)
    new_time, current_time = measured_at(record), measured_at(current)
    if isinstance(current, dict) and current_time is not None and (new_time is None or current_time > new_time):
        return 'kept_newer'
    facts[fact] = record
    cache.set(host, facts)
    return 'written'
