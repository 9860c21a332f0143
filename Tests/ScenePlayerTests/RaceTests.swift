import AnonVMASim
import Foundation
import ScenePlayer
import SceneScript
import TestSupport
import Testing

func explorer(_ file: String, kernel: KernelVersion? = nil, variants: [Variant]? = nil) throws -> (RaceExplorer, String)
{
  let source = try String(contentsOf: repoRoot.appendingPathComponent("scenes/races/\(file)"), encoding: .utf8)
  let scene = Parser.parse(source)
  #expect(scene.diagnostics.isEmpty)
  switch RaceExplorer.prepare(scene: scene, title: file, kernel: kernel, variants: variants) {
  case .success(let e): return (e, source)
  case .failure(let d): throw d
  }
}

/// The first finding with `code` and its counterexample scene run as a timeline, whose
/// `expect` lines must all pass (the schedule replays to the violation).
func replayedCounterexample(
  _ explorer: RaceExplorer, source: String, code: String
) throws -> (finding: RaceExplorer.Finding, replay: Timeline) {
  let finding = try #require(explorer.explore().findings.first { $0.code == code })
  let replay = Timeline(scene: Parser.parse(explorer.counterexample(finding, source: source)), defaultTitle: "cx")
  #expect(replay.runtimeDiagnostics.isEmpty)
  #expect(!replay.expectations.isEmpty)
  for e in replay.expectations { #expect(replay.evaluate(e) == .pass) }
  return (finding, replay)
}

/// Whether any schedule of at most `length` micro-steps reaches a violation code (no
/// deduplication; iterative, so deep schedules do not exhaust a test thread's stack).
func anyScheduleReaches(_ code: String, from world: World, length: Int) -> Bool {
  var stack: [(World, Int)] = [(world, length)]
  while let (w, left) = stack.popLast() {
    if w.violations.contains(where: { $0.code == code }) { return true }
    if left == 0 { continue }
    for cpu in w.cpus.indices where w.cpus[cpu].state == .running || w.cpus[cpu].state == .blocked {
      var next = w
      guard let outcome = try? next.microStep(cpu: cpu) else { continue }
      switch outcome {
      case .progressed, .deadlocked:
        next.checkInvariants()
        stack.append((next, left - 1))
      default:
        continue
      }
    }
  }
  return false
}

@Suite("The race explorer")
struct RaceTests {
  @Test("D.5: no-6/5 self-deadlocks on the root; with 6/5 no violation (exhaustive)")
  func d5() throws {
    let (bad, _) = try explorer("d5-take-all-locks.scene", variants: [.noSixFive])
    let r = bad.explore()
    #expect(r.findings.map(\.code) == ["C18"])
    #expect(r.exhaustive)
    let (good, _) = try explorer("d5-take-all-locks.scene")
    let g = good.explore()
    #expect(g.findings.isEmpty && g.exhaustive)
  }

  @Test("D.3: the plain decrement double-frees and the counterexample replays to it; atomic_dec_and_lock never does")
  func d3() throws {
    let (bad, source) = try explorer("d3-ksm-drop-vs-munmap.scene", variants: [.plainDec])
    let (finding, _) = try replayedCounterexample(bad, source: source, code: "C8")
    #expect(finding.message == "AV1 is freed twice")
    let (good, _) = try explorer("d3-ksm-drop-vs-munmap.scene")
    let g = good.explore()
    #expect(g.findings.isEmpty)
    #expect(g.exhaustive)
    #expect(g.schedules >= 2)
  }

  @Test("D.2: 2.6.34 leaves a migration entry behind in some schedule; 2.6.36 and 6.1 never do")
  func d2() throws {
    let (old, _) = try explorer("d2-migration-vs-vma-adjust.scene")
    #expect(old.explore().findings.map(\.code) == ["C12"])
    for k in [KernelVersion.v2_6_36, .v6] {
      let (e, _) = try explorer("d2-migration-vs-vma-adjust.scene", kernel: k)
      let r = e.explore()
      #expect(r.findings.isEmpty && r.exhaustive, "\(k)")
    }
  }

  @Test("D.7: before f18194275c39 the walker unlocks the root of the anon_vma that reused the memory; after it, never")
  func d7() throws {
    let (bad, source) = try explorer("d7-page-lock-vs-reuse.scene", variants: [.rootReread])
    let (finding, replay) = try replayedCounterexample(bad, source: source, code: "C20")
    #expect(finding.message == "cpu0 unlocks AV3's lock, which it does not hold")
    // The lock cpu0 really took (AV1's) stays held after its walk has finished.
    #expect(replay.states[replay.stepCount].lockHolders[1]?.contains { $0.cpu == 0 } == true)
    let (good, _) = try explorer("d7-page-lock-vs-reuse.scene")
    let g = good.explore()
    #expect(g.findings.isEmpty && g.exhaustive)
  }

  @Test(
    "D.11: in 2.6.34 exit frees the anon_vma under migration, which then locks it; the counterexample replays to it")
  func d11() throws {
    let (e, source) = try explorer("d11-migration-vs-exit-2.6.34.scene")
    let r = e.explore()
    #expect(r.exhaustive)
    let (finding, _) = try replayedCounterexample(e, source: source, code: "C15")
    #expect(finding.message == "cpu0 locks AV1, which has been freed")
  }

  @Test(
    "the real kernels have no race in fork vs exit vs rmap walk on one forest (exhaustive)",
    arguments: KernelVersion.allCases)
  func correctKernels(kernel: KernelVersion) throws {
    let source = """
      cpus 3
      spawn P1
      mmap P1 A 2
      touch P1 A 0..1
      fork P1 P2
      touch P2 A 0
      on cpu0 begin fork P2 P3
      on cpu1 begin exit P1
      on cpu2 begin rmap P2 A 1
      """
    guard
      case .success(let e) = RaceExplorer.prepare(
        scene: Parser.parse(source), title: "x", kernel: kernel, variants: nil)
    else {
      Issue.record("prepare failed")
      return
    }
    let r = e.explore()
    #expect(r.findings.isEmpty, "\(r.findings.map { "\($0.code) \($0.message)" })")
    #expect(r.exhaustive && r.states > 1000)
  }

  @Test("counterexamples are minimal and deterministic")
  func minimal() throws {
    for (file, variant, code) in [
      ("d3-ksm-drop-vs-munmap.scene", Variant.plainDec, "C8"), ("d5-take-all-locks.scene", .noSixFive, "C18"),
    ] {
      let (e, _) = try explorer(file, variants: [variant])
      let a = try #require(e.explore().findings.first { $0.code == code })
      let b = try #require(e.explore().findings.first { $0.code == code })
      #expect(a.schedule == b.schedule)
      // No schedule one micro-step shorter reaches it (brute force, no deduplication).
      #expect(!anyScheduleReaches(code, from: e.initial, length: a.schedule.count - 1))
      #expect(anyScheduleReaches(code, from: e.initial, length: a.schedule.count))
    }
  }

  @Test("a bound makes the search non-exhaustive, and it says so")
  func bounded() throws {
    let (e, _) = try explorer("d2-migration-vs-vma-adjust.scene", kernel: .v2_6_36)
    let r = e.explore(maxStates: 20)
    #expect(!r.exhaustive)
    #expect(r.states == 20)
  }
}
