# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This module_utils is PRIVATE and should only be used by this collection.

# Certificate validity windows of TLS endpoints, read at host time and at true time.
#
# The peer certificates are fetched WITHOUT verification (CERT_NONE): a host whose
# clock is wrong must still see the certificates that its verifier would reject.
# Python 3.13+ offers the chain the server sent (SSLSocket.get_unverified_chain);
# older Pythons offer only the leaf, which is then judged alone.
#
# Time convention (NTP's): offset = true time - host time, positive when the host
# clock is behind; so true_now = host_now + offset.

import calendar
import datetime
import math
import ssl
import sys
import traceback
import warnings

from ansible_collections.cifleet.gotime.plugins.module_utils._endpoint import (
    check_timeout, connect_tcp, describe_network_error, label, parse, remaining, run_bounded)
from ansible_collections.cifleet.gotime.plugins.module_utils._utc_time import iso_utc

try:
    from cryptography import x509
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None
except ImportError:
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()

DEFAULT_TLS_PORT = 443
# The chain the server sent, as DER (leaf first): a public API from Python 3.13 on.
HAS_CHAIN_API = hasattr(ssl.SSLSocket, 'get_unverified_chain')
LEAF_ONLY_REASON = 'Python < 3.13 exposes only the leaf (this host runs Python %d.%d)' % sys.version_info[:2]


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
    return parse(endpoint, 'cert_endpoints', DEFAULT_TLS_PORT)


