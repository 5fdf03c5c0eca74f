"""Fleet report model and renderers (plugins/plugin_utils/_fleet_report*.py, plugins/filter/fleet_report.py),
on synthetic facts shaped as the clock_facts and go_env contracts (tests/lab/fleet_synthetic.py)."""
import csv
import io
import json
import os
import re

import jsonschema
import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.cifleet.gotime.plugins.filter import fleet_report as filters
from ansible_collections.cifleet.gotime.plugins.module_utils import _utc_time as utc
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report as fr
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report_csv as fcsv
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report_hosts as fhost
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report_json as fjson
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report_prometheus as fprom
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report_record as frec
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report_summary as fsum
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report_html as fh
from lab import fleet_synthetic as fs
from support.html_page import Page
from support.report_doc import without_render_time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
SCHEMA_PATH = os.path.join(ROOT, 'roles', 'fleet_report', 'files', 'fleet-report.schema.json')
GENERATED_AT = '2026-11-27T18:05:00Z'


@pytest.fixture(scope='module')
def validator():
    with open(SCHEMA_PATH) as handle:
        schema = json.load(handle)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def document(count=24, failed_hosts=None):
    return fr.build(fs.records(count, frec.make_record), failed_hosts, GENERATED_AT)


def by_host(doc):
    return dict((entry['host'], entry) for entry in doc['hosts'])


# ---------------------------------------------------------------- records

def test_record_of_a_measured_host_keeps_the_fact_and_the_go_posture():
    fact = fs.clock_fact(1, 'skewed')
    record = frec.make_record({'changed': False, 'ansible_facts': {'gotime_clock': fact}}, fs.go_result('ok_insecure'))
    assert record['status'] == 'ok' and record['error'] is None
    assert record['clock'] == fact
    assert record['go']['failed'] is False and record['go']['go_version'] == 'go1.19.8'
    assert record['go']['insecure'][0]['key'] == 'GOSUMDB'


def test_record_of_an_unreachable_host_names_the_error_and_task():
    record = frec.make_record({'unreachable': True, 'msg': 'ssh: connect to host a port 22: Connection refused'},
                              None, 'Measure clock offset, host sync and certificate windows')
    origin = record.pop('origin')
    assert record == {'record_version': 3, 'status': 'unreachable', 'error': 'ssh: connect to host a port 22: Connection refused',
                      'failed_task': 'Measure clock offset, host sync and certificate windows', 'clock': None, 'go': None,
                      'time_servers': None}
    assert origin['mode'] == 'controller' and origin['recorder'] and utc.parse_time(origin['measured_at']) is not None


def test_record_of_a_module_failure_adds_the_last_stderr_line():
    record = frec.make_record({'failed': True, 'msg': 'MODULE FAILURE', 'module_stderr': 'Traceback\nImportError: no ntplib\n'},
                              failed_task='Measure')
    assert record['status'] == 'failed'
    assert record['error'] == 'MODULE FAILURE (ImportError: no ntplib)'


def test_record_without_the_fact_is_a_failure():
    record = frec.make_record({'changed': False, 'ansible_facts': {}})
    assert record['status'] == 'failed' and 'no gotime_clock' in record['error']


def test_record_of_a_go_read_with_failed_when_false_is_still_a_failure():
    # failed_when: false clears `failed`; the missing env shows the read failed.
    go = {'failed': False, 'failed_when_result': False, 'go_missing': True,
          'msg': 'go: /opt/go/bin/go does not exist; install Go 1.13 or later'}
    record = frec.make_record(fs.clock_result(0, 'ok'), go)
    assert record['go']['failed'] is True
    entry = fhost.host_entry('a', record)
    assert entry['go']['status'] == 'not_installed'
    assert entry['go']['error'].startswith('go: /opt/go/bin/go does not exist')


@pytest.mark.parametrize('result, status', [
    ({'go_missing': True, 'msg': 'go: no go binary on PATH or in /usr/local/go/bin; install Go 1.13 or later'}, 'not_installed'),
    ({'msg': 'go: /x/go is not executable'}, 'error'),
    ({'msg': 'go env -json: output is not JSON (bad): \'\''}, 'error'),
])
def test_go_read_failures_tell_missing_go_from_broken_go(result, status):
    entry = fhost.host_entry('a', frec.make_record(fs.clock_result(0, 'ok'), dict(result, failed=True)))
    assert entry['status'] == 'ok'
    assert entry['go']['status'] == status


