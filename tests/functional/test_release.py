"""The collection as users get it: the tarball, its install, and the execution environment.

The tarball is built once per session by `ansible-galaxy collection build` from a clean copy (what a fresh clone
has: `scripts/bootstrap clean-copy`), then installed with `ansible-galaxy collection install --offline` into a
private collections path. That path is the only one Ansible is given here (no checkout ansible.cfg, no
.cache/collections, no collections on sys.path), and the modules run from it by FQCN.
The execution environment is checked as far as it goes without a registry: `ansible-builder create` writes the
build context and `ansible-builder introspect` reads the installed collection's requirements. No image is built.
"""
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile

import pytest
import yaml
from bindep.depends import Depends

from support.ansible_env import ansible_env

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
EE_DIR = os.path.join(ROOT, 'execution-environment')
COLLECTION = 'cifleet.gotime'
# Every module the checkout documents (an action plugin's docs live in plugins/modules too).
MODULES = sorted(name[:-3] for name in os.listdir(os.path.join(ROOT, 'plugins', 'modules')) if name.endswith('.py'))

# Top-level directories and files of the checkout that are for development only.
DEV_DIRS = ('tests', 'extensions', 'bench', 'scripts', 'execution-environment', 'reports', 'inventory',
            '.cache', '.venv', '.git', '.github', '.ci')
DEV_FILES = ('Makefile', 'requirements-dev.txt', 'requirements-report.txt', 'ansible.cfg', 'pytest.ini', '.gitignore', '.ansible-lint')
# What users run or read: every file of these directories in the clean copy must be in the tarball.
SHIPPED_DIRS = ('plugins', 'roles', 'playbooks', 'docs', 'meta', 'examples')
SHIPPED_FILES = ('plugins/modules/clock_facts.py', 'plugins/modules/go_env.py', 'meta/runtime.yml',
                 'meta/execution-environment.yml', 'requirements.txt', 'bindep.txt', 'README.md', 'CHANGELOG.rst',
                 'MANIFEST.json', 'FILES.json')
MAX_TARBALL_BYTES = 1024 * 1024  # about 150 KiB today; a stray venv, cache or report would be far larger

Release = collections.namedtuple('Release', 'source tarball files')
Installed = collections.namedtuple('Installed', 'path workdir env')


def run(argv, **kwargs):
    """Run argv; fail with its output unless it exits 0."""
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False, **kwargs)
    assert proc.returncode == 0, '%s: rc=%s\nstdout=%s\nstderr=%s' % (argv, proc.returncode, proc.stdout, proc.stderr)
    return proc


def private_env(workdir, collections_path):
    """Ansible settings of workdir's own: an empty ansible.cfg and collections_path as the only collections."""
    config = os.path.join(workdir, 'ansible.cfg')
    with open(config, 'w') as handle:
        handle.write('[defaults]\n')
    env = ansible_env(workdir, ANSIBLE_CONFIG=config, ANSIBLE_COLLECTIONS_PATH=collections_path,
                      ANSIBLE_COLLECTIONS_SCAN_SYS_PATH='false')
    env.pop('PYTHONPATH', None)
    return env


def build(source, output, workdir):
    """`ansible-galaxy collection build` of source into output; the tarball's path."""
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', '--output-path', output],
        cwd=source, env=private_env(workdir, os.path.join(workdir, 'no-collections')))
    (name,) = os.listdir(output)
    return os.path.join(output, name)


def tarball_files(tarball):
    with tarfile.open(tarball) as archive:
        return sorted(member.name for member in archive.getmembers() if member.isfile())


def read_yaml(*path):
    with open(os.path.join(*path)) as handle:
        return yaml.safe_load(handle)


def requirement_lines(path):
    """The requirement lines of a pip or bindep file: no blank lines, no comment lines."""
    with open(path) as handle:
        return [line.strip() for line in handle if line.strip() and not line.lstrip().startswith('#')]


@pytest.fixture(scope='session')
def release(tmp_path_factory):
    top = str(tmp_path_factory.mktemp('release'))
    source = os.path.join(top, 'source')
    run([os.path.join(ROOT, 'scripts', 'bootstrap'), 'clean-copy', source])
    tarball = build(source, os.path.join(top, 'dist'), top)
    return Release(source, tarball, tarball_files(tarball))


