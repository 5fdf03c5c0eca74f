"""clock_facts end to end against the lab: real chronyd (some under libfaketime), TLS and HTTPS servers."""
import time

import pytest

from support.modrun import run_module


def labels(lab, *names):
    return [lab['services'][name]['label'] for name in names]


def clock(lab, ntp, certs=(), **extra):
    args = {'ntp_servers': labels(lab, *ntp), 'ntp_timeout': 1, 'samples': 3,
            'cert_endpoints': [lab['services'][name]['endpoint'] for name in certs],
            'https_date_urls': [], 'host_sync': False}
    args.update(extra)
    result, proc = run_module('clock_facts', args)
    assert not result.get('failed'), result
    assert 'Traceback' not in proc.stderr
    return result['ansible_facts']['gotime_clock']


def test_falseticker_outvoted(lab):
    fact = clock(lab, ['ntp_good_1', 'ntp_good_2', 'ntp_good_3', 'ntp_fast_300'])
    selection = fact['ntp']['selection']
    assert selection['majority'] is True
    assert abs(selection['offset']) < 0.002
    assert selection['error_bound'] >= abs(selection['offset'])
    assert selection['falsetickers'] == labels(lab, 'ntp_fast_300')
    assert sorted(selection['truechimers']) == sorted(labels(lab, 'ntp_good_1', 'ntp_good_2', 'ntp_good_3'))
    assert fact['verdict'] == 'ok'
    assert 'falsetickers ignored: %s' % labels(lab, 'ntp_fast_300')[0] in fact['reason']


def test_no_majority(lab):
    fact = clock(lab, ['ntp_good_1', 'ntp_fast_300'])
    selection = fact['ntp']['selection']
    assert selection['majority'] is False
    assert selection['offset'] is None
    assert fact['verdict'] == 'no_time_source'
    assert 'no majority' in fact['reason']
    assert fact['offset'] is None


def test_all_servers_skewed(lab):
    fact = clock(lab, ['ntp_fast_300', 'ntp_fast_300_b'])
    assert abs(fact['offset'] - 300) < 0.002
    assert fact['error_bound'] >= abs(fact['offset'] - 300)
    assert fact['verdict'] == 'skewed'
    # Positive offset: true time is ahead of the host, the host is slow.
    assert 'host clock 300.0' in fact['reason'] and 'slow' in fact['reason']
    assert 'never causes go.sum checksum mismatches' in fact['reason']


@pytest.mark.parametrize('ntp,skew', [
    (['ntp_good_1'], 0.0),
    (['ntp_good_1', 'ntp_good_2', 'ntp_good_3'], 0.0),
    (['ntp_slow_120'], -120.0),
    (['ntp_ahead_2h'], 7200.0),
])
def test_error_bound_covers_real_error(lab, ntp, skew):
    fact = clock(lab, ntp)
    assert fact['error_bound'] >= abs(fact['offset'] - skew), fact['ntp']


def test_tls_window_names_endpoint_and_offset(lab):
    # True time (the lab's NTP at +2 h) is inside the window of a certificate that starts in 1 h.
    fact = clock(lab, ['ntp_ahead_2h'], certs=['tls_not_yet_valid', 'tls_expired', 'tls_valid'])
    by_endpoint = dict((c['endpoint'], c) for c in fact['certificates'])
    not_yet = by_endpoint[lab['services']['tls_not_yet_valid']['endpoint']]
    assert not_yet['valid_at_host_time'] is False
    assert not_yet['valid_at_true_time'] is True
    expired = by_endpoint[lab['services']['tls_expired']['endpoint']]
    assert expired['valid_at_host_time'] is False
    assert expired['valid_at_true_time'] is False
    assert fact['verdict'] == 'tls_window'
    assert lab['services']['tls_not_yet_valid']['endpoint'] in fact['reason']
    assert 'not yet valid at host time' in fact['reason']
    assert 'host clock 7200.0' in fact['reason']


def test_broken_endpoints_are_statuses(lab):
    fact = clock(lab, ['ntp_good_1'], certs=['tls_not_tls', 'tls_reset', 'tls_valid'])
    errors = [c['error'] for c in fact['certificates']]
    assert errors[0] and errors[1] and errors[2] is None
    assert fact['certificates'][2]['valid_at_host_time'] is True
    assert fact['verdict'] == 'ok'


def test_dead_servers_bounded_in_time(lab):
    dead = [lab['services']['ntp_dead']['label']] + ['127.0.0.1:%d' % port for port in (9, 13, 37)]
    started = time.monotonic()
    result, dummy = run_module('clock_facts', {'ntp_servers': dead, 'ntp_timeout': 1, 'cert_endpoints': [],
                                               'https_date_urls': [], 'host_sync': False})
    elapsed = time.monotonic() - started
    fact = result['ansible_facts']['gotime_clock']
    # asked at once: about one ntp_timeout in all; one after another would take at least 4 s
    assert elapsed < 3.5, elapsed
    assert [s['status'] for s in fact['ntp']['servers']] == ['timeout'] * 4
    assert fact['verdict'] == 'no_time_source'
    assert not result.get('failed')


def test_hostile_replies_get_their_status(lab):
    names = ['ntp_kod_rate', 'ntp_kod_deny', 'ntp_short', 'ntp_wrong_mode', 'ntp_zero_transmit', 'ntp_leap3']
    fact = clock(lab, names + ['ntp_good_1'])
    statuses = dict((s['port'], s['status']) for s in fact['ntp']['servers'])
    expected = ['kod', 'kod', 'bad_reply', 'bad_reply', 'bad_reply', 'unsynchronized']
    assert [statuses[lab['services'][n]['port']] for n in names] == expected
    assert fact['ntp']['selection']['truechimers'] == labels(lab, 'ntp_good_1')
    assert fact['verdict'] == 'ok'


def test_https_date_fallback(lab):
    fact = clock(lab, ['ntp_dead'], https_date_urls=[lab['services']['https_date_fast_300']['url']],
                 https_date_ca_file=lab['ca_file'])
    assert fact['offset_source'] == 'https_date'
    assert abs(fact['offset'] - 300) <= 1.0
    estimate = fact['https_date']['estimate']
    assert estimate['resolution'] == 1.0
    assert 'one-second resolution' in fact['https_date']['results'][0]['note']
    assert fact['verdict'] == 'skewed'
    assert 'https_date' in fact['reason']


def test_unresolvable_server_is_dns_error(lab):
    # tests run under scripts/loopback-dns: the lookup fails on this machine, nothing leaves it.
    fact = clock(lab, [], ntp_servers=['unknown-host.invalid', lab['services']['ntp_good_1']['label']])
    assert fact['ntp']['servers'][0]['status'] == 'dns_error'
    assert fact['verdict'] == 'ok'