def test_skipped_go_read_leaves_no_posture():
    record = frec.make_record(fs.clock_result(0, 'ok'), {'skipped': True, 'changed': False})
    assert record['go'] is None
    assert fhost.host_entry('a', record)['go'] is None


def test_record_rejects_what_is_not_a_result():
    with pytest.raises(ValueError, match='clock_facts result must be a dict'):
        frec.make_record('ok')


# ---------------------------------------------------------------- host entries

def test_host_without_record_is_missing_and_says_how_to_fix_it():
    entry = fhost.host_entry('agent-9', None)
    assert (entry['state'], entry['status'], entry['rank']) == ('missing', 'missing', fhost.STATES.index('missing'))
    assert 'playbooks/report.yml' in entry['error']
    assert entry['offset'] is None and entry['certificates'] == [] and entry['go'] is None


def test_host_that_failed_in_the_run_is_failed_even_with_an_old_record():
    record = frec.make_record(fs.clock_result(0, 'ok'), fs.go_result('ok'))
    entry = fhost.host_entry('agent-0', record, failed_in_run=True)
    assert entry['state'] == 'failed' and entry['offset'] is None
    assert 'after its report record was written' in entry['error']
    assert 'before' in fhost.host_entry('agent-0', None, failed_in_run=True)['error']


def test_unknown_verdict_fails_that_host_only():
    fact = fs.clock_fact(0, 'ok')
    fact['verdict'] = 'fine'
    records = fs.records(3, frec.make_record)
    records['odd'] = frec.make_record({'ansible_facts': {'gotime_clock': fact}})
    entry = by_host(fr.build(records, generated_at=GENERATED_AT))['odd']
    assert (entry['state'], entry['error']) == ('failed', "gotime_clock has an unknown verdict 'fine'")


def test_entry_projects_the_contract_fields():
    entry = fhost.host_entry('mac', frec.make_record(fs.clock_result(8, 'ok_darwin'), fs.go_result('ok')))
    assert entry['platform'] == 'Darwin'
    assert entry['host_sync']['launchd_sync']['action'] == 'none'
    assert set(entry['ntp']['servers'][0]) == set(fhost.SERVER_KEYS)
    assert entry['certificate_expiry']['endpoint'] in ('proxy.golang.org:443', 'sum.golang.org:443')
    assert entry['go']['env']['GOPROXY'] == 'https://proxy.golang.org,direct'
    assert 'GOROOT' not in entry['go']['env']  # only the posture keys


# ---------------------------------------------------------------- document and summaries

def test_document_sorts_worst_first_then_by_absolute_offset():
    doc = document()
    ranks = [entry['rank'] for entry in doc['hosts']]
    assert ranks == sorted(ranks)
    skewed = [entry for entry in doc['hosts'] if entry['state'] == 'skewed']
    assert [abs(e['offset']) for e in skewed] == sorted((abs(e['offset']) for e in skewed), reverse=True)
    assert doc['hosts'][0]['state'] == 'tls_window' and doc['hosts'][-1]['state'] == 'ok'


def test_summaries_count_every_state_and_name_the_hosts():
    doc = document()
    summary = doc['summary']
    # 24 hosts cycle twice through fleet_synthetic.KINDS.
    assert summary['hosts'] == 24
    assert summary['states'] == {'tls_window': 2, 'skewed': 4, 'no_time_source': 2, 'failed': 2, 'unreachable': 2,
                                 'missing': 0, 'ok': 12}
    assert summary['go'] == {'ok': 18, 'not_installed': 2, 'error': 0, 'unknown': 0}
    assert summary['worst_offset'] == {'host': 'agent-0014', 'state': 'tls_window', 'offset': 300.14,
                                       'error_bound': 0.00025, 'max_offset': 1.0}
    assert summary['insecure_hosts'] == ['agent-0004', 'agent-0016']  # equal |offset|: by name
    assert sorted(summary['beyond_threshold']) == ['agent-0001', 'agent-0002', 'agent-0009', 'agent-0013', 'agent-0014', 'agent-0021']
    assert [(m['host'], m['status']) for m in summary['not_measured']] == [
        ('agent-0006', 'failed'), ('agent-0018', 'failed'), ('agent-0005', 'unreachable'), ('agent-0017', 'unreachable')]
    assert summary['soonest_certificate_expiry']['seconds_until_expiry'] == min(
        e['certificate_expiry']['seconds_until_expiry'] for e in doc['hosts'] if e['certificate_expiry'])


