"""No user doc repeats a false claim of the old runbooks; naming one to refute it is fine."""
import ast
import glob
import os
import re

import pytest

from support import docgen

# The false claims, each as a pattern that finds a sentence stating or naming it. Why each is false
# (checked against upstream sources, see the README's "Why"):
MYTHS = {
    # go.sum and the checksum database hold hashes and no time; the sumdb client reads no clock.
    # Skew breaks TLS, never the checksums.
    'clock skew causes checksum mismatches':
        r'\b(clock|skew\w*)\b.*(checksum mismatch|security error|go\.sum)|(checksum mismatch|security error).*\b(clock|skew\w*)\b',
    # Turning the checksum database off removes Go's integrity check; it repairs nothing.
    'GOSUMDB=off is a fix': r'\bGOSUMDB\W{0,3}(=|to|is)?\W{0,3}off\b',
    # Fetching from the origins drops the proxy and its TLS is checked the same way; go_env refuses it.
    'GOPROXY=direct is a fix': r'\bGOPROXY\W{0,3}(=|to|is)?\W{0,3}direct\b',
    # Go has no GODEBUG setting of either name.
    'GODEBUG httpproxytime or httptest.time': r'httpproxytime|httptest\.time',
    # The module proxy protocol has no such header.
    'X-Go-Proxy-Time header': r'x-go-proxy-time',
    # After a ',' Go tries the next entry only on 404 or 410, so https://proxy.golang.org,direct
    # does not fall back to direct on TLS errors (only '|' falls back on any error).
    'the GOPROXY default falls back to direct on TLS errors': r'\bfall\w*\s+back\s+to\W{0,2}direct\b',
    # timed honours one time server (mSCP: "As of macOS 10.13 only one time server is supported").
    'macOS honours several time servers':
        r'\b(macos|timed|systemsetup)\b.*\b(several|multiple|many|all|more than one)\s+(\w+\s+){0,2}(time\s+|ntp\s+)?servers\b',
    # GOINSECURE allows plain HTTP and unverified TLS for matching modules; checksums are still checked.
    'GOINSECURE turns checksum checks off': r'\bGOINSECURE\b.*\b(disabl\w*|skip\w*|turns?\s+off|bypass\w*)\b.*(sumdb|checksum|go\.sum)',
    # GOPROXY=direct keeps go.sum and the checksum database; it gives up the proxy's cache and runs VCS tools.
    'GOPROXY=direct removes integrity checks':
        r'\bGOPROXY\W{0,3}(=|to|is|at)?\W{0,3}direct\b.*\b(remov\w*|weaken\w*|skip\w*|disabl\w*|turns?\s+off|bypass\w*|los\w*|drops?)\b'
        r'.*\b(integrity|checksums?|go\.sum|sumdb|verification)\b',
    # A list of "settings that weaken integrity" must not name GOINSECURE or GOPROXY=direct (see both above).
    'GOINSECURE or GOPROXY=direct listed as weakening integrity':
        r'\b(weaken\w*|remov\w*|disabl\w*)\b.*\bintegrity\b.*(\bGOINSECURE\b|\bGOPROXY\W{0,3}(=|is)?\W{0,3}direct\b|\bonly\s+direct\b)',
    # Cleaning the module cache fixes a corrupted cache; an upstream retag comes back with the next download.
    'cleaning the module cache fixes a retag':
        r'(\bclean\w*|\bremov\w*|\bwip\w*|\bdelet\w*|modcache)\b.*\b(retag\w*|tagged\s+again|changed\s+content\s+upstream)'
        r'|\b(retag\w*|changed\s+content\s+upstream)\b.*\b(clean\w*)\s+(\w+\s+){0,3}cache\b',
    # The old runbook set GOSUMDB=off and GOPROXY=file:///...; GOPROXY=direct was never its setting.
    'the old runbook set GOPROXY=direct':
        r'\b(old|legacy)\s+runbook\b.*\bGOPROXY\W{0,3}(=|to)?\W{0,3}direct\b|\bGOPROXY\W{0,3}=?\W{0,3}direct\b.*\b(old|legacy)\s+runbook\b',
    # Go compares host time with NotBefore/NotAfter exactly (crypto/x509/verify.go): there is no leeway.
    'TLS tolerates a 5 minute skew':
        r'(±|\+/-|plus or minus)\s*(5|five)\s*min|\b(5|five)[- ]minutes?\s+(tolerance|grace|leeway|window|slack)\b',
    # The h1: hash covers file names and contents, not zip bytes; direct and proxy give the same hash.
    'direct fetches give a non-Go zip with another hash': r'\bnon-Go\s+zip\b|\bdirect\b.*\bzip\b.*\b(different|another|other)\s+hash\b',
    # sntp -s slews the clock (and -S steps it); only a plain `sntp HOST` measures without changing it.
    'sntp -s is read-only': r'\bsntp\s+-s\b.*\b(read[- ]only|only\s+(reads|measures|queries)|harmless)\b',
    # launchd starts a job at most once every 10 s (ThrottleInterval).
    'StartInterval 1 runs every second': r'\bStartInterval\W{0,3}1\b.*\bevery\s+second\b',
    # ntpdate and ntpq were removed in macOS 10.14; timed sets the clock since 10.13.
    'ntpdate or ntpq on modern macOS': r'\b(ntpdate|ntpq)\b.*\bmacOS\b|\bmacOS\b.*\b(ntpdate|ntpq)\b',
    # Our own earlier docs: gotime-clock (launchd_sync's job since clock_tool) asks every server at once and
    # believes only a majority; it never takes the first server that answers.
    'the sync job takes the first server that answers':
        r'\b(tried|tries|asked|asks)\s+in\s+order\b.*\bfirst\b.*\banswer|\bfirst\s+(server\s+)?that\s+answers\s+is\s+used\b',
    # Our own earlier docs: clock_facts judges every certificate the server sent where Python offers the chain
    # (3.13 and later, ssl.SSLSocket.get_unverified_chain); only older Pythons limit it to the leaf.
    'clock_facts judges only the leaf':
        r'\b(judg\w*|check\w*)\b[^.;]*\bleaf\b[^.;]*\bonly\b|\b(judg\w*|check\w*)\b[^.;]*\bonly\b[^.;]*\bleaf\b',
}
# A sentence that names a myth must also refute it or mark it as a downgrade: a negation, or words
# the docs use for the old runbooks' settings ("fix" in quotes, downgrade, insecure, integrity, refused).
REFUTED = re.compile(r"\b(not|never|no|nor|none|nothing|cannot|without|myth|false|wrong|runbooks?|refus\w*|downgrades?|"
                     r"insecure|integrity)\b|n't\b|\"fix\"", re.I)
