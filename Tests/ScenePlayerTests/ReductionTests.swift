import SceneScript
import Testing

@testable import AnonVMASim
@testable import ScenePlayer

/// The codes a search found, and whether one is a deadlock (C18).
private func verdict(_ r: RaceExplorer.Report) -> (codes: Set<String>, deadlock: Bool) {
  (Set(r.findings.map(\.code)), r.findings.contains { $0.code == "C18" })
}

/// Whether a finding's schedule, replayed micro-step by micro-step from the initial state with
/// the invariants checked after each, reaches its violation.
private func replays(_ f: RaceExplorer.Finding, from initial: World) -> Bool {
  var world = initial
  for cpu in f.schedule {
    guard (try? world.microStep(cpu: cpu)) != nil else { return false }
    world.checkInvariants(everything: true)
  }
  if f.code == "C18" && !world.violations.contains(where: { $0.code == "C18" }) {
    // A deadlock found as a state where nobody can move: every unfinished CPU is stuck.
    return world.cpus.allSatisfy { c in
      var w = world
      switch try? w.microStep(cpu: c.id) {
      case .progressed?: return false
      default: return true
      }
    }
  }
  return world.violations.contains { $0.code == f.code }
}

private enum RaceTestError: Error { case prepare }

@Suite("The race explorer's partial-order reduction")
struct ReductionTests {
  @Test(
    "the reduced search finds the violation codes and deadlocks the full search finds, and its counterexamples replay (every race and concurrency scene, every model and variant)"
  )
  func soundOnEveryScene() throws {
    let explorers = try raceExplorers(variants: true)
    #expect(explorers.count >= 40)
    for (name, e) in explorers {
      let full = sharedSearch(name, e, reduction: .none)
      let reduced = sharedSearch(name, e)
      #expect(full.reduction == .none && reduced.reduction == .ampleSets)
      #expect(full.exhaustive && reduced.exhaustive, "\(name): compare exhaustive searches only")
      #expect(verdict(reduced).codes == verdict(full).codes, "\(name)")
      #expect(verdict(reduced).deadlock == verdict(full).deadlock, "\(name)")
      #expect(reduced.states <= full.states, "\(name)")
      for f in reduced.findings {
        #expect(replays(f, from: e.initial), "\(name): \(f.code)'s schedule does not replay to it")
        let replay = Timeline(scene: Parser.parse(e.counterexample(f, source: "")), defaultTitle: "cx")
        #expect(replay.runtimeDiagnostics.isEmpty, "\(name): \(f.code)")
        for x in replay.expectations { #expect(replay.evaluate(x) == .pass, "\(name): \(f.code)") }
      }
    }
  }

  @Test(
    "two CPUs taking and releasing locks of different anon_vmas: the reduction takes micro-steps alone, visits fewer states, finds the same"
  )
  func reducesIndependentLocks() throws {
    let (e, _) = try explorer("d2-migration-vs-vma-adjust.scene")
    var w = e.initial
    let alive = w.aliveAnonVMAs
    try #require(alive.count >= 2 && w.cpus.count == 2)
    let (a, b) = (alive[0], alive[1])
    // Programs run from the end: lock, narrate, unlock, narrate on each CPU's own anon_vma.
    w.cpus[0].program = [
      .narrate(function: "f", text: "done"), .unlock(.exact(.lit(a))), .narrate(function: "f", text: "held"),
      .lock(.exact(.lit(a)), .exclusive),
    ]
    w.cpus[1].program = [
      .narrate(function: "g", text: "done"), .unlock(.exact(.lit(b))), .lock(.exact(.lit(b)), .exclusive),
    ]
    for c in w.cpus.indices { w.cpus[c].state = .running }
    let lone = RaceExplorer(initial: w, timeline: e.timeline, prefix: e.prefix)
    let full = lone.explore(reduction: .none)
    let reduced = lone.explore()
    #expect(full.exhaustive && reduced.exhaustive)
    #expect(reduced.reducedExpansions > 0)
    #expect(reduced.states < full.states, "\(reduced.states) vs \(full.states)")
    #expect(verdict(reduced) == verdict(full))
    // The same anon_vma on both CPUs: every lock and unlock depends on the other CPU's.
    w.cpus[1].program = [
      .narrate(function: "g", text: "done"), .unlock(.exact(.lit(a))), .lock(.exact(.lit(a)), .exclusive),
    ]
    let shared = RaceExplorer(initial: w, timeline: e.timeline, prefix: e.prefix)
    let sharedReduced = shared.explore()
    let sharedFull = shared.explore(reduction: .none)
    #expect(verdict(sharedReduced) == verdict(sharedFull))
    // Only the narrations are taken alone: a smaller share of the states goes.
    let factor = Double(reduced.states) / Double(full.states)
    let sharedFactor = Double(sharedReduced.states) / Double(sharedFull.states)
    #expect(
      factor < sharedFactor,
      "\(reduced.states)/\(full.states) vs \(sharedReduced.states)/\(sharedFull.states) states")
  }

