# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cifleet maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

# This plugin_utils is PRIVATE and should only be used by this collection.
"""Edits of CI runner files that install, and exactly remove, the pre-job clock guard.

Each install has an exact inverse: removing our part of an installed file gives the file as it
was, byte for byte, so ``state: absent`` needs no copy of files that hold runner credentials.

- GitHub Actions runner ``.env``: KEY=VALUE lines split at the first ``=`` and read only when
  the runner starts (actions/runner Program.cs LoadAndSetEnv); the last line of a key wins.
- GitLab Runner ``config.toml``: ``pre_build_script`` of the chosen ``[[runners]]`` entries, our
  line first and theirs kept, edited inside the string's own TOML representation with tomlkit
  (every other byte is kept) and checked by parsing the result again.
- Buildkite ``buildkite-agent.cfg``: ``key="value"`` lines; only ``hooks-path`` is read.
"""

import re
import traceback

try:
    import tomlkit
    from tomlkit.exceptions import TOMLKitError
    from tomlkit.items import AoT, String, Table
    HAS_TOMLKIT = True
    TOMLKIT_IMPORT_ERROR = None
except ImportError:
    HAS_TOMLKIT = False
    TOMLKIT_IMPORT_ERROR = traceback.format_exc()

GITHUB_HOOK_KEY = 'ACTIONS_RUNNER_HOOK_JOB_STARTED'
# A hook that was set before ours moves here; our hook script runs it after the guard.
GITHUB_CHAINED_KEY = 'CIFLEET_GOTIME_CHAINED_JOB_STARTED_HOOK'
MARKER = '# cifleet.gotime job_guard'
# Our line when their pre_build_script was a one-line literal string ('...'), which cannot hold a
# newline: it becomes a multi-line literal string, and this marker says how to turn it back.
LITERAL_MARKER = MARKER + ' (was a one-line literal string)'
GITLAB_KEY = 'pre_build_script'
# Executors whose pre_build_script runs on this host as the runner's user; the others run it in
# a container or on another machine, where neither the guard nor the step path exists.
HOST_EXECUTORS = ('shell',)
SAFE_PATH_RE = re.compile(r'^/[A-Za-z0-9/._+-]+$')


class JobGuardEditError(ValueError):
    """A runner file that cannot be edited safely; the message says why and what to do."""


def check_hook_path(hook):
    if not isinstance(hook, str) or not SAFE_PATH_RE.match(hook):
        raise JobGuardEditError('hook path %r must be absolute, made of letters, digits and / . _ + - only' % (hook,))


# --- GitHub Actions runner .env ---------------------------------------------------------------

def _split_eol(line):
    for eol in ('\r\n', '\n', '\r'):
        if line.endswith(eol):
            return line[:-len(eol)], eol
    return line, ''


def _env_key(body):
    index = body.find('=')
    return body[:index] if index > 0 else None


def _join(lines):
    return ''.join(body + eol for body, eol in lines)


def github_env_remove(text, hook):
    """The .env text without our hook line, their hook line back in its place."""
    check_hook_path(hook)
    ours = GITHUB_HOOK_KEY + '=' + hook
    lines = [_split_eol(line) for line in text.splitlines(True)]
    out = []
    index = 0
    while index < len(lines):
        body, eol = lines[index]
        if body != ours:
            out.append((body, eol))
            index += 1
            continue
        following = lines[index + 1] if index + 1 < len(lines) else None
        if following and _env_key(following[0]) == GITHUB_CHAINED_KEY:
            # Ours took the place of theirs: theirs comes back with its own line ending.
            out.append((GITHUB_HOOK_KEY + following[0][len(GITHUB_CHAINED_KEY):], following[1]))
            index += 2
            continue
        if not eol and out:
            # Appended to a file without a final newline: the newline before ours was ours too.
            out[-1] = (out[-1][0], '')
        index += 1
    return _join(out)


