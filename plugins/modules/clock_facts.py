#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: clock_facts
short_description: Measure the host's clock offset, sync state and TLS certificate windows
version_added: 0.1.0
description:
  - Queries several NTP servers concurrently (ntplib) and selects true time by interval intersection,
    as chrony and RFC 5905 do; servers that disagree with the majority are named as falsetickers and never averaged in.
  - When no NTP server answers, estimates the offset from the Date header of HTTPS servers (one-second resolution).
  - Reads the host's own sync state (macOS C(systemsetup) and the launchd_sync status file; Linux C(chronyc) or C(timedatectl)).
  - Fetches the TLS certificates that Go downloads depend on and judges their validity window at host time and at true time.
  - Returns a verdict with a reason that names the real cause. Clock skew breaks TLS; it never causes go.sum checksum mismatches.
  - A server or endpoint that fails is reported as a status; it never fails the module.
author:
  - cifleet maintainers (@cifleet)
requirements:
  - ntplib
  - cryptography >= 3.3
extends_documentation_fragment: []
attributes:
  check_mode:
    support: full
    description: The module only reads; check mode runs it the same way.
  diff_mode:
    support: none
    description: Nothing changes, so there is no diff.
  facts:
    support: full
    description: Returns C(ansible_facts.gotime_clock).
