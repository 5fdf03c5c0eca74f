"""Verify the Darwin path on the emulated Mac (tests/darwin: a macOS command emulator, not macOS).

The emulated Mac's clock is libfaketime's offset in /var/db/darwin-emulator/clock.rc; its sntp
measures against the lab NTP server (chronyd -x on 127.0.0.2 in the container) and `sntp -sS`
rewrites that file. The emulated launchd runs the job in the background (RunAtLoad, kickstart), as
launchd does: every check waits for the status file that run writes (a new file: the job replaces
it with `mv`), bounded in time, rather than reading it at once.
"""
import json
import plistlib
import re
import time

import pytest

LABEL = 'org.cifleet.gotime.clock-sync'
PLIST = '/Library/LaunchDaemons/%s.plist' % LABEL
LIBEXEC = '/usr/local/libexec/cifleet-gotime'
SCRIPT = LIBEXEC + '/gotime-clock'
STEP = LIBEXEC + '/gotime-step'
GUARD = '/usr/local/bin/gotime-guard'
CONFIG = '/usr/local/etc/cifleet-gotime/clock.conf'
SERVERS = ['ntp-a.lab', 'ntp-b.lab', 'ntp-c.lab']
STATUS = '/var/db/cifleet.gotime/launchd_sync.json'
CLOCK = '/var/db/darwin-emulator/clock.rc'
STATE = '/var/db/darwin-emulator'
MANAGED_HEADER = ['#', '# Ansible managed', '#']


def skew(host):
    return float(host.file(CLOCK).content_string.strip().rstrip('s'))


def set_skew(host, text):
    host.check_output("printf '%%s\\n' %s > %s" % (text, CLOCK))


def status_identity(host):
    """(inode, mtime) of the status file, or None: a run replaces the file, so both change."""
    result = host.run("stat -c '%%i %%.9Y' %s" % STATUS)
    return result.stdout.strip() if result.rc == 0 else None


def wait_for_status(host, before, timeout=60):
    """The status a run wrote after `before` (a status_identity), polled until it appears."""
    deadline = time.monotonic() + timeout
    while status_identity(host) in (before, None):
        assert time.monotonic() < deadline, 'the job wrote no new status in %d s' % timeout
        time.sleep(0.2)
    return json.loads(host.file(STATUS).content_string)


def job_idle(host):
    """True when the loaded job has run at least once and is not running now."""
    printed = host.check_output('launchctl print system/%s' % LABEL)
    return '\tstate = not running' in printed and re.search(r'\truns = [1-9]', printed) is not None


def kickstart(host):
    """Kickstart the job and return the status of that run, and how long the run took (real seconds)."""
    before = status_identity(host)
    started = float(host.check_output('date +%s.%N'))
    host.check_output('launchctl kickstart -k system/%s' % LABEL)
    status = wait_for_status(host, before)
    written = float(host.check_output("stat -c '%%.9Y' %s" % STATUS))
    return status, written - started


def test_network_time_server_is_the_first_source(host):
    assert host.file('/etc/ntp.conf').content_string == 'server 127.0.0.2\n'
    assert host.check_output('systemsetup -getnetworktimeserver') == 'Network Time Server: 127.0.0.2'
    assert host.check_output('systemsetup -getusingnetworktime') == 'Network Time: On'


def test_plist_owner_mode_and_keys(host):
    plist = host.file(PLIST)
    assert (plist.uid, plist.gid, plist.mode) == (0, 0, 0o644)
    assert '<!-- Managed by Ansible' in plist.content_string
    job = plistlib.loads(plist.content)
    assert job == {
        'Label': LABEL,
        'ProgramArguments': [SCRIPT, 'step', '--trigger', 'schedule'],
        'RunAtLoad': True,
        'StartInterval': 600,  # the side effect's change (converge set 300)
        'StartCalendarInterval': [{'Minute': 0}, {'Minute': 30}],
        'StandardOutPath': '/var/log/cifleet.gotime.launchd_sync.log',
        'StandardErrorPath': '/var/log/cifleet.gotime.launchd_sync.log',
    }
    assert host.check_output('plutil -lint %s' % PLIST) == '%s: OK' % PLIST


