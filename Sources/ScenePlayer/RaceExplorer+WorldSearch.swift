import AnonVMASim
import SafeText

extension RaceExplorer {
  /// The search as it was before fingerprints, kept as the reference the tests compare
  /// ``exploreFingerprints(maxStates:maxDepth:maxWork:reduction:threads:)`` with: every visited world is kept, in
  /// a `Set<World>` (exact identity) and in the queue with its event.
  func exploreWorlds(maxStates: Int, maxDepth: Int, maxWork: Int) -> Report {
    struct Node {
      var world: World
      var parent: Int
      var cpu: Int
      var event: Event?
      var depth: Int
    }
    var nodes: [Node] = [Node(world: initial, parent: -1, cpu: -1, event: nil, depth: 0)]
    // A world's identity is its kernel state: `==` and hashing ignore its bookkeeping (step,
    // reports, what changed) and settings, so a set of worlds deduplicates states.
    var seen: Set<World> = [initial]
    var queue = 0
    var tally = Tally(initial: initial)

    func path(_ index: Int) -> (schedule: [Int], events: [Event?]) {
      var schedule: [Int] = []
      var events: [Event?] = []
      var i = index
      while i > 0 {
        schedule.append(nodes[i].cpu)
        events.append(nodes[i].event)
        i = nodes[i].parent
      }
      return (schedule.reversed(), events.reversed())
    }

    func path(_ index: Int, then cpu: Int, _ event: Event?) -> (schedule: [Int], events: [Event?]) {
      let p = path(index)
      return (p.schedule + [cpu], p.events + [event])
    }

    /// Records the violations a transition reported (those past the first `old` of its world).
    func record(_ violations: [Violation], since old: Int, path: () -> (schedule: [Int], events: [Event?])) {
      for v in tally.newViolations(violations, since: old) where tally.wants(v.code) {
        let p = path()
        tally.add(Finding(code: v.code, message: v.message, schedule: p.schedule, events: p.events))
      }
    }

    search: while queue < nodes.count {
      let node = nodes[queue]
      let index = queue
      queue += 1
      if let reason = stopReason(
        expanded: queue, work: tally.work, maxWork: maxWork,
        SearchProgress(
          states: seen.count, maxStates: maxStates, queue: nodes.count - index, depth: node.depth,
          transitions: tally.transitions))
      {
        tally.stop(reason, covered: node.depth - 1, ends: true)
        break search
      }
      var moved = false
      if node.depth >= maxDepth {
        tally.stop(Self.depthBound(maxDepth), covered: node.depth - 1)
        continue
      }
      for cpu in node.world.cpus.indices {
        let state = node.world.cpus[cpu].state
        guard state == .running || state == .blocked else { continue }
        guard case (var next, let outcome)? = Self.attempt(node.world, cpu: cpu, tally: &tally, path: { path(index) })
        else { continue }
        var event: Event?
        switch outcome {
        case .progressed(let e): event = e
        case .deadlocked, .idle: event = nil
        case .blocked: continue
        }
        moved = true
        next.checkInvariants(everything: true)
        // A violation belongs to the transition, not to the state: the same state may have been
        // reached before by a schedule that broke nothing (the identity ignores reports), so
        // every transition's reports are recorded before the state is deduplicated.
        record(next.violations, since: node.world.violations.count, path: { path(index, then: cpu, event) })
        if seen.contains(next) {
          continue
        }
        if seen.count >= maxStates {
          tally.stop(Self.statesBound(maxStates), covered: node.depth)
          continue
        }
        seen.insert(next)
        nodes.append(Node(world: next, parent: index, cpu: cpu, event: event, depth: node.depth + 1))
      }
      if !moved {
        tally.schedules += 1
        // Nobody can move although some operation is unfinished: CPUs wait on each other.
        if tally.isDeadlock(node.world) {
          let p = path(index)
          tally.add(Finding(code: "C18", message: Tally.deadlockMessage, schedule: p.schedule, events: p.events))
        }
      }
    }
    return tally.report(states: seen.count)
  }
}
