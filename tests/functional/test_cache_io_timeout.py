"""A shared Redis cache that never answers (io timeouts of the fact cache): playbooks and plugins bounded in time.

Two real peers on 127.0.0.1, started here (tests/lab/hung_tcp.py): a black hole that accepts and reads and never
answers (a hung Redis: redis-py's first reply never comes), and a listener whose full accept queue is never drained
(a firewall that drops packets: the connect itself hangs). community.general.redis sets no socket timeout, so without
the bound each run below waits for good (the black hole) or for minutes of SYN retries (the full queue).

The bound, stated: io timeout 2 s, and every ansible-playbook run must finish under subprocess's timeout of
RUN_LIMIT seconds; an agent's record is spooled, the cached report and the lookup fail naming the cache. No timed
asserts: the outcome is asserted, and a hang is the subprocess timeout failing the test.
"""
import json
import os
import signal
import subprocess
import sys

import pytest

from support.ansible_env import ansible_env
from support.lab_checks import require_lab

from lab import hung_tcp, redis_lab

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(os.path.abspath(sys.executable))
PASSWORD = 'never-shown-7f3a'
IO_TIMEOUT = 2
RUN_LIMIT = 60
# What redis-py says for each peer: the reply never comes, or the connection is never accepted.
HANGS = {'black_hole': 'TimeoutError: Timeout reading from socket', 'never_accepts': 'TimeoutError: Timeout connecting to server'}
BOUND = 'no answer within the I/O timeout of %d s' % IO_TIMEOUT


@pytest.fixture(scope='module')
def peers():
    with hung_tcp.BlackHole() as hole, hung_tcp.NeverAccepts() as queue:
        yield {'black_hole': hole, 'never_accepts': queue}


def connection(port):
    return '127.0.0.1:%d:0:%s' % (port, PASSWORD)


