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
  - Where the host's Python offers the chain the server sent (Python 3.13 and later), every certificate of it is judged, and the
    facts and the reason say which one is outside its window (position, subject, issuer, window). Older Pythons offer only the
    leaf (the server's own certificate), which is then judged alone, and the facts say so (C(chain_checked=false)); an
    intermediate outside its window, which makes TLS fail just the same, is then not seen.
  - Returns a verdict with a reason that names the real cause. Clock skew breaks TLS; it never causes go.sum checksum mismatches.
  - A server or endpoint that fails is reported as a status; it never fails the module.
  - Text that peers and files supply (certificate names, error texts, the launchd_sync status) is returned with control
    and bidi characters as visible escapes such as C(\x1b) and invalid UTF-8 replaced, never cut (see docs/report.md).
author:
  - cifleet maintainers (@cifleet)
requirements:
  - ntplib
  - cryptography >= 3.3
extends_documentation_fragment:
  - cifleet.gotime.read_only
attributes:
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
  - Certificates are read without verifying them (the clock is the suspect), so the fact shows the issuer a host is given
    even when an intercepting proxy's CA signed it.
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
      description:
        - Clock offset, sync state, certificate windows and verdict.
        - Every offset is true time minus host time in seconds (NTP's sign); positive means the host clock is slow.
      returned: always
      type: dict
      contains:
        checked_at:
          description: When the check started, by the host's clock (UTC ISO 8601, milliseconds, C(Z)).
          type: str
          sample: '2026-11-27T18:00:00.123Z'
        platform:
          description: The host's system as Python's platform.system() names it, such as V(Darwin) or V(Linux).
          type: str
          sample: Darwin
        offset:
          description:
            - True time minus host time in seconds, from C(offset_source); positive means the host clock is slow.
            - Null when true time is unknown (verdict V(no_time_source)).
          type: float
          sample: -312.004
        error_bound:
          description: Seconds; the true offset lies within C(offset) plus or minus this. Null with C(offset).
          type: float
          sample: 0.012
        offset_source:
          description: Where true time came from, V(ntp) or V(https_date); null when neither.
          type: str
          sample: ntp
        max_offset:
          description: The verdict's threshold in seconds (O(max_offset)).
          type: float
          sample: 1.0
        ntp:
          description: Per-server results and the selection.
          type: dict
          contains:
            servers:
              description: One entry per O(ntp_servers) item, in the order given.
              type: list
              elements: dict
              sample:
                - {host: time.apple.com, port: 123, address: 17.253.60.45, status: ok, offset: 0.0021, delay: 0.018,
                   stratum: 1, leap: 0, ref_id: GPSs, root_delay: 0.0, root_dispersion: 0.0002, root_distance: 0.0093,
                   samples: 3, error: null}
              contains:
                host:
                  description: The server's host name or address, as given.
                  type: str
                  sample: time.apple.com
                port:
                  description: The UDP port queried.
                  type: int
                  sample: 123
                address:
                  description: The IP address queried; null when the name did not resolve.
                  type: str
                  sample: 17.253.60.45
                status:
                  description:
                    - V(ok), V(timeout) (no reply in time, or no address reachable), V(dns_error) (the name did not resolve),
                      V(kod) (Kiss-o'-Death, such as RATE or DENY), V(bad_reply) (malformed or not an answer to our request)
                      or V(unsynchronized) (leap indicator 3, stratum 0 or 16, or a root distance over 3 s).
                    - Only V(ok) servers take part in the selection.
                  type: str
                  sample: ok
                offset:
                  description: This server's true time minus host time in seconds (positive means the host clock is slow); null without a
                               reply.
                  type: float
                  sample: 0.0021
                delay:
                  description: Round-trip delay of the kept exchange in seconds.
                  type: float
                  sample: 0.018
                stratum:
                  description: The server's stratum (1 for a reference clock; 0 in a Kiss-o'-Death).
                  type: int
                  sample: 1
                leap:
                  description: The leap indicator (0 to 2 normal, 3 unsynchronized).
                  type: int
                  sample: 0
                ref_id:
                  description: The reference ID as chrony shows it, an ASCII code at stratum 0 or 1 (the kiss code for V(kod)), else an IPv4
                               address (a hash for an IPv6 reference).
                  type: str
                  sample: GPSs
                root_delay:
                  description: The server's round-trip delay to its reference clock in seconds.
                  type: float
                  sample: 0.0
                root_dispersion:
                  description: The server's dispersion to its reference clock in seconds.
                  type: float
                  sample: 0.0002
                root_distance:
                  description: Half the delay plus root dispersion, half the root delay and the precisions, in seconds, at least
                               0.001 (ntpd's C(mindist)); true time lies within C(offset) plus or minus this if the server is right.
                  type: float
                  sample: 0.0093
                samples:
                  description: Exchanges the server answered (of O(samples)); the one with the smallest delay is kept.
                  type: int
                  sample: 3
                error:
                  description: What went wrong, in words; null when nothing did.
                  type: str
                  sample: null
            selection:
              description:
                - Interval intersection over the V(ok) servers. offset is the midpoint of the intersection and error_bound
                  its half-width; falsetickers are named and left out.
              type: dict
              sample: {offset: 0.0021, error_bound: 0.004, truechimers: ['time.apple.com:123'], falsetickers: [],
                       majority: true, candidates: 1, reason: null}
              contains:
                offset:
                  description: True time minus host time in seconds by the majority; null without a majority.
                  type: float
                  sample: 0.0021
                error_bound:
                  description: Seconds; half-width of the intersection, null without a majority.
                  type: float
                  sample: 0.004
                truechimers:
                  description: The servers (V(host:port), V([v6]:port)) whose interval contains the intersection.
                  type: list
                  elements: str
                  sample: ['time.apple.com:123']
                falsetickers:
                  description: The V(ok) servers outside the intersection; named, never averaged in. Empty without a majority.
                  type: list
                  elements: str
                  sample: []
                majority:
                  description: True when more than half of the V(ok) servers agree.
                  type: bool
                  sample: true
                candidates:
                  description: The number of V(ok) servers.
                  type: int
                  sample: 1
                reason:
                  description: Why nothing was selected (no candidates, no majority); null after a selection.
                  type: str
                  sample: null
        https_date:
          description: HTTPS Date results and their estimate; queried only when no NTP server answered.
          type: dict
          sample: {results: [], estimate: null}
          contains:
            results:
              description: One entry per O(https_date_urls) item; empty when NTP answered.
              type: list
              elements: dict
              contains:
                url:
                  description: The URL asked.
                  type: str
                  sample: 'https://proxy.golang.org/'
                status:
                  description: V(ok), V(error) (connection refused or reset, or no usable HTTP reply), V(no_date) (no or unreadable Date
                               header), V(timeout), V(dns_error) or V(tls_error) (handshake or certificate chain and host name verification
                               failed).
                  type: str
                  sample: ok
                offset:
                  description: True time minus host time in seconds by this server's Date header (one-second resolution); null unless V(ok).
                  type: float
                  sample: 300.2
                round_trip:
                  description: Seconds the request took.
                  type: float
                  sample: 0.0412
                resolution:
                  description: Resolution of the Date header in seconds (1.0).
                  type: float
                  sample: 1.0
                date:
                  description: The Date header as received.
                  type: str
                  sample: 'Fri, 27 Nov 2026 18:05:00 GMT'
                error:
                  description: What went wrong, in words; null when nothing did.
                  type: str
                  sample: null
                note:
                  description: How the offset was estimated and that the certificate's validity period was not checked.
                  type: str
            estimate:
              description: The combined estimate of the V(ok) results; null when there is none.
              type: dict
              contains:
                source:
                  description: V(https_date).
                  type: str
                  sample: https_date
                offset:
                  description: Median offset of the V(ok) results in seconds (true minus host).
                  type: float
                  sample: 300.2
                error_bound:
                  description: Seconds; the Date resolution (1 s) plus half the longest round trip.
                  type: float
                  sample: 1.021
                resolution:
                  description: Resolution of the Date header in seconds (1.0).
                  type: float
                  sample: 1.0
                spread:
                  description: Largest minus smallest offset in seconds; above 2 s the estimate is not used.
                  type: float
                  sample: 0.0
                count:
                  description: The number of V(ok) results.
                  type: int
                  sample: 2
        host_sync:
          description: The host's own sync state; null when O(host_sync=false).
          type: dict
          sample: {daemon: timed, network_time_enabled: true, servers: [time.apple.com], synchronized: null,
                   offset: null, source: systemsetup, needs_admin: false, launchd_sync: null,
                   mdm: {managed: false, time_server: null, servers: [], time_zone: null, source: osascript, reason: null}, errors: []}
          contains:
            daemon:
              description: The time daemon, V(timed) (macOS), V(chronyd), V(systemd-timesyncd) or V(ntpd); null when unknown.
              type: str
              sample: chronyd
            network_time_enabled:
              description: Whether network time is on (macOS C(systemsetup -getusingnetworktime), systemd NTP); null when unknown.
              type: bool
              sample: true
            servers:
              description: The time servers the daemon is configured with (macOS timed honours the first only).
              type: list
              elements: str
              sample: [time.apple.com]
            synchronized:
              description: Whether the daemon says the clock is synchronized; null when it cannot say (macOS).
              type: bool
              sample: true
            offset:
              description: The daemon's own offset in seconds (chronyd the correction still to apply, systemd-timesyncd the last
                           measurement), true minus host, positive means the host clock is slow; null on macOS.
              type: float
              sample: 0.000012
            source:
              description: Where this came from, V(systemsetup), V(chronyc) or V(timedatectl); null when no tool answered.
              type: str
              sample: chronyc
            needs_admin:
              description: True when systemsetup refused to answer without root (run the task with become).
              type: bool
              sample: false
            launchd_sync:
              description: The last result of the launchd_sync job (O(launchd_status_path)); null when the file does not exist.
              type: dict
              contains:
                time:
                  description: When the job ran (UTC ISO 8601).
                  type: str
                  sample: '2026-11-27T19:00:00Z'
                offset:
                  description: The offset the job measured with sntp in seconds (true minus host), before any step; null when nothing was measured.
                  type: float
                  sample: -312.004113
                action:
                  description:
                    - V(none) (within the threshold), V(stepped) (stepped with C(sntp -sS) and verified within the threshold),
                      V(stepped_unverified) (stepped, but the check after the step found no agreed time; the error says why)
                      or V(failed) (no agreed time, no step, the step failed, or the clock still beyond the threshold after it).
                  type: str
                  sample: stepped
                server:
                  description: The server the job stepped from, or would have (a truechimer); null when no time was agreed.
                  type: str
                  sample: time.apple.com
                error:
                  description: Why the run failed or why its step is not verified, or why the status file could not be read; null otherwise.
                  type: str
                  sample: null
                threshold:
                  description: The job's step threshold in seconds.
                  type: float
                  sample: 1.0
                servers:
                  description: The servers asked (gotime-clock, role clock_tool); empty in an older launchd_sync status.
                  type: list
                  elements: str
                  sample: [time.apple.com, time.cloudflare.com, pool.ntp.org]
                agreed:
                  description: The servers whose answers agreed (the majority the offset came from).
                  type: list
                  elements: str
                  sample: [time.apple.com, time.cloudflare.com]
                falsetickers:
                  description: The servers that answered outside the agreed time, named and ignored.
                  type: list
                  elements: str
                  sample: [pool.ntp.org]
                trigger:
                  description: What ran the check, V(schedule) (launchd job), V(job) (the pre-job guard) or V(manual); null in an older status.
                  type: str
                  sample: schedule
                error_bound:
                  description: Half-width of the agreed interval in seconds; null when no time was agreed.
                  type: float
                  sample: 0.0213
                decision:
                  description: >-
                    The guard's decision (V(in_sync), V(stepped), V(refused_skewed), V(refused_unverified), V(refused_no_source),
                    V(warned_no_source)); null for other runs.
                  type: str
                  sample: null
            mdm:
              description:
                - macOS only (null elsewhere) - the time settings a configuration profile (MDM payload C(com.apple.MCX)) manages.
                - Read from the C(com.apple.MCX) defaults suite with C(osascript -l JavaScript) (values the profile forces, as
                  compliance tools read them), else from C(/Library/Managed Preferences/com.apple.MCX.plist).
                - A profile that pins the time server wins over C(systemsetup) when it re-applies; the timesync role leaves
                  such a server alone unless told to override it.
              type: dict
              sample: {managed: true, time_server: ntp.corp.example, servers: [ntp.corp.example], time_zone: Europe/Berlin,
                       source: osascript, reason: null}
              contains:
                managed:
                  description: True when a profile sets the time server (C(timeServer)), false when none does; null when the
                               settings could not be read (see RV(ansible_facts.gotime_clock.host_sync.mdm.reason)).
                  type: bool
                  sample: true
                time_server:
                  description: The profile's C(timeServer) as written (may list several, comma-separated); null when not managed.
                  type: str
                  sample: ntp.corp.example
                servers:
                  description: RV(ansible_facts.gotime_clock.host_sync.mdm.time_server) split on commas; timed honours the first.
                  type: list
                  elements: str
                  sample: [ntp.corp.example]
                time_zone:
                  description: The profile's C(timeZone) (a zoneinfo name); null when not managed.
                  type: str
                  sample: Europe/Berlin
                source:
                  description: Where the settings were read, V(osascript) or the managed preferences file's path; null when unreadable.
                  type: str
                  sample: osascript
                reason:
                  description: Why the settings could not be read (each source's failure); null when they were read.
                  type: str
                  sample: null
            errors:
              description: Commands that failed or printed something unexpected, one line each.
              type: list
              elements: str
              sample: []
        certificates:
          description:
            - One entry per O(cert_endpoints) item. The keys from C(subject) to C(seconds_until_expiry) describe the leaf certificate;
              C(chain) and C(chain_failures) cover every certificate the server sent where the host's Python offers them (3.13 and
              later), else the leaf alone (C(chain_checked=false)).
          type: list
          elements: dict
          sample:
            - {endpoint: 'proxy.golang.org:443', subject: CN=proxy.golang.org, issuer: 'CN=WR2,O=Google Trust Services,C=US',
               sans: [proxy.golang.org], not_before: '2026-10-01T08:00:00Z', not_after: '2026-12-24T08:00:00Z',
               valid_at_host_time: false, valid_at_true_time: true, seconds_until_expiry: 2316000, error: null,
               chain_checked: false, chain_reason: 'Python < 3.13 exposes only the leaf (this host runs Python 3.9)', chain: null,
               chain_failures: [{position: 0, subject: CN=proxy.golang.org, issuer: 'CN=WR2,O=Google Trust Services,C=US',
                                 not_before: '2026-10-01T08:00:00Z', not_after: '2026-12-24T08:00:00Z', valid_at_host_time: false,
                                 valid_at_true_time: true, problem: 'not yet valid at host time, valid at true time'}]}
          # A key the leaf, chain[] and chain_failures[] share is written once (&key) and referred to (*key).
          contains:
            endpoint:
              description: The endpoint, V(host:port).
              type: str
              sample: 'proxy.golang.org:443'
            error:
              description:
                - Why no certificate was read (connection, TLS handshake, parsing); null when one was.
                - When a certificate was read but one of its names (subject, issuer, SANs) does not parse (for example
                  invalid UTF-8), which one; that name is then null (SANs empty) and the validity window is still judged.
              type: str
              sample: null
            subject:
              description: The leaf certificate's subject (RFC 4514). Present when a certificate was read, as are the keys below.
              type: str
              sample: CN=proxy.golang.org
            issuer: &issuer
              description: The issuer (RFC 4514); null when it does not parse.
              type: str
              sample: 'CN=WR2,O=Google Trust Services,C=US'
            sans:
              description: The DNS names and IP addresses of the subject alternative name extension.
              type: list
              elements: str
              sample: [proxy.golang.org]
            not_before: &not_before
              description: Start of the validity window (UTC ISO 8601).
              type: str
              sample: '2026-10-01T08:00:00Z'
            not_after: &not_after
              description: End of the validity window (UTC ISO 8601).
              type: str
              sample: '2026-12-24T08:00:00Z'
            valid_at_host_time:
              description: Whether the host's clock is inside the window; false makes TLS verification on the host fail.
              type: bool
              sample: false
            valid_at_true_time: &valid_at_true_time
              description: Whether true time is inside the window; null when true time is unknown.
              type: bool
              sample: true
            seconds_until_expiry: &seconds_until_expiry
              description: Whole seconds from true time (host time when true time is unknown) to C(not_after); negative once expired.
              type: int
              sample: 2316000
            chain_checked:
              description:
                - True when every certificate the server sent was judged (Python 3.13 and later offer them,
                  C(ssl.SSLSocket.get_unverified_chain)); false when only the leaf was, which is never a failure.
              type: bool
              sample: true
            chain_reason:
              description: Why only the leaf was judged, such as V(Python < 3.13 exposes only the leaf (this host runs Python 3.9));
                           null when the chain was checked.
              type: str
              sample: null
            chain:
              description:
                - Every certificate the server sent, in the order sent (position 0 is the leaf; servers normally send the
                  intermediates and leave the root out), each judged as the leaf is. Null when C(chain_checked) is false.
                - The certificates are read unverified; a verifier builds its own path, so a sent certificate it does not use
                  (it holds another copy of that CA) cannot fail it.
              type: list
              elements: dict
              sample:
                - {position: 0, subject: CN=proxy.golang.org, issuer: 'CN=WR2,O=Google Trust Services,C=US', not_before: '2026-10-01T08:00:00Z',
                   not_after: '2026-12-24T08:00:00Z', valid_at_host_time: true, valid_at_true_time: true, seconds_until_expiry: 2316000,
                   error: null}
                - {position: 1, subject: 'CN=WR2,O=Google Trust Services,C=US', issuer: 'CN=GTS Root R1,O=Google Trust Services LLC,C=US',
                   not_before: '2023-12-13T09:00:00Z', not_after: '2029-02-20T14:00:00Z', valid_at_host_time: true,
                   valid_at_true_time: true, seconds_until_expiry: 70142400, error: null}
              contains:
                position: &position
                  description: The certificate's place in what the server sent, 0 for the leaf.
                  type: int
                  sample: 1
                subject: &subject
                  description: The certificate's subject (RFC 4514); null when it does not parse.
                  type: str
                  sample: 'CN=WR2,O=Google Trust Services,C=US'
                issuer: *issuer
                not_before: *not_before
                not_after: *not_after
                valid_at_host_time: &valid_at_host_time
                  description: Whether the host's clock is inside the window.
                  type: bool
                  sample: true
                valid_at_true_time: *valid_at_true_time
                seconds_until_expiry: *seconds_until_expiry
                error:
                  description: Why this certificate could not be read, or which of its names does not parse (the keys above are then
                               missing, or that name null); null when it was read whole.
                  type: str
                  sample: null
            chain_failures:
              description:
                - The judged certificates (the whole chain, or only the leaf when C(chain_checked) is false) that are outside their
                  window at host time or at true time; empty when none is. The reason names each one.
              type: list
              elements: dict
              sample:
                - {position: 1, subject: 'CN=lab intermediate,O=cifleet gotime chain lab', issuer: 'CN=lab root,O=cifleet gotime chain lab',
                   not_before: '2026-12-02T03:00:00Z', not_after: '2027-01-01T02:00:00Z', valid_at_host_time: false,
                   valid_at_true_time: true, problem: 'not yet valid at host time, valid at true time'}
              contains:
                position: *position
                subject: *subject
                issuer: *issuer
                not_before: *not_before
                not_after: *not_after
                valid_at_host_time: *valid_at_host_time
                valid_at_true_time: *valid_at_true_time
                problem:
                  description:
                    - The window at both times in words, such as V(not yet valid at host time, valid at true time) (the clock),
                      V(expired at host time and at true time) (the server) or V(expired at host time (true time unknown)).
                  type: str
                  sample: 'not yet valid at host time, valid at true time'
        verdict:
          description: V(ok), V(skewed) (offset beyond O(max_offset)), V(tls_window) (a certificate valid at true time is not
            valid at host time, the leaf or, on Python 3.13 and later, any certificate the server sent) or V(no_time_source)
            (true time is unknown).
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
from ansible_collections.cifleet.gotime.plugins.module_utils import _display_text
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
        module.fail_json(msg=_display_text.message(str(exc)))
    # Subjects, errors and reasons quote what peers and files said: no escape sequence reaches a terminal.
    module.exit_json(**_display_text.module_result({'changed': False, 'ansible_facts': {'gotime_clock': fact}}))


if __name__ == '__main__':
    main()
