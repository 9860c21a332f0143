import AppCore
import SceneScript
import TermRender

/// A standalone SVG of a text frame (monospace, colours preserved) for pages that cannot play a
/// cast. Each row is one `<text>` (a `<tspan>` per style and words apart) so the frame's text reads,
/// selects and searches as the terminal showed it; box-drawing rows join whatever the font (a
/// 16 px cell holds a 14 px font's whole line box, and vertical strokes are drawn under the
/// glyphs from cell edge to cell edge), and block elements are filled rectangles.
public enum SVGExporter {
  /// Cell width and height, and the baseline's offset in the cell, in px.
  static let cellWidth = 8.4
  static let cellHeight = 16
  static let baseline = 12.5
  /// Fonts tried in order: one of them is on every desktop, and `monospace` after that.
  public static let fontStack = "DejaVu Sans Mono, Menlo, Consolas, Liberation Mono, monospace"

  /// Text as XML character data: markup characters as entities, and what XML 1.0 forbids (most
  /// C0 controls, U+FFFE, U+FFFF) as U+FFFD, so the document always parses.
  public static func xml(_ s: String) -> String {
    var out = ""
    for scalar in s.unicodeScalars {
      switch scalar.value {
      case 0x26: out += "&amp;"
      case 0x3C: out += "&lt;"
      case 0x3E: out += "&gt;"
      case 0x22: out += "&quot;"
      case 0x27: out += "&#39;"
      case 0x09, 0x0A, 0x0D, 0x20...0xFFFD, 0x10000...: out.unicodeScalars.append(scalar)
      default: out += "\u{FFFD}"
      }
    }
    return out
  }

  /// The rows of a frame an SVG with `chrome` shows: the header is the first row and the status
  /// line the last of a frame of the full layout (a smaller frame is a message: all of it).
  public static func rows(of b: Buffer, chrome: SVGChrome) -> Range<Int> {
    guard b.height >= minimumSize.height else { return 0..<b.height }
    switch chrome {
    case .none: return 1..<b.height - 1
    case .title: return 0..<b.height - 1
    case .full: return 0..<b.height
    }
  }

  public static func svg(_ b: Buffer, title: String, theme: SVGTheme = .light, chrome: SVGChrome = .full) -> String {
    let shown = rows(of: b, chrome: chrome)
    let width = Int((Double(b.width) * cellWidth).rounded(.up)) + 16
    let height = shown.count * cellHeight + 16
    var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    out +=
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\">\n"
    out += "<title>\(xml(TextSafety.escape(title)))</title>\n"
    out += "<rect width=\"100%\" height=\"100%\" fill=\"\(theme.background)\"/>\n"
    out += "<g font-family=\"\(fontStack)\" font-size=\"14\" xml:space=\"preserve\" style=\"white-space: pre\">\n"
    for (row, y) in shown.enumerated() {
      out += self.row(b, y, top: 8 + row * cellHeight, theme: theme)
    }
    return out + "</g>\n</svg>\n"
  }

  /// One row: its cell fills (one rectangle per run of one fill, so no seams between words),
  /// its strokes, then its text.
  static func row(_ b: Buffer, _ y: Int, top: Int, theme: SVGTheme) -> String {
    var fills = ""
    var pending: (start: Int, end: Int, color: String)?
    func flush() {
      guard let p = pending else { return }
      let (px, w) = (8 + Double(p.start) * cellWidth, Double(p.end - p.start) * cellWidth)
      fills +=
        "<rect x=\"\(fmt(px))\" y=\"\(top)\" width=\"\(fmt(w))\" height=\"\(cellHeight)\" fill=\"\(p.color)\"/>\n"
      pending = nil
    }
    var strokes = ""
    var text = "<text y=\"\(fmt(Double(top) + baseline))\">"
    var x = 0
    while x < b.width {
      let style = b[x, y].style
      let start = x
      var run = ""
      let (fg, fill) = theme.colors(style)
      // A run ends where the style changes or a word starts after two or more spaces (or one at
      // the row's start): each such word has its own x, so a browser that collapses spaces
      // (inline SVG in HTML) still puts it in its cell; a single space between words stays.
      while x < b.width, b[x, y].style == style, x == start || !startsWord(b, x, y) {
        let cell = b[x, y].text
        run += cell
        if let scalar = cell.unicodeScalars.first, cell.unicodeScalars.count == 1 {
          strokes += self.strokes(scalar, x: 8 + Double(x) * cellWidth, top: top, color: fg)
        }
        x += 1
      }
      if let p = pending, p.color != fill || p.end != start { flush() }
      if let fill { pending = (pending?.start ?? start, x, fill) }
      var attrs = "x=\"\(fmt(8 + Double(start) * cellWidth))\" fill=\"\(fg)\""
      if style.bold { attrs += " font-weight=\"bold\"" }
      if style.underline { attrs += " text-decoration=\"underline\"" }
      text += "<tspan \(attrs)>\(xml(run))</tspan>"
    }
    flush()
    return fills + strokes + text + "</text>\n"
  }

