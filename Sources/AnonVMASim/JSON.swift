import SafeText

/// A JSON value with deterministic output (object keys keep insertion order).
public indirect enum JSON: Sendable, Hashable {
  case null
  case bool(Bool)
  case int(Int)
  case string(String)
  case array([JSON])
  case object([(String, JSON)])
  /// Pre-formatted JSON text (numbers with a fixed format).
  case raw(String)

  public static func == (lhs: JSON, rhs: JSON) -> Bool { lhs.serialized == rhs.serialized }
  public func hash(into hasher: inout Hasher) { hasher.combine(serialized) }

  /// An optional string as a JSON string or null.
  public static func opt(_ s: String?) -> JSON { s.map { .string($0) } ?? .null }
  /// An optional int as a JSON number or null.
  public static func opt(_ i: Int?) -> JSON { i.map { .int($0) } ?? .null }
  /// An array of strings.
  public static func strings(_ list: [String]) -> JSON { .array(list.map { .string($0) }) }

  /// Compact JSON text: `{"a": 1, "b": [1, 2]}` style separators, one line.
  public var serialized: String {
    var out = ""
    write(into: &out)
    return out
  }

  func write(into out: inout String) {
    switch self {
    case .null: out += "null"
    case .bool(let b): out += b ? "true" : "false"
    case .int(let i): out += String(i)
    case .raw(let text): out += text
    case .string(let s): JSON.quote(s, into: &out)
    case .array(let items):
      out += "["
      for (i, item) in items.enumerated() {
        if i > 0 { out += ", " }
        item.write(into: &out)
      }
      out += "]"
    case .object(let fields):
      out += "{"
      for (i, (key, value)) in fields.enumerated() {
        if i > 0 { out += ", " }
        JSON.quote(key, into: &out)
        out += ": "
        value.write(into: &out)
      }
      out += "}"
    }
  }

  /// Writes a JSON string literal; every control character and bidi control is escaped.
  public static func quote(_ s: String, into out: inout String) {
    out += "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        let v = scalar.value
        if v < 0x20 || (v >= 0x7f && v < 0xa0) || v == 0x2028 || v == 0x2029
          || TextSafety.isBidiControl(v)
        {
          let hex = String(v, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    out += "\""
  }
}