@pytest.fixture(scope='session')
def installed(release, tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp('installed'))
    path = os.path.join(workdir, 'collections')
    env = private_env(workdir, path)
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '--offline', release.tarball, '-p', path],
        cwd=workdir, env=env)
    return Installed(path, workdir, env)


def module_file(installed, name):
    return os.path.join(installed.path, 'ansible_collections', 'cifleet', 'gotime', 'plugins', 'modules', name + '.py')


def run_module(installed, name, args, tree, env=None):
    """cifleet.gotime.<name> on localhost through `ansible`; its result (the tree callback's file)."""
    proc = run([os.path.join(BIN, 'ansible'), 'localhost', '-i', 'localhost,', '-c', 'local',
                '-e', 'ansible_python_interpreter=%s' % sys.executable, '-m', '%s.%s' % (COLLECTION, name),
                '-a', json.dumps(args), '-t', tree, '-vvv'],
               cwd=installed.workdir, env=env or installed.env)
    assert 'Using module file %s' % module_file(installed, name) in proc.stdout
    with open(os.path.join(tree, 'localhost')) as handle:
        return json.load(handle)


def test_tarball_has_no_development_files(release):
    junk = [name for name in release.files
            if name.split('/')[0] in DEV_DIRS or name in DEV_FILES
            or '__pycache__' in name.split('/') or name.endswith(('.pyc', '.tar.gz'))]
    assert junk == []
    assert os.path.getsize(release.tarball) < MAX_TARBALL_BYTES


def test_tarball_has_what_users_need(release):
    assert [name for name in SHIPPED_FILES if name not in release.files] == []
    expected = set()
    for top in SHIPPED_DIRS:
        for dirpath, _dirs, files in os.walk(os.path.join(release.source, top)):
            expected.update(os.path.relpath(os.path.join(dirpath, name), release.source) for name in files)
    assert sorted(expected - set(release.files)) == []
    roles = sorted(os.listdir(os.path.join(release.source, 'roles')))
    assert roles and all('roles/%s/meta/argument_specs.yml' % role in release.files for role in roles)
    with tarfile.open(release.tarball) as archive:
        manifest = json.load(archive.extractfile('MANIFEST.json'))['collection_info']
    galaxy = read_yaml(ROOT, 'galaxy.yml')
    assert (manifest['namespace'], manifest['name'], manifest['version']) == (
        galaxy['namespace'], galaxy['name'], galaxy['version'])
    assert manifest['dependencies'] == {}  # installs offline, with no Galaxy server


def test_checkout_build_leaves_out_git_ignored_files(release, tmp_path):
    """A developer's build in the checkout ships nothing that git ignores (.cache, reports, __pycache__, ...)."""
    files = tarball_files(build(ROOT, str(tmp_path / 'dist'), str(tmp_path)))
    ignored = subprocess.run(['git', 'check-ignore', '--stdin'], input='\n'.join(files), cwd=ROOT,
                             capture_output=True, text=True, check=False)
    assert ignored.returncode in (0, 1), ignored.stderr  # 1: none of them is ignored
    assert ignored.stdout.split() == []
    assert set(release.files) - set(files) == set()


def test_installed_from_tarball_is_the_collection_used(installed):
    listing = json.loads(run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'list', COLLECTION, '--format', 'json'],
                             cwd=installed.workdir, env=installed.env).stdout)
    assert listing == {os.path.join(installed.path, 'ansible_collections'): {
        COLLECTION: {'version': read_yaml(ROOT, 'galaxy.yml')['version']}}}
    modules = json.loads(run([os.path.join(BIN, 'ansible-doc'), '-l', COLLECTION, '--json'],
                             cwd=installed.workdir, env=installed.env).stdout)
    assert sorted(modules) == ['%s.%s' % (COLLECTION, name) for name in MODULES]
    roles = json.loads(run([os.path.join(BIN, 'ansible-doc'), '-t', 'role', '-l', COLLECTION, '--json'],
                           cwd=installed.workdir, env=installed.env).stdout)
    assert sorted(roles) == sorted('%s.%s' % (COLLECTION, role) for role in os.listdir(os.path.join(ROOT, 'roles')))


def test_ansible_doc_renders_from_install(installed):
    out = run([os.path.join(BIN, 'ansible-doc'), COLLECTION + '.clock_facts'], cwd=installed.workdir,
              env=installed.env).stdout
    assert module_file(installed, 'clock_facts') in out
    assert ROOT not in out
    for word in ('ntp_servers', 'cert_endpoints', 'max_offset', 'gotime_clock', 'verdict', 'check_mode'):
        assert word in out


