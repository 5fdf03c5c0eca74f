# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""clock_facts logic: option checks, true-time estimate, verdict, and the gathering flow."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This module_utils is PRIVATE and should only be used by this collection.

import threading
import time

from ansible_collections.cifleet.gotime.plugins.module_utils import _endpoint
from ansible_collections.cifleet.gotime.plugins.module_utils import _host_sync
from ansible_collections.cifleet.gotime.plugins.module_utils import _https_date
from ansible_collections.cifleet.gotime.plugins.module_utils import _ntp
from ansible_collections.cifleet.gotime.plugins.module_utils import _tls_window
from ansible_collections.cifleet.gotime.plugins.module_utils._utc_time import iso_utc

VERDICTS = ('ok', 'skewed', 'tls_window', 'no_time_source')

# Bounds of the numeric options: (minimum, exclusive minimum?, maximum).
LIMITS = {
    'ntp_port': (1, False, 65535),
    'ntp_timeout': (0, True, 30),
    'tls_timeout': (0, True, 60),
    'samples': (1, False, 16),
    'max_offset': (0, True, 86400),
}
MAX_ENTRIES = 64


def _check_number(name, value):
    low, exclusive, high = LIMITS[name]
    too_low = value <= low if exclusive else value < low
    if too_low or value > high:
        low_text = 'greater than %s' % low if exclusive else 'at least %s' % low
        raise ValueError('%s: %s is out of range; use a value %s and at most %s' % (name, value, low_text, high))


def _check_list(name, entries, allow_empty):
    if not entries and not allow_empty:
        raise ValueError('%s: the list is empty; give at least one entry' % name)
    if len(entries) > MAX_ENTRIES:
        raise ValueError('%s: %d entries is too many; give at most %d' % (name, len(entries), MAX_ENTRIES))
    for entry in entries:
        if not isinstance(entry, str) or not entry.strip():
            raise ValueError('%s: entry %r is empty or not a string; give host names such as time.apple.com' % (name, entry))


def check_options(params):
    """Validate the options; return (ntp servers as (host, port), endpoints as (host, port)).

    Raises ValueError naming the option and the fix.
    """
    for name in LIMITS:
        _check_number(name, params[name])
    _check_list('ntp_servers', params['ntp_servers'], allow_empty=False)
    _check_list('cert_endpoints', params['cert_endpoints'], allow_empty=True)
    _check_list('https_date_urls', params['https_date_urls'], allow_empty=True)
    servers = [_endpoint.parse(entry, 'ntp_servers', params['ntp_port']) for entry in params['ntp_servers']]
    endpoints = [_endpoint.parse(entry, 'cert_endpoints', _tls_window.DEFAULT_TLS_PORT) for entry in params['cert_endpoints']]
    for url in params['https_date_urls']:
        _https_date.parse_url(url)
    return servers, endpoints


def describe_offset(offset):
    """Human form of an NTP offset (true minus host): 'host clock 300.0 s fast'."""
    if abs(offset) < 0.001:
        return 'host clock %+.6f s from true time' % offset
    # A positive offset means true time is ahead: the host is slow.
    return 'host clock %.3f s %s' % (abs(offset), 'slow' if offset > 0 else 'fast')


def true_time(selection, https_estimate):
    """Pick the true-time source: NTP selection first, then the HTTPS Date estimate.

    Returns dict(offset, error_bound, source) with None values when there is none.
    """
    if selection.get('offset') is not None:
        return {'offset': selection['offset'], 'error_bound': selection['error_bound'], 'source': 'ntp'}
    # HTTPS servers that disagree by more than the Date resolution allows give no usable estimate.
    if https_estimate and https_estimate['spread'] <= 2 * https_estimate['resolution']:
        return {'offset': https_estimate['offset'], 'error_bound': https_estimate['error_bound'], 'source': 'https_date'}
    return {'offset': None, 'error_bound': None, 'source': None}


def _no_source_reason(servers, selection, https_estimate):
    if https_estimate:
        return ('no NTP server answered and the HTTPS Date servers disagree by %.0f s: true time is unknown; '
                'check the servers in https_date_urls or open UDP port 123' % https_estimate['spread'])
    if selection.get('candidates'):
        answers = ', '.join('%s says %+.3f s' % (_endpoint.label(s['host'], s['port']), s['offset']) for s in servers if s['status'] == 'ok')
        return ('no majority among the NTP servers that answered (%s): true time is unknown, so the clock is '
                'neither trusted nor stepped; fix or replace the disagreeing servers' % answers)
    by_status = {}
    for server in servers:
        by_status.setdefault(server['status'], []).append(_endpoint.label(server['host'], server['port']))
    detail = '; '.join('%s: %s' % (status, ', '.join(labels)) for status, labels in sorted(by_status.items()))
    return ('no NTP server gave a usable answer (%s) and no HTTPS Date estimate: true time is unknown; '
            'check that UDP port 123 is reachable or configure https_date_urls' % detail)


def _chain_failures(certificates, test):
    """(endpoint, failure) for each chain_failures entry (see _tls_window.describe_endpoint) that passes test."""
    return [(c['endpoint'], f) for c in certificates for f in c.get('chain_failures') or [] if test(f)]


