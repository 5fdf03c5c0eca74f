"""playbooks/remediate.yml on emulated Macs (issue 5, acceptance 4).

The Macs are the macOS command emulator of tests/darwin (a test tool, not macOS), run from a
temporary root per host (DARWIN_EMULATOR_ROOT). Each emulated Mac has its own clock: its processes
run under libfaketime with the offset in <root>/var/db/darwin-emulator/clock.rc, and the emulated
`sntp -sS` rewrites that file. The host's Python (clock_facts, the step task) runs on that clock
through a wrapper interpreter, so the skew is measured against real chronyd and a step is
observable, while this machine's clock is never touched.
"""
import datetime
import glob
import json
import os
import re
import subprocess
import sys

import pytest

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
        hosts = {}
        for name, (skew, window, dummy) in MACS.items():
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
            # gotime-clock from this checkout, with the emulated sntp and this host's own status files.
            config = work / ('clock-%s.conf' % name)
            config.write_text('tool=%s\ntimeout=2\nbudget=10\nstatus=%s\ntextfile=%s\n'
                              % (tools / 'sntp', root / 'status.json', root / 'clock.prom'))
            hosts[name] = {
                'gotime_remediate_clock_tool': CLOCK_TOOL, 'gotime_remediate_clock_config': str(config),
                'ansible_connection': 'local', 'ansible_python_interpreter': str(python),
                'gotime_clock_ntp_servers': [s.label for s in servers], 'gotime_clock_ntp_timeout': 1.0,
                'gotime_clock_https_date_urls': [], 'gotime_clock_cert_endpoints': [tls[window].endpoint],
                # platform.system() says Linux here (the emulator is not macOS): take the Darwin path.
                'gotime_remediate_platform': 'Darwin', 'gotime_remediate_become': False,
                'gotime_go_environment': {'HOME': str(home), 'GOENV': str(home / 'go.env'), 'GOMODCACHE': str(home / 'modcache'),
                                          'GOCACHE': str(home / 'gocache')},
            }
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
        yield {'work': work, 'inventory': str(inventory), 'env': env, 'roots': dict((n, str(work / n)) for n in MACS)}
    finally:
        for service in reversed(started):
            service.stop()
        ca.close()


def remediate(macs, *args):
    argv = [os.path.join(BIN, 'ansible-playbook'), '-i', macs['inventory'], PLAYBOOK] + list(args)
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