def github_env(text, hook, state='present'):
    """{'content', 'chained'} of the .env with the guard hook installed (present) or removed.

    present: ``ACTIONS_RUNNER_HOOK_JOB_STARTED=<hook>`` takes the place of the effective hook
    line (theirs moves to GITHUB_CHAINED_KEY right after it, and our script runs it), or goes at
    the end, ending the way the file ended. Every other line is kept byte for byte.
    absent: the exact inverse. ``chained`` is their hook script, if any.
    """
    base = github_env_remove(text, hook)
    if state == 'absent':
        return {'content': base, 'chained': None}
    ours = GITHUB_HOOK_KEY + '=' + hook
    lines = [_split_eol(line) for line in base.splitlines(True)]
    found = [i for i, (body, dummy) in enumerate(lines) if _env_key(body) == GITHUB_HOOK_KEY]
    if found:
        index = found[-1]
        body, eol = lines[index]
        theirs = body[len(GITHUB_HOOK_KEY) + 1:]
        if not theirs:
            raise JobGuardEditError('%s= is set to nothing; remove that line or give it a hook script' % GITHUB_HOOK_KEY)
        lines[index:index + 1] = [(ours, eol or '\n'), (GITHUB_CHAINED_KEY + '=' + theirs, eol)]
        return {'content': _join(lines), 'chained': theirs}
    if base and not base.endswith(('\n', '\r')):
        return {'content': base + '\n' + ours, 'chained': None}
    return {'content': base + ours + '\n', 'chained': None}


# --- GitLab Runner config.toml ----------------------------------------------------------------

def _require_tomlkit():
    if not HAS_TOMLKIT:
        raise JobGuardEditError('the Python library tomlkit is needed on the controller to edit GitLab Runner '
                                'config.toml (pip install tomlkit): %s' % TOMLKIT_IMPORT_ERROR)


def _open_delimiter(raw):
    for delimiter in ('"""', "'''", '"', "'"):
        if raw.startswith(delimiter):
            return delimiter
    raise JobGuardEditError('unexpected TOML string %r' % raw)


def _raw_with_line(raw, line):
    """Their string's TOML text with our line (and a newline) put first, in the same representation."""
    delimiter = _open_delimiter(raw)
    if delimiter == '"':
        return '"' + line + '\\n' + raw[1:]
    if delimiter == "'":
        # A one-line literal cannot hold a newline; its text has no quote, so ''' can hold it as it is.
        return "'''" + line.replace(MARKER, LITERAL_MARKER) + '\n' + raw[1:-1] + "'''"
    body = raw[3:]
    # A newline right after the opening delimiter is not part of the value: keep it where it is.
    newline = '\r\n' if body.startswith('\r\n') else '\n' if body.startswith('\n') else ''
    return delimiter + newline + line + '\n' + body[len(newline):]


def _raw_without_line(raw):
    """(their TOML text, True) when raw starts with one of our lines, else (raw, False)."""
    delimiter = _open_delimiter(raw)
    if delimiter == '"':
        match = re.match(r'"([^"\\]*' + re.escape(MARKER) + r')\\n', raw)
        return ('"' + raw[match.end():], True) if match else (raw, False)
    if delimiter == "'":
        return raw, False
    body = raw[3:]
    newline = '\r\n' if body.startswith('\r\n') else '\n' if body.startswith('\n') else ''
    first, sep, rest = body[len(newline):].partition('\n')
    if not sep:
        return raw, False
    if delimiter == "'''" and not newline and first.endswith(LITERAL_MARKER):
        return "'" + rest[:-3] + "'", True
    if first.endswith(MARKER):
        return delimiter + newline + rest, True
    return raw, False


def _runner_tables(doc, path):
    runners = doc.get('runners')
    if runners is None:
        return []
    if not isinstance(runners, AoT):
        raise JobGuardEditError('%s: runners is not an array of [[runners]] tables; edit pre_build_script by hand' % path)
    return list(runners)


def _last_plain_key(table):
    keys = [key for key, item in table.value.body if key is not None and not isinstance(item, (Table, AoT))]
    return keys[-1] if keys else None


def _ours_alone(item):
    value = str(item)
    return '\n' not in value and value.endswith(MARKER)


