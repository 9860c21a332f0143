import Testing

@testable import AnonVMASim
@testable import ScenePlayer

/// Everything a search reports that `anonvis races` prints or writes, as text: the counts, the
/// bound and covered depth, the search's kind, the frontier's width, the refusals, and each
/// finding with its schedule, events and counterexample scene.
private func text(_ r: RaceExplorer.Report, _ e: RaceExplorer) -> String {
  var out = "\(r.states) states, \(r.transitions) transitions, \(r.schedules) schedules, exhaustive \(r.exhaustive)\n"
  out += "stop \(r.stoppedBy ?? "-"), complete depth \(r.completeDepth.map(String.init) ?? "-")\n"
  out += "\(r.reduction.name), symmetry \(r.symmetry), \(r.reducedExpansions) reduced, frontier \(r.peakFrontier)\n"
  out += "omission \(r.omissionProbability.map { "\($0)" } ?? "-")\n"
  out += "refused \(r.refused): \(r.firstRefusal.map { "\($0.message) \($0.schedule) \($0.events)" } ?? "-")\n"
  for f in r.findings {
    out += "\(f.code) \(f.message) \(f.schedule) \(f.events)\n" + e.counterexample(f, source: "")
  }
  return out
}

/// Whether two worlds' bookkeeping is the same, field by field (its `==` is always true: it is
/// not state).
private func same(_ a: World.Bookkeeping, _ b: World.Bookkeeping) -> Bool {
  a.step == b.step && a.violations == b.violations && a.freedThisStep == b.freedThisStep && a.lastWalk == b.lastWalk
    && a.touchedProcesses == b.touchedProcesses && a.touchedAnonVMAs == b.touchedAnonVMAs
    && a.touchedAVCs == b.touchedAVCs
}

@Suite("races: a frontier replayed from its states' indices reports what whole worlds report")
struct ReplayedFrontierTests {
  /// Every race and concurrency scene on every model and variant, and the seed's four-CPU scene.
  func explorers() throws -> [(name: String, explorer: RaceExplorer)] {
    try raceExplorers(variants: true) + [
      ("seed-four-cpus-2.6.36", try explorer("../scale/seed-four-cpus-2.6.36.scene").0)
    ]
  }

