# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""_host_sync: parsers on real recorded output (tests/fixtures/host_sync/README.md says where
each sample comes from), gather_host_sync() replayed from those recordings, and gather_host_sync()
for real: on this machine as it is, and against live chronyd -x daemons of the test's own."""

import json
import os
import platform
import shutil
import subprocess
import time

import pytest
import yaml

from ansible_collections.cifleet.gotime.plugins.module_utils import _host_sync as hs
from lab import other_user
from lab.ntp_lab import CHRONYD, LIBFAKETIME, ChronyServer, missing_tools

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'fixtures', 'host_sync')


def fixture(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()


def fixture_bytes(name):
    with open(os.path.join(FIXTURES, name), 'rb') as handle:
        return handle.read()


# --- sntp ------------------------------------------------------------------

def test_sntp_modern_ipv4():
    assert hs.parse_sntp(fixture('sntp_modern_ipv4.txt')) == {
        'status': 'ok', 'offset': 0.171773, 'error': 0.105399, 'host': 'time.apple.com',
        'address': '17.253.60.45', 'stratum': None, 'leap': None, 'message': None}


def test_sntp_modern_ipv6():
    result = hs.parse_sntp(fixture('sntp_modern_ipv6.txt'))
    assert result['status'] == 'ok'
    assert result['offset'] == 0.000480
    assert result['error'] == 0.029337
    assert (result['host'], result['address']) == ('time.apple.com', '2620:149:a00:3000::1f2')


def test_sntp_legacy_mojave_with_banner():
    result = hs.parse_sntp(fixture('sntp_legacy_mojave.txt'))
    assert result == {
        'status': 'ok', 'offset': 1087.742403, 'error': 725.183462, 'host': 'pool.ntp.org',
        'address': '188.68.36.203', 'stratum': 2, 'leap': 'no-leap', 'message': None}


def test_sntp_legacy_ip_host_without_address():
    result = hs.parse_sntp(fixture('ntpdig_legacy_ip.txt'))
    assert result['status'] == 'ok'
    assert (result['host'], result['address'], result['stratum'], result['leap']) == ('127.0.0.65', None, 8, 'no-leap')
    assert abs(result['offset']) < 0.01


def test_sntp_legacy_ipv6_negative_offset():
    # the server on ::1 runs 300 s behind: server - host is -300
    result = hs.parse_sntp(fixture('ntpdig_legacy_ipv6_behind.txt'))
    assert result['host'] == '::1'
    assert result['offset'] == pytest.approx(-300.0, abs=0.01)


def test_sntp_timeout():
    result = hs.parse_sntp(fixture('sntp_timeout.txt'))
    assert result['status'] == 'timeout'
    assert result['offset'] is None
    assert 'Exchange failed: Timeout' in result['message']
    assert 'Clock select failed' in result['message']


def test_sntp_no_reply_and_lookup_failure():
    assert hs.parse_sntp(fixture('ntpdig_no_reply.txt'))['status'] == 'timeout'
    result = hs.parse_sntp(fixture('ntpdig_lookup_failure.txt'))
    assert result['status'] == 'dns_error'
    assert 'ip6-localhost' in result['message']
    assert hs.parse_sntp(fixture('ntpdig_lookup_failure_loopback.txt'))['status'] == 'dns_error'


def test_sntp_result_wins_over_a_failed_exchange():
    text = fixture('sntp_timeout.txt').splitlines()[0] + '\n' + fixture('sntp_modern_ipv6.txt')
    result = hs.parse_sntp(text)
    assert (result['status'], result['offset'], result['message']) == ('ok', 0.000480, 'Exchange failed: Timeout')


@pytest.mark.parametrize('text', ['', '\n', 'Network Time: On\n', '+0.1 time.apple.com 17.253.60.45\n'])
def test_sntp_unrecognized_output_raises(text):
    with pytest.raises(ValueError, match='sntp'):
        hs.parse_sntp(text)


# --- systemsetup -----------------------------------------------------------

def test_systemsetup_network_time_on_off_with_harmless_stderr():
    assert hs.parse_systemsetup_network_time(fixture('systemsetup_network_time_on.txt'),
                                             fixture('systemsetup_error99.stderr')) is True
    assert hs.parse_systemsetup_network_time(fixture('systemsetup_network_time_off.txt'),
                                             fixture('systemsetup_error2.stderr')) is False


def test_systemsetup_time_server():
    assert hs.parse_systemsetup_time_server(fixture('systemsetup_time_server.txt')) == ['time.apple.com']


@pytest.mark.parametrize('parse', [hs.parse_systemsetup_network_time, hs.parse_systemsetup_time_server])
def test_systemsetup_without_root_is_its_own_error(parse):
    with pytest.raises(hs.NeedsAdminError, match='administrator'):
        parse(fixture('systemsetup_needs_admin.txt'), fixture('systemsetup_error99.stderr'))


def test_systemsetup_other_output_raises():
    with pytest.raises(ValueError, match='Network Time'):
        hs.parse_systemsetup_network_time(fixture('systemsetup_time_server.txt'))
    with pytest.raises(ValueError, match='no "Network Time" line'):
        hs.parse_systemsetup_network_time('', fixture('systemsetup_error99.stderr'))


# --- timedatectl -----------------------------------------------------------

def test_timedatectl_show():
    assert hs.parse_timedatectl_show(fixture('timedatectl_show_synchronized.txt')) == {
        'network_time_enabled': True, 'synchronized': True, 'can_ntp': True, 'timezone': 'Asia/Shanghai'}
    assert hs.parse_timedatectl_show(fixture('timedatectl_show_ntp_off.txt')) == {
        'network_time_enabled': False, 'synchronized': False, 'can_ntp': True, 'timezone': 'Etc/UTC'}


def test_timedatectl_show_timesync():
    assert hs.parse_timedatectl_show_timesync(fixture('timedatectl_show_timesync.txt')) == {
        'servers': ['127.0.0.65'], 'server_name': '127.0.0.65', 'server_address': '127.0.0.65'}


def test_timedatectl_timesync_status():
    lab = hs.parse_timedatectl_timesync_status(fixture('timedatectl_timesync_status.txt'))
    assert (lab['server'], lab['address'], lab['stratum'], lab['leap']) == ('127.0.0.65', '127.0.0.65', 8, 'normal')
    assert abs(lab['offset']) < 0.001 and lab['root_distance'] == 0.0
    ubuntu = hs.parse_timedatectl_timesync_status(fixture('timedatectl_timesync_status_ubuntu.txt'))
    assert (ubuntu['server'], ubuntu['address']) == ('ntp.ubuntu.com', '91.189.94.4')
    assert ubuntu['offset'] == pytest.approx(0.002497)
    assert ubuntu['delay'] == pytest.approx(0.199540)
    assert ubuntu['jitter'] == pytest.approx(0.005834)
    assert ubuntu['root_distance'] == pytest.approx(0.029922)


@pytest.mark.parametrize('span, seconds', [
    ('+6us', 6e-6), ('-2.497ms', -0.002497), ('0', 0.0), ('1min 4s', 64.0), ('34min 8s', 2048.0),
    (u'+3\u00b5s', 3e-6), ('1h 2min', 3720.0)])
def test_timespan(span, seconds):
    assert hs.parse_timespan(span) == pytest.approx(seconds)


@pytest.mark.parametrize('span', ['', 'n/a', '5 parsecs', '1min x'])
def test_timespan_rejects(span):
    with pytest.raises(ValueError, match='time span'):
        hs.parse_timespan(span)


@pytest.mark.parametrize('parse', [hs.parse_timedatectl_show, hs.parse_timedatectl_show_timesync,
                                   hs.parse_timedatectl_timesync_status])
def test_timedatectl_failure_text_raises(parse):
    with pytest.raises(ValueError, match='timedatectl'):
        parse(fixture('timedatectl_show_no_systemd.stderr'))


# --- chronyc ---------------------------------------------------------------

def test_chronyc_tracking_csv_synchronized():
    tracking = hs.parse_chronyc_tracking_csv(fixture('chronyc_tracking_synced.csv'))
    assert tracking['ref_id'] in ('7F00003D', '7F00003E')
    assert tracking['reference'] in ('127.0.0.61', '127.0.0.62')
    assert (tracking['stratum'], tracking['leap_status'], tracking['synchronized']) == (9, 'Normal', True)
    assert abs(tracking['offset']) < 0.001
    assert tracking['root_distance'] == pytest.approx(tracking['root_delay'] / 2 + tracking['root_dispersion'])


def test_chronyc_tracking_host_300s_fast_is_negative():
    # chronyd under libfaketime +300 s: "300 seconds fast of NTP time"; server - host = -300
    csv = hs.parse_chronyc_tracking_csv(fixture('chronyc_tracking_300s_fast.csv'))
    human = hs.parse_chronyc_tracking(fixture('chronyc_tracking_300s_fast.txt'))
    assert csv['offset'] == pytest.approx(-300.0, abs=0.01)
    assert human['offset'] == pytest.approx(csv['offset'], abs=0.01)
    for key in ('ref_id', 'reference', 'stratum', 'leap_status', 'synchronized'):
        assert human[key] == csv[key]


def test_chronyc_tracking_human_synchronized():
    human = hs.parse_chronyc_tracking(fixture('chronyc_tracking_synced.txt'))
    assert human['synchronized'] is True and abs(human['offset']) < 0.001


@pytest.mark.parametrize('name', ['chronyc_tracking_unsynchronised.csv', 'chronyc_tracking_local_reference.csv'])
def test_chronyc_tracking_not_following_a_time_source(name):
    tracking = hs.parse_chronyc_tracking_csv(fixture(name))
    assert tracking['synchronized'] is False
    assert tracking['ref_id'] in ('00000000', '7F7F0101')
    assert tracking['reference'] is None


def test_chronyc_sources_falseticker():
    sources = hs.parse_chronyc_sources_csv(fixture('chronyc_sources_falseticker.csv'))
    by_name = dict((source['name'], source) for source in sources)
    assert sorted(by_name) == ['127.0.0.61', '127.0.0.62', '127.0.0.63', '127.0.0.64']
    assert sorted(by_name[name]['state'] for name in ('127.0.0.61', '127.0.0.62')) == ['combined', 'selected']
    falseticker = by_name['127.0.0.63']
    assert falseticker['state'] == 'falseticker'
    assert falseticker['offset'] == pytest.approx(300.0, abs=0.01)   # that server is 300 s ahead
    silent = by_name['127.0.0.64']
    assert (silent['state'], silent['reach'], silent['last_rx']) == ('unusable', 0, None)
    assert all(source['mode'] == 'server' for source in sources)


def test_chronyc_sources_empty_and_unreachable():
    assert hs.parse_chronyc_sources_csv(fixture('chronyc_sources_none.csv')) == []
    assert [s['state'] for s in hs.parse_chronyc_sources_csv(fixture('chronyc_sources_unreachable.csv'))] == ['unusable']


@pytest.mark.parametrize('parse, name', [
    (hs.parse_chronyc_tracking_csv, 'chronyc_default_no_daemon.stdout'),
    (hs.parse_chronyc_tracking_csv, 'chronyc_tracking_synced.txt'),
    (hs.parse_chronyc_tracking, 'chronyc_tracking_synced.csv'),
    (hs.parse_chronyc_sources_csv, 'chronyc_sources_falseticker.txt'),
    (hs.parse_chronyc_sources_csv, 'chronyc_default_no_daemon.stdout'),
])
def test_chronyc_wrong_output_raises(parse, name):
    with pytest.raises(ValueError, match='chronyc'):
        parse(fixture(name))


# --- launchd_sync status file -----------------------------------------------

GOOD_STATUS = {'time': '2026-11-27T18:44:42Z', 'offset': -312.25, 'action': 'stepped',
               'server': 'time.apple.com', 'error': None, 'threshold': 30}
# The keys gotime-clock adds; an older launchd_sync.sh status has none of them.
NEW_KEYS = {'servers': [], 'agreed': [], 'falsetickers': [], 'trigger': None, 'error_bound': None, 'decision': None}
GOTIME_STATUS = dict(GOOD_STATUS, servers=['a', 'b', 'c', 'd'], agreed=['a', 'b', 'c'], falsetickers=['d'],
                     trigger='job', error_bound=0.0001, decision='stepped')


def write(tmp_path, content):
    path = tmp_path / 'status.json'
    path.write_bytes(content if isinstance(content, bytes) else content.encode('utf-8'))
    return str(path)


def test_launchd_status_absent(tmp_path):
    assert hs.read_launchd_status(str(tmp_path / 'missing.json')) is None


def test_launchd_status_valid(tmp_path):
    status = hs.read_launchd_status(write(tmp_path, json.dumps(GOOD_STATUS)))
    assert status == dict(GOOD_STATUS, threshold=30.0, **NEW_KEYS)
    assert isinstance(status['threshold'], float)
    # a failed run names no server (the old script wrote null there too)
    failed = dict(GOOD_STATUS, offset=None, action='failed', server=None, error='sntp: Exchange failed: Timeout',
                  time='2026-11-27T18:44:42.123456+00:00')
    assert hs.read_launchd_status(write(tmp_path, json.dumps(failed))) == dict(failed, threshold=30.0, **NEW_KEYS)


def test_gotime_clock_status_keys_are_kept(tmp_path):
    status = hs.read_launchd_status(write(tmp_path, json.dumps(GOTIME_STATUS)))
    assert status == dict(GOTIME_STATUS, threshold=30.0)


@pytest.mark.parametrize('content, why', [
    (b'', 'not valid JSON'),
    (b'{"time": ', 'not valid JSON'),
    (b'\xff\xfe', 'not valid JSON'),
    (b'[]', 'not a JSON object'),
    (json.dumps(dict((k, v) for k, v in GOOD_STATUS.items() if k != 'action')), 'missing key(s): action'),
    (json.dumps(dict(GOOD_STATUS, time='2026-11-27 18:44:42')), 'not UTC ISO 8601'),
    (json.dumps(dict(GOOD_STATUS, time='2026-11-27T18:44:42+02:00')), 'not UTC ISO 8601'),
    (json.dumps(dict(GOOD_STATUS, time='2026-13-27T18:44:42Z')), 'not a valid date'),
    (json.dumps(dict(GOOD_STATUS, offset='-312')), 'offset'),
    (json.dumps(dict(GOOD_STATUS, offset=True)), 'offset'),
    (json.dumps(dict(GOOD_STATUS, offset=float('nan'))), 'offset'),
    (json.dumps(dict(GOOD_STATUS, action='slewed')), "action 'slewed'"),
    (json.dumps(dict(GOOD_STATUS, server=5)), 'server'),
    (json.dumps(dict(GOTIME_STATUS, agreed='a, b')), 'agreed is not a list'),
    (json.dumps(dict(GOTIME_STATUS, falsetickers=[1])), 'falsetickers is not a list'),
    (json.dumps(dict(GOTIME_STATUS, trigger='cron')), "trigger 'cron'"),
    (json.dumps(dict(GOTIME_STATUS, error_bound='0.1')), 'error_bound'),
    (json.dumps(dict(GOOD_STATUS, error=1)), 'error is neither'),
    (json.dumps(dict(GOOD_STATUS, threshold=None)), 'threshold'),
])
def test_launchd_status_corrupt_is_reported_not_raised(tmp_path, content, why):
    path = write(tmp_path, content)
    status = hs.read_launchd_status(path)
    assert set(status) == set(GOOD_STATUS) | set(NEW_KEYS)
    assert why in status['error'] and path in status['error']
    assert [value for key, value in status.items() if key != 'error'] == [None] * 11


def test_launchd_status_unreadable_is_reported(tmp_path):
    # a directory where the file should be: open() fails with something other than "absent"
    status = hs.read_launchd_status(str(tmp_path))
    assert 'cannot read' in status['error']


# --- gather_host_sync replayed ----------------------------------------------

with open(os.path.join(FIXTURES, 'gather_cases.yaml')) as _handle:
    GATHER_CASES = yaml.safe_load(_handle)


def _text(value):
    if isinstance(value, dict):
        return fixture(value['file'])
    return value or ''


class Recording(object):
    """run(argv) that checks each call against the recorded one and replays its output."""

    def __init__(self, calls):
        self.calls = list(calls)

    def __call__(self, argv):
        assert self.calls, 'unexpected call %r' % (argv,)
        call = self.calls.pop(0)
        # the osascript read's script is long: the cases name it
        assert list(argv) == [hs.MCX_READ_SCRIPT if a == 'MCX_READ_SCRIPT' else a for a in call['argv']]
        return call['rc'], _text(call.get('out')), _text(call.get('err'))


@pytest.mark.parametrize('case', GATHER_CASES, ids=[case['id'] for case in GATHER_CASES])
def test_gather_replayed(case):
    run = Recording(case['calls'])
    prefs = os.path.join(FIXTURES, case.get('managed_preferences', 'no-such-file.plist'))
    result = hs.gather_host_sync(run, case['system'], case['which'].get, managed_preferences_path=prefs)
    assert run.calls == [], 'calls not made: %r' % (run.calls,)
    assert sorted(result) == sorted(['daemon', 'network_time_enabled', 'servers', 'synchronized', 'offset',
                                     'source', 'needs_admin', 'launchd_sync', 'mdm', 'errors'])
    for key, expected in case['expected'].items():
        if key == 'mdm' and expected and expected.get('source') == 'MANAGED_PREFERENCES':
            expected = dict(expected, source=prefs, reason=None)
        if isinstance(expected, dict) and 'approx' in expected:
            assert result[key] == pytest.approx(expected['approx'], abs=expected['tol']), key
        else:
            assert result[key] == expected, key


def test_gather_reads_the_launchd_status(tmp_path):
    path = write(tmp_path, json.dumps(GOOD_STATUS))
    result = hs.gather_host_sync(Recording([]), 'Darwin', {}.get, launchd_status_path=path)
    assert result['launchd_sync']['action'] == 'stepped'
    absent = hs.gather_host_sync(Recording([]), 'Darwin', {}.get, launchd_status_path=str(tmp_path / 'none'))
    assert absent['launchd_sync'] is None


def test_gather_other_systems_report_nothing():
    assert hs.gather_host_sync(Recording([]), 'FreeBSD', {'chronyc': '/usr/local/bin/chronyc'}.get)['daemon'] is None


# --- gather_host_sync for real ----------------------------------------------

def run_for_real(argv):
    env = dict(os.environ, LANG='C', LC_ALL='C')
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=60,
                          universal_newlines=True, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def test_gather_on_this_machine():
    result = hs.gather_host_sync(run_for_real, platform.system(), shutil.which)
    assert result['daemon'] in (None, 'timed', 'chronyd', 'systemd-timesyncd', 'ntpd')
    for key in ('network_time_enabled', 'synchronized'):
        assert result[key] in (None, True, False)
    assert result['offset'] is None or isinstance(result['offset'], float)
    assert isinstance(result['servers'], list) and all(isinstance(s, str) for s in result['servers'])
    assert result['source'] in (None, 'systemsetup', 'chronyc', 'timedatectl')
    assert result['needs_admin'] in (True, False)
    assert isinstance(result['errors'], list) and all(isinstance(e, str) for e in result['errors'])
    json.dumps(result)


@pytest.fixture
def chrony_clients():
    """chronyd -x clients with their own command socket: start(name, conf_lines, fake='+300s') -> socket."""
    reason = missing_tools() or (None if shutil.which('chronyc') else 'not installed: chronyc')
    if reason or os.geteuid() != 0:
        pytest.skip(reason or 'needs root (chronyd drops to _chrony)')
    top = other_user.shared_dir('hostsync-lab-')  # chronyd drops to _chrony
    shutil.chown(top, '_chrony', '_chrony')
    procs = []

    def start(name, lines, fake=None):
        path = os.path.join(top, name)
        os.mkdir(path, 0o770)
        shutil.chown(path, '_chrony', '_chrony')
        sock = os.path.join(path, 'chronyd.sock')
        conf = os.path.join(path, 'chrony.conf')
        with open(conf, 'w') as handle:
            handle.write('\n'.join(list(lines) + [
                'cmdport 0', 'bindcmdaddress %s' % sock,
                'driftfile %s/drift' % path, 'pidfile %s/chronyd.pid' % path]) + '\n')
        env = dict(os.environ)
        if fake:
            env.update(LD_PRELOAD=LIBFAKETIME, FAKETIME=fake)
        log = open(os.path.join(path, 'log'), 'w')
        procs.append(subprocess.Popen([CHRONYD, '-x', '-d', '-f', conf], stdout=log, stderr=subprocess.STDOUT, env=env))
        log.close()
        return sock

    start.top = top
    try:
        yield start
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(top, ignore_errors=True)


def chronyc_for(lab, sock):
    """A chronyc that talks to the lab daemon's own command socket."""
    wrapper = os.path.join(lab.top, 'chronyc-%d' % len(os.listdir(lab.top)))
    with open(wrapper, 'w') as handle:
        handle.write('#!/bin/sh\nexec %s -h %s "$@"\n' % (shutil.which('chronyc'), sock))
    os.chmod(wrapper, 0o755)
    return {'chronyc': wrapper}.get


def gather_until(which, done):
    """Poll gather_host_sync() until done(result) holds; chronyd needs a few polls (bounded)."""
    deadline = time.monotonic() + 30
    while True:
        result = hs.gather_host_sync(run_for_real, 'Linux', which)
        if done(result) or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def test_gather_live_chronyd(chrony_clients):
    with ChronyServer() as server:
        server_line = 'server %s port %d iburst minpoll -2 maxpoll -2' % (server.address, server.port)
        right = chronyc_for(chrony_clients, chrony_clients('right', [server_line, 'port 0']))
        fast = chronyc_for(chrony_clients, chrony_clients('fast', [server_line, 'port 0'], fake='+300s'))

        result = gather_until(right, lambda r: r['synchronized'])
        assert (result['daemon'], result['source'], result['synchronized']) == ('chronyd', 'chronyc', True)
        assert result['network_time_enabled'] is True
        assert result['servers'] == [server.address]
        assert abs(result['offset']) < 0.01
        assert result['errors'] == []

        # the clock of this client runs 300 s fast: the daemon reports server - host = -300
        result = gather_until(fast, lambda r: r['offset'] is not None and abs(r['offset']) > 1)
        assert result['synchronized'] is True
        assert result['offset'] == pytest.approx(-300.0, abs=0.5)


# --- managed (MDM) time settings ---------------------------------------------

def test_mcx_read_managed_and_not():
    managed = hs.parse_mcx_read(fixture('osascript_mcx_managed.txt'))
    assert managed == {'time_server': 'ntp.example.com', 'time_zone': 'America/Denver'}
    assert hs.parse_mcx_read(fixture('osascript_mcx_not_managed.txt')) == {'time_server': None, 'time_zone': None}


def test_mcx_read_a_value_that_is_not_forced_is_not_managed():
    text = '{"timeServer":{"value":"ntp.local","forced":false},"timeZone":{"value":null,"forced":false}}'
    assert hs.parse_mcx_read(text)['time_server'] is None


@pytest.mark.parametrize('text', [fixture('osascript_mscp_time_server.txt'), '', '{"timeServer":{"value":"x"}}',
                                  '{"timeServer":{"value":5,"forced":true},"timeZone":{"value":null,"forced":false}}'])
def test_mcx_read_anything_else_is_an_error(text):
    with pytest.raises(ValueError):
        hs.parse_mcx_read(text)


def test_managed_preferences_file():
    assert hs.parse_managed_preferences(fixture_bytes('managed_preferences_mcx.plist')) == {
        'time_server': 'ntp.example.com', 'time_zone': 'America/Denver'}
    two = hs.parse_managed_preferences(fixture_bytes('managed_preferences_mcx_two_servers.plist'))
    assert two == {'time_server': 'myserver.myorg.com,time.euro.apple.com', 'time_zone': None}


def test_managed_preferences_malformed_is_an_error():
    with pytest.raises(ValueError, match='not a property list'):
        hs.parse_managed_preferences(fixture_bytes('managed_preferences_mcx_truncated.plist'))


def _which(**tools):
    return tools.get


def test_read_managed_time_through_osascript():
    run = Recording([{'argv': ['/usr/bin/osascript', '-l', 'JavaScript', '-e', 'MCX_READ_SCRIPT'], 'rc': 0,
                      'out': {'file': 'osascript_mcx_managed.txt'}}])
    result = hs.read_managed_time(run, _which(osascript='/usr/bin/osascript'), '/nonexistent/mcx.plist')
    assert result == {'managed': True, 'time_server': 'ntp.example.com', 'servers': ['ntp.example.com'],
                      'time_zone': 'America/Denver', 'source': 'osascript', 'reason': None}


def test_read_managed_time_falls_back_to_the_file():
    run = Recording([{'argv': ['/usr/bin/osascript', '-l', 'JavaScript', '-e', 'MCX_READ_SCRIPT'], 'rc': 1,
                      'err': 'execution error: Error: ReferenceError (-2700)'}])
    path = os.path.join(FIXTURES, 'managed_preferences_mcx_two_servers.plist')
    result = hs.read_managed_time(run, _which(osascript='/usr/bin/osascript'), path)
    assert (result['managed'], result['servers'], result['source']) == (
        True, ['myserver.myorg.com', 'time.euro.apple.com'], path)


@pytest.mark.parametrize('name, why', [('no-such-file.plist', 'not present'),
                                       ('managed_preferences_mcx_truncated.plist', 'not a property list')])
def test_read_managed_time_unreadable_is_null_with_a_reason(name, why):
    path = os.path.join(FIXTURES, name)
    result = hs.read_managed_time(Recording([]), _which(), path)
    assert (result['managed'], result['time_server'], result['servers'], result['source']) == (None, None, [], None)
    assert 'osascript not found' in result['reason'] and why in result['reason'] and path in result['reason']


def test_read_managed_time_not_managed():
    run = Recording([{'argv': ['/usr/bin/osascript', '-l', 'JavaScript', '-e', 'MCX_READ_SCRIPT'], 'rc': 0,
                      'out': {'file': 'osascript_mcx_not_managed.txt'}}])
    result = hs.read_managed_time(run, _which(osascript='/usr/bin/osascript'), '/nonexistent/mcx.plist')
    assert (result['managed'], result['time_server'], result['reason']) == (False, None, None)


@pytest.mark.parametrize('servers, override, expected', [
    (['ntp.example.com'], False, ('apply', True)),
    (['time.apple.com'], False, ('leave', False)),
    (['time.apple.com'], True, ('override', False)),
])
def test_mdm_decision_for_a_managed_mac(servers, override, expected):
    managed = hs._managed('ntp.example.com,time.euro.apple.com', None, 'osascript')
    assert hs.mdm_decision(managed, servers, override) == expected


def test_mdm_decision_without_a_profile_or_unreadable():
    assert hs.mdm_decision(hs._managed(None, None, 'osascript'), ['a'], False) == ('apply', None)
    assert hs.mdm_decision(hs._managed(None, None, None, 'unreadable'), ['a'], True) == ('apply', None)
    assert hs.mdm_decision(None, ['a'], False) == ('apply', None)


def test_mdm_warnings_name_both_servers_and_the_way_out():
    managed = hs._managed('ntp.example.com', None, 'osascript')
    [leave] = hs.mdm_warnings(managed, ['time.apple.com'], 'leave')
    assert 'pins the time server ntp.example.com' in leave and "the fleet's is time.apple.com" in leave
    assert 'change the profile' in leave and 'timesync_override_mdm: true' in leave
    [override] = hs.mdm_warnings(managed, ['time.apple.com'], 'override')
    assert 'sets ntp.example.com again whenever it re-applies' in override
    assert hs.mdm_warnings(managed, ['ntp.example.com'], 'apply') == []
    [unreadable] = hs.mdm_warnings(hs._managed(None, None, None, 'osascript not found'), ['a'], 'apply')
    assert 'osascript not found' in unreadable