def test_playbooks_resolve_from_install(installed):
    """The shipped playbooks load by FQCN, with their roles and filters, from the install alone."""
    proc = run([os.path.join(BIN, 'ansible-playbook'), '-i', 'localhost,', '--syntax-check']
               + ['%s.%s' % (COLLECTION, name) for name in ('site', 'report', 'remediate')],
               cwd=installed.workdir, env=installed.env)
    assert 'ERROR' not in proc.stdout + proc.stderr


@pytest.mark.parametrize('ntp,verdict,offset,falsetickers', [
    (['ntp_good_1', 'ntp_good_2', 'ntp_good_3', 'ntp_fast_300'], 'ok', 0.0, ['ntp_fast_300']),
    (['ntp_fast_300', 'ntp_fast_300_b'], 'skewed', 300.0, []),
])
def test_clock_facts_from_install(installed, lab, tmp_path, ntp, verdict, offset, falsetickers):
    services = lab['services']
    result = run_module(installed, 'clock_facts', {
        'ntp_servers': [services[name]['label'] for name in ntp], 'ntp_timeout': 1, 'samples': 3,
        'cert_endpoints': [services['tls_valid']['endpoint']], 'https_date_urls': [], 'host_sync': False,
    }, str(tmp_path / 'tree'))
    assert result['changed'] is False
    fact = result['ansible_facts']['gotime_clock']
    assert fact['verdict'] == verdict, fact['reason']
    assert abs(fact['offset'] - offset) <= fact['error_bound'] < 0.05
    assert fact['ntp']['selection']['falsetickers'] == [services[name]['label'] for name in falsetickers]
    assert fact['certificates'][0]['valid_at_host_time'] is True


def test_go_env_from_install(installed, tmp_path):
    """go_env writes GOPROXY into a private GOENV file, then a second run changes nothing."""
    env = dict((key, value) for key, value in installed.env.items() if not key.startswith('GO'))
    env.update(HOME=str(tmp_path / 'home'), GOENV=str(tmp_path / 'go.env'),
               GOMODCACHE=str(tmp_path / 'modcache'), GOPATH=str(tmp_path / 'gopath'), GOTOOLCHAIN='local')
    os.makedirs(env['HOME'])
    proxy = 'https://goproxy.corp.example,https://proxy.golang.org,direct'
    args = {'settings': {'GOPROXY': proxy}}

    first = run_module(installed, 'go_env', args, str(tmp_path / 'tree1'), env=env)
    assert first['changed'] is True
    assert first['changed_keys'] == ['GOPROXY']
    assert first['env_file'] == env['GOENV']
    assert first['env']['GOPROXY'] == proxy
    with open(env['GOENV']) as handle:
        assert 'GOPROXY=%s' % proxy in handle.read().splitlines()
    written = os.stat(env['GOENV']).st_mtime_ns

    second = run_module(installed, 'go_env', args, str(tmp_path / 'tree2'), env=env)
    assert second['changed'] is False
    assert second['changed_keys'] == []
    assert os.stat(env['GOENV']).st_mtime_ns == written


def test_introspect_reads_the_installed_requirements(installed):
    """ansible-builder finds requirements.txt and bindep.txt through the installed meta/execution-environment.yml."""
    out = run([os.path.join(BIN, 'ansible-builder'), 'introspect', installed.path], cwd=installed.workdir).stdout
    found = yaml.safe_load(out[out.index('---'):])
    origin = '  # from collection %s' % COLLECTION
    assert found['python'] == [line + origin for line in requirement_lines(os.path.join(ROOT, 'requirements.txt'))]
    assert {'ntplib', 'cryptography'} <= set(re.split(r'[<>=!~ ]', line)[0] for line in found['python'])
    assert found['system'] == [line + origin for line in requirement_lines(os.path.join(ROOT, 'bindep.txt'))]
    # What the EE's RPM base image installs from those lines, and what Debian would.
    rules = Depends('\n'.join(found['system']))
    assert [rule[0] for rule in rules.active_rules(['platform:rpm', 'platform:redhat'])] == [
        'ca-certificates', 'openssh-clients']
    assert [rule[0] for rule in rules.active_rules(['platform:dpkg', 'platform:debian'])] == [
        'ca-certificates', 'openssh-client']


