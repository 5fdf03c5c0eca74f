"""A fleet of local-connection hosts pointed at lab services, so that every verdict of
clock_facts appears in one report run (tests/functional/test_report.py, bench/, demo).

Every host runs on this machine with its real clock; what differs is which lab servers each
host asks. A host whose NTP servers run 300 s ahead (chronyd under libfaketime) measures an
offset of +300 s: skewed. Add an endpoint whose certificate starts 100 s from now and that
host sees it "not yet valid" at host time but valid at true time: tls_window. Nothing here
steps or slews a clock; chronyd always runs with -x (ntp_lab.ChronyServer).

    with FleetLab(workdir, hosts=24) as lab:
        lab.inventory_path  # inventory (JSON is YAML); lab.expected[host] = (status, verdict, go_status)

The demo (no internet needed): start the lab, run playbooks/report.yml over it, print where the
report is, stop the lab (--keep waits for Ctrl-C so the report can be run again):

    .venv/bin/python tests/lab/fleet_lab.py [--workdir DIR] [--hosts 12] [--keep]
"""
import argparse
import datetime
import json
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from lab import ntp_lab, tls_lab  # noqa: E402  pylint: disable=wrong-import-position

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SKEW = 300
# (kind, expected status, expected verdict, expected go status); hosts cycle through KINDS.
KINDS = (
    ('ok', 'ok', 'ok', 'ok'),
    ('slow', 'ok', 'skewed', 'ok'),
    ('tls-slow', 'ok', 'tls_window', 'ok'),
    ('no-source', 'ok', 'no_time_source', 'ok'),
    ('fast', 'ok', 'skewed', 'ok'),
    ('falseticker', 'ok', 'ok', 'ok'),
    ('unreachable', 'unreachable', None, None),
    ('go-missing', 'ok', 'ok', 'not_installed'),
    ('tls-fast', 'ok', 'tls_window', 'ok'),
    ('https-date', 'ok', 'ok', 'ok'),
    ('failed', 'failed', None, None),
    ('go-insecure', 'ok', 'ok', 'ok'),
)