def run(argv, workdir, **env):
    """An ansible command of this checkout; a run that outlives RUN_LIMIT fails the test (subprocess.TimeoutExpired),
    and its process group (ansible's forked workers, waiting on the peer) is killed."""
    proc = subprocess.Popen(argv, env=ansible_env(str(workdir), **env), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=RUN_LIMIT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # our own run's group, by its id
        proc.communicate()
        raise
    return subprocess.CompletedProcess(argv, proc.returncode, stdout, stderr)


def playbook(path, workdir, *extra, **env):
    argv = [os.path.join(BIN, 'ansible-playbook'), '-i', 'localhost,', '-c', 'local', path,
            '-e', 'ansible_python_interpreter=%s' % sys.executable]
    for item in extra:
        argv += ['-e', item]
    return run(argv, workdir, **env)


def said(proc):
    """The console output with whitespace runs made one space (the callback folds long lines)."""
    return ' '.join((proc.stdout + proc.stderr).split())


def cache_message(port, verb, hang):
    return ('the fact cache community.general.redis 127.0.0.1:%d:0:**** prefix gotime_ cannot be %s (%s; %s)'
            % (port, verb, HANGS[hang], BOUND))


def measure_nothing_slow():
    """record.yml's measurement kept short: one closed NTP port (1 s), no HTTPS Date, no certificates."""
    return json.dumps({'gotime_clock_ntp_servers': ['127.0.0.1:9'], 'gotime_clock_ntp_timeout': 1, 'gotime_clock_samples': 1,
                       'gotime_clock_https_date_urls': [], 'gotime_clock_cert_endpoints': []})


@pytest.mark.parametrize('hang', sorted(HANGS))
def test_agent_record_is_spooled_and_the_run_goes_on(peers, hang, tmp_path):
    port = peers[hang].port
    spool = tmp_path / 'spool'
    proc = playbook('playbooks/record.yml', tmp_path, measure_nothing_slow(), 'gotime_record_cache_plugin=community.general.redis',
                    'gotime_record_cache_prefix=gotime_', 'gotime_record_cache_io_timeout=%d' % IO_TIMEOUT,
                    'gotime_record_name=agent-hung', 'gotime_record_spool=%s' % spool,
                    ANSIBLE_CACHE_PLUGIN='ansible.builtin.memory', ANSIBLE_CACHE_PLUGIN_CONNECTION=connection(port))
    out = said(proc)
    assert proc.returncode == 0 and 'failed=0' in out, out[-4000:]
    assert 'NOT recorded in the shared cache: %s. Kept in %s' % (cache_message(port, 'read', hang), spool) in out
    assert '(1 record(s) waiting)' in out
    assert [name for name in os.listdir(str(spool)) if 'agent-hung' in name] != []
    assert PASSWORD not in proc.stdout + proc.stderr and 'Traceback' not in out


@pytest.mark.parametrize('hang', sorted(HANGS))
def test_report_from_a_hung_cache_fails_naming_it(peers, hang, tmp_path):
    port = peers[hang].port
    report_dir = tmp_path / 'report'
    proc = playbook('playbooks/report.yml', tmp_path, 'gotime_report_from_cache=true', 'gotime_report_dir=%s' % report_dir,
                    'gotime_report_cache_plugin=community.general.redis', 'gotime_report_cache_connection=%s' % connection(port),
                    'gotime_report_cache_prefix=gotime_', 'gotime_report_cache_io_timeout=%d' % IO_TIMEOUT)
    out = said(proc)
    assert proc.returncode == 2, out[-4000:]
    assert 'fleet_report: %s' % cache_message(port, 'read', hang) in out
    assert PASSWORD not in proc.stdout + proc.stderr and 'Traceback' not in out
    assert not report_dir.exists()


def saying(expression, dest):
    """The last task of a lab play: write what the tasks before it gave (a Jinja expression) as JSON to dest."""
    return """    - name: Say what the tasks gave
      ansible.builtin.copy:
        content: "{{ %s | to_json }}"
        dest: "%s"
        mode: "0600"
""" % (expression, dest)


LOOKUP_PLAY = """
- name: Record into a live Redis, then read each cache with the lookup
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Record one host in the live Redis, with the same bound
      cifleet.gotime.fleet_record:
        record: {status: ok, origin: {measured_at: '2026-12-01T00:00:00Z'}}
        name: live-agent
        cache_plugin: community.general.redis
        cache_connection: "{{ caches.live }}"
        cache_prefix: gotime_
        cache_io_timeout: "{{ io_timeout }}"
        required: true
    - name: Read each cache
      ansible.builtin.set_fact:
        read: >-
          {{ query('cifleet.gotime.fleet_records', plugin='community.general.redis', connection=caches[item],
                   prefix='gotime_', io_timeout=io_timeout) | first }}
      loop: "{{ caches | list }}"
      register: reads
      ignore_errors: true
""" + saying('reads.results', '{{ out }}')


def test_lookup_fails_naming_the_cache_and_reads_a_live_one_with_the_same_bound(peers, tmp_path):
    """One play: fleet_record into a real redis-server, then the lookup against it (read) and both hung peers (each
    fails within the bound)."""
    require_lab(redis_lab.missing_tools())
    play = tmp_path / 'lookup.yml'
    play.write_text(LOOKUP_PLAY)
    out = tmp_path / 'reads.json'
    with redis_lab.RedisServer() as redis:
        caches = {'black_hole': connection(peers['black_hole'].port), 'never_accepts': connection(peers['never_accepts'].port),
                  'live': redis.connection}
        proc = playbook(str(play), tmp_path, json.dumps({'caches': caches, 'io_timeout': IO_TIMEOUT, 'out': str(out)}))
        text = said(proc)
        assert proc.returncode == 0, text[-4000:]
        assert redis.password not in proc.stdout + proc.stderr
    results = dict((result['item'], result) for result in json.loads(out.read_text()))
    for hang in HANGS:
        result = results[hang]
        assert result['failed'] is True, result
        assert result['msg'].endswith('fleet_records: %s' % cache_message(peers[hang].port, 'read', hang)), result['msg']
    live = results['live']
    assert live.get('failed') is not True, live
    assert live['ansible_facts']['read']['records'] == {'live-agent': {'status': 'ok', 'origin': {'measured_at': '2026-12-01T00:00:00Z'}}}
    assert live['ansible_facts']['read']['source']['connection'] == '127.0.0.1:%d:0:****' % redis.port
    assert PASSWORD not in proc.stdout + proc.stderr and 'Traceback' not in text


BAD_OPTIONS_PLAY = """
- name: Refuse a bad I/O timeout before anything is touched
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Record with a bad timeout
      cifleet.gotime.fleet_record:
        record: {status: ok}
        cache_plugin: community.general.redis
        cache_connection: "{{ conn }}"
        cache_io_timeout: soon
        spool: "{{ work }}/spool"
      register: record
      ignore_errors: true
    - name: Report with a bad timeout
      cifleet.gotime.fleet_report:
        dest: "{{ work }}/report"
        cache: {plugin: community.general.redis, connection: "{{ conn }}", io_timeout: 0}
      register: report
      ignore_errors: true
    - name: Look up with a bad timeout
      ansible.builtin.set_fact:
        read: "{{ query('cifleet.gotime.fleet_records', plugin='community.general.redis', connection=conn, io_timeout=-1) }}"
      register: lookup
      ignore_errors: true
""" + saying("[record, report, lookup] | map(attribute='msg') | list", '{{ work }}/said.json')


def test_bad_io_timeout_is_refused_naming_the_option_and_nothing_is_made(peers, tmp_path):
    """Each plugin refuses it before the cache is opened: the black hole sees no connection, no spool or report is made."""
    play = tmp_path / 'bad.yml'
    play.write_text(BAD_OPTIONS_PLAY)
    accepted = peers['black_hole'].accepted
    proc = playbook(str(play), tmp_path, 'work=%s' % tmp_path, 'conn=%s' % connection(peers['black_hole'].port))
    assert proc.returncode == 0, said(proc)[-4000:]
    record, report, lookup = json.loads((tmp_path / 'said.json').read_text())
    fix = 'must be a number of seconds above 0 (how long the cache server may take to accept a connection or to answer)'
    assert record == "fleet_record: cache_io_timeout %s, got 'soon'; for example cache_io_timeout: 10" % fix
    assert report == 'fleet_report: cache.io_timeout %s, got 0; for example cache.io_timeout: 10' % fix
    assert lookup.endswith('fleet_records: io_timeout %s, got -1; for example io_timeout: 10' % fix), lookup
    assert not (tmp_path / 'spool').exists() and not (tmp_path / 'report').exists()
    assert peers['black_hole'].accepted == accepted
