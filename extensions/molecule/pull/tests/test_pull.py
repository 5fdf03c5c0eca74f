"""Verify what ansible-pull left on the agent: the operator's last commit applied (chrony on 127.0.0.3, always -x),
the fleet's go env for ci, and a root-only checkout of the served repo with the collection vendored."""
import json
import os

import yaml

# the checkout, four directories above extensions/molecule/pull/tests
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..'))
EXAMPLE = os.path.join(ROOT, 'examples', 'pull')
STATE_DIR = '/var/lib/cifleet-gotime-pull'
CHECKOUT = STATE_DIR + '/ops'
ORIGIN = '/srv/git/agent-ops.git'


def example_settings():
    with open(os.path.join(EXAMPLE, 'inventory', 'group_vars', 'all.yml')) as handle:
        return yaml.safe_load(handle)['go_policy_settings']


def test_chrony_follows_the_last_commit(host):
    lines = host.file('/etc/chrony/chrony.conf').content_string.splitlines()
    assert [line for line in lines if line.startswith(('server ', 'pool '))] == ['server 127.0.0.3 iburst']
    assert host.file('/etc/default/chrony').content_string.splitlines()[3:] == ['DAEMON_OPTS="-x"']


def test_chronyd_runs_with_x_and_is_synchronised_to_the_new_server(host):
    pid = host.file('/run/chrony/chronyd.pid').content_string.strip()
    argv = host.file('/proc/%s/cmdline' % pid).content.split(b'\0')
    assert argv[0] == b'/usr/sbin/chronyd'
    assert b'-x' in argv
    tracking = host.check_output('chronyc -n tracking')
    assert 'Reference ID    : 7F000003 (127.0.0.3)' in tracking
    assert 'Leap status     : Normal' in tracking


def test_go_env_is_the_fleets_for_ci(host):
    settings = example_settings()
    keys = ' '.join(sorted(settings)) + ' GOENV'
    env = json.loads(host.check_output("su - ci -c 'go env -json %s'" % keys))
    for key, value in settings.items():
        assert env[key] == value, key
    env_file = host.file(env['GOENV'])
    assert env_file.user == 'ci'
    assert env_file.mode & 0o022 == 0


def test_checkout_is_root_only_and_at_the_served_commit(host):
    state_dir = host.file(STATE_DIR)
    assert (state_dir.user, state_dir.group, state_dir.mode) == ('root', 'root', 0o700)
    assert host.file(CHECKOUT).user == 'root'
    served = host.check_output('git -C %s rev-parse main' % ORIGIN)
    assert host.check_output('git -C %s rev-parse HEAD' % CHECKOUT) == served
    assert host.check_output('git -C %s log -1 --format=%%s' % CHECKOUT) == 'NTP from 127.0.0.3'


def test_checkout_carries_the_vendored_collection(host):
    manifest = json.loads(host.file(CHECKOUT + '/collections/ansible_collections/cifleet/gotime/MANIFEST.json')
                          .content_string)
    with open(os.path.join(ROOT, 'galaxy.yml')) as handle:
        galaxy = yaml.safe_load(handle)
    info = manifest['collection_info']
    assert (info['namespace'], info['name'], info['version']) == (galaxy['namespace'], galaxy['name'], galaxy['version'])


def test_vendored_collection_matches_its_manifest(host):
    verify = host.run('cd %s && /opt/ansible/bin/ansible-galaxy collection verify --offline -p collections cifleet.gotime'
                      % CHECKOUT)
    assert verify.rc == 0, verify.stdout + verify.stderr
    assert 'are internally consistent with its manifest' in verify.stdout


def test_agent_record_is_in_the_shared_cache_and_in_a_controllers_report(host, tmp_path):
    """A controller on this machine reads the Redis the agent recorded into (through the relay) and reports it."""
    import subprocess
    import sys
    with open(os.path.join(os.environ['MOLECULE_EPHEMERAL_DIRECTORY'], 'redis', 'redis.json')) as handle:
        redis = json.load(handle)
    inventory = tmp_path / 'none.json'
    inventory.write_text(json.dumps({'all': {'hosts': {}}}))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, 'ansible.cfg'), ANSIBLE_HOME=str(tmp_path / 'home'),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, '.cache', 'collections'),
               ANSIBLE_CACHE_PLUGIN='community.general.redis', ANSIBLE_CACHE_PLUGIN_CONNECTION=redis['connection'],
               ANSIBLE_CACHE_PLUGIN_PREFIX='gotime_', ANSIBLE_CACHE_PLUGIN_TIMEOUT='0')
    bin_dir = os.path.dirname(os.path.abspath(sys.executable))
    proc = subprocess.run([os.path.join(bin_dir, 'ansible-playbook'), '-i', str(inventory), os.path.join(ROOT, 'playbooks', 'report.yml'),
                           '-e', 'gotime_report_from_cache=true', '-e', 'gotime_report_dir=%s' % (tmp_path / 'report')],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert redis['password'] not in proc.stdout + proc.stderr
    with open(str(tmp_path / 'report' / 'fleet-report.json')) as handle:
        doc = json.load(handle)
    hosts = dict((entry['host'], entry) for entry in doc['hosts'])
    assert sorted(hosts) == ['gotime-pull']
    agent = hosts['gotime-pull']
    with open(os.path.join(ROOT, 'galaxy.yml')) as handle:
        version = yaml.safe_load(handle)['version']
    assert (agent['status'], agent['verdict']) == ('ok', 'ok'), agent['reason']
    assert agent['record']['mode'] == 'pull' and agent['record']['recorder'] == 'gotime-pull'
    assert agent['record']['stale'] is False and agent['record']['collection_version'] == version
    assert doc['summary']['origins']['pull'] == 1


def test_nothing_waits_in_the_spool_and_the_connection_file_is_root_only(host):
    spool = host.file(STATE_DIR + '/spool')
    assert (spool.user, spool.mode) == ('root', 0o700)
    assert [name for name in spool.listdir() if not name.startswith('.')] == []
    env_file = host.file('/etc/cifleet-gotime-pull/cache.env')
    assert (env_file.user, env_file.mode) == ('root', 0o600)
