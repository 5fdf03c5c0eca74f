# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""go_env's run: find go, lock and edit the go env file, check mode, the module's result."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This module_utils is PRIVATE and should only be used by this collection.

import fcntl
import os
import posixpath
import pwd
import shutil
import stat
import tempfile
import time

from ansible_collections.cifleet.gotime.plugins.module_utils._go_env_checks import check_key, check_request
from ansible_collections.cifleet.gotime.plugins.module_utils._go_env_keys import (
    GO_DIRS, LOCK_POLL, MIN_WRITE_VERSION, URL_KEYS, env_file_path, parse_env_file, parse_env_json, parse_version,
    read_env_file, version_text,
)
from ansible_collections.cifleet.gotime.plugins.module_utils._go_env_modcache import (
    count_entries, modcache_guard, modcache_state, removal_blocker,
)
from ansible_collections.cifleet.gotime.plugins.module_utils._go_env_plan import (
    downgrades, overridden_keys, plan_changes,
)
from ansible_collections.cifleet.gotime.plugins.module_utils._go_env_secrets import (
    hide_credentials, managed_lines, mask_env, mask_value, restore_credentials, scrub, secrets_in,
)


class EnvFileLock(object):
    """Serialises go_env runs on one env file: flock on its directory (each run reads, edits a copy, renames)."""

    def __init__(self, env_file, timeout):
        self.directory = posixpath.dirname(env_file)
        self.timeout = timeout
        self.fd = None

    def __enter__(self):
        try:
            os.makedirs(self.directory, 0o777, exist_ok=True)
            self.fd = os.open(self.directory, os.O_RDONLY)
        except OSError as e:
            raise ValueError('go env file directory %s: %s' % (self.directory, e.strerror))
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except (IOError, OSError):
                if time.monotonic() >= deadline:
                    os.close(self.fd)
                    raise ValueError('another go_env run has held the lock on %s for more than %s s (lock_timeout)'
                                     % (self.directory, self.timeout))
                time.sleep(LOCK_POLL)

    def __exit__(self, *exc):
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        return False


class GoMissing(ValueError):
    """No go binary on the host: a posture for reports (go_missing in the result), not a broken setting."""


def find_go(module, option):
    """The go binary: the go option (path or name), else PATH and GO_DIRS."""
    if option and '/' in option:
        path = os.path.expanduser(option)
        if not os.path.isfile(path):
            raise GoMissing('go: %s does not exist; install Go 1.13 or later or point the go option at it' % option)
        if not os.access(path, os.X_OK):
            raise ValueError('go: %s is not executable' % option)
        return path
    path = (module.get_bin_path(option or 'go', required=False)
            or module.get_bin_path(option or 'go', required=False, opt_dirs=list(GO_DIRS)))
    if not path:
        raise GoMissing('go: no %s binary on PATH or in %s; install Go 1.13 or later or set the go option'
                        % (option or 'go', ', '.join(GO_DIRS)))
    return path


class Go(object):
    """The one seam to the go binary: argv lists, C locale, from /, so no go.mod or go.work applies."""

    def __init__(self, module, path, secrets):
        self.module = module
        self.path = path
        self.secrets = secrets

    def run(self, args, goenv=None):
        env = {'LANG': 'C', 'LC_ALL': 'C', 'LC_MESSAGES': 'C'}
        if goenv:
            env['GOENV'] = goenv
        rc, out, err = self.module.run_command([self.path] + args, environ_update=env, cwd='/',
                                               expand_user_and_vars=False)
        return rc, out, err

    def fail(self, args, rc, err):
        return ValueError('%s %s failed (rc %d): %s' % (self.path, ' '.join(args[:2]), rc, scrub((err or '').strip(), self.secrets)))

    def read(self, goenv=None):
        """(effective env, version) from one go env -json call (plus go version before Go 1.16)."""
        rc, out, err = self.run(['env', '-json'], goenv)
        env = None
        if rc == 0:
            try:
                env = parse_env_json(out)
            except ValueError:
                env = None
        if env is not None and env.get('GOVERSION'):
            return env, parse_version(env['GOVERSION'])
        vrc, vout, verr = self.run(['version'])
        if vrc != 0:
            raise self.fail(['version'], vrc, verr)
        version = parse_version(vout)
        if env is None:
            if version < MIN_WRITE_VERSION:
                raise ValueError('%s is %s, too old: go_env needs Go %d.%d or later (go env -w)'
                                 % (self.path, version_text(version), MIN_WRITE_VERSION[0], MIN_WRITE_VERSION[1]))
            raise self.fail(['env', '-json'], rc, err) if rc else ValueError(
                'go env -json: output is not a JSON object: %r' % scrub(out[:200], self.secrets))
        return env, version

    def write(self, to_set, to_unset, goenv=None):
        warnings = []
        for args in ((['env', '-w'] + ['%s=%s' % (k, to_set[k]) for k in sorted(to_set)]) if to_set else None,
                     (['env', '-u'] + list(to_unset)) if to_unset else None):
            if not args:
                continue
            rc, _out, err = self.run(args, goenv)
            if rc != 0:
                raise self.fail(args, rc, err)
            warnings += [scrub(line, self.secrets) for line in (err or '').splitlines()
                         if line.strip() and 'does not override conflicting OS environment variable' not in line]
        return warnings


