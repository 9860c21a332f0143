import AnonVMASim

/// What an `ask` line asks the audience to predict: a fact about the world after the next step,
/// named as an `expect` line names it, without the value (the model computes the answer).
public enum Question: Sendable, Hashable {
  /// `ask anon_vmas`, `ask avcs`, `ask pages`, `ask violations`: a count.
  case count(CountKind)
  /// `ask chain P M [@FIRST]`: the VMA's chain, newest to oldest (order matters).
  case chain(VMARef)
  /// `ask anon_vma P M [@FIRST]`: the VMA's `anon_vma`, or `none`.
  case anonVMA(VMARef)
  /// `ask root AVn`.
  case root(AnonVMAID)
  /// `ask parent AVn` (6.x).
  case parent(AnonVMAID)
  /// `ask refcount AVn`, `ask num_children AVn`, `ask num_active_vmas AVn`.
  case counter(CounterKind, AnonVMAID)
  /// `ask page P M N`: the anon_vma the page mapped there is filed in, or `KSM`.
  case page(PageRef)
  /// `ask lock AVn` (or `ask lock-holder AVn`): the CPUs holding that anon_vma's lock, or `free`.
  case lock(AnonVMAID)
  /// `ask state CPU`: idle, running, blocked or deadlocked.
  case cpuState(Int)
  /// `ask alive AVn`: `alive` or `freed`.
  case alive(AnonVMAID)
  /// `ask visits P M N`: the VMAs an rmap walk from that page visits, in order, or `none`.
  case visits(PageRef)

  /// The counts `ask` can ask for.
  public enum CountKind: String, Sendable, Hashable, CaseIterable {
    case anonVMAs = "anon_vmas"
    case avcs
    case pages
    case violations
  }

  /// The words after `ask`, with their arguments, for `:help` and the documentation.
  public static let forms: [String] = [
    "anon_vmas", "avcs", "pages", "violations", "chain PROCESS MAPPING [@FIRST]", "anon_vma PROCESS MAPPING [@FIRST]",
    "root AVn", "parent AVn", "refcount AVn", "num_children AVn", "num_active_vmas AVn", "page PROCESS MAPPING PAGE",
    "lock AVn", "state CPU", "alive AVn", "visits PROCESS MAPPING PAGE",
  ]

  /// anon_vma ids the question names.
  public var anonVMAIDs: [AnonVMAID] {
    switch self {
    case .root(let a), .parent(let a), .counter(_, let a), .lock(let a), .alive(let a): return [a]
    default: return []
    }
  }

  /// The question as the audience reads it, e.g. `P3 heap's chain, newest first?`.
  public var prompt: String {
    func av(_ a: AnonVMAID) -> String { World.avName(a) }
    switch self {
    case .count(.anonVMAs): return "how many anon_vmas are alive?"
    case .count(.avcs): return "how many anon_vma_chains exist?"
    case .count(.pages): return "how many pages are there?"
    case .count(.violations): return "how many invariant violations have been reported so far?"
    case .chain(let r): return "the chain of \(r), newest first?"
    case .anonVMA(let r): return "the anon_vma of \(r) (where its new pages go), or none?"
    case .root(let a): return "the root of \(av(a))?"
    case .parent(let a): return "the parent of \(av(a))?"
    case .counter(let k, let a): return "\(av(a))'s \(k.rawValue)?"
    case .page(let r): return "which anon_vma is the page at \(r) filed in (or KSM)?"
    case .lock(let a): return "who holds \(av(a))'s lock (CPUs, or free)?"
    case .cpuState(let c): return "the state of cpu\(c): idle, running, blocked or deadlocked?"
    case .alive(let a): return "is \(av(a)) alive or freed?"
    case .visits(let r): return "which VMAs does an rmap walk from \(r) visit, in order (or none)?"
    }
  }

  /// What kind of names the answer is made of, for completion: anon_vmas, CPUs, VMA ids, a word.
  public enum AnswerKind: Sendable, Hashable {
    case number, anonVMAs, anonVMAOrNone, anonVMAOrKSM, cpus, cpuState, lifetime, vmaIDs
  }

