"""go_env's run as recorded data: a lab (one HOME), go_env's main() in this process, and the go calls it makes.

tests/fixtures/go_env/record.py runs each case through the real Go and writes run_cases.yaml;
tests/unit/plugins/module_utils/test_go_env_run.py replays it with AnsibleModule.run_command replaced by the
recording. Both use the same lab and the same normalisation, so a recorded value means the same in both:
- the lab directory is @LAB@; a Go unpacked from a Debian package with `dpkg-deb -x ROOT` is under @DEB@ (replayed
  as ROOT=/, where apt installs it);
- the random part of go_env's private copies (mkstemp, mkdtemp) is XXXXXXXX;
- the credential placeholders go_env hands to go env -w are numbered in the order they appear in a call's argv
  (gotime-credential-@1@); the replay binds each number to the placeholder of the run it replays;
- the digits of go's own build directory in GOGCCFLAGS (go-buildNNN) are N.
Each call records what it did on disk in the lab (files written, directories made, paths removed), which the
replay does again, so the module reads what it read after the real call. Go 1.23+ keeps telemetry counters under
~/.config/go/telemetry on every call: that directory is left out (go_env never reads it).
"""

import io
import json
import os
import re
import shutil
import sys
import tempfile

from ansible.module_utils import basic
from ansible.module_utils.common import warnings as ansible_warnings
try:  # ansible-core 2.19+
    from ansible.module_utils import _internal as module_utils_internal
except ImportError:
    module_utils_internal = None

from ansible_collections.cifleet.gotime.plugins.modules import go_env as go_env_module

# Keys of the module's env result kept in the recording (the whole env is in the recorded go env -json output).
RESULT_ENV_KEYS = ('GOENV', 'GOMODCACHE', 'GOVERSION')
# The process environment of every run: no C compiler on PATH (go is called by its path), so go env does not probe
# gcc; nothing GO-ish inherited.
BASE_ENVIRON = {'PATH': '/nonexistent', 'LANG': 'C.UTF-8'}
TELEMETRY_DIR = os.path.join('home', '.config', 'go', 'telemetry')

_RANDOM_COPY = re.compile(r'(go_env-)[a-z0-9_]{8}')
_PLACEHOLDER = re.compile(r'gotime-credential-[0-9a-f]{16}')
_NUMBERED = re.compile(r'gotime-credential-@(\d+)@')
_GO_BUILD = re.compile(r'(go-build)\d+')


class Lab(object):
    """One temp directory: home/ (HOME), tmp/ (TMPDIR, check mode's copies), bin/go."""

    def __init__(self, path, deb_root=None):
        self.dir = os.path.realpath(str(path))
        self.home = os.path.join(self.dir, 'home')
        self.tmp = os.path.join(self.dir, 'tmp')
        self.go = os.path.join(self.dir, 'bin', 'go')
        self.deb_root = deb_root.rstrip('/') if deb_root else None
        for d in (self.home, self.tmp, os.path.dirname(self.go)):
            os.makedirs(d, exist_ok=True)

    @property
    def env_file(self):
        return os.path.join(self.home, '.config', 'go', 'env')

    # ---- @LAB@ / @DEB@ both ways
    def normal(self, value):
        """value (str, list or dict, nested) with this lab's paths and random names replaced by the markers."""
        if isinstance(value, dict):
            return dict((self.normal(k), self.normal(v)) for k, v in value.items())
        if isinstance(value, (list, tuple)):
            return [self.normal(v) for v in value]
        if not isinstance(value, str):
            return value
        if self.deb_root:
            value = value.replace(self.deb_root + '/', '@DEB@/')
        value = value.replace(self.dir, '@LAB@')
        value = _RANDOM_COPY.sub(r'\1XXXXXXXX', value)
        return _GO_BUILD.sub(r'\1N', value)

    def real(self, value, extra=None):
        """A recorded value for this lab: the markers replaced (extra: {recorded text: this run's text} first)."""
        if isinstance(value, dict):
            return dict((self.real(k, extra), self.real(v, extra)) for k, v in value.items())
        if isinstance(value, list):
            return [self.real(v, extra) for v in value]
        if not isinstance(value, str):
            return value
        for old, new in sorted((extra or {}).items(), key=lambda item: -len(item[0])):
            value = value.replace(old, new)
        value = value.replace('@DEB@/', (self.deb_root or '') + '/')
        return value.replace('@LAB@', self.dir)

    # ---- the lab's files
    def prepare(self, case):
        """The case's env file and module cache files, before its first run."""
        if case.get('env_file') is not None:
            os.makedirs(os.path.dirname(self.env_file), exist_ok=True)
            with open(self.env_file, 'wb') as f:
                f.write(self.real(case['env_file']).encode('utf-8'))
        for name in case.get('modcache_files') or []:
            path = self.real(name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, 'w') as f:
                f.write('recorded lab file\n')

    def env_file_text(self):
        if not os.path.exists(self.env_file):
            return None
        with open(self.env_file, 'rb') as f:
            return f.read().decode('utf-8')

    def snapshot(self):
        """{relative path: None for a directory, else the file's bytes} under the lab, bin/ and telemetry left out."""
        found = {}
        for root, dirs, files in os.walk(self.dir):
            rel_root = os.path.relpath(root, self.dir)
            if rel_root == 'bin' or rel_root == TELEMETRY_DIR or rel_root.startswith(TELEMETRY_DIR + os.sep):
                dirs[:] = []
                continue
            for d in dirs:
                found[os.path.normpath(os.path.join(rel_root, d))] = None
            for name in files:
                path = os.path.join(root, name)
                if os.path.islink(path):
                    continue
                with open(path, 'rb') as f:
                    found[os.path.normpath(os.path.join(rel_root, name))] = f.read()
        found.pop(os.path.normpath(os.path.join('bin')), None)
        found.pop(TELEMETRY_DIR, None)
        return found

    def effects(self, before, after):
        """What a call did on disk, for the recording: removed (top-most), made directories, written files."""
        gone = sorted(p for p in before if p not in after)
        removed = [p for p in gone if not any(p.startswith(q + os.sep) for q in gone)]
        made = sorted(p for p, v in after.items() if v is None and p not in before)
        written = dict((p, v.decode('utf-8')) for p, v in after.items() if v is not None and before.get(p) != v)
        out = {}
        if removed:
            out['removed'] = [self.normal(os.path.join(self.dir, p)) for p in removed]
        if made:
            out['made'] = [self.normal(os.path.join(self.dir, p)) for p in made]
        if written:
            out['written'] = dict((self.normal(os.path.join(self.dir, p)), self.normal(v)) for p, v in sorted(written.items()))
        return out

    def apply(self, effects, extra):
        """Do again what a recorded call did on disk."""
        for path in effects.get('removed') or []:
            path = self.real(path, extra)
            assert path.startswith(self.dir + '/'), path
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)
        for path in effects.get('made') or []:
            os.makedirs(self.real(path, extra), exist_ok=True)
        for path, text in sorted((effects.get('written') or {}).items()):
            path = self.real(path, extra)
            assert path.startswith(self.dir + '/'), path
            with open(path, 'wb') as f:  # an existing file keeps its mode, as go's rewrite does
                f.write(self.real(text, extra).encode('utf-8'))


