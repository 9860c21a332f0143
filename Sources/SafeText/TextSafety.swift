/// The one escaper: makes outside text (scene text, file names, arguments, environment) safe to
/// show on a terminal, on screen and in diagnostics alike. Control characters become visible
/// escapes.
public enum TextSafety {
  /// Escapes C0/C1 controls, DEL, bidi controls, the zero-width joiner (terminals disagree on
  /// its width) and what the terminal cannot print (`\e`, `\t`, `\x07`, `\u{202e}`, `\u{fffe}`);
  /// keeps other text.
  public static func escape(_ s: String, keepNewlines: Bool = false) -> String {
    var out = ""
    for scalar in s.unicodeScalars {
      let v = scalar.value
      switch v {
      case 0x0A where keepNewlines: out += "\n"
      case 0x1B: out += "\\e"
      case 0x0A: out += "\\n"
      case 0x0D: out += "\\r"
      case 0x09: out += "\\t"
      case 0x00..<0x20, 0x7F:
        out += "\\x" + hex(v, 2)
      case 0x80..<0xA0:
        out += "\\u{" + hex(v, 2) + "}"
      default:
        if isBidiControl(v) || v == 0x200D || DisplayWidth.of(v) < 0 {
          out += "\\u{" + hex(v, 4) + "}"
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out
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