NEGATED = r"\b(not|never|no|nor|none|nothing|cannot|without|myth|false|wrong)\b|n't\b"
# Myths whose own sentences use the words REFUTED accepts ("integrity", "runbook", "insecure"): only a
# negation refutes them, and for the first two only a negation of the claimed removal itself.
REFUTED_BY = {
    'GOPROXY=direct removes integrity checks': re.compile(
        r"\b(not|never|n't|nor)\s+(\w+\s+){0,2}(remov\w*|weaken\w*|skip\w*|disabl\w*|turn\w*|bypass\w*|los\w*|drop\w*)|\bkeeps?\b", re.I),
    'GOINSECURE or GOPROXY=direct listed as weakening integrity': re.compile(
        r"\b(not|never|n't|nor)\s+(\w+\s+){0,2}(remov\w*|weaken\w*|disabl\w*|turn\w*)|\bkeeps?\b", re.I),
    'the old runbook set GOPROXY=direct': re.compile(NEGATED, re.I),
    'cleaning the module cache fixes a retag': re.compile(NEGATED, re.I),
    'ntpdate or ntpq on modern macOS': re.compile(NEGATED + r"|\bremoved\b|\bgone\b", re.I),
    'the sync job takes the first server that answers': re.compile(NEGATED, re.I),
    # Said of a Python older than 3.13 it is true.
    'clock_facts judges only the leaf': re.compile(NEGATED + r"|3\.13|\bolder\s+Python|Python\s*<", re.I),
}
USER_DOCS = sorted(glob.glob(os.path.join(docgen.ROOT, 'docs', '*.md')) + [os.path.join(docgen.ROOT, 'README.md')]
                   + glob.glob(os.path.join(docgen.ROOT, 'roles', '*', 'README.md'))
                   + [os.path.join(docgen.ROOT, 'extensions', 'molecule', 'README.md')])