  public var answerKind: AnswerKind {
    switch self {
    case .count, .counter: return .number
    case .chain, .root, .parent: return .anonVMAs
    case .anonVMA: return .anonVMAOrNone
    case .page: return .anonVMAOrKSM
    case .lock: return .cpus
    case .cpuState: return .cpuState
    case .alive: return .lifetime
    case .visits: return .vmaIDs
    }
  }

  /// An answer as compared: its words (blanks or commas between them) with `AVn`, `cpuN`, numbers
  /// and the keywords spelled one way (`av3` is `AV3`, `0x10` is `16`, `null` and `empty` are
  /// `none`, `ksm` is `KSM`), joined by one blank. The order of the words is kept: it matters for
  /// chains and walks.
  public static func normalize(_ text: String) -> String {
    let words = text.split { $0 == " " || $0 == "\t" || $0 == "," || $0 == "\n" }.map(String.init)
    let normal = words.map { w -> String in
      let lower = w.lowercased()
      if lower.hasPrefix("av"), let n = Parser.parseNumber(String(lower.dropFirst(2))) { return "AV\(n)" }
      if lower.hasPrefix("cpu"), let n = Parser.parseNumber(String(lower.dropFirst(3))) { return "cpu\(n)" }
      if let n = Parser.parseNumber(lower) { return "\(n)" }
      if lower.hasPrefix("-"), let n = Parser.parseNumber(String(lower.dropFirst())) { return "\(-n)" }
      switch lower {
      case "none", "null", "empty", "(empty)", "nothing": return "none"
      case "ksm": return "KSM"
      case "free", "alive", "freed", "idle", "running", "blocked", "deadlocked": return lower
      default: return w
      }
    }
    return normal.joined(separator: " ")
  }
}

extension Parser {
  /// The words after `ask` (see ``Question``).
  static func parseAsk(_ c: inout Cursor) -> Question? {
    guard let what = c.word("what to ask (chain, root, refcount, lock, ...)") else { return nil }
    var q: Question?
    switch what.text {
    case "anon_vmas", "avcs", "pages", "violations":
      q = Question.CountKind(rawValue: what.text).map { .count($0) }
    case "chain", "anon_vma":
      guard let v = c.vmaRef() else { return nil }
      q = what.text == "chain" ? .chain(v) : .anonVMA(v)
    case "root", "parent", "alive", "lock", "lock-holder":
      guard let a = c.anonVMA() else { return nil }
      switch what.text {
      case "root": q = .root(a)
      case "parent": q = .parent(a)
      case "alive": q = .alive(a)
      default: q = .lock(a)
      }
    case "refcount", "num_children", "num_active_vmas":
      guard let a = c.anonVMA() else { return nil }
      q = CounterKind(rawValue: what.text).map { .counter($0, a) }
    case "page", "visits":
      guard let r = c.pageRef() else { return nil }
      q = what.text == "page" ? .page(r) : .visits(r)
    case "state":
      guard let cpu = c.cpu() else { return nil }
      q = .cpuState(cpu)
    default:
      c.error(
        .unknownQuestion, "unknown question '\(shown(what.text))'",
        help: .hint("ask one of: " + Question.forms.map { $0.split(separator: " ")[0] }.joined(separator: ", ")),
        at: what)
      return nil
    }
    guard let q, c.end() else { return nil }
    return q
  }
}

extension Cursor {
  /// `PROCESS MAPPING [@FIRST]`, as `expect chain` and `ask chain` name a VMA.
  mutating func vmaRef() -> VMARef? {
    guard let p = ident("a process name"), let m = ident("a mapping name") else { return nil }
    var first: Int?
    if let t = peek(), t.text.hasPrefix("@") {
      _ = next()
      guard let n = Parser.parseNumber(String(t.text.dropFirst())) else {
        error(.firstPage, "expected @FIRSTPAGE, found '\(shown(t.text))'", at: t)
        return nil
      }
      first = n
    }
    return VMARef(process: p, mapping: m, firstPage: first)
  }
}
