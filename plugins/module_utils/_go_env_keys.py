# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""go_env's key tables and go's own output: versions, go env -json, the go env file."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This module_utils is PRIVATE and should only be used by this collection.

import json
import os
import posixpath
import re
import sys


MASK = '***'
MIN_WRITE_VERSION = (1, 13)  # go env -w and -u
LOCK_POLL = 0.05

# Where go is looked for after PATH: Go's installer, Homebrew, MacPorts, Debian's golang-go.
GO_DIRS = ('/usr/local/go/bin', '/opt/homebrew/bin', '/usr/local/bin', '/opt/local/bin', '/usr/lib/go/bin')

# Keys `go env -w` refuses (cmd/go/internal/envcmd checkEnvWrite).
OS_ONLY_KEYS = frozenset(('GOENV', 'GODEBUG'))
READ_ONLY_KEYS = frozenset(('GOEXE', 'GOGCCFLAGS', 'GOHOSTARCH', 'GOHOSTOS', 'GOMOD', 'GOWORK', 'GOTOOLDIR',
                            'GOVERSION'))
# Telemetry keys: unknown to go env before Go 1.23; Go 1.23 lists them in go env -json but go env -w calls them
# "unknown go command variable"; Go 1.24 added them to checkEnvWrite's "cannot be modified" (recorded: Debian's
# go1.19.8, go1.21.13, go1.22.12, go1.23.5, go1.24.4). `go telemetry off|local|on` (Go 1.23+) sets the mode.
TELEMETRY_KEYS = frozenset(('GOTELEMETRY', 'GOTELEMETRYDIR'))
TELEMETRY_LISTED_SINCE = (1, 23)
TELEMETRY_READ_ONLY_SINCE = (1, 24)
# Keys Go knows but `go env -json` lists only for some platforms: key -> first Go version knowing it.
UNLISTED_KEYS = dict(
    [(k, (1, 13)) for k in ('CGO_CFLAGS_ALLOW', 'CGO_CFLAGS_DISALLOW', 'CGO_CPPFLAGS_ALLOW', 'CGO_CPPFLAGS_DISALLOW',
                            'CGO_CXXFLAGS_ALLOW', 'CGO_CXXFLAGS_DISALLOW', 'CGO_FFLAGS_ALLOW', 'CGO_FFLAGS_DISALLOW',
                            'CGO_LDFLAGS_ALLOW', 'CGO_LDFLAGS_DISALLOW', 'FC', 'GO386', 'GOARM', 'GOMIPS', 'GOMIPS64',
                            'GOPPC64', 'GOWASM', 'GO_EXTLINK_ENABLED')]
    + [('GOARM64', (1, 23)), ('GORISCV64', (1, 23))])
