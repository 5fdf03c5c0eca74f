"""_tls_window against real TLS servers on loopback (tests/lab/tls_lab.py)."""
import math
import time

import pytest

from ansible_collections.cifleet.gotime.plugins.module_utils import _tls_window as tw
from cryptography.x509.oid import NameOID

from lab.tls_lab import ClosedPort, CraftedTLSServer, LabCA, NotTLSServer, ResetServer, SilentServer, TLSServer

TWO_HOURS = 2 * 3600


# ---------------------------------------------------------------------------
# Real certificates served on loopback

@pytest.fixture(scope='module')
def ca():
    with LabCA() as lab_ca:
        yield lab_ca


@pytest.fixture(scope='module')
def servers(ca):
    with TLSServer(ca, 'valid') as valid, TLSServer(ca, 'not_yet_valid') as not_yet_valid, TLSServer(ca, 'expired') as expired:
        yield {'valid': valid, 'not_yet_valid': not_yet_valid, 'expired': expired}


@pytest.fixture(scope='module')
def fetched(servers):
    """window -> (server, fetch result), all three fetched in one concurrent call."""
    windows = ('valid', 'not_yet_valid', 'expired')
    results = tw.fetch_certificates([servers[window].endpoint for window in windows], timeout=5)
    return dict((window, (servers[window], result)) for window, result in zip(windows, results))


def _timestamp(value):
    return value.timestamp()


@pytest.mark.parametrize('window', ['valid', 'not_yet_valid', 'expired'])
def test_fetch_returns_the_served_leaf_even_outside_its_window(fetched, window):
    server, result = fetched[window]
    assert result['error'] is None
    assert result['endpoint'] == server.endpoint
    assert (result['host'], result['port'], result['address']) == ('127.0.0.1', server.port, '127.0.0.1')
    described = tw.describe_certificate(result['der'], time.time())
    assert described['not_before'] == server.not_before.strftime('%Y-%m-%dT%H:%M:%SZ')
    assert described['not_after'] == server.not_after.strftime('%Y-%m-%dT%H:%M:%SZ')
    assert described['sans'] == ['localhost', '127.0.0.1']
    assert 'O=cifleet gotime test CA' in described['issuer']
    assert described['subject'].startswith('OU=Testing cert')


# The host clock is 2 h slow: its verifier rejects a certificate that starts in 1 h, which at true time is
# valid. (window, valid at host time, valid at true time, open range of seconds until expiry at true time)
SLOW_HOST = [
    ('valid', True, True, (0, 30 * 86400)),
    ('not_yet_valid', False, True, (0, 30 * 86400)),
    ('expired', False, False, (-2 * 86400, -86400)),
]


@pytest.mark.parametrize('window, at_host_time, at_true_time, expiry_range', SLOW_HOST, ids=[case[0] for case in SLOW_HOST])
def test_validity_at_a_slow_host_time_and_at_true_time(fetched, window, at_host_time, at_true_time, expiry_range):
    server, result = fetched[window]
    host_now = time.time()
    described = tw.describe_certificate(result['der'], host_now, host_now + TWO_HOURS)
    assert described['valid_at_host_time'] is at_host_time
    assert described['valid_at_true_time'] is at_true_time
    assert described['seconds_until_expiry'] == math.floor(_timestamp(server.not_after) - (host_now + TWO_HOURS))
    low, high = expiry_range
    assert low < described['seconds_until_expiry'] < high


def test_without_true_time_expiry_counts_from_host_time(fetched):
    server, result = fetched['valid']
    host_now = time.time()
    described = tw.describe_certificate(result['der'], host_now)
    assert described['valid_at_true_time'] is None
    assert described['seconds_until_expiry'] == math.floor(_timestamp(server.not_after) - host_now)


def test_window_bounds_are_inclusive(fetched):
    server, result = fetched['not_yet_valid']
    not_before, not_after = _timestamp(server.not_before), _timestamp(server.not_after)
    assert tw.describe_certificate(result['der'], not_before - 1, not_before)['valid_at_host_time'] is False
    assert tw.describe_certificate(result['der'], not_before - 1, not_before)['valid_at_true_time'] is True
    at_end = tw.describe_certificate(result['der'], not_after, not_after + 1)
    assert (at_end['valid_at_host_time'], at_end['valid_at_true_time']) == (True, False)
    assert at_end['seconds_until_expiry'] == -1