def go_json_text(value):
    """go env -json's text for a recorded object: Go's encoder with a tab indent (record.py stores go env -json output
    as an object only when this gives back its exact bytes)."""
    return json.dumps(value, indent='\t', ensure_ascii=False) + '\n'


def call_output(call):
    return call['out'] if 'out' in call else go_json_text(call['out_json'])


def number_placeholders(argv):
    """(argv with go_env's credential placeholders numbered in order of appearance, {number text: placeholder})."""
    seen = {}

    def number(match):
        token = match.group(0)
        if token not in seen:
            seen[token] = 'gotime-credential-@%d@' % (len(seen) + 1)
        return seen[token]
    numbered = [_PLACEHOLDER.sub(number, a) for a in argv]
    return numbered, dict((v, k) for k, v in seen.items())


class Environ(object):
    """The process environment and temp dir of one run: the lab's HOME and TMPDIR, the case's variables."""

    def __init__(self, lab, extra):
        self.lab = lab
        self.extra = dict((k, lab.real(v)) for k, v in (extra or {}).items())

    def __enter__(self):
        self.saved = dict(os.environ)
        self.saved_tempdir = tempfile.tempdir
        for name in list(os.environ):
            del os.environ[name]
        os.environ.update(BASE_ENVIRON)
        os.environ.update({'HOME': self.lab.home, 'TMPDIR': self.lab.tmp})
        os.environ.update(self.extra)
        tempfile.tempdir = self.lab.tmp
        return self

    def __exit__(self, *exc):
        os.environ.clear()
        os.environ.update(self.saved)
        tempfile.tempdir = self.saved_tempdir
        return False


def run_main(lab, params, check_mode=False, diff=False):
    """go_env's main() on params, in this process; return its result (exit_json's or fail_json's JSON)."""
    args = dict(params)
    args.update({'_ansible_check_mode': check_mode, '_ansible_diff': diff,
                 '_ansible_remote_tmp': os.path.join(lab.tmp, 'ansible'), '_ansible_keep_remote_files': False})
    basic._ANSIBLE_ARGS = json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode()
    # warnings live in module-level registries that an Ansible module process empties by exiting
    ansible_warnings._global_warnings.clear()
    ansible_warnings._global_deprecations.clear()
    if hasattr(basic, '_ANSIBLE_PROFILE'):
        basic._ANSIBLE_PROFILE = 'legacy'
    # A module process is never the controller; once a test in this process imported controller code
    # (a filter plugin, ansible.errors), 2.19 would send module warnings to Display, not the result.
    controller = getattr(module_utils_internal, 'is_controller', None)
    if controller is not None:
        module_utils_internal.is_controller = False
    out = io.StringIO()
    stdout, sys.stdout = sys.stdout, out
    try:
        go_env_module.main()
    except SystemExit:
        pass
    finally:
        sys.stdout = stdout
        basic._ANSIBLE_ARGS = None
        if controller is not None:
            module_utils_internal.is_controller = controller
    return json.loads(out.getvalue())


def recorded_result(lab, result, managed):
    """The part of a result the recording keeps: all but invocation; env only for the managed keys and a few;
    warnings as their text (ansible-core 2.19 wraps each in a WarningSummary, 2.16 to 2.18 print the text)."""
    kept = dict((k, v) for k, v in result.items() if k != 'invocation')
    if 'warnings' in kept:
        kept['warnings'] = [w['event']['msg'] if isinstance(w, dict) else w for w in kept['warnings']]
    if 'env' in kept:
        keys = set(RESULT_ENV_KEYS) | set(managed)
        kept['env'] = dict((k, v) for k, v in kept['env'].items() if k in keys)
    return lab.normal(kept)


def managed_keys(params):
    return sorted(set((params.get('settings') or {}).keys()) | set(params.get('unset') or []))