# Keys whose default (or, for the GOARCH-specific keys, whether go env reports them at all) Go computes from
# other keys or from the environment: key -> (first Go version where it does, what it follows, where in Go).
# A declared value for them is written to the env file even when it is already in effect, so that it stays
# in effect when what it follows changes (plan_changes). Read-only and OS-only keys derive too (GOENV from
# $GOENV/$XDG_CONFIG_HOME/$HOME, GOEXE from GOOS, GOTOOLDIR from GOROOT, GOTELEMETRYDIR from
# $XDG_CONFIG_HOME/$HOME), but go env -w refuses them.
DERIVED_DEFAULTS = {
    'GONOPROXY': ((1, 13), 'GOPRIVATE', 'cmd/go/internal/cfg/cfg.go: envOr("GONOPROXY", GOPRIVATE)'),
    'GONOSUMDB': ((1, 13), 'GOPRIVATE', 'cmd/go/internal/cfg/cfg.go: envOr("GONOSUMDB", GOPRIVATE)'),
    'GOPATH': ((1, 13), '$HOME', 'cmd/go/internal/cfg/cfg.go gopath, go/build defaultGOPATH: $HOME/go'),
    'GOMODCACHE': ((1, 13), 'GOPATH', 'cmd/go/internal/cfg/cfg.go: gopathDir("pkg/mod"), the first GOPATH entry'),
    'GOCACHE': ((1, 13), '$XDG_CACHE_HOME or $HOME', 'cmd/go/internal/cache/default.go DefaultDir: os.UserCacheDir()'),
    'GOROOT': ((1, 13), 'the go binary\'s location', 'cmd/go/internal/cfg/cfg.go findGOROOT'),
    'CGO_ENABLED': ((1, 13), 'GOOS and GOARCH (0 when cross-compiling); since Go 1.20 also CC and $PATH (0 without a C compiler)',
                    'cmd/go/internal/cfg/cfg.go defaultContext'),
    'CC': ((1, 13), 'GOOS and GOARCH', 'cmd/go/internal/envcmd/env.go MkEnv: cfg.DefaultCC(cfg.Goos, cfg.Goarch)'),
    'CXX': ((1, 13), 'GOOS and GOARCH', 'cmd/go/internal/envcmd/env.go MkEnv: cfg.DefaultCXX(cfg.Goos, cfg.Goarch)'),
    'GOPROXY': ((1, 21), 'GOROOT', '$GOROOT/go.env, read by cmd/go/internal/cfg/cfg.go initEnvCache'),
    'GOSUMDB': ((1, 21), 'GOROOT', '$GOROOT/go.env, read by cmd/go/internal/cfg/cfg.go initEnvCache'),
    'GOTOOLCHAIN': ((1, 21), 'GOROOT', '$GOROOT/go.env, read by cmd/go/internal/cfg/cfg.go initEnvCache'),
}
_ARCH_KEYS = (('GO386', '386', (1, 13)), ('GOAMD64', 'amd64', (1, 18)), ('GOARM', 'arm', (1, 13)),
              ('GOARM64', 'arm64', (1, 23)), ('GOMIPS', 'mips', (1, 13)), ('GOMIPS64', 'mips64', (1, 13)),
              ('GOPPC64', 'ppc64', (1, 13)), ('GORISCV64', 'riscv64', (1, 23)), ('GOWASM', 'wasm', (1, 13)))
DERIVED_DEFAULTS.update((key, (since, 'GOARCH (go env reports %s only on %s)' % (key, arch),
                               'cmd/go/internal/cfg/cfg.go GetArchEnv')) for key, arch, since in _ARCH_KEYS)
DERIVED_DEFAULTS['GOARM'] = ((1, 13), 'GOARCH (reported only on arm) and GOOS (7 on android since Go 1.21)',
                             'cmd/go/internal/cfg/cfg.go GetArchEnv, internal/buildcfg goarm')
# GODEBUG: go env -w calls it an unknown variable before Go 1.23 (recorded: go1.19.8, go1.21.13, go1.22.12), which
# names it with GOENV in checkEnvWrite.
GODEBUG_OS_ONLY_SINCE = (1, 23)
# The -insecure flag of go get, removed in Go 1.17 (cmd/go/internal/modget/get.go); from then on go get fails with:
INSECURE_FLAG_REMOVED = (1, 17)
INSECURE_FLAG_ERROR = 'go: -insecure flag is no longer supported; use GOINSECURE instead'
# Newer keys, for a helpful message when the installed Go does not know them.
KEY_SINCE = {'GOTOOLCHAIN': '1.21', 'GOARM64': '1.23', 'GORISCV64': '1.23', 'GOAUTH': '1.24', 'GOFIPS140': '1.24'}

