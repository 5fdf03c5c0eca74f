"""Verify the Linux path: chrony (always -x) synchronised to the lab server; the go env policy for ci."""
import json

MANAGED_HEADER = ['#', '# Ansible managed', '#']


def test_chrony_conf_is_managed_and_names_the_lab_server(host):
    conf = host.file('/etc/chrony/chrony.conf')
    assert (conf.user, conf.group, conf.mode) == ('root', 'root', 0o644)
    lines = conf.content_string.splitlines()
    assert lines[:3] == MANAGED_HEADER
    assert 'server 127.0.0.2 iburst' in lines
    assert {'makestep 1.0 3', 'maxdistance 3.0', 'minsources 1'} <= set(lines)
    assert not [line for line in lines if line.startswith('pool ')]


def test_chronyd_options_keep_the_clock_alone(host):
    options = host.file('/etc/default/chrony')
    assert (options.user, options.group, options.mode) == ('root', 'root', 0o644)
    lines = options.content_string.splitlines()
    assert lines[:3] == MANAGED_HEADER
    assert lines[3:] == ['DAEMON_OPTS="-x"']


def test_chronyd_runs_with_x(host):
    pid = host.file('/run/chrony/chronyd.pid').content_string.strip()
    argv = host.file('/proc/%s/cmdline' % pid).content.split(b'\0')
    assert argv[0] == b'/usr/sbin/chronyd'
    assert b'-x' in argv


def test_chrony_is_synchronised_to_the_lab_server(host):
    tracking = host.check_output('chronyc -n tracking')
    assert 'Reference ID    : 7F000002 (127.0.0.2)' in tracking
    assert 'Leap status     : Normal' in tracking


def test_go_env_policy_for_ci(host):
    env = json.loads(host.check_output("su - ci -c 'go env -json GOPROXY GOSUMDB GOPRIVATE GOFLAGS GOENV'"))
    assert env['GOPROXY'] == 'https://goproxy.corp.example,https://proxy.golang.org,direct'
    assert env['GOSUMDB'] == 'sum.golang.org'
    assert env['GOPRIVATE'] == '*.corp.example'
    assert env['GOFLAGS'] == '-mod=readonly'
    env_file = host.file(env['GOENV'])
    assert env_file.user == 'ci'
    assert env_file.mode & 0o022 == 0
    lines = env_file.content_string.splitlines()
    assert 'GOPROXY=https://goproxy.corp.example,https://proxy.golang.org,direct' in lines
    # GOSUMDB equals Go's default: go_env does not write it.
    assert not [line for line in lines if line.startswith('GOSUMDB=')]
