#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: fleet_record
short_description: Record a host's fleet report record in a shared fact cache, or keep it for later
version_added: 0.2.0
description:
  - Writes one host's C(gotime_report) record (built with the P(cifleet.gotime.fleet_report_record#filter) filter)
    into a fact cache through Ansible's cache plugins, such as a shared C(community.general.redis) that every
    controller's report reads. This is how agents that configure themselves with C(ansible-pull) reach the
    fleet report (playbooks/record.yml).
  - Runs on the controller (an action plugin); with ansible-pull the controller is the agent itself.
  - The host's other cached facts are kept, and the newer measurement wins (by the record's C(origin.measured_at));
    an older record never replaces a newer one.
  - When the cache cannot be reached (Redis down, wrong password, bad connection), the task does not fail unless
    O(required=true). With O(spool) the record is kept there (Ansible's C(ansible.builtin.jsonfile) cache) and sent
    at the next run that reaches the cache, with its original measurement time; without O(spool) the result and a
    warning say plainly that it was not recorded. Either way the message names the cache and the error, never the password.
author:
  - cifleet maintainers (@cifleet)
extends_documentation_fragment:
  - cifleet.gotime.controller_action
options:
  record:
    description: The record, from P(cifleet.gotime.fleet_report_record#filter) (with C(origin=pull) on an agent).
    type: dict
    required: true
  name:
    description:
      - Key of the record in the cache, the host name that reports show.
      - Default the inventory host name, except for C(localhost), C(127.0.0.1) and C(::1) (an agent that pulls),
        where it is the controller's host name (C(socket.gethostname())).
      - Use the name your controllers' inventories give the host, so that a host measured both ways has one record.
    type: str
  fact:
    description: Name of the record among the host's cached facts.
    type: str
    default: gotime_report
  cache_plugin:
    description: Cache plugin, for example V(community.general.redis); default the configured fact cache (C(fact_caching)).
    type: str
  cache_connection:
    description:
      - The plugin's connection (C(_uri)); for Redis V(host:port:db:password), V(tls://) in front for TLS.
      - Default the plugin's own setting (E(ANSIBLE_CACHE_PLUGIN_CONNECTION) or C(fact_caching_connection) in ansible.cfg),
        which keeps the password out of playbooks and inventories.
    type: str
  cache_prefix:
    description: The plugin's key prefix (C(_prefix)); default the plugin's own setting.
    type: str
  cache_timeout:
    description: The plugin's expiry in seconds (C(_timeout)), V(0) never expires; default the plugin's own setting.
    type: int
  cache_io_timeout:
    description:
      - Seconds a Redis cache (C(community.general.redis)) may take to accept the connection, and then to answer each
        request, a number above V(0); one try each. A server that does not answer in time is a cache failure like any other,
        so the record is spooled (O(spool)) and the task goes on. Not the record expiry O(cache_timeout).
      - The redis plugin itself sets no socket timeout, so without a bound an address that drops packets, or a server that
        accepts and never answers, would hold the run forever. Caches without sockets (C(ansible.builtin.jsonfile)) ignore it.
    type: raw
    default: 10
  spool:
    description:
      - Directory on the controller (root only, created C(0700)) where a record that could not be written waits for the
        next run. Records waiting there are sent first, then removed.
      - Without it, a record that could not be written is lost for the fleet report, and the result says so.
    type: path
  required:
    description: Fail the task when the record could not be written to the cache (it is still spooled first).
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Record this agent in the shared Redis (connection from ANSIBLE_CACHE_PLUGIN_CONNECTION)
  cifleet.gotime.fleet_record:
    record: "{{ gotime_report }}"
    cache_plugin: community.general.redis
    cache_prefix: gotime_
    cache_timeout: 0
    spool: /var/lib/cifleet-gotime-pull/spool
'''

RETURN = r'''
recorded:
  description: The record is in the cache now (written, or a newer one was already there).
  returned: always
  type: bool
name:
  description: Cache key (host name) of the record.
  returned: always
  type: str
cache:
  description: The cache, as plugin, connection with the password masked, and prefix.
  returned: always
  type: str
outcome:
  description: V(written), V(kept_newer) (the cache held a newer record), V(spooled) or V(not_recorded).
  returned: always
  type: str
error:
  description: Why the cache could not be written, when it could not.
  returned: when the cache failed
  type: str
sent_from_spool:
  description: Names of the spooled records sent to the cache in this run.
  returned: always
  type: list
  elements: str
spooled:
  description: Names of the records waiting in the spool after this run.
  returned: always
  type: list
  elements: str
'''

from ansible_collections.cifleet.gotime.plugins.module_utils._controller_action import refuse_on_target
from ansible_collections.cifleet.gotime.plugins.module_utils._fleet_record_spec import ARGUMENT_SPEC


def main():
    refuse_on_target('fleet_record', ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
