import AnonVMASim
import SceneScript

/// The outcome of checking one `expect` line.
public enum ExpectationResult: Sendable, Hashable {
  case pass
  /// The state differs: what was expected and what is there.
  case fail(expected: String, actual: String)
  /// The expectation names something that does not exist (a scene error), with its id.
  case error(DiagnosticID, String)
}

extension Timeline {
  /// The invariant violations (deadlocks included, C18) that no `expect` line accounts for.
  ///
  /// A violation is expected when an `expect violation CODE` line names its code, when an
  /// `expect violations == N` line comes at or after its step (the count covers it), or, for a
  /// deadlock (C18), when an `expect cpuN deadlocked` line names one. `anonvis check` fails on
  /// the rest: a scene that breaks an invariant nobody announced is a failing scene.
  public var unexpectedViolations: [Violation] {
    var named: Set<String> = []
    var countedUpTo = -1
    for bound in expectations {
      switch bound.expectation {
      case .violation(let code): named.insert(code)
      case .violations: countedUpTo = max(countedUpTo, bound.step)
      case .cpuState(_, .deadlocked): named.insert("C18")
      default: break
      }
    }
    let all = states.last?.violations ?? []
    return all.filter { !named.contains($0.code) && $0.step > countedUpTo }
  }

  /// Checks an expectation against the state after its step.
  public func evaluate(_ bound: BoundExpectation) -> ExpectationResult {
    Timeline.evaluate(bound.expectation, in: states[bound.step])
  }

  /// The VMA an expectation or question names, if it exists in `w`.
  static func vma(_ r: VMARef, in w: World) -> VMAID? {
    guard let p = w.processIndex(named: r.process) else { return nil }
    return w.vma(process: p, mapping: r.mapping, firstPage: r.firstPage)
  }

  /// The process and virtual page `P M N` names in `w`, if the process and mapping exist.
  static func place(_ r: PageRef, in w: World) -> (ProcessID, Int)? {
    guard let p = w.processIndex(named: r.process), let m = w.mapping(process: p, named: r.mapping) else { return nil }
    return (p, m.base + r.index)
  }

  /// Checks an expectation against a state.
  public static func evaluate(_ e: Expectation, in w: World) -> ExpectationResult {
    for id in e.anonVMAIDs where !w.isAllocated(id) {
      let known = w.anonVMAs.isEmpty ? "none allocated yet" : "AV1..AV\(w.anonVMAs.count) allocated"
      return .error(.anonVMANotAllocated, "AV\(id) names nothing at this step (\(known))")
    }
    func compare(_ expected: String, _ actual: String) -> ExpectationResult {
      expected == actual ? .pass : .fail(expected: expected, actual: actual)
    }
    func names(_ ids: [AnonVMAID]) -> String {
      ids.isEmpty ? "(empty)" : ids.map { World.avName($0) }.joined(separator: " ")
    }
    func findVMA(_ r: VMARef) -> VMAID? { vma(r, in: w) }
    func location(_ r: PageRef) -> (ProcessID, Int)? { place(r, in: w) }
    switch e {
    case .anonVMAs(let n): return compare("\(n)", "\(w.aliveAnonVMAs.count)")
    case .avcs(let n): return compare("\(n)", "\(w.avcCount)")
    case .pages(let n): return compare("\(n)", "\(w.listedPages.count)")
    case .violations(let n): return compare("\(n)", "\(w.violations.count)")
    case .violation(let code):
      let codes = w.violations.map(\.code)
      return codes.contains(code)
        ? .pass
        : .fail(expected: "violation \(code)", actual: codes.isEmpty ? "no violations" : codes.joined(separator: ", "))
    case .chain(let r, let list):
      guard let v = findVMA(r) else { return .fail(expected: "VMA \(r)", actual: "no such VMA") }
      return compare(names(list), names(w.chainAnonVMAs(v)))
    case .anonVMA(let r, let a):
      guard let v = findVMA(r) else { return .fail(expected: "VMA \(r)", actual: "no such VMA") }
      return compare(a.map { World.avName($0) } ?? "none", w.vmas[v]?.anonVMA.map { World.avName($0) } ?? "none")
    case .root(let a, let b):
      guard w[anonVMA: a].alive else { return .fail(expected: "AV\(a) alive", actual: "AV\(a) freed") }
      return compare(World.avName(b), w[anonVMA: a].root.map { World.avName($0) } ?? "none")
    case .parent(let a, let b):
      return compare(World.avName(b), w[anonVMA: a].parent.map { World.avName($0) } ?? "none")
    case .counter(let kind, let a, let n):
      let av = w[anonVMA: a]
      let value: Int
      switch kind {
      case .refcount: value = av.refcount
      case .numChildren: value = av.numChildren
      case .numActiveVMAs: value = av.numActiveVMAs
      }
      return compare("\(n)", "\(value)")
    case .pageIn(let r, let a):
      guard let (p, v) = location(r), let page = w.page(process: p, vpage: v) else {
        return .fail(expected: "a page at \(r)", actual: "nothing mapped")
      }
      let actual: String
      switch w[page: page].mapping {
      case .anon(let x): actual = World.avName(x)
      case .ksm: actual = "KSM"
      case .none: actual = "none"
      }
      return compare(a.map { World.avName($0) } ?? "KSM", actual)
    case .alive(let a): return compare("alive", w[anonVMA: a].alive ? "alive" : "freed")
    case .freed(let a): return compare("freed", w[anonVMA: a].alive ? "alive" : "freed")
    case .lockHeld(let a, let cpu, let mode):
      let holders = w.lockHolders[a] ?? []
      let actual = holders.isEmpty ? "free" : holders.map { "cpu\($0.cpu) \($0.mode.rawValue)" }.joined(separator: ", ")
      guard let h = holders.first(where: { $0.cpu == cpu }) else {
        return .fail(expected: "held by cpu\(cpu)", actual: actual)
      }
      if let mode, h.mode != mode { return .fail(expected: "held by cpu\(cpu) \(mode.rawValue)", actual: actual) }
      return .pass
    case .lockFree(let a):
      let holders = w.lockHolders[a] ?? []
      return compare(
        "free", holders.isEmpty ? "free" : "held by " + holders.map { "cpu\($0.cpu)" }.joined(separator: ", "))
    case .cpuState(let cpu, let state):
      // The static checks refuse an unknown CPU (S0309); a state with fewer CPUs says so too.
      guard cpu < w.cpus.count else { return .error(.unknownCPU, "cpu\(cpu) does not exist") }
      return compare(state.rawValue, w.cpus[cpu].state.rawValue)
    case .visits(let r, let ids):
      guard let walk = w.lastWalk else {
        return .fail(expected: ids.joined(separator: " "), actual: "no rmap walk yet")
      }
      guard walk.origin == r.description else {
        return .fail(expected: "a walk from \(r)", actual: "the last walk was from \(walk.origin)")
      }
      return compare(ids.joined(separator: " "), walk.visited.joined(separator: " "))
    }
  }
}
