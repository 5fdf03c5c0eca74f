"""gotime-guard (roles/clock_tool/files/gotime-clock guard) on Linux against real NTP servers.

Real chronyd (always -x: it never touches this machine's clock) on port 123 of loopback addresses
127.0.20.1-5, two of them 300 s fast under libfaketime, and silent servers on 127.0.20.7-9:123 that
read every request and never answer. ntpdig only speaks to port 123, so the servers are started
under /tmp/gotime-port123.lock (shared with the benchmarks). The guard runs as the unprivileged user
nobody, as a CI runner's user would, from a world-readable copy (tests/lab/other_user.py); every run
that could decide to step says --no-step, and none could step this machine's clock anyway (a
non-root user, no sudoers rule, no CAP_SYS_TIME path).
"""
import fcntl
import json
import os
import pathlib
import pwd
import re
import shutil
import socket
import subprocess
import time

import pytest

from ansible_collections.cifleet.gotime.plugins.module_utils._host_sync_launchd import read_launchd_status
from lab import ntp_lab, other_user

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GUARD = os.path.join(ROOT, 'roles', 'clock_tool', 'files', 'gotime-clock')
GOOD = ['127.0.20.1', '127.0.20.2', '127.0.20.3']
FAST = ['127.0.20.4', '127.0.20.5']
SILENT = ['127.0.20.7', '127.0.20.8', '127.0.20.9']
LOCK = '/tmp/gotime-port123.lock'


class SilentServer:
    """A UDP socket on ADDRESS:123 that reads and drops every request (a server that never answers)."""

    def __init__(self, address):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((address, 123))

    def stop(self):
        self.sock.close()


@pytest.fixture(scope='module')
def lab():
    if os.geteuid() != 0:
        pytest.fail('binding port 123 needs root: run as root (make functional)')
    missing = ntp_lab.missing_tools()
    if missing or shutil.which('ntpdig') is None:
        pytest.fail('the lab cannot run: %s; run `make setup-test`' % (missing or 'ntpdig (ntpsec-ntpdate)'))
    with open(LOCK, 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        started = []
        try:
            for address in GOOD:
                started.append(ntp_lab.ChronyServer(address=address, port=123).start())
            for address in FAST:
                started.append(ntp_lab.ChronyServer(address=address, port=123, skew='+300s').start())
            for address in SILENT:
                started.append(SilentServer(address))
            yield
        finally:
            for service in reversed(started):
                service.stop()


@pytest.fixture(scope='module')
def script():
    """gotime-clock as nobody runs it: a copy that user can read."""
    with other_user.readable(GUARD) as copy:
        yield copy


@pytest.fixture
def records():
    """A directory the user nobody can write the guard's status and textfile into (pytest's own
    temporary directories are 0700 root)."""
    top = other_user.shared_dir('gotime-guard-test-')
    try:
        directory = pathlib.Path(top) / 'guard'
        directory.mkdir()
        nobody = pwd.getpwuid(other_user.NOBODY)
        os.chown(str(directory), nobody.pw_uid, nobody.pw_gid)
        yield directory
    finally:
        shutil.rmtree(top)


def as_nobody(script, *args):
    return other_user.argv(other_user.NOBODY, [script] + list(args))


def guard(script, records, *args):
    argv = as_nobody(script, 'guard', '--config', '/dev/null', '--status', str(records / 'status.json'),
                     '--textfile', str(records / 'guard.prom'), *args)
    started = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False, cwd='/')
    proc.elapsed = time.monotonic() - started
    return proc


def servers(*groups):
    return ','.join(address for group in groups for address in group)


def status(records):
    with open(str(records / 'status.json')) as handle:
        return json.load(handle)


def test_in_sync(lab, script, records):
    proc = guard(script, records, '--servers', servers(GOOD), '--timeout', '2')
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith('gotime-guard: ok: clock in sync, offset ')
    assert 'agreed by 3 of 3 answering of 3 servers (127.0.20.1, 127.0.20.2, 127.0.20.3)' in proc.stdout
    assert len(proc.stdout.splitlines()) == 1 and proc.stderr == ''
    recorded = status(records)
    assert recorded['action'] == 'none' and recorded['decision'] == 'in_sync' and recorded['trigger'] == 'job'
    assert recorded['agreed'] == GOOD and recorded['falsetickers'] == [] and abs(recorded['offset']) < 0.1
    # clock_facts reads the same file format
    assert read_launchd_status(str(records / 'status.json'))['action'] == 'none'
    textfile = (records / 'guard.prom').read_text()
    assert 'gotime_guard_decisions_total{result="in_sync"} 1' in textfile


