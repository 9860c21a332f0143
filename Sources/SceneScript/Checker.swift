import AnonVMASim

/// The static checks of a parsed scene: header placement, kernel and variants, CPU names, and
/// every process, mapping and page an operation or `expect` names, as far as they are known
/// before running.
struct Checker {
  struct ProcessInfo {
    var alive: Bool
    var mappings: [String: Int]
  }

  var diagnostics: [Diagnostic] = []
  var seenOperation = false
  var kernel = KernelVersion.v2_6_36
  var cpus = 1
  var variants: [(Variant, LocatedStatement)] = []
  var processes: [String: ProcessInfo] = [:]
  var seenHeader: Set<String> = []
  /// `ask` lines waiting for the step they ask about (their names are checked after it).
  var pendingAsks: [(Question, LocatedStatement)] = []

  static func check(_ scene: inout Scene) {
    var checker = Checker()
    for s in scene.statements { checker.statement(s) }
    for (_, s) in checker.pendingAsks {
      checker.error(
        .askWithoutStep, "'ask' asks about the step after it, and no step follows",
        help: .hint("put the ask line before the operation whose outcome it asks about"), s)
    }
    for (v, s) in checker.variants where v.kernel != checker.kernel {
      checker.error(
        .variantKernel,
        "variant '\(v.rawValue)' applies to kernel \(v.kernel.rawValue), not \(checker.kernel.rawValue)",
        s, word: 1)
    }
    scene.diagnostics += checker.diagnostics
  }

  mutating func statement(_ s: LocatedStatement) {
    switch s.statement {
    case .title, .kernel, .variant, .cpus:
      let word = s.words.first ?? ""
      if seenOperation {
        error(.headerAfterOperation, "header statement '\(word)' must come before the first operation", s)
      } else if word != "variant", seenHeader.contains(word) {
        error(.headerTwice, "'\(word)' is given twice", s)
      }
      seenHeader.insert(word)
      if case .kernel(let k) = s.statement { kernel = k }
      if case .cpus(let n) = s.statement { cpus = n }
      if case .variant(let v) = s.statement { variants.append((v, s)) }
    case .chapter, .say, .note:
      break
    case .operation(let op):
      seenOperation = true
      operation(op, s, offset: 0)
      askedAbout()
    case .on(let cpu, let action):
      seenOperation = true
      if cpu >= cpus {
        error(
          .unknownCPU, "cpu\(cpu) does not exist: the scene has \(cpus) CPU(s)",
          help: .hint("set 'cpus N' in the header"),
          s, word: 1)
      }
      switch action {
      case .begin(let op): operation(op, s, offset: 3)
      case .run(let op): operation(op, s, offset: 2)
      case .step, .finish: break
      }
      askedAbout()
    case .expect(let e):
      expectation(e, s)
    case .ask(let q):
      pendingAsks.append((q, s))
    }
  }

  /// Checks the names an operation uses and records those it creates; its keyword is word `o`.
  mutating func operation(_ op: Operation, _ s: LocatedStatement, offset o: Int) {
    switch op {
    case .spawn(let p):
      if processes[p] != nil {
        error(.duplicateProcess, "duplicate process name '\(p)'", s, word: o + 1)
      } else {
        processes[p] = ProcessInfo(alive: true, mappings: [:])
      }
    case .mmapAfter(let p, let m, let n, let a):
      guard process(p, s, word: o + 1) else { return }
      if processes[p]?.mappings[a] == nil {
        error(.unknownMapping, "process '\(p)' has no mapping '\(a)'", s, word: o + 5)
      } else if processes[p]?.mappings[m] != nil {
        error(.duplicateMapping, "process '\(p)' already has a mapping '\(m)'", s, word: o + 2)
      } else {
        processes[p]?.mappings[m] = n
      }
    case .mmap(let p, let m, let n, _):
      guard process(p, s, word: o + 1) else { return }
      if processes[p]?.mappings[m] != nil {
        error(.duplicateMapping, "process '\(p)' already has a mapping '\(m)'", s, word: o + 2)
      } else {
        processes[p]?.mappings[m] = n
      }
    case .touch(let p, let m, let a, let b), .read(let p, let m, let a, let b),
      .mprotect(let p, let m, let a, let b, _):
      if process(p, s, word: o + 1) { mapping(p, m, s, word: o + 2, pages: [a, b], pageWord: o + 3) }
    case .munmap(let p, let m, let a, let b):
      if process(p, s, word: o + 1) {
        mapping(p, m, s, word: o + 2, pages: [a, b].compactMap { $0 }, pageWord: o + 3)
      }
    case .mremap(let m):
      mremap(m, s, offset: o)
    case .fork(let p, let child):
      guard process(p, s, word: o + 1) else { return }
      if processes[child] != nil {
        error(.duplicateProcess, "duplicate process name '\(child)'", s, word: o + 2)
      } else {
        processes[child] = ProcessInfo(alive: true, mappings: processes[p]?.mappings ?? [:])
      }
    case .exit(let p):
      if process(p, s, word: o + 1) { processes[p]?.alive = false }
    case .takeAllLocks(let p), .dropAllLocks(let p):
      _ = process(p, s, word: o + 1)
    case .ksmMerge(let x, let y):
      pageRef(x, s, at: o + 1)
      pageRef(y, s, at: o + 4)
    case .ksmUnmerge(let x), .swapOut(let x), .migrate(let x), .rmap(let x):
      pageRef(x, s, at: o + 1)
    case .ksmdScan:
      break
    case .brk(let p, let m, let n), .growStack(let p, let m, let n):
      if process(p, s, word: o + 1) {
        mapping(p, m, s, word: o + 2, pages: [], pageWord: o + 3)
        if let pages = processes[p]?.mappings[m] { processes[p]?.mappings[m] = pages + n }
      }
    }
  }

