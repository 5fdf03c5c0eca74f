"""The macOS command emulator of tests/darwin (an emulator, not macOS), run from a temporary root.

sntp talks to a real chronyd of the lab (always -x) on a free loopback port; the emulated Mac's
clock is a libfaketime file in the temporary root, so nothing here touches a real clock.
Replies are compared byte for byte with the real macOS outputs recorded in tests/darwin/recorded
(sources in tests/darwin/README.md); where a reply carries the moment of the exchange or an
address, those values are replaced by the same placeholder in both, and the dump renderer is
checked separately on the recorded values themselves.
"""
import json
import os
import pathlib
import plistlib
import re
import shutil
import subprocess
import sys
import time

import pytest

from support.lab_checks import running
from lab import ntp_lab, other_user

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EMULATOR = os.path.join(TESTS, 'darwin', 'darwin_emulator.py')
RECORDED = os.path.join(TESTS, 'darwin', 'recorded')
HOST_SYNC = os.path.join(TESTS, 'fixtures', 'host_sync')
sys.path.insert(0, os.path.join(TESTS, 'darwin'))
import darwin_emulator  # noqa: E402  (the renderer, for the recorded-value checks)


def recorded(name, directory=RECORDED):
    with open(os.path.join(directory, name)) as handle:
        return handle.read()


def dumps_of(text):
    """The `sntp_exchange { ... }` blocks of an output, in order."""
    return re.findall(r'(?ms)^sntp_exchange \{\n.*?^\}\n', text)


# Fields of a dump that carry the moment of the exchange or the address ("rtt" is the second
# `delay` line, the round trip; the first is the server's root delay).
MOMENT_FIELDS = ('t1', 't2', 't3', 't4', 'offset', 'rtt', 'mean', 'addr')


def normalised(dump, fields=MOMENT_FIELDS):
    """The dump with the values of the given fields replaced by <value> (labels and layout kept)."""
    lines = dump.split('\n')
    after_t4 = False
    for i, line in enumerate(lines):
        key = line.strip().split(':', 1)[0]
        after_t4 = after_t4 or key == 't4'
        if ('rtt' if key == 'delay' and after_t4 else key) in fields:
            lines[i] = line[:line.index(': ') + 2] + '<value>'
    return '\n'.join(lines)


