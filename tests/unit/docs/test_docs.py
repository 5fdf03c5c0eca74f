"""The generated docs match the specs and the RETURN they come from; role defaults match role specs;
docs/facts.md names every key clock_facts returns and no other, and lists exactly the module's values."""
import difflib
import glob
import json
import os
import re

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.cifleet.gotime.plugins.module_utils import _clock, _host_sync_launchd, _https_date, _ntp

from support import docgen

# A key of the fact as the docs write it: gotime_clock, gotime_clock.ntp.servers[].status, ...
FACT_KEY = re.compile(r'\b%s((?:\.\w+(?:\[\])?)*)(?!\w)' % docgen.FACT)
# The docs a user reads: every page in docs/, the README and the roles' READMEs.
USER_DOCS = sorted(glob.glob(os.path.join(docgen.ROOT, 'docs', '*.md')) + [os.path.join(docgen.ROOT, 'README.md')]
                   + glob.glob(os.path.join(docgen.ROOT, 'roles', '*', 'README.md')))


def read(path):
    with open(os.path.join(docgen.ROOT, path)) as handle:
        return handle.read()


def templated(value):
    return isinstance(value, str) and '{{' in value


@pytest.mark.parametrize('name', sorted(docgen.generated()))
def test_generated_doc_is_current(name):
    want = docgen.generated()[name]
    have = read(name)
    diff = ''.join(list(difflib.unified_diff(have.splitlines(True), want.splitlines(True), name, 'generated'))[:40])
    assert have == want, '%s is not what its sources give; run %s and commit the result:\n%s' % (name, docgen.REGENERATE, diff)


@pytest.mark.parametrize('role', docgen.role_names())
def test_defaults_are_the_documented_options(role):
    defaults = docgen.role_defaults(role)
    options = docgen.argument_specs(role)['main']['options']
    assert sorted(set(defaults) - set(options)) == [], 'in defaults/main.yml but not in meta/argument_specs.yml'
    assert sorted(set(options) - set(defaults)) == [], 'in meta/argument_specs.yml but not in defaults/main.yml'
    for name, spec in options.items():
        if 'default' in spec:
            # JSON tells 1 from 1.0 and true from 1, as Ansible's type checks do.
            assert json.dumps(defaults[name], sort_keys=True) == json.dumps(spec['default'], sort_keys=True), name
        else:
            # Without a documented default, defaults/main.yml may only leave it unset or compute it.
            assert defaults[name] is None or templated(defaults[name]), '%s: default %r is not documented' % (name, defaults[name])


@pytest.mark.parametrize('role', docgen.role_names())
def test_defaults_pass_the_spec(role):
    values = dict((k, v) for k, v in docgen.role_defaults(role).items() if not templated(v))
    result = ArgumentSpecValidator(docgen.argument_specs(role)['main']['options']).validate(values)
    assert result.error_messages == []


def test_facts_doc_names_every_returned_key():
    doc = read(docgen.FACTS_DOC)
    missing = [path for path, dummy in docgen.fact_entries() if '`%s`' % path not in doc]
    assert missing == []


@pytest.mark.parametrize('path', USER_DOCS, ids=lambda path: os.path.relpath(path, docgen.ROOT))
def test_docs_name_only_returned_keys(path):
    documented = set(key for key, dummy in docgen.fact_entries())
    named = set(docgen.FACT + match.group(1) for match in FACT_KEY.finditer(read(path)))
    assert sorted(named - documented) == [], 'keys that clock_facts does not return (see its RETURN)'


def table_values(doc, heading):
    """The first-column `values` of the table in the section '## heading'."""
    section = doc.split('\n## %s\n' % heading, 1)[1].split('\n## ', 1)[0]
    return [row.split('|')[1].strip().strip('`') for row in section.splitlines()
            if row.startswith('| `') and not row.startswith('| ---')]


@pytest.mark.parametrize('heading,values', [
    ('Verdicts', _clock.VERDICTS),
    ('NTP server statuses', _ntp.STATUSES),
    ('HTTPS Date statuses', _https_date.STATUSES),
    ('launchd_sync actions', _host_sync_launchd.LAUNCHD_ACTIONS),
])
def test_facts_doc_lists_the_module_values(heading, values):
    assert sorted(table_values(read(docgen.FACTS_DOC), heading)) == sorted(values)


def test_markup_becomes_markdown():
    assert docgen.markup(['V(absent) boots O(x) out,', 'C(a|b) I(i) B(b)']) == '`absent` boots `x` out, `a|b` *i* **b**'
    assert docgen.markup(r'V(f\(x\)) L(docs, https://example.org/)') == '`f(x)` [docs](https://example.org/)'