  @Test("the comparison can fail: a reduction without the dependence condition C1 misses a violation")
  func brokenC1IsCaught() throws {
    var missed: [String] = []
    for (name, e) in try raceExplorers(variants: true) {
      let full = sharedSearch(name, e, reduction: .none)
      let broken = e.explore(reduction: .brokenC1ForTesting)
      if verdict(broken) != verdict(full) { missed.append(name) }
    }
    #expect(!missed.isEmpty)
  }

  @Test(
    "the comparison can fail: a reduction without the visibility condition C2 misses a violation that a visible, independent micro-step repairs"
  )
  func brokenC2IsCaught() throws {
    // P2, forked from P1, still maps P1's page pg1 (filed in AV1); P1's mapping is gone. cpu0's
    // copy-on-write fault gives P2 a page of its own (in AV2) and frees pg1; cpu1 frees AV1.
    // Freed first, AV1 leaves pg1 mapped through a freed anon_vma (C12) until the copy: the
    // two micro-steps touch disjoint objects, but the copy changes what C12 reads.
    let source = """
      kernel 2.6.34
      cpus 2
      spawn P1
      mmap P1 A 1
      touch P1 A 0
      fork P1 P2
      munmap P1 A 0
      on cpu0 begin touch P2 A 0
      on cpu1 begin touch P2 A 0
      """
    guard
      case .success(let e) = RaceExplorer.prepare(scene: Parser.parse(source), title: "c2", kernel: nil, variants: nil)
    else { throw RaceTestError.prepare }
    var w = e.initial
    let p2 = try #require(w.processIndex(named: "P2"))
    guard case .page(let pg1, _)? = w[process: p2].ptes[0], case .anon(let av1) = w[page: pg1].mapping else {
      throw RaceTestError.prepare
    }
    // (Programs run from the end; the narration keeps cpu0 running after the copy, which a
    // micro-step taken alone must.)
    w.cpus[0].program = [.narrate(function: "f", text: "done"), .cowCopy(process: p2, vpage: 0)]
    w.cpus[1].program = [.freeAnonVMA(.lit(av1))]
    let crafted = RaceExplorer(initial: w, timeline: e.timeline, prefix: e.prefix)
    let full = crafted.explore(reduction: .none)
    #expect(verdict(full).codes.contains("C12"))
    #expect(verdict(crafted.explore()) == verdict(full))
    // The copy is independent of the free (C1 holds) but visible: taken alone, C12 is missed.
    let broken = crafted.explore(reduction: .brokenC2ForTesting)
    #expect(broken.reducedExpansions > 0)
    #expect(verdict(broken) != verdict(full), "\(verdict(broken)) vs \(verdict(full))")
  }

  @Test(
    "the seed's four-CPU scene (fork, exit, copy-on-write, take-all-locks on one forest), 2.6.36 and its variants: the reduced search finds the full search's violation codes and deadlocks, and every violation a random schedule reaches in the player is among them"
  )
  func seedFourCPUsRandomSchedules() throws {
    for variants in [[]] + [Variant.noSixFive, .noFiveFive, .rootSelfDrop, .rootReread].map({ [$0] }) {
      let (e, _) = try explorer("../scale/seed-four-cpus-2.6.36.scene", variants: variants)
      let reduced = e.explore()
      let full = e.explore(reduction: .none)
      #expect(reduced.exhaustive && full.exhaustive && reduced.reducedExpansions > 0, "\(variants)")
      #expect(verdict(reduced) == verdict(full), "\(variants)")
      #expect(reduced.states <= full.states, "\(variants)")
      let found = Set(reduced.findings.map(\.code))
      for n in 0..<20 {
        let schedule = randomSchedule(from: e.initial, seed: UInt64(n) &* 0x9E37_79B9_7F4A_7C15 &+ 7)
        let codes = try #require(playerCodes(e, schedule: schedule, title: "seed"))
        #expect(codes.isSubset(of: found), "\(variants): \(codes.subtracting(found).sorted()) by \(schedule)")
      }
    }
    // (No model of this scene reaches a violation today: the full search finds none.)
  }

