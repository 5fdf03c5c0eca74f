"""No user doc repeats a false claim of the old runbooks; naming one to refute it is fine."""
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
}
# A sentence that names a myth must also refute it or mark it as a downgrade: a negation, or words
# the docs use for the old runbooks' settings ("fix" in quotes, downgrade, insecure, integrity, refused).
REFUTED = re.compile(r"\b(not|never|no|nor|none|nothing|cannot|without|myth|false|wrong|runbooks?|refus\w*|downgrades?|"
                     r"insecure|integrity)\b|n't\b|\"fix\"", re.I)
USER_DOCS = sorted(glob.glob(os.path.join(docgen.ROOT, 'docs', '*.md')) + [os.path.join(docgen.ROOT, 'README.md')]
                   + glob.glob(os.path.join(docgen.ROOT, 'roles', '*', 'README.md')))
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
        for sentence in SENTENCE_END.split(block):
            for myth, pattern in MYTHS.items():
                if re.search(pattern, sentence, re.I) and not REFUTED.search(sentence):
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
]


@pytest.mark.parametrize('myth,false,true', CASES, ids=[case[0] for case in CASES])
def test_checker_tells_a_claim_from_its_refutation(myth, false, true):
    assert [claim[0] for claim in false_claims(false)] == [myth]
    assert false_claims(true) == []


def test_every_myth_has_a_case():
    assert sorted(case[0] for case in CASES) == sorted(MYTHS)


def test_a_refutation_excuses_only_its_own_sentence():
    text = ('Clock skew never causes a checksum mismatch. Set GOSUMDB=off when it does.\n\n'
            '| fix | `GOSUMDB=off` |\n| `GOPROXY=direct` | refused |')
    assert [claim[1] for claim in false_claims(text)] == ['Set GOSUMDB=off when it does.', '| fix | `GOSUMDB=off` |']