def test_summaries_of_an_empty_fleet():
    doc = fr.build({}, generated_at=GENERATED_AT)
    assert doc['summary']['hosts'] == 0
    assert doc['summary']['worst_offset'] is None and doc['summary']['soonest_certificate_expiry'] is None


def test_document_validates_against_the_shipped_schema(validator):
    doc = document(48, failed_hosts=['agent-0000'])
    doc['hosts'].append(fhost.host_entry('never-seen', None))
    errors = sorted(validator.iter_errors(json.loads(fjson.render_json(doc))), key=str)
    assert errors == []


def test_schema_rejects_a_document_with_an_unknown_state(validator):
    doc = json.loads(fjson.render_json(document(2)))
    doc['hosts'][0]['state'] = 'fine'
    assert not validator.is_valid(doc)


def test_generated_at_and_record_ages_are_the_only_fields_that_depend_on_the_render():
    records = fs.records(24, frec.make_record)
    first = json.loads(fjson.render_json(fr.build(records)))
    second = json.loads(fjson.render_json(fr.build(json.loads(json.dumps(records)), generated_at=GENERATED_AT)))
    assert re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$', first['generated_at'])
    assert without_render_time(first) == without_render_time(second)


# ---------------------------------------------------------------- CSV

def test_csv_has_one_row_per_host_in_report_order():
    doc = document()
    rows = list(csv.DictReader(io.StringIO(fcsv.render_csv(doc))))
    assert [r['host'] for r in rows] == [e['host'] for e in doc['hosts']]
    assert list(rows[0]) == list(fcsv.CSV_COLUMNS)
    row = dict((r['host'], r) for r in rows)
    assert float(row['agent-0001']['offset']) == pytest.approx(300.01)
    assert row['agent-0004']['go_insecure'] == 'GOSUMDB=off'
    assert row['agent-0002']['certificate_problems'] == 'proxy.golang.org:443: invalid at host time, valid at true time'
    assert row['agent-0005']['state'] == 'unreachable' and 'Connection timed out' in row['agent-0005']['error']
    assert row['agent-0003']['offset'] == ''


# ---------------------------------------------------------------- Prometheus

def parse_metrics(text):
    """{(name, frozenset(labels)): value} after checking every family has HELP and TYPE first."""
    samples, declared = {}, set()
    sample_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
    label_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
    for line in text.splitlines():
        if line.startswith('# TYPE '):
            declared.add(line.split()[2])
            continue
        if line.startswith('#'):
            continue
        match = sample_re.match(line)
        assert match, line
        assert match.group(1) in declared, line
        labels = frozenset(label_re.findall(match.group(2) or ''))
        samples[(match.group(1), labels)] = float(match.group(3))
    return samples


def test_prometheus_has_help_type_and_a_labelled_verdict_gauge():
    doc = document()
    text = fprom.render_prometheus(doc)
    samples = parse_metrics(text)
    for name in set(key[0] for key in samples):
        assert '# HELP %s ' % name in text and '# TYPE %s gauge' % name in text
    assert samples[('gotime_clock_verdict', frozenset({('host', 'agent-0001'), ('verdict', 'skewed')}))] == 1
    assert samples[('gotime_clock_verdict', frozenset({('host', 'agent-0001'), ('verdict', 'ok')}))] == 0
    assert samples[('gotime_clock_offset_seconds', frozenset({('host', 'agent-0001'), ('source', 'ntp')}))] == pytest.approx(300.01)
    assert samples[('gotime_host_up', frozenset({('host', 'agent-0005'), ('status', 'unreachable')}))] == 0
    assert samples[('gotime_sync_job_last_success', frozenset({('host', 'agent-0008'), ('action', 'none')}))] == 1
    assert samples[('gotime_go_insecure_settings', frozenset({('host', 'agent-0004')}))] == 1
    assert samples[('gotime_go_installed', frozenset({('host', 'agent-0007')}))] == 0
    assert samples[('gotime_fleet_hosts', frozenset({('state', 'skewed')}))] == 4
    assert ('gotime_clock_offset_seconds', frozenset({('host', 'agent-0003')})) not in samples  # no offset, no sample
    assert samples[('gotime_report_generated_timestamp_seconds', frozenset())] == 1795802700.0