  @Test(
    "every level replayed (frontierWorlds 0) reports what whole worlds report, text for text, on one thread and two (the full search on two; every race and concurrency scene, every model and variant, the seed's scene)"
  )
  func replayedIsWholeWorlds() throws {
    var replayed = 0
    for (name, e) in try explorers() {
      for reduction in [RaceExplorer.Reduction.ampleSets, .none] {
        let whole = e.explore(reduction: reduction, frontierWorlds: .max)
        #expect(whole.replayedStates == 0, "\(name)")
        for threads in reduction == .none ? [2] : [1, 2] {
          let fast = e.explore(reduction: reduction, threads: threads, frontierWorlds: 0)
          #expect(text(fast, e) == text(whole, e), "\(name), \(reduction.name), \(threads) thread(s)")
          #expect(
            fast.replayedStates == fast.states - 1 || !fast.exhaustive, "\(name): every state but the first rebuilt")
          replayed += fast.replayedStates
        }
      }
    }
    #expect(replayed > 10_000)
  }

  @Test(
    "a replayed world is the world the search had: the same kernel state, bookkeeping (violations, what changed) and CPU numbers (the first 1,500 states of every race and concurrency scene, every model and variant, replayed level by level in order)"
  )
  func replayedWorldIsTheSearchs() throws {
    var withViolations = 0
    for (name, e) in try explorers() {
      // The search's tree, breadth first over every interleaving: worlds, arrivals, numbers.
      var start = e.initial
      start.narrating.value = false
      var numbering = CPUNumbering()
      let first = numbering.fingerprint(start)
      var nodes = [RaceExplorer.Frontier(index: 0, world: start, cpuNumbers: first.cpuNumbers)]
      var depths = [0]
      var arrivals = [RaceExplorer.Arrival(parent: -1, cpu: -1)]
      var violated = StateBits()
      violated.append(!start.violations.isEmpty)
      var seen: Set<UInt64> = [first.fingerprint]
      var i = 0
      while i < nodes.count && nodes.count < 1_500 {
        let node = nodes[i]
        for cpu in node.world.cpus.indices where [.running, .blocked].contains(node.world.cpus[cpu].state) {
          guard case .success(let (next, outcome)) = RaceExplorer.tryStep(node.world, cpu: cpu) else { continue }
          if case .blocked = outcome { continue }
          let (print, numbers) = numbering.fingerprint(next, after: node.world, numbered: node.cpuNumbers)
          guard seen.insert(print).inserted else { continue }
          nodes.append(RaceExplorer.Frontier(index: nodes.count, world: next, cpuNumbers: numbers))
          depths.append(depths[i] + 1)
          arrivals.append(RaceExplorer.Arrival(parent: Int32(i), cpu: Int32(cpu)))
          violated.append(!next.violations.isEmpty)
          if case .success(let (unchecked, _)) = RaceExplorer.tryStep(node.world, cpu: cpu, check: false),
            unchecked.violations.count < next.violations.count
          {
            withViolations += 1
          }
        }
        i += 1
      }
      var replayer = RaceExplorer.Replayer(start: nodes[0])
      for j in nodes.indices.dropFirst() {
        let r = replayer.frontier(j, depth: depths[j], arrivals: arrivals, violated: violated, numbering: &numbering)
        #expect(r.index == j, "\(name) state \(j)")
        #expect(r.world == nodes[j].world, "\(name) state \(j)")
        #expect(same(r.world.bookkeeping, nodes[j].world.bookkeeping), "\(name) state \(j)")
        #expect(r.cpuNumbers == nodes[j].cpuNumbers, "\(name) state \(j)")
      }
    }
    let compared = [
      "step", "violations", "freedThisStep", "lastWalk", "touchedProcesses", "touchedAnonVMAs", "touchedAVCs",
    ]
    #expect(fields(World.Bookkeeping()) == compared, "every field of the bookkeeping compared")
    #expect(withViolations > 0, "states whose check reported a violation")
  }

  @Test(
    "bounded searches (states, depth, work) on levels wider than the helpers' window: whole worlds, every level replayed and the default budget report the same, on one, two and four threads"
  )
  func replayedIsWholeWorldsBounded() throws {
    let e = try LookaheadTests().cow()
    let bounds = [(3_000, 10_000, RaceExplorer.defaultMaxWork), (100_000, 6, .max), (100_000, 10_000, 300_000)]
    for (states, depth, work) in bounds {
      let whole = e.explore(maxStates: states, maxDepth: depth, maxWork: work, symmetry: false, frontierWorlds: .max)
      #expect(!whole.exhaustive, "bounded")
      if states == 3_000 { #expect(whole.peakFrontier > Lookahead.window, "levels wider than the window") }
      for (threads, budget) in [(1, 0), (2, 0), (4, 0), (2, RaceExplorer.defaultFrontierWorlds)] {
        let fast = e.explore(
          maxStates: states, maxDepth: depth, maxWork: work, symmetry: false, threads: threads, frontierWorlds: budget)
        #expect(text(fast, e) == text(whole, e), "\(states) states, depth \(depth), \(threads) threads, \(budget)")
        #expect(fast.replayedStates > 0)
      }
    }
  }

  @Test(
    "a replayer asked for a level's states in stretches, the stretches in any order (as threads take them), rebuilds the world the search had, field by field (the first 1,500 states of every race and concurrency scene, every model and variant; stretches of 1, 3 and 16)"
  )
  func replayInStretchesIsPlainReplay() throws {
    var compared = 0
    for (name, e) in try explorers() {
      var start = e.initial
      start.narrating.value = false
      var numbering = CPUNumbering()
      let first = numbering.fingerprint(start)
      let root = RaceExplorer.Frontier(index: 0, world: start, cpuNumbers: first.cpuNumbers)
      // The search's tree, breadth first over every interleaving: arrivals and levels only.
      var worlds = [start]
      var numbers = [first.cpuNumbers]
      var levels: [[Int]] = [[0]]
      var arrivals = [RaceExplorer.Arrival(parent: -1, cpu: -1)]
      var violated = StateBits()
      violated.append(!start.violations.isEmpty)
      var seen: Set<UInt64> = [first.fingerprint]
      while let level = levels.last, !level.isEmpty, worlds.count < 1_500 {
        var next: [Int] = []
        for i in level {
          let world = worlds[i]
          for cpu in world.cpus.indices where [.running, .blocked].contains(world.cpus[cpu].state) {
            guard case .success(let (w, outcome)) = RaceExplorer.tryStep(world, cpu: cpu) else { continue }
            if case .blocked = outcome { continue }
            let (print, n) = numbering.fingerprint(w, after: world, numbered: numbers[i])
            guard seen.insert(print).inserted else { continue }
            next.append(worlds.count)
            worlds.append(w)
            numbers.append(n)
            arrivals.append(RaceExplorer.Arrival(parent: Int32(i), cpu: Int32(cpu)))
            violated.append(!w.violations.isEmpty)
          }
        }
        levels.append(next)
      }
      for stretch in [1, 3, 16] {
        // Two replayers, as two threads: stretches dealt in turn, each thread's taken in the
        // order odd ones first, so that a replayer jumps back and forth within a level.
        var replayers = [RaceExplorer.Replayer(start: root), RaceExplorer.Replayer(start: root)]
        for (depth, level) in levels.enumerated() where depth > 0 && !level.isEmpty {
          let stretches = stride(from: 0, to: level.count, by: stretch).map {
            Array(level[$0..<min(level.count, $0 + stretch)])
          }
          let order = stretches.indices.filter { $0 % 2 == 1 } + stretches.indices.filter { $0 % 2 == 0 }
          for (turn, s) in order.enumerated() {
            for j in stretches[s] {
              let r = replayers[turn % 2].frontier(
                j, depth: depth, arrivals: arrivals, violated: violated, numbering: &numbering)
              #expect(r.index == j, "\(name) state \(j)")
              #expect(r.world == worlds[j], "\(name) state \(j), stretch \(stretch)")
              #expect(same(r.world.bookkeeping, worlds[j].bookkeeping), "\(name) state \(j), stretch \(stretch)")
              #expect(r.cpuNumbers == numbers[j], "\(name) state \(j), stretch \(stretch)")
              compared += 1
            }
          }
        }
      }
    }
    #expect(compared > 10_000)
  }
}
