"""The fleet report from a shared Redis fact cache versus a jsonfile fact cache, for growing fleets.

    .venv/bin/python bench/report_cache_bench.py [--hosts 1000 10000] [--rounds 3] [--out FILE] [--baseline DIR]

For each fleet size, synthetic host records (tests/lab/fleet_synthetic.py: every state, a third of them
recorded by the agents themselves, a tenth older than the freshness limit) are written through Ansible's
own cache plugins into a jsonfile cache and into a real redis-server (our own, loopback, password). Then
`ansible-playbook playbooks/report.yml -e gotime_report_from_cache=true` renders every host of the
cache (lookup cifleet.gotime.fleet_records: the cache's keys, one read per host) with an inventory of
localhost only: wall time from start to end and the peak resident memory of the largest process
(ru_maxrss of the finished process tree), median over --rounds, Redis and jsonfile side by side, with
the growth from the smallest to the largest fleet. Targets: 10,000 hosts in at most 10 s and 1 GiB.

--baseline DIR: another checkout of the collection (e.g. `git worktree add /tmp/before <commit>` and
`scripts/bootstrap collection` there) renders the same caches in the same rounds, side by side: its
times, this checkout's speed-up over it, and whether both wrote the same bytes (both render at one
fixed report time, fleet_report_generated_at).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [os.path.join(ROOT, 'tests'), os.path.join(ROOT, '.cache', 'collections')]

from _figures import write_figures  # noqa: E402  pylint: disable=wrong-import-position
from lab import fleet_synthetic, redis_lab  # noqa: E402  pylint: disable=wrong-import-position
from support.ansible_env import ansible_env  # noqa: E402  pylint: disable=wrong-import-position

BIN = os.path.dirname(os.path.abspath(sys.executable))
TARGET_SECONDS = 10.0
TARGET_BYTES = 1 << 30
MAX_AGE = 7200

# Writes records through Ansible's cache plugin for the configured fact cache (ANSIBLE_CACHE_PLUGIN*).
SEED = '''
import json, sys
from ansible.plugins.loader import cache_loader, init_plugin_loader
from ansible import constants as C
init_plugin_loader()
cache = cache_loader.get(C.CACHE_PLUGIN)
for host, record in json.load(sys.stdin).items():
    cache.set(host, {"gotime_report": record})
'''

# Runs argv and prints its wall time, the peak RSS (KiB) of the largest process of its tree and the tree's CPU seconds.
MEASURE = '''
import resource, subprocess, sys, time
started = time.monotonic()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
elapsed = time.monotonic() - started
if proc.returncode:
    sys.exit(proc.stdout[-4000:])
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(elapsed, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)
'''


def records(count):
    from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report_record
    now = time.time()

    def measured_at(index):
        # One host in ten measured three hours ago (stale at MAX_AGE), the others within the last half hour.
        return now - (3 * 3600 if index % 10 == 9 else (index % 1800))
    return fleet_synthetic.records(count, _fleet_report_record.make_record, measured_at=measured_at)


def cache_env(workdir, kind, redis):
    if kind == 'redis':
        return ansible_env(workdir, ANSIBLE_CACHE_PLUGIN='community.general.redis', ANSIBLE_CACHE_PLUGIN_CONNECTION=redis.connection,
                           ANSIBLE_CACHE_PLUGIN_PREFIX='bench%s_' % os.path.basename(workdir), ANSIBLE_CACHE_PLUGIN_TIMEOUT='0')
    return ansible_env(workdir, ANSIBLE_CACHE_PLUGIN='ansible.builtin.jsonfile', ANSIBLE_CACHE_PLUGIN_TIMEOUT='0')


def seed(env, data):
    started = time.monotonic()
    subprocess.run([sys.executable, '-c', SEED], input=json.dumps(data), env=env, text=True, check=True, timeout=1800)
    return time.monotonic() - started


def checkout_env(env, checkout):
    """env for running checkout's playbooks (its ansible.cfg and collection), the same fact cache settings."""
    return dict(env, ANSIBLE_CONFIG=os.path.join(checkout, 'ansible.cfg'),
                ANSIBLE_COLLECTIONS_PATH=os.path.join(checkout, '.cache', 'collections'))


