"""_https_date against real HTTPS servers on loopback whose Date header is skewed (tests/lab/tls_lab.py)."""
import http.client
import ssl
import time

import pytest

from ansible_collections.cifleet.gotime.plugins.module_utils import _https_date as hd
from ansible_collections.cifleet.gotime.plugins.module_utils._endpoint import describe_network_error
from lab.tls_lab import ClosedPort, HTTPSDateServer, LabCA, NotTLSServer, SilentServer


@pytest.fixture(scope='module')
def ca():
    with LabCA() as lab_ca:
        yield lab_ca


@pytest.fixture(scope='module')
def other_ca():
    with LabCA() as lab_ca:
        yield lab_ca


def _within_truncation(result, skew):
    """Date is truncated to the second and stamped somewhere in the round trip: |error| <= 0.5 s + rtt/2 (+ rounding)."""
    return abs(result['offset'] - skew) <= hd.RESOLUTION / 2 + result['round_trip'] / 2 + 0.002


def test_server_300_s_ahead_gives_offset_plus_300(ca):
    with HTTPSDateServer(ca, skew=300) as server:
        result, = hd.query_https_dates([server.url], timeout=5, ca_file=ca.ca_pem_path)
    assert result['status'] == 'ok', result['error']
    assert result['error'] is None
    assert abs(result['offset'] - 300) <= 1
    assert _within_truncation(result, 300)
    assert result['resolution'] == 1.0
    assert result['date'].endswith(' GMT')
    assert 'one-second resolution' in result['note']
    assert 'chain and host name were verified' in result['note']
    assert 'validity period was not checked' in result['note']


@pytest.mark.parametrize('window', ['not_yet_valid', 'expired'])
def test_certificate_validity_period_is_ignored_for_the_date(ca, window):
    with HTTPSDateServer(ca, skew=-120, window=window) as server:
        # Control: an ordinary verifier on this host rejects this server's certificate for its dates.
        strict = ssl.create_default_context(cafile=ca.ca_pem_path)
        connection = http.client.HTTPSConnection('127.0.0.1', server.port, timeout=5, context=strict)
        with pytest.raises(ssl.SSLCertVerificationError) as info:
            connection.request('HEAD', '/')
        connection.close()
        assert info.value.verify_code in (9, 10)  # not yet valid, expired
        result, = hd.query_https_dates([server.url], timeout=5, ca_file=ca.ca_pem_path)
    assert result['status'] == 'ok', result['error']
    assert _within_truncation(result, -120)
    # Were a TLS library to ignore NO_CHECK_TIME, its date error would be reported as what it means.
    status, text = describe_network_error(info.value, server.url, {'phase': 'TLS handshake'}, 5)
    assert status == 'tls_error'
    assert 'checked the validity period although asked not to' in text
    assert ssl.OPENSSL_VERSION in text


def test_untrusted_ca_is_rejected(ca, other_ca):
    with HTTPSDateServer(ca, skew=300) as server:
        other, default_store = hd.query_https_dates([server.url], timeout=5, ca_file=other_ca.ca_pem_path) + \
            hd.query_https_dates([server.url], timeout=5)
    for result in (other, default_store):
        assert result['status'] == 'tls_error'
        assert result['offset'] is None
        assert result['error'] == '%s: certificate rejected: unable to get local issuer certificate' % server.url


def test_wrong_host_name_is_rejected_and_a_listed_name_accepted(ca):
    """The certificate names localhost and 127.0.0.1; the same server reached as 127.0.0.2 is refused."""
    with HTTPSDateServer(ca, host='127.0.0.2', skew=300) as wrong, HTTPSDateServer(ca, skew=300) as right:
        wrong_result, by_name = hd.query_https_dates([wrong.url, right.url_for('localhost')], 5, ca.ca_pem_path)
    assert wrong_result['status'] == 'tls_error'
    assert "certificate is not valid for '127.0.0.2'" in wrong_result['error']
    assert by_name['status'] == 'ok'
    assert _within_truncation(by_name, 300)


def test_head_without_date_falls_back_to_get(ca):
    with HTTPSDateServer(ca, skew=300, date_methods=('GET',)) as server:
        result, = hd.query_https_dates([server.url], 5, ca.ca_pem_path)
    assert result['status'] == 'ok'
    assert _within_truncation(result, 300)


def test_no_date_header_at_all(ca):
    with HTTPSDateServer(ca, date_methods=()) as server:
        result, = hd.query_https_dates([server.url], 5, ca.ca_pem_path)
    assert result['status'] == 'no_date'
    assert result['offset'] is None
    assert result['error'] == ('%s: no Date header (HEAD: HTTP 204 without a Date header; GET: HTTP 204 without a Date header)'
                               % server.url)


def test_network_failures_are_statuses_and_bounded_by_timeout(ca):
    with NotTLSServer() as not_tls, SilentServer() as silent, ClosedPort() as closed, HTTPSDateServer(ca, skew=300) as good:
        urls = ['https://%s/' % not_tls.endpoint, 'https://%s/' % silent.endpoint, 'https://%s/' % closed.endpoint,
                'https://gotime-lab-host.invalid/', good.url]
        started = time.monotonic()
        results = hd.query_https_dates(urls, timeout=1, ca_file=ca.ca_pem_path)
        elapsed = time.monotonic() - started
    assert elapsed < 2
    assert [result['url'] for result in results] == urls
    assert [result['status'] for result in results] == ['tls_error', 'timeout', 'error', 'dns_error', 'ok']
    not_tls_result, silent_result, closed_result, dns_result = results[:4]
    assert 'did not answer with TLS' in not_tls_result['error']
    assert silent_result['error'] == '%s: no answer within 1 s (during TLS handshake)' % urls[1]
    assert 'connection refused' in closed_result['error']
    assert 'DNS lookup failed' in dns_result['error']
    for result in results:
        assert result['status'] in hd.STATUSES
        assert result['note'] == hd.NOTE


def test_context_verifies_chain_and_name_but_not_time(ca):
    context = hd.https_date_context(ca.ca_pem_path)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True
    assert context.verify_flags & hd.NO_CHECK_TIME


def test_unreadable_ca_file_is_a_value_error(tmp_path):
    missing = str(tmp_path / 'missing.pem')
    with pytest.raises(ValueError, match='^https_date_ca_file: .* cannot be loaded as PEM CA certificates'):
        hd.query_https_dates(['https://localhost/'], 1, ca_file=missing)
    garbage = tmp_path / 'garbage.pem'
    garbage.write_text('not a certificate\n')
    with pytest.raises(ValueError, match='^https_date_ca_file: .* cannot be loaded as PEM CA certificates'):
        hd.https_date_context(str(garbage))


def test_combine_takes_the_median_of_ok_results(ca):
    with HTTPSDateServer(ca, skew=300) as first, HTTPSDateServer(ca, skew=300) as second, \
            HTTPSDateServer(ca, date_methods=()) as dateless:
        results = hd.query_https_dates([first.url, second.url, dateless.url], 5, ca.ca_pem_path)
    combined = hd.combine(results)
    assert combined['source'] == 'https_date'
    assert combined['count'] == 2
    assert combined['resolution'] == 1.0
    assert abs(combined['offset'] - 300) <= 1
    assert combined['error_bound'] == round(1.0 + max(r['round_trip'] for r in results[:2]) / 2, 3)
    assert combined['spread'] <= 1.0