def wait_for(predicate, timeout=30, what='a state'):
    """Poll until predicate() is true (launchd runs jobs in the background); the value, or fail naming what."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail('no %s within %d s' % (what, timeout))
        time.sleep(0.1)


pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason='the emulated launchd checks root ownership; run as root')


@pytest.fixture(scope='module')
def ntp_server():
    yield from running(ntp_lab.missing_tools(), ntp_lab.ChronyServer)


@pytest.fixture(scope='module')
def emulator_copy():
    """The emulator as another user runs it: a private copy that user can read (other_user)."""
    with other_user.readable(EMULATOR) as copy:
        yield copy


@pytest.fixture
def mac(ntp_server, emulator_copy):
    """run(tool, *args, user=None) on an emulated Mac rooted in a directory every user can read."""
    top = other_user.shared_dir('gotime-mac-')
    root = pathlib.Path(top) / 'mac'
    (root / 'var/db/darwin-emulator').mkdir(parents=True)
    (root / 'etc').mkdir()
    (root / 'etc/ntp.conf').write_text('server time.apple.com\n')
    env = dict(os.environ, DARWIN_EMULATOR_ROOT=str(root), DARWIN_EMULATOR_NTP_PORT=str(ntp_server.port))

    class Mac:
        path = root
        server = ntp_server.address
        port = ntp_server.port

        @staticmethod
        def run(tool, *args, user=None):
            if user is None:
                argv, cwd = [sys.executable, EMULATOR, tool] + list(args), None
            else:
                argv = other_user.argv(user, [other_user.python_for(user), emulator_copy, tool] + list(args))
                cwd = top
            return subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=False)

        @staticmethod
        def set(name, value):
            """A test setting of the emulator (darwin_emulator.SETTINGS)."""
            (root / 'var/db/darwin-emulator' / name).write_text('%s\n' % value)

        @staticmethod
        def job_state(label):
            path = root / 'var/db/darwin-emulator/launchd' / (label + '.json')
            return json.loads(path.read_text()) if path.exists() else None

        @staticmethod
        def skew(text=None):
            clock = root / 'var/db/darwin-emulator/clock.rc'
            if text is not None:
                clock.write_text(text + '\n')
            return float(clock.read_text().strip().rstrip('s'))

    yield Mac
    shutil.rmtree(top)


def job(tmp_path, label, script, **keys):
    """A root-owned job script and its plist (0644) under tmp_path; returns the plist path."""
    program = tmp_path / (label + '.sh')
    program.write_text('#!/bin/sh\n' + script)
    program.chmod(0o755)
    plist = tmp_path / (label + '.plist')
    plist.write_bytes(plistlib.dumps(dict({'Label': label, 'ProgramArguments': [str(program)]}, **keys)))
    plist.chmod(0o644)
    return str(plist)


def test_systemsetup_keeps_the_server_in_ntp_conf(mac):
    assert mac.run('systemsetup', '-getnetworktimeserver').stdout == recorded('systemsetup_time_server.txt', HOST_SYNC)
    assert mac.run('systemsetup', '-getusingnetworktime').stdout == recorded('systemsetup_network_time_on.txt', HOST_SYNC)
    result = mac.run('systemsetup', '-setnetworktimeserver', 'ntp1.corp.example')
    assert (result.returncode, result.stdout) == (0, 'setNetworkTimeServer: ntp1.corp.example\n')
    assert 'InternetServices.m' in result.stderr
    assert (mac.path / 'etc/ntp.conf').read_text() == 'server ntp1.corp.example\n'
    assert mac.run('systemsetup', '-setusingnetworktime', 'off').stdout == 'setUsingNetworkTime: Off\n'
    assert mac.run('systemsetup', '-getusingnetworktime').stdout == 'Network Time: Off\n'


def test_systemsetup_without_root_refuses_and_exits_0(mac):
    result = mac.run('systemsetup', '-setnetworktimeserver', 'evil.example', user=other_user.NOBODY)
    assert (result.returncode, result.stdout) == (0, recorded('systemsetup_needs_admin.txt', HOST_SYNC))
    assert (mac.path / 'etc/ntp.conf').read_text() == 'server time.apple.com\n'


@pytest.mark.parametrize('tool, args', [
    ('systemsetup', ['-setnetworktimeserver']),
    ('systemsetup', ['-getnetworktimeserver', 'extra']),
    ('systemsetup', ['-setusingnetworktime', 'maybe']),
    ('sntp', []),
    ('sntp', ['-x', 'host']),
    ('sntp', ['-t', 'soon', 'host']),
    ('sntp', ['host1', 'host2']),
    ('launchctl', ['load', '/Library/LaunchDaemons/x.plist']),
    ('launchctl', ['bootstrap', 'gui/501', '/tmp/x.plist']),
    ('launchctl', ['print', 'x']),
    ('plutil', ['-convert', 'json', 'x']),
    ('sw_vers', ['-productname']),
])
def test_strict_syntax(mac, tool, args):
    result = mac.run(tool, *args)
    assert result.returncode == 64
    assert result.stderr.startswith('%s (macOS command emulator): unsupported arguments' % tool)


def test_sw_vers(mac):
    assert mac.run('sw_vers').stdout == 'ProductName:\t\tmacOS\nProductVersion:\t\t14.5\nBuildVersion:\t\t23F79\n'
    assert mac.run('sw_vers', '-productVersion').stdout == '14.5\n'


def test_sntp_measures_the_emulated_clock_and_steps_it(mac):
    mac.skew('+300s')
    measured = mac.run('sntp', '-t', '2', mac.server)
    assert measured.returncode == 0
    offset, plus_minus, error, host = measured.stdout.split()
    assert (plus_minus, host) == ('+/-', mac.server)
    assert float(offset) == pytest.approx(-300, abs=0.05)
    assert float(error) < 0.05
    assert mac.skew() == pytest.approx(300)  # measuring changes nothing

    stepped = mac.run('sntp', '-sS', mac.server)
    assert stepped.returncode == 0
    assert abs(mac.skew()) < 0.05
    after = mac.run('sntp', mac.server)
    assert abs(float(after.stdout.split()[0])) < 0.05


def test_sntp_step_needs_root(mac):
    mac.skew('+300s')
    result = mac.run('sntp', '-sS', mac.server, user=other_user.NOBODY)
    assert (result.returncode, result.stderr) == (1, 'sntp: settimeofday: Operation not permitted\n')
    assert mac.skew() == pytest.approx(300)


def test_sntp_legacy_output(mac):
    (mac.path / 'var/db/darwin-emulator/sntp_style').write_text('legacy')
    fields = mac.run('sntp', mac.server).stdout.split()
    assert fields[2] == '(+0000)' and fields[4] == '+/-' and fields[-1] == 'no-leap'


@pytest.mark.parametrize('name', ['sntp_timeout_dump.txt', 'sntp_unsynchronized_dump.txt', 'sntp_dns_failure_dump.txt'])
def test_exchange_dump_renders_the_recorded_values_byte_for_byte(name):
    """The renderer, given the raw values of a recorded dump, prints that dump exactly."""
    dump = dumps_of(recorded(name))[0]
    fields, delays = {}, []
    for line in dump.splitlines()[1:-1]:
        key, value = line.strip().split(': ', 1)
        raw = int(value.split()[0].replace('.', ''), 16) if key != 'addr' else value
        if key == 'delay':
            delays.append(raw)
        fields[key] = raw
    exchange = darwin_emulator.new_exchange(fields['result'], fields.get('addr'))
    exchange.update(header=fields['header'], stratum=fields['stratum'], poll=fields['poll'],
                    precision=fields['precision'] & 0xFF, root_delay=delays[0], root_dispersion=fields['dispersion'])
    if 'addr' in fields:
        exchange.update({key: fields[key] for key in ('ref', 't_ref', 't1', 't2', 't3', 't4', 'error')})
    assert darwin_emulator.exchange_dump(exchange) == dump


def run_sntp(mac, port, *args):
    env = dict(os.environ, DARWIN_EMULATOR_ROOT=str(mac.path), DARWIN_EMULATOR_NTP_PORT=str(port))
    start = time.monotonic()
    result = subprocess.run([sys.executable, EMULATOR, 'sntp'] + list(args), capture_output=True, text=True,
                            env=env, timeout=120, check=False)
    return result, time.monotonic() - start


def test_sntp_dead_server_five_tries_then_clock_select_failed(mac):
    """A server that never answers: five `Exchange failed: Timeout` tries of -t each, dumps, exit 69."""
    with ntp_lab.DeadPort() as dead:
        result, took = run_sntp(mac, dead.port, '-t', '1', dead.address)
        assert dead.requests == 5
    assert result.returncode == 69
    assert result.stderr == recorded('sntp_dead_server.stderr')
    expected = normalised(dumps_of(recorded('sntp_timeout_dump.txt'))[0])
    assert [normalised(dump) for dump in dumps_of(result.stdout)] == [expected] * 5
    assert result.stdout == ''.join(dumps_of(result.stdout))  # nothing else on stdout
    assert '          addr: %s\n' % dead.address in result.stdout
    assert 5 <= took < 5 + 4  # five tries of -t 1 s (plus interpreter start-up)


def test_sntp_fails_n_times_then_answers(mac):
    """sntp_failures=2: two lost exchanges (dumps), then the result line last on stdout, exit 0."""
    mac.set('sntp_failures', 2)
    mac.skew('+300s')
    result, took = run_sntp(mac, mac.port, '-t', '1', mac.server)
    assert result.returncode == 0
    assert result.stderr == 'sntp: Exchange failed: Timeout\n' * 2
    dumps = dumps_of(result.stdout)
    assert [normalised(dump) for dump in dumps] == [normalised(dumps_of(recorded('sntp_timeout_dump.txt'))[0])] * 2
    last = result.stdout[len(''.join(dumps)):]
    offset, plus_minus, _error, host = last.split()
    assert (plus_minus, host) == ('+/-', mac.server) and last.endswith('\n')
    assert float(offset) == pytest.approx(-300, abs=0.05)
    assert took >= 2


def test_sntp_dns_failure_is_recorded_byte_for_byte(mac):
    result, took = run_sntp(mac, 123, '-t', '1', 'no-such-host.invalid')
    assert result.returncode == 69
    assert result.stderr == 'sntp: Exchange failed: DNS lookup failure\n' * 5 + 'sntp: Clock select failed\n'
    assert result.stdout == dumps_of(recorded('sntp_dns_failure_dump.txt'))[0] * 5
    assert result.stderr.splitlines()[0] == recorded('sntp_dns_failure_dump.txt').splitlines()[0]


def test_sntp_unsynchronized_server(mac):
    """Leap 3, stratum 0, RATE (our hostile responder): `Server not synchronized`, as recorded."""
    with ntp_lab.HostileServer('kod_rate') as server:
        result = run_sntp(mac, server.port, '-t', '1', server.address)[0]
    assert result.returncode == 69
    assert result.stderr == 'sntp: Exchange failed: Server not synchronized\n' * 5 + 'sntp: Clock select failed\n'
    # The responder's own poll, precision, dispersion and reference time differ from the recorded server's.
    fields = MOMENT_FIELDS + ('poll', 'precision', 'dispersion', 't_ref')
    expected = normalised(dumps_of(recorded('sntp_unsynchronized_dump.txt'))[0], fields)
    assert [normalised(dump, fields) for dump in dumps_of(result.stdout)] == [expected] * 5


def test_launchd_ownership_rule(mac, tmp_path):
    plist = job(tmp_path, 'org.example.writable', 'exit 0\n')
    os.chmod(plist, 0o664)
    result = mac.run('launchctl', 'bootstrap', 'system', plist)
    assert (result.returncode, result.stderr) == (122, 'Bootstrap failed: 122: Path had bad ownership/permissions\n')
    os.chmod(plist, 0o644)
    os.chown(plist, 0, 65534)
    assert mac.run('launchctl', 'bootstrap', 'system', plist).returncode == 122
    os.chown(plist, 0, 0)
    assert mac.run('launchctl', 'bootstrap', 'system', plist).returncode == 0


def recorded_for(name, label):
    """A recorded launchctl reply with its label replaced by ours."""
    text = recorded(name)
    return re.sub(r'"[^"]+"', '"%s"' % label, text)


def test_launchd_load_print_kickstart_bootout(mac, tmp_path):
    out = tmp_path / 'ran'
    plist = job(tmp_path, 'org.example.job', 'date -u +%%s >> %s\n' % out, RunAtLoad=True, StartInterval=300)
    mac.skew('+3600s')
    missing = mac.run('launchctl', 'print', 'system/org.example.job')
    assert missing.returncode == 113
    assert missing.stderr == 'Bad request.\n' + recorded_for('launchctl_not_found_system.stderr', 'org.example.job')
    assert mac.run('launchctl', 'bootstrap', 'system', plist).returncode == 0
    wait_for(lambda: mac.job_state('org.example.job')['runs'] == 1, what='run at load')
    runs = out.read_text().split()
    assert len(runs) == 1
    real = int(subprocess.run(['date', '-u', '+%s'], capture_output=True, text=True, check=True).stdout)
    assert int(runs[0]) - real == pytest.approx(3600, abs=5)  # the job ran on the emulated clock

    again = mac.run('launchctl', 'bootstrap', 'system', plist)
    assert (again.returncode, again.stderr) == (5, recorded('launchctl_bootstrap_5.stderr'))
    assert mac.run('launchctl', 'kickstart', '-k', 'system/org.example.job').returncode == 0
    wait_for(lambda: mac.job_state('org.example.job')['runs'] == 2, what='kickstarted run')
    assert len(out.read_text().split()) == 2
    printed = mac.run('launchctl', 'print', 'system/org.example.job').stdout
    assert '\tpath = %s\n' % plist in printed and '\truns = 2\n' in printed and '\trun interval = 300 seconds\n' in printed
    assert '\tlast exit code = 0\n' in printed and '\tstate = not running\n' in printed

    assert mac.run('launchctl', 'bootout', 'system/org.example.job').returncode == 0
    gone = mac.run('launchctl', 'bootout', 'system/org.example.job')
    assert (gone.returncode, gone.stderr) == (3, recorded('launchctl_bootout_3.stderr'))
    kick = mac.run('launchctl', 'kickstart', 'system/org.example.job')
    assert (kick.returncode, kick.stderr) == (113, recorded_for('launchctl_not_found_system.stderr', 'org.example.job'))


def test_launchd_print_not_found_profiles(mac):
    """pessimistic: `Bad request.` first (recorded for the gui domain); lenient: the one recorded line."""
    result = mac.run('launchctl', 'print', 'system/org.example.none')
    bad_request = recorded('launchctl_print_bad_request_gui.stderr').splitlines(True)[0]
    assert result.stderr == bad_request + recorded_for('launchctl_not_found_system.stderr', 'org.example.none')
    mac.set('profile', 'lenient')
    result = mac.run('launchctl', 'print', 'system/org.example.none')
    assert (result.returncode, result.stderr) == (113, recorded_for('launchctl_not_found_system.stderr', 'org.example.none'))


def test_launchd_jobs_run_in_the_background(mac, tmp_path):
    """bootstrap (RunAtLoad) returns while the job runs; print says running; bootout stops it."""
    gate, out = tmp_path / 'go', tmp_path / 'ran'
    plist = job(tmp_path, 'org.example.bg', 'while [ ! -e %s ]; do sleep 0.1; done\necho ran >> %s\n' % (gate, out),
                RunAtLoad=True)
    assert mac.run('launchctl', 'bootstrap', 'system', plist).returncode == 0
    printed = mac.run('launchctl', 'print', 'system/org.example.bg').stdout
    assert '\tstate = running\n' in printed and '\tpid = ' in printed
    assert not out.exists() and mac.job_state('org.example.bg')['runs'] == 0
    gate.touch()
    wait_for(lambda: mac.job_state('org.example.bg')['runs'] == 1, what='finished run')
    assert out.read_text() == 'ran\n'

    gate.unlink()
    assert mac.run('launchctl', 'kickstart', 'system/org.example.bg').returncode == 0
    pid = mac.job_state('org.example.bg')['pid']
    assert mac.run('launchctl', 'kickstart', 'system/org.example.bg').returncode == 0  # running: no second start
    assert mac.job_state('org.example.bg')['pid'] == pid
    assert mac.run('launchctl', 'bootout', 'system/org.example.bg').returncode == 0
    wait_for(lambda: subprocess.run(['kill', '-0', str(pid)], capture_output=True, check=False).returncode != 0,
             what='stopped job')
    assert out.read_text() == 'ran\n'


def test_launchd_keeps_the_plist_it_loaded(mac, tmp_path):
    mac.set('launchd_drain_seconds', 0)
    plist = job(tmp_path, 'org.example.keep', 'exit 0\n', StartInterval=300)
    assert mac.run('launchctl', 'bootstrap', 'system', plist).returncode == 0
    with open(plist, 'wb') as handle:
        plistlib.dump({'Label': 'org.example.keep', 'ProgramArguments': ['/bin/true'], 'StartInterval': 60}, handle)
    assert 'run interval = 300 seconds' in mac.run('launchctl', 'print', 'system/org.example.keep').stdout
    assert mac.run('launchctl', 'bootout', 'system', plist).returncode == 0
    assert mac.run('launchctl', 'bootstrap', 'system', plist).returncode == 0
    assert 'run interval = 60 seconds' in mac.run('launchctl', 'print', 'system/org.example.keep').stdout
    state = json.loads((mac.path / 'var/db/darwin-emulator/launchd/org.example.keep.json').read_text())
    assert plistlib.loads(state['plist'].encode())['StartInterval'] == 60


def test_launchd_bootout_drains_before_bootstrap_works(mac, tmp_path):
    """After bootout, print already says 113 while bootstrap fails with 5 (37 when too eager) until the drain ends."""
    plist = job(tmp_path, 'org.example.drain', 'exit 0\n')
    mac.set('launchd_drain_seconds', 8)
    mac.set('launchd_eager_seconds', 0)
    assert mac.run('launchctl', 'bootstrap', 'system', plist).returncode == 0
    assert mac.run('launchctl', 'bootout', 'system/org.example.drain').returncode == 0
    booted_out = time.monotonic()
    refused = mac.run('launchctl', 'bootstrap', 'system', plist)
    assert (refused.returncode, refused.stderr) == (5, recorded('launchctl_bootstrap_5.stderr'))
    mac.set('launchd_eager_seconds', 60)
    eager = mac.run('launchctl', 'bootstrap', 'system', plist)
    assert (eager.returncode, eager.stderr) == (37, recorded('launchctl_bootstrap_37.stderr'))
    assert mac.run('launchctl', 'print', 'system/org.example.drain').returncode == 113
    assert time.monotonic() - booted_out < 8  # all of the above happened inside the drain
    mac.set('launchd_eager_seconds', 0)
    wait_for(lambda: mac.run('launchctl', 'bootstrap', 'system', plist).returncode == 0, what='bootstrap after the drain')
    assert time.monotonic() - booted_out >= 8


def test_launchd_transient_bootstrap_failure(mac, tmp_path):
    plist = job(tmp_path, 'org.example.fresh', 'exit 0\n')
    mac.set('launchd_bootstrap_failures', 1)
    first = mac.run('launchctl', 'bootstrap', 'system', plist)
    assert (first.returncode, first.stderr) == (5, recorded('launchctl_bootstrap_5.stderr'))
    assert mac.run('launchctl', 'bootstrap', 'system', plist).returncode == 0


def test_bad_setting_is_an_error(mac):
    mac.set('profile', 'optimistic')
    result = mac.run('launchctl', 'print', 'system/org.example.none')
    assert result.returncode != 0 and 'profile must be one of pessimistic, lenient' in result.stderr


def test_launchd_disabled_label_and_root(mac, tmp_path):
    plist = job(tmp_path, 'org.example.off', 'exit 0\n')
    assert mac.run('launchctl', 'disable', 'system/org.example.off').returncode == 0
    result = mac.run('launchctl', 'bootstrap', 'system', plist)
    assert (result.returncode, result.stderr) == (119, 'Bootstrap failed: 119: Service is disabled\n')
    assert mac.run('launchctl', 'enable', 'system/org.example.off').returncode == 0
    result = mac.run('launchctl', 'bootstrap', 'system', plist, user=other_user.NOBODY)
    assert (result.returncode, result.stderr) == (1, 'Bootstrap failed: 1: Operation not permitted\n')
    assert mac.run('launchctl', 'bootstrap', 'system', plist).returncode == 0


def test_plutil_lint(mac, tmp_path):
    good = job(tmp_path, 'org.example.lint', 'exit 0\n')
    bad = tmp_path / 'bad.plist'
    bad.write_text('<plist><dict><key>Label</key></plist>')
    assert mac.run('plutil', '-lint', good).stdout == '%s: OK\n' % good
    result = mac.run('plutil', '-lint', good, str(bad))
    assert result.returncode == 1
    assert result.stdout.splitlines()[1].startswith('%s: ' % bad)


def test_osascript_answers_the_managed_time_read_from_the_managed_preferences_file(mac):
    from ansible_collections.cifleet.gotime.plugins.module_utils import _host_sync_mdm
    assert mac.run('osascript', '-l', 'JavaScript', '-e', 'Application("Finder").name()').returncode == 64
    unmanaged = mac.run('osascript', '-l', 'JavaScript', '-e', _host_sync_mdm.MCX_READ_SCRIPT)
    assert unmanaged.returncode == 0
    assert _host_sync_mdm.parse_mcx_read(unmanaged.stdout) == {'time_server': None, 'time_zone': None}
    prefs = mac.path / 'Library/Managed Preferences'
    prefs.mkdir(parents=True)
    (prefs / 'com.apple.MCX.plist').write_bytes(plistlib.dumps({'timeServer': 'ntp.corp.example'}))
    managed = mac.run('osascript', '-l', 'JavaScript', '-e', _host_sync_mdm.MCX_READ_SCRIPT)
    assert _host_sync_mdm.parse_mcx_read(managed.stdout) == {'time_server': 'ntp.corp.example', 'time_zone': None}