def test_clock_tool_owner_and_mode(host):
    for path in (SCRIPT, STEP, GUARD):
        script = host.file(path)
        assert (script.uid, script.gid, script.mode) == (0, 0, 0o755), path
        assert script.content_string.startswith('#!/bin/sh\n')
    config = host.file(CONFIG)
    assert (config.uid, config.gid, config.mode) == (0, 0, 0o644)
    lines = config.content_string.splitlines()
    assert lines[:3] == MANAGED_HEADER
    assert 'servers=ntp-a.lab,ntp-b.lab,ntp-c.lab' in lines and 'tool=/usr/bin/sntp' in lines
    assert 'status=/var/db/cifleet.gotime/launchd_sync.json' in lines and 'threshold=1.0' in lines
    for path in (LIBEXEC, '/usr/local/etc/cifleet-gotime', '/var/db/cifleet.gotime'):
        directory = host.file(path)
        assert directory.is_directory
        assert (directory.uid, directory.gid, directory.mode) == (0, 0, 0o755)
    assert not host.file('/Library/Application Support/cifleet.gotime').exists


def test_launchd_loaded_the_installed_plist(host):
    out = host.check_output('launchctl print system/%s' % LABEL)
    assert 'path = %s' % PLIST in out
    assert 'run interval = 600 seconds' in out  # launchd runs the changed plist (bootout, then bootstrap)
    loaded = json.loads(host.file('%s/launchd/%s.json' % (STATE, LABEL)).content_string)
    assert loaded['plist'] == host.file(PLIST).content_string
    assert loaded['runs'] >= 1 or loaded['pid']  # RunAtLoad started it at bootstrap


def test_the_status_of_the_run_at_load(host):
    deadline = time.monotonic() + 60
    while not job_idle(host):  # RunAtLoad started it in the background
        assert time.monotonic() < deadline, 'the run at load did not finish in 60 s'
        time.sleep(0.2)
    status = json.loads(host.file(STATUS).content_string)
    assert set(status) == {'time', 'offset', 'action', 'server', 'error', 'threshold', 'servers', 'agreed',
                           'falsetickers', 'trigger', 'error_bound', 'decision'}
    assert status['action'] == 'none' and status['trigger'] == 'schedule'
    assert status['server'] == 'ntp-a.lab'
    assert status['servers'] == SERVERS and status['agreed'] == SERVERS and status['falsetickers'] == []
    assert status['threshold'] == 1.0
    assert status['error'] is None
    assert abs(status['offset']) < 1.0
    status_file = host.file(STATUS)
    assert (status_file.uid, status_file.mode) == (0, 0o644)


def test_no_step_below_the_threshold(host):
    set_skew(host, '+0.5s')
    status = kickstart(host)[0]
    assert status['action'] == 'none'
    assert -0.6 < status['offset'] < -0.4
    assert skew(host) == pytest.approx(0.5)


@pytest.mark.parametrize('style', ['modern', 'legacy'])
def test_step_past_the_threshold(host, style):
    host.check_output('printf %s > %s/sntp_style' % (style, STATE))
    set_skew(host, '+300s')
    assert int(host.check_output("sh -c 'date -u +%%s'; env LD_PRELOAD=%s FAKETIME_TIMESTAMP_FILE=%s date -u +%%s"
                                 % ('/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', CLOCK)).split()[1]) > 0
    status = kickstart(host)[0]
    assert status['action'] == 'stepped'
    assert status['offset'] == pytest.approx(-300, abs=0.5)
    assert abs(skew(host)) < 0.5  # the emulated sntp -sS corrected the emulated clock
    assert 'gotime_sync_steps_total{trigger="schedule"} ' in host.file('/var/db/cifleet.gotime/clock.prom').content_string
    host.check_output('rm -f %s/sntp_style' % STATE)


def test_failure_when_no_server_answers(host):
    pid = host.file('/run/lab-ntp/chronyd.pid').content_string.strip()
    host.check_output('kill %s' % pid)
    try:
        status, took = kickstart(host)
    finally:
        host.check_output('rm -f /run/lab-ntp/chronyd.pid; /usr/sbin/chronyd -x -f /run/lab-ntp/chrony.conf')
    assert status['action'] == 'failed'
    assert status['offset'] is None
    assert 'no agreed time: no server answered' in status['error']
    for server in SERVERS:
        # sntp's own error line (never the `}` that ends its sntp_exchange dump), or the kill at the
        # timeout when it had not said anything yet
        assert re.search(r'%s: (Exchange failed: Timeout|no reply within the timeout)' % re.escape(server), status['error'])
    # Each dead server is bounded by the timeout (2 s), not by sntp's five tries of 2 s (10 s or more).
    assert took < 10


