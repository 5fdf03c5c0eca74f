#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
module: mdm_time_info
short_description: Read the time settings an MDM profile manages on macOS, and whether they agree with the fleet's server
version_added: 0.1.0
description:
  - Reads the configuration profile payload C(com.apple.MCX) (keys C(timeServer) and C(timeZone)) the way compliance tools do,
    from the C(com.apple.MCX) defaults suite with C(osascript -l JavaScript), taking only values the profile forces; falls back to
    C(/Library/Managed Preferences/com.apple.MCX.plist). The same read fills C(gotime_clock.host_sync.mdm) of
    M(cifleet.gotime.clock_facts).
  - With O(servers), says what the C(timesync) role does about the time server. A profile that pins another server is left alone
    (decision V(leave), with a warning naming both servers and how to resolve it), since C(systemsetup -setnetworktimeserver)
    would only hold until the profile re-applies. O(override=true) makes the decision V(override), with a warning that the profile will
    re-apply its server.
  - Settings that cannot be read are a V(null) RV(mdm.managed) with a reason, never a failure.
author:
  - cifleet maintainers (@cifleet)
extends_documentation_fragment:
  - cifleet.gotime.read_only
attributes:
  platform:
    support: full
    platforms: darwin
    description: macOS; elsewhere nothing is managed this way and RV(mdm.managed) is V(false) unless the file exists.
options:
  servers:
    description: The fleet's time servers, in order; timed honours one server, so the first is compared with the profile's first.
    type: list
    elements: str
    default: []
  override:
    description: Set the fleet's server even where a profile pins another (the profile re-applies its own; a warning says so).
    type: bool
    default: false
  managed_preferences_path:
    description: The managed preferences file read when osascript cannot answer.
    type: path
    default: /Library/Managed Preferences/com.apple.MCX.plist
'''

EXAMPLES = r'''
- name: Read the managed time settings
  cifleet.gotime.mdm_time_info:
    servers: [ntp1.corp.example]
  register: mdm

- name: Set the time server unless a profile pins another one
  ansible.builtin.command:
    argv: [/usr/sbin/systemsetup, -setnetworktimeserver, ntp1.corp.example]
  when: mdm.decision != 'leave'
  changed_when: true
'''

RETURN = r'''
mdm:
  description: The managed time settings (as C(gotime_clock.host_sync.mdm)).
  returned: always
  type: dict
  sample: {managed: true, time_server: ntp.corp.example, servers: [ntp.corp.example], time_zone: Europe/Berlin,
           source: osascript, reason: null}
  contains:
    managed:
      description: True when a profile sets C(timeServer), false when none does; null when unreadable (see RV(mdm.reason)).
      type: bool
    time_server:
      description: The profile's C(timeServer) as written; null when not managed.
      type: str
    servers:
      description: RV(mdm.time_server) split on commas.
      type: list
      elements: str
    time_zone:
      description: The profile's C(timeZone); null when not managed.
      type: str
    source:
      description: V(osascript) or the managed preferences file's path; null when unreadable.
      type: str
    reason:
      description: Why the settings could not be read; null when they were.
      type: str
decision:
  description:
    - V(apply) (no profile pins a server, or it pins the first of O(servers), or the settings are unreadable),
      V(leave) (a profile pins another server) or V(override) (the same, with O(override=true)).
  returned: always
  type: str
  sample: leave
agrees:
  description: Whether the profile's first server is the first of O(servers); null when no profile pins one.
  returned: always
  type: bool
  sample: false
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cifleet.gotime.plugins.module_utils import _host_sync_mdm


def main():
    module = AnsibleModule(
        argument_spec=dict(
            servers=dict(type='list', elements='str', default=[]),
            override=dict(type='bool', default=False),
            managed_preferences_path=dict(type='path', default=_host_sync_mdm.MANAGED_PREFERENCES_PLIST),
        ),
        supports_check_mode=True,
    )

    def run(argv):
        return module.run_command(argv, environ_update={'LANG': 'C', 'LC_ALL': 'C'})

    def which(name):
        return module.get_bin_path(name)

    servers = module.params['servers']
    mdm = _host_sync_mdm.read_managed_time(run, which, module.params['managed_preferences_path'])
    decision, agrees = _host_sync_mdm.mdm_decision(mdm, servers, module.params['override'])
    for warning in _host_sync_mdm.mdm_warnings(mdm, servers, decision):
        module.warn(warning)
    module.exit_json(changed=False, mdm=mdm, decision=decision, agrees=agrees)


if __name__ == '__main__':
    main()
