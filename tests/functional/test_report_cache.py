"""One report from a shared Redis fact cache (issue 14): two controllers and an agent that records itself
write one real redis-server (our own, on a free loopback port, with a password); each controller's
report from the cache shows every host, inventory or not; Redis down or a wrong password loses nothing
and fails nothing; old records are shown stale with their age.

Controller A is configured through the environment (ANSIBLE_CACHE_PLUGIN*), controller B through an
ansible.cfg of its own; each has its own ANSIBLE_HOME. The agent runs playbooks/record.yml on localhost
as ansible-pull does (examples/pull/local.yml), with the memory fact cache and the shared one named for the
record only.
"""
import csv
import json
import os
import subprocess
import sys

import pytest

from support.ansible_env import ansible_env as support_env
from support.lab_checks import running
from support.report_doc import without_render_time

from lab import fleet_lab, ntp_lab, redis_lab

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(os.path.abspath(sys.executable))
HOSTS = 4
PREFIX = 'gotime_'


def shared_cache_env(redis, **extra):
    return dict(ANSIBLE_CACHE_PLUGIN='community.general.redis', ANSIBLE_CACHE_PLUGIN_CONNECTION=redis.connection,
                ANSIBLE_CACHE_PLUGIN_PREFIX=PREFIX, ANSIBLE_CACHE_PLUGIN_TIMEOUT='0', **extra)


def controller_a(workdir, redis):
    return support_env(workdir, ANSIBLE_FORKS=str(HOSTS + 1), ANSIBLE_HOST_KEY_CHECKING='False', **shared_cache_env(redis))


def controller_b(workdir, redis):
    """Another controller: its own ansible.cfg naming the same Redis, its own ANSIBLE_HOME."""
    with open(os.path.join(ROOT, 'ansible.cfg')) as handle:
        lines = [line for line in handle.read().splitlines() if not line.startswith('fact_caching')]
    at = lines.index('[defaults]') + 1
    lines[at:at] = ['fact_caching = community.general.redis', 'fact_caching_connection = %s' % redis.connection,
                    'fact_caching_prefix = %s' % PREFIX, 'fact_caching_timeout = 0']
    os.makedirs(workdir, exist_ok=True)
    config = os.path.join(workdir, 'ansible.cfg')
    with open(config, 'w') as handle:
        handle.write('\n'.join(lines) + '\n')
    os.chmod(config, 0o600)
    env = support_env(workdir, ANSIBLE_CONFIG=config, ANSIBLE_FORKS=str(HOSTS + 1), ANSIBLE_HOST_KEY_CHECKING='False')
    env.pop('ANSIBLE_CACHE_PLUGIN_CONNECTION')
    return env


def agent_env(workdir, connection):
    """An agent that pulls: the memory fact cache; the Redis connection in the standard variable, read by the plugin."""
    return support_env(workdir, ANSIBLE_CACHE_PLUGIN='ansible.builtin.memory', ANSIBLE_CACHE_PLUGIN_CONNECTION=connection)


def playbook(env, name, inventory, *extra, check=True):
    argv = [os.path.join(BIN, 'ansible-playbook'), '-i', inventory, os.path.join(ROOT, 'playbooks', name)]
    for item in extra:
        argv += ['-e', item if isinstance(item, str) else json.dumps(item)]
    proc = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    if check:
        assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    return proc


def said(proc):
    """The console output with whitespace runs made one space (the callback folds long lines)."""
    return ' '.join((proc.stdout + proc.stderr).split())


def load_json(path):
    with open(path) as handle:
        return json.load(handle)


def write_json(path, data):
    with open(path, 'w') as handle:
        json.dump(data, handle)
    return path


def comparable(doc):
    """What two renders of the same records share: all but the render time and what follows from it."""
    return without_render_time(doc, source=('inventory_only_hosts',))


