"""Parses a Markdown file with markdown-it-py (CommonMark, as Git forges render it) and prints, as
JSON, what a reader's page would hold: {"images": [src, ...], "html": [raw HTML, ...],
"headings": [text as shown, ...], "blocks": [block token type, ...]} in document order (blocks:
lists, quotes, code and rules, so a test can tell scene text that became structure)."""
import json
import sys

from markdown_it import MarkdownIt


def main(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    tokens = MarkdownIt("commonmark").parse(text)
    out = {"images": [], "html": [], "headings": [], "blocks": []}
    heading = False
    for token in tokens:
        if token.type in ("bullet_list_open", "ordered_list_open", "blockquote_open", "code_block", "fence", "hr"):
            out["blocks"].append(token.type)
        if token.type == "html_block":
            out["html"].append(token.content)
        elif token.type == "heading_open":
            heading = True
        elif token.type == "heading_close":
            heading = False
        elif token.type == "inline":
            if heading:
                out["headings"].append("".join(c.content for c in token.children or [] if c.type in ("text", "code_inline")))
            for child in token.children or []:
                if child.type == "image":
                    out["images"].append(child.attrs.get("src"))
                elif child.type == "html_inline":
                    out["html"].append(child.content)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
