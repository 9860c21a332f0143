import TermRender

/// A line of a pane: styled segments, plus whether it is the selected object.
struct Line {
  var segments: [(String, Style)]
  var selected = false

  init(_ text: String, _ style: Style = .plain, selected: Bool = false) {
    segments = [(text, style)]
    self.selected = selected
  }

  init(segments: [(String, Style)], selected: Bool = false) {
    self.segments = segments
    self.selected = selected
  }
}

/// The part of `count` items to build around `selected` when only `limit` fit (large forests:
/// what is left out is announced by a line, never dropped silently).
func window(count: Int, selected: Int, limit: Int) -> Range<Int> {
  guard count > limit, limit > 0 else { return 0..<count }
  let start = max(0, min(count - limit, selected - limit / 2))
  return start..<(start + limit)
}

/// `1st`, `2nd`, `3rd`, `4th`, ... `11th`, `21st`.
func ordinal(_ n: Int) -> String {
  let suffix = (11...13).contains(n % 100) ? "th" : n % 10 == 1 ? "st" : n % 10 == 2 ? "nd" : n % 10 == 3 ? "rd" : "th"
  return "\(n)\(suffix)"
}

/// Names joined by spaces until `budget` characters, then `…+N more`.
func shortList<S: Sequence<String>>(_ names: S, count: Int, budget: Int) -> String {
  var out = ""
  var shown = 0
  for name in names {
    if shown > 0 && out.utf8.count + name.utf8.count + 1 > budget {
      return out + " …+\(count - shown) more"
    }
    out += shown == 0 ? name : " " + name
    shown += 1
  }
  return out
}

/// The no-break space (U+00A0) that joins the words of an object's name (`P3 A 0`, a page's
/// place) so that ``wrap(_:_:keepingGlue:)`` never breaks a line inside the name. `wrap` gives
/// the lines back with plain spaces; text that is not wrapped never holds it.
let nameGlue: Character = "\u{00A0}"

/// A name `wrap` keeps on one line: its spaces become ``nameGlue``.
func unbreakable(_ name: String) -> String { String(name.map { $0 == " " ? nameGlue : $0 }) }

/// The text with each ``nameGlue`` back to a plain space.
func unglued(_ text: String) -> String {
  text.utf8.contains(0xA0) ? String(text.map { $0 == nameGlue ? " " : $0 }) : text
}

/// Word-wraps text to a width, breaking only at plain spaces: a name joined by ``nameGlue``
/// moves whole to the next line (the glue is given back as spaces unless `keepingGlue`, for a
/// caller that wraps the lines again). A word wider than the line (a URL, a long path) is broken
/// across lines at the width, never cut.
func wrap(_ text: String, _ width: Int, keepingGlue: Bool = false) -> [String] {
  let lines = wrapKeepingGlue(text, width)
  return keepingGlue ? lines : lines.map(unglued)
}

/// `text` wrapped at words to `width` with a hanging indent: the lines after the first indented
/// `indent` columns. Glued names stay whole through both wraps; the first wrap's continuation
/// lines carry the text's own indent, dropped before they are wrapped again at `indent`.
func wrapHanging(_ text: String, _ width: Int, indent: Int) -> [String] {
  let lines = wrap(text, width, keepingGlue: true)
  guard let first = lines.first else { return [] }
  let rest = lines.dropFirst().map { $0.drop { $0 == " " } }.joined(separator: " ")
  let more = rest.isEmpty ? [] : wrap(rest, max(10, width - indent)).map { String(repeating: " ", count: indent) + $0 }
  return [unglued(first)] + more
}