SENTENCE_END = re.compile(r'(?<=[.!?])\s+(?=[A-Z`"*(])')
BLOCK_START = re.compile(r'^\s*([-*+]|\d+\.|#+|>)\s')


def blocks(text):
    """Paragraphs, list items and headings as blocks of text; table rows and code lines one block each."""
    found, current, in_code = [], [], False
    for line in text.splitlines() + ['']:
        if line.lstrip().startswith('```'):
            in_code = not in_code
            line = ''
        if in_code or line.lstrip().startswith('|') or not line.strip() or BLOCK_START.match(line):
            if current:
                found.append(' '.join(current))
            current = []
        if in_code:
            found.append(line)
        elif line.lstrip().startswith('|'):
            found.append(line.strip())
        elif line.strip():
            current.append(line.strip())
    return found


def false_claims(text):
    """(myth, sentence) for every sentence that names a myth and does not refute it."""
    claims = []
    for block in blocks(text):
        # A table row's cells are sentences of their own; a generic refutation may stand in another cell of the row.
        if block.startswith('|'):
            parts = [(cell.strip(), block) for cell in block.strip('|').split(' | ')]
        else:
            parts = [(sentence, sentence) for sentence in SENTENCE_END.split(block)]
        for sentence, context in parts:
            for myth, pattern in MYTHS.items():
                refuted = REFUTED_BY[myth].search(sentence) if myth in REFUTED_BY else REFUTED.search(context)
                if re.search(pattern, sentence, re.I) and not refuted:
                    claims.append((myth, sentence))
    return claims


@pytest.mark.parametrize('path', USER_DOCS, ids=lambda path: os.path.relpath(path, docgen.ROOT))
def test_doc_makes_no_false_claim(path):
    with open(path) as handle:
        assert false_claims(handle.read()) == []


