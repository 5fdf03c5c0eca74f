"""playbooks/remediate.yml on emulated Macs (issue 5, acceptance 4).

The Macs are the macOS command emulator of tests/darwin (a test tool, not macOS), run from a
temporary root per host (DARWIN_EMULATOR_ROOT). Each emulated Mac has its own clock: its processes
run under libfaketime with the offset in <root>/var/db/darwin-emulator/clock.rc, and the emulated
`sntp -sS` rewrites that file. The host's Python (clock_facts, the step task) runs on that clock
through a wrapper interpreter, so the skew is measured against real chronyd and a step is
observable, while this machine's clock is never touched.

How remediate takes gotime-clock step's other ends (stepped but not verified by its own check, failed) runs
here too, with the lab's HostileServer beside the chronyd; each end of gotime-clock step alone is in
tests/functional/test_gotime_clock_steps.py.
"""
import datetime
import glob
import json
import os
import re
import subprocess
import sys
import textwrap

import pytest
import yaml

from support.lab_checks import require_lab
from lab import ntp_lab, tls_lab

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(os.path.abspath(sys.executable))
EMULATOR = os.path.join(ROOT, 'tests', 'darwin', 'darwin_emulator.py')
PLAYBOOK = os.path.join(ROOT, 'playbooks', 'remediate.yml')
CLOCK_TOOL = os.path.join(ROOT, 'roles', 'clock_tool', 'files', 'gotime-clock')
SKEW = 300.0
# host: (emulated clock offset from true time, certificate window kind, expected verdict before)
MACS = {
    'mac-skewed': (SKEW, 'valid', 'skewed'),
    'mac-tls': (SKEW, 'ends_soon', 'tls_window'),
    'mac-ok': (0.0, 'valid', 'ok'),
}


def libfaketime():
    found = sorted(glob.glob('/usr/lib/*/faketime/libfaketime.so.1') + glob.glob('/usr/lib/faketime/libfaketime.so.1'))
    if not found:
        pytest.fail('libfaketime is not installed (Debian packages libfaketime faketime)')
    return found[0]


def clock_file(root):
    return os.path.join(root, 'var', 'db', 'darwin-emulator', 'clock.rc')


def read_skew(root):
    with open(clock_file(root)) as handle:
        return float(handle.read().strip().rstrip('s'))


def emulated_mac(work, name, skew, **host_vars):
    """One emulated Mac in work/name, its clock skew s off true time: its inventory variables (host_vars added).

    Its Python runs on its clock, its Go home holds a module cache, and gotime-clock's settings name the
    emulated sntp of work/bin and this host's own status files.
    """
    root = work / name
    os.makedirs(os.path.dirname(clock_file(str(root))))
    with open(clock_file(str(root)), 'w') as handle:
        handle.write('%+.6fs\n' % skew)
    python = work / ('python-%s' % name)
    python.write_text('#!/bin/sh\n# The emulated Mac\'s clock for this host\'s Python.\n'
                      'unset FAKETIME\nexport LD_PRELOAD=%s FAKETIME_TIMESTAMP_FILE=%s FAKETIME_NO_CACHE=1 '
                      'DARWIN_EMULATOR_ROOT=%s\nexec %s "$@"\n' % (libfaketime(), clock_file(str(root)), root, sys.executable))
    python.chmod(0o755)
    home = root / 'home'
    (home / 'modcache' / 'cache' / 'download').mkdir(parents=True)
    (home / 'modcache' / 'cache' / 'download' / 'stale.zip').write_text('retagged content')
    config = work / ('clock-%s.conf' % name)
    config.write_text('tool=%s\ntimeout=2\nbudget=10\nstatus=%s\ntextfile=%s\n'
                      % (work / 'bin' / 'sntp', root / 'status.json', root / 'clock.prom'))
    host_vars.update({
        'gotime_remediate_clock_config': str(config), 'ansible_python_interpreter': str(python),
        'gotime_go_environment': {'HOME': str(home), 'GOENV': str(home / 'go.env'), 'GOMODCACHE': str(home / 'modcache'),
                                  'GOCACHE': str(home / 'gocache')},
    })
    return host_vars


