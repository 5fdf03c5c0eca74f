#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
module: go_env
short_description: Validated, idempotent go env settings and guarded module cache cleaning
version_added: 0.1.0
description:
  - Manages one user's Go environment file (the file C(go env -w) writes) and, on request, cleans the user's module cache.
  - Runs as the connection user or the C(become_user); that user's env file is changed.
    Go finds it at V($GOENV), else C(~/Library/Application Support/go/env) on macOS and
    C($XDG_CONFIG_HOME/go/env) or C(~/.config/go/env) on Linux.
  - Reads the state with one C(go env -json) call and the env file; a run with nothing to change calls go only once.
    Writes only the keys whose value differs, with one C(go env -w) and one C(go env -u) call, after reading the state
    again under the lock, and reads the result. C(changed) comes from comparing values, never file bytes.
  - One run reaches the declared state, whatever the order of keys and whatever else it changes. Afterwards
    C(go env KEY) is each value of O(settings), each key of O(unset) has no env file line, and the same task again
    reports unchanged and writes nothing. A key the env file already holds with the wanted value is not written.
    Neither is a key whose value equals a fixed Go default. A key whose default follows another key or the
    environment is written even when its value is already in effect. These are GONOPROXY and GONOSUMDB (from
    GOPRIVATE), GOMODCACHE (from GOPATH), GOPATH and GOCACHE (from the home directory), GOROOT, CGO_ENABLED, CC and
    CXX (from GOOS, GOARCH and the C compiler), the GOARCH-specific keys such as GOAMD64, and, since Go 1.21,
    GOPROXY, GOSUMDB and GOTOOLCHAIN (from C($GOROOT/go.env)). So a later change of GOPRIVATE cannot move a
    declared GONOPROXY.
  - Validates what C(go env -w) does not. GOPROXY list syntax and schemes (https, http, file, V(direct), V(off);
    C(,) and C(|) separators; entries after V(direct) or V(off)). GOSUMDB forms (V(off), a known name,
    C(NAME+HASH+KEY) with the key checked against its hash, one optional URL). GOFLAGS words.
    Glob lists (GOPRIVATE, GONOPROXY, GONOSUMDB, GOINSECURE) with spaces, empty items or malformed patterns.
    Empty values, newlines and NUL, relative paths. Keys Go refuses (GOENV, GODEBUG, read-only keys)
    and keys unknown to the installed Go (for example GOTOOLCHAIN before Go 1.21).
    For GOENV and GODEBUG the message quotes what the host's C(go env -w) says, which depends on its version.
    Go before 1.23 calls GODEBUG an unknown variable; later releases say it can only be set using the OS environment.
    GOTELEMETRY and GOTELEMETRYDIR are refused in the words of the host's Go too. Go before 1.23 does not know them,
    Go 1.23 lists them in C(go env) but its C(go env -w) calls them unknown, and Go 1.24 says they cannot be modified.
    C(go telemetry off) (or V(local), V(on)) sets the telemetry mode.
    A key that only newer Go refuses, such as GOROOT, fails with that Go's own message, which comes from the
    private copy of the env file, so nothing changes.
    Each failure names the key, the value with credentials masked, and the reason. Nothing is written then.
  - Refuses security downgrades unless O(allow_insecure=true), and then warns.
    They are GOSUMDB=off, GONOSUMDB or GOPRIVATE matching public modules, any GOINSECURE,
    GOFLAGS with C(-insecure), and a GOPROXY that is only V(direct).
    Each reason says what the value really does, on the host's Go version where that matters.
    The downgrades GOSUMDB=off, and GONOSUMDB or GOPRIVATE matching public modules, skip the checksum database.
    GOINSECURE lets direct fetches of matching modules use plain HTTP or unverified certificates; it applies to
    direct fetches only and does not turn checksum verification off (the checksum database still verifies those modules).
    GOFLAGS=-insecure allowed plain HTTP and skipped the checksum database before Go 1.17. On Go 1.17 and later
    C(go get) fails with C(-insecure flag is no longer supported; use GOINSECURE instead), and other commands
    ignore it.
    A GOPROXY that is only V(direct) keeps every integrity check (go.sum and the checksum database). It gives up
    the proxy's immutable cache, so a retag or deletion at the origin reaches you, and go runs git or other
    version-control tools against each module's origin.
  - Warns about managed keys that the OS environment sets, because Go prefers those over the env file.
  - Credentials in proxy URLs (C(https://user:token@proxy)) are masked in results, diff, warnings and errors.
  - Env values, env file lines and go's messages are a CI job's to write. Results, diff, warnings and errors show control and
    bidi characters as visible escapes such as C(\x1b) and invalid UTF-8 as U+FFFD (see docs/report.md).
  - Concurrent runs on one env file are serialised with a lock on its directory.
  - C(go env -w) and C(go env -u) edit a private copy beside the env file, which then replaces it in one rename,
    keeping its mode, owner and every line the module does not manage. C(go env -w) alone rewrites the file in place,
    so a run cut short there would leave it truncated. An env file that is a symbolic link stays one; its target is replaced.
  - In check mode the same C(go env -w) and C(go env -u) run on a private copy of the env file.
    So check mode reports the exact effective values and the errors Go would give, and changes nothing.
author:
  - cifleet maintainers (@cifleet)
requirements:
  - Go 1.13 or later on the target (C(go env -w)); reading works with older Go.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The diff shows the env file lines of the managed keys, before and after, with credentials masked.
  platform:
    platforms: posix
options:
  settings:
    description:
      - Go environment keys and the values they must have in the env file, such as V(GOPROXY) or V(GOPRIVATE).
      - Quote values YAML would read as booleans, such as V("on") for C(GO111MODULE).
      - To remove a key, list it in O(unset); an empty value is refused because it hides Go's default.
    type: dict
  unset:
    description:
      - Keys to remove from the env file (C(go env -u)), so that Go's default applies again.
    type: list
    elements: str
    default: []
  go:
    description:
      - The go binary, as a path or a name.
      - By default C(go) is looked up on PATH, then in C(/usr/local/go/bin), C(/opt/homebrew/bin),
        C(/usr/local/bin), C(/opt/local/bin) and C(/usr/lib/go/bin).
    type: str
  modcache:
    description:
      - V(absent) removes the module cache (GOMODCACHE) with C(go clean -modcache), for example after a
        C(checksum mismatch) that proved the cache corrupted. It is changed only when the cache held something.
      - Check mode predicts that from the cache's first directory entry, without walking the cache.
      - Refuses an empty, relative or top-level GOMODCACHE, one that is or contains the home directory, a GOPATH entry,
        GOROOT or the env file's directory, and one inside GOROOT.
      - As a non-root user, every directory of the cache must be owned by (or writable for) that user.
        Otherwise the task fails before anything is removed, instead of leaving a half deleted cache.
      - V(present) leaves the cache alone; the result still reports its path and whether it exists.
      - Settings are applied first, so a new GOMODCACHE in O(settings) is the one cleaned.
    type: str
    choices: [present, absent]
  allow_insecure:
    description:
      - Accept the security downgrades listed above in O(settings); each gives a warning.
    type: bool
    default: false
  lock_timeout:
    description:
      - Seconds to wait for another go_env run on the same env file to finish.
    type: int
    default: 60
notes:
  - Clock skew causes TLS errors (C(x509 certificate has expired or is not yet valid)), never a C(go.sum) checksum mismatch.
    Fix the clock, not GOSUMDB. A real mismatch means changed content. A corrupted local cache (one host's download
    differs from the others') is fixed with O(modcache=absent); a version retagged at its origin is not, because the
    next download brings the changed content again.
  - Credentials never reach go's argument list, which other local users can read. C(go env -w) writes placeholders
    into the private copy, and the module puts the credentials in their place before the rename.
    Go creates the env file readable by others (umask); the module warns when it then holds credentials.
  - Called with no O(settings), O(unset) or O(modcache), the module only reads, for example to report posture.
seealso:
  - name: go env documentation
    description: The go command's environment variables.
    link: https://pkg.go.dev/cmd/go#hdr-Environment_variables
'''

EXAMPLES = r'''
- name: Fleet Go policy for the CI user
  cifleet.gotime.go_env:
    settings:
      GOPROXY: https://goproxy.corp.example,https://proxy.golang.org,direct
      GOPRIVATE: "*.corp.example"
      GOFLAGS: -mod=readonly
  become: true
  become_user: ci

- name: Undo a runbook's "fix" (GOSUMDB=off) and let Go's defaults apply again
  cifleet.gotime.go_env:
    unset: [GOSUMDB, GONOSUMDB, GOINSECURE]

- name: Read the posture only (no changes, also in check mode)
  cifleet.gotime.go_env:
  register: go_posture

- name: Clean the module cache after a proven checksum mismatch
  cifleet.gotime.go_env:
    modcache: absent

- name: A proxy with credentials (masked in every output)
  cifleet.gotime.go_env:
    settings:
      GOPROXY: "https://ci:{{ goproxy_token }}@goproxy.corp.example,off"
'''

RETURN = r'''
go_missing:
  description: True when the module failed because no go binary was found (a host posture, not a broken setting).
  returned: failure, when no go binary was found
  type: bool
  sample: true
go:
  description: Path of the go binary used.
  returned: success
  type: str
  sample: /usr/bin/go
go_version:
  description: Version of that go binary.
  returned: success
  type: str
  sample: go1.19.8
env_file:
  description: The env file Go reads for this user; null when Go has none (GOENV=off, no HOME, Go before 1.13).
  returned: success
  type: str
  sample: /home/ci/.config/go/env
env:
  description:
    - The effective go env after the run (C(go env -json)), credentials masked.
    - In check mode, the values Go would have after the run.
  returned: success
  type: dict
  sample: {"GOPROXY": "https://***@goproxy.corp.example,off", "GOSUMDB": "sum.golang.org"}
changed_keys:
  description: Keys written or removed (in check mode, that would be).
  returned: success
  type: list
  elements: str
  sample: [GOFLAGS, GOPROXY]
overridden:
  description: Managed keys that the OS environment sets; Go uses those, not the env file's values.
  returned: success
  type: list
  elements: str
  sample: [GOPROXY]
insecure:
  description: Security downgrades in the effective env after the run, also in a read-only run.
  returned: success
  type: list
  elements: dict
  contains:
    key:
      description: The go env key.
      type: str
      sample: GOSUMDB
    value:
      description: Its value, credentials masked.
      type: str
      sample: "off"
    why:
      description: What the value really does, for the host's Go version where that matters (GOFLAGS=-insecure).
      type: str
      sample: "the checksum database is off: go.sum entries for new modules are trusted on first download"
modcache:
  description: The module cache.
  returned: success
  type: dict
  contains:
    path:
      description: GOMODCACHE after the run.
      type: str
      sample: /home/ci/go/pkg/mod
    existed:
      description: Whether the cache directory existed before the cleaning.
      type: bool
    removed:
      description: Whether the cache held something and was removed (in check mode, would be).
      type: bool
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cifleet.gotime.plugins.module_utils._display_text import message, module_result
from ansible_collections.cifleet.gotime.plugins.module_utils._go_env_run import GoMissing, run_module


def main():
    module = AnsibleModule(
        argument_spec=dict(
            settings=dict(type='dict'),
            unset=dict(type='list', elements='str', default=[]),
            go=dict(type='str'),
            modcache=dict(type='str', choices=['present', 'absent']),
            allow_insecure=dict(type='bool', default=False),
            lock_timeout=dict(type='int', default=60),
        ),
        supports_check_mode=True,
    )
    # Env values, env file lines and go's stderr are a CI job's to write: no escape sequence or invalid
    # UTF-8 in what ansible-playbook prints (warnings, msg, diff, -v results).
    try:
        result, warnings = run_module(module)
    except GoMissing as e:
        module.fail_json(msg=message(str(e)), go_missing=True)
    except ValueError as e:
        module.fail_json(msg=message(str(e)))
    for warning in warnings:
        module.warn(message(warning))
    module.exit_json(**module_result(result))


if __name__ == '__main__':
    main()
