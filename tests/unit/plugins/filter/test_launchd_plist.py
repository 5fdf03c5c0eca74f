"""cifleet.gotime.launchd_plist: launchd jobs rendered as checked XML plists."""
import plistlib

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.cifleet.gotime.plugins.filter.launchd_plist import FilterModule, launchd_plist

JOB = {
    'Label': 'org.cifleet.gotime.clock-sync',
    'ProgramArguments': ['/Library/Application Support/cifleet.gotime/launchd_sync.sh'],
    'RunAtLoad': True,
    'StartInterval': 900,
    'StartCalendarInterval': [{'Minute': 0}, {'Minute': 30}],
    'StandardOutPath': '/var/log/cifleet.gotime.launchd_sync.log',
    'StandardErrorPath': '/var/log/cifleet.gotime.launchd_sync.log',
}


def test_renders_an_xml_plist_that_reads_back_to_the_job():
    xml = launchd_plist(JOB, header='Managed by Ansible -- do not edit')
    assert xml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC')
    assert '\n<!-- Managed by Ansible - - do not edit -->\n<plist version="1.0">' in xml
    assert plistlib.loads(xml.encode()) == JOB
    assert '<integer>900</integer>' in xml and '<true/>' in xml


def test_is_deterministic_so_unchanged_jobs_stay_unchanged():
    assert launchd_plist(dict(reversed(list(JOB.items())))) == launchd_plist(JOB)


def test_registered_as_a_filter():
    assert FilterModule().filters()['launchd_plist'] is launchd_plist


@pytest.mark.parametrize('change, message', [
    ({'Label': 'org.example clock'}, 'Label must be'),
    ({'Label': 'org/example'}, 'Label must be'),
    ({'Label': ''}, 'Label must be'),
    ({'StartInterval': 0}, 'StartInterval must be an integer of at least 1'),
    ({'StartInterval': '900'}, 'StartInterval must be an integer'),
    ({'StartInterval': True}, 'StartInterval must be an integer'),
    ({'RunAtLoad': 'yes'}, 'RunAtLoad must be a boolean'),
    ({'ProgramArguments': []}, 'ProgramArguments must be a non-empty list of strings'),
    ({'ProgramArguments': ['relative.sh']}, 'the program must be an absolute path'),
    ({'ProgramArguments': ['/bin/sh', 5]}, 'ProgramArguments must be a non-empty list of strings'),
    ({'StandardOutPath': 'log.txt'}, 'StandardOutPath must be an absolute path'),
    ({'StartCalendarInterval': [{'Minute': 60}]}, 'Minute must be an integer from 0 to 59'),
    ({'StartCalendarInterval': {'Hour': 24}}, 'Hour must be an integer from 0 to 23'),
    ({'StartCalendarInterval': [{'Second': 1}]}, "unknown field 'Second'"),
    ({'StartCalendarInterval': []}, 'non-empty list'),
    ({'EnvironmentVariables': {'PATH': 1}}, 'EnvironmentVariables must map strings to strings'),
    ({'ProcessType': 'Fast'}, 'ProcessType must be one of'),
    ({'KeepAlive': 'always'}, 'KeepAlive must be a boolean or a dict'),
    ({'RunAtload': True}, 'unknown launchd key(s): RunAtload'),
])
def test_rejects_what_launchd_would_reject_or_misread(change, message):
    with pytest.raises(AnsibleFilterError) as error:
        launchd_plist(dict(JOB, **change))
    assert message in str(error.value)


def test_needs_a_program():
    job = dict(JOB)
    del job['ProgramArguments']
    with pytest.raises(AnsibleFilterError, match='needs Program or ProgramArguments'):
        launchd_plist(job)


def test_rejects_a_non_dict():
    with pytest.raises(AnsibleFilterError, match='must be a dict'):
        launchd_plist(['Label'])