URL_KEYS = ('GOPROXY', 'GOSUMDB')
GLOB_LIST_KEYS = ('GOPRIVATE', 'GONOPROXY', 'GONOSUMDB', 'GOINSECURE')
ABSOLUTE_PATH_KEYS = ('GOBIN', 'GOCACHE', 'GOMODCACHE', 'GOROOT', 'GOTMPDIR')
CHOICES = {
    'GO111MODULE': ('on', 'off', 'auto'),
    'CGO_ENABLED': ('0', '1'),
    'GOAMD64': ('v1', 'v2', 'v3', 'v4'),
}
PROXY_SCHEMES = ('https', 'http', 'file')
GOFLAGS_MOD = ('readonly', 'vendor', 'mod')
GO_TRUE = ('1', 't', 'T', 'TRUE', 'true', 'True')
GO_FALSE = ('0', 'f', 'F', 'FALSE', 'false', 'False')
# cmd/go/internal/modfetch knownGOSUMDB, and the alias Go accepts as the whole value.
KNOWN_SUMDB_KEYS = {'sum.golang.org': 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8'}
SUMDB_ALIASES = ('sum.golang.google.cn',)
# Public module paths: a glob list matching one of them covers public modules, not only private ones.
PUBLIC_MODULE_PROBES = ('github.com/golang/protobuf', 'golang.org/x/mod', 'google.golang.org/grpc', 'gopkg.in/yaml.v3',
                        'go.uber.org/zap', 'k8s.io/client-go', 'cloud.google.com/go', 'rsc.io/quote')

_KEY_RE = re.compile(r'^[A-Z][A-Z0-9_]*$')
_VERSION_RE = re.compile(r'\bgo(\d+)\.(\d+)(?:\.(\d+))?')
_SCHEME_USERINFO_RE = re.compile(r'(?P<pre>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#@\s\'"]+)@')
_URL_TOKEN_SPLIT_RE = re.compile(r'([,|\s]+)')
_LINE_BREAKS = ('\n', '\r', '\v', '\x00')


def parse_version(text):
    """(major, minor, patch) from `go version` output or GOVERSION: go1.19.8, go1.21rc2, devel go1.23-abc."""
    match = _VERSION_RE.search(text or '')
    if not match:
        raise ValueError('go version: no Go version such as go1.19.8 in %r' % (text or '').strip()[:200])
    return (int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))


def version_text(version):
    return 'go%d.%d.%d' % version


def parse_env_json(text):
    """`go env -json` output as a dict of str."""
    try:
        env = json.loads(text)
    except ValueError as e:
        raise ValueError('go env -json: output is not JSON (%s): %r' % (e, (text or '')[:200]))
    if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
        raise ValueError('go env -json: expected an object of strings, got %r' % (text or '')[:200])
    return env


def parse_env_file(text):
    """KEY=VALUE lines as Go reads them (cmd/go/internal/cfg initEnvCache): last one wins, others skipped."""
    values = {}
    for line in (text or '').split('\n'):
        key, sep, value = line.partition('=')
        if not sep or not line or not ('A' <= line[0] <= 'Z'):
            continue
        values[key] = value
    return values


def read_env_file(path):
    """The env file's text, or None when it does not exist."""
    if not path:
        return None
    try:
        with open(path, 'rb') as f:
            return f.read().decode('utf-8', 'surrogateescape')
    except (IOError, OSError) as e:
        if not os.path.exists(path):
            return None
        raise ValueError('go env file %s: cannot read it: %s' % (path, e))


def env_file_path(reported, environ, system=None):
    """The env file `go env -w` writes: GOENV as go reports it, else Go's rule (Go before 1.13 reports none)."""
    if reported:
        return reported
    goenv = environ.get('GOENV', '')
    if goenv == 'off':
        raise ValueError('GOENV=off is set in the OS environment: go has no env file to write')
    if goenv:
        return goenv
    home = environ.get('HOME', '')
    if (system or sys.platform) == 'darwin':
        base = posixpath.join(home, 'Library', 'Application Support') if home else ''
    else:
        base = environ.get('XDG_CONFIG_HOME', '')
        if base and not posixpath.isabs(base):
            raise ValueError('XDG_CONFIG_HOME=%r is relative: go has no env file to write' % base)
        if not base and home:
            base = posixpath.join(home, '.config')
    if not base:
        raise ValueError('HOME is not set: go has no env file to write (set HOME or GOENV)')
    return posixpath.join(base, 'go', 'env')
