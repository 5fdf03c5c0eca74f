"""clock_facts returns exactly the keys its RETURN documents: two real runs against the lab cover them all."""
import json
import os

from ansible_collections.cifleet.gotime.plugins.module_utils import _host_sync_mdm
from support import docgen
from support.modrun import run_module

MANAGED_PREFERENCES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'fixtures', 'host_sync',
                                   'managed_preferences_mcx.plist')
LAUNCHD_STATUS = {'time': '2026-11-27T19:00:00Z', 'offset': -0.25, 'action': 'none', 'server': 'time.apple.com',
                  'error': None, 'threshold': 1.0}


def clock(args):
    result, proc = run_module('clock_facts', args)
    assert not result.get('failed'), result
    assert 'Traceback' not in proc.stderr
    return result['ansible_facts'][docgen.FACT]


def test_real_facts_have_the_documented_keys(lab, tmp_path):
    services = lab['services']
    status = tmp_path / 'launchd_sync.json'
    status.write_text(json.dumps(LAUNCHD_STATUS))
    # NTP with a falseticker, a certificate and a failing endpoint, this host's sync state and a launchd_sync status.
    measured = clock({'ntp_servers': [services[name]['label'] for name in ('ntp_good_1', 'ntp_good_2', 'ntp_fast_300')],
                      'ntp_timeout': 1, 'samples': 2, 'https_date_urls': [],
                      'cert_endpoints': [services['tls_valid']['endpoint'], services['tls_expired']['endpoint'],
                                         services['tls_not_tls']['endpoint']],
                      'host_sync': True, 'launchd_status_path': str(status)})
    # No NTP answer: the HTTPS Date fallback and its estimate.
    fallback = clock({'ntp_servers': [services['ntp_dead']['label']], 'ntp_timeout': 1, 'cert_endpoints': [],
                      'https_date_urls': [services['https_date_fast_300']['url']], 'https_date_ca_file': lab['ca_file'],
                      'host_sync': False})
    # An older launchd_sync.sh status reads with gotime-clock's added keys empty.
    older_status = dict(LAUNCHD_STATUS, servers=[], agreed=[], falsetickers=[], trigger=None, error_bound=None, decision=None)
    assert measured['ntp']['selection']['falsetickers'] and measured['host_sync']['launchd_sync'] == older_status
    assert fallback['offset_source'] == 'https_date' and fallback['https_date']['estimate']

    returned = docgen.value_paths(measured, docgen.FACT) | docgen.value_paths(fallback, docgen.FACT)
    # host_sync.mdm is macOS only: the function clock_facts calls there, on a recorded managed preferences file.
    mdm = _host_sync_mdm.read_managed_time(lambda argv: (1, '', ''), {}.get, MANAGED_PREFERENCES)
    assert mdm['managed'] is True and measured['host_sync']['mdm'] is None
    returned |= docgen.value_paths({'host_sync': {'mdm': mdm}}, docgen.FACT)
    # certificates[].chain[] comes from Python 3.13 and later (this venv's is older): test_clock_facts_chain checks those keys.
    documented = set(path for path, dummy in docgen.fact_entries()
                     if not path.startswith(docgen.FACT + '.certificates[].chain[]')) - {docgen.FACT}
    assert sorted(returned - documented) == [], 'returned but missing from RETURN in plugins/modules/clock_facts.py'
    assert sorted(documented - returned) == [], 'in RETURN but not returned'
