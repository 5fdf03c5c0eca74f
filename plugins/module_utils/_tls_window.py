# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This module_utils is PRIVATE and should only be used by this collection.

# Certificate validity windows of TLS endpoints, read at host time and at true time.
#
# The peer certificate is fetched WITHOUT verification (CERT_NONE): a host whose
# clock is wrong must still see the leaf that its verifier would reject.
#
# Time convention (NTP's): offset = true time - host time, positive when the host
# clock is behind; so true_now = host_now + offset.
#
# Also the shared network plumbing of this collection's probes: bounded
# concurrent runs (run_bounded), connecting (connect_tcp) and turning socket and
# TLS exceptions into statuses with clear texts (describe_network_error).

import calendar
import datetime
import ipaddress
import math
import socket
import ssl
import threading
import time
import traceback

try:
    from cryptography import x509
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None
except ImportError:
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()

DEFAULT_TLS_PORT = 443
# After the deadline a worker gets this long to report its own (more precise) error.
DEADLINE_GRACE = 0.2
# OpenSSL reasons seen when the peer answers with something that is not TLS.
NOT_TLS_REASONS = frozenset((
    'WRONG_VERSION_NUMBER', 'HTTP_REQUEST', 'UNKNOWN_PROTOCOL',
    'PACKET_LENGTH_TOO_LONG', 'RECORD_LAYER_FAILURE', 'RECORD_LENGTH_MISMATCH',
))
# X509_V_ERR_CERT_NOT_YET_VALID, X509_V_ERR_CERT_HAS_EXPIRED
CERT_TIME_VERIFY_CODES = (9, 10)


# ---------------------------------------------------------------------------
# Endpoints

def format_endpoint(host, port):
    """'host:port', with brackets around an IPv6 address."""
    if ':' in host:
        return '[%s]:%d' % (host, port)
    return '%s:%d' % (host, port)


def parse_endpoint(entry, option='cert_endpoints', default_port=DEFAULT_TLS_PORT):
    """(host, port) from 'host:port', 'host' (default_port) or '[v6]:port' / '[v6]'.

    Raises ValueError naming option, the entry and the fix.
    """
    def bad(problem, fix='write host:port, for example proxy.golang.org:443'):
        return ValueError('%s: entry %r %s; %s' % (option, entry, problem, fix))

    if not isinstance(entry, str):
        raise bad('is not a string')
    if not entry:
        raise bad('is empty')
    if any(c.isspace() for c in entry):
        raise bad('contains white space')
    if '://' in entry or '/' in entry:
        raise bad('is a URL, not an endpoint', 'write host:port without a scheme or path, for example proxy.golang.org:443')
    if '@' in entry:
        raise bad('contains "@"')

    if entry.startswith('['):
        close = entry.find(']')
        if close < 0:
            raise bad('has "[" without "]"', 'write an IPv6 address as [2001:db8::1]:443')
        host, rest = entry[1:close], entry[close + 1:]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise bad('has %r in brackets, which is not an IPv6 address' % host, 'use brackets only around an IPv6 address')
        if rest == '':
            return host, default_port
        if not rest.startswith(':'):
            raise bad('has text after "]" that is not ":port"', 'write [2001:db8::1]:443')
        port_text = rest[1:]
    elif entry.count(':') > 1:
        raise bad('looks like an IPv6 address without brackets', 'write it as [%s]:%d' % (entry, default_port))
    elif ':' in entry:
        host, port_text = entry.split(':')
        if not host:
            raise bad('has no host before ":"')
    else:
        host, port_text = entry, None

    if port_text is None:
        port = default_port
    elif port_text == '':
        raise bad('has no port after ":"', 'write host:port with a port from 1 to 65535, or host alone for port %d' % default_port)
    else:
        if not port_text.isdigit() or not port_text.isascii():
            raise bad('has a port that is not a number', 'write host:port with a port from 1 to 65535')
        port = int(port_text)
        if not 1 <= port <= 65535:
            raise bad('has port %d, outside 1 to 65535' % port, 'write host:port with a port from 1 to 65535')
    if host.startswith('.') or '..' in host:
        raise bad('has an empty label in the host name')
    return host, port


# ---------------------------------------------------------------------------
# Bounded concurrency and connection errors (shared with _https_date)

def check_timeout(timeout, option='timeout'):
    """timeout as a float, or ValueError naming option."""
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0 or math.isinf(timeout):
        raise ValueError('%s must be a positive number of seconds, got %r' % (option, timeout))
    return float(timeout)