def report(env, workdir, inventory, checkout=ROOT, generated_at=None):
    report_dir = os.path.join(workdir, 'report' if checkout == ROOT else 'report-baseline')
    argv = [os.path.join(BIN, 'ansible-playbook'), '-i', inventory, os.path.join(checkout, 'playbooks', 'report.yml'),
            '-e', 'gotime_report_from_cache=true', '-e', 'gotime_report_max_age=%d' % MAX_AGE,
            '-e', 'gotime_report_dir=%s' % report_dir]
    if generated_at:
        argv += ['-e', 'fleet_report_generated_at=%s' % generated_at]
    proc = subprocess.run([sys.executable, '-c', MEASURE] + argv, env=checkout_env(env, checkout), cwd=checkout,
                          capture_output=True, text=True, check=False, timeout=1800)
    if proc.returncode:
        raise RuntimeError('report.yml of %s failed: %s' % (checkout, proc.stderr[-3000:]))
    elapsed, peak_kib, cpu = proc.stdout.split()
    with open(os.path.join(report_dir, 'fleet-report.json')) as handle:
        doc = json.load(handle)
    return float(elapsed), int(peak_kib) * 1024, float(cpu), doc


def same_files(workdir):
    """Whether this checkout and the baseline wrote the same bytes into each report file."""
    for name in ('fleet-report.json', 'fleet-report.csv', 'fleet-report.html', 'fleet-report.prom'):
        with open(os.path.join(workdir, 'report', name), 'rb') as ours, open(os.path.join(workdir, 'report-baseline', name), 'rb') as theirs:
            if ours.read() != theirs.read():
                return False
    return True