def gitlab_config(text, line, names=None, state='present', path='config.toml'):
    """{'content', 'changed', 'skipped'} of config.toml with our pre_build_script line.

    line: our script line (ending in MARKER). names: the [[runners]] names to guard; None means
    every runner whose executor runs jobs on this host (HOST_EXECUTORS). state absent removes our
    line from every runner, whatever names says. skipped: {name: reason} of runners left alone.
    """
    _require_tomlkit()
    if not line.endswith(MARKER) or '\n' in line or '"' in line or '\\' in line:
        raise JobGuardEditError('our pre_build_script line must be one line ending in %r, without quotes' % MARKER)
    try:
        doc = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise JobGuardEditError('%s is not valid TOML (%s); GitLab Runner could not read it either' % (path, exc))
    tables = _runner_tables(doc, path)
    by_name = {}
    for table in tables:
        name = table.get('name')
        if isinstance(name, str):
            by_name.setdefault(str(name), table)
    if names is not None:
        unknown = sorted(set(names) - set(by_name))
        if unknown:
            raise JobGuardEditError('%s has no [[runners]] entry named %s (it has: %s)'
                                    % (path, ', '.join(unknown), ', '.join(sorted(by_name)) or 'none'))
    changed = []
    skipped = {}
    for table in tables:
        name = str(table.get('name', ''))
        executor = str(table.get('executor', ''))
        item = table.item(GITLAB_KEY) if GITLAB_KEY in table else None
        if item is not None and not isinstance(item, String):
            raise JobGuardEditError('%s: pre_build_script of runner %r is not a string' % (path, name))
        wanted = state == 'present' and (name in names if names is not None else executor in HOST_EXECUTORS)
        if state == 'present' and not wanted:
            skipped[name] = 'not chosen' if names is not None else 'executor %r runs jobs off this host' % (executor or 'unset')
        if wanted and executor not in HOST_EXECUTORS:
            raise JobGuardEditError('%s: runner %r uses executor %r: its pre_build_script runs in the job container or '
                                    'on another machine, not on this host; guard only runners with executor %s'
                                    % (path, name, executor or 'unset', ' or '.join(HOST_EXECUTORS)))
        before = item.as_string() if item is not None else None
        if item is not None and _ours_alone(item):
            # A pre_build_script that we added: replace it when our line moved, drop it when unwanted.
            if not wanted:
                _remove_key(table)
            elif str(item) != line:
                _set_raw(table, '"%s"' % line)
        else:
            if item is not None:
                # Take an earlier line of ours out first (a hook that moved), then put ours first.
                raw, ours = _raw_without_line(before)
                if ours:
                    item = _set_raw(table, raw)
            if wanted and item is None:
                _add_key(table, line)
            elif wanted:
                _set_raw(table, _raw_with_line(item.as_string(), line))
        after = table.item(GITLAB_KEY).as_string() if GITLAB_KEY in table else None
        if after != before:
            changed.append(name)
    content = tomlkit.dumps(doc)
    _check_result(text, content, line, path)
    return {'content': content, 'changed': changed, 'skipped': skipped}


def _set_raw(table, raw):
    item = tomlkit.parse('v = ' + raw + '\n').item('v')
    old = table.item(GITLAB_KEY)
    item.trivia.indent, item.trivia.comment_ws = old.trivia.indent, old.trivia.comment_ws
    item.trivia.comment, item.trivia.trail = old.trivia.comment, old.trivia.trail
    table[GITLAB_KEY] = item
    return table.item(GITLAB_KEY)


def _add_key(table, line):
    last = _last_plain_key(table)
    previous = table.value.item(last)
    item = tomlkit.parse('%s%s = "%s"\n' % (previous.trivia.indent, GITLAB_KEY, line)).item(GITLAB_KEY)
    if not previous.trivia.trail.endswith('\n'):
        # The file ended right after the previous key: ours ends it now, without a newline.
        previous.trivia.trail += '\n'
        item.trivia.trail = ''
    table.value._insert_after(last, GITLAB_KEY, item)


def _remove_key(table):
    keys = [key for key, dummy in table.value.body if key is not None]
    position = keys.index(GITLAB_KEY)
    item = table.item(GITLAB_KEY)
    if not item.trivia.trail and position > 0:
        previous = table.value.item(keys[position - 1])
        if previous.trivia.trail.endswith('\n'):
            previous.trivia.trail = previous.trivia.trail[:-1]
    table.remove(GITLAB_KEY)


