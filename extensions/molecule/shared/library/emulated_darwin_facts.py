# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only module: facts of the emulated Mac (tests/darwin, a macOS command emulator), so roles take their Darwin path.

Ansible's setup module reads macOS's version with `sw_vers -productVersion`; this module asks the
emulated sw_vers the same and returns the facts setup returns on a real Mac. Never use it on a real host.
"""
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec={}, supports_check_mode=True)
    sw_vers = module.get_bin_path('sw_vers', required=True, opt_dirs=['/usr/bin'])
    values = {}
    for key, flag in (('version', '-productVersion'), ('build', '-buildVersion')):
        rc, out, err = module.run_command([sw_vers, flag])
        if rc != 0:
            module.fail_json(msg='emulated sw_vers %s failed: %s' % (flag, err.strip()))
        values[key] = out.strip()
    facts = {
        'system': 'Darwin',
        'os_family': 'Darwin',
        'distribution': 'MacOSX',
        'distribution_version': values['version'],
        'distribution_major_version': values['version'].split('.')[0],
        'distribution_release': values['build'],
        'service_mgr': 'launchd',
        'emulated_darwin': True,
    }
    module.exit_json(changed=False, ansible_facts=facts)


if __name__ == '__main__':
    main()
