"""Judging every certificate a server sent (_tls_window.describe_endpoint) and naming it in the verdict (_clock.judge).

Pure: the chains are made with cryptography (tests/lab/tls_lab.chain_certificates) and passed as DER, no server;
tests/functional/test_clock_facts_chain.py serves them and runs the module on Python 3.13 and 3.11.
"""
import datetime

import pytest
from cryptography.hazmat.primitives import serialization

from ansible_collections.cifleet.gotime.plugins.module_utils import _clock
from ansible_collections.cifleet.gotime.plugins.module_utils import _tls_window as tw
from lab.tls_lab import chain_certificates

HOUR = 3600
DAY = datetime.timedelta(days=1)
NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def der(cert):
    return cert.public_bytes(serialization.Encoding.DER)


def chain(**windows):
    """(DER list leaf first, as a server sends it, {role: (subject, issuer, not_before, not_after)}, host_now)."""
    certs, dummy, described = chain_certificates(windows)
    host_now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).timestamp()
    return [der(certs['leaf']), der(certs['intermediate'])], described, host_now


def iso(moment):
    return moment.strftime('%Y-%m-%dT%H:%M:%SZ')


def test_every_certificate_sent_is_judged_in_the_order_sent():
    ders, described, now = chain()
    fact = tw.describe_endpoint(ders[0], ders, now, now)
    assert (fact['chain_checked'], fact['chain_reason'], fact['chain_failures']) == (True, None, [])
    assert [(c['position'], c['subject'], c['issuer']) for c in fact['chain']] == [
        (0,) + described['leaf'][:2], (1,) + described['intermediate'][:2]]
    assert [(c['not_before'], c['not_after']) for c in fact['chain']] == [
        (iso(described[role][2]), iso(described[role][3])) for role in ('leaf', 'intermediate')]
    assert all(c['error'] is None and c['valid_at_host_time'] and c['valid_at_true_time'] for c in fact['chain'])
    # The leaf's own keys stay where they were.
    assert fact['subject'] == described['leaf'][0] and fact['sans'] == ['localhost', '127.0.0.1']


@pytest.mark.parametrize('windows,true_shift,problem', [
    ({'intermediate': 'expired'}, 0, 'expired at host time and at true time'),
    ({'intermediate': 'not_yet_valid'}, 2 * HOUR, 'not yet valid at host time, valid at true time'),
    ({'intermediate': 'not_yet_valid'}, None, 'not yet valid at host time (true time unknown)'),
    # A host 10 days slow sees an intermediate that ended yesterday as still valid (and a leaf of 60 days too).
    ({'intermediate': 'expired', 'leaf': (NOW - 60 * DAY, NOW + 30 * DAY)}, -10 * 24 * HOUR, 'valid at host time, expired at true time'),
])
def test_the_failing_intermediate_is_named_with_its_window(windows, true_shift, problem):
    ders, described, now = chain(**windows)
    if true_shift is not None and true_shift < 0:
        host_now, true_now = now + true_shift, now  # the host is behind: true time is now
    else:
        host_now, true_now = now, (None if true_shift is None else now + true_shift)
    fact = tw.describe_endpoint(ders[0], ders, host_now, true_now)
    subject, issuer, not_before, not_after = described['intermediate']
    assert [f['position'] for f in fact['chain_failures']] == [1], fact['chain_failures']
    failure = fact['chain_failures'][0]
    assert (failure['subject'], failure['issuer'], failure['not_before'], failure['not_after'], failure['problem']) == (
        subject, issuer, iso(not_before), iso(not_after), problem)
    assert failure['valid_at_host_time'] is fact['chain'][1]['valid_at_host_time']
    assert failure['valid_at_true_time'] is fact['chain'][1]['valid_at_true_time']