def test_prometheus_escapes_label_values():
    records = {'we"ird\\host\nname': frec.make_record(fs.clock_result(0, 'ok'), fs.go_result('ok'))}
    text = fprom.render_prometheus(fr.build(records, generated_at=GENERATED_AT))
    assert 'host="we\\"ird\\\\host\\nname"' in text
    parse_metrics(text)


def test_a_tampered_record_is_safe_in_every_output():
    result = fs.tampered_clock_result()
    clock = result['ansible_facts']['gotime_clock']
    doc = fr.build({'agent-tampered': frec.make_record(result, fs.go_result('ok'))}, generated_at=GENERATED_AT)
    texts = {'json': fjson.render_json(doc), 'csv': fcsv.render_csv(doc), 'prom': fprom.render_prometheus(doc), 'html': fh.render_html(doc)}
    for name, text in texts.items():
        assert [c for c in text if ord(c) < 0x20 and c != '\n' or 0x7f <= ord(c) < 0xa0 or c == '\u202e'] == [], name
    entry = json.loads(texts['json'])['hosts'][0]
    assert entry['offset'] is None and entry['max_offset'] is None  # not numbers: unknown
    assert entry['reason'].endswith(' [cut: %d characters in all]' % len(clock['reason']))
    row = next(csv.DictReader(io.StringIO(texts['csv'])))
    assert row['reason'].startswith("'=HYPERLINK(") and row['last_sync_error'].startswith("'-cmd|") and row['offset'] == ''
    samples = parse_metrics(texts['prom'])
    assert not any(name.startswith('injected') or name == 'x' for name, labels in samples)
    assert '&lt;script&gt;' in texts['html'] and '<script>' not in texts['html']


def test_parse_time():
    assert utc.parse_time('1970-01-01T00:01:00Z') == 60.0
    assert utc.parse_time('1970-01-01T01:00:00+01:00') == 0.0
    assert utc.parse_time(12) == 12.0
    assert utc.parse_time('yesterday') is None and utc.parse_time(None) is None and utc.parse_time(True) is None


# ---------------------------------------------------------------- HTML

def page_of(doc):
    return Page(fh.render_html(doc))


def test_html_has_the_chart_and_one_row_per_host():
    doc = document()
    tags = page_of(doc).tags
    rows = [a['data-host'] for t, a, dummy in tags if t == 'tr' and a.get('class') == 'host-row']
    assert rows == [e['host'] for e in doc['hosts']]
    assert [a['id'] for t, a, dummy in tags if t == 'svg'] == ['offset-chart']
    assert [a['data-host'] for t, a, dummy in tags if t == 'g' and a.get('class') == 'chart-row'] == rows
    bars = [a for t, a, dummy in tags if t == 'rect' and a.get('class') == 'bar']
    assert len(bars) == sum(1 for e in doc['hosts'] if e['offset'] is not None)
    bands = [a for t, a, dummy in tags if t == 'rect' and a.get('class') == 'band']
    assert len(bands) == sum(1 for e in doc['hosts'] if e['max_offset'] is not None)
    insecure = [a['data-host'] for t, a, dummy in tags if t == 'tr' and a.get('class') == 'insecure-row']
    assert sorted(insecure) == ['agent-0004', 'agent-0016']
    assert [a['data-host'] for t, a, dummy in tags if t == 'tr' and a.get('data-host') and a.get('class') is None][:4] == [
        'agent-0006', 'agent-0018', 'agent-0005', 'agent-0017']  # the unreachable/failed table, worst first


def test_html_is_self_contained():
    text = fh.render_html(document())
    tags = page_of(document()).tags
    assert not [t for t, dummy, dummy in tags if t in ('script', 'link', 'img', 'iframe', 'object', 'embed')]
    assert not [a for dummy, a, dummy in tags if 'src' in a or 'href' in a]
    assert 'url(' not in text and '@import' not in text


def test_html_escapes_host_provided_text():
    record = frec.make_record({'failed': True, 'msg': '<script>alert(1)</script>'}, failed_task='<b>task</b>')
    text = fh.render_html(fr.build({'<img src=x>': record}, generated_at=GENERATED_AT))
    assert '<script>' not in text and '<img' not in text and '<b>task' not in text
    assert '&lt;script&gt;alert(1)&lt;/script&gt;' in text


