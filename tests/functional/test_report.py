"""playbooks/report.yml and the fleet_report role against a lab fleet (issue 5, acceptance 1, 2, 3 and 5).

The fleet (tests/lab/fleet_lab.py) is 24 local-connection hosts, each pointed at different lab
services (real chronyd, skewed ones under libfaketime, TLS servers with chosen certificate windows),
plus one unreachable (ssh to a closed port) and one failing (no python) host per 12, so that every
verdict and every collection status appears. Nothing steps or slews this machine's clock.
"""
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import time

import jsonschema
import pytest

from support.ansible_env import ansible_env as support_env
from support.html_page import Page
from support.lab_checks import running
from support.report_doc import without_render_time

from lab import fleet_lab, fleet_synthetic, ntp_lab

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(os.path.abspath(sys.executable))
PLAYBOOK = os.path.join(ROOT, 'playbooks', 'report.yml')
SCHEMA_PATH = os.path.join(ROOT, 'roles', 'fleet_report', 'files', 'fleet-report.schema.json')
HOSTS = 24
OUTPUTS = ('fleet-report.json', 'fleet-report.csv', 'fleet-report.html', 'fleet-report.prom', 'fleet-report.schema.json')


def ansible_env(workdir, forks=HOSTS + 1):
    return support_env(workdir, ANSIBLE_FORKS=str(forks), ANSIBLE_HOST_KEY_CHECKING='False')


def run_report(workdir, inventory, report_dir, *extra):
    argv = [os.path.join(BIN, 'ansible-playbook'), '-i', inventory, PLAYBOOK, '-e', 'gotime_report_dir=%s' % report_dir]
    for item in extra:
        argv += ['-e', item]
    started = time.monotonic()
    proc = subprocess.run(argv, env=ansible_env(workdir), cwd=ROOT, capture_output=True, text=True, timeout=900, check=False)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    return proc, elapsed


def load_json(path):
    with open(path) as handle:
        return json.load(handle)


@pytest.fixture(scope='module')
def validator():
    return jsonschema.Draft202012Validator(load_json(SCHEMA_PATH))


@pytest.fixture(scope='module')
def fleet(tmp_path_factory):
    yield from running(ntp_lab.missing_tools(), fleet_lab.FleetLab, str(tmp_path_factory.mktemp('fleet-lab')), HOSTS,
                       python=sys.executable)


@pytest.fixture(scope='module')
def live(fleet, tmp_path_factory):
    """One live report.yml run over the lab fleet."""
    workdir = str(tmp_path_factory.mktemp('report-live'))
    report_dir = os.path.join(workdir, 'report')
    proc, elapsed = run_report(workdir, fleet.inventory_path, report_dir)
    print('report.yml live over %d lab hosts: %.1f s' % (HOSTS, elapsed))
    return {'workdir': workdir, 'dir': report_dir, 'stdout': proc.stdout, 'doc': load_json(os.path.join(report_dir, OUTPUTS[0]))}


# ---------------------------------------------------------------- acceptance 1

def test_live_run_writes_every_output_and_prints_where(live):
    for name in OUTPUTS:
        path = os.path.join(live['dir'], name)
        assert os.path.getsize(path) > 0, path
        if name != 'fleet-report.schema.json':
            assert path in live['stdout']  # the closing debug task names each file
    with open(os.path.join(live['dir'], 'fleet-report.schema.json')) as shipped, open(SCHEMA_PATH) as source:
        assert shipped.read() == source.read()


def test_json_validates_against_the_shipped_schema(live, validator):
    errors = [(list(e.absolute_path), e.message) for e in validator.iter_errors(live['doc'])]
    assert errors == []
    assert live['doc']['format'] == 'cifleet.gotime.fleet_report'


def test_every_host_has_its_expected_state(live, fleet):
    hosts = dict((entry['host'], entry) for entry in live['doc']['hosts'])
    assert sorted(hosts) == sorted(fleet.expected)
    got = dict((name, (e['status'], e['verdict'], e['go']['status'] if e['go'] else None)) for name, e in hosts.items())
    assert got == fleet.expected
    verdicts = set(e['verdict'] for e in hosts.values())
    assert verdicts == {'ok', 'skewed', 'tls_window', 'no_time_source', None}
    assert set(e['status'] for e in hosts.values()) == {'ok', 'unreachable', 'failed'}


