import Glibc
import SafeText
import TermRender
import Testing

/// glibc's `wcwidth` (not in Swift's Glibc module; `_XOPEN_SOURCE` hides it), looked up at run time.
let glibcWcwidth: (@convention(c) (Int32) -> Int32)? = dlsym(nil, "wcwidth").map {
  unsafeBitCast($0, to: (@convention(c) (Int32) -> Int32).self)
}

@Suite("Text on the terminal: one escaper, the terminal's widths")
struct DisplayWidthTests {
  @Test("display width matches glibc wcwidth (what ncurses and tmux use) for every printable scalar")
  func matchesWcwidth() throws {
    // glibc's wcwidth follows LC_CTYPE; the terminal runs in a UTF-8 locale.
    let old = String(cString: setlocale(LC_CTYPE, nil))
    try #require(setlocale(LC_CTYPE, "C.UTF-8") != nil)
    let wcwidth = try #require(glibcWcwidth)
    defer { setlocale(LC_CTYPE, old) }
    var mismatches: [String] = []
    for v in UInt32(0xA0)...0x10FFFF {
      guard let scalar = Unicode.Scalar(v) else { continue }
      let expected = Int(wcwidth(Int32(bitPattern: v)))
      if DisplayWidth.of(v) != expected {
        mismatches.append("U+\(String(v, radix: 16)): \(DisplayWidth.of(v)) not \(expected)")
      }
      // After a base character, as the frame lays it out; what cannot be printed, bidi controls
      // and ZWJ are escaped instead.
      guard expected >= 0, !TextSafety.isBidiControl(v), v != 0x200D else { continue }
      let text = "a" + String(scalar)
      if Buffer.width(text) != 1 + expected {
        mismatches.append("U+\(String(v, radix: 16)) in a frame: \(Buffer.width(text) - 1)")
      }
    }
    #expect(mismatches.isEmpty, "\(mismatches.count) mismatches: \(mismatches.prefix(20))")
  }

  @Test("emoji are two columns and zero-width characters join the cell before; the border stays put")
  func emojiAndZeroWidth() {
    var b = Buffer(width: 12, height: 1)
    let end = b.put("a\u{1F680}b\u{200B}c\u{301}", x: 0, y: 0)
    #expect(end == 5)
    #expect(b[1, 0].text == "\u{1F680}" && b[2, 0].text == "")
    #expect(b[3, 0].text == "b\u{200B}")
    #expect(b[4, 0].text == "c\u{301}")
    b.put("|", x: end, y: 0)
    #expect(b[5, 0].text == "|")
    // Nothing to join, unprintable, or a joiner that terminals lay out differently: escaped.
    #expect(Buffer.width("\u{301}x") == "\\u{0301}x".count)
    #expect(Buffer.width("\u{FFFE}") == "\\u{fffe}".count)
    #expect(Buffer.width("\u{1F468}\u{200D}\u{1F469}") == 2 + "\\u{200d}".count + 2)
  }

  @Test("the screen escapes as the diagnostics do: TAB is \\t, BEL \\x07, U+202E \\u{202e}")
  func oneEscaper() {
    let text = "a\tb\u{7}c\u{202E}d\u{1b}"
    var b = Buffer(width: 40, height: 1)
    b.put(text, x: 0, y: 0)
    #expect(b.plainText == TextSafety.escape(text) + "\n")
    #expect(b.plainText == "a\\tb\\x07c\\u{202e}d\\e\n")
  }
}