def _check_result(text, content, line, path):
    """Our edit changed nothing but pre_build_script, and only by our line."""
    def plain(doc):
        value = doc.unwrap()
        for runner in value.get('runners', []) if isinstance(value.get('runners'), list) else []:
            script = runner.pop(GITLAB_KEY, None)
            if script is not None:
                first, dummy, rest = script.partition('\n')
                runner[GITLAB_KEY] = rest if first.endswith(MARKER) or first.endswith(LITERAL_MARKER) else script
                if first.endswith(MARKER) and not dummy:
                    del runner[GITLAB_KEY]
        return value
    if plain(tomlkit.parse(text)) != plain(tomlkit.parse(content)):
        raise JobGuardEditError('%s: the edit would change more than pre_build_script; nothing was written' % path)


# --- Buildkite agent --------------------------------------------------------------------------

def buildkite_hooks_path(text):
    """The hooks-path setting of a buildkite-agent.cfg, or None when it sets none.

    Lines are ``key=value`` or ``key="value"``; ``#`` starts a comment line. The last one wins.
    """
    found = None
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith('#') or '=' not in stripped:
            continue
        key, value = stripped.split('=', 1)
        if key.strip() != 'hooks-path':
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in '"\'':
            value = value[1:-1]
        found = value
    return found


# --- Which runners, run by whom ---------------------------------------------------------------

def _owner(stat, fallback):
    owner = (stat or {}).get('pw_name')
    return owner if owner and owner != 'root' else fallback


def runners(found, stats, named, defaults, discover=True):
    """{'github', 'gitlab', 'buildkite', 'problems'}: the runners to guard, each with its user.

    found: files from ansible.builtin.find (path, pw_name) under the search roots: C(.runner) marks a
    GitHub runner directory, C(.gitlab-runner/config.toml) a user's GitLab Runner. stats: {path: stat}
    of the system configs and of the files that named runners need. named: the role's variables
    github_runners, gitlab_configs, buildkite_agents. defaults: gitlab_user, buildkite_user,
    gitlab_system_configs, buildkite_configs. A named runner wins over the same one found.
    problems: a message for each named runner whose file is missing.
    """
    problems = []
    github, gitlab, buildkite = {}, {}, {}
    if discover:
        for item in found:
            path = item['path']
            parts = path.rsplit('/', 2)
            if path.endswith('/.runner'):
                github[parts[0] + '/' + parts[1]] = {'user': item.get('pw_name')}
            elif len(parts) == 3 and parts[1] == '.gitlab-runner' and parts[2] == 'config.toml':
                gitlab[path] = {'user': _owner(item, defaults['gitlab_user']), 'runners': None}
        for path in defaults['gitlab_system_configs']:
            if (stats.get(path) or {}).get('exists'):
                gitlab[path] = {'user': _owner(stats[path], defaults['gitlab_user']), 'runners': None}
        for path in defaults['buildkite_configs']:
            if (stats.get(path) or {}).get('exists'):
                buildkite[path] = {'config': path, 'hooks_path': None,
                                   'user': _owner(stats[path], defaults['buildkite_user'])}
    for entry in named.get('github_runners') or []:
        path = entry['path'].rstrip('/') or '/'
        stat = stats.get(path + '/.runner') or {}
        if not stat.get('exists'):
            problems.append('job_guard_github_runners: %s is not a configured runner directory (no .runner file)' % path)
            continue
        github[path] = {'user': entry.get('user') or stat.get('pw_name')}
    for entry in named.get('gitlab_configs') or []:
        stat = stats.get(entry['path']) or {}
        if not stat.get('exists'):
            problems.append('job_guard_gitlab_configs: %s does not exist' % entry['path'])
            continue
        gitlab[entry['path']] = {'user': entry.get('user') or _owner(stat, defaults['gitlab_user']),
                                 'runners': entry.get('runners')}
    for entry in named.get('buildkite_agents') or []:
        config = entry.get('config')
        stat = (stats.get(config) or {}) if config else {}
        if config and not stat.get('exists'):
            problems.append('job_guard_buildkite_agents: %s does not exist' % config)
            continue
        key = config or entry['hooks_path']
        buildkite[key] = {'config': config, 'hooks_path': entry.get('hooks_path'),
                          'user': entry.get('user') or _owner(stat, defaults['buildkite_user'])}
    return {
        'github': [dict(value, path=path, env=path + '/.env') for path, value in sorted(github.items())],
        'gitlab': [dict(value, path=path) for path, value in sorted(gitlab.items())],
        'buildkite': [value for dummy, value in sorted(buildkite.items())],
        'problems': problems,
    }
