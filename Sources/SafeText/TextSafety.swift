/// The one escaper: makes outside text (scene text, file names, arguments, environment) safe to
/// show on a terminal, on screen and in diagnostics alike. Control characters become visible
/// escapes.
public enum TextSafety {
  /// Zero-width scalars a cell keeps after its first (ncurses keeps 4); more are escaped.
  public static let maxJoined = 4

  /// Escapes C0/C1 controls, DEL, bidi controls, the zero-width joiner (terminals disagree on
  /// its width), what the terminal cannot print (`\e`, `\t`, `\x07`, `\u{202e}`, `\u{fffe}`) and
  /// a zero-width scalar with no character to join (`\u{0301}` at the start, or after
  /// ``maxJoined`` others); keeps other text. The frame lays out exactly this text (`Buffer`), so
  /// screen and diagnostics agree.
  public static func escape(_ s: String, keepNewlines: Bool = false) -> String {
    var escaper = Escaper(keepNewlines: keepNewlines)
    var out = ""
    for scalar in s.unicodeScalars { escaper.append(scalar, to: &out) }
    return out
  }

  /// ``escape(_:keepNewlines:)`` a scalar at a time, for a caller that needs each scalar's piece
  /// (the diagnostics' caret); the pieces joined are the escaped text.
  public struct Escaper: Sendable {
    /// Keep line feeds (messages on standard error) instead of showing them as `\n`.
    public var keepNewlines: Bool
    /// Zero-width scalars the last character can still take: none at the start, after a kept
    /// line feed or after an escaped zero-width scalar.
    private var joinable = 0

    public init(keepNewlines: Bool = false) {
      self.keepNewlines = keepNewlines
    }

    /// Appends the scalar, escaped when it must be, to `out`.
    public mutating func append(_ scalar: Unicode.Scalar, to out: inout String) {
      let v = scalar.value
      switch v {
      case 0x20..<0x7F:
        out.unicodeScalars.append(scalar)
      case 0x0A where keepNewlines:
        out += "\n"
        joinable = 0
        return
      case 0x1B: out += "\\e"
      case 0x0A: out += "\\n"
      case 0x0D: out += "\\r"
      case 0x09: out += "\\t"
      case 0x00..<0x20, 0x7F:
        out += "\\x" + hex(v, 2)
      case 0x80..<0xA0:
        out += "\\u{" + hex(v, 2) + "}"
      default:
        let width = DisplayWidth.of(v)
        if isBidiControl(v) || v == 0x200D || width < 0 {
          out += "\\u{" + hex(v, 4) + "}"
        } else if width > 0 {
          out.unicodeScalars.append(scalar)
        } else if joinable > 0 {
          out.unicodeScalars.append(scalar)
          joinable -= 1
          return
        } else {
          out += "\\u{" + hex(v, 4) + "}"
          return
        }
      }
      // A character of its own (an escape's last character included): it takes joiners.
      joinable = maxJoined
    }
  }

  /// The bidi formatting characters (embeddings, overrides, isolates and marks), which reorder
  /// the text around them.
  public static func isBidiControl(_ v: UInt32) -> Bool {
    v == 0x061C || v == 0x200E || v == 0x200F || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
  }

  /// `v` in lowercase hex, zero-padded to `width` digits.
  public static func hex(_ v: UInt32, _ width: Int) -> String {
    let h = String(v, radix: 16)
    return String(repeating: "0", count: max(0, width - h.count)) + h
  }
}
