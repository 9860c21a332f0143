import AnonVMASim
import TermRender

/// The asciicast format version to write.
public enum CastVersion: Int, Sendable, Hashable {
  case v2 = 2
  case v3 = 3
}

/// The colours casts are played with, as the cast header's `theme`: xterm's defaults, on black,
/// except the system colours that read on black below WCAG AA (4.5:1) in xterm (red, blue,
/// magenta, bright blue), made lighter. Frames are encoded for 256 colours (`TerminalStyle`), so
/// dim text is ``XtermPalette/dimGrey`` (4.6:1 on this black); a test checks that every style a
/// frame uses reads with 4.5:1 here.
public enum CastTheme {
  public static let foreground = "#d0d0d0"
  public static let background = "#000000"
  public static let palette = [
    "#000000", "#ee3333", "#00cd00", "#cdcd00", "#4f6fff", "#d700d7", "#00cdcd", "#e5e5e5",
    "#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#7b7bff", "#ff00ff", "#00ffff", "#ffffff",
  ]

  /// The text colour and the cell fill (nil: the background) of what a terminal is sent, as a
  /// player shows it with this theme (colours from 16 on as xterm's).
  public static func colors(_ t: TerminalStyle) -> (text: String, fill: String?) {
    func color(_ n: Int) -> String { n < 16 ? palette[n] : XtermPalette.rgb(n) }
    let text = t.fg.map(color) ?? foreground
    let fill = t.bg.map(color)
    return t.reverse ? (fill ?? background, text) : (text, fill)
  }
}

/// Writes asciicast lines: a header, then `[time, code, data]` events with times from a virtual
/// (or real) clock. v2 times are absolute seconds; v3 times are intervals since the previous event.
/// Times are integers of microseconds, printed exactly, so output is byte-identical.
public struct AsciicastWriter: Sendable {
  public let version: CastVersion
  private var lastMicros: Int = 0

  public init(version: CastVersion) { self.version = version }

  /// The header line.
  public func header(width: Int, height: Int, title: String, idleTimeLimit: Double = 2) -> String {
    let theme: JSON = .object([
      ("fg", .string(CastTheme.foreground)), ("bg", .string(CastTheme.background)),
      ("palette", .string(CastTheme.palette.joined(separator: ":"))),
    ])
    let idle = JSON.raw(Self.seconds(Int(idleTimeLimit * 1_000_000)))
    switch version {
    case .v2:
      return JSON.object([
        ("version", .int(2)), ("width", .int(width)), ("height", .int(height)),
        ("title", .string(title)), ("idle_time_limit", idle),
        ("env", .object([("TERM", .string("xterm-256color"))])), ("theme", theme),
      ]).serialized
    case .v3:
      return JSON.object([
        ("version", .int(3)),
        (
          "term",
          .object([
            ("cols", .int(width)), ("rows", .int(height)), ("type", .string("xterm-256color")),
            ("theme", theme),
          ])
        ),
        ("title", .string(title)), ("idle_time_limit", idle),
      ]).serialized
    }
  }

  /// One event line at `micros` microseconds since the start (never before the previous event).
  public mutating func event(at micros: Int, _ code: String, _ data: String) -> String {
    let t = max(micros, lastMicros)
    let printed = version == .v2 ? t : t - lastMicros
    lastMicros = t
    return JSON.array([.raw(Self.seconds(printed)), .string(code), .string(data)]).serialized
  }

  /// `1.5` for 1,500,000 µs, `0.000001` for 1 µs: exact to the microsecond, without trailing
  /// zeros (as asciinema writes times).
  public static func seconds(_ micros: Int) -> String {
    let s = micros / 1_000_000
    var frac = String(micros % 1_000_000)
    frac = String(repeating: "0", count: 6 - frac.count) + frac
    while frac.count > 1 && frac.hasSuffix("0") { frac.removeLast() }
    return "\(s)." + frac
  }
}