  /// Whether the cell starts a word that collapsing spaces would move: after two spaces, or
  /// after one at the start of the row.
  static func startsWord(_ b: Buffer, _ x: Int, _ y: Int) -> Bool {
    guard b[x, y].text != " ", b[x - 1, y].text == " " else { return false }
    return x < 2 || b[x - 2, y].text == " "
  }

  /// Rectangles in the text colour under a box-drawing glyph's vertical strokes (so rows join
  /// whatever the font's line box) or for a block element (filled whatever the font).
  static func strokes(_ c: Unicode.Scalar, x: Double, top: Int, color: String) -> String {
    let v = c.value
    guard v >= 0x2500, v <= 0x259F else { return "" }
    func rect(_ rx: Double, _ ry: Double, _ w: Double, _ h: Double) -> String {
      "<rect x=\"\(fmt(rx))\" y=\"\(fmt(ry))\" width=\"\(fmt(w))\" height=\"\(fmt(h))\" fill=\"\(color)\"/>\n"
    }
    let t = Double(top)
    let h = Double(cellHeight)
    switch c {
    case "█": return rect(x, t, cellWidth, h)
    case "▌": return rect(x, t, cellWidth / 2, h)
    case "▐": return rect(x + cellWidth / 2, t, cellWidth / 2, h)
    case "▀": return rect(x, t, cellWidth, h / 2)
    case "▄": return rect(x, t + h / 2, cellWidth, h / 2)
    default: break
    }
    guard let (up, down, weight) = verticals[c] else { return "" }
    let mid = x + cellWidth / 2
    var out = ""
    // Light 1.2 px, heavy 2.4 px, double two light strokes 3.6 px apart (as the glyphs draw them).
    let strokes: [(Double, Double)] =
      weight == 3 ? [(mid - 2.4, 1.2), (mid + 1.2, 1.2)] : [(mid - 0.6 * Double(weight), 1.2 * Double(weight))]
    for (sx, w) in strokes {
      if up { out += rect(sx, t, w, h / 2 + 0.6) }
      if down { out += rect(sx, t + h / 2 - 0.6, w, h / 2 + 0.6) }
    }
    return out
  }

  /// The box-drawing glyphs with a vertical stroke: up, down, and its weight (1 light, 2 heavy,
  /// 3 double).
  static let verticals: [Unicode.Scalar: (Bool, Bool, Int)] = {
    var table: [Unicode.Scalar: (Bool, Bool, Int)] = [:]
    for (glyphs, up, down, weight) in [
      ("│├┤┼", true, true, 1), ("┌┐┬", false, true, 1), ("└┘┴", true, false, 1),
      ("┃┣┫╋", true, true, 2), ("┏┓┳", false, true, 2), ("┗┛┻", true, false, 2),
      ("║╠╣╬", true, true, 3), ("╔╗╦", false, true, 3), ("╚╝╩", true, false, 3),
    ] {
      for g in glyphs.unicodeScalars { table[g] = (up, down, weight) }
    }
    return table
  }()

  static func fmt(_ v: Double) -> String {
    let tenths = Int((v * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
  }
}