options:
  ntp_servers:
    description:
      - NTP servers to query, each V(host), V(host:port), V([v6addr]:port) or a bare IPv6 address.
      - Use three or more so that a falseticker can be outvoted.
    type: list
    elements: str
    default: [time.apple.com, 0.pool.ntp.org, 1.pool.ntp.org, 2.pool.ntp.org]
  ntp_port:
    description: Port for entries of O(ntp_servers) that name none.
    type: int
    default: 123
  ntp_timeout:
    description: Seconds to wait for each NTP reply; all servers are queried at once, so this bounds the whole NTP step.
    type: float
    default: 2.0
  samples:
    description:
      - Exchanges per server, sent back to back; the one with the smallest round-trip delay is kept.
      - Public servers rate-limit back-to-back requests (Kiss-o'-Death RATE, or dropped replies that cost O(ntp_timeout)),
        so raise this only for servers you run.
    type: int
    default: 1
  https_date_urls:
    description:
      - HTTPS URLs whose Date header estimates true time when no NTP server answers (UDP 123 blocked).
      - The certificate chain and host name are verified, the validity period is not (the clock is the suspect).
    type: list
    elements: str
    default: ['https://proxy.golang.org/', 'https://www.apple.com/']
  https_date_ca_file:
    description: CA bundle for O(https_date_urls); the system trust store when omitted.
    type: path
  cert_endpoints:
    description: V(host:port) TLS endpoints whose certificate window is judged at host time and at true time.
    type: list
    elements: str
    default: ['proxy.golang.org:443', 'sum.golang.org:443']
  tls_timeout:
    description: Seconds allowed for each TLS connection and HTTPS request.
    type: float
    default: 5.0
  max_offset:
    description: Offset in seconds beyond which the verdict is V(skewed).
    type: float
    default: 1.0
  host_sync:
    description: Read the host's own sync state (daemon, configured servers, synchronized).
    type: bool
    default: true
  launchd_status_path:
    description: Status file written by the launchd_sync job on macOS; reported when present.
    type: path
    default: /var/db/cifleet.gotime/launchd_sync.json
notes:
  - Offsets follow NTP's sign convention, true time minus host time; a positive offset means the host clock is slow.
  - Nothing on the host changes; the clock is never stepped by this module (see playbooks/remediate.yml).
'''

EXAMPLES = r'''
- name: Measure clock and certificate windows with the defaults
  cifleet.gotime.clock_facts:

- name: Use the fleet's own NTP servers and the company Go proxy
  cifleet.gotime.clock_facts:
    ntp_servers:
      - ntp1.corp.example:123
      - ntp2.corp.example
      - time.apple.com
    cert_endpoints:
      - goproxy.corp.example:443
      - sum.golang.org:443
    max_offset: 0.5

- name: Fail the play when the clock cannot be trusted
  ansible.builtin.assert:
    that: ansible_facts.gotime_clock.verdict == 'ok'
    fail_msg: "{{ ansible_facts.gotime_clock.reason }}"
'''

RETURN = r'''
ansible_facts:
  description: Facts to add to ansible_facts.
  returned: always
  type: dict
  contains:
    gotime_clock:
      description: Clock offset, sync state, certificate windows and verdict.
      returned: always
      type: dict
      contains:
        checked_at:
          description: When the check started, by the host's clock (UTC ISO 8601).
          type: str
          sample: '2026-11-27T18:00:00.123Z'
        platform:
          description: C(platform.system()) of the host.
          type: str
          sample: Darwin
        offset:
          description: True time minus host time in seconds, from C(offset_source); null when unknown.
          type: float
          sample: -312.004
        error_bound:
          description: The true offset lies within offset plus or minus this many seconds.
          type: float
          sample: 0.012
        offset_source:
          description: Where true time came from, V(ntp) or V(https_date); null when neither.
          type: str
          sample: ntp
        max_offset:
          description: The threshold used for the verdict.
          type: float
          sample: 1.0
        ntp:
          description: Per-server results and the selection.
          type: dict
          contains:
            servers:
              description: One entry per server, in the order given.
              type: list
              elements: dict
              sample:
                - {host: time.apple.com, port: 123, address: 17.253.60.45, status: ok, offset: 0.0021, delay: 0.018,
                   stratum: 1, leap: 0, ref_id: GPSs, root_delay: 0.0, root_dispersion: 0.0002, root_distance: 0.0093,
                   samples: 3, error: null}
            selection:
              description:
                - Interval intersection over the servers that answered. offset is the midpoint of the intersection
                  and error_bound its half-width; falsetickers are named and left out.
              type: dict
              sample: {offset: 0.0021, error_bound: 0.004, truechimers: ['time.apple.com:123'], falsetickers: [],
                       majority: true, candidates: 1, reason: null}
        https_date:
          description: HTTPS Date results and their estimate, only when no NTP server answered.
          type: dict
          sample: {results: [], estimate: null}
        host_sync:
          description: The host's own sync state; null when O(host_sync=false).
          type: dict
          sample: {daemon: timed, network_time_enabled: true, servers: [time.apple.com], synchronized: null,
                   offset: null, source: systemsetup, needs_admin: false, launchd_sync: null, errors: []}
        certificates:
          description: One entry per O(cert_endpoints) item.
          type: list
          elements: dict
          sample:
            - {endpoint: 'proxy.golang.org:443', subject: CN=proxy.golang.org, issuer: 'CN=WR2,O=Google Trust Services,C=US',
               sans: [proxy.golang.org], not_before: '2026-10-01T08:00:00Z', not_after: '2026-12-24T08:00:00Z',
               valid_at_host_time: false, valid_at_true_time: true, seconds_until_expiry: 2316000, error: null}
        verdict:
          description: V(ok), V(skewed) (offset beyond O(max_offset)), V(tls_window) (a certificate valid at true time is not
            valid at host time) or V(no_time_source).
          type: str
          sample: tls_window
        reason:
          description: The verdict in words, naming the real cause.
          type: str
          sample: 'host clock 312.004 s slow (ntp, error bound 0.004 s): certificates for proxy.golang.org:443 (not yet valid at host time); ...'
'''

import platform

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.cifleet.gotime.plugins.module_utils import _clock
from ansible_collections.cifleet.gotime.plugins.module_utils import _ntp
from ansible_collections.cifleet.gotime.plugins.module_utils import _tls_window


def main():
    module = AnsibleModule(
        argument_spec=dict(
            ntp_servers=dict(type='list', elements='str', default=['time.apple.com', '0.pool.ntp.org', '1.pool.ntp.org', '2.pool.ntp.org']),
            ntp_port=dict(type='int', default=123),
            ntp_timeout=dict(type='float', default=2.0),
            samples=dict(type='int', default=1),
            https_date_urls=dict(type='list', elements='str', default=['https://proxy.golang.org/', 'https://www.apple.com/']),
            https_date_ca_file=dict(type='path'),
            cert_endpoints=dict(type='list', elements='str', default=['proxy.golang.org:443', 'sum.golang.org:443']),
            tls_timeout=dict(type='float', default=5.0),
            max_offset=dict(type='float', default=1.0),
            host_sync=dict(type='bool', default=True),
            launchd_status_path=dict(type='path', default='/var/db/cifleet.gotime/launchd_sync.json'),
        ),
        supports_check_mode=True,
    )
    if not _ntp.HAS_NTPLIB:
        module.fail_json(msg=missing_required_lib('ntplib'), exception=_ntp.NTPLIB_IMPORT_ERROR)
    if not _tls_window.HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib('cryptography'), exception=_tls_window.CRYPTOGRAPHY_IMPORT_ERROR)

    def run(argv):
        return module.run_command(argv, environ_update={'LANG': 'C', 'LC_ALL': 'C'})

    def which(name):
        return module.get_bin_path(name, opt_dirs=['/usr/sbin', '/sbin'])

    try:
        fact = _clock.gather(module.params, run, which, platform.system())
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, ansible_facts={'gotime_clock': fact})


if __name__ == '__main__':
    main()