def test_offsets_reasons_and_errors_are_the_lab_truth(live):
    skew = fleet_lab.SKEW
    for entry in live['doc']['hosts']:
        kind = entry['host'].split('-', 1)[1]
        if kind in ('slow', 'tls-slow'):
            assert entry['offset'] == pytest.approx(skew, abs=0.5)  # servers run SKEW s ahead: host slow
        elif kind in ('fast', 'tls-fast'):
            assert entry['offset'] == pytest.approx(-skew, abs=0.5)
        elif kind == 'https-date':
            assert entry['offset_source'] == 'https_date' and entry['offset'] == pytest.approx(2.0, abs=1.5)
        elif kind in ('ok', 'falseticker', 'go-missing', 'go-insecure'):
            assert abs(entry['offset']) < 0.1 and entry['offset_source'] == 'ntp'
        if kind == 'tls-slow':
            assert 'not yet valid at host time' in entry['reason']
        if kind == 'tls-fast':
            assert 'expired at host time' in entry['reason']
        if kind == 'falseticker':
            assert len(entry['ntp']['falsetickers']) == 1 and len(entry['ntp']['truechimers']) == 2
        if kind == 'unreachable':
            assert 'Connection refused' in entry['error']
        if kind == 'failed':
            assert '/nonexistent/python3' in entry['error']
        if kind == 'go-insecure':
            assert sorted(i['key'] for i in entry['go']['insecure']) == ['GOFLAGS', 'GOSUMDB']
        if kind == 'go-missing':
            assert '/nonexistent/go' in entry['go']['error']


def test_summaries_match_the_hosts(live):
    doc = live['doc']
    hosts = doc['hosts']
    summary = doc['summary']
    assert summary['hosts'] == HOSTS
    for state, count in summary['states'].items():
        assert count == sum(1 for e in hosts if e['state'] == state), state
    assert sorted(summary['insecure_hosts']) == sorted(e['host'] for e in hosts if e['host'].endswith('go-insecure'))
    worst = max((e for e in hosts if e['offset'] is not None), key=lambda e: abs(e['offset']))
    assert summary['worst_offset']['host'] == worst['host']
    assert [e['rank'] for e in hosts] == sorted(e['rank'] for e in hosts)


def test_csv_parses_with_one_row_per_host(live):
    with open(os.path.join(live['dir'], 'fleet-report.csv'), newline='') as handle:
        rows = list(csv.DictReader(handle))
    assert [r['host'] for r in rows] == [e['host'] for e in live['doc']['hosts']]
    for row, entry in zip(rows, live['doc']['hosts']):
        assert row['state'] == entry['state']
        assert (float(row['offset']) if row['offset'] else None) == entry['offset']


