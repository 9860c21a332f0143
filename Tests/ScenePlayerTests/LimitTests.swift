import AnonVMASim
import SafeText
import ScenePlayer
import SceneScript
import Synchronization
import Testing

/// A timeline of `text` under `budget`.
private func timeline(_ text: String, _ budget: Budget, probe: (@Sendable () -> Int)? = nil) -> Timeline {
  Timeline(
    scene: Parser.parse(text), defaultTitle: "t",
    limits: Limits(budget: budget, memoryBytes: 1000, memoryProbe: probe))
}

@Suite("Budgets: every limit stops the scene with its name and option, never an abort")
struct LimitTests {
  @Test(
    "each limit of the model's budget is a scene error at the statement that crosses it",
    arguments: [
      ("pages", "touch P1 A 0..9", "pages (raise it with --max-pages)"),
      ("ptes", "fork P1 P2", "page-table entries (raise it with --max-ptes)"),
      ("processes", "fork P1 P2", "processes (raise it with --max-processes)"),
      ("vmas", "mprotect P1 A 3..3 ro", "VMAs (raise it with --max-vmas)"),
      ("anonVMAs", "fork P1 P2\ntouch P2 A 0", "anon_vmas (raise it with --max-anon-vmas)"),
      ("chains", "fork P1 P2", "anon_vma_chains (raise it with --max-chains)"),
      (
        "work", "touch P1 A 0..9",
        "units of work (micro-steps, page-table entries written, addresses walked) (raise it with --max-work)"
      ),
    ])
  func modelBudget(limit: String, crossing: String, message: String) throws {
    let setup = "spawn P1\nmmap P1 A 16\ntouch P1 A 0\n"
    // Measure what the setup uses, then allow exactly that: the next line crosses the limit.
    let world = try #require(timeline(setup, Budget()).states.last)
    var budget = Budget()
    let used: Int
    switch limit {
    case "pages":
      used = world.pages.count
      budget.pages = used
    case "ptes":
      used = world.pageTableEntries
      budget.pageTableEntries = used
    case "processes":
      used = world.processes.count
      budget.processes = used
    case "vmas":
      used = world.vmas.count
      budget.vmas = used
    case "anonVMAs":
      used = world.anonVMAs.count
      budget.anonVMAs = used
    case "chains":
      used = world.avcs.count
      budget.chains = used
    default:
      used = world.work.value
      budget.work = used
    }
    let t = timeline(setup + crossing + "\n", budget)
    #expect(t.stepCount == 3, "the setup fits: \(t.runtimeDiagnostics.map(\.message))")
    let d = try #require(t.runtimeDiagnostics.first)
    #expect(d.message.contains("the scene exceeds the budget of \(grouped(used)) \(message)"), "\(d.message)")
    #expect(d.location.line == 4)
  }

  @Test("the memory budget is read after every step; the step that crosses it is refused")
  func memory() throws {
    let steps = Mutex(0)
    let t = timeline(
      "spawn P1\nmmap P1 A 4\ntouch P1 A 0\ntouch P1 A 1\n", Budget(),
      probe: {
        steps.withLock {
          $0 += 1
          return $0 >= 3 ? 2000 : 10
        }
      })
    #expect(t.stepCount == 2)
    let d = try #require(t.runtimeDiagnostics.first)
    #expect(
      d.message.contains("the scene exceeds the memory budget of 0 MB; raise it with --max-memory (at step 3)"),
      "\(d.message)")
    #expect(d.location.line == 3)
  }

  @Test("the race explorer stops at its work and memory budgets and says which; not exhaustive")
  func explorerBudgets() throws {
    func explorer(_ limits: Limits) throws -> RaceExplorer { try RaceBoundTests().prepared(limits) }
    // Every page order kept (no symmetry): enough states for the memory check to come round.
    let full = try explorer(Limits()).explore(symmetry: false)
    #expect(full.exhaustive && full.stoppedBy == nil)
    let worked = try explorer(Limits()).explore(maxWork: 500, symmetry: false)
    #expect(!worked.exhaustive && worked.states < full.states)
    #expect(worked.stoppedBy?.contains("raise it with --max-work") == true)
    let checks = Mutex(0)
    let probe: @Sendable () -> Int = {
      checks.withLock {
        $0 += 1
        return $0 > 8 ? 2000 : 10
      }
    }
    let capped = try explorer(Limits(memoryBytes: 1000, memoryProbe: probe)).explore(symmetry: false)
    #expect(!capped.exhaustive && capped.states < full.states)
    #expect(capped.stoppedBy == "the memory budget of 0 MB; raise it with --max-memory")
  }
}

@Suite("races: the time bound, the progress sink, and what a bounded search covered")
struct RaceBoundTests {
  static let source = """
    cpus 2
    spawn P1
    mmap P1 A 4
    spawn P2
    mmap P2 A 4
    on cpu0 begin touch P1 A 0..3
    on cpu1 begin touch P2 A 0..3
    """

