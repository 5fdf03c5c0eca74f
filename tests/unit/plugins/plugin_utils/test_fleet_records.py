"""Records for a fleet of agents and controllers (issue 14): origin (who, when, which collection version),
freshness (stale with its age, never dropped), where the records came from, and the fact cache access
(plugins/plugin_utils/_fact_cache.py) on Ansible's real jsonfile cache plugin."""
import csv
import io
import json
import os

import jsonschema
import pytest

from ansible_collections.cifleet.gotime.plugins.filter import fleet_report as filters
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fact_cache as fc
from ansible_collections.cifleet.gotime.plugins.module_utils import _utc_time as utc
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report as fr
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report_csv as fcsv
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report_prometheus as fprom
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report_record as frec
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report_html as fh
from lab import fleet_synthetic as fs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
SCHEMA_PATH = os.path.join(ROOT, 'roles', 'fleet_report', 'files', 'fleet-report.schema.json')
# Synthetic host N is measured at 2026-11-27T18:00:00Z + N s (pull hosts: plus their offset).
GENERATED_AT = '2026-11-27T20:00:00Z'


@pytest.fixture(scope='module', autouse=True)
def collection_loader():
    """Ansible's collection loader, as ansible-playbook installs it: the cache loader resolves FQCNs through it."""
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder
    _AnsibleCollectionFinder(paths=[os.path.join(ROOT, '.cache', 'collections')])._install()


def galaxy_version():
    with open(os.path.join(ROOT, 'galaxy.yml')) as handle:
        return [line.split(':', 1)[1].strip() for line in handle if line.startswith('version:')][0]


@pytest.fixture(scope='module')
def validator():
    with open(SCHEMA_PATH) as handle:
        return jsonschema.Draft202012Validator(json.load(handle))


def test_record_names_its_recorder_time_and_collection_version():
    clock = fs.clock_result(0, 'ok')
    record = frec.make_record(clock, fs.go_result('ok'), recorder='ctl-a', now='2026-11-27T18:00:00Z')
    assert record['record_version'] == 3
    assert record['origin'] == {'mode': 'controller', 'recorder': 'ctl-a', 'measured_at': '2026-11-27T18:00:00.000Z',
                                'collection_version': galaxy_version()}


def test_pull_record_corrects_its_time_by_the_measured_offset():
    # An agent 300 s slow records itself: its clock says 18:00:00, true time is 18:05:00.
    clock = fs.clock_result(1, 'skewed')
    offset = clock['ansible_facts']['gotime_clock']['offset']
    record = frec.make_record(clock, fs.go_result('skewed'), origin='pull', recorder='agent', now='2026-11-27T18:00:00Z')
    assert utc.parse_time(record['origin']['measured_at']) == pytest.approx(utc.parse_time('2026-11-27T18:00:00Z') + offset, abs=0.001)
    # A controller's clock is not the host's: no correction.
    record = frec.make_record(clock, fs.go_result('skewed'), origin='controller', now='2026-11-27T18:00:00Z')
    assert record['origin']['measured_at'] == '2026-11-27T18:00:00.000Z'


def test_unreachable_record_still_says_when_and_by_whom():
    record = frec.make_record(fs.clock_result(5, 'unreachable'), None, 'Measure', recorder='ctl-b', now='2026-11-27T18:00:00Z')
    assert record['status'] == 'unreachable' and record['origin']['recorder'] == 'ctl-b'


def test_unknown_origin_is_refused_with_the_choices():
    with pytest.raises(ValueError, match='origin must be one of controller, pull'):
        frec.make_record(fs.clock_result(0, 'ok'), origin='agent')


def test_old_records_are_stale_with_their_age_and_stay_in_every_output(validator):
    ages = {0: 60.0, 1: 7199.0, 2: 7201.0, 3: 86400.0 * 3}
    now = utc.parse_time(GENERATED_AT)

    def measured_at(index):
        return utc.iso_utc(now - ages.get(index, 10.0), 'milliseconds')
    records = fs.records(24, frec.make_record, measured_at=measured_at)
    # Offsets move pull hosts' times (host 2 is a pull host 300 s slow): take the ages from the records
    # (a time after generated_at is age 0).
    expected_age = dict((h, max(round(now - utc.parse_time(r['origin']['measured_at']), 3), 0.0)) for h, r in records.items())
    doc = fr.build(records, generated_at=GENERATED_AT, max_age=7200)
    assert list(validator.iter_errors(doc)) == []
    hosts = dict((e['host'], e) for e in doc['hosts'])
    assert len(hosts) == 24
    for host, entry in hosts.items():
        assert entry['record']['age'] == pytest.approx(expected_age[host], abs=0.002)
        assert entry['record']['stale'] == (expected_age[host] > 7200), host
    assert hosts['agent-0000']['record']['stale'] is False and hosts['agent-0001']['record']['stale'] is False
    assert hosts['agent-0003']['record']['stale'] is True and hosts['agent-0003']['record']['age'] == 259200.0
    stale = doc['summary']['stale']
    assert [s['host'] for s in stale] == sorted((h for h in hosts if expected_age[h] > 7200), key=lambda h: -expected_age[h])
    assert doc['max_age'] == 7200

    rows = dict((row['host'], row) for row in csv.DictReader(io.StringIO(fcsv.render_csv(doc))))
    assert rows['agent-0003']['stale'] == 'true' and rows['agent-0003']['record_age_seconds'] == '259200.0'
    assert rows['agent-0000']['stale'] == 'false'
    prom = fprom.render_prometheus(doc)
    assert 'gotime_host_record_stale{host="agent-0003"} 1' in prom
    assert 'gotime_fleet_stale_records %d' % len(stale) in prom
    page = fh.render_html(doc)
    assert page.count('class="stale-row"') == len(stale)
    assert 'stale: measured 3 d ago' in page


