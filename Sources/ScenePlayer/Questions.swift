import AnonVMASim
import SceneScript

/// An `ask` line bound to the step it comes before: its answer is a fact of the world after
/// that step (`states[step]`).
public struct BoundQuestion: Sendable, Hashable {
  public var step: Int
  public var question: Question
  public var statement: LocatedStatement
}

/// The model's answer to a question, or why it has none (a scene error of the `ask` line).
public enum QuestionAnswer: Sendable, Hashable {
  /// The answer, normalised as ``Question/normalize(_:)`` writes answers.
  case answer(String)
  case error(DiagnosticID, String)

  /// The answer, if there is one.
  public var text: String? {
    if case .answer(let t) = self { return t }
    return nil
  }
}

extension Timeline {
  /// The questions asked before a step (`ask` lines above its operation).
  public func questions(before step: Int) -> [BoundQuestion] {
    questions.filter { $0.step == step }
  }

  /// The model's answer to a question: the fact after its step.
  public func answer(_ q: BoundQuestion) -> QuestionAnswer {
    guard q.step <= stepCount else {
      return .error(.unanswerableQuestion, "the scene stops before step \(q.step), the step this asks about")
    }
    return Timeline.answer(q.question, in: states[q.step])
  }

  /// The questions the model cannot answer, as diagnostics at their `ask` lines (`check`, `play`
  /// and `quiz` refuse such a scene, as they refuse an `expect` line naming nothing).
  public var questionDiagnostics: [Diagnostic] {
    questions.compactMap { q in
      guard case .error(let id, let message) = answer(q) else { return nil }
      return Diagnostic(id, .error, message + " (after step \(q.step))", at: q.statement.location)
    }
  }

  /// The answer to a question in a state: the same facts `expect` compares (``evaluate(_:in:)``).
  public static func answer(_ q: Question, in w: World) -> QuestionAnswer {
    for id in q.anonVMAIDs where !w.isAllocated(id) {
      let known = w.anonVMAs.isEmpty ? "none allocated yet" : "AV1..AV\(w.anonVMAs.count) allocated"
      return .error(.anonVMANotAllocated, "AV\(id) names nothing at this step (\(known))")
    }
    func names(_ ids: [AnonVMAID]) -> String {
      ids.isEmpty ? "none" : ids.map { World.avName($0) }.joined(separator: " ")
    }
    func unanswerable(_ why: String) -> QuestionAnswer { .error(.unanswerableQuestion, why) }
    switch q {
    case .count(let kind):
      let n: Int
      switch kind {
      case .anonVMAs: n = w.aliveAnonVMAs.count
      case .avcs: n = w.avcCount
      case .pages: n = w.listedPages.count
      case .violations: n = w.violations.count
      }
      return .answer("\(n)")
    case .chain(let r), .anonVMA(let r):
      guard let v = vma(r, in: w) else { return unanswerable("no VMA \(r) at this step") }
      if case .chain = q { return .answer(names(w.chainAnonVMAs(v))) }
      return .answer(names(w.vmas[v]?.anonVMA.map { [$0] } ?? []))
    case .root(let a):
      guard w[anonVMA: a].alive else { return unanswerable("\(World.avName(a)) is freed at this step") }
      return .answer(names(w[anonVMA: a].root.map { [$0] } ?? []))
    case .parent(let a):
      return .answer(names(w[anonVMA: a].parent.map { [$0] } ?? []))
    case .counter(let kind, let a):
      let av = w[anonVMA: a]
      switch kind {
      case .refcount: return .answer("\(av.refcount)")
      case .numChildren: return .answer("\(av.numChildren)")
      case .numActiveVMAs: return .answer("\(av.numActiveVMAs)")
      }
    case .page(let r):
      guard let (p, v) = place(r, in: w), let page = w.page(process: p, vpage: v) else {
        return unanswerable("nothing is mapped at \(r) at this step")
      }
      switch w[page: page].mapping {
      case .anon(let x): return .answer(World.avName(x))
      case .ksm: return .answer("KSM")
      case .none: return .answer("none")
      }
    case .lock(let a):
      let cpus = (w.lockHolders[a] ?? []).map(\.cpu).sorted()
      return .answer(cpus.isEmpty ? "free" : cpus.map { "cpu\($0)" }.joined(separator: " "))
    case .cpuState(let cpu):
      guard cpu < w.cpus.count else { return .error(.unknownCPU, "cpu\(cpu) does not exist") }
      return .answer(w.cpus[cpu].state.rawValue)
    case .alive(let a):
      return .answer(w[anonVMA: a].alive ? "alive" : "freed")
    case .visits(let r):
      guard let walk = w.lastWalk, walk.origin == r.description else {
        return unanswerable("no rmap walk from \(r) at this step")
      }
      return .answer(walk.visited.isEmpty ? "none" : walk.visited.joined(separator: " "))
    }
  }
}