def test_describe_rejects_bytes_that_are_not_a_certificate():
    with pytest.raises(ValueError, match='not a DER X.509 certificate'):
        tw.describe_certificate(b'\x30\x03\x02\x01\x00', time.time())


def test_a_peer_chosen_name_that_does_not_parse_is_named_and_the_window_still_judged(tmp_path):
    # A SAN with invalid UTF-8 (OpenSSL serves it; cryptography refuses to decode it) and an over-long CN.
    with CraftedTLSServer(str(tmp_path), subject=[(NameOID.COMMON_NAME, 'peer ' + 'x' * 100)],
                          issuer=[(NameOID.COMMON_NAME, 'lab')], sans=['PLACEHOLDER.example'],
                          patches=[(b'PLACEHOLDER', b'\xff\xfe\xc0\xafXXXXXXX')]) as server:
        result = tw.fetch_certificates([server.endpoint], timeout=5)[0]
    host_now = time.time()
    described = tw.describe_certificate(result['der'], host_now, host_now)
    assert described['subject'] == 'CN=peer ' + 'x' * 100 and described['issuer'] == 'CN=lab'
    assert described['sans'] == []
    assert described['error'].startswith('certificate read, but its sans (')
    assert (described['valid_at_host_time'], described['valid_at_true_time']) == (True, True)
    assert described['seconds_until_expiry'] > 0


# ---------------------------------------------------------------------------
# Failures are values with clear texts

@pytest.fixture(scope='module')
def broken():
    with NotTLSServer() as not_tls, ResetServer() as reset, SilentServer() as silent, ClosedPort() as closed:
        yield {'not_tls': not_tls, 'reset': reset, 'silent': silent, 'closed': closed}


def test_every_failure_is_a_value_and_a_hung_peer_is_bounded_by_timeout(servers, broken):
    """One concurrent call: a silent peer (timeout 1) does not delay the others, and the call returns in < 2 s."""
    endpoints = [
        broken['not_tls'].endpoint,
        broken['reset'].endpoint,
        broken['silent'].endpoint,
        broken['closed'].endpoint,
        'gotime-lab-host.invalid:443',
        servers['valid'].endpoint,
    ]
    started = time.monotonic()
    results = tw.fetch_certificates(endpoints, timeout=1)
    elapsed = time.monotonic() - started
    assert elapsed < 2
    assert [result['endpoint'] for result in results] == endpoints
    not_tls, reset, silent, closed, dns, valid = results
    for result in (not_tls, reset, silent, closed, dns):
        assert result['der'] is None
        assert result['error'].startswith(result['endpoint'] + ': ')
    assert 'did not answer with TLS (wrong version number): is this a TLS port?' in not_tls['error']
    assert 'connection reset by the peer during TLS handshake' in reset['error']
    assert silent['error'] == '%s: no answer within 1 s (during TLS handshake)' % silent['endpoint']
    assert 'connection refused (nothing listens on that port)' in closed['error']
    assert 'DNS lookup failed' in dns['error'] and dns['address'] is None
    assert valid['error'] is None and valid['der']


def test_localhost_name_resolves_and_connects(servers):
    result, = tw.fetch_certificates(['localhost:%d' % servers['valid'].port], timeout=5)
    assert result['error'] is None
    assert result['endpoint'] == 'localhost:%d' % servers['valid'].port


@pytest.mark.parametrize('timeout', [0, -1, 'x', None, True, float('inf')])
def test_fetch_rejects_a_bad_timeout(timeout):
    with pytest.raises(ValueError, match='timeout must be a positive number of seconds'):
        tw.fetch_certificates(['localhost:443'], timeout)


def test_fetch_rejects_a_bad_endpoint_before_any_connection():
    with pytest.raises(ValueError, match="cert_endpoints: entry 'host:x'"):
        tw.fetch_certificates(['localhost:443', 'host:x'], 1)
