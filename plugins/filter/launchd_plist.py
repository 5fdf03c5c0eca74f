# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
name: launchd_plist
short_description: Render a launchd job as a checked XML property list
version_added: 0.1.0
author:
  - cifleet maintainers
description:
  - Builds the XML property list of a launchd job (see launchd.plist(5)) from a dictionary.
  - Checks the keys launchd knows and their types before anything is written, and proves that the
    XML reads back to the same data (plistlib round trip).
  - Fails with a message naming the key for an unknown key, a wrong type, a V(Label) with spaces or
    slashes, a relative path, a non-positive V(StartInterval) or an impossible V(StartCalendarInterval).
positional: _input
options:
  _input:
    description: The job, for example V(Label), V(ProgramArguments), V(RunAtLoad), V(StartInterval).
    type: dict
    required: true
  header:
    description: Text of an XML comment placed after the document type, such as a "managed by" note.
    type: str
'''

EXAMPLES = r'''
- name: Install a LaunchDaemon
  ansible.builtin.copy:
    content: "{{ job | cifleet.gotime.launchd_plist(header='Managed by Ansible') }}"
    dest: /Library/LaunchDaemons/org.example.job.plist
    owner: root
    group: wheel
    mode: "0644"
  vars:
    job:
      Label: org.example.job
      ProgramArguments: [/usr/local/libexec/job.sh]
      RunAtLoad: true
      StartInterval: 900
'''

RETURN = r'''
_value:
  description: The XML property list.
  type: str
'''

import plistlib

from ansible.errors import AnsibleFilterError

from ansible_collections.cifleet.gotime.plugins.plugin_utils._names import LAUNCHD_LABEL, matches

CALENDAR_FIELDS = {'Minute': (0, 59), 'Hour': (0, 23), 'Day': (1, 31), 'Weekday': (0, 7), 'Month': (1, 12)}
PROCESS_TYPES = ('Background', 'Standard', 'Adaptive', 'Interactive')
BOOL_KEYS = ('RunAtLoad', 'Disabled', 'LowPriorityIO', 'AbandonProcessGroup', 'SessionCreate', 'InitGroups')
INT_KEYS = {'StartInterval': 1, 'TimeOut': 0, 'ExitTimeOut': 0, 'ThrottleInterval': 0, 'Umask': 0, 'Nice': -20}
PATH_KEYS = ('Program', 'StandardOutPath', 'StandardErrorPath', 'StandardInPath', 'WorkingDirectory', 'RootDirectory')
NAME_KEYS = ('UserName', 'GroupName', 'ProcessType')
KNOWN_KEYS = frozenset(('Label', 'ProgramArguments', 'EnvironmentVariables', 'StartCalendarInterval', 'KeepAlive')
                       + BOOL_KEYS + tuple(INT_KEYS) + PATH_KEYS + NAME_KEYS)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _check_calendar(value):
    entries = value if isinstance(value, list) else [value]
    if not entries:
        raise ValueError('StartCalendarInterval must be a dict or a non-empty list of dicts')
    for entry in entries:
        if not isinstance(entry, dict):
            raise ValueError('StartCalendarInterval entries must be dicts of %s' % ', '.join(sorted(CALENDAR_FIELDS)))
        for field, number in entry.items():
            if field not in CALENDAR_FIELDS:
                raise ValueError('StartCalendarInterval: unknown field %r (known: %s)' % (field, ', '.join(sorted(CALENDAR_FIELDS))))
            low, high = CALENDAR_FIELDS[field]
            if not _is_int(number) or not low <= number <= high:
                raise ValueError('StartCalendarInterval: %s must be an integer from %d to %d, got %r' % (field, low, high, number))


def check_job(job):
    """Raise ValueError naming the first key launchd would reject or misread."""
    if not isinstance(job, dict):
        raise ValueError('a launchd job must be a dict, got %s' % type(job).__name__)
    unknown = sorted(set(job) - KNOWN_KEYS)
    if unknown:
        raise ValueError('unknown launchd key(s): %s' % ', '.join(unknown))
    label = job.get('Label')
    if not matches(LAUNCHD_LABEL, label):
        raise ValueError('Label must be a non-empty string of letters, digits, ".", "_" or "-" (no spaces or slashes), got %r' % (label,))
    arguments = job.get('ProgramArguments')
    if arguments is not None:
        if not isinstance(arguments, list) or not arguments or not all(isinstance(arg, str) for arg in arguments):
            raise ValueError('ProgramArguments must be a non-empty list of strings')
    if 'Program' not in job and arguments is None:
        raise ValueError('a launchd job needs Program or ProgramArguments')
    program = job.get('Program', arguments[0] if arguments else None)
    if not program.startswith('/'):
        raise ValueError('the program must be an absolute path, got %r' % program)
    for key in BOOL_KEYS:
        if key in job and not isinstance(job[key], bool):
            raise ValueError('%s must be a boolean, got %r' % (key, job[key]))
    for key, minimum in INT_KEYS.items():
        if key in job and (not _is_int(job[key]) or job[key] < minimum):
            raise ValueError('%s must be an integer of at least %d, got %r' % (key, minimum, job[key]))
    for key in PATH_KEYS:
        if key in job and (not isinstance(job[key], str) or not job[key].startswith('/')):
            raise ValueError('%s must be an absolute path, got %r' % (key, job[key]))
    for key in NAME_KEYS:
        if key in job and (not isinstance(job[key], str) or not job[key]):
            raise ValueError('%s must be a non-empty string, got %r' % (key, job[key]))
    if 'ProcessType' in job and job['ProcessType'] not in PROCESS_TYPES:
        raise ValueError('ProcessType must be one of %s, got %r' % (', '.join(PROCESS_TYPES), job['ProcessType']))
    env = job.get('EnvironmentVariables', {})
    if not isinstance(env, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
        raise ValueError('EnvironmentVariables must map strings to strings')
    if 'KeepAlive' in job and not isinstance(job['KeepAlive'], (bool, dict)):
        raise ValueError('KeepAlive must be a boolean or a dict, got %r' % (job['KeepAlive'],))
    if 'StartCalendarInterval' in job:
        _check_calendar(job['StartCalendarInterval'])


def render(job, header=None):
    """The job as an XML plist, after check_job and a plistlib round trip."""
    check_job(job)
    job = dict((str(key), value) for key, value in job.items())
    xml = plistlib.dumps(job, fmt=plistlib.FMT_XML, sort_keys=True).decode('utf-8')
    if header:
        comment = '<!-- %s -->\n' % str(header).replace('--', '- -').strip()
        doctype_end = xml.index('.dtd">') + len('.dtd">\n')
        xml = xml[:doctype_end] + comment + xml[doctype_end:]
    if plistlib.loads(xml.encode('utf-8')) != job:
        raise ValueError('the property list does not read back to the same job')
    return xml


def launchd_plist(job, header=None):
    try:
        return render(job, header)
    except (ValueError, TypeError, OverflowError) as exc:
        raise AnsibleFilterError('launchd_plist: %s' % exc)


class FilterModule(object):
    def filters(self):
        return {'launchd_plist': launchd_plist}
