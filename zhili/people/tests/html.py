"""Reading rendered pages the way a user reads them: by the text of marked elements.

A small tree built with the standard library's HTMLParser, so that tests can ask for the
text inside `data-testid="..."` or the rows of a table without a browser.
"""

import re
from html.parser import HTMLParser
from urllib.parse import quote

_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class Node:
    def __init__(self, tag: str, attrs: dict, parent: "Node | None"):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return re.sub(r"\s+", " ", " ".join(parts)).strip()

    def iter(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs) -> list["Node"]:
        wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag) and all(n.attrs.get(k) == v for k, v in wanted.items())
        ]


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v or "") for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in _VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, {k: (v or "") for k, v in attrs}, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(content: bytes | str) -> Node:
    builder = _Builder()
    builder.feed(content.decode() if isinstance(content, bytes) else content)
    builder.close()
    return builder.root


def by_testid(content, testid: str) -> list[str]:
    """The text of every element marked data-testid=testid."""
    return [n.text() for n in parse(content).find_all(data_testid=testid)]


def one_testid(content, testid: str) -> str:
    found = by_testid(content, testid)
    assert len(found) == 1, f"expected one data-testid={testid!r}, found {found!r}"
    return found[0]


def table_rows(content, testid: str) -> list[list[str]]:
    """The body rows of the table marked data-testid=testid, as lists of cell texts."""
    tables = parse(content).find_all("table", data_testid=testid)
    assert len(tables) == 1, f"expected one table {testid!r}"
    rows = []
    for tbody in tables[0].find_all("tbody"):
        for tr in tbody.find_all("tr"):
            cells = [td.text() for td in tr.find_all("td")]
            if len(cells) > 1:  # the "nobody matches" row spans all columns
                rows.append(cells)
    return rows


def comparable(content: bytes, path: str) -> str:
    """The page with its per-render CSRF tokens and its own address blanked, so that the
    pages answered for two addresses can be compared exactly."""
    text = content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', text)
    text = re.sub(r'"X-CSRFToken": "[^"]+"', '"X-CSRFToken": ""', text)
    return text.replace(quote(path, safe=""), "PATH").replace(path, "PATH")
