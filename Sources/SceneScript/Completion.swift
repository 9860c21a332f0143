/// Tab completion of the last word of a line among candidate names (the quiz's answers, the `:`
/// and `/` prompts): pure, so every prompt completes the same way.
public enum Completion {
  /// A line after Tab: the last word completed as far as the candidates agree, and the candidates
  /// left when several match (to be listed).
  public struct Result: Sendable, Hashable {
    public var line: String
    public var choices: [String]

    public init(line: String, choices: [String]) {
      self.line = line
      self.choices = choices
    }
  }

  /// Completes the last word of `line` (after its last blank) among `candidates`: one match is
  /// written out with a blank after it; several extend the word to their longest common prefix
  /// and are returned as `choices`. Matching is by prefix, exact case first, then ignoring case.
  public static func complete(_ line: String, among candidates: [String]) -> Result {
    let start = line.lastIndex { $0 == " " || $0 == "\t" }.map { line.index(after: $0) } ?? line.startIndex
    let head = String(line[..<start])
    let word = String(line[start...])
    var matches = unique(candidates.filter { $0.hasPrefix(word) })
    if matches.isEmpty { matches = unique(candidates.filter { $0.lowercased().hasPrefix(word.lowercased()) }) }
    guard let first = matches.first else { return Result(line: line, choices: []) }
    if matches.count == 1 { return Result(line: head + first + " ", choices: []) }
    var prefix = first
    for m in matches.dropFirst() {
      while !m.hasPrefix(prefix) { prefix.removeLast() }
    }
    return Result(line: head + (prefix.count >= word.count ? prefix : word), choices: matches)
  }

  /// The words of `list` in order, each once.
  public static func unique(_ list: [String]) -> [String] {
    var seen: Set<String> = []
    return list.filter { seen.insert($0).inserted }
  }
}
