"""_ntp against real chronyd servers (skewed ones under libfaketime) and our hostile responders."""
import socket
import time

import pytest

from ansible_collections.cifleet.gotime.plugins.module_utils import _endpoint, _ntp
from lab import ntp_lab
from lab.ntp_lab import ChronyServer, DeadPort, HostileServer

SKEW = 300.0
MISSING = ntp_lab.missing_tools()
needs_chrony = pytest.mark.skipif(MISSING is not None, reason='chronyd lab: %s' % MISSING)


def _ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as sock:
            sock.bind(('::1', 0))
    except OSError:
        return False
    return True


@pytest.fixture(scope='module')
def chrony():
    """Three good chronyd servers and three at +300 s, shared by the lab tests of this module."""
    started = []
    try:
        for skew in (None, None, None, '+300s', '+300s', '+300s'):
            started.append(ChronyServer(skew=skew).start())
        yield {'good': started[:3], 'fast': started[3:]}
    finally:
        for server in started:
            server.stop()


def _query(services, timeout=1, samples=3):
    return _ntp.query_servers([service.server for service in services], timeout, samples)


def _assert_honest(results, selection, true_offset):
    """Every ok interval and the selected bound contain the injected skew (the real error is within bound)."""
    for result in results:
        if result['status'] == 'ok':
            assert abs(result['offset'] - true_offset) <= result['root_distance'], result
    assert abs(selection['offset'] - true_offset) <= selection['error_bound'], selection


# --- real chronyd -------------------------------------------------------------------------------

@needs_chrony
def test_falseticker_is_named_and_not_averaged(chrony):
    servers = chrony['good'] + chrony['fast'][:1]
    results = _query(servers)
    print('measured:', [(r['port'], r['offset'], r['delay'], r['root_distance']) for r in results])

    assert [r['status'] for r in results] == ['ok'] * 4
    assert all(r['samples'] == 3 and r['error'] is None for r in results)
    assert [r['stratum'] for r in results] == [8] * 4
    assert results[0]['address'] == '127.0.0.1' and results[0]['ref_id'] == '127.127.1.1'
    assert abs(results[3]['offset'] - SKEW) < 0.002
    selection = _ntp.select(results)
    print('selection:', selection)
    assert selection['majority'] is True and selection['reason'] is None
    assert abs(selection['offset']) < 0.002
    assert selection['falsetickers'] == [chrony['fast'][0].label]
    assert selection['truechimers'] == [server.label for server in chrony['good']]
    assert selection['candidates'] == 4
    _assert_honest(results[:3], selection, 0.0)


@needs_chrony
def test_one_good_one_skewed_has_no_majority(chrony):
    results = _query([chrony['good'][0], chrony['fast'][0]])
    selection = _ntp.select(results)

    assert [r['status'] for r in results] == ['ok', 'ok']
    assert selection == {'offset': None, 'error_bound': None, 'truechimers': [], 'falsetickers': [],
                         'majority': False, 'candidates': 2, 'reason': 'no majority: 1 of 2 servers agree'}


@needs_chrony
@pytest.mark.parametrize('count', [2, 3])
def test_only_skewed_servers_give_their_time_with_an_honest_bound(chrony, count):
    results = _query(chrony['fast'][:count])
    selection = _ntp.select(results)
    print('measured:', [(r['offset'], r['delay'], r['root_distance']) for r in results], selection)

    assert selection['majority'] is True
    assert abs(selection['offset'] - SKEW) < 0.002
    assert selection['error_bound'] >= abs(selection['offset'] - SKEW)
    assert len(selection['truechimers']) == count and selection['falsetickers'] == []
    _assert_honest(results, selection, SKEW)


@needs_chrony
def test_single_sample_is_kept(chrony):
    result = _query(chrony['good'][:1], samples=1)[0]
    assert result['status'] == 'ok' and result['samples'] == 1
    assert result['delay'] >= 0 and result['root_distance'] >= result['delay'] / 2


@needs_chrony
@pytest.mark.skipif(not _ipv6_loopback(), reason='no IPv6 loopback (::1) on this machine')
def test_ipv6_server_entry_end_to_end():
    with ChronyServer(address='::1') as server:
        host, port = _endpoint.parse('[::1]:%d' % server.port, 'ntp_servers', 123)
        result = _ntp.query_servers([(host, port)], 1, 2)[0]
    assert result['status'] == 'ok' and result['address'] == '::1'
    assert abs(result['offset']) <= result['root_distance']
    assert _ntp.select([result])['truechimers'] == ['[::1]:%d' % port]


@needs_chrony
def test_unsynchronized_chronyd_is_never_selected(chrony):
    with ChronyServer(synchronized=False) as unsynchronized:
        results = _query([unsynchronized, chrony['good'][0]])
    assert results[0]['status'] == 'unsynchronized' and results[0]['samples'] == 0
    assert results[0]['leap'] == 3 and results[0]['stratum'] == 0 and results[0]['ref_id'] == '0.0.0.0'
    assert results[0]['error'] == 'the server is not synchronized (leap indicator 3)'
    assert _ntp.select(results)['truechimers'] == [chrony['good'][0].label]


# --- servers that do not answer -----------------------------------------------------------------

