import AnonVMASim
import SceneScript

/// The names that exist in a world, as a scene or a prompt spells them: what Tab completes.
public struct WorldNames: Sendable, Hashable {
  /// Live processes, in creation order.
  public var processes: [String]
  /// Every process ever created (an `expect` or `ask` may name an exited one).
  public var allProcesses: [String]
  /// Each process's mapping names, in creation order.
  public var mappings: [String: [String]]
  /// Allocated anon_vmas that are alive (`AV1`, ...).
  public var anonVMAs: [String]
  /// VMA ids (`P1:heap@0`).
  public var vmas: [String]
  /// Listed pages (`pg1`, ...).
  public var pages: [String]
  public var cpus: [String]

  public init(_ w: World) {
    processes = w.processes.filter(\.alive).map(\.name)
    allProcesses = w.processes.map(\.name)
    var mappings: [String: [String]] = [:]
    for p in w.processes { mappings[p.name] = Completion.unique(p.mappings.map(\.name)) }
    self.mappings = mappings
    anonVMAs = w.aliveAnonVMAs.map { World.avName($0) }
    vmas = w.processes.indices.flatMap { i in w.processes[i].vmas.map { w.vmaName($0) } }
    pages = w.listedPages.map { World.pageName($0) }
    cpus = w.cpus.map(\.name)
  }

  /// Page indices mapped (present, swapped or a migration entry) in a process's mapping.
  public static func mappedPages(_ w: World, process name: String, mapping: String) -> [String] {
    guard let p = w.processIndex(named: name), let m = w.mapping(process: p, named: mapping) else { return [] }
    let ptes = w[process: p].ptes
    return (0..<min(m.pages, 4096)).filter { ptes[m.base + $0] != nil }.map { "\($0)" }
  }

  /// Everything with a name: processes, VMA ids, anon_vmas and pages (what `/` finds).
  public var all: [String] { allProcesses + vmas + anonVMAs + pages }
}

extension Timeline {
  /// The names an answer to a question can be made of, as they exist before its step (so the
  /// list does not give away what the step creates), with the answer's keywords.
  public func answerNames(for q: BoundQuestion) -> [String] {
    let w = states[max(0, min(q.step - 1, stepCount))]
    let names = WorldNames(w)
    let allocated = (0..<w.anonVMAs.count).map { World.avName(w.anonVMAs[$0].id) }
    switch q.question.answerKind {
    case .number: return []
    case .anonVMAs, .anonVMAOrNone: return allocated + ["none"]
    case .anonVMAOrKSM: return allocated + ["KSM"]
    case .cpus: return names.cpus + ["free"]
    case .cpuState: return ["idle", "running", "blocked", "deadlocked"]
    case .lifetime: return ["alive", "freed"]
    case .vmaIDs: return names.vmas + ["none"]
    }
  }
}