  mutating func expectation(_ e: Expectation, _ s: LocatedStatement) {
    switch e {
    case .chain(let v, _), .anonVMA(let v, _):
      if process(v.process, s, word: 2, alive: false) {
        mapping(v.process, v.mapping, s, word: 3, pages: v.firstPage.map { [$0] } ?? [], pageWord: 4)
      }
    case .pageIn(let r, _), .visits(let r, _):
      pageRef(r, s, at: 2, alive: false)
    case .lockHeld(_, let cpu, _):
      if cpu >= cpus { error(.unknownCPU, "cpu\(cpu) does not exist: the scene has \(cpus) CPU(s)", s, word: 4) }
    case .cpuState(let cpu, _):
      if cpu >= cpus { error(.unknownCPU, "cpu\(cpu) does not exist: the scene has \(cpus) CPU(s)", s, word: 2) }
    case .parent, .counter(.numChildren, _, _), .counter(.numActiveVMAs, _, _):
      if !kernel.isModern {
        error(.modernOnly, "'\(s.words[1])' exists only in the 6.1 and mainline models", s, word: 1)
      }
    default:
      break
    }
  }

  /// Checks the names of the `ask` lines before a step, now that the step's names exist.
  mutating func askedAbout() {
    for (q, s) in pendingAsks {
      switch q {
      case .chain(let v), .anonVMA(let v):
        if process(v.process, s, word: 2, alive: false) {
          mapping(v.process, v.mapping, s, word: 3, pages: v.firstPage.map { [$0] } ?? [], pageWord: 4)
        }
      case .page(let r), .visits(let r):
        pageRef(r, s, at: 2, alive: false)
      case .cpuState(let cpu):
        if cpu >= cpus { error(.unknownCPU, "cpu\(cpu) does not exist: the scene has \(cpus) CPU(s)", s, word: 2) }
      case .parent, .counter(.numChildren, _), .counter(.numActiveVMAs, _):
        if !kernel.isModern {
          error(.modernOnly, "'\(s.words[1])' exists only in the 6.1 and mainline models", s, word: 1)
        }
      default:
        break
      }
    }
    pendingAsks = []
  }

  mutating func error(
    _ id: DiagnosticID, _ message: String, help: Diagnostic.Help? = nil, _ s: LocatedStatement, word: Int = 0
  ) {
    let location = word < s.wordLocations.count ? s.wordLocations[word] : s.location
    diagnostics.append(Diagnostic(id, .error, message, help: help, at: location))
  }

  /// Checks a process named by word `w` exists (and is alive when required).
  mutating func process(_ name: String, _ s: LocatedStatement, word w: Int, alive: Bool = true) -> Bool {
    guard let info = processes[name] else {
      let near = processes.keys.sorted().first { Parser.editDistance($0, name) <= 1 }
      error(.unknownProcess, "unknown process '\(name)'", help: near.map { .didYouMean($0) }, s, word: w)
      return false
    }
    if alive && !info.alive {
      error(.exitedProcess, "operation on exited process '\(name)'", s, word: w)
      return false
    }
    return true
  }

  /// Checks a live process's mapping (word `w`) exists and holds `pages` (word `pageWord`).
  mutating func mapping(_ p: String, _ m: String, _ s: LocatedStatement, word w: Int, pages: [Int], pageWord: Int) {
    guard let info = processes[p] else { return }
    guard let n = info.mappings[m] else {
      error(.unknownMapping, "process '\(p)' has no mapping '\(m)'", s, word: w)
      return
    }
    for i in pages where i < 0 || i >= n {
      error(
        .pageOutOfRange, "page \(i) is out of range: mapping '\(m)' of '\(p)' has \(n) page(s) (0..\(n - 1))", s,
        word: pageWord)
      return
    }
  }

  /// Checks `PROCESS MAPPING PAGE` starting at word `w`.
  mutating func pageRef(_ r: PageRef, _ s: LocatedStatement, at w: Int, alive: Bool = true) {
    if process(r.process, s, word: w, alive: alive) {
      mapping(r.process, r.mapping, s, word: w + 1, pages: [r.index], pageWord: w + 2)
    }
  }
}