def test_chart_band_is_symmetric_around_zero_and_bars_point_the_offset_way():
    doc = document()
    tags = page_of(doc).tags
    row_rects = {}
    host = None
    for tag, attrs, dummy in tags:
        if tag == 'g' and attrs.get('class') == 'chart-row':
            host = attrs['data-host']
        if tag == 'rect' and host:
            row_rects.setdefault(host, {})[attrs['class']] = attrs
    zero = fh.LABEL_WIDTH + (fh.CHART_WIDTH - fh.LABEL_WIDTH - fh.RIGHT_MARGIN) / 2.0
    band = row_rects['agent-0000']['band']
    assert float(band['x']) + float(band['width']) / 2 == pytest.approx(zero, abs=0.1)
    slow, fast = row_rects['agent-0001']['bar'], row_rects['agent-0009']['bar']
    assert float(slow['x']) == pytest.approx(zero, abs=0.1)  # positive offset: to the right
    assert float(fast['x']) + float(fast['width']) == pytest.approx(zero, abs=0.1)


@pytest.mark.parametrize('seconds, text', [(45, '45 s'), (600, '10 min'), (9000, '2.5 h'), (2592000, '30 d'), (-600, '-10 min'),
                                           (None, '')])
def test_fmt_seconds(seconds, text):
    assert fh.fmt_seconds(seconds) == text


def test_fmt_offset():
    assert fh.fmt_offset(300.14) == '+300.140 s'
    assert fh.fmt_offset(-0.0000123) == '-0.000012 s'
    assert fh.fmt_offset(None) == ''


# ---------------------------------------------------------------- filters

def test_filter_reads_records_from_hostvars_facts():
    records = fs.records(3, frec.make_record)
    hostvars = dict((h, {'ansible_facts': {'gotime_report': r}}) for h, r in records.items())
    hostvars['bare'] = {}
    doc = filters.fleet_report(hostvars, list(hostvars), generated_at=GENERATED_AT)
    assert by_host(doc)['bare']['state'] == 'missing'
    assert by_host(doc)['agent-0001']['state'] == 'skewed'


def test_filter_errors_name_the_problem():
    with pytest.raises(AnsibleFilterError, match='not in hostvars'):
        filters.fleet_report({}, ['ghost'])
    with pytest.raises(AnsibleFilterError, match='hosts must be a list'):
        filters.fleet_report({}, 'all')
    with pytest.raises(AnsibleFilterError, match='format must be one of json, csv, html, prometheus'):
        filters.fleet_report_render(document(1), 'xml')
    with pytest.raises(AnsibleFilterError, match='not a fleet report document'):
        filters.fleet_report_render({'hosts': []}, 'json')
    with pytest.raises(AnsibleFilterError, match='must be a dict'):
        filters.fleet_report_record(None)


def test_render_filter_gives_each_format():
    doc = document(4)
    assert json.loads(filters.fleet_report_render(doc, 'json'))['schema_version'] == fr.SCHEMA_VERSION
    assert filters.fleet_report_render(doc, 'csv').startswith('host,state,')
    assert filters.fleet_report_render(doc, 'html').startswith('<!DOCTYPE html>')
    assert filters.fleet_report_render(doc, 'prometheus').startswith('# HELP ')


def test_render_filter_with_a_list_gives_each_text_once():
    doc = document(4)
    texts = filters.fleet_report_render(doc, ['csv', 'prometheus'])
    assert sorted(texts) == ['csv', 'prometheus']
    assert texts['csv'] == filters.fleet_report_render(doc, 'csv')
    with pytest.raises(AnsibleFilterError, match='format must be one of'):
        filters.fleet_report_render(doc, ['csv', 'pdf'])
    with pytest.raises(AnsibleFilterError, match='format must be one of'):
        filters.fleet_report_render(doc, [])


# ---------------------------------------------------------------- managed (MDM) time settings (issue 12)

def darwin_record(mdm, time_servers=None, ntp_hosts=None):
    result = fs.clock_result(8, 'ok_darwin')
    clock = result['ansible_facts']['gotime_clock']
    clock['host_sync']['mdm'] = mdm
    if ntp_hosts is not None:
        clock['ntp']['servers'] = [dict(clock['ntp']['servers'][0], host=h) for h in ntp_hosts]
    return frec.make_record(result, fs.go_result('ok'), time_servers=time_servers)


def test_record_keeps_the_fleet_time_servers_and_refuses_what_is_not_a_list():
    record = frec.make_record(fs.clock_result(0, 'ok'), time_servers=['ntp1.corp.example', 'time.apple.com'])
    assert record['time_servers'] == ['ntp1.corp.example', 'time.apple.com']
    assert frec.make_record(fs.clock_result(0, 'ok'))['time_servers'] is None
    for bad in ('ntp1.corp.example', [1], {'a': 1}):
        with pytest.raises(ValueError, match='time_servers must be a list of server names'):
            frec.make_record(fs.clock_result(0, 'ok'), time_servers=bad)


