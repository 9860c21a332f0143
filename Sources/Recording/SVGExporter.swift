import SceneScript
import TermRender

/// A standalone SVG of a text frame (monospace, colors preserved) for pages that cannot play a cast.
public enum SVGExporter {
  /// Text as XML character data: markup characters as entities, and what XML 1.0 forbids (most
  /// C0 controls, U+FFFE, U+FFFF) as U+FFFD, so the document always parses.
  static func xml(_ s: String) -> String {
    var out = ""
    for scalar in s.unicodeScalars {
      switch scalar.value {
      case 0x26: out += "&amp;"
      case 0x3C: out += "&lt;"
      case 0x3E: out += "&gt;"
      case 0x22: out += "&quot;"
      case 0x09, 0x0A, 0x0D, 0x20...0xFFFD, 0x10000...: out.unicodeScalars.append(scalar)
      default: out += "\u{FFFD}"
      }
    }
    return out
  }

  static func color(_ c: Color?, fallback: String) -> String {
    guard let c else { return fallback }
    return CastTheme.palette[c.rawValue]
  }

  public static func svg(_ b: Buffer, title: String) -> String {
    let cw = 8.4
    let ch = 17
    let width = Int((Double(b.width) * cw).rounded(.up)) + 16
    let height = b.height * ch + 16
    var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    out +=
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\">\n"
    out += "<title>\(xml(TextSafety.escape(title)))</title>\n"
    out += "<rect width=\"100%\" height=\"100%\" fill=\"\(CastTheme.background)\"/>\n"
    out += "<g font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" font-size=\"14\" xml:space=\"preserve\">\n"
    for y in 0..<b.height {
      var x = 0
      while x < b.width {
        let style = b[x, y].style
        var text = ""
        let start = x
        while x < b.width, b[x, y].style == style {
          text += b[x, y].text
          x += 1
        }
        var fg = color(style.fg, fallback: CastTheme.foreground)
        var bg: String? = style.bg.map { CastTheme.palette[$0.rawValue] }
        if style.reverse {
          let old = fg
          fg = bg ?? CastTheme.background
          bg = old
        }
        let px = 8 + Double(start) * cw
        let py = 8 + y * ch
        if let bg {
          let w = Double(x - start) * cw
          out += "<rect x=\"\(fmt(px))\" y=\"\(py)\" width=\"\(fmt(w))\" height=\"\(ch)\" fill=\"\(bg)\"/>\n"
        }
        if text.contains(where: { $0 != " " }) {
          var attrs = "fill=\"\(fg)\""
          if style.bold { attrs += " font-weight=\"bold\"" }
          if style.dim { attrs += " opacity=\"0.6\"" }
          if style.underline { attrs += " text-decoration=\"underline\"" }
          out += "<text x=\"\(fmt(px))\" y=\"\(py + 13)\" \(attrs)>\(xml(text))</text>\n"
        }
      }
    }
    return out + "</g>\n</svg>\n"
  }

  static func fmt(_ v: Double) -> String {
    let tenths = Int((v * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
  }
}
