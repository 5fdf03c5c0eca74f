#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: fleet_report
short_description: Write the fleet report files (JSON, CSV, HTML, Prometheus) from the hosts' cached records
version_added: 0.2.0
description:
  - Builds the fleet report document from each host's C(gotime_report) record (written by playbooks/report.yml or by an
    agent with M(cifleet.gotime.fleet_record)) and writes C(<basename>.json), C(.csv), C(.html) and C(.prom) into O(dest).
    The C(fleet_report) role calls it; the document and its schema are described in docs/report.md.
  - Runs on the controller (an action plugin). With O(cache) it reads every record of that fact cache (Redis in bulk);
    without, the records of O(hosts) from the play's hostvars.
  - Each file is written whole (a temporary file in O(dest), then renamed over the old one) with O(mode), and left as it is
    when it already holds the same content and mode. No module runs on any host; the files, the schema and the directory
    are all handled here.
author:
  - cifleet maintainers (@cifleet)
extends_documentation_fragment:
  - cifleet.gotime.controller_action
options:
  dest:
    description: Directory on the controller for the report files; created (with its parents) when missing.
    type: path
    required: true
  directory_mode:
    description: Permissions of O(dest), octal; set when it differs.
    type: raw
    default: '0755'
  schema:
    description: A JSON schema file shipped next to the report as C(<basename>.schema.json) (written like the others) when V(json) is in O(formats).
    type: path
  basename:
    description: File name without extension.
    type: str
    default: fleet-report
  formats:
    description: Files to write.
    type: list
    elements: str
    choices: [json, csv, html, prometheus]
    default: [json, csv, html, prometheus]
  hosts:
    description:
      - Inventory host names in the report. Without O(cache), their records are read from hostvars (a host without one is
        C(missing)); with O(cache), hosts the cache lacks are reported C(missing).
    type: list
    elements: str
    default: []
  failed_hosts:
    description: Hosts that failed in this run outside the collection's tasks (no record written).
    type: list
    elements: str
    default: []
  fact:
    description: Name of the cached per-host record.
    type: str
    default: gotime_report
  cache:
    description:
      - Report every record of this fact cache instead of the hostvars of O(hosts). V({}) is the configured fact cache
        (C(fact_caching) and its settings); each option given overrides that plugin's own setting.
    type: dict
    suboptions:
      plugin:
        description: Cache plugin, for example V(community.general.redis).
        type: str
      connection:
        description: The plugin's connection (C(_uri)); for Redis V(host:port:db:password). Never printed.
        type: str
      prefix:
        description: The plugin's key prefix (C(_prefix)).
        type: str
      timeout:
        description: The plugin's expiry in seconds (C(_timeout)).
        type: int
      io_timeout:
        description:
          - Seconds a Redis cache may take to accept the connection, and then to answer each request, a number above V(0);
            one try each. A server that does not answer in time fails the task with the cache named. Not the expiry O(cache.timeout).
          - Caches without sockets (C(ansible.builtin.jsonfile)) ignore it.
        type: raw
        default: 10
  generated_at:
    description: Report time, UTC ISO 8601; default now (controller clock).
    type: str
  title:
    description: Title of the report.
    type: str
    default: Fleet clock and Go posture
  max_age:
    description: Records measured longer ago than this many seconds before the report time are shown as stale, with their age.
    type: raw
    default: 7200
  mode:
    description: Permissions of the files, octal (V('0644')); set on every file the task writes.
    type: raw
    default: '0644'
'''

EXAMPLES = r'''
- name: Write the report of every host in the configured fact cache
  cifleet.gotime.fleet_report:
    dest: /srv/reports
    cache: {}
  run_once: true
'''

RETURN = r'''
files:
  description: Path of each file, by format.
  returned: always
  type: dict
  sample: {json: /srv/reports/fleet-report.json, prometheus: /srv/reports/fleet-report.prom}
written:
  description: Paths of the files (and O(dest) itself) this run changed (in check mode, would change).
  returned: always
  type: list
  elements: str
hosts:
  description: Hosts in the report.
  returned: always
  type: int
states:
  description: Hosts per report state.
  returned: always
  type: dict
stale:
  description: Hosts whose record is older than O(max_age).
  returned: always
  type: int
source:
  description: Where the records were read (the cache's connection with the password masked).
  returned: always
  type: dict
'''

from ansible_collections.cifleet.gotime.plugins.module_utils._controller_action import refuse_on_target
from ansible_collections.cifleet.gotime.plugins.module_utils._fleet_report_spec import ARGUMENT_SPEC


def main():
    refuse_on_target('fleet_report', ARGUMENT_SPEC)


if __name__ == '__main__':
    main()
