import TermRender

/// The colours of an SVG frame (`--theme light|dark`), as a terminal with 256 colours draws
/// it. Every palette colour, plain or dim, reads on the background with WCAG AA contrast (4.5:1
/// or more; checked by a test), so a colour seen reversed (the background on the colour) does too.
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

  /// The text colour and the cell fill (nil: the background) of a style, as a terminal with
  /// 256 colours shows it (`TerminalStyle`): dim text without a colour of its own in the
  /// faintest grey that reads on the background (`dimGrey`), coloured dim text in its colour;
  /// reverse swapping text and fill.
  public func colors(_ style: Style) -> (text: String, fill: String?) {
    let t = TerminalStyle(style, colors: .ansi256)
    let text = t.fg.map(color) ?? foreground
    let fill = t.bg.map(color)
    return t.reverse ? (fill ?? background, text) : (text, fill)
  }

  /// The colour of palette entry `n`: the theme's own for the 16 system colours; for the others
  /// xterm's, except the terminal's dim grey (``XtermPalette/dimGrey``), drawn as `dimGrey`.
  func color(_ n: Int) -> String {
    if n < 16 { return palette[n] }
    return XtermPalette.rgb(n == XtermPalette.dimGrey ? dimGrey : n)
  }

  /// The grey dim text is drawn in: of the xterm greys, the faintest that reads on the
  /// background with 4.5:1 (the terminal's 243 on white; 244 on the dark theme, where 243 has
  /// 4.1:1).
  public var dimGrey: Int { Self.dimGreys[self] ?? XtermPalette.dimGrey }

  private static let dimGreys = Dictionary(
    uniqueKeysWithValues: allCases.map {
      ($0, XtermPalette.faintestReadableGrey(on: [$0.background]) ?? XtermPalette.dimGrey)
    })

  /// WCAG 2.x contrast ratio of two `#rrggbb` colours (1 to 21).
  public static func contrast(_ a: String, _ b: String) -> Double { XtermPalette.contrast(a, b) }
}

/// Which of the frame's chrome an SVG keeps (`--chrome`): none (the forest and the narration),
/// the title (the header line too) or the full frame (with the status and key line).
public enum SVGChrome: String, Sendable, Hashable, CaseIterable {
  case none
  case title
  case full
}
