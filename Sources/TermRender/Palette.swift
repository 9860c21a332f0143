#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The xterm 256-colour palette as RGB, and the grey secondary text takes where 256 colours show.
///
/// Colours 16–255 have the same RGB on every terminal that offers them (xterm's `256colres.h`:
/// a 6×6×6 cube, then 24 greys), unlike the 16 system colours, which users theme. So only there
/// can a style be chosen for a contrast that is known.
public enum XtermPalette {
  /// xterm's defaults for the 16 system colours (a theme may change them).
  public static let system = [
    "#000000", "#cd0000", "#00cd00", "#cdcd00", "#0000ee", "#cd00cd", "#00cdcd", "#e5e5e5",
    "#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff",
  ]

  /// `#rrggbb` of colour `n` (0–255): the system colours as xterm's defaults; 16–231 the cube
  /// (levels 0, 95, 135, 175, 215, 255); 232–255 the greys 8, 18, …, 238.
  public static func rgb(_ n: Int) -> String {
    let n = min(255, max(0, n))
    if n < 16 { return system[n] }
    if n >= 232 { return hex(8 + 10 * (n - 232), 8 + 10 * (n - 232), 8 + 10 * (n - 232)) }
    let c = n - 16
    func level(_ i: Int) -> Int { i == 0 ? 0 : 55 + 40 * i }
    return hex(level(c / 36), level(c / 6 % 6), level(c % 6))
  }

  /// The greys of the palette (the ramp and the cube's diagonal), by index.
  public static let greys: [Int] = Array(232...255) + [16, 59, 102, 145, 188, 231]

  /// Of the palette's greys that read on every one of `backgrounds` with at least `ratio`, the
  /// one closest to them (the least contrast on the background it contrasts least with): the
  /// faintest readable secondary text. Nil when no grey reads on all of them.
  public static func faintestReadableGrey(on backgrounds: [String], ratio: Double = 4.5) -> Int? {
    var best: (index: Int, contrast: Double)?
    for g in greys {
      let worst = backgrounds.map { contrast(rgb(g), $0) }.min() ?? 21
      guard worst >= ratio else { continue }
      if best.map({ worst < $0.contrast }) ?? true { best = (g, worst) }
    }
    return best?.index
  }

  /// The grey dim text without a colour of its own is drawn in where 256 colours show, in place
  /// of the faint attribute (whose shade the terminal picks: about 4.4:1 on black in xterm, below
  /// WCAG AA). The terminal's background is unknown, so the grey must read on black and on white:
  /// 243 (#767676), 4.6:1 on black and 4.5:1 on white, is the one grey that does.
  public static let dimGrey = 243

  /// WCAG 2.x contrast ratio of two `#rrggbb` colours (1 to 21).
  public static func contrast(_ a: String, _ b: String) -> Double {
    let (la, lb) = (luminance(a), luminance(b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
  }

  /// WCAG 2.x relative luminance of `#rrggbb`.
  static func luminance(_ hex: String) -> Double {
    let c = channels(hex).map { v -> Double in
      let s = Double(v) / 255
      return s <= 0.03928 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4)
    }
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
  }

  /// The channels of `#rrggbb`.
  public static func channels(_ hex: String) -> [Int] {
    let digits = Array(hex.utf8.dropFirst())
    guard digits.count == 6 else { return [0, 0, 0] }
    return (0..<3).map { i in Int(String(decoding: digits[2 * i..<2 * i + 2], as: UTF8.self), radix: 16) ?? 0 }
  }

  static func hex(_ r: Int, _ g: Int, _ b: Int) -> String {
    "#" + [r, g, b].map { $0 < 16 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
  }
}

/// What a terminal is sent for a style in a colour mode: the attributes and colours (0–255) as
/// SGR sets them. The one place the colour modes differ: without colour, the colours go; with
/// 256 colours, the faint attribute goes (dim text without a colour of its own is drawn in
/// ``XtermPalette/dimGrey``, coloured dim text in its colour), since faint lowers a contrast
/// that is otherwise known; with 8 or 16, faint stays.
public struct TerminalStyle: Sendable, Hashable {
  public var fg: Int?
  public var bg: Int?
  public var bold: Bool
  public var faint: Bool
  public var underline: Bool
  public var reverse: Bool

  public init(_ style: Style, colors: ColorMode) {
    fg = colors == .none ? nil : style.fg?.rawValue
    bg = colors == .none ? nil : style.bg?.rawValue
    bold = style.bold
    faint = style.dim
    underline = style.underline
    reverse = style.reverse
    if colors == .ansi256, style.dim {
      faint = false
      if fg == nil { fg = XtermPalette.dimGrey }
    }
  }

  /// Whether it looks as the terminal's default: no attribute, no colour.
  public var isPlain: Bool { fg == nil && bg == nil && !bold && !faint && !underline && !reverse }
}