def test_launchd_rules_of_the_emulator(host):
    again = host.run('launchctl bootstrap system %s' % PLIST)
    assert (again.rc, again.stderr.strip()) == (5, 'Bootstrap failed: 5: Input/output error')
    host.check_output('cp %s /tmp/writable.plist && chmod 0666 /tmp/writable.plist' % PLIST)
    bad = host.run('launchctl bootstrap system /tmp/writable.plist')
    assert (bad.rc, bad.stderr.strip()) == (122, 'Bootstrap failed: 122: Path had bad ownership/permissions')


@pytest.fixture
def runner_user(host):
    """A CI runner's user with the one sudoers rule of the contract (the job_guard role writes the real one)."""
    host.check_output('id runner || useradd -m runner')
    rule = '/etc/sudoers.d/gotime-test'
    host.check_output("printf '%%s\\n' 'runner ALL=(root) NOPASSWD: %s \"\"' > %s.tmp && chmod 0440 %s.tmp && "
                      "visudo -cf %s.tmp && mv %s.tmp %s" % (STEP, rule, rule, rule, rule, rule))
    yield 'runner'
    host.check_output('rm -f %s' % rule)


def guard(host, user, *args):
    return host.run('su -s /bin/sh %s -c %s' % (user, "'%s %s'" % (GUARD, ' '.join(args))))


def test_guard_in_sync_runs_the_job(host, runner_user):
    set_skew(host, '+0s')
    result = guard(host, runner_user, '--status', '/tmp/guard-status.json', '--textfile', '/tmp/guard.prom')
    assert result.rc == 0, result.stdout + result.stderr
    assert result.stdout.startswith('gotime-guard: ok: clock in sync') and 'agreed by 3 of 3' in result.stdout


@pytest.mark.parametrize('skewed', ['+300s', '-300s'])
def test_guard_steps_a_skewed_clock_through_sudo_and_verifies(host, runner_user, skewed):
    set_skew(host, skewed)
    result = guard(host, runner_user, '--status', '/tmp/guard-status.json', '--textfile', '/tmp/guard.prom')
    assert result.rc == 0, result.stdout + result.stderr
    # +300s: the emulated clock is fast (offset -300); -300s: slow, and the step moves the wall clock forward
    direction = 'fast' if skewed.startswith('+') else 'slow'
    assert re.search(r'ok: clock was (299\.9|300\.0)\d* s %s' % direction, result.stdout), result.stdout
    assert 'stepped and verified' in result.stdout
    assert abs(skew(host)) < 0.5  # gotime-step (root, via sudo) stepped the emulated clock
    status = json.loads(host.file(STATUS).content_string)
    # gotime-step's own check after its step can lose to a loaded machine (its budget): it then says
    # stepped_unverified, and the guard's own check confirms the step (test_gotime_clock_steps.py makes both certain)
    assert status['trigger'] == 'job' and status['action'] in ('stepped', 'stepped_unverified'), status
    if status['action'] == 'stepped_unverified':
        assert status['error'].startswith('stepped by ') and ', not verified: ' in status['error'], status
        assert "stepped and verified here (gotime-step's own check" in result.stdout, result.stdout
    guard_status = json.loads(host.file('/tmp/guard-status.json').content_string)
    expected = -300 if skewed.startswith('+') else 300
    assert guard_status['decision'] == 'stepped' and guard_status['offset'] == pytest.approx(expected, abs=0.5)


def test_guard_without_the_sudoers_rule_refuses_and_names_the_fix(host):
    host.check_output('id nosudo || useradd -m nosudo')
    set_skew(host, '+300s')
    try:
        result = guard(host, 'nosudo', '--status', '/tmp/nosudo.json', '--textfile', '/tmp/nosudo.prom')
    finally:
        set_skew(host, '+0s')
    assert result.rc == 1, result.stdout + result.stderr
    assert re.search(r'refused: clock (299\.9|300\.0)\d* s fast', result.stdout), result.stdout
    assert 'install the sudoers rule' in result.stdout


def test_gotime_step_takes_no_arguments(host):
    result = host.run('%s --trigger manual' % STEP)
    assert result.rc == 64 and 'takes no arguments' in result.stderr
