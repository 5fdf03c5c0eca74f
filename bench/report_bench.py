"""playbooks/report.yml versus a shell runbook (bench/runbook_shell.yml) on the same lab hosts, and the
fleet report's render time for 1,000 hosts.

    .venv/bin/python bench/report_bench.py [--hosts 50] [--rounds 3] [--render-hosts 1000] [--out FILE]

Lab (tests/lab): three real chronyd on 127.77.N.2-4 port 123 (ntpdate and sntp speak to no other port;
needs root; chronyd -x never touches the clock) and two TLS endpoints. Every host is a local connection
on this machine with its own HOME for go. Both playbooks run with the same forks (ansible.cfg) and the
ansible.posix.json callback, which gives per host and per task what ran:

- tasks per host: tasks that ran on the host (not skipped), not counting tasks delegated to the controller;
- module executions per host: module runs on the host (each loop item counts; set_fact, debug and assert
  run on the controller and do not count);
- controller tasks: run_once or delegated tasks (the report rendering), once per run.

Wall time is the median over --rounds runs, alternating which playbook goes first.
"""
import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [os.path.join(ROOT, 'tests'), os.path.join(ROOT, '.cache', 'collections')]

from _figures import write_figures  # noqa: E402  pylint: disable=wrong-import-position
from lab import fleet_synthetic, ntp_lab, tls_lab  # noqa: E402  pylint: disable=wrong-import-position
from support.ansible_env import ansible_env as support_env  # noqa: E402  pylint: disable=wrong-import-position

BIN = os.path.dirname(os.path.abspath(sys.executable))
CONTROLLER_ACTIONS = {
    'set_fact', 'debug', 'assert', 'fail', 'meta', 'validate_argument_spec', 'include_role', 'import_role', 'include_tasks',
    'import_tasks', 'add_host', 'group_by', 'set_stats', 'include_vars',
}


def free_loopback_triplet():
    """Three addresses 127.77.N.2-4 whose UDP port 123 is free (other benchmarks may hold others)."""
    for dummy in range(50):
        net = random.randint(1, 254)
        addresses = ['127.77.%d.%d' % (net, last) for last in (2, 3, 4)]
        try:
            for address in addresses:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                    sock.bind((address, 123))
            return addresses
        except OSError:
            continue
    raise RuntimeError('no free 127.77.N.2-4 triplet with UDP port 123')


def ansible_env(workdir):
    return support_env(workdir, ANSIBLE_STDOUT_CALLBACK='ansible.posix.json')


def run_playbook(workdir, inventory, playbook, *extra):
    argv = [os.path.join(BIN, 'ansible-playbook'), '-i', inventory, playbook]
    for item in extra:
        argv += ['-e', item]
    started = time.monotonic()
    proc = subprocess.run(argv, env=ansible_env(workdir), cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        raise RuntimeError('%s failed (rc %d): %s %s' % (playbook, proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:]))
    return elapsed, json.loads(proc.stdout)


def count(result_json, hosts):
    """Per-host tasks and module executions, and controller tasks, from the ansible.posix.json output."""
    tasks = dict((h, 0) for h in hosts)
    executions = dict((h, 0) for h in hosts)
    controller = 0
    for play in result_json['plays']:
        for task in play['tasks']:
            ran = dict((h, r) for h, r in task['hosts'].items() if not r.get('skipped'))
            # run_once tasks (the report rendering) ran for one host of many: once per fleet, on the controller.
            if len(ran) == 1 and len(hosts) > 1:
                controller += 1
                continue
            for host, result in ran.items():
                action = result.get('action', '').rsplit('.', 1)[-1]
                if '_ansible_delegated_vars' in result:
                    controller += 1
                    continue
                if host not in tasks:
                    continue
                tasks[host] += 1
                if action in CONTROLLER_ACTIONS:
                    continue
                items = result.get('results')
                executions[host] += len([i for i in items if not i.get('skipped')]) if isinstance(items, list) else 1
    return tasks, executions, controller


def one_value(per_host):
    values = sorted(set(per_host.values()))
    return values[0] if len(values) == 1 else '%s..%s' % (values[0], values[-1])


def render_times(hosts, rounds):
    from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report, _fleet_report_html, _fleet_report_record
    records = fleet_synthetic.records(hosts, _fleet_report_record.make_record)
    timings = []
    for dummy in range(rounds):
        started = time.perf_counter()
        doc = _fleet_report.build(records)
        size = sum(len(render(doc)) for render in (_fleet_report.RENDERERS['json'], _fleet_report.RENDERERS['csv'],
                                                   _fleet_report.RENDERERS['prometheus'], _fleet_report_html.render_html))
        timings.append(time.perf_counter() - started)
    return records, statistics.median(timings), size


