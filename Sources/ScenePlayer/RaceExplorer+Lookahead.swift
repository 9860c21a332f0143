import AnonVMASim
import Dispatch
import Synchronization

extension RaceExplorer {
  /// What a thread works out ahead for one frontier state, a function of its world alone: the
  /// CPU whose micro-step may form an ample set (``ampleCandidate(_:reduction:)``) and the
  /// micro-steps the search will account for.
  struct Expansion {
    var ample: Int?
    /// By CPU: the micro-step tried ahead; nil where it was not (the CPU cannot move, or the
    /// ample candidate's step is expected to stand alone: should the cycle proviso C3 refuse it,
    /// the search tries the others itself).
    var steps: [Ahead?]
  }

  /// One CPU's micro-step from `world` with the hash of its successor's kernel state when it
  /// moved (nil when the CPU cannot move).
  static func ahead(_ world: World, cpu: Int, symmetry: Bool) -> Ahead? {
    let state = world.cpus[cpu].state
    guard state == .running || state == .blocked else { return nil }
    let tried = tryStep(world, cpu: cpu)
    guard case .success(let result) = tried else { return Ahead(tried: tried, kernelHash: nil) }
    if case .blocked = result.outcome { return Ahead(tried: tried, kernelHash: nil) }
    return Ahead(tried: tried, kernelHash: CPUNumbering.kernelHash(result.world, symmetry: symmetry))
  }

  /// The expansion of `world` the search will make: the ample candidate's micro-step alone when
  /// it may stand alone (C0-C2, ``ampleAfter(_:_:cpu:reduction:)``), else every CPU's. (Trying
  /// every CPU where one suffices made two threads slower than one on reduced scenes.)
  static func expansion(_ world: World, reduction: Reduction, symmetry: Bool) -> Expansion {
    let ample = ampleCandidate(world, reduction: reduction)
    var steps = [Ahead?](repeating: nil, count: world.cpus.count)
    if let p = ample {
      steps[p] = ahead(world, cpu: p, symmetry: symmetry)
      if case .success(let result)? = steps[p]?.tried, steps[p]?.kernelHash != nil,
        ampleAfter(world, result.world, cpu: p, reduction: reduction)
      {
        return Expansion(ample: ample, steps: steps)
      }
    }
    for cpu in world.cpus.indices where cpu != ample {
      steps[cpu] = ahead(world, cpu: cpu, symmetry: symmetry)
    }
    return Expansion(ample: ample, steps: steps)
  }
}

/// One breadth-first level of the fingerprint search, its states' expansions worked out by
/// helper threads ahead of the search, which accounts for them one by one in the level's order
/// (``RaceExplorer/Expansion``: a function of the state's world alone, so the report is the same
/// whatever the threads' timing).
///
/// No barrier: the search takes each state's expansion as soon as it is ready and, when it is
/// not, works one out itself (the next state no thread has taken) instead of waiting, so a
/// helper that the machine's load holds back costs nothing but its own share. Helpers stay at
/// most ``window`` states ahead of the search, so the successors waiting to be accounted for
/// (most are states seen before, dropped then) stay few. The level's worlds are released as the
/// search takes them. A replayed level (``RaceExplorer/Replayer``) starts without worlds: the
/// search supplies them in order (``supply(_:)``), and threads work only on states supplied.
final class Lookahead: @unchecked Sendable {
  /// States a helper may work ahead of the search.
  static let window = 256

  /// What a thread does next.
  private enum Step {
    case ready
    case work(Int)
    case wait
    case quit
  }

  private struct Progress {
    /// The next state no thread has taken.
    var next = 0
    /// States the search has taken.
    var taken = 0
    /// States whose worlds are in `nodes`.
    var supplied = 0
    var done: [Bool]
    var stop = false
    /// Helpers asleep until the search takes a state.
    var helpersWaiting = 0
    /// Whether the search sleeps until a helper finishes a state.
    var searchWaiting = false
  }

  let count: Int
  private let reduction: RaceExplorer.Reduction
  private let symmetry: Bool
  private let nodes: UnsafeMutablePointer<RaceExplorer.Frontier?>
  private let results: UnsafeMutablePointer<RaceExplorer.Expansion?>
  private let progress: Mutex<Progress>
  private let room = DispatchSemaphore(value: 0)
  private let finished = DispatchSemaphore(value: 0)
  private let group = DispatchGroup()
  /// Whether the states are expanded (false: at the depth bound, taken without their micro-steps).
  private let expand: Bool