class Run(object):
    """One go_env task: read, validate, plan, write or simulate, clean the module cache, report."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.environ = dict(os.environ)
        self.secrets = set()
        self.warnings = []

    def protect(self, key, value):
        found = secrets_in(key, value)
        self.secrets.update(found)
        self.module.no_log_values.update(found)

    def warn(self, text):
        self.warnings.append(scrub(text, self.secrets))

    def state(self, go, goenv=None):
        env, version = go.read(goenv)
        for key in URL_KEYS:
            self.protect(key, env.get(key, ''))
        path = env.get('GOENV') if 'GOENV' in env else None
        text = read_env_file(path) if path else None
        file_values = parse_env_file(text)
        for key, value in file_values.items():
            self.protect(key, value)
        return {'env': env, 'version': version, 'env_file': path, 'text': text, 'file_values': file_values}

    @staticmethod
    def edited_copy(go, state, to_set, to_unset, directory):
        """(copy, warnings): go env -w / -u on a private (0600) copy of the env file in directory;
        go sees placeholders for credentials, put back in the copy after it wrote."""
        fd, copy = tempfile.mkstemp(prefix='.go_env-', dir=directory)
        os.close(fd)
        try:
            if state['text'] is not None:
                shutil.copyfile(state['env_file'], copy)
            hidden, placeholders = hide_credentials(to_set)
            warnings = go.write(hidden, to_unset, goenv=copy)
            restore_credentials(copy, placeholders)
            return copy, warnings
        except BaseException:
            os.unlink(copy)
            raise

    def replace_env_file(self, go, state, to_set, to_unset):
        """Go edits a copy beside the env file and one rename puts it in place: go env -w rewrites the file
        in place, so a run cut short there would leave it truncated. A linked env file stays linked."""
        target = os.path.realpath(state['env_file'])
        copy, warnings = self.edited_copy(go, state, to_set, to_unset, os.path.dirname(target))
        try:
            self.module.atomic_move(copy, target)
        finally:
            if os.path.lexists(copy):
                os.unlink(copy)
        return warnings

    def simulate(self, go, state, to_set, to_unset):
        """Check mode: the same go env -w / -u on a private copy of the env file, then go env -json on it."""
        tmp = tempfile.mkdtemp(prefix='go_env-')
        try:
            copy, warnings = self.edited_copy(go, state, to_set, to_unset, tmp)
            after = self.state(go, goenv=copy)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        after['env']['GOENV'] = state['env_file']
        after['env_file'] = state['env_file']
        return after, warnings

    def main(self):
        p = self.params
        settings, unset = p['settings'] or {}, list(p['unset'] or [])
        for key, value in settings.items():
            self.protect(key, value)
        settings = check_request(settings, unset)
        if not 1 <= p['lock_timeout'] <= 3600:
            raise ValueError('lock_timeout: %s is out of range; use 1 to 3600 seconds' % p['lock_timeout'])
        writing = bool(settings or unset)

        go = Go(self.module, find_go(self.module, p['go']), self.secrets)
        before = self.state(go)
        if writing:
            self.check_against(go, before, settings, unset)
            # the reasons depend on the Go version (GOFLAGS=-insecure), so the refusal comes after reading it
            refused = downgrades(settings, before['version'])
            if refused and not p['allow_insecure']:
                raise ValueError('refusing security downgrades (set allow_insecure: true to accept them): '
                                 + '; '.join('%s=%r: %s' % (f['key'], f['value'], f['why']) for f in refused))
            for f in refused:
                self.warn('insecure setting allowed by allow_insecure: %s=%s: %s' % (f['key'], f['value'], f['why']))
        managed = sorted(set(settings) | set(unset))
        for key in overridden_keys(managed, self.environ):
            self.warn('%s is set in the OS environment (%s=%s), which Go prefers over the env file: the env file value '
                      'has no effect while it is' % (key, key, mask_value(key, self.environ[key])))

        to_set, to_unset = plan_changes(settings, unset, before['file_values'], before['env'], self.environ,
                                        before['version'])
        after = before
        if (to_set or to_unset) and self.module.check_mode:
            after, go_warnings = self.simulate(go, before, to_set, to_unset)
            self.warnings += go_warnings
        elif to_set or to_unset:
            with EnvFileLock(before['env_file'], p['lock_timeout']):
                before = self.state(go)
                self.check_against(go, before, settings, unset)
                to_set, to_unset = plan_changes(settings, unset, before['file_values'], before['env'], self.environ,
                                                before['version'])
                if to_set or to_unset:
                    self.warnings += self.replace_env_file(go, before, to_set, to_unset)
                    after = self.state(go)
                else:
                    after = before
            self.check_file_mode(after['env_file'], to_set)

        modcache = self.modcache(go, after['env'], p['modcache'])
        result = {
            'changed': bool(to_set or to_unset or modcache['removed']),
            'go': go.path,
            'go_version': after['env'].get('GOVERSION') or version_text(after['version']),
            'env_file': after['env_file'],
            'env': mask_env(after['env']),
            'changed_keys': sorted(set(to_set) | set(to_unset)),
            'overridden': overridden_keys(managed, self.environ),
            'insecure': downgrades(after['env'], after['version']),
            'modcache': modcache,
        }
        if self.module._diff:
            result['diff'] = {
                'before_header': '%s (managed keys)' % before['env_file'],
                'after_header': '%s (managed keys)' % after['env_file'],
                'before': managed_lines(before['file_values'], managed),
                'after': managed_lines(after['file_values'], managed),
            }
        return result

    def check_against(self, go, state, settings, unset):
        """Checks that need the installed Go: version, known keys, env file, GOMODCACHE safety."""
        version = state['version']
        if version < MIN_WRITE_VERSION:
            raise ValueError('%s is %s, too old: go env -w needs Go %d.%d or later'
                             % (go.path, version_text(version), MIN_WRITE_VERSION[0], MIN_WRITE_VERSION[1]))
        known = set(state['env'])
        for key in settings:
            check_key(key, known, version)
        for key in unset:
            check_key(key, known, version, where='unset')
        if not state['env_file']:
            env_file_path(state['env_file'], self.environ)
        if 'GOMODCACHE' in settings:
            modcache_guard(settings['GOMODCACHE'], self.home_dirs(), state['env'].get('GOROOT', ''),
                           state['env'].get('GOPATH', ''), state['env_file'] or '', key='settings: GOMODCACHE')

    def home_dirs(self):
        dirs = [self.environ.get('HOME', '')]
        try:
            dirs.append(pwd.getpwuid(os.geteuid()).pw_dir)
        except KeyError:
            pass
        return [d for d in dirs if d]

    def check_file_mode(self, env_file, written):
        if not any(secrets_in(k, v) for k, v in written.items()):
            return
        try:
            mode = stat.S_IMODE(os.stat(env_file).st_mode)
        except OSError:
            return
        if mode & 0o077:
            self.warn('%s holds proxy credentials and is readable by other users (mode %04o): chmod 600 it, '
                      'or keep credentials in ~/.netrc' % (env_file, mode))

    def modcache(self, go, env, wanted):
        path = env.get('GOMODCACHE', '')
        facts = {'path': path, 'existed': False, 'removed': False}
        if wanted != 'absent':
            facts['existed'] = bool(path) and posixpath.isabs(path) and os.path.isdir(path)
            return facts
        real = modcache_guard(path, self.home_dirs(), env.get('GOROOT', ''), env.get('GOPATH', ''), env.get('GOENV', ''))
        exists, held = modcache_state(real)
        facts['existed'] = exists
        if not held:
            return facts
        facts['removed'] = True
        if self.module.check_mode:
            return facts
        blocker = removal_blocker(real, os.geteuid())
        if blocker:
            raise ValueError('cannot clean the module cache %s: %s; nothing was removed. Run as the cache owner '
                             '(become_user) or fix its ownership' % (path, blocker))
        rc, _out, err = go.run(['clean', '-modcache'])
        if rc != 0:
            left = count_entries(real) if os.path.isdir(real) else 0
            raise ValueError('go clean -modcache failed (rc %d), %d entries remain in %s: %s'
                             % (rc, left, path, scrub((err or '').strip(), self.secrets)))
        if os.path.lexists(real):
            raise ValueError('go clean -modcache exited 0 but %s still exists with %d entries' % (path, count_entries(real)))
        return facts


def run_module(module):
    """Run one go_env task; return (result, warnings). Raises ValueError (GoMissing: no go) with a masked message."""
    run = Run(module)
    try:
        result = run.main()
    except (OSError, ValueError) as e:
        raise (GoMissing if isinstance(e, GoMissing) else ValueError)(scrub(str(e), run.secrets))
    return result, run.warnings