def remaining(deadline):
    """Seconds left until deadline (time.monotonic), never zero (a zero socket timeout means non-blocking)."""
    return max(deadline - time.monotonic(), 0.001)


def run_bounded(work, items, timeout, failed):
    """Run work(item, deadline, progress) for every item concurrently; return the results in input order.

    Each item runs in a daemon thread; deadline is on time.monotonic(). progress
    is a dict in which the worker keeps 'phase' (e.g. 'DNS lookup') and, once
    known, 'address'. A worker that has not returned by the deadline (a DNS
    lookup cannot be interrupted, say) is abandoned and its result is
    failed(item, progress, None); a worker that raises gets failed(item,
    progress, exception). The call returns within timeout + DEADLINE_GRACE.
    """
    deadline = time.monotonic() + timeout
    slots = [None] * len(items)
    progress = [{'phase': 'start'} for dummy in items]

    def run(index, item):
        try:
            slots[index] = ('ok', work(item, deadline, progress[index]))
        except Exception as exc:  # pylint: disable=broad-except
            slots[index] = ('raised', exc)

    threads = []
    for index, item in enumerate(items):
        thread = threading.Thread(target=run, args=(index, item), name='gotime-probe-%d' % index)
        thread.daemon = True
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(max(deadline + DEADLINE_GRACE - time.monotonic(), 0))

    results = []
    for index, item in enumerate(items):
        slot = slots[index]
        if slot is None:
            results.append(failed(item, dict(progress[index]), None))
        elif slot[0] == 'raised':
            results.append(failed(item, dict(progress[index]), slot[1]))
        else:
            results.append(slot[1])
    return results


def connect_tcp(host, port, deadline, progress):
    """A TCP socket connected to the first address of host that accepts, within deadline."""
    progress['phase'] = 'DNS lookup'
    infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    error = None
    for family, socktype, proto, dummy, sockaddr in infos:
        progress['phase'] = 'TCP connect'
        progress['address'] = sockaddr[0]
        sock = socket.socket(family, socktype, proto)
        try:
            sock.settimeout(remaining(deadline))
            sock.connect(sockaddr)
            return sock
        except (socket.timeout, TimeoutError):
            sock.close()
            raise  # no time left for another address
        except OSError as exc:
            sock.close()
            error = exc
    raise error or OSError('no address found for %s' % host)


def describe_network_error(exc, endpoint, progress, timeout):
    """(status, text) for a failed probe of endpoint ('host:port' or a URL).

    exc None means the probe was still running at the deadline.
    status is one of timeout, dns_error, tls_error, error.
    """
    phase = progress.get('phase', 'start')
    address = progress.get('address')
    at = '%s (%s)' % (endpoint, address) if address and address not in endpoint else endpoint
    if exc is None or isinstance(exc, (socket.timeout, TimeoutError)):
        return 'timeout', '%s: no answer within %g s (during %s)' % (at, timeout, phase)
    if isinstance(exc, socket.gaierror):
        return 'dns_error', '%s: DNS lookup failed: %s' % (endpoint, exc.strerror or exc)
    if isinstance(exc, ssl.SSLCertVerificationError):
        text = '%s: certificate rejected: %s' % (at, exc.verify_message or exc)
        if exc.verify_code in CERT_TIME_VERIFY_CODES:
            text += (' (this TLS library, %s, checked the validity period although asked not to;'
                     ' a host clock outside the certificate window gives this error)' % ssl.OPENSSL_VERSION)
        return 'tls_error', text
    if isinstance(exc, ssl.SSLError):
        reason = exc.reason or ''
        if reason in NOT_TLS_REASONS:
            return 'tls_error', '%s: the peer did not answer with TLS (%s): is this a TLS port?' % (at, reason.lower().replace('_', ' '))
        if isinstance(exc, ssl.SSLEOFError) or 'EOF' in reason:
            return 'tls_error', '%s: the peer closed the connection during the %s' % (at, phase)
        return 'tls_error', '%s: TLS failure during %s: %s' % (at, phase, reason.lower().replace('_', ' ') or exc)
    if isinstance(exc, ConnectionRefusedError):
        return 'error', '%s: connection refused (nothing listens on that port)' % at
    if isinstance(exc, ConnectionResetError):
        return 'error', '%s: connection reset by the peer during %s (a firewall, a proxy or a service that is not TLS)' % (at, phase)
    if isinstance(exc, OSError):
        return 'error', '%s: %s failed: %s' % (at, phase, exc.strerror or exc)
    return 'error', '%s: unexpected failure during %s: %s: %s' % (at, phase, type(exc).__name__, exc)