@pytest.mark.parametrize('case, time_servers, state, agrees, fleet, source', [
    ('disagrees', ['ntp.corp.example', 'time.apple.com'], 'managed_disagrees', False, ['ntp.corp.example', 'time.apple.com'], 'timesync'),
    ('agrees', ['ntp.corp.example'], 'managed_agrees', True, ['ntp.corp.example'], 'timesync'),
    ('unreadable', ['ntp.corp.example'], 'unreadable', None, ['ntp.corp.example'], 'timesync'),
    ('unmanaged', None, 'unmanaged', None, ['ntp0.lab', 'ntp1.lab', 'ntp2.lab'], 'measured'),
])
def test_mdm_part_compares_the_profile_server_with_the_fleet_first_server(case, time_servers, state, agrees, fleet, source):
    entry = fhost.host_entry('mac', darwin_record(fs.mdm_fact(case), time_servers))
    mdm = entry['mdm']
    assert (mdm['state'], mdm['agrees'], mdm['fleet_servers'], mdm['fleet_servers_source']) == (state, agrees, fleet, source)
    assert mdm['time_server'] == fs.mdm_fact(case)['time_server'] and mdm['reason'] == fs.mdm_fact(case)['reason']


def test_mdm_without_fleet_servers_is_managed_but_not_judged():
    record = darwin_record(fs.mdm_fact('disagrees'), None, ntp_hosts=[])
    mdm = fhost.host_entry('mac', record)['mdm']
    assert (mdm['state'], mdm['agrees'], mdm['fleet_servers'], mdm['fleet_servers_source']) == ('managed', None, [], None)


def test_mdm_against_measured_servers_when_the_record_has_no_time_servers():
    # An older record (no time_servers): the NTP servers clock_facts measured against are the fleet's.
    record = darwin_record(fs.mdm_fact('disagrees'), None, ntp_hosts=['time.apple.com', 'ntp.corp.example'])
    record.pop('time_servers')
    mdm = fhost.host_entry('mac', record)['mdm']
    assert (mdm['state'], mdm['agrees'], mdm['fleet_servers_source']) == ('managed_agrees', True, 'measured')


def test_hosts_without_mdm_settings_have_none():
    doc = document()
    entries = by_host(doc)
    assert entries['agent-0000']['mdm'] is None  # Linux: clock_facts reports host_sync.mdm null
    assert entries['agent-0005']['mdm'] is None  # unreachable
    assert entries['agent-0008']['mdm']['state'] == 'managed_disagrees'
    assert entries['agent-0020']['mdm']['state'] == 'managed_agrees'


def test_mdm_summary_counts_each_state_and_names_the_disagreeing_hosts():
    summary = document(48)['summary']
    # ok_darwin hosts 8, 20, 32, 44 take the four MDM cases in turn.
    assert summary['mdm'] == {'managed_disagrees': 1, 'unreadable': 1, 'managed': 0, 'managed_agrees': 1, 'unmanaged': 1}
    assert summary['mdm_disagrees'] == [{'host': 'agent-0008', 'time_server': 'time.apple.com',
                                         'fleet_servers': ['ntp.corp.example', 'time.apple.com']}]
    assert document(0)['summary']['mdm'] == dict((s, 0) for s in fhost.MDM_STATES)


def test_csv_has_the_managed_columns():
    rows = dict((r['host'], r) for r in csv.DictReader(io.StringIO(fcsv.render_csv(document(48)))))
    columns = ('mdm_state', 'mdm_managed', 'mdm_time_server', 'mdm_time_zone', 'mdm_agrees', 'fleet_time_servers',
               'fleet_time_servers_source', 'mdm_source')
    assert dict((k, rows['agent-0008'][k]) for k in columns) == {
        'mdm_state': 'managed_disagrees', 'mdm_managed': 'true', 'mdm_time_server': 'time.apple.com', 'mdm_time_zone': 'Europe/Berlin',
        'mdm_agrees': 'false', 'fleet_time_servers': 'ntp.corp.example time.apple.com', 'fleet_time_servers_source': 'timesync',
        'mdm_source': 'osascript'}
    assert (rows['agent-0020']['mdm_state'], rows['agent-0020']['mdm_agrees']) == ('managed_agrees', 'true')
    assert rows['agent-0032']['mdm_state'] == 'unreadable' and rows['agent-0032']['mdm_managed'] == ''
    assert rows['agent-0032']['mdm_reason'].startswith('managed time settings unreadable: osascript:')
    assert (rows['agent-0044']['mdm_state'], rows['agent-0044']['mdm_managed']) == ('unmanaged', 'false')
    assert rows['agent-0000']['mdm_state'] == '' and rows['agent-0000']['fleet_time_servers'] == ''