# One plain false claim and one sentence that names the myth to refute it, per myth.
CASES = [
    ('clock skew causes checksum mismatches',
     'A skewed clock causes checksum mismatch errors in go mod download.',
     'Clock skew never causes a go.sum checksum mismatch.'),
    ('GOSUMDB=off is a fix', 'Set `GOSUMDB=off` to get past the error.', 'Setting GOSUMDB=off is not a fix.'),
    ('GOPROXY=direct is a fix', 'Switch GOPROXY to direct when the proxy fails.', 'GOPROXY=direct is a downgrade that go_env refuses.'),
    ('GODEBUG httpproxytime or httptest.time', 'Export GODEBUG=httpproxytime=1 to tolerate skew.',
     'The GODEBUG settings httpproxytime and httptest.time do not exist.'),
    ('X-Go-Proxy-Time header', 'The proxy sends its time in the X-Go-Proxy-Time header.', 'There is no X-Go-Proxy-Time header.'),
    ('the GOPROXY default falls back to direct on TLS errors', 'The default GOPROXY falls back to direct on TLS errors.',
     'The default GOPROXY does not fall back to direct on TLS errors.'),
    ('macOS honours several time servers', 'macOS uses all the configured time servers.', 'macOS does not honour several time servers.'),
    ('GOINSECURE turns checksum checks off', 'GOINSECURE disables checksum verification for matching modules.',
     'GOINSECURE does not disable checksum verification.'),
    # The false ones are the sentences this collection's docs said before issue 11.
    ('GOPROXY=direct removes integrity checks',
     'GOSUMDB=off and GOPROXY=direct are not fixes for either error: they remove Go\'s integrity checks.',
     'GOPROXY=direct keeps every integrity check: go.sum and the checksum database still verify each module.'),
    ('GOINSECURE or GOPROXY=direct listed as weakening integrity',
     'The first comes from a setting that weakens Go\'s integrity checks (GOSUMDB off, any GOINSECURE, a GOPROXY that is only direct).',
     'GOINSECURE does not weaken integrity checks; checksums are still verified.'),
    ('cleaning the module cache fixes a retag',
     'Clean the module cache of that host, with a reason: checksum mismatch for example.com/m@v1.2.0 after a retag.',
     'Cleaning the module cache does not fix an upstream retag.'),
    ('the old runbook set GOPROXY=direct',
     'This job repairs a hand-run `go env -w GOPROXY=direct` (what the old runbook did).',
     'GOPROXY=direct was not the old runbook\'s setting.'),
    ('TLS tolerates a 5 minute skew', 'TLS tolerates a clock within ±5 min of true time.',
     'There is no ±5 minute tolerance in TLS certificate checks.'),
    ('direct fetches give a non-Go zip with another hash', 'A direct fetch produces a non-Go zip whose hash differs.',
     'Direct fetches do not produce a non-Go zip.'),
    ('sntp -s is read-only', 'Check the offset with sntp -s, which is read-only.', '`sntp -s` is not read-only: it slews the clock.'),
    ('StartInterval 1 runs every second', 'The job uses StartInterval 1 to check the clock every second.',
     'StartInterval 1 never ran every second.'),
    ('ntpdate or ntpq on modern macOS', 'On macOS, check the offset with ntpdate -q.',
     '`ntpdate` and `ntpq` are not on modern macOS: they were removed in macOS 10.14.'),
    # The false ones are sentences of docs/troubleshooting.md and docs/facts.md before this check.
    ('the sync job takes the first server that answers',
     '- **Fix**: reachable servers in `launchd_sync_servers` (tried in order, the first that answers is used) and `timesync_servers`.',
     'The job asks every server at once and never takes the first server that answers on its word.'),
    ('clock_facts judges only the leaf',
     'clock_facts judges each endpoint\'s leaf certificate only (see `docs/facts.md`).',
     'On an older Python than 3.13 clock_facts judges the leaf only, and says so.'),
]


@pytest.mark.parametrize('myth,false,true', CASES, ids=[case[0] for case in CASES])
def test_checker_tells_a_claim_from_its_refutation(myth, false, true):
    assert [claim[0] for claim in false_claims(false)] == [myth]
    assert false_claims(true) == []


def test_every_myth_has_a_case():
    assert sorted(case[0] for case in CASES) == sorted(MYTHS)


# Messages and texts of our own that ops read: the fleet report's metric help, the playbooks' and roles'
# messages and comments. Each string literal or line is checked like a sentence of the docs.
OWN_TEXTS = sorted(glob.glob(os.path.join(docgen.ROOT, 'plugins', 'plugin_utils', '_fleet_report*.py'))) \
    + sorted(glob.glob(os.path.join(docgen.ROOT, 'playbooks', '*.yml'))) \
    + sorted(glob.glob(os.path.join(docgen.ROOT, 'roles', '*', '*', '*.yml'))) \
    + sorted(glob.glob(os.path.join(docgen.ROOT, 'roles', '*', 'templates', '*')))


