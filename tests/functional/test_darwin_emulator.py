"""The macOS command emulator of tests/darwin (an emulator, not macOS), run from a temporary root.

sntp talks to a real chronyd of the lab (always -x) on a free loopback port; the emulated Mac's
clock is a libfaketime file in the temporary root, so nothing here touches a real clock.
"""
import json
import os
import pathlib
import plistlib
import shutil
import subprocess
import sys

import pytest

from lab import ntp_lab, other_user

EMULATOR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'darwin', 'darwin_emulator.py')

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason='the emulated launchd checks root ownership; run as root')


@pytest.fixture(scope='module')
def ntp_server():
    missing = ntp_lab.missing_tools()
    if missing:
        pytest.fail('the lab cannot run: %s' % missing)
    with ntp_lab.ChronyServer() as server:
        yield server


@pytest.fixture(scope='module')
def emulator_copy():
    """The emulator as another user runs it: a private copy that user can read (other_user)."""
    copy = other_user.readable_copy(EMULATOR)
    yield copy
    shutil.rmtree(os.path.dirname(copy))


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

        @staticmethod
        def run(tool, *args, user=None):
            if user is None:
                argv, cwd = [sys.executable, EMULATOR, tool] + list(args), None
            else:
                argv = other_user.argv(user, [other_user.python_for(user), emulator_copy, tool] + list(args))
                cwd = top
            return subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=False)

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
    assert mac.run('systemsetup', '-getnetworktimeserver').stdout == 'Network Time Server: time.apple.com\n'
    result = mac.run('systemsetup', '-setnetworktimeserver', 'ntp1.corp.example')
    assert (result.returncode, result.stdout) == (0, 'setNetworkTimeServer: ntp1.corp.example\n')
    assert 'InternetServices.m' in result.stderr
    assert (mac.path / 'etc/ntp.conf').read_text() == 'server ntp1.corp.example\n'
    assert mac.run('systemsetup', '-setusingnetworktime', 'off').stdout == 'setUsingNetworkTime: Off\n'
    assert mac.run('systemsetup', '-getusingnetworktime').stdout == 'Network Time: Off\n'


def test_systemsetup_without_root_refuses_and_exits_0(mac):
    result = mac.run('systemsetup', '-setnetworktimeserver', 'evil.example', user=other_user.NOBODY)
    assert (result.returncode, result.stdout) == (0, 'You need administrator access to run this tool... exiting!\n')
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


def test_sntp_timeout(mac):
    with ntp_lab.DeadPort() as dead:
        env_port = {'DARWIN_EMULATOR_NTP_PORT': str(dead.port)}
        result = subprocess.run([sys.executable, EMULATOR, 'sntp', '-t', '1', dead.address], capture_output=True, text=True,
                                env=dict(os.environ, DARWIN_EMULATOR_ROOT=str(mac.path), **env_port), check=False)
    assert (result.returncode, result.stderr) == (1, 'sntp: Exchange failed: Timeout\n')


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


def test_launchd_load_print_kickstart_bootout(mac, tmp_path):
    out = tmp_path / 'ran'
    plist = job(tmp_path, 'org.example.job', 'date -u +%%s >> %s\n' % out, RunAtLoad=True, StartInterval=300)
    mac.skew('+3600s')
    assert mac.run('launchctl', 'print', 'system/org.example.job').stderr == \
        'Could not find service "org.example.job" in domain for system\n'
    assert mac.run('launchctl', 'bootstrap', 'system', plist).returncode == 0
    runs = out.read_text().split()
    assert len(runs) == 1  # RunAtLoad
    real = int(subprocess.run(['date', '-u', '+%s'], capture_output=True, text=True, check=True).stdout)
    assert int(runs[0]) - real == pytest.approx(3600, abs=5)  # the job ran on the emulated clock

    again = mac.run('launchctl', 'bootstrap', 'system', plist)
    assert (again.returncode, again.stderr) == (5, 'Bootstrap failed: 5: Input/output error\n')
    assert mac.run('launchctl', 'kickstart', '-k', 'system/org.example.job').returncode == 0
    assert len(out.read_text().split()) == 2
    printed = mac.run('launchctl', 'print', 'system/org.example.job').stdout
    assert '\tpath = %s\n' % plist in printed and '\truns = 2\n' in printed and '\trun interval = 300 seconds\n' in printed

    assert mac.run('launchctl', 'bootout', 'system/org.example.job').returncode == 0
    gone = mac.run('launchctl', 'bootout', 'system/org.example.job')
    assert (gone.returncode, gone.stderr) == (3, 'Boot-out failed: 3: No such process\n')
    assert mac.run('launchctl', 'kickstart', 'system/org.example.job').returncode == 113


def test_launchd_keeps_the_plist_it_loaded(mac, tmp_path):
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