def render_from_cache(workdir, records, rounds):
    """report.yml -e gotime_report_from_cache=true over a fact cache seeded with records (no host contacted)."""
    script = ('import json, sys\nfrom ansible import constants as C\nfrom ansible.plugins.loader import cache_loader\n'
              'cache = cache_loader.get(C.CACHE_PLUGIN)\n'
              'for host, record in json.load(sys.stdin).items():\n    cache.set(host, {"gotime_report": record})\n')
    subprocess.run([sys.executable, '-c', script], input=json.dumps(records), env=ansible_env(workdir), text=True, check=True)
    inventory = os.path.join(workdir, 'synthetic.json')
    with open(inventory, 'w') as handle:
        json.dump({'all': {'hosts': dict((h, {'ansible_connection': 'local'}) for h in records)}}, handle)
    timings = [run_playbook(workdir, inventory, os.path.join(ROOT, 'playbooks', 'report.yml'), 'gotime_report_from_cache=true',
                            'gotime_report_dir=%s' % os.path.join(workdir, 'report-synthetic'))[0] for dummy in range(rounds)]
    return statistics.median(timings)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--hosts', type=int, default=50)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--render-hosts', type=int, default=1000)
    parser.add_argument('--out', help='also write the figures as JSON to this file')
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit('report_bench: needs root (chronyd on port 123 for ntpdate)')
    missing = ntp_lab.missing_tools(skewed=False)
    if missing:
        sys.exit('report_bench: %s' % missing)

    workdir = tempfile.mkdtemp(prefix='gotime-report-bench-')
    services = []
    try:
        addresses = free_loopback_triplet()
        for address in addresses:
            services.append(ntp_lab.ChronyServer(port=123, address=address).start())
        ca = tls_lab.LabCA()
        services.append(ca)
        endpoints = []
        for dummy in range(2):
            server = tls_lab.TLSServer(ca, 'valid')
            server.start()
            services.append(server)
            endpoints.append(server.endpoint)

        hosts = {}
        for index in range(args.hosts):
            home = os.path.join(workdir, 'home', 'h%03d' % index)
            os.makedirs(home)
            go_environment = {'HOME': home, 'GOENV': os.path.join(home, 'go.env'), 'GOCACHE': os.path.join(home, 'cache')}
            hosts['bench%03d' % index] = {
                'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable,
                'gotime_clock_ntp_servers': addresses, 'gotime_clock_https_date_urls': [], 'gotime_clock_cert_endpoints': endpoints,
                'gotime_go_environment': go_environment,
                'bench_ntp_servers': addresses, 'bench_cert_endpoints': endpoints, 'bench_go_environment': go_environment,
            }
        inventory = os.path.join(workdir, 'inventory.json')
        with open(inventory, 'w') as handle:
            json.dump({'all': {'hosts': hosts}}, handle)

        playbooks = {
            'report.yml': (os.path.join(ROOT, 'playbooks', 'report.yml'), ['gotime_report_dir=%s' % os.path.join(workdir, 'report')]),
            'shell runbook': (os.path.join(HERE, 'runbook_shell.yml'), []),
        }
        walls = dict((name, []) for name in playbooks)
        counts = {}
        for round_index in range(args.rounds):
            order = list(playbooks) if round_index % 2 == 0 else list(reversed(list(playbooks)))
            for name in order:
                path, extra = playbooks[name]
                elapsed, output = run_playbook(workdir, inventory, path, *extra)
                walls[name].append(elapsed)
                counts[name] = count(output, hosts)
        figures = {'hosts': args.hosts, 'rounds': args.rounds, 'forks': 'ansible.cfg', 'playbooks': {}}
        for name in playbooks:
            tasks, executions, controller = counts[name]
            figures['playbooks'][name] = {
                'wall_seconds_median': round(statistics.median(walls[name]), 2),
                'wall_seconds': [round(w, 2) for w in walls[name]],
                'tasks_per_host': one_value(tasks),
                'module_executions_per_host': one_value(executions),
                'controller_tasks': controller,
            }
        ours, theirs = figures['playbooks']['report.yml'], figures['playbooks']['shell runbook']
        figures['ratios'] = {
            'wall_time': round(ours['wall_seconds_median'] / theirs['wall_seconds_median'], 2),
            'tasks_per_host': round(float(ours['tasks_per_host']) / float(theirs['tasks_per_host']), 2),
            'module_executions_per_host': round(float(ours['module_executions_per_host']) / float(theirs['module_executions_per_host']), 2),
        }
    finally:
        for service in reversed(services):
            try:
                service.stop() if hasattr(service, 'stop') else service.close()
            except Exception:  # pylint: disable=broad-except
                pass

    records, render_seconds, size = render_times(args.render_hosts, 5)
    figures['render'] = {'hosts': args.render_hosts, 'python_render_seconds_median': round(render_seconds, 3), 'bytes': size,
                         'report_yml_from_cache_seconds_median': round(render_from_cache(workdir, records, args.rounds), 2)}
    try:
        figures['load_average'] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass

    print('hosts: %d, rounds: %d (median wall time)' % (args.hosts, args.rounds))
    print('%-15s %10s %16s %26s %17s' % ('playbook', 'wall (s)', 'tasks per host', 'module executions per host', 'controller tasks'))
    for name, row in figures['playbooks'].items():
        print('%-15s %10.2f %16s %26s %17s' % (name, row['wall_seconds_median'], row['tasks_per_host'],
                                               row['module_executions_per_host'], row['controller_tasks']))
    print('ratios report.yml / shell runbook: wall %.2f, tasks %.2f, module executions %.2f' % (
        figures['ratios']['wall_time'], figures['ratios']['tasks_per_host'], figures['ratios']['module_executions_per_host']))
    print('render %d hosts: %.3f s in Python (document + 4 formats, %d bytes); report.yml from the fact cache: %.2f s wall' % (
        args.render_hosts, figures['render']['python_render_seconds_median'], size, figures['render']['report_yml_from_cache_seconds_median']))
    write_figures(args.out, figures)
    subprocess.run(['rm', '-rf', workdir], check=False)
    return 0


if __name__ == '__main__':
    sys.exit(main())
