# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
name: fleet_records
version_added: 0.2.0
short_description: Every host's fleet report record from a fact cache, inventory or not
description:
  - Enumerates the keys of a fact cache through Ansible's cache plugins and returns each host's cached
    O(fact) record (written by playbooks/report.yml on a controller or by playbooks/record.yml on an agent
    that pulls), for every host in the cache, whether or not the controller's inventory has it.
  - By default it reads the configured fact cache (C(fact_caching) in ansible.cfg, E(ANSIBLE_CACHE_PLUGIN)) with
    that plugin's own settings (C(fact_caching_connection), E(ANSIBLE_CACHE_PLUGIN_CONNECTION), prefix, timeout).
    O(plugin), O(connection), O(prefix) and O(timeout) name another cache, such as a shared
    C(community.general.redis).
  - Returns one element, a dict with C(records) (host name to record, V(null) for a host with facts but no record)
    and C(source) (plugin, connection with the password masked, prefix, timeout, host count); read it with C(query(...) | first).
  - A cache that cannot be opened or read fails the lookup with a message that names the cache, never its password.
author:
  - cifleet maintainers (@cifleet)
options:
  fact:
    description: Name of the cached per-host record.
    type: str
    default: gotime_report
  plugin:
    description: Cache plugin, for example V(ansible.builtin.jsonfile) or V(community.general.redis); default the configured one.
    type: str
  connection:
    description: The plugin's connection (C(_uri)); for Redis V(host:port:db:password), V(tls://) in front for TLS.
    type: str
  prefix:
    description: The plugin's key prefix (C(_prefix)).
    type: str
  timeout:
    description: The plugin's expiry timeout in seconds (C(_timeout)); V(0) never expires.
    type: int
  io_timeout:
    description:
      - Seconds a Redis cache (C(community.general.redis)) may take to accept the connection, and then to answer each
        request, a number above V(0); one try each. A server that does not answer in time fails the lookup with the cache
        named. Not the record expiry O(timeout).
      - Caches without sockets (C(ansible.builtin.jsonfile)) ignore it.
    type: raw
    default: 10
notes:
  - A cache plugin drops records older than its own timeout; set it to V(0) (or far above the report's max_age) so
    that old records are shown as stale rather than vanishing.
"""

EXAMPLES = r"""
- name: Read every record of the shared Redis cache
  ansible.builtin.set_fact:
    fleet_cache: >-
      {{ query('cifleet.gotime.fleet_records', plugin='community.general.redis',
               connection=lookup('ansible.builtin.env', 'GOTIME_REDIS'), prefix='gotime_') | first }}
  run_once: true
"""

RETURN = r"""
_list:
  description: One dict with C(records) (host name to record) and C(source) (where they were read).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

try:
    from ansible.utils.unsafe_proxy import wrap_var
except ImportError:  # an ansible-core without unsafe_proxy never templates data again
    def wrap_var(value):
        return value

from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fact_cache


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        if terms:
            raise AnsibleLookupError('fleet_records takes no terms, only options (fact, plugin, connection, prefix, timeout, io_timeout)')
        options = dict((name, self.get_option(name)) for name in _fact_cache.CACHE_OPTIONS)
        try:
            io_timeout = _fact_cache.io_timeout(self.get_option('io_timeout'), 'io_timeout')
        except ValueError as exc:
            raise AnsibleLookupError('fleet_records: %s' % exc)
        try:
            cache = _fact_cache.FactCache(self.get_option('plugin'), options, io_timeout)
            records = _fact_cache.read_records(cache, self.get_option('fact'))
        except _fact_cache.CacheError as exc:
            raise AnsibleLookupError('fleet_records: %s' % exc)
        source = {'kind': 'fact_cache', 'plugin': cache.plugin, 'connection': cache.connection, 'prefix': cache.prefix,
                  'timeout': cache.timeout, 'cache_hosts': len(records)}
        # Host-provided text (errors, reasons): never templated again.
        return [wrap_var({'records': records, 'source': source})]