def _which(endpoint, failure, leaf_text):
    """The endpoint, and for a certificate other than the leaf its position, names and window."""
    if failure['position'] == 0:
        return '%s (%s)' % (endpoint, leaf_text) if leaf_text else endpoint
    return '%s (chain certificate %d, subject %s, issuer %s, valid %s to %s%s)' % (
        endpoint, failure['position'], failure['subject'], failure['issuer'], failure['not_before'], failure['not_after'],
        ': %s' % leaf_text if leaf_text else '')


def judge(servers, selection, truth, certificates, max_offset, https_estimate=None):
    """Return (verdict, reason) from the measurements; names the real cause."""
    if truth['offset'] is None:
        return 'no_time_source', _no_source_reason(servers, selection, https_estimate)
    offset = truth['offset']
    where = '%s (%s, error bound %.3f s)' % (describe_offset(offset), truth['source'], truth['error_bound'])
    window = _chain_failures(certificates, lambda f: f['valid_at_host_time'] is False and f['valid_at_true_time'] is True)
    if window:
        # A slow host (positive offset) sees certificates before they start; a fast one after they end.
        at_host = '%s at host time' % ('not yet valid' if offset > 0 else 'expired')
        problems = ', '.join(_which(endpoint, failure, at_host) for endpoint, failure in window)
        # A verifier builds its own path: a sent intermediate it does not use (it holds another copy) cannot fail it.
        chain_only = not any(f['position'] == 0 for dummy, f in window)
        return 'tls_window', ('%s: certificates for %s; TLS and Go downloads will fail with x509 '
                              '"certificate has expired or is not yet valid" errors until the clock is stepped '
                              '(playbooks/remediate.yml)%s' % (where, problems, (
                                  '; a certificate after the leaf fails the verifiers whose path goes through it '
                                  '(a sent intermediate normally is on it)') if chain_only else ''))
    notes = []
    broken = _chain_failures(certificates, lambda f: f['valid_at_true_time'] is False)
    if broken:
        notes.append('certificates for %s are outside their validity window at true time too: '
                     'a server-side certificate problem, not the clock' % ', '.join(
                         _which(endpoint, failure, None) for endpoint, failure in broken))
    falsetickers = selection.get('falsetickers') or []
    if falsetickers:
        notes.append('falsetickers ignored: %s' % ', '.join(falsetickers))
    suffix = ('; ' + '; '.join(notes)) if notes else ''
    if abs(offset) > max_offset:
        return 'skewed', ('%s, beyond max_offset %s s: TLS certificate checks fail once the skew crosses a '
                          'certificate boundary; skew never causes go.sum checksum mismatches; step the clock '
                          '(playbooks/remediate.yml)%s' % (where, max_offset, suffix))
    return 'ok', '%s, within max_offset %s s%s' % (where, max_offset, suffix)


def _in_thread(func, *args):
    """Run func(*args) in a daemon thread; return a join(timeout) -> result callable."""
    box = {}

    def target():
        box['result'] = func(*args)

    thread = threading.Thread(target=target)
    thread.daemon = True
    thread.start()

    def join(timeout):
        thread.join(timeout)
        return box.get('result')

    return join


def gather(params, run, which, system):
    """Measure and judge; return the gotime_clock fact.

    run(argv) -> (rc, out, err) and which(name) -> path or None reach the host's commands.
    """
    servers, endpoints = check_options(params)
    checked_at = time.time()
    tls_timeout = params['tls_timeout']
    fetching = _in_thread(_tls_window.fetch_certificates, endpoints, tls_timeout)
    ntp_servers = _ntp.query_servers(servers, params['ntp_timeout'], params['samples'])
    selection = _ntp.select(ntp_servers)

    https_results, https_estimate = [], None
    if selection.get('offset') is None and not any(s['status'] == 'ok' for s in ntp_servers) and params['https_date_urls']:
        https_results = _https_date.query_https_dates(params['https_date_urls'], tls_timeout, params['https_date_ca_file'])
        https_estimate = _https_date.combine(https_results)
    truth = true_time(selection, https_estimate)

    host_sync = None
    if params['host_sync']:
        host_sync = _host_sync.gather_host_sync(run, system, which, params['launchd_status_path'])

    fetched = fetching(tls_timeout + 1) or [
        {'endpoint': _endpoint.label(*e), 'der': None, 'error': 'timed out'} for e in endpoints]
    host_now = time.time()
    true_now = host_now + truth['offset'] if truth['offset'] is not None else None
    certificates = []
    for item in fetched:
        fact = {'endpoint': item['endpoint'], 'error': item['error']}
        if item['der'] is not None:
            try:
                fact.update(_tls_window.describe_endpoint(item['der'], item.get('chain'), host_now, true_now))
            except ValueError as exc:
                fact['error'] = str(exc)
        certificates.append(fact)

    verdict, reason = judge(ntp_servers, selection, truth, certificates, params['max_offset'], https_estimate)
    return {
        'checked_at': iso_utc(checked_at, 'milliseconds'),
        'platform': system,
        'offset': truth['offset'],
        'error_bound': truth['error_bound'],
        'offset_source': truth['source'],
        'max_offset': params['max_offset'],
        'ntp': {'servers': ntp_servers, 'selection': selection},
        'https_date': {'results': https_results, 'estimate': https_estimate},
        'host_sync': host_sync,
        'certificates': certificates,
        'verdict': verdict,
        'reason': reason,
    }
