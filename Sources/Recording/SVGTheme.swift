import Foundation
import TermRender

/// The colours of an SVG frame (`--theme light|dark`). Every palette colour, plain or dim, reads
/// on the background with WCAG AA contrast (4.5:1 or more; checked by a test), so a colour seen
/// reversed (the background on the colour) does too.
public enum SVGTheme: String, Sendable, Hashable, CaseIterable {
  case light
  case dark

  public var background: String {
    switch self {
    case .light: "#ffffff"
    case .dark: "#111418"
    }
  }

  /// The colour of text without a colour of its own.
  public var foreground: String {
    switch self {
    case .light: "#1f2328"
    case .dark: "#d8dde3"
    }
  }

  /// The 16 colours by `Color.rawValue`, each readable on `background` (black and white are
  /// greys that read on either background).
  public var palette: [String] {
    switch self {
    case .light:
      [
        "#1f2328", "#a40e26", "#116329", "#6a4300", "#0550ae", "#7a2bb8", "#0b5c6b", "#3d444d",
        "#32383f", "#8c1020", "#0d5424", "#5a3900", "#04428f", "#6420a0", "#084d5a", "#2a3038",
      ]
    case .dark:
      [
        "#a9b1ba", "#ff8a80", "#7ee08a", "#f2cc60", "#8cb4ff", "#e39bff", "#6fd8e8", "#e6edf3",
        "#b8c0c8", "#ffa198", "#9bebab", "#f8dd86", "#a8c7ff", "#efb6ff", "#93e6f2", "#ffffff",
      ]
    }
  }

  /// The text colour and the cell fill (nil: the background) of a style: dim text mixed a fifth
  /// of the way to the background (a colour, not an opacity, so its contrast is known), reverse
  /// swapping text and fill.
  public func colors(_ style: Style) -> (text: String, fill: String?) {
    var text = style.fg.map { palette[$0.rawValue] } ?? foreground
    if style.dim { text = Self.mix(text, background, 0.2) }
    let fill = style.bg.map { palette[$0.rawValue] }
    return style.reverse ? (fill ?? background, text) : (text, fill)
  }

  /// `#rrggbb` a fraction `t` of the way from `a` to `b`.
  static func mix(_ a: String, _ b: String, _ t: Double) -> String {
    let x = rgb(a)
    let y = rgb(b)
    var out = "#"
    for i in 0..<3 {
      let v = Int((Double(x[i]) * (1 - t) + Double(y[i]) * t).rounded())
      out += v < 16 ? "0" + String(v, radix: 16) : String(v, radix: 16)
    }
    return out
  }

  /// The channels of `#rrggbb`.
  static func rgb(_ hex: String) -> [Int] {
    let digits = Array(hex.utf8.dropFirst())
    return (0..<3).map { i in Int(String(decoding: digits[2 * i..<2 * i + 2], as: UTF8.self), radix: 16) ?? 0 }
  }

  /// WCAG 2.x contrast ratio of two `#rrggbb` colours (1 to 21).
  public static func contrast(_ a: String, _ b: String) -> Double {
    func luminance(_ hex: String) -> Double {
      let c = rgb(hex).map { v -> Double in
        let s = Double(v) / 255
        return s <= 0.03928 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4)
      }
      return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    }
    let (la, lb) = (luminance(a), luminance(b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
  }
}

/// Which of the frame's chrome an SVG keeps (`--chrome`): none (the forest and the narration),
/// the title (the header line too) or the full frame (with the status and key line).
public enum SVGChrome: String, Sendable, Hashable, CaseIterable {
  case none
  case title
  case full
}
