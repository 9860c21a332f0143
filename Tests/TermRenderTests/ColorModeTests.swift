import TermRender
import Testing

@Suite("Colour modes: 256 colours draw dim text in a readable grey, 8/16 colours faint, none without colour")
struct ColorModeTests {
  /// What an SGR sequence does to what a terminal shows, as ECMA-48 and xterm define the codes
  /// we emit (256 colours as `38;5;n` and `48;5;n`).
  static func applySGR(_ sequence: String, to t: TerminalStyle) -> TerminalStyle? {
    guard sequence.hasPrefix("\u{1b}["), sequence.hasSuffix("m") else { return nil }
    let body = sequence.dropFirst(2).dropLast()
    var s = t
    var codes = (body.isEmpty ? ["0"] : body.split(separator: ";", omittingEmptySubsequences: false)).map { Int($0) }
    while !codes.isEmpty {
      guard let code = codes.removeFirst() else { return nil }
      switch code {
      case 0: s = TerminalStyle(.plain, colors: .none)
      case 1: s.bold = true
      case 2: s.faint = true
      case 4: s.underline = true
      case 7: s.reverse = true
      case 22: (s.bold, s.faint) = (false, false)
      case 24: s.underline = false
      case 27: s.reverse = false
      case 30...37: s.fg = code - 30
      case 90...97: s.fg = code - 90 + 8
      case 39: s.fg = nil
      case 40...47: s.bg = code - 40
      case 100...107: s.bg = code - 100 + 8
      case 49: s.bg = nil
      case 38, 48:
        guard codes.count >= 2, codes[0] == 5, let n = codes[1], (16...255).contains(n) else { return nil }
        codes.removeFirst(2)
        if code == 38 { s.fg = n } else { s.bg = n }
      default: return nil
      }
    }
    return s
  }

  static let styles: [Style] = {
    var styles: [Style] = []
    for bold in [false, true] {
      for dim in [false, true] {
        for reverse in [false, true] {
          for fg in [nil, Color.red, .brightCyan] {
            for bg in [nil, Color.blue] { styles.append(Style(fg: fg, bg: bg, bold: bold, dim: dim, reverse: reverse)) }
          }
        }
      }
    }
    return styles
  }()

  @Test("with 256 colours: dim text without a colour is grey 243, never faint; every transition gives exactly that")
  func transitions256() {
    for a in Self.styles {
      for b in Self.styles {
        let t = ANSIEncoder.transition(from: a, to: b, colors: .ansi256)
        let want = TerminalStyle(b, colors: .ansi256)
        #expect(!want.faint)
        #expect(want.fg == (b.dim && b.fg == nil ? 243 : b.fg?.rawValue))
        if TerminalStyle(a, colors: .ansi256) == want {
          #expect(t.isEmpty)
          continue
        }
        #expect(
          Self.applySGR(t, to: TerminalStyle(a, colors: .ansi256)) == want, "\(a) → \(b) by \(t.debugDescription)")
        #expect(t.utf8.count <= ANSIEncoder.sgr(b, colors: .ansi256).utf8.count)
      }
    }
    #expect(ANSIEncoder.sgr(Style(dim: true), colors: .ansi256) == "\u{1b}[0;38;5;243m")
    #expect(ANSIEncoder.sgr(Style(bold: true, dim: true), colors: .ansi256) == "\u{1b}[0;1;38;5;243m")
  }

  @Test("with 16 colours dim text stays faint, and without colour too, with no colour sent")
  func fallbacks() {
    #expect(ANSIEncoder.sgr(Style(dim: true), colors: .ansi16) == "\u{1b}[0;2m")
    #expect(ANSIEncoder.sgr(Style(fg: .red, dim: true), colors: .ansi16) == "\u{1b}[0;2;31m")
    #expect(ANSIEncoder.sgr(Style(fg: .red, dim: true), colors: .none) == "\u{1b}[0;2m")
    #expect(ANSIEncoder.sgr(Style(dim: true), colors: .none) == "\u{1b}[0;2m")
    for s in Self.styles {
      #expect(TerminalStyle(s, colors: .ansi16).faint == s.dim)
      #expect(TerminalStyle(s, colors: .none).fg == nil && TerminalStyle(s, colors: .none).bg == nil)
    }
  }

  @Test("a whole frame and an update in 256 colours carry the grey for dim text")
  func frames() {
    var b = Buffer(width: 10, height: 1)
    b.put("hint", x: 0, y: 0, style: Style(dim: true))
    b.put("ok", x: 5, y: 0, style: Style(fg: .green))
    let frame = ANSIEncoder.frame(b, colors: .ansi256)
    #expect(frame == "\u{1b}[0;38;5;243mhint\u{1b}[0m \u{1b}[0;32mok\u{1b}[0m \n", "\(frame.debugDescription)")
    #expect(ANSIEncoder.update(from: nil, to: b, colors: .ansi256).contains("\u{1b}[38;5;243mhint"))
    #expect(ANSIEncoder.frame(b, colors: .ansi16).hasPrefix("\u{1b}[0;2mhint"))
  }

  @Test("the xterm palette: cube, greys, and 243 the one grey with 4.5:1 on both black and white")
  func palette() {
    #expect(XtermPalette.rgb(16) == "#000000")
    #expect(XtermPalette.rgb(196) == "#ff0000")
    #expect(XtermPalette.rgb(110) == "#87afd7")
    #expect(XtermPalette.rgb(231) == "#ffffff")
    #expect(XtermPalette.rgb(232) == "#080808")
    #expect(XtermPalette.rgb(243) == "#767676")
    #expect(XtermPalette.rgb(255) == "#eeeeee")
    #expect(XtermPalette.faintestReadableGrey(on: ["#000000", "#ffffff"]) == XtermPalette.dimGrey)
    #expect(XtermPalette.dimGrey == 243)
    #expect(XtermPalette.contrast(XtermPalette.rgb(243), "#000000") >= 4.5)
    #expect(XtermPalette.contrast(XtermPalette.rgb(243), "#ffffff") >= 4.5)
    #expect(XtermPalette.contrast(XtermPalette.rgb(242), "#000000") < 4.5)
    #expect(XtermPalette.contrast(XtermPalette.rgb(244), "#ffffff") < 4.5)
    // The faintest grey on one dark background alone is the darkest that reads there.
    #expect(XtermPalette.faintestReadableGrey(on: ["#000000"]) == 243)
    #expect(XtermPalette.faintestReadableGrey(on: ["#101010"]) == 244)
    #expect(XtermPalette.faintestReadableGrey(on: ["#000000", "#777777"]) == nil)
  }
}
