"""clock_facts judges every certificate a server sends where the target's Python offers the chain (3.13+).

Real parts: leaf <- intermediate <- root chains made with cryptography (tests/lab/tls_lab.py) and served
on 127.0.0.1; true time from the lab's chronyd (ntp_good_1, or ntp_ahead_2h under libfaketime); the module
run through Ansible, as on a managed host, on a Python 3.13 that has only the standard library, ntplib and
cryptography (.cache/target-python3.13, made by `make setup-test` from pyenv's 3.13) and on this venv's
Python 3.11, whose ssl offers only the leaf.
"""
import datetime
import json
import os
import subprocess
import sys

import pytest

from support import docgen
from support.ansible_env import BIN, ROOT, ansible_env
from lab.tls_lab import ChainTLSServer

PYTHON_313 = os.path.join(ROOT, '.cache', 'target-python3.13', 'bin', 'python')
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
# The intermediate of case c starts in an hour: not yet valid at host time, valid at the lab's +2 h true time.
STARTS_IN_AN_HOUR = 'starts_in_an_hour'
# host: (interpreter, NTP server of the lab, the intermediate's window)
CASES = {
    'valid_313': (PYTHON_313, 'ntp_good_1', 'valid'),
    'expired_intermediate_313': (PYTHON_313, 'ntp_good_1', 'expired'),
    'future_intermediate_313': (PYTHON_313, 'ntp_ahead_2h', STARTS_IN_AN_HOUR),
    'future_intermediate_311': (sys.executable, 'ntp_ahead_2h', STARTS_IN_AN_HOUR),
}
CHAIN_DOC_PREFIX = docgen.FACT + '.certificates[].chain'


def iso(moment):
    return moment.strftime('%Y-%m-%dT%H:%M:%SZ')


@pytest.fixture(scope='module')
def run(lab, tmp_path_factory):
    """{host: (its chain server, its gotime_clock fact)}, from one `ansible` run over all cases."""
    if sys.version_info >= (3, 13):
        pytest.fail('the leaf-only case runs clock_facts on this venv\'s Python, which must be older than 3.13 (it is %d.%d)'
                    % sys.version_info[:2])
    if not os.access(PYTHON_313, os.X_OK):
        pytest.fail('%s is missing: run `make setup-test` (scripts/bootstrap target-python 3.13 needs pyenv\'s '
                    'Python 3.13 or a python3.13 on PATH)' % PYTHON_313)
    work = tmp_path_factory.mktemp('chain')
    certs = work / 'certs'
    certs.mkdir()
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    windows = {'valid': 'valid', 'expired': 'expired', STARTS_IN_AN_HOUR: (now + HOUR, now + 30 * DAY)}
    servers = dict((host, ChainTLSServer(str(certs), {'intermediate': windows[window]}))
                   for host, (dummy, dummy_ntp, window) in CASES.items())
    args = {'ntp_servers': '{{ chain_ntp }}', 'cert_endpoints': '{{ chain_endpoints }}', 'ntp_timeout': 1,
            'https_date_urls': [], 'host_sync': False}
    tree = work / 'tree'
    try:
        for server in servers.values():
            server.start()
        hosts = {}
        for host, (python, ntp, dummy) in CASES.items():
            hosts[host] = {'ansible_connection': 'local', 'ansible_python_interpreter': python,
                           'chain_ntp': [lab['services'][ntp]['label']], 'chain_endpoints': [servers[host].endpoint]}
        inventory = work / 'inventory.json'
        inventory.write_text(json.dumps({'all': {'hosts': hosts}}))
        proc = subprocess.run([os.path.join(BIN, 'ansible'), 'all', '-i', str(inventory), '-m', 'cifleet.gotime.clock_facts',
                               '-a', json.dumps(args), '-t', str(tree)],
                              capture_output=True, text=True, env=ansible_env(str(work)), timeout=300, check=False)
    finally:
        for server in servers.values():
            server.stop()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    facts = {}
    for host in CASES:
        with open(tree / host) as handle:
            result = json.load(handle)
        assert not result.get('failed'), result
        facts[host] = (servers[host], result['ansible_facts'][docgen.FACT])
    return facts


def certificate(fact):
    assert len(fact['certificates']) == 1 and fact['certificates'][0]['error'] is None, fact['certificates']
    return fact['certificates'][0]