# ---------------------------------------------------------------------------
# Fetching certificates

def _unverified_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def _as_host_port(endpoint):
    if isinstance(endpoint, (tuple, list)) and len(endpoint) == 2:
        return endpoint[0], endpoint[1]
    return parse_endpoint(endpoint)


def fetch_certificates(endpoints, timeout):
    """The leaf certificate of every endpoint, fetched concurrently and unverified.

    endpoints: 'host:port' strings (see parse_endpoint) or (host, port) pairs.
    Returns, in input order, dicts with endpoint ('host:port'), host, port,
    address (the IP connected to, or None), der (bytes or None) and error (text
    or None). Failures are values, never exceptions; the call returns within
    timeout + DEADLINE_GRACE even while a DNS lookup hangs.
    Raises ValueError only for a malformed endpoint or timeout.
    """
    timeout = check_timeout(timeout)
    targets = [_as_host_port(endpoint) for endpoint in endpoints]
    context = _unverified_context()

    def fetch(target, deadline, progress):
        host, port = target
        sock = connect_tcp(host, port, deadline, progress)
        progress['phase'] = 'TLS handshake'
        sock.settimeout(remaining(deadline))
        tls = context.wrap_socket(sock, server_hostname=host, do_handshake_on_connect=False)
        try:
            tls.do_handshake()
            der = tls.getpeercert(binary_form=True)
        finally:
            tls.close()
        return _certificate_result(host, port, progress.get('address'), der, None)

    def failed(target, progress, exc):
        host, port = target
        dummy, text = describe_network_error(exc, format_endpoint(host, port), progress, timeout)
        return _certificate_result(host, port, progress.get('address'), None, text)

    return run_bounded(fetch, targets, timeout, failed)


def _certificate_result(host, port, address, der, error):
    return {
        'endpoint': format_endpoint(host, port),
        'host': host,
        'port': port,
        'address': address,
        'der': der,
        'error': error,
    }


# ---------------------------------------------------------------------------
# Describing a certificate

def _utc_datetime(cert, name):
    """cert.not_valid_<name>_utc (cryptography >= 42), else the naive UTC attribute made aware."""
    value = getattr(cert, 'not_valid_%s_utc' % name, None)
    if value is None:
        value = getattr(cert, 'not_valid_%s' % name).replace(tzinfo=datetime.timezone.utc)
    return value


def _timestamp(value):
    return calendar.timegm(value.utctimetuple()) + value.microsecond / 1e6


def iso_utc(timestamp):
    """POSIX timestamp as 'YYYY-MM-DDTHH:MM:SSZ'."""
    return datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def _subject_alt_names(cert):
    try:
        extension = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    names = extension.value.get_values_for_type(x509.DNSName)
    names += [str(address) for address in extension.value.get_values_for_type(x509.IPAddress)]
    return names


def describe_certificate(der, host_now, true_now=None):
    """The validity window of a DER certificate, judged at host time and at true time.

    host_now: the host clock (POSIX seconds); true_now: host_now + offset, or
    None when no time source answered. Returns subject and issuer (RFC 4514),
    sans, not_before, not_after (UTC ISO 8601 'Z'), valid_at_host_time,
    valid_at_true_time (None without true_now) and seconds_until_expiry
    (from true_now when known, else host_now; negative once expired).
    Raises ValueError when cryptography is missing or der is not a certificate.
    """
    if not HAS_CRYPTOGRAPHY:
        raise ValueError('the cryptography Python library is required to read certificates (see CRYPTOGRAPHY_IMPORT_ERROR)')
    try:
        cert = x509.load_der_x509_certificate(der)
    except (TypeError, ValueError) as exc:
        raise ValueError('not a DER X.509 certificate: %s' % exc)
    not_before = _timestamp(_utc_datetime(cert, 'before'))
    not_after = _timestamp(_utc_datetime(cert, 'after'))

    def valid_at(now):
        return not_before <= now <= not_after

    reference = host_now if true_now is None else true_now
    return {
        'subject': cert.subject.rfc4514_string(),
        'issuer': cert.issuer.rfc4514_string(),
        'sans': _subject_alt_names(cert),
        'not_before': iso_utc(not_before),
        'not_after': iso_utc(not_after),
        'valid_at_host_time': valid_at(host_now),
        'valid_at_true_time': None if true_now is None else valid_at(true_now),
        'seconds_until_expiry': int(math.floor(not_after - reference)),
    }
