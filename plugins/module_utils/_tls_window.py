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

import calendar
import datetime
import math
import ssl
import traceback
import warnings

from ansible_collections.cifleet.gotime.plugins.module_utils._endpoint import (
    check_timeout, connect_tcp, describe_network_error, label, parse, remaining, run_bounded)

try:
    from cryptography import x509
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None
except ImportError:
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()

DEFAULT_TLS_PORT = 443


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
    address (the IP connected to, or None), der (bytes or None) and error (text
    or None). Failures are values, never exceptions; the call returns within
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
        finally:
            tls.close()
        return _certificate_result(host, port, progress.get('address'), der, None)

    def failed(target, progress, exc):
        host, port = target
        dummy, text = describe_network_error(exc, label(host, port), progress, timeout)
        return _certificate_result(host, port, progress.get('address'), None, text)

    return run_bounded(fetch, targets, timeout, failed)


def _certificate_result(host, port, address, der, error):
    return {
        'endpoint': label(host, port),
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
    (from true_now when known, else host_now; negative once expired). A name that
    does not parse is null (sans: empty) and error says which; otherwise there is no error key.
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