@pytest.fixture(scope='module')
def macs(tmp_path_factory):
    require_lab(ntp_lab.missing_tools(skewed=False))
    work = tmp_path_factory.mktemp('emulated-macs')
    tools = work / 'bin'
    tools.mkdir()
    for tool in ('sntp', 'systemsetup', 'sw_vers'):
        path = tools / tool
        path.write_text('#!/bin/sh\nexec %s %s %s "$@"\n' % (sys.executable, EMULATOR, tool))
        path.chmod(0o755)
    servers = [ntp_lab.ChronyServer() for dummy in range(3)]
    ca = tls_lab.LabCA()
    started = []
    try:
        for server in servers:
            started.append(server.start())
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        tls = {
            'valid': tls_lab.TLSServer(ca, 'valid'),
            # Valid at true time, expired on a clock SKEW s fast.
            'ends_soon': tls_lab.TLSServer(ca, (now - datetime.timedelta(days=1), now + datetime.timedelta(seconds=SKEW / 3))),
        }
        for server in tls.values():
            server.start()
            started.append(server)
        shared = {
            'gotime_remediate_clock_tool': CLOCK_TOOL, 'ansible_connection': 'local',
            'gotime_clock_ntp_servers': [s.label for s in servers], 'gotime_clock_ntp_timeout': 1.0,
            'gotime_clock_https_date_urls': [], 'gotime_clock_cert_endpoints': [tls['valid'].endpoint],
            # platform.system() says Linux here (the emulator is not macOS): take the Darwin path.
            'gotime_remediate_platform': 'Darwin', 'gotime_remediate_become': False,
        }
        hosts = {}
        for name, (skew, window, dummy) in MACS.items():
            hosts[name] = emulated_mac(work, name, skew, **shared)
            hosts[name]['gotime_clock_cert_endpoints'] = [tls[window].endpoint]
        inventory = work / 'macs.json'
        inventory.write_text(json.dumps({'all': {'hosts': hosts}}))
        env = dict(os.environ)
        env.update(
            ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'),
            ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.cache', 'collections'),
            ANSIBLE_HOME=str(work / 'ansible-home'), ANSIBLE_LOCAL_TEMP=str(work / 'ansible-tmp'),
            ANSIBLE_CACHE_PLUGIN_CONNECTION=str(work / 'facts'), ANSIBLE_NOCOLOR='1',
            PATH=os.pathsep.join((str(tools), BIN, env.get('PATH', ''))),
            # The emulated sntp asks this port (the lab's chronyd are not on 123).
            DARWIN_EMULATOR_NTP_PORT=str(servers[0].port),
        )
        yield {'work': work, 'inventory': str(inventory), 'env': env, 'roots': dict((n, str(work / n)) for n in MACS),
               'shared': shared, 'servers': servers}
    finally:
        for service in reversed(started):
            service.stop()
        ca.close()


