import AnonVMASim
import TermRender

/// The asciicast format version to write.
public enum CastVersion: Int, Sendable, Hashable {
  case v2 = 2
  case v3 = 3
}

/// The palette frames are drawn with, as the cast header's `theme` (16 colors, xterm defaults).
public enum CastTheme {
  public static let foreground = "#d0d0d0"
  public static let background = "#101010"
  public static let palette = [
    "#000000", "#cd0000", "#00cd00", "#cdcd00", "#0000ee", "#cd00cd", "#00cdcd", "#e5e5e5",
    "#7f7f7f", "#ff0000", "#00ff00", "#ffff00", "#5c5cff", "#ff00ff", "#00ffff", "#ffffff",
  ]
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