def closed_tcp_port():
    """A loopback TCP port nobody listens on (bound, not listening, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((ntp_lab.LOOPBACK, 0))
        return sock.getsockname()[1]


class FleetLab:
    """Lab services plus an inventory of hosts pointed at them."""

    def __init__(self, workdir, hosts=24, python=None, ntp_port=None, ntp_addresses=None):
        self.workdir = workdir
        self.count = hosts
        self.python = python or sys.executable
        self.services = []
        self.ca = None
        self.hosts = {}
        self.expected = {}
        self.inventory_path = os.path.join(workdir, 'inventory.json')
        self._ntp_port = ntp_port
        self._ntp_addresses = list(ntp_addresses or [])

    def _start(self, service):
        self.services.append(service)
        service.start()
        return service

    def _chrony(self, skew=None):
        address = self._ntp_addresses.pop(0) if self._ntp_addresses else ntp_lab.LOOPBACK
        return self._start(ntp_lab.ChronyServer(port=self._ntp_port, address=address, skew=skew))

    def start(self):
        os.makedirs(self.workdir, exist_ok=True)
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        day = datetime.timedelta(days=1)
        os.makedirs(os.path.join(self.workdir, 'ca'), exist_ok=True)
        self.ca = tls_lab.LabCA(os.path.join(self.workdir, 'ca'))
        good = [self._chrony() for dummy in range(3)]
        ahead = [self._chrony('+%ds' % SKEW) for dummy in range(3)]
        behind = [self._chrony('-%ds' % SKEW) for dummy in range(3)]
        dead = self._start(ntp_lab.DeadPort())
        valid = self._start(tls_lab.TLSServer(self.ca, 'valid'))
        # Valid at true time for hosts SKEW s slow (ahead servers), not yet valid at host time.
        starts_soon = self._start(tls_lab.TLSServer(self.ca, (now + datetime.timedelta(seconds=SKEW // 3), now + 30 * day)))
        # Valid at true time for hosts SKEW s fast (behind servers), expired at host time.
        just_ended = self._start(tls_lab.TLSServer(self.ca, (now - 30 * day, now - datetime.timedelta(seconds=SKEW // 3))))
        https_date = self._start(tls_lab.HTTPSDateServer(self.ca, skew=2.0))
        self.servers = {'good': good, 'ahead': ahead, 'behind': behind, 'dead': dead, 'valid': valid,
                        'starts_soon': starts_soon, 'just_ended': just_ended, 'https_date': https_date}
        self._write_inventory()
        return self

    def _host_vars(self, index, kind):
        s = self.servers
        labels = [x.label for x in s['good']]
        hv = {
            'ansible_connection': 'local',
            'ansible_python_interpreter': self.python,
            'gotime_clock_ntp_servers': labels,
            'gotime_clock_ntp_timeout': 1.0,
            'gotime_clock_https_date_urls': [],
            'gotime_clock_cert_endpoints': [s['valid'].endpoint],
            'gotime_clock_tls_timeout': 3.0,
            'gotime_clock_max_offset': 1.0,
        }
        if kind in ('slow', 'tls-slow'):
            hv['gotime_clock_ntp_servers'] = [x.label for x in s['ahead']]
        elif kind in ('fast', 'tls-fast'):
            hv['gotime_clock_ntp_servers'] = [x.label for x in s['behind']]
        if kind == 'tls-slow':
            hv['gotime_clock_cert_endpoints'] = [s['valid'].endpoint, s['starts_soon'].endpoint]
        elif kind == 'tls-fast':
            hv['gotime_clock_cert_endpoints'] = [s['just_ended'].endpoint]
        elif kind == 'falseticker':
            hv['gotime_clock_ntp_servers'] = labels[:2] + [s['ahead'][0].label]
        elif kind == 'no-source':
            hv['gotime_clock_ntp_servers'] = [s['dead'].label]
        elif kind == 'https-date':
            hv.update(gotime_clock_ntp_servers=[s['dead'].label], gotime_clock_https_date_urls=[s['https_date'].url],
                      gotime_clock_https_date_ca_file=self.ca.ca_pem_path, gotime_clock_max_offset=5.0)
        elif kind == 'unreachable':
            hv.update(ansible_connection='ssh', ansible_host=ntp_lab.LOOPBACK, ansible_port=closed_tcp_port(),
                      ansible_user='nobody', ansible_ssh_common_args='-o BatchMode=yes -o ConnectTimeout=3')
        elif kind == 'failed':
            hv['ansible_python_interpreter'] = '/nonexistent/python3'
        elif kind == 'go-missing':
            hv['gotime_go_binary'] = '/nonexistent/go'
        # Each host has a go env of its own (not this machine's root user's).
        home = os.path.join(self.workdir, 'home', 'host%03d' % index)
        goenv = os.path.join(home, 'go.env')
        os.makedirs(home, exist_ok=True)
        with open(goenv, 'w') as handle:
            handle.write('GOSUMDB=off\nGOFLAGS=-insecure\n' if kind == 'go-insecure' else '')
        hv['gotime_go_environment'] = {'HOME': home, 'GOENV': goenv, 'GOPATH': os.path.join(home, 'go'),
                                       'GOCACHE': os.path.join(home, 'cache')}
        return hv

    def _write_inventory(self):
        for index in range(self.count):
            kind, status, verdict, go_status = KINDS[index % len(KINDS)]
            name = 'agent%02d-%s' % (index, kind)
            self.hosts[name] = self._host_vars(index, kind)
            self.expected[name] = (status, verdict, go_status)
        with open(self.inventory_path, 'w') as handle:
            # JSON is YAML: the yaml inventory plugin reads it.
            json.dump({'all': {'hosts': self.hosts}}, handle, indent=2, sort_keys=True)

    def stop(self):
        for service in reversed(self.services):
            try:
                service.stop()
            except Exception:  # pylint: disable=broad-except
                pass
        self.services = []
        if self.ca is not None:
            self.ca.close()

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()


def run_report(workdir, inventory, report_dir, *extra_vars):
    """ansible-playbook playbooks/report.yml over inventory, with a fact cache of workdir's own."""
    bin_dir = os.path.dirname(os.path.abspath(sys.executable))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.cache', 'collections'),
               ANSIBLE_CACHE_PLUGIN_CONNECTION=os.path.join(workdir, 'facts'),
               ANSIBLE_HOME=os.path.join(workdir, 'ansible-home'), ANSIBLE_LOCAL_TEMP=os.path.join(workdir, 'ansible-tmp'))
    argv = [os.path.join(bin_dir, 'ansible-playbook'), '-i', inventory, os.path.join(ROOT, 'playbooks', 'report.yml'),
            '-e', 'gotime_report_dir=%s' % report_dir]
    for item in extra_vars:
        argv += ['-e', item]
    return subprocess.run(argv, env=env, cwd=ROOT, check=False).returncode


def main(argv=None):
    parser = argparse.ArgumentParser(description='Lab fleet demo: every verdict in one report, offline.')
    parser.add_argument('--workdir', default=os.path.join(ROOT, '.cache', 'demo'))
    parser.add_argument('--hosts', type=int, default=len(KINDS))
    parser.add_argument('--keep', action='store_true', help='keep the lab running until Ctrl-C')
    args = parser.parse_args(argv)
    missing = ntp_lab.missing_tools()
    if missing:
        sys.exit('fleet_lab: %s' % missing)
    workdir = os.path.abspath(args.workdir)
    report_dir = os.path.join(workdir, 'report')
    with FleetLab(workdir, args.hosts) as lab:
        rc = run_report(workdir, lab.inventory_path, report_dir)
        print('\nlab fleet: %d hosts, inventory %s' % (args.hosts, lab.inventory_path))
        print('report: %s' % os.path.join(report_dir, 'fleet-report.html'))
        if args.keep:
            print('lab running; again: ansible-playbook -i %s playbooks/report.yml -e gotime_report_dir=%s '
                  '(same ANSIBLE_* settings); Ctrl-C stops it' % (lab.inventory_path, report_dir))
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass
    return rc


if __name__ == '__main__':
    sys.exit(main())