def test_without_the_chain_only_the_leaf_is_judged_and_that_is_said():
    ders, dummy, now = chain(intermediate='expired', leaf='expired')
    fact = tw.describe_endpoint(ders[0], None, now, now)
    assert (fact['chain_checked'], fact['chain']) == (False, None)
    assert fact['chain_reason'] == tw.LEAF_ONLY_REASON and fact['chain_reason'].startswith('Python < 3.13 exposes only the leaf')
    # The expired leaf is a failure; the expired intermediate is not seen.
    assert [(f['position'], f['problem']) for f in fact['chain_failures']] == [(0, 'expired at host time and at true time')]
    empty = tw.describe_endpoint(ders[0], [], now, now)
    assert (empty['chain_checked'], empty['chain_reason']) == (False, 'the TLS library returned no chain; the leaf was judged alone')


def test_a_sent_certificate_that_does_not_parse_is_an_error_of_its_own():
    ders, dummy, now = chain()
    fact = tw.describe_endpoint(ders[0], ders + [b'not a certificate'], now, now)
    assert fact['chain_checked'] is True and fact['chain_failures'] == []
    assert fact['chain'][2]['position'] == 2 and fact['chain'][2]['error'].startswith('not a DER X.509 certificate')
    assert 'subject' not in fact['chain'][2] and fact['chain'][1]['error'] is None


def test_the_python_this_runs_on_decides_whether_the_chain_is_offered():
    import ssl
    import sys
    assert tw.HAS_CHAIN_API is hasattr(ssl.SSLSocket, 'get_unverified_chain')
    assert tw.HAS_CHAIN_API is (sys.version_info >= (3, 13))


# ---------------------------------------------------------------------------
# The verdict and its reason

TRUTH_SLOW = {'offset': 2 * HOUR, 'error_bound': 0.001, 'source': 'ntp'}
SELECTION = {'falsetickers': []}


def endpoint_fact(endpoint, ders, host_now, true_now):
    fact = {'endpoint': endpoint, 'error': None}
    fact.update(tw.describe_endpoint(ders[0], ders, host_now, true_now))
    return fact


def test_an_intermediate_not_yet_valid_at_host_time_is_a_tls_window_naming_it():
    ders, described, now = chain(intermediate='not_yet_valid')
    certificates = [endpoint_fact('goproxy.corp.example:443', ders, now, now + 2 * HOUR)]
    verdict, reason = _clock.judge([], SELECTION, TRUTH_SLOW, certificates, 1.0)
    subject, issuer, not_before, not_after = described['intermediate']
    assert verdict == 'tls_window'
    assert ('certificates for goproxy.corp.example:443 (chain certificate 1, subject %s, issuer %s, valid %s to %s: '
            'not yet valid at host time); TLS and Go downloads will fail' % (subject, issuer, iso(not_before), iso(not_after))) in reason
    assert reason.endswith('a certificate after the leaf fails the verifiers whose path goes through it '
                           '(a sent intermediate normally is on it)')


def test_a_leaf_not_yet_valid_keeps_the_short_form():
    ders, dummy, now = chain(leaf='not_yet_valid')
    certificates = [endpoint_fact('proxy.golang.org:443', ders, now, now + 2 * HOUR)]
    verdict, reason = _clock.judge([], SELECTION, TRUTH_SLOW, certificates, 1.0)
    assert verdict == 'tls_window'
    assert 'certificates for proxy.golang.org:443 (not yet valid at host time); TLS and Go downloads will fail' in reason
    assert reason.endswith('(playbooks/remediate.yml)')


def test_an_intermediate_expired_at_true_time_too_is_the_servers_problem():
    ders, described, now = chain(intermediate='expired')
    certificates = [endpoint_fact('sum.golang.org:443', ders, now, now)]
    verdict, reason = _clock.judge([], SELECTION, {'offset': 0.0002, 'error_bound': 0.001, 'source': 'ntp'}, certificates, 1.0)
    assert verdict == 'ok'
    assert ('certificates for sum.golang.org:443 (chain certificate 1, subject %s, issuer %s, valid %s to %s) are outside '
            'their validity window at true time too: a server-side certificate problem, not the clock'
            % (described['intermediate'][:2] + tuple(iso(m) for m in described['intermediate'][2:]))) in reason