def remediate(macs, *args, inventory=None):
    argv = [os.path.join(BIN, 'ansible-playbook'), '-i', inventory or macs['inventory'], PLAYBOOK] + list(args)
    return subprocess.run(argv, env=macs['env'], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def recap(stdout):
    """{host: {'ok': n, 'changed': n, ...}} from the PLAY RECAP."""
    counts = {}
    for line in stdout[stdout.index('PLAY RECAP'):].splitlines()[1:]:
        if ':' in line:
            host, rest = line.split(':', 1)
            counts[host.strip()] = dict((k, int(v)) for k, v in re.findall(r'(\w+)=(\d+)', rest))
    return counts


def test_remediate_steps_skewed_macs_to_ok_and_is_idempotent(macs):
    first = remediate(macs)
    assert first.returncode == 0, first.stdout[-5000:] + first.stderr[-2000:]
    assert 'skewed: host clock 300' in first.stdout and 'tls_window: host clock 300' in first.stdout
    counts = recap(first.stdout)
    assert counts['mac-skewed']['changed'] == 1 and counts['mac-tls']['changed'] == 1
    assert counts['mac-ok']['changed'] == 0
    # The emulated sntp -sS stepped each skewed clock back to true time; the ok Mac was left alone.
    assert abs(read_skew(macs['roots']['mac-skewed'])) < 0.5
    assert abs(read_skew(macs['roots']['mac-tls'])) < 0.5
    assert read_skew(macs['roots']['mac-ok']) == 0.0
    assert first.stdout.count('within max_offset') >= 2  # the success_msg of "Require verdict ok after the step"
    # the step went through gotime-clock: measured by majority, stepped, verified, recorded
    assert first.stdout.count('trigger=manual action=stepped') == 2
    for name in ('mac-skewed', 'mac-tls'):
        with open(os.path.join(macs['roots'][name], 'status.json')) as handle:
            recorded = json.load(handle)
        assert recorded['action'] == 'stepped' and recorded['trigger'] == 'manual'
        assert recorded['offset'] == pytest.approx(-SKEW, abs=0.5) and recorded['servers'] == ['127.0.0.1']

    second = remediate(macs)
    assert second.returncode == 0, second.stdout[-5000:] + second.stderr[-2000:]
    assert recap(second.stdout) == dict((name, counts['mac-ok']) for name in MACS)  # measured, nothing stepped


def test_modcache_needs_a_reason(macs):
    proc = remediate(macs, '-l', 'mac-ok', '-e', 'gotime_remediate_modcache=true')
    assert proc.returncode != 0
    assert 'needs gotime_remediate_reason' in proc.stdout
    assert os.path.exists(os.path.join(macs['roots']['mac-ok'], 'home', 'modcache', 'cache', 'download', 'stale.zip'))


def test_modcache_is_cleaned_per_host_with_a_reason(macs):
    proc = remediate(macs, '-l', 'mac-ok', '-e', 'gotime_remediate_modcache=true',
                     '-e', "gotime_remediate_reason='checksum mismatch for example.com/m@v1.2.0 after a retag'")
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    assert recap(proc.stdout)['mac-ok']['changed'] == 1
    assert 'checksum mismatch for example.com/m@v1.2.0 after a retag' in proc.stdout, proc.stdout
    assert not os.path.exists(os.path.join(macs['roots']['mac-ok'], 'home', 'modcache', 'cache'))
    # The other Macs were not touched.
    assert os.path.exists(os.path.join(macs['roots']['mac-tls'], 'home', 'modcache', 'cache', 'download', 'stale.zip'))


# Macs whose gotime-clock steps from servers (gotime_remediate_ntp_servers; None: the lab's chronyd the emulated
# sntp asks) of which some answer the check before the step and then stop (ok_then_silent) or jump 100 s ahead
# (ok_then_ahead); clock_facts measures against the lab's three chronyd before and after the step.
STEP_MACS = {
    # stepped from the good server; the others are silent for gotime-clock's check after the step
    'mac-unverified': [None, ('127.0.42.4', 'ok_then_silent'), ('127.0.42.5', 'ok_then_silent')],
    # stepped from a server 100 s ahead by then; the check after hears only that one
    'mac-unverified-off': [('127.0.42.6', 'ok_then_ahead'), ('127.0.42.7', 'ok_then_silent'), ('127.0.42.8', 'ok_then_silent')],
    # the server stepped from is silent by then: not stepped
    'mac-step-failed': [('127.0.42.9', 'ok_then_silent'), None, ('127.0.42.10', 'ok_then_silent')],
}


@pytest.fixture
def step_macs(macs):
    """The STEP_MACS (SKEW s fast) in their own inventory, their hostile servers on the emulated sntp's port."""
    port = int(macs['env']['DARWIN_EMULATOR_NTP_PORT'])
    good = macs['servers'][0].address
    hostile = []
    hosts = {}
    try:
        for name, plan in STEP_MACS.items():
            for server in plan:
                if server:
                    hostile.append(ntp_lab.HostileServer(server[1], address=server[0], port=port, ahead=100.0).start())
            hosts[name] = emulated_mac(macs['work'], name, SKEW, gotime_remediate_ntp_servers=[s[0] if s else good for s in plan],
                                       **macs['shared'])
        inventory = macs['work'] / 'step-macs.json'
        inventory.write_text(json.dumps({'all': {'hosts': hosts}}))
        yield str(inventory)
    finally:
        for server in hostile:
            server.stop()


def host_results(stdout, host):
    """{task name: (status, result)} for host from the default callback's output: status ok, changed, fatal or
    skipping, result the YAML printed after '=>' ({} when none)."""
    results = {}
    for task in re.split(r'^TASK \[', stdout, flags=re.M)[1:]:
        found = re.search(r'^(ok|changed|fatal|skipping): \[%s\](?:: FAILED!)?(?: => *\n((?:    .*(?:\n|$))*))?'
                          % re.escape(host), task, re.M)
        if found:
            results[task[:task.index(']')]] = (found.group(1), yaml.safe_load(textwrap.dedent(found.group(2) or '')) or {})
    return results


def step_status(root):
    """What gotime-clock step recorded on this Mac (its status file)."""
    with open(os.path.join(root, 'status.json')) as handle:
        return json.load(handle)


def test_a_step_gotime_clock_cannot_verify_is_decided_by_the_measurement_after(macs, step_macs):
    proc = remediate(macs, inventory=step_macs)
    assert proc.returncode == 2, proc.stdout[-5000:] + proc.stderr[-2000:]  # a host failed
    counts = recap(proc.stdout)
    roots = dict((name, str(macs['work'] / name)) for name in STEP_MACS)
    step_task, said_task = 'Step the clock by majority (macOS, gotime-clock step)', 'Say what the step did (macOS)'
    require_ok = 'Require verdict ok after the step'

    # stepped, and gotime-clock's own check after it found no agreed time (exit 2): changed, not failed; the
    # playbook's measurement after the step decides, here ok
    results = host_results(proc.stdout, 'mac-unverified')
    assert results[step_task][0] == 'changed', results
    said = results[said_task][1]['msg']
    assert ' trigger=manual action=stepped_unverified offset=-' in said and ' server=127.0.0.1 ' in said, said
    assert 'not verified: no agreed time: only one server answered of 3 configured' in said, said
    assert step_status(roots['mac-unverified'])['action'] == 'stepped_unverified'
    assert abs(read_skew(roots['mac-unverified'])) < 0.5
    assert results[require_ok][0] == 'ok', results
    assert re.fullmatch(r'host clock [-+]0\.\d+ s from true time \(ntp, error bound [0-9.]+ s\), within max_offset 1\.0 s',
                        results[require_ok][1]['msg']), results[require_ok]
    assert counts['mac-unverified']['changed'] == 1 and counts['mac-unverified']['failed'] == 0

    # the same, but its server had jumped 100 s ahead, so the step landed 100 s fast: the measurement catches it
    results = host_results(proc.stdout, 'mac-unverified-off')
    assert results[step_task][0] == 'changed', results
    assert ' action=stepped_unverified ' in results[said_task][1]['msg'], results[said_task]
    assert step_status(roots['mac-unverified-off'])['action'] == 'stepped_unverified'
    assert read_skew(roots['mac-unverified-off']) == pytest.approx(100, abs=0.5)
    assert results[require_ok][0] == 'fatal', results
    assert re.match(r'still skewed after the step: host clock (99\.9|100\.0)\d* s fast \(ntp, error bound [0-9.]+ s\), '
                    r'beyond max_offset 1\.0 s', results[require_ok][1]['msg']), results[require_ok]
    assert counts['mac-unverified-off']['changed'] == 1 and counts['mac-unverified-off']['failed'] == 1

    # a step that failed (gotime-clock exit 1, action=failed) fails the host at the step: nothing stepped
    results = host_results(proc.stdout, 'mac-step-failed')
    status, result = results[step_task]
    assert status == 'fatal' and result['rc'] == 1, results
    assert ' trigger=manual action=failed ' in result['stdout'] and ' error=step from 127.0.42.9 failed: ' in result['stdout']
    assert step_status(roots['mac-step-failed'])['action'] == 'failed'
    assert read_skew(roots['mac-step-failed']) == pytest.approx(SKEW)
    assert said_task not in results and require_ok not in results
    assert counts['mac-step-failed']['changed'] == 0 and counts['mac-step-failed']['failed'] == 1
