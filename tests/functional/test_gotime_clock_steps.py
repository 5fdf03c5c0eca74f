"""gotime-clock step and guard on an emulated Mac: how a step ends, each end produced for real.

The Mac is the macOS command emulator of tests/darwin (a test tool, not macOS) run from a temporary
root: its clock is libfaketime's offset in <root>/var/db/darwin-emulator/clock.rc (300 s fast when
each test starts), gotime-clock and every tool it starts run on that clock, and the emulated
`sntp -sS` rewrites that file. No real clock is touched. The NTP servers share one free port on
127.0.42.1-9: real chronyd (always -x) for the good ones, and the lab's HostileServer for a server
that answers once and then stops (ok_then_silent) or whose clock jumps 100 s ahead after its first
answer (ok_then_ahead).

The step's three failures (tool failed: not stepped; stepped but no agreed time after it; agreed
but still beyond the threshold) and what the guard makes of gotime-step's words and of its own
check after the step. The plain stepped-and-verified path runs in tests/functional/test_remediate.py
and in the molecule darwin scenario.
"""
import json
import os
import re
import subprocess
import sys

import pytest

from support.lab_checks import require_lab
from lab import ntp_lab
from ansible_collections.cifleet.gotime.plugins.module_utils._host_sync_launchd import read_launchd_status

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, 'roles', 'clock_tool', 'files', 'gotime-clock')
EMULATOR = os.path.join(ROOT, 'tests', 'darwin', 'darwin_emulator.py')
GOOD = ['127.0.42.1', '127.0.42.2', '127.0.42.3']
SILENT_AFTER_ONE = ['127.0.42.4', '127.0.42.5']
AHEAD_AFTER_ONE = '127.0.42.6'
SKEW = 300.0


@pytest.fixture(scope='module')
def port():
    """The port every lab server of this module listens on, with the three good chronyd on it."""
    if os.geteuid() != 0:
        pytest.fail('gotime-clock step needs root: run as root (make functional)')
    require_lab(ntp_lab.missing_tools())
    number = ntp_lab.free_udp_port(GOOD[0])
    servers = []
    try:
        for address in GOOD:
            servers.append(ntp_lab.ChronyServer(address=address, port=number).start())
        yield number
    finally:
        for server in reversed(servers):
            server.stop()


@pytest.fixture
def hostile(port):
    """The servers that answer once (then stop, or jump 100 s ahead), fresh for each test."""
    servers = [ntp_lab.HostileServer('ok_then_silent', address=address, port=port) for address in SILENT_AFTER_ONE]
    servers.append(ntp_lab.HostileServer('ok_then_ahead', address=AHEAD_AFTER_ONE, port=port, ahead=100.0))
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()


class Mac:
    """The emulated Mac of one test: its clock, its sntp, gotime-clock's settings and records."""

    def __init__(self, top, port):
        self.top = top
        self.root = top / 'mac'
        self.clock = self.root / 'var' / 'db' / 'darwin-emulator' / 'clock.rc'
        self.clock.parent.mkdir(parents=True)
        self.clock.write_text('%+.6fs\n' % SKEW)
        self.sntp = top / 'bin' / 'sntp'
        self.sntp.parent.mkdir()
        self.sntp.write_text('#!/bin/sh\nexec %s %s sntp "$@"\n' % (sys.executable, EMULATOR))
        self.sntp.chmod(0o755)
        # gotime-clock and its children on the emulated clock; the emulated sntp then runs as it is
        self.env = {
            'PATH': '/usr/bin:/bin', 'LD_PRELOAD': ntp_lab.LIBFAKETIME, 'FAKETIME_TIMESTAMP_FILE': str(self.clock),
            'FAKETIME_NO_CACHE': '1', 'DARWIN_EMULATOR_CLOCK': str(self.clock),
            'DARWIN_EMULATOR_ROOT': str(self.root), 'DARWIN_EMULATOR_NTP_PORT': str(port),
        }

    def skew(self):
        return float(self.clock.read_text().strip().rstrip('s'))

    def config(self, name, servers, budget=10):
        """A root-owned 0644 clock.conf for these servers, with its own status and textfile."""
        path = self.top / ('%s.conf' % name)
        path.write_text('servers=%s\nthreshold=1\ntimeout=2\nbudget=%s\ntool=%s\nstatus=%s\ntextfile=%s\n'
                        % (','.join(servers), budget, self.sntp, self.top / ('%s.json' % name), self.top / ('%s.prom' % name)))
        path.chmod(0o644)
        return path

    def run(self, argv):
        return subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=60, check=False)

    def status(self, name):
        return json.loads((self.top / ('%s.json' % name)).read_text())

    def textfile(self, name):
        return (self.top / ('%s.prom' % name)).read_text()


