"""gotime-guard versus `ntpdate -q`, side by side in one run on the same lab.

Real chronyd servers (always -x) on port 123 of 127.0.21.1-3 (true time) and 127.0.21.4 (libfaketime
+300 s), and three silent servers on 127.0.21.7-9:123 that read every request and never answer.
ntpdate (ntpsec's ntpdig) only speaks to port 123, so the lab is started under
/tmp/gotime-port123.lock. Each tool runs as a fresh process, alternately:

  1. in sync, three good servers: `ntpdate -q A B C` versus `gotime-guard --servers A,B,C` (it queries
     every server and agrees by majority; target: at most 1.5 times ntpdate's wall time);
  2. three good servers and the +300 s one, FALSETICKER_RUNS times each: how often each reports a
     wrong time (more than 1 s off; the host clock is true time here);
  3. the three silent servers with --timeout 5 --budget 2: the guard's total wall time against its
     budget (target: at most budget + 0.5 s), and ntpdate's on the same servers;
  4. the script's own cost: the guard with a stand-in client (a sh script that prints a result line
     at once) instead of ntpdig, so what is left is gotime-clock itself.

The guard runs gotime-clock from this checkout with --no-step (nothing is ever stepped) and records
into a temporary directory. Run as root: `make bench` or
`.venv/bin/python bench/guard_vs_ntpdate.py [--out bench/results/guard_vs_ntpdate.json]`.
"""
import argparse
import fcntl
import json
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, 'tests'))

from _figures import write_figures  # noqa: E402  pylint: disable=wrong-import-position
from lab import ntp_lab  # noqa: E402  pylint: disable=wrong-import-position

GUARD = os.path.join(ROOT, 'roles', 'clock_tool', 'files', 'gotime-clock')
RUNS = int(os.environ.get('BENCH_RUNS', '15'))
FALSETICKER_RUNS = int(os.environ.get('BENCH_FALSETICKER_RUNS', '30'))
GOOD = ['127.0.21.1', '127.0.21.2', '127.0.21.3']
FAST = '127.0.21.4'
SILENT = ['127.0.21.7', '127.0.21.8', '127.0.21.9']
BUDGET = 2.0
WRONG = 1.0  # seconds off true time that count as a wrong answer
LOCK = '/tmp/gotime-port123.lock'
NTPDATE_LINE = re.compile(r'([+-]\d+\.\d+) \+/- (\d+\.\d+) (\S+)')


