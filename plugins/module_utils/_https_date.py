# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This module_utils is PRIVATE and should only be used by this collection.

# Clock offset from the Date header of HTTPS servers (the fallback when UDP 123 is blocked).
#
# The host clock is the suspect, so the server certificate's chain and host name
# are verified but its validity period is not (OpenSSL X509_V_FLAG_NO_CHECK_TIME):
# a host clock hours off must still be able to measure how far off it is.
#
# offset = true time - host time (NTP's sign: positive when the host is behind),
# estimated as Date + 0.5 s - the host time at the midpoint of the request.

import email.utils
import http.client
import ssl
import statistics
import time

from urllib.parse import urlsplit

from ansible_collections.cifleet.gotime.plugins.module_utils._endpoint import (
    check_timeout, connect_tcp, describe_network_error, host_problem, remaining, run_bounded)

# OpenSSL (1.1.0+) X509_V_FLAG_NO_CHECK_TIME: do not check certificate/CRL validity against the
# current time. The ssl module has no name for it.
NO_CHECK_TIME = 0x200000
# The Date header counts whole seconds (RFC 9110 IMF-fixdate).
RESOLUTION = 1.0
STATUSES = ('ok', 'error', 'no_date', 'timeout', 'dns_error', 'tls_error')
NOTE = ('The HTTP Date header has one-second resolution: offset is Date + 0.5 s minus the host time at the middle of the request,'
        ' good to about 0.5 s plus half the round trip. The server certificate chain and host name were verified;'
        ' its validity period was not checked, because the host clock is the suspect.')
USER_AGENT = 'cifleet.gotime-clock_facts'


def parse_url(url, option='https_date_urls'):
    """(host, port, path) of an https:// URL, or ValueError naming option, the entry and the fix."""
    def bad(problem):
        return ValueError('%s: entry %r %s; write an https:// URL such as https://www.google.com/' % (option, url, problem))

    if not isinstance(url, str) or not url:
        raise bad('is not a URL')
    parts = urlsplit(url)
    if parts.scheme.lower() != 'https':
        raise bad('is not https:// (the Date header is trusted only over verified TLS)')
    if '@' in parts.netloc:
        raise bad('carries credentials')
    if not parts.hostname:
        raise bad('has no host')
    if ':' not in parts.hostname:  # urlsplit has checked a bracketed IPv6 address
        problem = host_problem(parts.hostname)
        if problem:
            raise bad(problem[0])
    try:
        port = parts.port
    except ValueError:
        raise bad('has a port that is not a number from 1 to 65535')
    if port == 0:
        raise bad('has port 0')
    if port is None:
        port = 443
    path = parts.path or '/'
    if parts.query:
        path += '?' + parts.query
    return parts.hostname, port, path


def https_date_context(ca_file=None):
    """Client context verifying chain (default trust store, or only ca_file) and host name, not the validity period."""
    try:
        context = ssl.create_default_context(cafile=ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise ValueError('https_date_ca_file: %r cannot be loaded as PEM CA certificates: %s' % (ca_file, exc))
    context.verify_flags |= NO_CHECK_TIME
    return context


def _result(url, status, offset=None, round_trip=None, date=None, error=None):
    return {
        'url': url,
        'status': status,
        'offset': None if offset is None else round(offset, 3),
        'round_trip': None if round_trip is None else round(round_trip, 4),
        'resolution': RESOLUTION,
        'date': date,
        'error': error,
        'note': NOTE,
    }


def _ask(context, host, port, path, method, deadline, progress):
    """One request on a fresh verified connection: (http status, Date header or None, host send time, round trip)."""
    sock = connect_tcp(host, port, deadline, progress)
    progress['phase'] = 'TLS handshake'
    sock.settimeout(remaining(deadline))
    try:
        tls = context.wrap_socket(sock, server_hostname=host)
    except Exception:
        sock.close()
        raise
    connection = http.client.HTTPSConnection(host, port, timeout=remaining(deadline), context=context)
    connection.sock = tls
    try:
        progress['phase'] = 'HTTP %s' % method
        tls.settimeout(remaining(deadline))
        sent = time.time()
        started = time.monotonic()
        connection.request(method, path, headers={'User-Agent': USER_AGENT, 'Cache-Control': 'no-cache'})
        response = connection.getresponse()
        round_trip = time.monotonic() - started
        return response.status, response.getheader('Date'), sent, round_trip
    finally:
        connection.close()


def query_https_dates(urls, timeout, ca_file=None):
    """Offset estimates from the Date header of every https URL, queried concurrently.

    Each URL gets HEAD, and GET when the HEAD reply has no Date or is not HTTP.
    Returns, in input order, dicts with url, status (ok | error | no_date |
    timeout | dns_error | tls_error), offset (seconds, true - host), round_trip,
    resolution (1.0), date (the header), error and note. The call returns within
    timeout + _endpoint.DEADLINE_GRACE. Raises ValueError only for a malformed URL,
    timeout or ca_file.
    """
    timeout = check_timeout(timeout)
    targets = [(url,) + parse_url(url) for url in urls]
    context = https_date_context(ca_file)

    def query(target, deadline, progress):
        url, host, port, path = target
        answers = []
        for method in ('HEAD', 'GET'):
            try:
                status, date, sent, round_trip = _ask(context, host, port, path, method, deadline, progress)
            except http.client.HTTPException as exc:
                answers.append('%s: not an HTTP reply (%s)' % (method, type(exc).__name__))
                continue
            if not date:
                answers.append('%s: HTTP %d without a Date header' % (method, status))
                continue
            parsed = email.utils.parsedate_tz(date)
            if parsed is None:
                return _result(url, 'no_date', date=date, round_trip=round_trip,
                               error='%s: Date header %r is not an HTTP date' % (url, date))
            offset = email.utils.mktime_tz(parsed) + RESOLUTION / 2 - (sent + round_trip / 2)
            return _result(url, 'ok', offset=offset, round_trip=round_trip, date=date)
        if all('without a Date' in answer for answer in answers):
            return _result(url, 'no_date', error='%s: no Date header (%s)' % (url, '; '.join(answers)))
        return _result(url, 'error', error='%s: %s' % (url, '; '.join(answers)))

    def failed(target, progress, exc):
        status, text = describe_network_error(exc, target[0], progress, timeout)
        return _result(target[0], status, error=text)

    return run_bounded(query, targets, timeout, failed)


def combine(results):
    """One estimate from the ok results, or None when there is none.

    offset: median of their offsets; error_bound: 1.0 s (the Date resolution and
    server error) + half the longest round trip; spread: max - min offset, so a
    disagreeing server shows.
    """
    ok = [result for result in results if result.get('status') == 'ok']
    if not ok:
        return None
    offsets = [result['offset'] for result in ok]
    return {
        'source': 'https_date',
        'offset': round(statistics.median(offsets), 3),
        'error_bound': round(RESOLUTION + max(result['round_trip'] for result in ok) / 2, 3),
        'resolution': RESOLUTION,
        'spread': round(max(offsets) - min(offsets), 3),
        'count': len(ok),
    }