private func wrapKeepingGlue(_ text: String, _ width: Int) -> [String] {
  guard width > 4 else { return [text] }
  if text.utf8.count <= width, Buffer.width(text) <= width { return [text] }
  // Words are found on the UTF-8 bytes (a space is one byte in UTF-8) and measured as bytes
  // when ASCII: an anon_vma's line lists hundreds of names, and splitting it into Characters
  // cost more than the rest of the frame. Linear in the text.
  let bytes = Array(text.utf8)
  let space = UInt8(ascii: " ")
  var indent = 0
  while indent < bytes.count && bytes[indent] == space { indent += 1 }
  var lines: [String] = []
  var line: [UInt8] = Array(bytes[0..<indent])
  var lineWidth = indent
  var start = indent
  while start <= bytes.count {
    var end = start
    var ascii = true
    while end < bytes.count && bytes[end] != space {
      if bytes[end] >= 0x80 { ascii = false }
      end += 1
    }
    let word = bytes[start..<end]
    let wordWidth = ascii ? word.count : Buffer.width(String(decoding: word, as: UTF8.self))
    if indent + wordWidth > width {
      // Too wide for any line: its pieces fill lines of their own, the last one continues.
      if line.count > indent { lines.append(String(decoding: line, as: UTF8.self)) }
      let pieces = broken(String(decoding: word, as: UTF8.self), width - indent)
      for piece in pieces.dropLast() { lines.append(String(repeating: " ", count: indent) + piece) }
      let last = pieces.last ?? ""
      line = Array(bytes[0..<indent]) + Array(last.utf8)
      lineWidth = indent + Buffer.width(last)
    } else if line.count == indent {
      line += word
      lineWidth += wordWidth
    } else if lineWidth + 1 + wordWidth > width {
      lines.append(String(decoding: line, as: UTF8.self))
      line = Array(bytes[0..<indent]) + word
      lineWidth = indent + wordWidth
    } else {
      line.append(space)
      line += word
      lineWidth += 1 + wordWidth
    }
    start = end + 1
  }
  lines.append(String(decoding: line, as: UTF8.self))
  return lines
}

/// A word in pieces of at most `width` columns (a wide character that would straddle the edge
/// starts the next piece).
private func broken(_ word: String, _ width: Int) -> [String] {
  var pieces: [String] = []
  var piece = ""
  var pieceWidth = 0
  for ch in word {
    let w = Buffer.width(String(ch))
    if pieceWidth + w > max(1, width), !piece.isEmpty {
      pieces.append(piece)
      piece = ""
      pieceWidth = 0
    }
    piece.append(ch)
    pieceWidth += w
  }
  pieces.append(piece)
  return pieces
}

/// Styled segments word-wrapped to a width as lines: each character keeps its segment's style.
/// One line when the text fits.
func wrap(_ segments: [(String, Style)], _ width: Int) -> [Line] {
  let full = segments.map(\.0).joined()
  let texts = wrap(full, width, keepingGlue: true)
  guard texts.count > 1 else { return [Line(segments: segments.map { (unglued($0.0), $0.1) })] }
  // The wrapped lines hold the text's characters in order, less the spaces at the breaks (and
  // plus a repeated indent): walk both, taking each character's style from the source.
  let source = segments.flatMap { seg in seg.0.map { (char: $0, style: seg.1) } }
  var p = 0
  return texts.map { text in
    var segs: [(String, Style)] = []
    for ch in text {
      while p < source.count, source[p].char != ch, source[p].char == " " { p += 1 }
      let style = p < source.count ? source[p].style : segments.last?.1 ?? .plain
      if p < source.count, source[p].char == ch { p += 1 }
      let shown = ch == nameGlue ? " " : ch
      if let last = segs.last, last.1 == style {
        segs[segs.count - 1].0.append(shown)
      } else {
        segs.append((String(shown), style))
      }
    }
    return Line(segments: segs)
  }
}

/// Text in `width` columns: whole when it fits, else cut after the last `separator` (a word
/// boundary) that leaves room for `ellipsis`, which marks the cut. A first word longer than the
/// width is cut inside, still marked.
func elide(_ text: String, _ width: Int, ellipsis: String, separator: String = " ") -> String {
  guard Buffer.width(text) > width else { return text }
  let budget = width - Buffer.width(ellipsis)
  guard budget > 0 else { return String(ellipsis.prefix(max(0, width))) }
  var best: Substring?
  for i in text.indices where text[i...].hasPrefix(separator) {
    let prefix = text[..<i]
    if Buffer.width(String(prefix)) > budget { break }
    if prefix.contains(where: { $0 != " " }) { best = prefix }
  }
  if var best {
    while best.last == " " { best = best.dropLast() }
    return best + ellipsis
  }
  var out = ""
  for ch in text {
    if Buffer.width(out + String(ch)) > budget { break }
    out.append(ch)
  }
  return out + ellipsis
}

extension String {
  func padding(_ width: Int) -> String {
    let w = Buffer.width(self)
    return w >= width ? self : self + String(repeating: " ", count: width - w)
  }

  var nonEmpty: String? { isEmpty ? nil : self }
}
