"""An HTML page as tests read it: its start tags in order, each with its attributes and open ancestors, and its text."""
import html.parser

# Tags that enclose nothing on our pages (HTML void elements, SVG shapes): never an ancestor.
EMPTY = ('meta', 'br', 'line', 'rect', 'col')


class Page(html.parser.HTMLParser):
    """Page(text).tags: (tag, attrs dict, ancestors) per start tag, ancestors the open (tag, id) pairs outermost
    first; .data: the text pieces, entities decoded."""

    def __init__(self, text):
        super().__init__()
        self.tags = []
        self.data = []
        self._open = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs, tuple(self._open)))
        if tag not in EMPTY:
            self._open.append((tag, attrs.get('id')))

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data):
        self.data.append(data)