def test_ee_definition_pins_what_is_tested():
    definition = read_yaml(EE_DIR, 'execution-environment.yml')
    with open(os.path.join(ROOT, 'requirements-report.txt')) as handle:
        tested_core = re.search(r'^ansible-core==\S+$', handle.read(), re.M).group(0)
    assert definition['dependencies']['ansible_core']['package_pip'] == tested_core
    galaxy = read_yaml(ROOT, 'galaxy.yml')
    wanted = read_yaml(EE_DIR, definition['dependencies']['galaxy'])['collections']
    assert wanted == [{'name': 'collections/%s-%s-%s.tar.gz' % (galaxy['namespace'], galaxy['name'], galaxy['version']),
                       'type': 'file'}]


def test_ee_build_context(release, tmp_path):
    """`ansible-builder create` writes a Containerfile and a _build/ whose galaxy stage installs the tarball."""
    definition_dir = tmp_path / 'definition'
    shutil.copytree(EE_DIR, str(definition_dir))
    shutil.copy(release.tarball, str(definition_dir))
    context = tmp_path / 'context'
    run([os.path.join(BIN, 'ansible-builder'), 'create', '-f', str(definition_dir / 'execution-environment.yml'),
         '-c', str(context)], cwd=str(tmp_path))
    definition = read_yaml(EE_DIR, 'execution-environment.yml')
    deps = definition['dependencies']
    with open(str(context / 'Containerfile')) as handle:
        containerfile = handle.read()
    assert 'ARG EE_BASE_IMAGE="%s"' % definition['images']['base_image']['name'] in containerfile
    assert 'FROM $EE_BASE_IMAGE AS base' in containerfile
    assert 'ARG PYCMD="%s"' % deps['python_interpreter']['python_path'] in containerfile
    assert 'ARG ANSIBLE_INSTALL_REFS="%s %s"' % (
        deps['ansible_core']['package_pip'], deps['ansible_runner']['package_pip']) in containerfile
    galaxy_step = re.search(r'^RUN .*ansible-galaxy collection install .*-r requirements\.yml .*$', containerfile, re.M)
    assert galaxy_step, containerfile
    assert re.search(r'^RUN \$PYCMD /output/scripts/introspect\.py introspect ', containerfile, re.M)

    build_dir = context / '_build'
    assert read_yaml(str(build_dir), 'requirements.yml') == read_yaml(EE_DIR, deps['galaxy'])
    assert (build_dir / 'scripts' / 'introspect.py').is_file()
    (wanted,) = read_yaml(str(build_dir), 'requirements.yml')['collections']
    with open(str(build_dir / wanted['name']), 'rb') as copied, open(release.tarball, 'rb') as built:
        assert copied.read() == built.read()

    # The galaxy stage's install, as the Containerfile runs it in /build (= _build/), with no Galaxy server.
    stage = str(tmp_path / 'stage-collections')
    run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '-r', 'requirements.yml',
         '--collections-path', stage], cwd=str(build_dir), env=private_env(str(tmp_path), stage))
    with open(os.path.join(stage, 'ansible_collections', 'cifleet', 'gotime', 'MANIFEST.json')) as handle:
        assert json.load(handle)['collection_info']['version'] == read_yaml(ROOT, 'galaxy.yml')['version']


def test_changelog_is_generated_and_has_this_version(release, tmp_path):
    # CHANGELOG.rst is antsibull-changelog's output of changelogs/changelog.yaml, not a hand edit.
    source = str(tmp_path / 'source')
    shutil.copytree(release.source, source)
    run([os.path.join(BIN, 'antsibull-changelog'), 'generate'], cwd=source,
        env=private_env(str(tmp_path), os.path.join(str(tmp_path), 'no-collections')))
    with open(os.path.join(release.source, 'CHANGELOG.rst')) as shipped, \
            open(os.path.join(source, 'CHANGELOG.rst')) as generated:
        text = shipped.read()
        assert generated.read() == text
    version = read_yaml(release.source, 'galaxy.yml')['version']
    assert '\nv%s\n' % version in text
    assert version in read_yaml(release.source, 'changelogs', 'changelog.yaml')['releases']
    assert 'CHANGELOG.rst' in release.files