def test_prometheus_has_the_managed_gauges():
    samples = parse_metrics(fprom.render_prometheus(document(48)))
    assert samples[('gotime_fleet_mdm_hosts', frozenset({('state', 'managed_disagrees')}))] == 1
    assert samples[('gotime_fleet_mdm_hosts', frozenset({('state', 'managed')}))] == 0
    assert samples[('gotime_host_mdm_managed', frozenset({('host', 'agent-0008')}))] == 1
    assert samples[('gotime_host_mdm_managed', frozenset({('host', 'agent-0044')}))] == 0
    assert ('gotime_host_mdm_managed', frozenset({('host', 'agent-0032')})) not in samples  # unreadable: no sample
    assert samples[('gotime_host_mdm_time_server_agrees', frozenset(
        {('host', 'agent-0008'), ('time_server', 'time.apple.com'), ('fleet_server', 'ntp.corp.example')}))] == 0
    assert samples[('gotime_host_mdm_time_server_agrees', frozenset(
        {('host', 'agent-0020'), ('time_server', 'ntp.corp.example'), ('fleet_server', 'ntp.corp.example')}))] == 1
    assert not [key for key in samples if key[0] == 'gotime_host_mdm_time_server_agrees' and ('host', 'agent-0044') in key[1]]


def test_html_shows_managed_and_disagreeing_hosts_at_a_glance():
    page = fh.render_html(document(48))
    row = re.search(r'<tr class="host-row" data-host="agent-0008".*?</tr>', page).group(0)
    assert 'data-mdm="managed_disagrees"' in row and 'MDM: other server' in row
    assert 'data-mdm="managed_agrees"' in re.search(r'<tr class="host-row" data-host="agent-0020".*?</tr>', page).group(0)
    assert 'data-mdm' not in re.search(r'<tr class="host-row" data-host="agent-0044".*?</tr>', page).group(0)  # no profile: no badge
    assert re.search(r'<div class="card bad" data-mdm="managed_disagrees">[^<]*<b>1</b></div>', page)
    assert re.search(r'<div class="card" data-mdm="managed">MDM managed<b>2</b></div>', page)
    table = re.search(r'<table id="mdm">.*?</table>', page).group(0)
    # Worst MDM state first: a profile pinning another server, unreadable, ..., no profile.
    assert re.findall(r'<tr class="mdm-row" data-host="([^"]+)" data-mdm="([^"]+)"', table) == [
        ('agent-0008', 'managed_disagrees'), ('agent-0032', 'unreadable'), ('agent-0020', 'managed_agrees'),
        ('agent-0044', 'unmanaged')]
    assert 'ntp.corp.example, time.apple.com' in table and 'Europe/Berlin' in table
    linux_only = fh.render_html(document(8))
    assert '<p id="mdm">No host reports managed time settings' in linux_only and 'data-mdm=' not in linux_only


def test_hostile_mdm_values_are_safe_in_every_output():
    # The profile's values come from the agent: formulas, control characters, markup and long text.
    hostile = {'managed': True, 'time_server': '=cmd|"/c calc"!A1\x1b[2J<b>' + 'x' * 2000, 'servers': None,
               'time_zone': '<script>alert(1)</script>\n# TYPE x gauge', 'source': '@osascript\u202e', 'reason': None}
    hostile['servers'] = [hostile['time_server']]
    doc = fr.build({'mac': darwin_record(hostile, ['ntp.corp.example'])}, generated_at=GENERATED_AT)
    texts = {'json': fjson.render_json(doc), 'csv': fcsv.render_csv(doc), 'prom': fprom.render_prometheus(doc), 'html': fh.render_html(doc)}
    for name, text in texts.items():
        assert [c for c in text if ord(c) < 0x20 and c != '\n' or 0x7f <= ord(c) < 0xa0 or c == '\u202e'] == [], name
    assert json.loads(texts['json'])['hosts'][0]['mdm']['time_server'].endswith(' [cut: %d characters in all]' % len(hostile['time_server']))
    row = next(csv.DictReader(io.StringIO(texts['csv'])))
    assert row['mdm_time_server'].startswith("'=cmd|") and row['mdm_source'].startswith("'@osascript")
    assert '<script>' not in texts['html'] and '<b>x' not in texts['html'] and '&lt;b&gt;x' in texts['html']
    samples = parse_metrics(texts['prom'])
    assert not any(name == 'x' for name, labels in samples)
    assert samples[('gotime_fleet_mdm_hosts', frozenset({('state', 'managed_disagrees')}))] == 1


