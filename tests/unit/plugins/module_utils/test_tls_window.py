"""_tls_window against real TLS servers on loopback (tests/lab/tls_lab.py)."""
import math
import threading
import time

import pytest

from ansible_collections.cifleet.gotime.plugins.module_utils import _tls_window as tw
from lab.tls_lab import ClosedPort, LabCA, NotTLSServer, ResetServer, SilentServer, TLSServer

TWO_HOURS = 2 * 3600


# ---------------------------------------------------------------------------
# parse_endpoint

@pytest.mark.parametrize('entry, expected', [
    ('proxy.golang.org:443', ('proxy.golang.org', 443)),
    ('sum.golang.org', ('sum.golang.org', 443)),
    ('goproxy.corp.example:8443', ('goproxy.corp.example', 8443)),
    ('proxy.golang.org.:443', ('proxy.golang.org.', 443)),
    ('127.0.0.1:1', ('127.0.0.1', 1)),
    ('localhost:65535', ('localhost', 65535)),
    ('[2001:db8::1]:8443', ('2001:db8::1', 8443)),
    ('[::1]', ('::1', 443)),
])
def test_parse_endpoint_accepts(entry, expected):
    assert tw.parse_endpoint(entry) == expected


def test_parse_endpoint_round_trips_through_format_endpoint():
    for entry in ('proxy.golang.org:443', '[2001:db8::1]:8443', '127.0.0.1:4433'):
        assert tw.format_endpoint(*tw.parse_endpoint(entry)) == entry


def test_parse_endpoint_names_option_and_default_port_for_other_callers():
    assert tw.parse_endpoint('time.apple.com', option='ntp_servers', default_port=123) == ('time.apple.com', 123)
    with pytest.raises(ValueError, match=r"^ntp_servers: entry 'time\.apple\.com:x'"):
        tw.parse_endpoint('time.apple.com:x', option='ntp_servers', default_port=123)


def test_parse_endpoint_message_names_entry_and_fix():
    with pytest.raises(ValueError) as info:
        tw.parse_endpoint('host:notaport')
    assert str(info.value) == ("cert_endpoints: entry 'host:notaport' has a port that is not a number;"
                               " write host:port with a port from 1 to 65535")


@pytest.mark.parametrize('entry, problem', [
    ('host:0', 'has port 0, outside 1 to 65535'),
    ('host:65536', 'has port 65536, outside 1 to 65535'),
    ('host:+443', 'port that is not a number'),
    ('host:\u0664\u0664\u0663', 'port that is not a number'),
    ('host:', 'has no port after ":"'),
    (':443', 'has no host before ":"'),
    ('2001:db8::1', 'IPv6 address without brackets; write it as [2001:db8::1]:443'),
    ('[2001:db8::1', 'has "[" without "]"'),
    ('[proxy.golang.org]:443', 'not an IPv6 address'),
    ('[::1]443', 'has text after "]"'),
    ('https://proxy.golang.org', 'is a URL, not an endpoint'),
    ('proxy.golang.org/x', 'is a URL, not an endpoint'),
    ('user@proxy.golang.org:443', 'contains "@"'),
    ('proxy golang.org:443', 'contains white space'),
    ('proxy..golang.org', 'empty label'),
    ('', 'is empty'),
    (443, 'is not a string'),
    (None, 'is not a string'),
])
def test_parse_endpoint_rejects(entry, problem):
    with pytest.raises(ValueError) as info:
        tw.parse_endpoint(entry)
    message = str(info.value)
    assert message.startswith('cert_endpoints: entry %r ' % (entry,))
    assert problem in message


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


def test_valid_certificate_is_valid_at_host_and_true_time(fetched):
    server, result = fetched['valid']
    host_now = time.time()
    described = tw.describe_certificate(result['der'], host_now, host_now + TWO_HOURS)
    assert described['valid_at_host_time'] is True
    assert described['valid_at_true_time'] is True
    assert described['seconds_until_expiry'] == math.floor(_timestamp(server.not_after) - (host_now + TWO_HOURS))


def test_not_yet_valid_at_host_time_but_valid_at_true_time(fetched):
    """The host clock is 2 h slow: its verifier rejects a certificate that starts in 1 h; at true time it is valid."""
    dummy, result = fetched['not_yet_valid']
    host_now = time.time()
    described = tw.describe_certificate(result['der'], host_now, host_now + TWO_HOURS)
    assert described['valid_at_host_time'] is False
    assert described['valid_at_true_time'] is True
    assert described['seconds_until_expiry'] > 0


def test_expired_certificate_is_invalid_at_both_times(fetched):
    server, result = fetched['expired']
    host_now = time.time()
    described = tw.describe_certificate(result['der'], host_now, host_now + TWO_HOURS)
    assert described['valid_at_host_time'] is False
    assert described['valid_at_true_time'] is False
    assert described['seconds_until_expiry'] == math.floor(_timestamp(server.not_after) - (host_now + TWO_HOURS))
    assert described['seconds_until_expiry'] < -86400


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


# ---------------------------------------------------------------------------
# run_bounded: the deadline holds even when a worker cannot be interrupted

def test_run_bounded_abandons_a_blocked_worker_at_the_deadline():
    release = threading.Event()

    def work(item, deadline, progress):
        if item == 'blocked':
            progress['phase'] = 'DNS lookup'
            release.wait(30)  # like getaddrinfo on a dead resolver: no timeout applies
        if item == 'raises':
            raise RuntimeError('boom')
        return item

    def failed(item, progress, exc):
        return (item, progress['phase'], repr(exc))

    started = time.monotonic()
    try:
        results = tw.run_bounded(work, ['fast', 'blocked', 'raises'], 0.5, failed)
    finally:
        release.set()
    assert time.monotonic() - started < 0.5 + tw.DEADLINE_GRACE + 0.5
    assert results == ['fast', ('blocked', 'DNS lookup', 'None'), ('raises', 'start', "RuntimeError('boom')")]


def test_timeout_of_a_blocked_dns_lookup_is_described():
    status, text = tw.describe_network_error(None, 'proxy.golang.org:443', {'phase': 'DNS lookup'}, 2)
    assert (status, text) == ('timeout', 'proxy.golang.org:443: no answer within 2 s (during DNS lookup)')