@pytest.fixture
def mac(tmp_path, port, hostile):
    return Mac(tmp_path, port)


def step(mac, servers):
    return mac.run([SCRIPT, 'step', '--trigger', 'manual', '--config', str(mac.config('step', servers))])


def test_a_step_the_tool_refuses_is_no_step(mac):
    # all three agree on -300 s; the first of them (the one stepped from) stops answering after that
    proc = step(mac, [SILENT_AFTER_ONE[0]] + GOOD[1:])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    status = mac.status('step')
    assert status['action'] == 'failed' and status['server'] == SILENT_AFTER_ONE[0]
    assert status['offset'] == pytest.approx(-SKEW, abs=0.5)
    # sntp's own error line, or the kill at the timeout before it said anything
    assert re.fullmatch(r'step from 127\.0\.42\.4 failed: (Exchange failed: Timeout.*|no reply within the timeout)',
                        status['error']), status['error']
    line = proc.stdout.strip()
    assert ' trigger=manual action=failed offset=-' in line and line.endswith('error=' + status['error'])
    assert mac.skew() == pytest.approx(SKEW)  # not stepped
    textfile = mac.textfile('step')
    assert 'gotime_sync_steps_total{trigger="manual"} 0' in textfile
    assert 'gotime_sync_checks_total{action="failed"} 1' in textfile
    assert re.search(r'^gotime_sync_offset_seconds -(299\.9|300\.0)', textfile, re.M)  # the measurement stands


def test_a_step_no_check_confirms_is_stepped_unverified(mac):
    # stepped from the good server; the two others stop answering, so the check after the step has one answer
    proc = step(mac, GOOD[:1] + SILENT_AFTER_ONE)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    status = mac.status('step')
    assert status['action'] == 'stepped_unverified' and status['server'] == GOOD[0]
    assert status['offset'] == pytest.approx(-SKEW, abs=0.5) and status['agreed'] == GOOD[:1] + SILENT_AFTER_ONE
    assert re.match(r'stepped by -(299\.9|300\.0)\d* s from 127\.0\.42\.1, not verified: no agreed time: only one server '
                    r'answered of 3 configured: never trusted alone \(answers: 127\.0\.42\.1 [-+]0\.0\d\d s\); '
                    r'no answer: 127\.0\.42\.4: ', status['error']), status['error']
    assert ' action=stepped_unverified ' in proc.stdout and 'did not bring' not in proc.stdout
    assert abs(mac.skew()) < 0.5  # it was stepped
    textfile = mac.textfile('step')
    assert 'gotime_sync_steps_total{trigger="manual"} 1' in textfile
    assert 'gotime_sync_checks_total{action="stepped_unverified"} 1' in textfile
    assert 'gotime_sync_checks_total{action="failed"} 0' in textfile
    assert 'gotime_sync_offset_seconds NaN' in textfile  # nothing verified after the step
    # clock_facts reads it (host_sync.launchd_sync)
    assert read_launchd_status(str(mac.top / 'step.json'))['action'] == 'stepped_unverified'


def test_a_step_the_check_after_finds_still_off_did_not_bring_the_clock_within(mac):
    # the server stepped from jumps 100 s ahead after its first answer: the step lands 100 s fast
    proc = step(mac, [AHEAD_AFTER_ONE] + GOOD[1:])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    status = mac.status('step')
    assert status['action'] == 'failed' and status['server'] == AHEAD_AFTER_ONE
    # the status is the check the step was decided on (all three agreed); the error holds the one after
    assert status['agreed'] == [AHEAD_AFTER_ONE] + GOOD[1:] and status['falsetickers'] == []
    assert re.match(r'step from 127\.0\.42\.6 did not bring the clock within 1 s \(stepped by -(199\.9|200\.0)\d* s; '
                    r'after: offset -(99\.9|100\.0)\d* s \(\+/- [0-9.]+\) agreed by 2 of 3 answering of 3 servers '
                    r'\(127\.0\.42\.2, 127\.0\.42\.3\); falsetickers ignored: 127\.0\.42\.6 [-+]0\.0\d\d s\)$',
                    status['error']), status['error']
    assert mac.skew() == pytest.approx(100, abs=0.5)
    textfile = mac.textfile('step')
    assert 'gotime_sync_steps_total{trigger="manual"} 1' in textfile  # a step ran, though it did not fix the clock
    assert re.search(r'^gotime_sync_offset_seconds -(99\.9|100\.0)', textfile, re.M)


