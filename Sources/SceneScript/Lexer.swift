/// A token of the scene language. Concatenating the `text` of all tokens of a source gives the
/// source back exactly (the lexer round-trips).
public struct Token: Sendable, Hashable {
  public enum Kind: Sendable, Hashable {
    /// A run of characters that is not blank, `#` or `"`: keywords, names, numbers, ranges, `==`.
    case word
    /// A complete string literal; `value` holds the unescaped text.
    case string
    /// A string literal that is malformed (unterminated or a bad escape); `value` holds the message.
    case badString
    case comment
    case blank
    case newline
  }

  public var kind: Kind
  public var text: String
  /// Unescaped string value, or the error message of a bad string.
  public var value: String
  /// 1-based line.
  public var line: Int
  /// 1-based column, in Unicode scalars.
  public var column: Int
  /// Column of a problem inside the token (for bad strings), else `column`.
  public var problemColumn: Int
  /// The kind of problem of a bad string.
  public var problem: DiagnosticID? = nil
}

/// Splits scene source into tokens, line by line. Never fails: malformed strings become
/// `badString` tokens that the parser reports.
public enum Lexer {
  /// Tokenizes the whole source.
  public static func tokenize(_ source: String) -> [Token] {
    var tokens: [Token] = []
    let scalars = Array(source.unicodeScalars)
    var i = 0
    var line = 1
    var column = 1
    func isBlank(_ s: Unicode.Scalar) -> Bool { s == " " || s == "\t" || s == "\r" }
    func text(_ from: Int, _ to: Int) -> String {
      var out = ""
      out.unicodeScalars.append(contentsOf: scalars[from..<to])
      return out
    }
    while i < scalars.count {
      let start = i
      let startColumn = column
      let s = scalars[i]
      var kind = Token.Kind.word
      var value = ""
      var problemColumn = startColumn
      var problem: DiagnosticID?
      if s == "\n" {
        i += 1
        tokens.append(
          Token(
            kind: .newline, text: "\n", value: "", line: line, column: startColumn,
            problemColumn: startColumn))
        line += 1
        column = 1
        continue
      } else if isBlank(s) {
        kind = .blank
        while i < scalars.count, isBlank(scalars[i]) { i += 1 }
      } else if s == "#" {
        kind = .comment
        while i < scalars.count, scalars[i] != "\n" { i += 1 }
      } else if s == "\"" {
        kind = .string
        i += 1
        var closed = false
        var error: String?
        while i < scalars.count, scalars[i] != "\n" {
          let c = scalars[i]
          if c == "\"" {
            closed = true
            i += 1
            break
          }
          if c == "\\" {
            let escapeColumn = startColumn + (i - start)
            guard i + 1 < scalars.count, scalars[i + 1] != "\n" else {
              i += 1
              break
            }
            let e = scalars[i + 1]
            switch e {
            case "\"": value += "\""
            case "\\": value += "\\"
            case "n": value += "\n"
            default:
              if error == nil {
                error = "unknown escape '\\\(Character(e))' in string (use \\\", \\\\ or \\n)"
                problemColumn = escapeColumn
              }
            }
            i += 2
            continue
          }
          value.unicodeScalars.append(c)
          i += 1
        }
        if !closed {
          kind = .badString
          value = "unterminated string"
          problemColumn = startColumn
          problem = .unterminatedString
        } else if let error {
          kind = .badString
          value = error
          problem = .unknownEscape
        }
      } else {
        while i < scalars.count {
          let c = scalars[i]
          if c == "\n" || isBlank(c) || c == "#" || c == "\"" { break }
          i += 1
        }
      }
      let t = text(start, i)
      column += i - start
      tokens.append(
        Token(
          kind: kind, text: t, value: value, line: line, column: startColumn,
          problemColumn: problemColumn, problem: problem))
    }
    return tokens
  }
}

extension Lexer {
  /// A scene string literal for `text`: the inverse of the lexer's escapes (`\"`, `\\`, `\n`),
  /// so `tokenize(quote(t))` gives back a string token whose value is `t`.
  public static func quote(_ text: String) -> String {
    var out = "\""
    for ch in text {
      switch ch {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      default: out.append(ch)
      }
    }
    return out + "\""
  }
}
