"""`make report` on a fresh copy installs only what the report needs, then writes the report.

A real run: a clean copy of the checkout inside a 0700 directory (a fresh clone under a home
directory), its own .venv made by scripts/bootstrap from the package index, and the report
playbook against a real chronyd on loopback, through `make report INVENTORY=...`.
"""
import json
import os
import subprocess
import sys
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# jmespath: only the unit test's oracle of the report's summaries (requirements-dev.txt).
TEST_TOOL_CHAIN = {'molecule', 'ansible-lint', 'ansible-builder', 'ansible', 'pytest', 'molecule-plugins', 'jmespath'}
REPORT_NEEDS = {'ansible-core', 'ntplib', 'cryptography'}


def fresh_env():
    """The caller's environment without the test tool chain's venv or Ansible settings."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(('ANSIBLE_', 'VIRTUAL_ENV', 'PYTEST', 'MAKE', 'MFLAGS'))}
    env['PATH'] = os.pathsep.join(part for part in env.get('PATH', os.defpath).split(os.pathsep)
                                  if not part.rstrip('/').endswith('.venv/bin'))
    return env


@pytest.fixture(scope='module')
def copy(tmp_path_factory):
    home = tmp_path_factory.mktemp('home')
    home.chmod(0o700)
    dest = home / 'gotime'
    subprocess.run([os.path.join(ROOT, 'scripts', 'bootstrap'), 'clean-copy', str(dest)], check=True)
    start = time.monotonic()
    setup = subprocess.run(['make', '-s', 'setup'], cwd=str(dest), env=fresh_env(), check=False,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert setup.returncode == 0, setup.stdout
    sys.stderr.write('make setup (report tool chain) on a fresh copy: %.1f s\n' % (time.monotonic() - start))
    return dest


def installed(copy):
    listing = subprocess.run([str(copy / '.venv' / 'bin' / 'pip'), 'list', '--format=json',
                              '--disable-pip-version-check'],
                             check=True, stdout=subprocess.PIPE, universal_newlines=True).stdout
    return {package['name'].lower() for package in json.loads(listing)}


def test_setup_installs_the_report_needs_and_no_test_tool_chain(copy):
    names = installed(copy)
    assert REPORT_NEEDS <= names
    assert not TEST_TOOL_CHAIN & names
    stamp = (copy / '.venv' / '.requirements.sha256').read_text()
    assert stamp.startswith('report:')


def test_make_report_against_a_given_inventory(copy, tmp_path):
    from lab import ntp_lab
    missing = ntp_lab.missing_tools()
    if missing:
        pytest.fail('the lab cannot run: %s; run `make setup-test` as root' % missing)
    with ntp_lab.ChronyServer() as server:
        inventory = tmp_path / 'fleet.yml'
        inventory.write_text(json.dumps({'all': {'hosts': {'agent-1': {
            'ansible_connection': 'local',
            'ansible_python_interpreter': str(copy / '.venv' / 'bin' / 'python'),
            'gotime_clock_ntp_servers': [server.label],
            'gotime_clock_https_date_urls': [],
            'gotime_clock_cert_endpoints': [],
        }}}}))
        reports = tmp_path / 'reports'
        result = subprocess.run(['make', '-s', 'report', 'INVENTORY=%s' % inventory, 'REPORT_DIR=%s' % reports],
                                cwd=str(copy), env=fresh_env(), check=False, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, universal_newlines=True)
    assert result.returncode == 0, result.stdout
    with open(str(reports / 'fleet-report.json')) as handle:
        report = json.load(handle)
    hosts = {host['host']: host for host in report['hosts']}
    assert list(hosts) == ['agent-1']
    assert hosts['agent-1']['verdict'] == 'ok'
    assert {path.name for path in reports.iterdir()} >= {
        'fleet-report.json', 'fleet-report.csv', 'fleet-report.html', 'fleet-report.prom'}
    # The report run did not pull the test tool chain in after all.
    assert not TEST_TOOL_CHAIN & installed(copy)
