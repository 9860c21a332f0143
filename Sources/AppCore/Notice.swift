/// What a message on screen is: news of what a key did (`info`), something the user may not
/// have meant or that did nothing (`warning`), or input refused (`error`). Each kind has its own
/// glyph and colour, so a confirmation never looks like a failure (`Theme.notice(_:)`).
public enum NoticeKind: Sendable, Hashable, CaseIterable {
  case info, warning, error
}

/// A message shown in place, with its kind. A string literal is an `info` message;
/// `.warning(…)` and `.error(…)` make the others.
public struct Notice: Sendable, Hashable, ExpressibleByStringInterpolation {
  public var kind: NoticeKind
  public var text: String

  public init(_ text: String, kind: NoticeKind = .info) {
    self.text = text
    self.kind = kind
  }

  public init(stringLiteral value: String) { self.init(value) }
  public init(stringInterpolation: DefaultStringInterpolation) {
    self.init(String(stringInterpolation: stringInterpolation))
  }

  public static func warning(_ text: String) -> Notice { Notice(text, kind: .warning) }
  public static func error(_ text: String) -> Notice { Notice(text, kind: .error) }
}

extension AppState {
  /// The message's text (nil: none). Setting it shows an `info` message; `notice` sets a
  /// message of another kind.
  public var message: String? {
    get { notice?.text }
    set { notice = newValue.map { Notice($0) } }
  }
}
