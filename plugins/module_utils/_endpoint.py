# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This module_utils is PRIVATE and should only be used by this collection.

# Network plumbing shared by this collection's probes (NTP servers, TLS endpoints, HTTPS Date URLs):
# host:port entries (parse, label), bounded concurrent runs (run_bounded), connecting (connect_tcp)
# and turning socket and TLS exceptions into statuses with clear texts (describe_network_error).

import ipaddress
import math
import re
import socket
import ssl
import threading
import time

# After the deadline a worker gets this long to report its own (more precise) error.
DEADLINE_GRACE = 0.2
# One DNS label: letters, digits, '-' and '_' (service names such as ntp_1), no '-' at either end.
HOST_LABEL = re.compile(r'^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$')
# OpenSSL reasons seen when the peer answers with something that is not TLS.
NOT_TLS_REASONS = frozenset((
    'WRONG_VERSION_NUMBER', 'HTTP_REQUEST', 'UNKNOWN_PROTOCOL',
    'PACKET_LENGTH_TOO_LONG', 'RECORD_LAYER_FAILURE', 'RECORD_LENGTH_MISMATCH',
))
# X509_V_ERR_CERT_NOT_YET_VALID, X509_V_ERR_CERT_HAS_EXPIRED
CERT_TIME_VERIFY_CODES = (9, 10)


# ---------------------------------------------------------------------------
# host:port entries

def _is_ipv6(text):
    """True for an IPv6 address, with an optional zone id (fe80::1%en0)."""
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def host_problem(host):
    """Why host is not a usable host name or IPv4 address: (problem, fix), or None."""
    name = host[:-1] if host.endswith('.') else host  # one trailing dot: a fully qualified name
    labels = name.split('.')
    if '' in labels:
        return 'has an empty label in host name %r' % host, 'write the name without "..", a leading "." or a lone "."'
    ascii_labels = []
    for label_text in labels:
        if label_text.isascii():
            ascii_labels.append(label_text)
            continue
        try:
            ascii_labels.append(label_text.encode('idna').decode('ascii'))
        except UnicodeError:
            return 'has host %r, which is not a valid international host name' % host, 'check its spelling'
    if any(len(label_text) > 63 for label_text in ascii_labels):
        return 'has host %r, which is not a valid host name: a label is longer than 63 characters' % host, 'check the name'
    if not all(HOST_LABEL.match(label_text) for label_text in ascii_labels):
        return ('has host %r, which is not a valid host name or IPv4 address' % host,
                'use letters, digits, "-" and "_" between dots, no "-" at either end of a label')
    if len('.'.join(ascii_labels)) > 253:
        return 'has host %r, which is longer than 253 characters' % host, 'check the name'
    return None


def _port(text, default_port):
    """Port text -> (port, None) or (None, (problem, fix))."""
    fix = 'use a port from 1 to 65535'
    if not text:
        return None, ('has an empty port after ":"', '%s, or the host alone for port %s' % (fix, default_port))
    if not (text.isascii() and text.isdigit()):
        return None, ('has port %r, which is not a number' % text, fix)
    port = int(text)
    if not 1 <= port <= 65535:
        return None, ('has port %d' % port, fix)
    return port, None


def _split(entry, default_port):
    """entry -> ((host, port), None) or (None, (problem, fix)); host is not yet checked unless it is IPv6."""
    forms = 'write host, host:port or [ipv6]:port'
    if not entry:
        return None, ('is empty', forms)
    if any(char.isspace() for char in entry):
        return None, ('contains whitespace', 'remove it')
    if '/' in entry:
        return None, ('looks like a URL or path', 'write host:port without a scheme or path')
    if '@' in entry:
        return None, ('contains "@"', 'write host:port without a user name')
    if entry.startswith('['):
        close = entry.find(']')
        if close < 0:
            return None, ('has "[" without "]"', 'write an IPv6 address with a port as [2001:db8::1]:%s' % default_port)
        host, rest = entry[1:close], entry[close + 1:]
        if not _is_ipv6(host):
            return None, ('has [%s], which is not an IPv6 address' % host, 'use brackets only around an IPv6 address')
        if not rest:
            return (host, default_port), None
        if not rest.startswith(':'):
            return None, ('has text after "]" that is not ":port"', 'write [%s]:%s' % (host, default_port))
        port, problem = _port(rest[1:], default_port)
        return (None, problem) if problem else ((host, port), None)
    if entry.count(':') > 1:
        # More than one colon is unambiguous: an IPv6 address, which takes the default port.
        if _is_ipv6(entry):
            return (entry, default_port), None
        return None, ('is neither host:port nor an IPv6 address', 'write an IPv6 address with a port as [address]:port')
    if ':' in entry:
        host, port_text = entry.split(':')
        if not host:
            return None, ('has no host before ":"', forms)
        port, problem = _port(port_text, default_port)
        return (None, problem) if problem else ((host, port), None)
    return (entry, default_port), None


def parse(entry, option, default_port):
    """One entry of option -> (host, port).

    Forms: ``host``, ``host:port``, ``[ipv6]:port``, ``[ipv6]`` and a bare IPv6 address; the ones
    without a port take default_port. host is a host name (IDNA allowed, one trailing dot allowed),
    an IPv4 address or an IPv6 address (zone id allowed), without brackets.
    Raises ValueError '<option>: entry <entry> <problem>; <fix>'.
    """
    if not isinstance(entry, str):
        raise ValueError('%s: entry %r is not a string; write host, host:port or [ipv6]:port' % (option, entry))
    parsed, problem = _split(entry, default_port)
    if problem is None and ':' not in parsed[0]:
        problem = host_problem(parsed[0])
    if problem:
        raise ValueError('%s: entry %r %s; %s' % ((option, entry) + problem))
    return parsed


def label(host, port):
    """'host:port', or '[ipv6]:port'."""
    return ('[%s]:%s' if ':' in host else '%s:%s') % (host, port)


# ---------------------------------------------------------------------------
# Bounded concurrency and connection errors

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

    Each item runs in a daemon thread (a hung name lookup must not hold the interpreter at exit);
    deadline is on time.monotonic(). progress is a dict in which the worker keeps 'phase' (e.g.
    'DNS lookup') and, once known, 'address'. A worker that has not returned by the deadline (a DNS
    lookup cannot be interrupted, say) is abandoned and its result is failed(item, progress, None);
    a worker that raises gets failed(item, progress, exception). The call returns within
    timeout + DEADLINE_GRACE.
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
