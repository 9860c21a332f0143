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
  /// moved (nil when the CPU cannot move); `check` false leaves the successor's invariant check
  /// to the search (``Ahead/checked``).
  static func ahead(_ world: World, cpu: Int, symmetry: Bool, check: Bool = true) -> Ahead? {
    let state = world.cpuState(cpu)
    guard state == .running || state == .blocked else { return nil }
    // ``tryStep(_:cpu:check:)`` written out: binding the successor out of its `Result` copies
    // the world (a retain of each of its tables, and their releases).
    var next = world
    let outcome: MicroOutcome
    do {
      outcome = try step(&next, cpu: cpu, check: check)
    } catch {
      return Ahead(tried: .failure(error), kernelHash: nil, checked: check)
    }
    if case .blocked = outcome { return Ahead(tried: .success((next, outcome)), kernelHash: nil, checked: check) }
    let kernelHash = CPUNumbering.kernelHash(next, symmetry: symmetry)
    return Ahead(tried: .success((next, outcome)), kernelHash: kernelHash, checked: check)
  }

  /// The expansion of `world` the search will make: the ample candidate's micro-step alone when
  /// it may stand alone (C0-C2, ``ampleAfter(_:_:cpu:reduction:)``), else every CPU's. (Trying
  /// every CPU where one suffices made two threads slower than one on reduced scenes.)
  ///
  /// `check` false: the successors' invariants are left unchecked, for the search to check only
  /// those of states it has not visited (``Ahead/checked``); every thread works so. (Helpers
  /// once checked every successor ahead, duplicates too: 2 threads ran only 8% faster than one.)
  static func expansion(_ state: World, reduction: Reduction, symmetry: Bool, check: Bool = true) -> Expansion {
    // Each successor copies the digests and rehashes only the tables its micro-step changed.
    var world = state
    world.memoizeHashes()
    let ample = ampleCandidate(world, reduction: reduction)
    var steps = [Ahead?](repeating: nil, count: world.cpus.count)
    if let p = ample {
      steps[p] = ahead(world, cpu: p, symmetry: symmetry, check: check)
      if case .success(let result)? = steps[p]?.tried, steps[p]?.kernelHash != nil,
        ampleAfter(world, result.world, cpu: p, reduction: reduction)
      {
        return Expansion(ample: ample, steps: steps)
      }
    }
    for cpu in world.cpus.indices where cpu != ample {
      steps[cpu] = ahead(world, cpu: cpu, symmetry: symmetry, check: check)
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
/// search takes them.
///
/// A replayed level (``Rebuild``) starts without worlds: the thread that takes a state rebuilds
/// its world by replay (``RaceExplorer/Replayer``, one per thread) before expanding it. With
/// helpers, each takes ``stretch`` states in a row, so that its replay shares their ancestors
/// (a breadth-first level is in its ancestors' order); the search alone takes them one by one,
/// keeping no more worlds than it expands. A replayed world is a function of the arrivals alone,
/// so the report is the same whatever thread rebuilt it; only the count of micro-steps replayed
/// (the report's `replayedSteps`) depends on which thread took which stretch.
final class Lookahead: @unchecked Sendable {
  /// States a helper may work ahead of the search.
  static let window = 256

  /// States of a replayed level a thread takes in a row when there are helpers.
  static let stretch = 16

  /// What a thread needs to rebuild a replayed level's worlds: the index of the level's first
  /// state, its depth, the start, and the arrivals and violation bits of the states before the
  /// level (the search keeps the next level's apart until the level is done, so these do not
  /// change while threads read them).
  struct Rebuild {
    var from: Int
    var depth: Int
    var start: RaceExplorer.Frontier
    var arrivals: [RaceExplorer.Arrival]
    var violated: StateBits
  }

  /// What a thread does next.
  private enum Step {
    case ready
    case work(Range<Int>)
    case wait
    case quit
  }

  private struct Progress {
    /// The next state no thread has taken.
    var next = 0
    /// States the search has taken.
    var taken = 0
    var done: [Bool]
    var stop = false
    /// Helpers asleep until the search takes a state.
    var helpersWaiting = 0
    /// Whether the search sleeps until a helper finishes a state.
    var searchWaiting = false
    /// States rebuilt by replay, and the micro-steps replayed, by every thread.
    var replayedStates = 0
    var replayedSteps = 0
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
  /// Whether every thread checks the successors' invariants when it tries their micro-steps
  /// (the plain path the tests compare with; else the search checks those of the states it has
  /// not visited, ``RaceExplorer/Ahead/checked``).
  private let checkAhead: Bool
  /// For a replayed level, how its worlds are rebuilt (nil once the level is done).
  private var rebuild: Rebuild?
  /// States a thread takes at a time: ``stretch`` for a replayed level with helpers, else 1.
  private let unit: Int
  /// The search's own replayer (used by the search's thread only).
  private var searchReplayer: RaceExplorer.Replayer?

  /// Starts `helpers` threads on the level's states (none when they are not expanded): `level`
  /// holds their worlds, or is empty for a level of `count` states rebuilt by replay (`rebuild`).
  init(
    _ level: [RaceExplorer.Frontier], count: Int? = nil, rebuild: Rebuild? = nil, helpers: Int, expand: Bool = true,
    reduction: RaceExplorer.Reduction, symmetry: Bool, checkAhead: Bool = false
  ) {
    self.count = count ?? level.count
    self.expand = expand
    self.checkAhead = checkAhead
    self.reduction = reduction
    self.symmetry = symmetry
    self.rebuild = rebuild
    let helpers = expand && self.count > 1 ? helpers : 0
    unit = rebuild != nil && helpers > 0 ? Self.stretch : 1
    nodes = .allocate(capacity: max(1, self.count))
    results = .allocate(capacity: max(1, self.count))
    nodes.initialize(repeating: nil, count: self.count)
    for (i, node) in level.prefix(self.count).enumerated() { nodes[i] = node }
    results.initialize(repeating: nil, count: self.count)
    progress = Mutex(Progress(done: [Bool](repeating: false, count: self.count)))
    for _ in 0..<helpers {
      DispatchQueue.global().async(group: group) { self.help() }
    }
  }

  deinit {
    nodes.deinitialize(count: count)
    nodes.deallocate()
    results.deinitialize(count: count)
    results.deallocate()
  }

  /// States rebuilt by replay in this level, and the micro-steps replayed (after ``finish()``).
  var replayed: (states: Int, steps: Int) {
    progress.withLock { ($0.replayedStates, $0.replayedSteps) }
  }

  /// Works out the states of `range` in order (each rebuilt first in a replayed level) and marks
  /// each done; `helper`: wakes the search if it waits, and stops early when told to.
  private func work(_ range: Range<Int>, replayer: inout RaceExplorer.Replayer?, helper: Bool) {
    let before = (replayer?.states ?? 0, replayer?.steps ?? 0)
    defer {
      let states = (replayer?.states ?? 0) - before.0
      let steps = (replayer?.steps ?? 0) - before.1
      if states > 0 {
        progress.withLock { p in
          p.replayedStates += states
          p.replayedSteps += steps
        }
      }
    }
    for i in range {
      if let rebuild {
        if replayer == nil { replayer = RaceExplorer.Replayer(start: rebuild.start) }
        nodes[i] = replayer?.frontier(
          rebuild.from + i, depth: rebuild.depth, arrivals: rebuild.arrivals, violated: rebuild.violated)
      }
      work(i, check: checkAhead)
      let (wake, stop) = progress.withLock { p in
        p.done[i] = true
        defer { p.searchWaiting = false }
        return (helper && p.searchWaiting, p.stop)
      }
      if wake { finished.signal() }
      if stop && helper { return }
    }
  }

  /// Works out state `i`'s expansion, its successors' invariants checked when `check` (else the
  /// search checks those of the states it has not visited, ``RaceExplorer/Ahead/checked``).
  private func work(_ i: Int, check: Bool) {
    guard expand else {
      results[i] = RaceExplorer.Expansion(ample: nil, steps: [])
      return
    }
    guard let node = nodes[i] else { return }
    results[i] = RaceExplorer.expansion(node.world, reduction: reduction, symmetry: symmetry, check: check)
  }

  /// A helper's loop: the next states no thread has taken, within the window.
  private func help() {
    var replayer: RaceExplorer.Replayer?
    while true {
      let next: Step = progress.withLock { p in
        if p.stop || p.next >= count { return .quit }
        if p.next >= p.taken + Self.window {
          p.helpersWaiting += 1
          return .wait
        }
        let range = p.next..<min(count, p.next + unit)
        p.next = range.upperBound
        return .work(range)
      }
      switch next {
      case .quit: return
      case .ready: continue
      case .wait: room.wait()
      case .work(let range): work(range, replayer: &replayer, helper: true)
      }
    }
  }

  /// State `i` (taken in order, each once) and its expansion, worked out by a helper or here; a
  /// replayed state's CPU numbers are left to the search (nil for a state without a world).
  func take(_ i: Int) -> (node: RaceExplorer.Frontier, expansion: RaceExplorer.Expansion)? {
    guard i < count else { return nil }
    while true {
      let next: Step = progress.withLock { p in
        if p.done[i] { return .ready }
        if p.next < count && p.next < p.taken + 2 * Self.window {
          let range = p.next..<min(count, p.next + unit)
          p.next = range.upperBound
          return .work(range)
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
      case .work(let range):
        work(range, replayer: &searchReplayer, helper: false)
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

  /// Stops the helpers and waits for them (the search ended early, or the level is done), then
  /// lets go of the arrivals the replay read.
  func finish() {
    let wake = progress.withLock { p in
      p.stop = true
      defer { p.helpersWaiting = 0 }
      return p.helpersWaiting
    }
    for _ in 0..<wake { room.signal() }
    group.wait()
    rebuild = nil
    searchReplayer = nil
  }
}