@pytest.fixture(scope='module')
def redis():
    yield from running(redis_lab.missing_tools(), redis_lab.RedisServer)


@pytest.fixture(scope='module')
def fleet(tmp_path_factory):
    yield from running(ntp_lab.missing_tools(), fleet_lab.FleetLab, str(tmp_path_factory.mktemp('fleet-lab')), HOSTS,
                       python=sys.executable)


def agent_inventory(path, fleet, name='localhost'):
    """localhost as ansible-pull's ops repo has it, measuring against the lab's good servers."""
    first = fleet.hosts[sorted(fleet.hosts)[0]]
    host = dict((k, v) for k, v in first.items() if k.startswith(('gotime_', 'ansible_python')))
    host['ansible_connection'] = 'local'
    return write_json(path, {'all': {'hosts': {name: host}}})


@pytest.fixture(scope='module')
def shared(fleet, redis, tmp_path_factory):
    """Controllers A and B each measure half the lab fleet into the one Redis; an agent records itself; both render."""
    work = tmp_path_factory.mktemp('shared-cache')
    names = sorted(fleet.hosts)
    half = {'a': names[:HOSTS // 2], 'b': names[HOSTS // 2:]}
    envs = {'a': controller_a(str(work / 'a'), redis), 'b': controller_b(str(work / 'b'), redis)}
    inventories = {}
    for side in ('a', 'b'):
        inventories[side] = write_json(str(work / ('%s.json' % side)), {'all': {'hosts': dict((h, fleet.hosts[h]) for h in half[side])}})
        playbook(envs[side], 'report.yml', inventories[side], 'gotime_report_dir=%s' % (work / side / 'live'),
                 'gotime_report_recorder=controller-%s' % side)
    agent = playbook(agent_env(str(work / 'agent'), redis.connection), 'record.yml', agent_inventory(str(work / 'agent.json'), fleet),
                     'gotime_record_cache_plugin=community.general.redis', 'gotime_record_cache_prefix=%s' % PREFIX,
                     'gotime_record_cache_timeout=0', 'gotime_record_name=agent-pull-1',
                     'gotime_record_spool=%s' % (work / 'agent' / 'spool'))
    reports = {}
    for side in ('a', 'b'):
        proc = playbook(envs[side], 'report.yml', inventories[side], 'gotime_report_from_cache=true',
                        'gotime_report_dir=%s' % (work / side / 'cached'))
        reports[side] = {'doc': load_json(str(work / side / 'cached' / 'fleet-report.json')), 'dir': str(work / side / 'cached'),
                         'stdout': proc.stdout}
    return {'names': names, 'half': half, 'reports': reports, 'agent': agent, 'work': work}


def test_two_controllers_and_an_agent_make_one_report(shared, fleet):
    for side in ('a', 'b'):
        doc = shared['reports'][side]['doc']
        hosts = dict((e['host'], e) for e in doc['hosts'])
        # Every host of the cache, not only this controller's inventory half.
        assert sorted(hosts) == sorted(shared['names'] + ['agent-pull-1'])
        for name, (status, verdict, go_status) in fleet.expected.items():
            assert (hosts[name]['status'], hosts[name]['verdict']) == (status, verdict), name
        assert hosts['agent-pull-1']['status'] == 'ok' and hosts['agent-pull-1']['verdict'] == 'ok'
    # The same records, whichever controller renders them.
    assert comparable(shared['reports']['a']['doc']) == comparable(shared['reports']['b']['doc'])


def test_records_say_who_measured_when_and_with_which_version(shared):
    doc = shared['reports']['a']['doc']
    hosts = dict((e['host'], e) for e in doc['hosts'])
    with open(os.path.join(ROOT, 'galaxy.yml')) as handle:
        version = [line.split(':', 1)[1].strip() for line in handle if line.startswith('version:')][0]
    for side in ('a', 'b'):
        for name in shared['half'][side]:
            record = hosts[name]['record']
            assert (record['mode'], record['recorder'], record['collection_version']) == ('controller', 'controller-%s' % side, version)
            assert record['stale'] is False and 0 <= record['age'] < 600
    pull = hosts['agent-pull-1']['record']
    assert pull['mode'] == 'pull' and pull['recorder'] and pull['stale'] is False
    summary = doc['summary']
    assert summary['origins'] == {'controller': HOSTS, 'pull': 1, 'unknown': 0, 'no_record': 0}
    assert summary['recorders']['controller-a'] == HOSTS // 2 and summary['recorders']['controller-b'] == HOSTS - HOSTS // 2
    assert doc['source']['plugin'] == 'community.general.redis' and doc['source']['cache_hosts'] == HOSTS + 1
    assert doc['source']['inventory_only_hosts'] == 0


def test_password_never_reaches_outputs_or_console(shared, redis):
    for side in ('a', 'b'):
        report = shared['reports'][side]
        assert redis.password not in report['stdout']
        for name in os.listdir(report['dir']):
            with open(os.path.join(report['dir'], name)) as handle:
                assert redis.password not in handle.read(), name
        assert report['doc']['source']['connection'] == '127.0.0.1:%d:0:****' % redis.port
    assert redis.password not in shared['agent'].stdout + shared['agent'].stderr
    assert 'recorded agent-pull-1 in community.general.redis 127.0.0.1:%d:0:**** prefix %s' % (redis.port, PREFIX) in said(shared['agent'])


def test_csv_and_prometheus_state_where_records_came_from(shared):
    directory = shared['reports']['b']['dir']
    with open(os.path.join(directory, 'fleet-report.csv'), newline='') as handle:
        rows = dict((row['host'], row) for row in csv.DictReader(handle))
    assert rows['agent-pull-1']['origin'] == 'pull' and rows['agent-pull-1']['stale'] == 'false'
    assert set(rows[h]['recorder'] for h in shared['half']['a']) == {'controller-a'}
    with open(os.path.join(directory, 'fleet-report.prom')) as handle:
        prom = handle.read()
    assert 'gotime_fleet_records{origin="pull"} 1' in prom and 'gotime_fleet_records{origin="controller"} %d' % HOSTS in prom


def test_agent_keeps_its_record_while_redis_is_unreachable_and_sends_it_later(fleet, redis, tmp_path):
    inventory = agent_inventory(str(tmp_path / 'agent.json'), fleet)
    spool = tmp_path / 'spool'
    common = ['gotime_record_cache_plugin=community.general.redis', 'gotime_record_cache_prefix=%s' % PREFIX,
              'gotime_record_cache_timeout=0', 'gotime_record_spool=%s' % spool]
    wrong = playbook(agent_env(str(tmp_path / 'w'), redis.connection_with('not-the-password')), 'record.yml', inventory,
                     'gotime_record_name=agent-offline', *common)
    assert 'NOT recorded in the shared cache' in said(wrong) and 'AuthenticationError' in said(wrong)
    assert 'not-the-password' not in wrong.stdout + wrong.stderr and 'Traceback' not in wrong.stdout + wrong.stderr
    assert 'failed=0' in said(wrong)
    down = playbook(agent_env(str(tmp_path / 'd'), '127.0.0.1:%d:0:%s' % (fleet_lab.closed_tcp_port(), redis.password)),
                    'record.yml', inventory, 'gotime_record_name=agent-offline', *common)
    assert 'NOT recorded in the shared cache' in said(down) and 'ConnectionError' in said(down)
    assert '1 record(s) waiting' in said(down) and redis.password not in down.stdout + down.stderr
    assert (spool.stat().st_mode & 0o777) == 0o700
    spooled = [name for name in os.listdir(str(spool)) if 'agent-offline' in name]
    assert len(spooled) == 1
    with open(str(spool / spooled[0])) as handle:
        kept_at = handle.read()

    back = playbook(agent_env(str(tmp_path / 'b'), redis.connection), 'record.yml', inventory, 'gotime_record_name=agent-back',
                    *common)
    assert 'sent 1 record(s) kept from earlier runs' in said(back)
    assert [name for name in os.listdir(str(spool)) if not name.startswith('.')] == []
    report_dir = tmp_path / 'report'
    playbook(controller_a(str(tmp_path / 'ctl'), redis), 'report.yml', write_json(str(tmp_path / 'none.json'), {'all': {'hosts': {}}}),
             'gotime_report_from_cache=true', 'gotime_report_dir=%s' % report_dir)
    hosts = dict((e['host'], e) for e in load_json(str(report_dir / 'fleet-report.json'))['hosts'])
    assert hosts['agent-offline']['record']['measured_at'] in kept_at
    assert hosts['agent-back']['record']['mode'] == 'pull'


def test_required_record_fails_the_run_when_redis_is_down(fleet, redis, tmp_path):
    proc = playbook(agent_env(str(tmp_path), '127.0.0.1:%d:0:x' % fleet_lab.closed_tcp_port()), 'record.yml',
                    agent_inventory(str(tmp_path / 'agent.json'), fleet), 'gotime_record_cache_plugin=community.general.redis',
                    'gotime_record_required=true', check=False)
    assert proc.returncode == 2
    assert 'NOT recorded' in said(proc) and 'set the spool option' in said(proc) and 'Traceback' not in proc.stdout + proc.stderr


def test_controller_with_a_named_cache_that_is_down_still_reports_and_keeps_the_records(fleet, redis, tmp_path):
    """A controller whose own fact cache stays local (jsonfile) and names the shared Redis for the records."""
    env = support_env(str(tmp_path))
    dead = '127.0.0.1:%d:0:%s' % (fleet_lab.closed_tcp_port(), redis.password)
    named = ['gotime_report_cache_plugin=community.general.redis', 'gotime_report_cache_connection=%s' % dead,
             'gotime_report_cache_prefix=%s' % PREFIX, 'gotime_report_cache_spool=%s' % (tmp_path / 'spool')]
    inventory = agent_inventory(str(tmp_path / 'one.json'), fleet, name='lab-host')
    live = playbook(env, 'report.yml', inventory, 'gotime_report_dir=%s' % (tmp_path / 'live'), *named)
    assert 'NOT recorded in the shared cache' in said(live) and 'ConnectionError' in said(live)
    assert redis.password not in live.stdout + live.stderr
    # This run's own job, the report, is done; the record waits in the spool.
    assert [e['host'] for e in load_json(str(tmp_path / 'live' / 'fleet-report.json'))['hosts']] == ['lab-host']
    assert [n for n in os.listdir(str(tmp_path / 'spool')) if 'lab-host' in n] != []

    proc = playbook(env, 'report.yml', inventory, 'gotime_report_from_cache=true', 'gotime_report_dir=%s' % (tmp_path / 'r'),
                    *named, check=False)
    assert proc.returncode != 0
    out = said(proc)
    assert 'fleet_report: the fact cache community.general.redis 127.0.0.1:' in out and 'cannot be read (ConnectionError' in out
    assert redis.password not in out and 'Traceback' not in out
    assert not os.path.exists(str(tmp_path / 'r' / 'fleet-report.json'))


def test_old_records_in_redis_are_stale_with_their_age(redis, tmp_path):
    """Records seeded through Ansible's own cache plugin, measured 3 h and 10 min before now."""
    script = (
        'import json, sys\n'
        'from ansible.plugins.loader import cache_loader, init_plugin_loader\n'
        'init_plugin_loader()\n'
        'from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report_record as fr\n'
        'sys.path.insert(0, sys.argv[1])\n'
        'from lab import fleet_synthetic as fs\n'
        'import time\n'
        'cache = cache_loader.get("community.general.redis")\n'
        'now = time.time()\n'
        'for name, age in (("old-agent", 3 * 3600), ("fresh-agent", 600)):\n'
        '    record = fr.make_record(fs.clock_result(0, "ok"), fs.go_result("ok"), origin="pull", recorder=name, now=now - age)\n'
        '    cache.set(name, {"gotime_report": record})\n'
    )
    env = controller_a(str(tmp_path), redis)
    # Another Redis database: the redis plugin's key list is one per database, shared by every prefix.
    env['ANSIBLE_CACHE_PLUGIN_CONNECTION'] = '127.0.0.1:%d:1:%s' % (redis.port, redis.password)
    subprocess.run([sys.executable, '-c', script, os.path.join(ROOT, 'tests')], env=env, check=True, timeout=120)
    report_dir = tmp_path / 'report'
    playbook(env, 'report.yml', write_json(str(tmp_path / 'none.json'), {'all': {'hosts': {}}}), 'gotime_report_from_cache=true',
             'gotime_report_dir=%s' % report_dir, 'gotime_report_max_age=3600')
    doc = load_json(str(report_dir / 'fleet-report.json'))
    hosts = dict((e['host'], e) for e in doc['hosts'])
    assert sorted(hosts) == ['fresh-agent', 'old-agent']  # database 1 holds no other fleet's records
    assert hosts['old-agent']['record']['stale'] is True and 3 * 3600 <= hosts['old-agent']['record']['age'] < 3 * 3600 + 300
    assert hosts['fresh-agent']['record']['stale'] is False
    assert hosts['old-agent']['state'] == 'ok'  # still reported with its verdict, flagged, not dropped
    assert doc['max_age'] == 3600 and [s['host'] for s in doc['summary']['stale']] == ['old-agent']
    with open(str(report_dir / 'fleet-report.html')) as handle:
        page = handle.read()
    assert 'stale: measured 3.0 h ago' in page


def test_bulk_read_of_redis_equals_one_get_per_host(redis, tmp_path):
    """FactCache.get_many (MGET in chunks) returns what the plugin's own get returns for each host, across a chunk
    boundary, with a record whose value vanished behind the key list (the plugin's get then drops it)."""
    script = (
        'import json, sys\n'
        'from ansible.plugins.loader import init_plugin_loader\n'
        'init_plugin_loader()\n'
        'from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report_record as fr, _fact_cache\n'
        'sys.path.insert(0, sys.argv[1])\n'
        'from lab import fleet_synthetic as fs\n'
        'cache = _fact_cache.FactCache()\n'
        'records = fs.records(_fact_cache.MGET_CHUNK + 7, fr.make_record)\n'
        'for name, record in records.items():\n'
        '    cache.set(name, {"gotime_report": record, "other": {"kept": 1}})\n'
        'cache._raw._db.delete(cache._raw._make_key(cache._cache._get_key("agent-0003") if cache._cache is not cache._raw else "agent-0003"))\n'
        'bulk = _fact_cache.FactCache().get_many(sorted(records))\n'
        'each = dict((name, _fact_cache.FactCache().get(name)) for name in sorted(records))\n'
        'print(json.dumps({"equal": bulk == each, "hosts": len(bulk), "gone": bulk["agent-0003"],\n'
        '                  "same_record": bulk["agent-0500"]["gotime_report"] == json.loads(json.dumps(records["agent-0500"]))}))\n'
    )
    env = controller_a(str(tmp_path), redis)
    env['ANSIBLE_CACHE_PLUGIN_CONNECTION'] = '127.0.0.1:%d:2:%s' % (redis.port, redis.password)  # a database of its own
    proc = subprocess.run([sys.executable, '-c', script, os.path.join(ROOT, 'tests')], env=env, capture_output=True, text=True,
                          check=True, timeout=300)
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {'equal': True, 'hosts': 507, 'gone': {}, 'same_record': True}
