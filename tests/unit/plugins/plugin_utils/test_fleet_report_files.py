"""The report's files (plugins/plugin_utils/_fleet_report_files.py): written whole with their mode, left alone when
unchanged, nothing written in check mode, and no temporary file left behind on a failure."""
import os
import stat

import pytest

from ansible_collections.cifleet.gotime.plugins.plugin_utils import _fleet_report_files as ff


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_writes_each_format_with_its_extension_and_mode(tmp_path):
    old = os.umask(0o077)  # the mode is the option's, whatever the umask
    try:
        files, changed = ff.write_report(str(tmp_path), 'fleet-report', {'json': '{}\n', 'prometheus': 'a 1\n', 'html': 'é'}, 0o644)
    finally:
        os.umask(old)
    assert files == {'json': str(tmp_path / 'fleet-report.json'), 'prometheus': str(tmp_path / 'fleet-report.prom'),
                     'html': str(tmp_path / 'fleet-report.html')}
    assert sorted(changed) == sorted([str(tmp_path)] + list(files.values()))  # the directory too: 0755 now
    assert (tmp_path / 'fleet-report.html').read_bytes() == 'é'.encode('utf-8')
    assert all(mode_of(p) == 0o644 for p in files.values())
    assert sorted(os.listdir(str(tmp_path))) == ['fleet-report.html', 'fleet-report.json', 'fleet-report.prom']


def test_same_content_and_mode_is_unchanged_and_not_rewritten(tmp_path):
    path = str(tmp_path / 'r.csv')
    assert ff.write_file(path, b'a,b\n', 0o644) is True
    before = os.stat(path)
    assert ff.write_file(path, b'a,b\n', 0o644) is False
    assert os.stat(path).st_ino == before.st_ino and os.stat(path).st_mtime_ns == before.st_mtime_ns
    os.chmod(path, 0o600)
    assert ff.write_file(path, b'a,b\n', 0o644) is True and mode_of(path) == 0o644  # only the mode fixed
    assert os.stat(path).st_ino == before.st_ino


def test_new_content_replaces_the_file_atomically(tmp_path):
    path = str(tmp_path / 'r.json')
    ff.write_file(path, b'old', 0o644)
    inode = os.stat(path).st_ino
    assert ff.write_file(path, b'new content', 0o640) is True
    assert open(path, 'rb').read() == b'new content' and mode_of(path) == 0o640
    assert os.stat(path).st_ino != inode  # a new file renamed over the old one, never rewritten in place


def test_check_mode_writes_nothing_but_says_what_would_change(tmp_path):
    path = str(tmp_path / 'r.json')
    assert ff.write_file(path, b'x', 0o644, check_mode=True) is True and not os.path.exists(path)
    ff.write_file(path, b'x', 0o644)
    assert ff.write_file(path, b'x', 0o644, check_mode=True) is False
    assert ff.write_file(path, b'y', 0o644, check_mode=True) is True and open(path, 'rb').read() == b'x'


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    path = str(tmp_path / 'r.json')
    ff.write_file(path, b'old', 0o644)

    def broken(src, dst):
        raise OSError(28, 'No space left on device')
    monkeypatch.setattr(ff.os, 'replace', broken)
    with pytest.raises(OSError):
        ff.write_file(path, b'new', 0o644)
    assert open(path, 'rb').read() == b'old' and os.listdir(str(tmp_path)) == ['r.json']


@pytest.mark.parametrize('mode, bits', [('0644', 0o644), ('644', 0o644), (0o600, 0o600), ('0755', 0o755)])
def test_file_mode(mode, bits):
    assert ff.file_mode(mode) == bits


@pytest.mark.parametrize('mode', ['u=rw,g=r', 'rw-r--r--', True, 0o17777, '9'])
def test_file_mode_refuses_what_is_not_octal(mode):
    with pytest.raises(ValueError, match='mode must be octal'):
        ff.file_mode(mode)


def test_directory_is_made_with_its_mode_and_the_schema_shipped(tmp_path):
    schema = tmp_path / 'in.schema.json'
    schema.write_bytes(b'{"schema": 1}\n')
    dest = str(tmp_path / 'reports' / 'fleet')
    assert ff.write_report(dest, 'r', {'json': '{}'}, 0o644, check_mode=True, schema=str(schema))[1] == [
        dest, os.path.join(dest, 'r.json'), os.path.join(dest, 'r.schema.json')]
    assert not os.path.exists(dest)  # check mode: nothing made
    files, changed = ff.write_report(dest, 'r', {'json': '{}'}, 0o644, schema=str(schema))
    assert changed == [dest, files['json'], os.path.join(dest, 'r.schema.json')] and mode_of(dest) == 0o755
    assert open(os.path.join(dest, 'r.schema.json'), 'rb').read() == b'{"schema": 1}\n'
    os.chmod(dest, 0o700)
    assert ff.write_report(dest, 'r', {'json': '{}'}, 0o644, schema=str(schema))[1] == [dest] and mode_of(dest) == 0o755


def test_dest_that_is_a_file_is_a_clear_error(tmp_path):
    (tmp_path / 'nope').write_text('x')
    with pytest.raises(ValueError, match='dest .* is not a directory'):
        ff.write_report(str(tmp_path / 'nope'), 'fleet-report', {'json': '{}'}, 0o644)