def fetch_certificates(endpoints, timeout):
    """The leaf certificate of every endpoint, fetched concurrently and unverified.

    endpoints: cert_endpoints entries (see _endpoint.parse) or (host, port) pairs.
    Returns, in input order, dicts with endpoint ('host:port'), host, port,
    address (the IP connected to, or None), der (the leaf, bytes or None),
    chain (every certificate the server sent as DER, leaf first; None where
    Python offers only the leaf, see HAS_CHAIN_API) and error (text or None). Failures are values, never exceptions; the call returns within
    timeout + _endpoint.DEADLINE_GRACE even while a DNS lookup hangs.
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
            chain = tls.get_unverified_chain() if HAS_CHAIN_API else None
        finally:
            tls.close()
        return _certificate_result(host, port, progress.get('address'), der, None, chain)

    def failed(target, progress, exc):
        host, port = target
        dummy, text = describe_network_error(exc, label(host, port), progress, timeout)
        return _certificate_result(host, port, progress.get('address'), None, text)

    return run_bounded(fetch, targets, timeout, failed)


def _certificate_result(host, port, address, der, error, chain=None):
    return {
        'endpoint': label(host, port),
        'host': host,
        'port': port,
        'address': address,
        'der': der,
        'chain': chain,
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


def _subject_alt_names(cert):
    try:
        extension = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    names = extension.value.get_values_for_type(x509.DNSName)
    names += [str(address) for address in extension.value.get_values_for_type(x509.IPAddress)]
    return names


def _load(der):
    if not HAS_CRYPTOGRAPHY:
        raise ValueError('the cryptography Python library is required to read certificates (see CRYPTOGRAPHY_IMPORT_ERROR)')
    try:
        return x509.load_der_x509_certificate(der)
    except (TypeError, ValueError) as exc:
        raise ValueError('not a DER X.509 certificate: %s' % exc)


def _window(cert):
    """(not_before, not_after) of cert as POSIX timestamps."""
    return _timestamp(_utc_datetime(cert, 'before')), _timestamp(_utc_datetime(cert, 'after'))


def describe_certificate(der, host_now, true_now=None):
    """The validity window of a DER certificate, judged at host time and at true time.

    host_now: the host clock (POSIX seconds); true_now: host_now + offset, or
    None when no time source answered. Returns subject and issuer (RFC 4514),
    sans, not_before, not_after (UTC ISO 8601 'Z'), valid_at_host_time,
    valid_at_true_time (None without true_now) and seconds_until_expiry
    (from true_now when known, else host_now; negative once expired). A name that
    does not parse is null (sans: empty) and error says which; otherwise there is no error key.
    Raises ValueError when cryptography is missing or der is not a certificate.
    """
    cert = _load(der)
    not_before, not_after = _window(cert)

    def valid_at(now):
        return not_before <= now <= not_after

    reference = host_now if true_now is None else true_now
    # The peer chooses these names; one that does not parse (e.g. invalid UTF-8 in a UTF8String)
    # is null (sans: empty) and named in error, never an exception that hides the validity window.
    unreadable = []
    names = {}
    for key in ('subject', 'issuer', 'sans'):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')  # cryptography warns of over-long names: reported, not warned
                names[key] = _subject_alt_names(cert) if key == 'sans' else getattr(cert, key).rfc4514_string()
        except ValueError as exc:
            names[key] = [] if key == 'sans' else None
            unreadable.append('%s (%s)' % (key, exc))
    described = {
        'subject': names['subject'],
        'issuer': names['issuer'],
        'sans': names['sans'],
        'not_before': iso_utc(not_before),
        'not_after': iso_utc(not_after),
        'valid_at_host_time': valid_at(host_now),
        'valid_at_true_time': None if true_now is None else valid_at(true_now),
        'seconds_until_expiry': int(math.floor(not_after - reference)),
    }
    if unreadable:
        described['error'] = 'certificate read, but its %s could not be parsed' % ', '.join(unreadable)
    return described


# ---------------------------------------------------------------------------
# Judging every certificate the server sent

CHAIN_KEYS = ('subject', 'issuer', 'not_before', 'not_after', 'valid_at_host_time', 'valid_at_true_time',
              'seconds_until_expiry')


def _state(not_before, not_after, now):
    if now < not_before:
        return 'not yet valid'
    if now > not_after:
        return 'expired'
    return 'valid'


def window_problem(der, host_now, true_now=None):
    """What is wrong with the window of a DER certificate, in words; None when it is valid at both times.

    E.g. 'not yet valid at host time, valid at true time', 'expired at host time and at true time',
    'expired at host time (true time unknown)'. Raises ValueError as describe_certificate does.
    """
    not_before, not_after = _window(_load(der))
    at_host = _state(not_before, not_after, host_now)
    at_true = None if true_now is None else _state(not_before, not_after, true_now)
    if at_host == 'valid' and at_true in ('valid', None):
        return None
    if at_true is None:
        return '%s at host time (true time unknown)' % at_host
    if at_host == at_true:
        return '%s at host time and at true time' % at_host
    return '%s at host time, %s at true time' % (at_host, at_true)


def describe_endpoint(der, chain, host_now, true_now=None):
    """The certificates fact of one endpoint: its leaf (describe_certificate) and the chain the server sent.

    chain: every certificate the server sent as DER, leaf first, or None where Python offers only
    the leaf. Adds chain_checked (whether every certificate sent was judged), chain_reason (why not;
    None when it was), chain (each certificate sent: position, 0 the leaf, and CHAIN_KEYS, or error
    when it does not parse; None when not checked) and chain_failures (the judged certificates
    outside their window at host time or at true time: position, subject, issuer, not_before,
    not_after, valid_at_host_time, valid_at_true_time and problem, see window_problem).
    Raises ValueError when the leaf cannot be read (see describe_certificate).
    """
    fact = describe_certificate(der, host_now, true_now)
    if chain:
        fact.update(chain_checked=True, chain_reason=None, chain=[])
        judged = list(enumerate(chain))
    else:
        fact.update(chain_checked=False, chain=None,
                    chain_reason=LEAF_ONLY_REASON if chain is None else 'the TLS library returned no chain; the leaf was judged alone')
        judged = [(0, der)]
    failures = []
    for position, item in judged:
        entry = {'position': position, 'error': None}
        try:
            described = fact if position == 0 and item == der else describe_certificate(item, host_now, true_now)
            problem = window_problem(item, host_now, true_now)
        except ValueError as exc:
            entry['error'] = str(exc)
        else:
            entry.update((key, described[key]) for key in CHAIN_KEYS)
            if described.get('error'):
                entry['error'] = described['error']
            if problem:
                failure = dict((key, entry[key]) for key in ('position',) + CHAIN_KEYS if key != 'seconds_until_expiry')
                failure['problem'] = problem
                failures.append(failure)
        if fact['chain'] is not None:
            fact['chain'].append(entry)
    fact['chain_failures'] = failures
    return fact
