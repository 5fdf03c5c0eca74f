"""clock_facts versus `ntpdate -q`, side by side in one run on the same lab.

Four real chronyd servers on 127.0.0.2..5 port 123 (ntpdate only speaks to
123), the last one under libfaketime at +300 s; two TLS servers for the
certificate checks clock_facts does on top. Each tool runs as a fresh
process, alternately, RUNS times:

  - `ntpdate -q 127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5` (ntpsec's ntpdig);
  - the clock_facts module as Ansible runs it on a target (a Python process
    fed its arguments), NTP plus two certificate checks;
  - clock_facts' measurement in-process (no interpreter start or imports).

Printed: median and spread of wall time, the offset each reports and its
error against the truth (the host clock is true time; the +300 s server is a
falseticker), and the ratios. Run as root: `make bench-clock` or
`.venv/bin/python bench/clock_facts_vs_ntpdate.py`.
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, 'tests'))
sys.path.insert(0, os.path.join(ROOT, '.cache', 'collections'))

from lab import ntp_lab, tls_lab  # noqa: E402  pylint: disable=wrong-import-position
from ansible_collections.cifleet.gotime.plugins.module_utils import _clock  # noqa: E402  pylint: disable=wrong-import-position

RUNS = int(os.environ.get('BENCH_RUNS', '15'))
ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']
SKEWED = '127.0.0.5'
NTPDATE_LINE = re.compile(r'([+-]\d+\.\d+) \+/- (\d+\.\d+) (\S+)')


def ntpdate():
    started = time.monotonic()
    proc = subprocess.run(['ntpdate', '-q'] + ADDRESSES, capture_output=True, text=True, check=True)
    elapsed = time.monotonic() - started
    match = NTPDATE_LINE.search(proc.stdout)
    if not match:
        raise SystemExit('ntpdate printed no offset: %r %r' % (proc.stdout, proc.stderr))
    return elapsed, float(match.group(1))


def module_args(endpoints):
    return {'ntp_servers': ADDRESSES, 'ntp_timeout': 1.0, 'samples': 1, 'cert_endpoints': endpoints,
            'https_date_urls': [], 'host_sync': False}


def module_process(args_path):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, '.cache', 'collections'))
    started = time.monotonic()
    proc = subprocess.run([sys.executable, '-m', 'ansible_collections.cifleet.gotime.plugins.modules.clock_facts', args_path],
                          capture_output=True, text=True, env=env, check=True)
    elapsed = time.monotonic() - started
    fact = json.loads(proc.stdout)['ansible_facts']['gotime_clock']
    return elapsed, fact


def in_process(args):
    params = dict(args, ntp_port=123, tls_timeout=5.0, max_offset=1.0, https_date_ca_file=None, launchd_status_path=None)
    started = time.monotonic()
    fact = _clock.gather(params, None, None, 'Linux')
    return time.monotonic() - started, fact


def summary(name, times, errors):
    return '%-34s median %7.1f ms  (min %6.1f, max %6.1f)  offset error max %.6f s' % (
        name, 1000 * statistics.median(times), 1000 * min(times), 1000 * max(times), max(errors))


def main():
    missing = ntp_lab.missing_tools()
    if missing:
        raise SystemExit('bench needs %s' % missing)
    servers = [ntp_lab.ChronyServer(address=a, port=123, skew='+300s' if a == SKEWED else None) for a in ADDRESSES]
    ca = tls_lab.LabCA()
    tls = [tls_lab.TLSServer(ca, 'valid'), tls_lab.TLSServer(ca, 'valid')]
    started = []
    try:
        for service in servers + tls:
            service.start()
            started.append(service)
        args = module_args([server.endpoint for server in tls])
        with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as handle:
            json.dump({'ANSIBLE_MODULE_ARGS': args}, handle)
        results = {'ntpdate': ([], []), 'module': ([], []), 'inproc': ([], [])}
        for dummy in range(RUNS):
            elapsed, offset = ntpdate()
            results['ntpdate'][0].append(elapsed)
            results['ntpdate'][1].append(abs(offset))
            elapsed, fact = module_process(handle.name)
            assert fact['ntp']['selection']['falsetickers'] == [SKEWED + ':123'], fact['ntp']['selection']
            assert all(c['valid_at_true_time'] for c in fact['certificates'])
            results['module'][0].append(elapsed)
            results['module'][1].append(abs(fact['offset']))
            elapsed, fact = in_process(args)
            results['inproc'][0].append(elapsed)
            results['inproc'][1].append(abs(fact['offset']))
        os.unlink(handle.name)
    finally:
        for service in reversed(started):
            service.stop()
        ca.close()

    print('clock_facts vs ntpdate -q: 4 chronyd on 127.0.0.2-5:123 (%s at +300 s), %d runs each, alternating' % (SKEWED, RUNS))
    print(summary('ntpdate -q (NTP only)', *results['ntpdate']))
    print(summary('clock_facts module process', *results['module']))
    print(summary('clock_facts measurement in-process', *results['inproc']))
    base = statistics.median(results['ntpdate'][0])
    print('ratio module process / ntpdate:     %.2f' % (statistics.median(results['module'][0]) / base))
    print('ratio in-process measurement / ntpdate: %.2f' % (statistics.median(results['inproc'][0]) / base))


if __name__ == '__main__':
    main()
