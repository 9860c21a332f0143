import AnonVMASim

/// Parses scene source into statements and diagnostics. Never throws and never traps.
public enum Parser {
  /// Keywords of operations (from the table in `Keywords.swift`).
  public static let operationKeywords: [String] = OperationSyntax.all.map(\.keyword.rawValue)
  static let otherKeywords = ["title", "kernel", "variant", "cpus", "chapter", "say", "note", "on", "expect", "ask"]

  /// Diagnostics after which parsing stops.
  public static let errorLimit = 1000

  /// Parses and checks a scene (syntax, then names and ranges, statically).
  public static func parse(_ source: String, check: Bool = true) -> Scene {
    let tokens = Lexer.tokenize(source)
    var statements: [LocatedStatement] = []
    var diagnostics: [Diagnostic] = []
    var lineTokens: [Token] = []
    func flush() {
      defer { lineTokens = [] }
      let significant = lineTokens.filter { $0.kind != .blank && $0.kind != .comment }
      guard !significant.isEmpty else { return }
      if let bad = significant.first(where: { $0.kind == .badString }) {
        diagnostics.append(
          Diagnostic(
            bad.problem ?? .unterminatedString, .error, bad.value,
            at: SourceLocation(line: bad.line, column: bad.problemColumn)))
        return
      }
      var cursor = Cursor(tokens: significant)
      if let statement = parseStatement(&cursor) {
        statements.append(
          LocatedStatement(
            statement: statement,
            location: SourceLocation(
              line: significant[0].line, column: significant[0].column,
              length: significant[0].text.unicodeScalars.count),
            wordLocations: significant.map {
              SourceLocation(line: $0.line, column: $0.column, length: $0.text.unicodeScalars.count)
            },
            words: significant.map { $0.kind == .string ? $0.value : $0.text }))
      }
      diagnostics += cursor.diagnostics
    }
    for token in tokens {
      if token.kind == .newline {
        flush()
        // Like a compiler's error limit: a file that is mostly mistakes is not a scene.
        if diagnostics.count >= errorLimit {
          diagnostics.append(
            Diagnostic(
              .tooManyErrors, .error, "too many errors (\(errorLimit)); stopping here",
              at: SourceLocation(line: token.line, column: 1)))
          lineTokens = []
          break
        }
      } else {
        lineTokens.append(token)
      }
    }
    flush()
    if check, statements.isEmpty, diagnostics.isEmpty {
      diagnostics.append(
        Diagnostic(
          .emptyScene, .error, "empty scene: no statements", help: .hint("see scenes/ for examples"),
          at: SourceLocation(line: 1, column: 1)))
    }
    var scene = Scene(statements: statements, diagnostics: diagnostics)
    if check { Checker.check(&scene) }
    scene.diagnostics.sort { ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column) }
    return scene
  }

  static func parseStatement(_ c: inout Cursor) -> Statement? {
    guard let keywordToken = c.next() else { return nil }
    let keyword = keywordToken.text
    if keywordToken.kind != .word {
      c.error(.statementIsString, "expected a statement, found a string", at: keywordToken)
      return nil
    }
    switch keyword {
    case "title", "chapter", "say", "note":
      guard let text = c.string("text in quotes") else { return nil }
      guard c.end() else { return nil }
      switch keyword {
      case "title": return .title(text)
      case "chapter": return .chapter(text)
      case "say": return .say(text)
      default: return .note(text)
      }
    case "kernel":
      guard let t = c.word("a kernel version (2.6.34, 2.6.36, 6.1 or mainline)") else { return nil }
      guard let k = KernelVersion(name: t.text) else {
        c.error(
          .unknownKernel,
          "unknown kernel '\(shown(t.text))' (expected 2.6.34, 2.6.36, 2.6.35, root-lock, 6.1, 6.x, modern or mainline)",
          at: t)
        return nil
      }
      guard c.end() else { return nil }
      return .kernel(k)
    case "variant":
      guard let t = c.word("a variant name") else { return nil }
      guard let v = Variant(rawValue: t.text) else {
        let names = Variant.allCases.map(\.rawValue).joined(separator: ", ")
        c.error(.unknownVariant, "unknown variant '\(shown(t.text))' (expected one of \(names))", at: t)
        return nil
      }
      guard c.end() else { return nil }
      return .variant(v)
    case "cpus":
      guard let (n, t) = c.number("the number of CPUs") else { return nil }
      guard (1...8).contains(n) else {
        c.error(.cpuCount, "cpus must be between 1 and 8, not \(n)", at: t)
        return nil
      }
      guard c.end() else { return nil }
      return .cpus(n)
    case "on":
      guard let cpu = c.cpu() else { return nil }
      guard let action = c.peek() else {
        c.missing("begin, step, finish or an operation")
        return nil
      }
      switch action.text {
      case "begin":
        _ = c.next()
        guard let opToken = c.next() else {
          c.missing("an operation")
          return nil
        }
        guard let op = parseOperation(opToken, &c) else { return nil }
        return .on(cpu: cpu, .begin(op))
      case "step":
        _ = c.next()
        var n = 1
        if c.peek() != nil {
          guard let (v, t) = c.number("a number of micro-steps") else { return nil }
          guard v >= 1 else {
            c.error(.stepCount, "step count must be at least 1", at: t)
            return nil
          }
          n = v
        }
        guard c.end() else { return nil }
        return .on(cpu: cpu, .step(n))
      case "finish":
        _ = c.next()
        guard c.end() else { return nil }
        return .on(cpu: cpu, .finish)
      default:
        guard let opToken = c.next() else { return nil }
        guard let op = parseOperation(opToken, &c) else { return nil }
        return .on(cpu: cpu, .run(op))
      }
    case "expect":
      guard let e = parseExpect(&c) else { return nil }
      return .expect(e)
    case "ask":
      guard let q = parseAsk(&c) else { return nil }
      return .ask(q)
    default:
      if operationKeywords.contains(keyword) {
        guard let op = parseOperation(keywordToken, &c) else { return nil }
        return .operation(op)
      }
      c.error(
        .unknownStatement, "unknown statement '\(shown(keyword))'",
        help: suggestion(for: keyword).map { .didYouMean($0) },
        at: keywordToken)
      return nil
    }
  }

  static func suggestion(for word: String) -> String? {
    let all = operationKeywords + otherKeywords
    var best: (String, Int)?
    for k in all {
      let d = editDistance(word.lowercased(), k)
      if d <= 2, d < (best?.1 ?? Int.max) { best = (k, d) }
    }
    return best?.0
  }

  static func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a.unicodeScalars.prefix(40))
    let y = Array(b.unicodeScalars)
    var prev = Array(0...y.count)
    for i in 1...max(1, x.count) where !x.isEmpty {
      var cur = [i] + Array(repeating: 0, count: y.count)
      for j in 1...max(1, y.count) where !y.isEmpty {
        cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
      }
      prev = cur
    }
    return x.isEmpty ? y.count : prev[y.count]
  }

  static func parseOperation(_ keywordToken: Token, _ c: inout Cursor) -> Operation? {
    guard let syntax = OperationSyntax.named(keywordToken.text) else {
      c.error(.notAnOperation, "expected an operation, found '\(shown(keywordToken.text))'", at: keywordToken)
      return nil
    }
    guard let op = syntax.parse(&c), c.end() else { return nil }
    return op
  }

  static func parseExpect(_ c: inout Cursor) -> Expectation? {
    guard let what = c.word("what to expect") else { return nil }
    var e: Expectation?
    switch what.text {
    case "anon_vmas", "avcs", "pages", "violations":
      guard c.expectWord("=="), let (n, _) = c.number("a count") else { return nil }
      switch what.text {
      case "anon_vmas": e = .anonVMAs(n)
      case "avcs": e = .avcs(n)
      case "pages": e = .pages(n)
      default: e = .violations(n)
      }
    case "chain":
      guard let v = c.vmaRef(), c.expectWord("==") else { return nil }
      var list: [AnonVMAID] = []
      while c.peek() != nil {
        guard let a = c.anonVMA() else { return nil }
        list.append(a)
      }
      e = .chain(v, list)
    case "anon_vma":
      guard let v = c.vmaRef(), c.expectWord("==") else { return nil }
      if let t = c.peek(), t.text == "none" || t.text == "null" {
        _ = c.next()
        e = .anonVMA(v, nil)
      } else {
        guard let a = c.anonVMA() else { return nil }
        e = .anonVMA(v, a)
      }
    case "root", "parent":
      guard let a = c.anonVMA(), c.expectWord("=="), let b = c.anonVMA() else { return nil }
      e = what.text == "root" ? .root(a, b) : .parent(a, b)
    case "refcount", "num_children", "num_active_vmas":
      guard let a = c.anonVMA(), c.expectWord("=="), let (n, _) = c.signedNumber("a count") else {
        return nil
      }
      e = .counter(CounterKind(rawValue: what.text) ?? .refcount, a, n)
    case "page":
      guard let r = c.pageRef(), c.expectWord("in") else { return nil }
      if let t = c.peek(), t.text == "KSM" {
        _ = c.next()
        e = .pageIn(r, nil)
      } else {
        guard let a = c.anonVMA(orKSM: true) else { return nil }
        e = .pageIn(r, a)
      }
    case "alive", "freed":
      guard let a = c.anonVMA() else { return nil }
      e = what.text == "alive" ? .alive(a) : .freed(a)
    case "lock":
      guard let a = c.anonVMA(), let t = c.word("held-by or free") else { return nil }
      switch t.text {
      case "free": e = .lockFree(a)
      case "held-by":
        guard let cpu = c.cpu() else { return nil }
        var mode: LockMode?
        if let m = c.peek() {
          guard m.text == "read" || m.text == "write" else {
            c.error(.lockMode, "expected read or write, found '\(shown(m.text))'", at: m)
            return nil
          }
          _ = c.next()
          mode = LockMode(rawValue: m.text)
        }
        e = .lockHeld(a, cpu: cpu, mode: mode)
      default:
        c.error(.lockState, "expected held-by or free, found '\(shown(t.text))'", at: t)
        return nil
      }
    case "blocked", "idle", "running", "deadlocked":
      guard let cpu = c.cpu() else { return nil }
      e = .cpuState(cpu, CPUState(rawValue: what.text) ?? .idle)
    case "visits":
      guard let r = c.pageRef(), c.expectWord("==") else { return nil }
      var ids: [String] = []
      while let t = c.next() {
        guard isVMAID(t.text) else {
          c.error(.vmaID, "expected a VMA id like P1:heap@0, found '\(shown(t.text))'", at: t)
          return nil
        }
        ids.append(t.text)
      }
      e = .visits(r, ids)
    case "violation":
      guard let t = c.word("an invariant code (C1..C26)") else { return nil }
      guard let n = Int(t.text.dropFirst()), t.text.first == "C", (1...26).contains(n) else {
        c.error(.invariantCode, "unknown invariant code '\(shown(t.text))' (expected C1..C26)", at: t)
        return nil
      }
      e = .violation(t.text)
    default:
      c.error(.unknownExpectation, "unknown expectation '\(shown(what.text))'", at: what)
      return nil
    }
    guard let e, c.end() else { return nil }
    return e
  }

  /// Splits `N..M` at `..`.
  static func splitRange(_ s: String) -> [String] {
    let chars = Array(s)
    var parts: [String] = []
    var current = ""
    var i = 0
    while i < chars.count {
      if chars[i] == ".", i + 1 < chars.count, chars[i + 1] == "." {
        parts.append(current)
        current = ""
        i += 2
      } else {
        current.append(chars[i])
        i += 1
      }
    }
    parts.append(current)
    return parts
  }

  static func isVMAID(_ s: String) -> Bool {
    let parts = s.split(separator: ":", maxSplits: 1)
    guard parts.count == 2, isIdentifier(String(parts[0])) else { return false }
    let rest = parts[1].split(separator: "@", maxSplits: 1)
    guard rest.count == 2, isIdentifier(String(rest[0])), parseNumber(String(rest[1])) != nil else {
      return false
    }
    return true
  }

  /// `[A-Za-z_][A-Za-z0-9_.-]*`
  public static func isIdentifier(_ s: String) -> Bool {
    guard let first = s.unicodeScalars.first else { return false }
    func letter(_ c: Unicode.Scalar) -> Bool { (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" }
    guard letter(first) else { return false }
    return s.unicodeScalars.allSatisfy { letter($0) || ($0 >= "0" && $0 <= "9") || $0 == "." || $0 == "-" }
  }

  /// Decimal or `0x` hex; nil when malformed or too large.
  public static func parseNumber(_ s: String) -> Int? {
    if s.hasPrefix("0x") || s.hasPrefix("0X") {
      let digits = s.dropFirst(2)
      guard !digits.isEmpty, digits.count <= 12 else { return nil }
      return Int(digits, radix: 16)
    }
    guard !s.isEmpty, s.count <= 12, s.unicodeScalars.allSatisfy({ $0 >= "0" && $0 <= "9" }) else {
      return nil
    }
    return Int(s)
  }
}

/// A token's text as quoted in a message, shortened when long (a hostile file can hold a 1 MB word).
func shown(_ text: String) -> String {
  text.count <= 60 ? text : String(text.prefix(57)) + "..."
}

/// Walks the significant tokens of one line and records what is wrong with them.
struct Cursor {
  var tokens: [Token]
  var index = 0
  var diagnostics: [Diagnostic] = []

  init(tokens: [Token]) { self.tokens = tokens }

  func peek() -> Token? { index < tokens.count ? tokens[index] : nil }

  mutating func next() -> Token? {
    guard index < tokens.count else { return nil }
    index += 1
    return tokens[index - 1]
  }

  mutating func error(_ id: DiagnosticID, _ message: String, help: Diagnostic.Help? = nil, at token: Token) {
    diagnostics.append(
      Diagnostic(
        id, .error, message, help: help,
        at: SourceLocation(line: token.line, column: token.column, length: token.text.unicodeScalars.count)))
  }

  /// Reports a missing argument just after the last token of the line.
  mutating func missing(_ what: String) {
    guard let last = tokens.last else { return }
    diagnostics.append(
      Diagnostic(
        .missingArgument, .error, "missing \(what)",
        at: SourceLocation(line: last.line, column: last.column + last.text.unicodeScalars.count)))
  }

  mutating func word(_ what: String) -> Token? {
    guard let t = next() else {
      missing(what)
      return nil
    }
    guard t.kind == .word else {
      error(.stringForWord, "expected \(what), found a string", at: t)
      return nil
    }
    return t
  }

  mutating func ident(_ what: String) -> String? {
    guard let t = word(what) else { return nil }
    guard Parser.isIdentifier(t.text) else {
      error(.badName, "expected \(what), found '\(shown(t.text))'", at: t)
      return nil
    }
    return t.text
  }

  mutating func number(_ what: String) -> (Int, Token)? {
    guard let t = word(what) else { return nil }
    guard let n = Parser.parseNumber(t.text) else {
      error(.badNumber, "bad number '\(shown(t.text))' (expected \(what): decimal or 0x hex)", at: t)
      return nil
    }
    return (n, t)
  }

  mutating func signedNumber(_ what: String) -> (Int, Token)? {
    guard let t = word(what) else { return nil }
    let negative = t.text.hasPrefix("-")
    guard let n = Parser.parseNumber(negative ? String(t.text.dropFirst()) : t.text) else {
      error(.badNumber, "bad number '\(shown(t.text))' (expected \(what))", at: t)
      return nil
    }
    return (negative ? -n : n, t)
  }

  mutating func range(_ what: String) -> (Int, Int, Token)? {
    guard let t = word(what) else { return nil }
    let parts = Parser.splitRange(t.text)
    if parts.count == 1, let n = Parser.parseNumber(parts[0]) { return (n, n, t) }
    guard parts.count == 2, let a = Parser.parseNumber(parts[0]), let b = Parser.parseNumber(parts[1])
    else {
      error(.badRange, "bad page range '\(shown(t.text))' (expected N or N..M)", at: t)
      return nil
    }
    guard a <= b else {
      error(.reversedRange, "bad page range '\(shown(t.text))': \(a) is after \(b)", at: t)
      return nil
    }
    return (a, b, t)
  }

  mutating func string(_ what: String) -> String? {
    guard let t = next() else {
      missing(what)
      return nil
    }
    guard t.kind == .string else {
      error(.expectedString, "expected \(what), found '\(shown(t.text))'", at: t)
      return nil
    }
    return t.value
  }

  mutating func expectWord(_ w: String) -> Bool {
    guard let t = word("'\(w)'") else { return false }
    guard t.text == w else {
      error(.expectedWord, "expected '\(w)', found '\(shown(t.text))'", at: t)
      return false
    }
    return true
  }

  mutating func cpu() -> Int? {
    guard let t = word("a CPU name (cpu0, cpu1, ...)") else { return nil }
    guard t.text.hasPrefix("cpu"), let n = Parser.parseNumber(String(t.text.dropFirst(3))), n < 8 else {
      error(.badCPUName, "expected a CPU name like cpu0, found '\(shown(t.text))'", at: t)
      return nil
    }
    return n
  }

  mutating func anonVMA(orKSM: Bool = false) -> AnonVMAID? {
    guard let t = word("an anon_vma name like AV1") else { return nil }
    guard t.text.hasPrefix("AV"), let n = Parser.parseNumber(String(t.text.dropFirst(2))), n >= 1 else {
      error(
        .badAnonVMAName, "expected an anon_vma name like AV1\(orKSM ? " or KSM" : ""), found '\(shown(t.text))'", at: t)
      return nil
    }
    return AnonVMAID(n)
  }

  /// `PROCESS MAPPING PAGE`.
  mutating func pageRef() -> PageRef? {
    guard let p = ident("a process name"), let m = ident("a mapping name"), let (n, _) = number("a page index")
    else { return nil }
    return PageRef(process: p, mapping: m, index: n)
  }

  mutating func end() -> Bool {
    guard let t = peek() else { return true }
    error(.extraArgument, "unexpected extra argument '\(shown(t.text))'", at: t)
    index = tokens.count
    return false
  }
}