def test_promtool_accepts_the_prometheus_file(live):
    promtool = shutil.which('promtool')
    if promtool is None:
        pytest.fail('promtool is not installed (Debian package prometheus)')
    path = os.path.join(live['dir'], 'fleet-report.prom')
    with open(path, 'rb') as handle:
        proc = subprocess.run([promtool, 'check', 'metrics'], stdin=handle, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(path) as handle:
        text = handle.read()
    skewed = next(e['host'] for e in live['doc']['hosts'] if e['verdict'] == 'skewed')
    assert 'gotime_clock_verdict{host="%s",verdict="skewed"} 1' % skewed in text
    unreachable = next(e['host'] for e in live['doc']['hosts'] if e['status'] == 'unreachable')
    assert 'gotime_host_up{host="%s",status="unreachable"} 0' % unreachable in text


# ---------------------------------------------------------------- acceptance 2

def chromium(workdir, url, *flags):
    binary = shutil.which('chromium') or shutil.which('chromium-browser')
    if binary is None:
        pytest.fail('chromium is not installed (Debian package chromium)')
    argv = [binary, '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
            '--disable-component-update', '--disable-sync', '--no-first-run', '--user-data-dir=%s' % workdir,
            '--window-size=1280,2000'] + list(flags) + [url]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


def console_lines(stderr):
    return [line for line in stderr.splitlines() if ':CONSOLE' in line]


def test_console_check_catches_a_script_error(tmp_path):
    # The check below is only as good as its detector: a page with an error must be caught.
    bad = tmp_path / 'bad.html'
    bad.write_text('<!DOCTYPE html><html><body><script>undefinedFunction();</script></body></html>')
    proc = chromium(str(tmp_path / 'profile'), bad.as_uri(), '--enable-logging=stderr', '--v=0', '--dump-dom')
    assert any('undefinedFunction' in line for line in console_lines(proc.stderr)), proc.stderr[-2000:]


def test_html_loads_in_headless_chromium(live, tmp_path):
    page = os.path.join(live['dir'], 'fleet-report.html')
    url = 'file://' + page
    shot = str(tmp_path / 'report.png')
    proc = chromium(str(tmp_path / 'profile-shot'), url, '--screenshot=%s' % shot)
    assert proc.returncode == 0, proc.stderr[-2000:]
    with open(shot, 'rb') as handle:
        assert handle.read(8) == b'\x89PNG\r\n\x1a\n'
    assert os.path.getsize(shot) > 20000  # a rendered page, not a blank one

    proc = chromium(str(tmp_path / 'profile-dom'), url, '--enable-logging=stderr', '--v=0', '--dump-dom')
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert console_lines(proc.stderr) == []
    dom = Page(proc.stdout)
    svgs = [attrs for tag, attrs, dummy in dom.tags if tag == 'svg']
    assert [a.get('id') for a in svgs] == ['offset-chart']
    chart_rows = [a['data-host'] for tag, a, dummy in dom.tags if tag == 'g' and a.get('class') == 'chart-row']
    table_rows = [a['data-host'] for tag, a, parents in dom.tags
                  if tag == 'tr' and a.get('class') == 'host-row' and ('table', 'hosts') in parents]
    expected = [e['host'] for e in live['doc']['hosts']]
    assert table_rows == expected
    assert chart_rows == expected
    assert sum(1 for tag, a, dummy in dom.tags if tag == 'rect' and a.get('class') == 'band') == sum(
        1 for e in live['doc']['hosts'] if e['max_offset'] is not None)
    failed = [a['data-host'] for tag, a, parents in dom.tags if tag == 'tr' and ('table', 'not-measured') in parents and a.get('data-host')]
    assert sorted(failed) == sorted(e['host'] for e in live['doc']['hosts'] if e['status'] != 'ok')


# ---------------------------------------------------------------- acceptance 3

def test_report_from_the_fact_cache_equals_the_live_report(live, fleet, tmp_path):
    # Same host names, but every one is now unreachable: an identical report proves the cache
    # run contacted no host.
    dark = dict((name, {'ansible_connection': 'ssh', 'ansible_host': '127.0.0.1', 'ansible_port': fleet_lab.closed_tcp_port(),
                        'ansible_user': 'nobody'}) for name in fleet.hosts)
    inventory = str(tmp_path / 'dark.json')
    with open(inventory, 'w') as handle:
        json.dump({'all': {'hosts': dark}}, handle)
    cache_dir = str(tmp_path / 'report')
    proc = run_report(live['workdir'], inventory, cache_dir, 'gotime_report_from_cache=true')[0]
    recap = proc.stdout[proc.stdout.index('PLAY RECAP'):]
    assert [line.split()[0] for line in recap.splitlines()[1:] if line.strip()] == ['localhost']

    cached = load_json(os.path.join(cache_dir, 'fleet-report.json'))
    assert cached['generated_at'] != ''
    # Render time and what follows from it (each record's age) differ; where the records were read is stated.
    source = cached['source']
    assert (source['kind'], source['plugin'], source['connection']) == ('fact_cache', 'jsonfile', os.path.join(live['workdir'], 'facts'))
    assert (source['cache_hosts'], source['inventory_only_hosts']) == (HOSTS, 0)
    assert live['doc']['source'] == {'kind': 'play'}
    assert without_render_time(cached, source=None) == without_render_time(live['doc'], source=None)
    for name in OUTPUTS[1:]:
        with open(os.path.join(live['dir'], name)) as a, open(os.path.join(cache_dir, name)) as b:
            first, second = a.read(), b.read()
        if name == 'fleet-report.csv':
            first, second = [[row[:age] + row[age + 1:] for row in csv.reader(text.splitlines())]
                             for age in [first.splitlines()[0].split(',').index('record_age_seconds')] for text in (first, second)]
        if name in ('fleet-report.html', 'fleet-report.prom'):
            first = first.replace(live['doc']['generated_at'], 'T')
            second = second.replace(cached['generated_at'], 'T')
            for pattern in (r'gotime_report_generated_timestamp_seconds \S+', r'gotime_host_record_age_seconds\{[^}]*\} \S+',
                            r'<p id="record-origins">Records from [^<]*</p>'):
                first, second = re.sub(pattern, '', first), re.sub(pattern, '', second)
        assert first == second, name


# ---------------------------------------------------------------- acceptance 5

def seed_fact_cache(workdir, records):
    """Write records into the jsonfile fact cache the way Ansible does (its own cache plugin)."""
    script = (
        'import json, sys\n'
        'from ansible import constants as C\n'
        'from ansible.plugins.loader import cache_loader\n'
        'cache = cache_loader.get(C.CACHE_PLUGIN)\n'
        'for host, record in json.load(sys.stdin).items():\n'
        '    cache.set(host, {"gotime_report": record})\n'
    )
    subprocess.run([sys.executable, '-c', script], input=json.dumps(records), env=ansible_env(workdir), text=True,
                   check=True, timeout=300)


def test_report_for_1000_synthetic_hosts(tmp_path, validator):
    from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report, _fleet_report_html, _fleet_report_record
    count = 1000
    records = fleet_synthetic.records(count, _fleet_report_record.make_record)

    started = time.perf_counter()
    doc = _fleet_report.build(records)
    texts = [render(doc) for render in (_fleet_report.RENDERERS['json'], _fleet_report.RENDERERS['csv'], _fleet_report.RENDERERS['prometheus'],
                                        _fleet_report_html.render_html)]
    print('render of %d hosts (document + 4 formats): %.3f s, %d bytes' % (count, time.perf_counter() - started, sum(map(len, texts))))

    workdir = str(tmp_path)
    seed_fact_cache(workdir, records)
    inventory = str(tmp_path / 'fleet.json')
    with open(inventory, 'w') as handle:
        json.dump({'all': {'hosts': dict((h, {'ansible_connection': 'local'}) for h in records)}}, handle)
    report_dir = str(tmp_path / 'report')
    elapsed = run_report(workdir, inventory, report_dir, 'gotime_report_from_cache=true')[1]
    print('report.yml from the fact cache for %d hosts: %.1f s' % (count, elapsed))

    rendered = load_json(os.path.join(report_dir, 'fleet-report.json'))
    assert list(validator.iter_errors(rendered)) == []
    assert without_render_time(rendered, source=None) == without_render_time(json.loads(texts[0]), source=None)
    per_kind = dict((k, sum(1 for i in range(count) if fleet_synthetic.kind_of(i) == k)) for k in fleet_synthetic.KINDS)
    states = rendered['summary']['states']
    assert states['tls_window'] == per_kind['tls_window']
    assert states['skewed'] == per_kind['skewed'] + per_kind['skewed_fast']
    assert states['unreachable'] == per_kind['unreachable'] and states['failed'] == per_kind['failed']
    assert sum(states.values()) == count
    assert len(rendered['summary']['insecure_hosts']) == per_kind['ok_insecure']
    with open(os.path.join(report_dir, 'fleet-report.csv'), newline='') as handle:
        assert len(list(csv.DictReader(handle))) == count
    with open(os.path.join(report_dir, 'fleet-report.html')) as handle:
        page = handle.read()
    assert page.count('<tr class="host-row"') == count and page.count('<g class="chart-row"') == count
    promtool = shutil.which('promtool')
    if promtool:
        with open(os.path.join(report_dir, 'fleet-report.prom'), 'rb') as handle:
            proc = subprocess.run([promtool, 'check', 'metrics'], stdin=handle, capture_output=True, text=True, timeout=60, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