def test_undated_record_is_stale_not_current():
    record = frec.make_record(fs.clock_result(0, 'ok'), fs.go_result('ok'))
    del record['origin']
    record['clock']['checked_at'] = None
    entry = fr.build({'h': record}, generated_at=GENERATED_AT)['hosts'][0]
    assert entry['record']['stale'] is True and entry['record']['age'] is None and entry['record']['mode'] == 'unknown'


def test_version_1_record_is_dated_by_checked_at():
    record = frec.make_record(fs.clock_result(0, 'ok'), fs.go_result('ok'))
    del record['origin']
    record['record_version'] = 1
    entry = fr.build({'h': record}, generated_at='2026-11-27T18:30:00Z')['hosts'][0]
    assert entry['record']['measured_at'] == '2026-11-27T18:00:00.000Z' and entry['record']['age'] == 1800.0


def test_summary_counts_hosts_by_origin_and_recorder():
    records = fs.records(24, frec.make_record)
    records['never-measured'] = None
    doc = fr.build(records, generated_at=GENERATED_AT)
    pulls = [i for i in range(24) if fs.origin_of(i) == 'pull']
    assert doc['summary']['origins'] == {'controller': 24 - len(pulls), 'pull': len(pulls), 'unknown': 0, 'no_record': 1}
    assert doc['summary']['recorders'][fs.RECORDER] == 24 - len(pulls)
    assert sum(doc['summary']['recorders'].values()) == 24


@pytest.mark.parametrize('max_age', [0, -5, 'soon', True])
def test_bad_max_age_is_refused(max_age):
    with pytest.raises(ValueError, match='max_age must be a number of seconds above 0'):
        fr.build({}, generated_at=GENERATED_AT, max_age=max_age)


def test_filter_reports_every_cached_host_and_inventory_hosts_without_one():
    records = fs.records(3, frec.make_record)
    source = {'kind': 'fact_cache', 'plugin': 'community.general.redis', 'cache_hosts': 3}
    doc = filters.fleet_report({}, ['agent-0001', 'inventory-only'], records=records, generated_at=GENERATED_AT, source=source)
    hosts = dict((e['host'], e) for e in doc['hosts'])
    assert sorted(hosts) == ['agent-0000', 'agent-0001', 'agent-0002', 'inventory-only']
    assert hosts['inventory-only']['status'] == 'missing' and hosts['inventory-only']['record'] is None
    assert doc['source'] == dict(source, inventory_only_hosts=1)
    assert 'Records from fact_cache community.general.redis (3 hosts in the cache, 1 more in the inventory only)' in \
        fh.render_html(doc)


# ---------------------------------------------------------------- the fact cache (Ansible's jsonfile plugin)

@pytest.mark.parametrize('connection, shown', [
    ('127.0.0.1:6379:0:s3cret', '127.0.0.1:6379:0:****'),
    ('tls://redis.corp.example:6380:2:pa:ss', 'tls://redis.corp.example:6380:2:****'),
    ('[::1]:6379:0:s3cret', '[::1]:6379:0:****'),
    ('10.0.0.1:26379;10.0.0.2:26379;0:s3cret', '10.0.0.1:26379;10.0.0.2:26379;0:****'),
    ('127.0.0.1:6379:0', '127.0.0.1:6379:0'),
    ('/var/cache/facts', '/var/cache/facts'),
])
def test_connection_passwords_are_masked(connection, shown):
    assert fc.mask_connection(connection) == shown


def jsonfile(path, prefix=''):
    return fc.FactCache('ansible.builtin.jsonfile', {'connection': str(path), 'prefix': prefix, 'timeout': 0})


def test_jsonfile_cache_round_trip_keeps_other_facts_and_the_newest_record(tmp_path):
    cache = jsonfile(tmp_path / 'facts', 'gotime_')
    older = frec.make_record(fs.clock_result(0, 'ok'), fs.go_result('ok'), now='2026-11-27T18:00:00Z')
    newer = frec.make_record(fs.clock_result(0, 'ok'), fs.go_result('ok'), now='2026-11-27T18:30:00Z')
    cache.set('agent-a', {'ansible_system': 'Linux'})
    assert fc.write_record(cache, 'agent-a', newer) == 'written'
    assert fc.write_record(cache, 'agent-a', older) == 'kept_newer'
    again = jsonfile(tmp_path / 'facts', 'gotime_')
    assert again.keys() == ['agent-a']
    assert again.get('agent-a')['ansible_system'] == 'Linux'
    assert fc.read_records(again) == {'agent-a': newer}
    # Files carry the prefix; another prefix is another fleet.
    assert any(name.startswith('gotime_') for name in os.listdir(str(tmp_path / 'facts')))
    assert jsonfile(tmp_path / 'facts', 'other_').keys() == []


def test_host_with_facts_but_no_record_reads_as_none(tmp_path):
    cache = jsonfile(tmp_path / 'facts')
    cache.set('bare', {'ansible_system': 'Linux'})
    assert fc.read_records(cache) == {'bare': None}


def test_unknown_cache_plugin_is_a_clear_error():
    with pytest.raises(fc.CacheError, match=r"the fact cache no\.such\.cache cannot be opened"):
        fc.FactCache('no.such.cache')


def test_unknown_option_names_the_known_ones():
    with pytest.raises(fc.CacheError, match='unknown cache option uri: use connection, prefix, timeout'):
        fc.FactCache('ansible.builtin.jsonfile', {'uri': '/tmp/x'})
