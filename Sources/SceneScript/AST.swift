import AnonVMASim

/// A position in a scene file.
public struct SourceLocation: Sendable, Hashable {
  public var line: Int
  public var column: Int
  /// Width of the underlined text (at least 1).
  public var length: Int

  public init(line: Int, column: Int, length: Int = 1) {
    self.line = line
    self.column = column
    self.length = max(1, length)
  }
}

/// What an `on CPU ...` line does.
public enum CPUAction: Sendable, Hashable {
  case begin(Operation)
  case step(Int)
  case finish
  case run(Operation)
}

/// Which counter an `expect` compares.
public enum CounterKind: String, Sendable, Hashable {
  case refcount
  case numChildren = "num_children"
  case numActiveVMAs = "num_active_vmas"
}

/// A VMA named in an expectation: process, mapping and optionally `@FIRST`.
public struct VMARef: Sendable, Hashable, CustomStringConvertible {
  public var process: String
  public var mapping: String
  public var firstPage: Int?

  public var description: String {
    "\(process) \(mapping)" + (firstPage.map { " @\($0)" } ?? "")
  }
}

/// One `expect` line.
public enum Expectation: Sendable, Hashable {
  case anonVMAs(Int)
  case avcs(Int)
  case pages(Int)
  case chain(VMARef, [AnonVMAID])
  case anonVMA(VMARef, AnonVMAID?)
  case root(AnonVMAID, AnonVMAID)
  case parent(AnonVMAID, AnonVMAID)
  case counter(CounterKind, AnonVMAID, Int)
  case pageIn(PageRef, AnonVMAID?)
  case alive(AnonVMAID)
  case freed(AnonVMAID)
  case lockHeld(AnonVMAID, cpu: Int, mode: LockMode?)
  case lockFree(AnonVMAID)
  case cpuState(Int, CPUState)
  case visits(PageRef, [String])
  case violations(Int)
  case violation(String)

  /// anon_vma ids the expectation names.
  public var anonVMAIDs: [AnonVMAID] {
    switch self {
    case .chain(_, let l): return l
    case .anonVMA(_, let a): return a.map { [$0] } ?? []
    case .root(let a, let b), .parent(let a, let b): return [a, b]
    case .counter(_, let a, _): return [a]
    case .pageIn(_, let a): return a.map { [$0] } ?? []
    case .alive(let a), .freed(let a), .lockHeld(let a, _, _), .lockFree(let a): return [a]
    default: return []
    }
  }
}

/// A statement of the scene language.
public enum Statement: Sendable, Hashable {
  case title(String)
  case kernel(KernelVersion)
  case variant(Variant)
  case cpus(Int)
  case chapter(String)
  case say(String)
  case note(String)
  case operation(Operation)
  case on(cpu: Int, CPUAction)
  case expect(Expectation)
  /// A question about the world after the next step (`ask`), answered by the model.
  case ask(Question)
}

/// A statement with where it is and the text of its line.
public struct LocatedStatement: Sendable, Hashable {
  public var statement: Statement
  public var location: SourceLocation
  /// Locations of the statement's words, for diagnostics found later.
  public var wordLocations: [SourceLocation]
  /// The statement's words as written (for labels).
  public var words: [String]
}

/// A parsed scene: statements in order, and the diagnostics found while parsing.
public struct Scene: Sendable, Hashable {
  public var statements: [LocatedStatement]
  public var diagnostics: [Diagnostic]

  public init(statements: [LocatedStatement], diagnostics: [Diagnostic]) {
    self.statements = statements
    self.diagnostics = diagnostics
  }

  /// Whether any diagnostic is an error.
  public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

  /// The model the scene is written for: its `kernel` line (2.6.36 without one) and its
  /// `variant` lines, sorted as a `Timeline` keeps them.
  public var declaredModel: (kernel: KernelVersion, variants: [Variant]) {
    var kernel = KernelVersion.v2_6_36
    var variants: [Variant] = []
    for s in statements {
      if case .kernel(let k) = s.statement { kernel = k }
      if case .variant(let v) = s.statement { variants.append(v) }
    }
    return (kernel, variants.sorted())
  }
}