def bench(count, rounds, redis, top, baseline=None):
    data = records(count)
    inventory = os.path.join(top, 'empty.json')
    with open(inventory, 'w') as handle:
        json.dump({'all': {'hosts': {}}}, handle)  # no inventory host: the implicit localhost renders
    row = {'hosts': count}
    for kind in ('redis', 'jsonfile'):
        workdir = os.path.join(top, '%s%d' % (kind, count))
        env = cache_env(workdir, kind, redis)
        row['%s_seed_seconds' % kind] = round(seed(env, data), 2)
        walls, peaks, cpus = [], [], []
        before = {'walls': [], 'peaks': [], 'cpus': []}
        for dummy in range(rounds):
            generated_at = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()) if baseline else None
            wall, peak, cpu, doc = report(env, workdir, inventory, generated_at=generated_at)
            walls.append(wall)
            peaks.append(peak)
            cpus.append(cpu)
            if baseline:
                wall, peak, cpu, dummy_doc = report(env, workdir, inventory, baseline, generated_at)
                before['walls'].append(wall)
                before['peaks'].append(peak)
                before['cpus'].append(cpu)
                row['%s_same_output' % kind] = row.get('%s_same_output' % kind, True) and same_files(workdir)
        if baseline:
            row['%s_baseline_seconds' % kind] = round(statistics.median(before['walls']), 2)
            row['%s_baseline_cpu_seconds' % kind] = round(statistics.median(before['cpus']), 2)
            row['%s_baseline_peak_mib' % kind] = round(max(before['peaks']) / 1048576.0, 1)
        hosts = doc['summary']['hosts']
        stale = len(doc['summary']['stale'])
        if hosts != count or stale != count // 10 or doc['source']['cache_hosts'] != count:
            raise RuntimeError('%s: the report has %d hosts (%d stale, %d from the cache), expected %d (%d stale)' % (
                kind, hosts, stale, doc['source']['cache_hosts'], count, count // 10))
        row['%s_seconds' % kind] = round(statistics.median(walls), 2)
        # CPU seconds of the whole process tree: what the wall time would be on an idle core, near enough.
        row['%s_cpu_seconds' % kind] = round(statistics.median(cpus), 2)
        row['%s_peak_mib' % kind] = round(max(peaks) / 1048576.0, 1)
        row['%s_origins' % kind] = doc['summary']['origins']
    if baseline:
        for kind in ('redis', 'jsonfile'):
            row['%s_speedup' % kind] = round(row['%s_baseline_seconds' % kind] / row['%s_seconds' % kind], 2)
            row['%s_cpu_speedup' % kind] = round(row['%s_baseline_cpu_seconds' % kind] / row['%s_cpu_seconds' % kind], 2)
    row['redis_vs_jsonfile_seconds'] = round(row['redis_seconds'] / row['jsonfile_seconds'], 2)
    row['redis_vs_jsonfile_memory'] = round(row['redis_peak_mib'] / row['jsonfile_peak_mib'], 2)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--hosts', type=int, nargs='+', default=[1000, 10000])
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--out', help='also write the figures as JSON to this file')
    parser.add_argument('--baseline', help='another checkout (its .cache/collections set up) to render the same caches, side by side')
    args = parser.parse_args()
    missing = redis_lab.missing_tools()
    if missing:
        sys.exit('report_cache_bench: %s' % missing)
    top = tempfile.mkdtemp(prefix='gotime-report-cache-bench-')
    rows = []
    with redis_lab.RedisServer(workdir=os.path.join(top, 'redis')) as redis:
        for count in sorted(args.hosts):
            rows.append(bench(count, args.rounds, redis, top, args.baseline and os.path.abspath(args.baseline)))
            print('%(hosts)6d hosts  redis %(redis_seconds)6.2f s (cpu %(redis_cpu_seconds)6.2f s) %(redis_peak_mib)7.1f MiB   '
                  'jsonfile %(jsonfile_seconds)6.2f s (cpu %(jsonfile_cpu_seconds)6.2f s) %(jsonfile_peak_mib)7.1f MiB   '
                  'redis/jsonfile time %(redis_vs_jsonfile_seconds).2f memory %(redis_vs_jsonfile_memory).2f' % rows[-1], flush=True)
            if args.baseline:
                print('%(hosts)6d hosts  baseline: redis %(redis_baseline_seconds)6.2f s (cpu %(redis_baseline_cpu_seconds)6.2f s) '
                      '%(redis_baseline_peak_mib)7.1f MiB   jsonfile %(jsonfile_baseline_seconds)6.2f s (cpu %(jsonfile_baseline_cpu_seconds)6.2f s) '
                      '%(jsonfile_baseline_peak_mib)7.1f MiB   speed-up redis x%(redis_speedup).2f (cpu x%(redis_cpu_speedup).2f) '
                      'jsonfile x%(jsonfile_speedup).2f (cpu x%(jsonfile_cpu_speedup).2f)   same output: redis %(redis_same_output)s '
                      'jsonfile %(jsonfile_same_output)s' % rows[-1], flush=True)
    result = {'rows': rows, 'rounds': args.rounds, 'targets': {'seconds': TARGET_SECONDS, 'mib': TARGET_BYTES / 1048576.0},
              'baseline': args.baseline}
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        scale = last['hosts'] / float(first['hosts'])
        result['growth'] = dict(('%s_%s' % (kind, what), round(last['%s_%s' % (kind, what)] / first['%s_%s' % (kind, what)], 2))
                                for kind in ('redis', 'jsonfile') for what in ('seconds', 'peak_mib'))
        result['growth']['hosts'] = scale
        print('growth %dx hosts: redis time x%.2f memory x%.2f, jsonfile time x%.2f memory x%.2f' % (
            scale, result['growth']['redis_seconds'], result['growth']['redis_peak_mib'], result['growth']['jsonfile_seconds'],
            result['growth']['jsonfile_peak_mib']))
    largest = rows[-1]
    for kind in ('redis', 'jsonfile'):
        verdict = 'within' if (largest['%s_seconds' % kind] <= TARGET_SECONDS and
                               largest['%s_peak_mib' % kind] * 1048576 <= TARGET_BYTES) else 'OVER'
        print('%s, %d hosts: %s the target (%.0f s, %.0f MiB)' % (kind, largest['hosts'], verdict, TARGET_SECONDS, TARGET_BYTES / 1048576.0))
    write_figures(args.out, result)


if __name__ == '__main__':
    main()
