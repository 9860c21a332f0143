import Testing

@testable import AnonVMASim
@testable import ScenePlayer

/// Two fast paths of the race explorer against their plain forms: the invariants checked only on
/// states the search has not visited (``RaceExplorer/Ahead/checked``), and the CPUs' programs
/// kept as shared frames (``Program``) instead of arrays copied by every micro-step.
@Suite("races: invariants checked once per state, programs shared")
struct CheckedOnceTests {
  @Test(
    "checking only the states not visited before reports what checking every successor reports: states, micro-steps, findings, shortest schedules, events, counterexamples, refusals (every race and concurrency scene, every model and variant, with and without reduction, one thread and two)"
  )
  func sameAsCheckingEverySuccessor() throws {
    let explorers = try raceExplorers(variants: true)
    #expect(explorers.count >= 40)
    var findings = 0
    for (name, e) in explorers {
      for reduction in [RaceExplorer.Reduction.ampleSets, .none] {
        func search(threads: Int, checkAhead: Bool) -> RaceExplorer.Report {
          e.exploreFingerprints(
            maxStates: 100_000, maxDepth: 10_000, maxWork: RaceExplorer.defaultMaxWork, reduction: reduction,
            threads: threads, checkAhead: checkAhead)
        }
        let plain = search(threads: 1, checkAhead: true)
        for threads in [1, 2] {
          let fast = search(threads: threads, checkAhead: false)
          expectSameReport(fast, plain, of: e, "\(name) \(reduction) \(threads) thread(s)")
          #expect(fast.reducedExpansions == plain.reducedExpansions, "\(name) \(reduction) \(threads) thread(s)")
        }
        findings += plain.findings.count
      }
    }
    // The comparison can fail: the scenes have findings the invariant check reports.
    #expect(findings >= 20)
  }

  /// A few instructions to build programs from.
  static let instrs: [Instr] = [
    .narrate(function: "f", text: "a"), .narrate(function: "g", text: "b"), .clearBail, .allocAVC,
    .narrate(function: "f", text: "c"),
  ]

  @Test(
    "a program of shared frames holds, compares and hashes as the array it stands for, however its frames split it (random pushes and pops)"
  )
  func programIsItsArray() {
    var x: UInt64 = 0x9E37_79B9_7F4A_7C15
    func random(_ n: Int) -> Int {
      x ^= x >> 12
      x ^= x << 25
      x ^= x >> 27
      return Int((x &* 0x2545_F491_4F6C_DD1D) >> 33) % n
    }
    var checked = (equal: 0, unequal: 0)
    for _ in 0..<200 {
      var program = Program()
      // The plain form: the run order as an array.
      var plain: [Instr] = []
      // Earlier programs of this run: they share frames with the current one.
      var earlier: [(Program, [Instr])] = []
      for _ in 0..<40 {
        if random(3) == 0, !plain.isEmpty {
          #expect(program.popFirst() == plain.removeFirst())
        } else {
          let pushed = (0..<random(4)).map { _ in Self.instrs[random(Self.instrs.count)] }
          program.push(pushed)
          plain.insert(contentsOf: pushed, at: 0)
        }
        #expect(Array(program) == plain)
        #expect(program.count == plain.count)
        #expect(program.isEmpty == plain.isEmpty)
        #expect(program.first == plain.first)
        // Framed otherwise (one frame, or one per instruction): equal, with the same hash.
        var single = Program()
        for instr in plain.reversed() { single.push(instr) }
        for other in [Program(plain), single] {
          #expect(program == other)
          #expect(program.hashValue == other.hashValue)
        }
        for (p, a) in earlier {
          #expect((p == program) == (a == plain))
          if a == plain { checked.equal += 1 } else { checked.unequal += 1 }
          if a == plain { #expect(p.hashValue == program.hashValue) }
        }
        // One instruction changed: unequal.
        if !plain.isEmpty {
          let i = random(plain.count)
          var changed = plain
          changed[i] = changed[i] == .clearBail ? .allocAVC : .clearBail
          #expect(Program(changed) != program)
        }
        earlier.append((program, plain))
        if earlier.count > 8 { earlier.removeFirst() }
      }
    }
    #expect(checked.equal > 100 && checked.unequal > 100)
  }

  @Test(
    "each CPU's program on every reachable state of every race and concurrency scene equals its array framed anew, and a successor's CPU equals its parent's as their arrays do"
  )
  func reachableProgramsAreTheirArrays() throws {
    var compared = (same: 0, different: 0)
    for (name, e) in try raceExplorers() {
      for w in reachable(from: e.initial, limit: 300) {
        for cpu in w.cpus {
          #expect(cpu.pending == Program(Array(cpu.pending)), "\(name)")
          #expect(cpu.program == Array(cpu.pending.reversed()), "\(name)")
        }
        for c in w.cpus.indices where w.cpus[c].state == .running {
          var next = w
          guard case .progressed? = try? next.microStep(cpu: c) else { continue }
          for i in w.cpus.indices {
            let same = Array(next.cpus[i].pending) == Array(w.cpus[i].pending)
            #expect((next.cpus[i].pending == w.cpus[i].pending) == same, "\(name) cpu\(i)")
            if same { compared.same += 1 } else { compared.different += 1 }
          }
        }
      }
    }
    #expect(compared.same > 100 && compared.different > 100)
  }
}