def test_valid_chain_is_judged_whole(run):
    server, fact = run['valid_313']
    cert = certificate(fact)
    assert (cert['chain_checked'], cert['chain_reason'], cert['chain_failures']) == (True, None, [])
    # What the server sent, in its order: the leaf, then the intermediate (the root is not sent).
    assert [(c['position'], c['subject'], c['issuer']) for c in cert['chain']] == [
        (0,) + server.chain['leaf'][:2], (1,) + server.chain['intermediate'][:2]]
    for entry, role in zip(cert['chain'], ('leaf', 'intermediate')):
        assert (entry['not_before'], entry['not_after']) == tuple(iso(moment) for moment in server.chain[role][2:])
        assert (entry['valid_at_host_time'], entry['valid_at_true_time'], entry['error']) == (True, True, None)
    assert cert['subject'] == server.chain['leaf'][0] and cert['valid_at_host_time'] is True
    assert fact['verdict'] == 'ok', fact['reason']


def test_expired_intermediate_is_named_in_facts_and_reason(run):
    server, fact = run['expired_intermediate_313']
    cert = certificate(fact)
    subject, issuer, not_before, not_after = server.chain['intermediate']
    assert cert['chain_checked'] is True
    assert cert['chain'][1]['valid_at_host_time'] is False and cert['chain'][1]['valid_at_true_time'] is False
    assert cert['chain_failures'] == [{
        'position': 1, 'subject': subject, 'issuer': issuer, 'not_before': iso(not_before), 'not_after': iso(not_after),
        'valid_at_host_time': False, 'valid_at_true_time': False, 'problem': 'expired at host time and at true time'}]
    # The leaf itself is fine: judged alone (as before Python 3.13) this endpoint looked healthy.
    assert cert['valid_at_host_time'] is True and cert['valid_at_true_time'] is True
    # True time agrees with the host: a server-side problem, not the clock.
    assert fact['verdict'] == 'ok'
    assert ('%s (chain certificate 1, subject %s, issuer %s, valid %s to %s)' % (
        server.endpoint, subject, issuer, iso(not_before), iso(not_after))) in fact['reason']
    assert 'a server-side certificate problem, not the clock' in fact['reason']


def test_intermediate_not_yet_valid_at_host_time_is_a_tls_window(run):
    server, fact = run['future_intermediate_313']
    cert = certificate(fact)
    subject, issuer, not_before, not_after = server.chain['intermediate']
    assert abs(fact['offset'] - 7200) < 1, fact['ntp']
    assert [f['position'] for f in cert['chain_failures']] == [1]
    failure = cert['chain_failures'][0]
    assert (failure['subject'], failure['valid_at_host_time'], failure['valid_at_true_time']) == (subject, False, True)
    assert failure['problem'] == 'not yet valid at host time, valid at true time'
    assert fact['verdict'] == 'tls_window'
    assert ('%s (chain certificate 1, subject %s, issuer %s, valid %s to %s: not yet valid at host time)' % (
        server.endpoint, subject, issuer, iso(not_before), iso(not_after))) in fact['reason']
    assert fact['reason'].endswith('; a certificate after the leaf fails the verifiers whose path goes through it '
                                   '(a sent intermediate normally is on it)')


def test_python_311_judges_the_leaf_only_and_says_so(run):
    server, fact = run['future_intermediate_311']
    cert = certificate(fact)
    assert cert['chain_checked'] is False and cert['chain'] is None
    assert cert['chain_reason'] == 'Python < 3.13 exposes only the leaf (this host runs Python %d.%d)' % sys.version_info[:2]
    # The same chain as on 3.13, where the intermediate made a tls_window: unseen here, and never a failure.
    assert cert['chain_failures'] == [] and cert['valid_at_host_time'] is True
    assert fact['verdict'] == 'skewed', fact['reason']
    assert server.chain['intermediate'][0] not in fact['reason']


def test_chain_keys_are_the_documented_ones(run):
    # test_clock_facts_return covers every other key on this venv's Python; chain[] needs 3.13.
    returned = set()
    for dummy, fact in run.values():
        returned |= docgen.value_paths(fact, docgen.FACT)
    documented = set(path for path, dummy in docgen.fact_entries())
    chain_returned = set(path for path in returned if path.startswith(CHAIN_DOC_PREFIX))
    chain_documented = set(path for path in documented if path.startswith(CHAIN_DOC_PREFIX))
    assert sorted(chain_returned ^ chain_documented) == []
