import Testing

@testable import AnonVMASim
@testable import ScenePlayer

/// The ample candidate as it was decided before the fast path: every running CPU's future first,
/// then C2 and C1 per CPU in order with the whole next-step footprint (the plain definition the
/// fast ``RaceExplorer/ampleCandidate(_:reduction:)`` must agree with).
private func plainAmpleCandidate(_ world: World) -> Int? {
  guard world.cpus.allSatisfy({ $0.state == .running || $0.state == .idle }) else { return nil }
  let running = world.cpus.indices.filter { world.cpus[$0].state == .running }
  guard running.count > 1 else { return nil }
  let futures = running.map { world.remainingFootprint(cpu: $0) }
  var unsettledBy: [[Bool]] = running.map { _ in running.map { _ in false } }
  for (i, fq) in futures.enumerated() where !fq.assumes.isEmpty {
    for (j, fr) in futures.enumerated() where i != j { unsettledBy[i][j] = fq.isUnsettled(by: fr) }
  }
  for (i, p) in running.enumerated() {
    guard let step = world.nextStepFootprint(cpu: p), !step.mayBeVisible else { continue }
    let independent = running.indices.allSatisfy { j in j == i || !futures[j].conflicts(with: step) }
    let settled = running.indices.allSatisfy { j in
      j == i || running.indices.allSatisfy { k in k == i || !unsettledBy[j][k] }
    }
    if independent && settled { return p }
  }
  return nil
}

/// Footprints joined the plain way: every list concatenated, ``Footprint/everything`` absorbing.
private func plainUnion(_ a: Footprint, _ b: Footprint) -> Footprint {
  if a == .everything || b == .everything { return .everything }
  return Footprint(reads: a.reads + b.reads, writes: a.writes + b.writes, assumes: a.assumes + b.assumes)
}

/// Whether two footprints name the same objects in each list (in any order, repeats aside).
private func sameObjects(_ a: Footprint, _ b: Footprint) -> Bool {
  Set(a.reads) == Set(b.reads) && Set(a.writes) == Set(b.writes) && Set(a.assumes) == Set(b.assumes)
}

@Suite("races: the reduction's fast path agrees with the plain definitions")
struct AmpleFastPathTests {
  @Test(
    "the ample candidate (C2 first, a step's footprint cut at its first visible write) is the plain one's on reachable states of every race and concurrency scene and the seed's four-CPU scene"
  )
  func fastCandidateIsPlain() throws {
    var explorers = try raceExplorers().map(\.explorer)
    explorers.append(try explorer("../scale/seed-four-cpus-2.6.36.scene").0)
    var (states, candidates, cut) = (0, 0, 0)
    for e in explorers {
      for w in reachable(from: e.initial, limit: 1_500) {
        states += 1
        let fast = RaceExplorer.ampleCandidate(w, reduction: .ampleSets)
        #expect(fast == plainAmpleCandidate(w))
        if fast != nil { candidates += 1 }
        for c in w.cpus.indices where w.cpus[c].state == .running {
          let plain = w.nextStepFootprint(cpu: c)
          let quick = w.nextStepFootprint(cpu: c, invisibleOnly: true)
          if let p = plain, !p.mayBeVisible {
            #expect(quick == p)
          } else {
            #expect(quick == nil || quick?.mayBeVisible == true)
            if plain != nil && quick == nil { cut += 1 }
          }
        }
      }
    }
    // Not vacuous: candidates were found, and footprints were cut short.
    #expect(states > 1_000 && candidates > 50 && cut > 50, "\(states) states, \(candidates) candidates, \(cut) cut")
  }

  @Test("a union in place holds the plain concatenation's objects, each once, everything absorbing and nothing neutral")
  func unionIsPlain() {
    let samples: [Footprint] = [
      .local, .everything,
      Footprint(reads: [.lock(AnonVMAID(1))], writes: []),
      Footprint(reads: [.process(ProcessID(0)), .pages], writes: [.pageTable(ProcessID(0))], assumes: [.processes]),
      Footprint(reads: [.everything], writes: []),
      Footprint(reads: [], writes: [], assumes: [.process(ProcessID(1))]),
      Footprint(reads: [.pages, .lock(AnonVMAID(1))], writes: [.pageTable(ProcessID(0)), .processName(named: "P1")]),
    ]
    for a in samples {
      for b in samples {
        #expect(sameObjects(a.union(b), plainUnion(a, b)), "\(a) ∪ \(b)")
        var c = a
        c.formUnion(b)
        #expect(sameObjects(c, plainUnion(a, b)))
        // Each object once: a union of a long program's footprints stays short.
        for list in [c.reads, c.writes, c.assumes] {
          #expect(Set(list).count == list.count, "\(a) ∪ \(b) repeats an object: \(list)")
        }
      }
      #expect(a.isEverything == (a == .everything))
    }
  }
}