def test_three_good_outvote_one_300s_falseticker(lab, script, records):
    proc = guard(script, records, '--servers', servers(GOOD, FAST[:1]))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'clock in sync' in proc.stdout
    assert 'falsetickers ignored: 127.0.20.4 +300.0' in proc.stdout or 'falsetickers ignored: 127.0.20.4 +299.9' in proc.stdout
    recorded = status(records)
    assert recorded['falsetickers'] == ['127.0.20.4'] and recorded['action'] == 'none'
    assert recorded['servers'] == GOOD + FAST[:1]


def test_all_servers_300s_ahead_with_no_step_refuses(lab, script, records):
    proc = guard(script, records, '--servers', servers(FAST), '--no-step')
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.startswith('gotime-guard: refused: clock 300.0') or proc.stdout.startswith('gotime-guard: refused: clock 299.9')
    assert 's slow, beyond 1 s' in proc.stdout and 'stepping not allowed (--no-step)' in proc.stdout
    assert 'fix: sudo ' in proc.stdout and proc.stdout.rstrip().endswith('then rerun the job')
    recorded = status(records)
    assert recorded['decision'] == 'refused_skewed' and recorded['action'] == 'failed'
    assert recorded['offset'] == pytest.approx(300, abs=0.5)
    assert 'gotime_guard_decisions_total{result="refused_skewed"} 1' in (records / 'guard.prom').read_text()


def test_one_good_one_bad_has_no_majority(lab, script, records):
    proc = guard(script, records, '--servers', servers(GOOD[:1], FAST[:1]), '--on-no-source', 'fail', '--no-step')
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert 'refused: no agreed time: no majority: 1 of 2 answering servers agree' in proc.stdout
    assert '127.0.20.4 +300.0' in proc.stdout or '127.0.20.4 +299.9' in proc.stdout
    assert 'fix: ' in proc.stdout
    assert status(records)['decision'] == 'refused_no_source'
    warned = guard(script, records, '--servers', servers(GOOD[:1], FAST[:1]), '--on-no-source', 'warn', '--no-step')
    assert warned.returncode == 0
    assert warned.stdout.startswith('gotime-guard: warning: the job runs on an unverified clock')
    counts = (records / 'guard.prom').read_text()
    assert 'result="refused_no_source"} 1' in counts and 'result="warned_no_source"} 1' in counts


def test_silent_servers_are_bounded_by_the_budget(lab, script, records):
    # ntpdig alone would wait its 5 s timeout; the 2 s budget ends the run first
    proc = guard(script, records, '--servers', servers(SILENT), '--timeout', '5', '--budget', '2', '--on-no-source', 'fail')
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.elapsed < 4.0, proc.elapsed
    assert proc.stderr == ''
    assert 'no agreed time: no server answered' in proc.stdout
    # ntpdig's own words when it gave up first (its -t is a second under the budget-capped timeout),
    # else the kill's
    assert re.search(r'127\.0\.20\.7: (no eligible servers|no reply within the timeout)', proc.stdout), proc.stdout
    # no query outlives the guard
    leftovers = subprocess.run(['pgrep', '-u', 'nobody', '-f', 'ntpdig -t [0-9]+ 127.0.20.'], capture_output=True, text=True, check=False)
    assert leftovers.stdout == ''


def test_silent_servers_cost_their_timeout_and_the_rest_decide(lab, script, records):
    proc = guard(script, records, '--servers', servers(GOOD, SILENT[:1]), '--timeout', '3')
    assert proc.stderr == ''
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'agreed by 3 of 3 answering of 4 servers' in proc.stdout
    assert 'no answer: 127.0.20.7: ' in proc.stdout


def test_a_config_file_gives_the_defaults(lab, script, records):
    conf = records.parent / 'clock.conf'
    conf.write_text('servers=%s\nthreshold=500\non_no_source=fail\n' % servers(FAST))
    os.chmod(str(conf), 0o644)
    argv = as_nobody(script, 'guard', '--config', str(conf), '--status', str(records / 'status.json'),
                     '--textfile', str(records / 'guard.prom'))
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False, cwd='/')
    # 300 s is within the configured 500 s threshold
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'clock in sync' in proc.stdout and 'threshold 500 s' in proc.stdout


def test_unwritable_records_are_reported_and_do_not_change_the_decision(lab, script):
    proc = subprocess.run(as_nobody(script, 'guard', '--config', '/dev/null', '--servers', servers(GOOD),
                                    '--status', '/proc/gotime/status.json', '--textfile', '/proc/gotime/guard.prom'),
                          capture_output=True, text=True, timeout=60, check=False, cwd='/')
    assert proc.returncode == 0
    assert 'could not write the status /proc/gotime/status.json' in proc.stderr
    assert 'clock in sync' in proc.stdout