def test_silent_servers_time_out_within_the_bound():
    dead = [DeadPort().start() for dummy in range(4)]
    try:
        started = time.monotonic()
        results = _query(dead, timeout=1, samples=3)
        elapsed = time.monotonic() - started
    finally:
        for port in dead:
            port.stop()
    assert elapsed < 2.0  # acceptance: timeout 1 s, four silent servers, under 2 s in all
    assert [r['status'] for r in results] == ['timeout'] * 4
    assert all(r['error'] == 'no reply within 1 s' and r['address'] == '127.0.0.1' for r in results)
    assert [port.requests for port in dead] == [1] * 4  # sampling stops at the first timeout
    assert _ntp.select(results)['reason'] == 'no candidates: no server gave a usable reply'


def test_closed_port_is_a_timeout_that_says_why():
    with DeadPort(listen=False) as closed:
        result = _query([closed])[0]
    assert result['status'] == 'timeout'
    assert 'ICMP port unreachable' in result['error']


def _resolver_is_loopback():
    try:
        with open('/etc/resolv.conf') as handle:
            servers = [line.split()[1] for line in handle if line.startswith('nameserver ') and len(line.split()) > 1]
    except OSError:
        return False
    return bool(servers) and all(address.startswith('127.') or address == '::1' for address in servers)


@pytest.mark.parametrize('host', [
    # glibc refuses a name that is not a valid host name (leading hyphen) before any DNS query, and Python
    # refuses a label over 63 characters: neither lookup leaves this machine.
    '-ntp-lab.invalid',
    'x' * 64 + '.invalid',
    # A well-formed .invalid name is sent to the configured resolver (glibc does not special-case .invalid):
    # only when that resolver is on loopback (scripts/loopback-dns).
    pytest.param('ntp-lab.invalid', marks=pytest.mark.skipif(
        not _resolver_is_loopback(), reason='the DNS resolver is not on loopback: run under scripts/loopback-dns')),
])
def test_unresolvable_name_is_a_dns_error(host):
    result = _ntp.query_servers([(host, 123)], 1, 3)[0]
    assert result['status'] == 'dns_error' and result['address'] is None
    assert result['error'].startswith('cannot resolve %s: ' % host)
    assert result['offset'] is None and result['samples'] == 0


# --- hostile replies ----------------------------------------------------------------------------

HOSTILE = [
    # mode, status, error fragment, requests received with samples=3
    ('kod_rate', 'kod', 'kiss code RATE: the server asks us to query less often', 1),
    ('kod_deny', 'kod', 'kiss code DENY: the server denies us access; stop querying it', 1),
    ('short', 'bad_reply', 'reply is 20 bytes; an NTP reply has at least 48', 1),
    ('wrong_mode', 'bad_reply', 'reply has mode 3; a server reply has mode 4', 1),
    ('zero_transmit', 'bad_reply', 'reply has a zero transmit timestamp', 1),
    ('bad_origin', 'bad_reply', 'origin timestamp does not match our request', 1),
    ('leap3', 'unsynchronized', 'the server is not synchronized (leap indicator 3)', 1),
    ('stratum16', 'unsynchronized', 'the server is not synchronized (stratum 16)', 1),
    ('distant', 'unsynchronized', 'root distance 16.00', 1),
]


@pytest.mark.parametrize('mode, status, fragment, requests', HOSTILE, ids=[case[0] for case in HOSTILE])
def test_hostile_reply_gets_its_status(mode, status, fragment, requests):
    with HostileServer(mode) as hostile:
        result = _query([hostile])[0]
    assert result['status'] == status
    assert fragment in result['error']
    assert hostile.requests == requests
    assert result['samples'] == 0
    if status == 'kod':
        assert result['stratum'] == 0 and result['ref_id'] == mode[-4:].upper() and result['offset'] is None
    if status == 'bad_reply':
        assert result['offset'] is None and result['stratum'] is None


def test_kod_after_a_good_sample_keeps_the_sample():
    with HostileServer('ok_then_rate') as hostile:
        result = _query([hostile])[0]
    assert result['status'] == 'ok' and result['samples'] == 1
    assert result['error'] == ('sample 2 of 3: kiss code RATE: the server asks us to query less often; '
                               'kept the best of 1')
    assert hostile.requests == 2


def test_a_server_that_stops_or_jumps_after_its_first_answers():
    # the lab's servers for gotime-clock's step tests (tests/functional/test_gotime_clock_steps.py)
    with HostileServer('ok_then_silent', good=2) as silent, HostileServer('ok_then_ahead', ahead=100.0) as ahead:
        first = _query([silent, ahead], samples=1)
        second = _query([silent, ahead], samples=1)
        third = _query([silent], timeout=0.5, samples=1)[0]
    assert [r['status'] for r in first + second] == ['ok', 'ok', 'ok', 'ok']
    assert abs(first[1]['offset']) < 0.1 and second[1]['offset'] == pytest.approx(100.0, abs=0.1)
    assert third['status'] == 'timeout' and silent.requests == 3


@needs_chrony
def test_hostile_servers_are_never_selected(chrony):
    hostile = [HostileServer(mode) for mode, dummy, dummy, dummy in HOSTILE]
    try:
        for server in hostile:
            server.start()
        results = _query(hostile + chrony['good'][:1])
    finally:
        for server in hostile:
            server.stop()
    selection = _ntp.select(results)
    assert [r['status'] for r in results] == [case[1] for case in HOSTILE] + ['ok']
    assert selection['candidates'] == 1 and selection['majority'] is True
    assert selection['truechimers'] == [chrony['good'][0].label] and selection['falsetickers'] == []
    _assert_honest(results, selection, 0.0)
