import SafeText
import SceneScript
import TermRender
import Testing

/// Outside text the way a hostile scene or path brings it: every C0 and C1 control, DEL, escape
/// sequences (7- and 8-bit), every bidi control, the zero-width joiner, noncharacters, line and
/// paragraph separators, invalid UTF-8 (decoded as U+FFFD), zero-width scalars with nothing to
/// join or too many to join, and wide characters.
let hostileTexts: [String] = {
  var texts = (Array(0x00..<0x20) + [0x7F] + Array(0x80..<0xA0)).compactMap(Unicode.Scalar.init).map {
    "a" + String($0) + "b"
  }
  texts += [0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069]
    .compactMap(Unicode.Scalar.init).map { "x" + String($0) + "y" }
  texts += [
    "\u{1b}[31mred\u{1b}[0m", "\u{1b}]0;title\u{7}", "\u{1b}]52;c;AAAA\u{7}", "\u{9b}31m", "\u{1b}c", "\u{1b}[2J",
    "a\u{200D}b", "\u{1F468}\u{200D}\u{1F469}", "\u{FFFE}\u{FFFF}", "l\u{2028}p\u{2029}",
    String(decoding: [0x61, 0xFF, 0xC3, 0x28, 0xE2, 0x82] as [UInt8], as: UTF8.self),
    "\u{301}x", "x" + String(repeating: "\u{301}", count: 7), "\u{1b}\u{301}", "\u{200B}", "\u{1F680}漢字",
  ]
  return texts
}()

/// A scalar that drives a terminal or lays out differently on each: C0 (line feed excepted), DEL,
/// C1, a bidi control, the zero-width joiner, or what the terminal cannot print.
func drivesTheTerminal(_ s: Unicode.Scalar) -> Bool {
  let v = s.value
  guard v != 0x0A else { return false }
  return v < 0x20 || (0x7F..<0xA0).contains(v) || TextSafety.isBidiControl(v) || v == 0x200D || DisplayWidth.of(v) < 0
}

/// Whether `text` reaches a terminal raw: a scalar that drives it, or a zero-width scalar with no
/// character to join (at the start or after a line feed).
func reachesTheTerminalRaw(_ text: String) -> Bool {
  var previous: Unicode.Scalar? = nil
  for s in text.unicodeScalars {
    if drivesTheTerminal(s) { return true }
    if DisplayWidth.of(s.value) == 0, previous == nil || previous == "\n" { return true }
    previous = s
  }
  return false
}

@Suite("One escaper: the screen and the diagnostics show outside text the same way, never raw")
struct OneEscaperTests {
  @Test("the frame shows exactly the escaper's text, and it holds nothing raw", arguments: hostileTexts)
  func screen(text: String) {
    var b = Buffer(width: 200, height: 1)
    b.put(text, x: 0, y: 0)
    let escaped = TextSafety.escape(text)
    #expect(b.plainText == escaped + "\n", "\(text.debugDescription)")
    #expect(Buffer.width(text) == b.put(text, x: 0, y: 0))
    #expect(!reachesTheTerminalRaw(escaped), "\(escaped.debugDescription)")
    #expect(!reachesTheTerminalRaw(TextSafety.escape(text + "\n" + text, keepNewlines: true)))
  }

  @Test("a diagnostic shows the file name, message and line as the frame would", arguments: hostileTexts)
  func diagnostics(text: String) {
    // A line feed ends the source line (the file name and the message show it as \n).
    let text = text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\\n")
    let line = "say \"" + text + "\""
    let renderer = DiagnosticRenderer(fileName: text + ".scene", source: "spawn P1\n" + line + "\n")
    let rendered = renderer.render(
      Diagnostic(.expectedString, .error, "bad '\(text)'", at: SourceLocation(line: 2, column: 6)))
    let parts = rendered.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(parts.count == 3, "\(rendered.debugDescription)")
    guard parts.count == 3 else { return }
    #expect(parts[0] == TextSafety.escape(text + ".scene") + ":2:6: error: " + TextSafety.escape("bad '\(text)'"))
    // The source line as the frame lays it out, and the caret under the column in its cells.
    var b = Buffer(width: 400, height: 1)
    b.put(line, x: 0, y: 0)
    #expect(parts[1] + "\n" == b.plainText, "\(parts[1].debugDescription)")
    #expect(parts[2] == String(repeating: " ", count: Buffer.width("say \"")) + "^")
    for part in parts { #expect(!reachesTheTerminalRaw(part), "\(part.debugDescription)") }
  }

  @Test("a zero-width scalar joins the character before, at most four; with nothing to join it is escaped")
  func zeroWidth() {
    #expect(TextSafety.escape("\u{301}x") == "\\u{0301}x")
    #expect(TextSafety.escape("e\u{301}") == "e\u{301}")
    #expect(TextSafety.escape("e" + String(repeating: "\u{301}", count: 5)) == "e\u{301}\u{301}\u{301}\u{301}\\u{0301}")
    #expect(TextSafety.escape("a\n\u{301}", keepNewlines: true) == "a\n\\u{0301}")
    // An escape's last character is a character like any other.
    #expect(TextSafety.escape("\u{1b}\u{301}") == "\\e\u{301}")
    let renderer = DiagnosticRenderer(fileName: "t.scene", source: "\u{301}x y")
    #expect(
      renderer.render(Diagnostic(.unknownStatement, .error, "m", at: SourceLocation(line: 1, column: 4)))
        == "t.scene:1:4: error: m\n\\u{0301}x y\n          ^")
  }
}