  /// Starts `helpers` threads on the level's states (none when they are not expanded): `level`
  /// holds their worlds, or is empty for a level of `count` states supplied later.
  init(
    _ level: [RaceExplorer.Frontier], count: Int? = nil, helpers: Int, expand: Bool = true,
    reduction: RaceExplorer.Reduction, symmetry: Bool
  ) {
    self.count = count ?? level.count
    self.expand = expand
    self.reduction = reduction
    self.symmetry = symmetry
    nodes = .allocate(capacity: max(1, self.count))
    results = .allocate(capacity: max(1, self.count))
    nodes.initialize(repeating: nil, count: self.count)
    for (i, node) in level.prefix(self.count).enumerated() { nodes[i] = node }
    results.initialize(repeating: nil, count: self.count)
    var progress = Progress(done: [Bool](repeating: false, count: self.count))
    progress.supplied = min(level.count, self.count)
    self.progress = Mutex(progress)
    for _ in 0..<(expand && self.count > 1 ? helpers : 0) {
      DispatchQueue.global().async(group: group) { self.help() }
    }
  }

  deinit {
    nodes.deinitialize(count: count)
    nodes.deallocate()
    results.deinitialize(count: count)
    results.deallocate()
  }

  /// Works out state `i`'s expansion and marks it done.
  private func work(_ i: Int) {
    guard expand else {
      results[i] = RaceExplorer.Expansion(ample: nil, steps: [])
      return
    }
    guard let node = nodes[i] else { return }
    results[i] = RaceExplorer.expansion(node.world, reduction: reduction, symmetry: symmetry)
  }

  /// A helper's loop: the next state no thread has taken, within the window.
  private func help() {
    while true {
      let next: Step = progress.withLock { p in
        if p.stop || p.next >= count { return .quit }
        if p.next >= p.taken + Self.window || p.next >= p.supplied {
          p.helpersWaiting += 1
          return .wait
        }
        p.next += 1
        return .work(p.next - 1)
      }
      switch next {
      case .quit: return
      case .ready: continue
      case .wait: room.wait()
      case .work(let i):
        work(i)
        let wake = progress.withLock { p in
          p.done[i] = true
          defer { p.searchWaiting = false }
          return p.searchWaiting
        }
        if wake { finished.signal() }
      }
    }
  }

  /// State `i` (taken in order, each once, after it was supplied) and its expansion, worked out
  /// by a helper or here; nil for a state not supplied.
  func take(_ i: Int) -> (node: RaceExplorer.Frontier, expansion: RaceExplorer.Expansion)? {
    while true {
      let next: Step = progress.withLock { p in
        if i >= p.supplied { return .quit }
        if p.done[i] { return .ready }
        if p.next < p.supplied && p.next < p.taken + 2 * Self.window {
          p.next += 1
          return .work(p.next - 1)
        }
        p.searchWaiting = true
        return .wait
      }
      switch next {
      case .ready: break
      case .quit: return nil
      case .wait:
        finished.wait()
        continue
      case .work(let j):
        work(j)
        progress.withLock { $0.done[j] = true }
        continue
      }
      break
    }
    let node = nodes[i].take()
    let expansion = results[i].take()
    let wake = progress.withLock { p in
      p.taken = i + 1
      defer { p.helpersWaiting = 0 }
      return p.helpersWaiting
    }
    for _ in 0..<wake { room.signal() }
    guard let node, let expansion else { return nil }
    return (node, expansion)
  }

  /// The world of the next state of a replayed level, for the threads to expand.
  func supply(_ node: RaceExplorer.Frontier) {
    let wake = progress.withLock { p in
      nodes[p.supplied] = node
      p.supplied += 1
      defer { p.helpersWaiting = 0 }
      return p.helpersWaiting
    }
    for _ in 0..<wake { room.signal() }
  }

  /// Stops the helpers and waits for them (the search ended early, or the level is done).
  func finish() {
    let wake = progress.withLock { p in
      p.stop = true
      defer { p.helpersWaiting = 0 }
      return p.helpersWaiting
    }
    for _ in 0..<wake { room.signal() }
    group.wait()
  }
}