  @Test(
    "a lock, an unlock, a narration and finish_walk have footprints; calls and unknown micro-steps touch everything")
  func footprints() throws {
    let (e, _) = try explorer("d2-migration-vs-vma-adjust.scene")
    let w = e.initial
    let lock = Footprint.of(.lock(.exact(.lit(1)), .exclusive), in: w, cpu: 0, next: true)
    #expect(lock.writes == [.lock(1), .heldBy(0)])
    #expect(!lock.mayBeVisible)
    #expect(Footprint.of(.narrate(function: "f", text: "t"), in: w, cpu: 0, next: true) == .local)
    #expect(Footprint.of(.finishWalk, in: w, cpu: 0, next: true) == .local)
    let split = Instr.splitVMA(vma: 1, at: 1, newBelow: false)
    #expect(Footprint.of(split, in: w, cpu: 0, next: true) == .everything)
    #expect(Footprint.of(.unlessBailed(split), in: w, cpu: 0, next: false) == .everything)
    // Unmapping a VMA writes its page table and the pages, which C12 reads: visible.
    #expect(Footprint.of(.zapVMA(vma: 1, start: 0, end: 1), in: w, cpu: 0, next: true).mayBeVisible)
    // A list_del on one anon_vma and a lock of another commute; a lock of the same one does not.
    let avc = try #require(w.avcs.keys.first { w.avcs[$0]?.anonVMA == 1 })
    let del = Footprint.of(.listDelSameAnonVMA(avc: avc), in: w, cpu: 1, next: true)
    #expect(!del.mayBeVisible)
    #expect(!del.conflicts(with: Footprint.of(.lock(.exact(.lit(2)), .exclusive), in: w, cpu: 0, next: false)))
    #expect(del.conflicts(with: Footprint.of(.freeAnonVMA(.lit(1)), in: w, cpu: 0, next: false)))
    #expect(Footprint.of(.cowCopy(process: 0, vpage: 0), in: w, cpu: 0, next: true).mayBeVisible)
    // Another lock of the same anon_vma conflicts; a lock or unlock of another does not; an
    // unlock conflicts with a later attempt on another lock (it may let the deadlock detector
    // go on), and so does a register that holds no anon_vma (any lock).
    #expect(lock.conflicts(with: Footprint.of(.unlock(.exact(.lit(1))), in: w, cpu: 1, next: true)))
    #expect(!lock.conflicts(with: Footprint.of(.lock(.exact(.lit(2)), .exclusive), in: w, cpu: 1, next: true)))
    #expect(!lock.conflicts(with: Footprint.of(.lock(.exact(.lit(2)), .exclusive), in: w, cpu: 1, next: false)))
    #expect(!lock.conflicts(with: Footprint.of(.unlock(.exact(.lit(2))), in: w, cpu: 1, next: false)))
    let unlock = Footprint.of(.unlock(.exact(.lit(1))), in: w, cpu: 0, next: true)
    #expect(unlock.conflicts(with: Footprint.of(.lock(.exact(.lit(2)), .exclusive), in: w, cpu: 1, next: false)))
    #expect(lock.conflicts(with: Footprint.of(.lock(.exact(.reg(.anonVMA)), .exclusive), in: w, cpu: 1, next: false)))
    #expect(lock.conflicts(with: .everything))
    #expect(!lock.conflicts(with: .local))
  }

  @Test(
    "one thread or two: the same report, findings, schedules, events and counterexample scenes (every race and concurrency scene, every model and variant, with and without reduction)"
  )
  func sameOnTwoThreads() throws {
    for (name, e) in try raceExplorers(variants: true) {
      for reduction in [RaceExplorer.Reduction.ampleSets, .none] {
        let one = sharedSearch(name, e, reduction: reduction)
        let two = e.explore(reduction: reduction, threads: 2)
        #expect(one.states == two.states && one.transitions == two.transitions, "\(name)")
        #expect(one.schedules == two.schedules && one.refused == two.refused, "\(name)")
        #expect(one.exhaustive == two.exhaustive && one.reducedExpansions == two.reducedExpansions, "\(name)")
        #expect(one.firstRefusal?.schedule == two.firstRefusal?.schedule, "\(name)")
        #expect(one.findings.map(\.code) == two.findings.map(\.code), "\(name)")
        for (a, b) in zip(one.findings, two.findings) {
          #expect(a.schedule == b.schedule && a.events == b.events && a.message == b.message, "\(name) \(a.code)")
          #expect(e.counterexample(a, source: "") == e.counterexample(b, source: ""), "\(name) \(a.code)")
        }
      }
    }
  }

  @Test("bounded searches stop at the same place on one thread or three")
  func sameBoundsOnThreads() throws {
    let (e, _) = try explorer("d7-page-lock-vs-reuse.scene", variants: [.rootReread])
    for (states, depth) in [(50, 10_000), (100_000, 7), (1, 10_000), (600, 10_000)] {
      let one = e.explore(maxStates: states, maxDepth: depth)
      let three = e.explore(maxStates: states, maxDepth: depth, threads: 3)
      #expect(one.states == three.states && one.transitions == three.transitions)
      #expect(one.stoppedBy == three.stoppedBy && one.exhaustive == three.exhaustive)
      #expect(one.findings.map(\.schedule) == three.findings.map(\.schedule))
    }
  }
}