  /// Two CPUs each faulting four pages of their own process.
  func prepared(_ limits: Limits, source: String = source) throws -> RaceExplorer {
    switch RaceExplorer.prepare(scene: Parser.parse(source), title: "t", kernel: nil, variants: nil, limits: limits) {
    case .success(let e): return e
    case .failure(let d): throw d
    }
  }

  @Test("the time bound reads the clock it is given: a clock one second further at each look stops at the bound")
  func timeBound() throws {
    let full = try prepared(Limits()).explore()
    let base = ContinuousClock.now
    let looks = Mutex(0)
    let clock: @Sendable () -> ContinuousClock.Instant = {
      looks.withLock { n in
        defer { n += 1 }
        return base + .seconds(n)
      }
    }
    let timed = try prepared(Limits(time: .seconds(3), clock: clock)).explore()
    // Looked at when the limits were made (the start), then every 64 states: over 3 s at the 4th.
    #expect(timed.stop == .time(limit: .seconds(3), used: .seconds(4)), "\(String(describing: timed.stop))")
    #expect(!timed.exhaustive && timed.states < full.states)
    #expect(timed.stoppedBy == "the time bound of 3 s; raise it with --max-time")
    // A clock that stands still never stops it.
    let still = try prepared(Limits(time: .seconds(3), clock: { base })).explore()
    #expect(still.exhaustive && still.states == full.states)
  }

  @Test("the progress sink sees states, queue and depth grow, and stops the search by answering false")
  func progressSink() throws {
    let full = try prepared(Limits()).explore()
    let seen = Mutex<[SearchProgress]>([])
    var limits = Limits()
    limits.searching = { p in
      seen.withLock { $0.append(p) }
      return true
    }
    let watched = try prepared(limits).explore(maxStates: 1_000_000)
    #expect(watched.exhaustive && watched.states == full.states)
    let reports = seen.withLock { $0 }
    #expect(reports.count == (full.states - 1) / 64 || reports.count == full.states / 64, "\(reports.count)")
    #expect(reports.allSatisfy { $0.maxStates == 1_000_000 && $0.queue > 0 && $0.states <= full.states })
    #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.states <= $1.states && $0.depth <= $1.depth })
    #expect((reports.last?.depth ?? 0) > (reports.first?.depth ?? 0))
    let calls = Mutex(0)
    limits.searching = { _ in
      calls.withLock {
        $0 += 1
        return $0 <= 2
      }
    }
    let stopped = try prepared(limits).explore()
    #expect(stopped.stop == .interrupt && !stopped.exhaustive)
    #expect(stopped.stoppedBy == "an interrupt (ctrl-C)")
    // Stopped at its third look, 192 states expanded: every schedule as long as the
    // shallowest unexpanded state's is covered.
    #expect(calls.withLock { $0 } == 3)
    #expect((stopped.completeDepth ?? 0) > 0)
  }

  @Test(
    "a bounded search covers every schedule up to its complete depth: each violation the full search finds that short is found, with the same schedule"
  )
  func completeDepth() throws {
    for (file, variants) in [
      ("d5-take-all-locks.scene", [Variant.noSixFive]), ("d3-ksm-drop-vs-munmap.scene", [.plainDec]),
      ("d2-migration-vs-vma-adjust.scene", []),
    ] {
      let (e, _) = try explorer(file, kernel: file.hasPrefix("d2") ? .v2_6_34 : nil, variants: variants)
      for visited in [RaceExplorer.Visited.fingerprints, .worlds] {
        let full = e.explore(visited: visited, reduction: .none)
        #expect(full.exhaustive && full.completeDepth == nil && !full.findings.isEmpty, "\(file)")
        let longest = full.findings.map(\.schedule.count).max() ?? 0
        var depths: Set<Int> = []
        for maxStates in stride(from: 1, to: full.states, by: max(1, full.states / 60)) {
          let bounded = e.explore(maxStates: maxStates, visited: visited, reduction: .none)
          if visited == .fingerprints {
            // The reference search meets the bound at the same state.
            #expect(bounded.completeDepth == e.explore(maxStates: maxStates, visited: .worlds).completeDepth)
          }
          let covered = try #require(bounded.completeDepth, "\(file) \(maxStates)")
          depths.insert(covered)
          #expect(bounded.stop == .states(maxStates))
          for f in full.findings where f.schedule.count <= covered {
            #expect(
              bounded.findings.first { $0.code == f.code }?.schedule == f.schedule,
              "\(file) \(visited) at \(maxStates) states: \(f.code) at \(f.schedule.count) ≤ \(covered)")
          }
        }
        // The depth grows with the bound, up to the longest shortest schedule.
        #expect(depths.count > 1 && (depths.max() ?? 0) >= longest - 1, "\(file): \(depths.sorted())")
        for d in [1, 2, longest - 1] where d > 0 {
          // States d micro-steps from the start are reached, not expanded: a deadlock there
          // is not seen.
          let shallow = e.explore(maxDepth: d, visited: visited, reduction: .none)
          #expect(shallow.completeDepth == d - 1 && shallow.stop == .depth(d), "\(file) --depth \(d)")
          #expect(shallow.findings.allSatisfy { $0.schedule.count <= d })
        }
      }
    }
  }
}