def own_text_lines(path):
    """Python string literals (adjacent ones joined) or, for YAML and templates, paragraphs of lines."""
    with open(path) as handle:
        text = handle.read()
    if path.endswith('.py'):
        return [node.value for node in ast.walk(ast.parse(text)) if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    # YAML folded messages and comments continue over lines: join lines into paragraphs at blank lines and keys.
    return [re.sub(r'\s*#\s*', ' ', block) for block in re.split(r'\n\s*\n|\n(?=\s*-?\s*[\w.]+:)', text)]


@pytest.mark.parametrize('path', OWN_TEXTS, ids=lambda path: os.path.relpath(path, docgen.ROOT))
def test_own_texts_make_no_false_claim(path):
    claims = []
    for text in own_text_lines(path):
        claims.extend(false_claims(text))
    assert claims == []


def test_a_refutation_excuses_only_its_own_sentence():
    text = ('Clock skew never causes a checksum mismatch. Set GOSUMDB=off when it does.\n\n'
            '| fix | `GOSUMDB=off` |\n| `GOPROXY=direct` | refused |')
    assert [claim[1] for claim in false_claims(text)] == ['Set GOSUMDB=off when it does.', '`GOSUMDB=off`']
    # A myth with its own refutation is judged on its cell alone: "nothing" elsewhere in the row does not excuse it.
    row = '| `upgrade` | as the old runbook left it (GOPROXY=direct in the go env) | a second converge changes nothing |'
    assert [claim[0] for claim in false_claims(row)] == ['the old runbook set GOPROXY=direct']


# The myths that docs/troubleshooting.md's list refutes, each by a sentence the myth's pattern finds
# (the others were sentences of our own docs, not of the old runbooks).
LISTED = sorted(set(MYTHS) - {'the old runbook set GOPROXY=direct', 'GOINSECURE or GOPROXY=direct listed as weakening integrity',
                              'the sync job takes the first server that answers', 'clock_facts judges only the leaf'})


@pytest.mark.parametrize('myth', LISTED)
def test_troubleshooting_lists_the_myth(myth):
    with open(os.path.join(docgen.ROOT, 'docs', 'troubleshooting.md')) as handle:
        text = handle.read()
    listed = text[text.index('## Claims from old runbooks that are false'):].split('\n## ')[0]
    sentences = [sentence for block in blocks(listed) for sentence in SENTENCE_END.split(block)]
    assert [sentence for sentence in sentences if re.search(MYTHS[myth], sentence, re.I)], myth


# Module documentation is read by ops too (ansible-doc): its descriptions and notes are checked like the docs.
MODULE_DOCS = sorted(glob.glob(os.path.join(docgen.ROOT, 'plugins', 'modules', '*.py')))


@pytest.mark.parametrize('path', MODULE_DOCS, ids=lambda path: os.path.relpath(path, docgen.ROOT))
def test_module_docs_make_no_false_claim(path):
    name = os.path.splitext(os.path.basename(path))[0]
    claims = []
    for part in ('DOCUMENTATION', 'RETURN'):
        try:
            documented = docgen.module_documentation(name, part)
        except ValueError:
            continue
        for text in docgen.yaml_strings(documented):
            claims.extend(false_claims(text))
    assert claims == []


def test_docs_cite_nothing_outside_the_repository():
    # FACTS.md is the maintainers' notes, outside this repository and its release: cite the sources themselves.
    citing = [os.path.relpath(path, docgen.ROOT) for path in USER_DOCS + MODULE_DOCS
              if 'FACTS.md' in open(path).read()]
    assert citing == []


def test_execution_environment_doc_lists_requirements_txt():
    # The table row of requirements.txt names exactly the packages the file lists (ansible-builder installs those).
    with open(os.path.join(docgen.ROOT, 'docs', 'execution-environment.md')) as handle:
        row = [line for line in handle if line.startswith('| `requirements.txt` |')]
    assert len(row) == 1
    named = set(re.findall(r'`([\w.-]+)`', row[0].split(' | ')[1]))
    with open(os.path.join(docgen.ROOT, 'requirements.txt')) as handle:
        listed = set(re.match(r'[\w.-]+', line).group(0) for line in handle if line.strip() and not line.startswith('#'))
    assert named == listed
