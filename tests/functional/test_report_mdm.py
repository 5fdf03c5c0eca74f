"""Issue 12, the fleet report part: which hosts an MDM profile manages, the profile's time server and whether it
is the fleet's, through playbooks/report.yml into every output (JSON with its schema, CSV, HTML, Prometheus
checked by promtool), and the fleet's servers recorded from the timesync variables by playbooks/tasks/measure.yml.

No Mac here: managed settings come from synthetic clock_facts records (tests/lab/fleet_synthetic.py, shaped as
docs/facts.md's host_sync.mdm) seeded through Ansible's own jsonfile cache plugin. The recording test measures
this machine for real against a closed loopback port (no time source, fast) and reads the record back.
"""
import csv
import json
import os
import shutil
import subprocess
import sys

import jsonschema
import pytest

from support.ansible_env import ansible_env

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(os.path.abspath(sys.executable))
SCHEMA_PATH = os.path.join(ROOT, 'roles', 'fleet_report', 'files', 'fleet-report.schema.json')
HOSTS = 48  # the four MDM cases on the macOS hosts 8, 20, 32 and 44

SEED = '''
import json, sys
sys.path.insert(0, sys.argv[1])
from ansible.plugins.loader import cache_loader, init_plugin_loader
init_plugin_loader()
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report_record as fr
from lab import fleet_synthetic as fs
cache = cache_loader.get("ansible.builtin.jsonfile")
for host, record in fs.records(int(sys.argv[2]), fr.make_record).items():
    cache.set(host, {"gotime_report": record})
'''

# Every record of the configured fact cache, read through Ansible's cache plugin as the report reads it.
READ = '''
import json
from ansible.plugins.loader import init_plugin_loader
init_plugin_loader()
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fact_cache
print(json.dumps(_fact_cache.read_records(_fact_cache.FactCache())))
'''


def playbook(env, inventory, *extra):
    argv = [os.path.join(BIN, 'ansible-playbook'), '-i', inventory, os.path.join(ROOT, 'playbooks', 'report.yml')]
    for item in extra:
        argv += ['-e', item]
    proc = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    return proc


def write_json(path, data):
    with open(path, 'w') as handle:
        json.dump(data, handle)
    return path


@pytest.fixture(scope='module')
def report(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp('report-mdm'))
    env = ansible_env(workdir, ANSIBLE_CACHE_PLUGIN='ansible.builtin.jsonfile', ANSIBLE_CACHE_PLUGIN_TIMEOUT='0')
    subprocess.run([sys.executable, '-c', SEED, os.path.join(ROOT, 'tests'), str(HOSTS)], env=env, check=True, timeout=300)
    report_dir = os.path.join(workdir, 'report')
    playbook(env, write_json(os.path.join(workdir, 'none.json'), {'all': {'hosts': {}}}), 'gotime_report_from_cache=true',
             'gotime_report_dir=%s' % report_dir, 'gotime_report_max_age=999999999')
    texts = {}
    for name in os.listdir(report_dir):
        with open(os.path.join(report_dir, name), encoding='utf-8') as handle:
            texts[name.split('.', 1)[1]] = handle.read()
    return texts


def test_json_has_the_managed_hosts_and_validates(report):
    with open(SCHEMA_PATH) as handle:
        validator = jsonschema.Draft202012Validator(json.load(handle))
    doc = json.loads(report['json'])
    assert [(list(e.absolute_path), e.message) for e in validator.iter_errors(doc)] == []
    mdm = dict((e['host'], e['mdm']) for e in doc['hosts'] if e['mdm'])
    assert dict((h, (m['state'], m['time_server'], m['agrees'])) for h, m in mdm.items()) == {
        'agent-0008': ('managed_disagrees', 'time.apple.com', False), 'agent-0020': ('managed_agrees', 'ntp.corp.example', True),
        'agent-0032': ('unreadable', None, None), 'agent-0044': ('unmanaged', None, None)}
    assert mdm['agent-0008']['fleet_servers'] == ['ntp.corp.example', 'time.apple.com']
    assert doc['summary']['mdm'] == {'managed_disagrees': 1, 'unreadable': 1, 'managed': 0, 'managed_agrees': 1, 'unmanaged': 1}
    assert [d['host'] for d in doc['summary']['mdm_disagrees']] == ['agent-0008']


def test_csv_has_the_managed_columns(report):
    rows = dict((r['host'], r) for r in csv.DictReader(report['csv'].splitlines()))
    assert [(rows[h]['mdm_state'], rows[h]['mdm_time_server'], rows[h]['fleet_time_servers'])
            for h in ('agent-0008', 'agent-0020', 'agent-0000')] == [
        ('managed_disagrees', 'time.apple.com', 'ntp.corp.example time.apple.com'),
        ('managed_agrees', 'ntp.corp.example', 'ntp.corp.example'), ('', '', '')]


def test_html_marks_the_disagreeing_host(report):
    page = report['html']
    assert page.count('data-mdm="managed_disagrees"') == 3  # its badge in the hosts table, its row in the MDM table, the card
    assert '<div class="card bad" data-mdm="managed_disagrees">' in page and 'MDM: other server' in page


def test_promtool_accepts_the_managed_metrics(report):
    promtool = shutil.which('promtool')
    if promtool is None:
        pytest.fail('promtool is not installed (Debian package prometheus)')
    text = report['prom']
    assert 'gotime_host_mdm_time_server_agrees{fleet_server="ntp.corp.example",host="agent-0008",time_server="time.apple.com"} 0' in text
    assert 'gotime_fleet_mdm_hosts{state="managed_disagrees"} 1' in text
    proc = subprocess.run([promtool, 'check', 'metrics'], input=text.encode('utf-8'), capture_output=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()


def test_measure_records_the_fleet_servers_from_the_timesync_variables(tmp_path):
    # Two names for this machine, measured for real: NTP against a closed loopback port (no time source), no TLS.
    measure = {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable,
               'gotime_clock_ntp_servers': ['127.0.0.1:9'], 'gotime_clock_ntp_timeout': 0.5, 'gotime_clock_samples': 1,
               'gotime_clock_cert_endpoints': [], 'gotime_clock_https_date_urls': []}
    inventory = write_json(str(tmp_path / 'inv.json'), {'all': {'hosts': {
        'with-timesync': dict(measure, timesync_servers=['ntp.corp.example'], timesync_pools=['time.apple.com']),
        'with-override': dict(measure, timesync_servers=['ntp.corp.example'], gotime_report_time_servers=['ntp9.corp.example']),
        'without': measure}}})
    playbook(ansible_env(str(tmp_path)), inventory, 'gotime_report_dir=%s' % (tmp_path / 'report'))
    env = ansible_env(str(tmp_path))
    proc = subprocess.run([sys.executable, '-c', READ], env=env, capture_output=True, text=True, check=True, timeout=120)
    records = json.loads(proc.stdout)
    assert sorted(records) == ['with-override', 'with-timesync', 'without']
    recorded = {}
    for host, record in records.items():
        assert record['record_version'] == 3 and record['clock']['verdict'] == 'no_time_source'
        recorded[host] = record['time_servers']
    assert recorded == {'with-timesync': ['ntp.corp.example', 'time.apple.com'], 'with-override': ['ntp9.corp.example'],
                        'without': None}