def cpu_seconds():
    """CPU time (user + system) of all finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ntpdate(servers):
    started = time.monotonic()
    proc = subprocess.run(['ntpdate', '-q'] + servers, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    match = NTPDATE_LINE.search(proc.stdout)
    return elapsed, float(match.group(1)) if match else None


def guard(servers, records, *extra):
    status = os.path.join(records, 'status.json')
    if os.path.exists(status):
        os.unlink(status)
    argv = [GUARD, 'guard', '--config', '/dev/null', '--no-step', '--servers', ','.join(servers),
            '--status', status, '--textfile', os.path.join(records, 'guard.prom')] + list(extra)
    started = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    with open(status) as handle:
        recorded = json.load(handle)
    return elapsed, recorded['offset'], proc.returncode, proc.stdout.strip()


def median_ms(times):
    return 1000 * statistics.median(times)


def in_sync(records):
    ntp, grd, ntp_cpu, grd_cpu = [], [], [], []
    for dummy in range(RUNS):
        before = cpu_seconds()
        ntp.append(ntpdate(GOOD)[0])
        ntp_cpu.append(cpu_seconds() - before)
        before = cpu_seconds()
        elapsed, offset, rc, line = guard(GOOD, records)
        grd_cpu.append(cpu_seconds() - before)
        if rc != 0 or offset is None or abs(offset) > WRONG:
            raise SystemExit('guard in sync failed: rc %s: %s' % (rc, line))
        grd.append(elapsed)
    ratio = statistics.median(grd) / statistics.median(ntp)
    cpu_ratio = statistics.median(grd_cpu) / statistics.median(ntp_cpu)
    load = os.getloadavg()[0]
    print('1. in sync, 3 servers, %d runs each' % RUNS)
    print('   ntpdate -q (one answer)          median %7.1f ms (min %6.1f, max %6.1f)' % (median_ms(ntp), 1000 * min(ntp), 1000 * max(ntp)))
    print('   gotime-guard (majority of 3)     median %7.1f ms (min %6.1f, max %6.1f)' % (median_ms(grd), 1000 * min(grd), 1000 * max(grd)))
    print('   ratio guard / ntpdate            %.2fx wall (target <= 1.5x), %.2fx CPU (%.0f vs %.0f ms); load average %.1f'
          % (ratio, cpu_ratio, median_ms(grd_cpu), median_ms(ntp_cpu), load))
    return {'runs': RUNS, 'ntpdate_median_ms': median_ms(ntp), 'guard_median_ms': median_ms(grd), 'ratio': ratio,
            'ntpdate_cpu_ms': median_ms(ntp_cpu), 'guard_cpu_ms': median_ms(grd_cpu), 'cpu_ratio': cpu_ratio,
            'load_average': load}


def falseticker(records):
    servers = GOOD + [FAST]
    ntp_wrong = guard_wrong = guard_named = 0
    for dummy in range(FALSETICKER_RUNS):
        offset = ntpdate(servers)[1]
        if offset is None or abs(offset) > WRONG:
            ntp_wrong += 1
        elapsed, offset, rc, line = guard(servers, records)
        if rc != 0 or offset is None or abs(offset) > WRONG:
            guard_wrong += 1
        if 'falsetickers ignored: %s' % FAST in line:
            guard_named += 1
    print('2. three good servers and one at +300 s, %d runs each' % FALSETICKER_RUNS)
    print('   ntpdate -q reported the wrong time   %d of %d' % (ntp_wrong, FALSETICKER_RUNS))
    print('   gotime-guard reported the wrong time %d of %d (named %s the falseticker %d of %d)'
          % (guard_wrong, FALSETICKER_RUNS, FAST, guard_named, FALSETICKER_RUNS))
    return {'runs': FALSETICKER_RUNS, 'ntpdate_wrong': ntp_wrong, 'guard_wrong': guard_wrong,
            'guard_named_falseticker': guard_named}


def silent(records):
    ntp_elapsed = ntpdate(SILENT)[0]
    times = []
    for dummy in range(3):
        elapsed, offset, rc, line = guard(SILENT, records, '--timeout', '5', '--budget', str(BUDGET), '--on-no-source', 'fail')
        if rc != 2:
            raise SystemExit('guard on silent servers: expected exit 2, got %s: %s' % (rc, line))
        times.append(elapsed)
    print('3. three silent servers, guard --timeout 5 --budget %g, 3 runs' % BUDGET)
    print('   gotime-guard total                max %.2f s (target <= %.1f s)' % (max(times), BUDGET + 0.5))
    print('   ntpdate -q on the same servers    %.2f s' % ntp_elapsed)
    return {'budget': BUDGET, 'guard_max_s': max(times), 'ntpdate_s': ntp_elapsed}


def own_cost(records):
    stand_in = os.path.join(records, 'instant-ntp')
    with open(stand_in, 'w') as handle:
        handle.write('#!/bin/sh\n# stand-in NTP client: answers at once for the host it is given\n'
                     'echo "+0.000001 +/- 0.000100 $3"\n')
    os.chmod(stand_in, 0o755)
    times, cpu = [], []
    for dummy in range(RUNS):
        before = cpu_seconds()
        elapsed, offset, rc, line = guard(GOOD, records, '--tool', stand_in)
        cpu.append(cpu_seconds() - before)
        if rc != 0:
            raise SystemExit('guard with the stand-in client: rc %s: %s' % (rc, line))
        times.append(elapsed)
    print('4. gotime-guard itself (stand-in client that answers at once), %d runs' % RUNS)
    print('   median %7.1f ms wall, %5.1f ms CPU' % (median_ms(times), median_ms(cpu)))
    return {'runs': RUNS, 'median_ms': median_ms(times), 'cpu_ms': median_ms(cpu)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', help='also write the figures as JSON here')
    args = parser.parse_args()
    missing = ntp_lab.missing_tools()
    if missing:
        raise SystemExit('the lab cannot run: %s' % missing)
    if os.geteuid() != 0:
        raise SystemExit('run as root: the servers bind port 123')
    with open(LOCK, 'w') as lock, tempfile.TemporaryDirectory(prefix='gotime-bench-') as records:
        fcntl.flock(lock, fcntl.LOCK_EX)
        started, sockets = [], []
        try:
            for address in GOOD:
                started.append(ntp_lab.ChronyServer(address=address, port=123).start())
            started.append(ntp_lab.ChronyServer(address=FAST, port=123, skew='+300s').start())
            for address in SILENT:
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                sock.bind((address, 123))
                sockets.append(sock)
            figures = {'in_sync': in_sync(records), 'falseticker': falseticker(records), 'silent': silent(records),
                       'own_cost': own_cost(records)}
        finally:
            for sock in sockets:
                sock.close()
            for server in reversed(started):
                server.stop()
    write_figures(args.out, figures)


if __name__ == '__main__':
    main()