# ---------------------------------------------------------------- summaries: one pass equals the jmespath definitions

def jmespath_summaries(hosts):
    import jmespath
    return dict((name, jmespath.search(query, {'hosts': hosts})) for name, query in fsum.SUMMARY_QUERIES.items())


def test_one_pass_summaries_equal_their_jmespath_definitions():
    doc = document(48, failed_hosts=['agent-0000'])
    doc['hosts'].append(fhost.host_entry('never-seen', None))
    # Ties: max_by and min_by keep the first of equal hosts, in report order.
    twin = dict(doc['hosts'][0], host='twin')
    doc['hosts'].insert(1, twin)
    summary = fsum.summarize(doc['hosts'])
    expected = jmespath_summaries(doc['hosts'])
    assert dict((name, summary[name]) for name in fsum.SUMMARY_QUERIES) == expected
    assert expected['worst_offset']['host'] == doc['hosts'][0]['host'] and expected['beyond_threshold']
    assert fsum.summarize([]) == dict(jmespath_summaries([]), origins=fsum.summarize_records([])['origins'], recorders={}, stale=[],
                                      mdm=dict((s, 0) for s in fhost.MDM_STATES), mdm_disagrees=[])


def test_host_entry_reads_tagged_and_odd_values_as_plain_data():
    # What Ansible hands over: str, dict and list subclasses (tagged values), tuples, NaN; the entry holds plain data only.
    class Tagged(str):
        pass

    class TaggedDict(dict):
        pass

    record = frec.make_record(fs.clock_result(8, 'ok_darwin'), fs.go_result('ok_insecure'), time_servers=['ntp.corp.example'])
    plain = json.loads(json.dumps(record))
    clock = record['clock']
    clock['reason'] = Tagged(clock['reason'])
    clock['ntp']['selection']['truechimers'] = tuple(Tagged(t) for t in clock['ntp']['selection']['truechimers'])
    clock['certificates'][0] = TaggedDict(clock['certificates'][0], sans=(Tagged('proxy.golang.org'),))
    clock['host_sync']['launchd_sync']['offset'] = float('nan')
    record['go']['env'] = TaggedDict(dict((k, Tagged(v)) for k, v in record['go']['env'].items()))
    record['origin'] = TaggedDict(record['origin'], recorder=Tagged(record['origin']['recorder']))
    tagged = fhost.host_entry('mac', TaggedDict(record), now=0)
    plain['clock']['host_sync']['launchd_sync']['offset'] = None
    assert tagged == fhost.host_entry('mac', plain, now=0)

    def kinds(value):
        if isinstance(value, dict):
            return set().union({type(value)}, *(kinds(v) for v in value.values()))
        if isinstance(value, list):
            return set().union({list}, *(kinds(v) for v in value))
        return {type(value)}
    assert kinds(tagged) <= {dict, list, str, int, float, bool, type(None)}


def test_json_renderer_is_the_standard_encoding_of_the_safe_document():
    # The renderer writes JSON itself (speed); it must equal the standard library's encoding of strings_in(doc).
    from ansible_collections.cifleet.gotime.plugins.module_utils import _display_text
    doc = document(48)
    odd = {'b': [], 'a': {}, 'é\u202e': ['x\x1b', 1.5e-07, -0.0, 10 ** 20, True, None, {'z': {'y': [[]]}}], 'c\x01': 1, 'c\\x01': 2,
           'long': 'L' * 5000}
    for data in (doc, odd, [], {}, 'plain', 3):
        assert fjson.render_json(data) == json.dumps(_display_text.strings_in(data), indent=2, sort_keys=True, ensure_ascii=False,
                                                     allow_nan=False) + '\n'
    for bad in ({'x': float('nan')}, [float('inf')]):
        with pytest.raises(ValueError):
            fjson.render_json(bad)
