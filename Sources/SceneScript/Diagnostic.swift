import SafeText

/// A problem in a scene file, as data. Rendering is separate (``DiagnosticRenderer``).
public struct Diagnostic: Error, Sendable, Hashable {
  public enum Severity: String, Sendable, Hashable {
    case error
    case warning
    case note
  }

  /// Help a message carries: a suggestion or a hint. It is printed as part of ``message``.
  public enum Help: Sendable, Hashable {
    /// A name the writer may have meant, printed after the summary as `; did you mean 'NAME'?`.
    case didYouMean(String)
    /// A hint, printed after the summary in parentheses: ` (set 'cpus N' in the header)`.
    case hint(String)
  }

  public var id: DiagnosticID
  public var severity: Severity
  /// What is wrong, without the help.
  public var summary: String
  public var help: Help?
  public var location: SourceLocation

  /// The message as printed: the summary, then the help.
  public var message: String {
    switch help {
    case nil: return summary
    case .didYouMean(let name): return "\(summary); did you mean '\(name)'?"
    case .hint(let text): return "\(summary) (\(text))"
    }
  }

  public init(
    _ id: DiagnosticID, _ severity: Severity = .error, _ summary: String, help: Help? = nil,
    at location: SourceLocation
  ) {
    self.id = id
    self.severity = severity
    self.summary = summary
    self.help = help
    self.location = location
  }
}

/// Prints diagnostics in the compiler convention: `FILE:LINE:COL: error: MESSAGE`, then the
/// source line and a caret under the column.
public struct DiagnosticRenderer: Sendable {
  public var fileName: String
  public var lines: [String]

  public init(fileName: String, source: String) {
    self.fileName = fileName
    self.lines = source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  }

  /// The diagnostic as three lines (header, source line, caret line).
  public func render(_ d: Diagnostic) -> String {
    let header =
      "\(TextSafety.escape(fileName)):\(d.location.line):\(d.location.column): "
      + "\(d.severity.rawValue): \(TextSafety.escape(d.message))"
    guard d.location.line >= 1, d.location.line <= lines.count else { return header }
    let raw = lines[d.location.line - 1]
    let scalars = Array(raw.unicodeScalars)
    // Echo the line with control characters made visible; keep the caret under the column,
    // counting terminal cells (a wide character takes two, a combining mark none).
    var shown = ""
    var caretOffset = 0
    var escaper = TextSafety.Escaper()
    for (i, s) in scalars.enumerated() {
      var piece = ""
      escaper.append(s, to: &piece)
      if i < d.location.column - 1 {
        caretOffset += piece.unicodeScalars.count == 1 ? max(0, DisplayWidth.of(s.value)) : piece.unicodeScalars.count
      }
      shown += piece
      if shown.unicodeScalars.count > 400 {
        shown += "…"
        break
      }
    }
    let width = max(1, min(d.location.length, 80))
    let caret =
      String(repeating: " ", count: min(caretOffset, 400)) + "^"
      + String(repeating: "~", count: width - 1)
    return "\(header)\n\(shown)\n\(caret)"
  }

  /// All diagnostics, each rendered, joined by newlines.
  public func render(all: [Diagnostic]) -> String {
    all.map { render($0) }.joined(separator: "\n")
  }
}

/// The one escaper, defined in `SafeText` (which the terminal surface shares).
public typealias TextSafety = SafeText.TextSafety