def guard(mac, guard_servers, step_servers, budget=10):
    """gotime-guard as root (no sudo) beside a gotime-step that runs this checkout's gotime-clock step."""
    libexec = mac.top / 'libexec'
    libexec.mkdir()
    (libexec / 'gotime-clock').symlink_to(SCRIPT)
    gotime_step = libexec / 'gotime-step'
    gotime_step.write_text('#!/bin/sh\nexec %s/gotime-clock step --trigger job --config %s\n'
                           % (libexec, mac.config('step', step_servers)))
    gotime_step.chmod(0o755)
    return mac.run([str(libexec / 'gotime-clock'), 'guard', '--config', str(mac.config('guard', guard_servers, budget)),
                    '--status', str(mac.top / 'guard.json'), '--textfile', str(mac.top / 'guard.prom')])


def test_guard_verifies_what_gotime_step_could_not(mac):
    # the flaky molecule case made certain: gotime-step's own check after its step has no agreed time
    proc = guard(mac, GOOD, GOOD[:1] + SILENT_AFTER_ONE)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert mac.status('step')['action'] == 'stepped_unverified'
    assert re.match(r"gotime-guard: ok: clock was (299\.9|300\.0)\d* s fast \(.*\); stepped and verified here "
                    r"\(gotime-step's own check after its step found no agreed time\): offset ", proc.stdout), proc.stdout
    recorded = mac.status('guard')
    assert recorded['action'] == 'stepped' and recorded['decision'] == 'stepped' and recorded['error'] is None
    assert abs(mac.skew()) < 0.5


def test_guard_refuses_a_step_its_own_check_cannot_confirm(mac):
    # gotime-step stepped and verified with its servers; the guard's own servers stop answering
    proc = guard(mac, GOOD[:1] + SILENT_AFTER_ONE, GOOD)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert mac.status('step')['action'] == 'stepped'
    assert re.match(r'gotime-guard: refused: clock (299\.9|300\.0)\d* s fast \(.*\); stepped by gotime-step \(.* '
                    r'trigger=job action=stepped offset=.*\), not verified: no agreed time: only one server answered of 3 '
                    r'configured: never trusted alone .*; fix: rerun the job; if this repeats, ', proc.stdout), proc.stdout
    assert 'did not fix' not in proc.stdout
    recorded = mac.status('guard')
    assert recorded['action'] == 'stepped_unverified' and recorded['decision'] == 'refused_unverified'
    # the guard's first check, and the server gotime-step stepped from
    assert recorded['server'] == GOOD[0] and recorded['agreed'] == GOOD[:1] + SILENT_AFTER_ONE
    assert recorded['offset'] == pytest.approx(-SKEW, abs=0.5)
    assert 'gotime_guard_decisions_total{result="refused_unverified"} 1' in mac.textfile('guard')
    assert abs(mac.skew()) < 0.5


def test_guard_says_gotime_step_did_not_step(mac):
    proc = guard(mac, GOOD, [SILENT_AFTER_ONE[0]] + GOOD[1:])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert mac.status('step')['action'] == 'failed'
    assert re.match(r'gotime-guard: refused: clock (299\.9|300\.0)\d* s fast, beyond 1 s \(.*\); gotime-step did not step '
                    r'it \(.* action=failed .* error=step from 127\.0\.42\.4 failed: .*; after: offset -(299\.9|300\.0)',
                    proc.stdout), proc.stdout
    assert 'the step did not fix it' not in proc.stdout
    recorded = mac.status('guard')
    assert recorded['action'] == 'failed' and recorded['decision'] == 'refused_skewed'
    assert recorded['error'].startswith('clock 300.0') or recorded['error'].startswith('clock 299.9')
    assert mac.skew() == pytest.approx(SKEW)


def test_guard_keeps_room_for_its_own_check_after_a_step(mac):
    # budget 3 s, timeout 2 s: after the first check less than the 2 s + 1 s its check after a step needs is
    # left, so gotime-step is not asked (it would step a clock no check within the budget could confirm)
    proc = guard(mac, GOOD, GOOD, budget=3)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert not (mac.top / 'step.json').exists()  # gotime-step never ran
    assert re.match(r'gotime-guard: refused: clock (299\.9|300\.0)\d* s fast, beyond 1 s \(.*\); gotime-step did not step '
                    r'it \(not asked: the check after a step needs 2\.00 s \+ 1 s of the budget \(3 s\), and less is left; '
                    r'after: .*\); fix: give the guard a budget with room for two checks and a step', proc.stdout), proc.stdout
    recorded = mac.status('guard')
    assert recorded['action'] == 'failed' and recorded['decision'] == 'refused_skewed'
    assert mac.skew() == pytest.approx(SKEW)
