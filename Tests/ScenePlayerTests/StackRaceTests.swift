import AnonVMASim
import Foundation
import ScenePlayer
import SceneScript
import TestSupport
import Testing

@Suite("The race explorer on stack growth")
struct StackRaceTests {
  @Test("D.2 (stack): 2.6.34 leaves a migration entry behind and the counterexample replays; 2.6.36 and 6.x never do")
  func d2Stack() throws {
    let (old, source) = try explorer("d2-migration-vs-expand-stack.scene")
    let r = old.explore()
    #expect(r.exhaustive)
    #expect(r.findings.map(\.code) == ["C12"])
    let (finding, replay) = try replayedCounterexample(old, source: source, code: "C12")
    #expect(finding.message.hasPrefix("migration entry for "))
    // The schedule runs the walk over P2's stack between expand_downwards' two stores.
    let texts = (1...replay.stepCount).flatMap { replay.events(step: $0) }.map(\.summary)
    let start = try #require(texts.firstIndex { $0.contains("vm_start moves down") })
    let pgoff = try #require(texts.firstIndex { $0.hasPrefix("expand_downwards") && $0.contains("vm_pgoff = ") })
    #expect(texts[start..<pgoff].contains { $0.contains("P2:stack") && $0.contains("no matching PTE") })
    for k in [KernelVersion.v2_6_36, .v6, .mainline] {
      let (e, _) = try explorer("d2-migration-vs-expand-stack.scene", kernel: k)
      let g = e.explore()
      #expect(g.findings.isEmpty && g.exhaustive, "\(k)")
      #expect(g.schedules >= 1, "\(k)")
    }
  }

  @Test(
    "two CPUs grow one stack: the anon_vma lock serialises them and the second finds it expanded already",
    arguments: KernelVersion.allCases)
  func concurrentGrowth(kernel: KernelVersion) throws {
    let source = """
      cpus 2
      spawn P1
      mmap P1 guard 1
      mmap P1 stack 2 growsdown
      touch P1 stack 0
      on cpu0 begin grow-stack P1 stack 2
      on cpu1 begin grow-stack P1 stack 2
      """
    guard
      case .success(let e) = RaceExplorer.prepare(
        scene: Parser.parse(source), title: "grow", kernel: kernel, variants: nil)
    else {
      Issue.record("prepare failed")
      return
    }
    let r = e.explore()
    #expect(r.findings.isEmpty, "\(r.findings.map(\.message))")
    #expect(r.exhaustive && r.states > 10, "\(r.states)")
    // Run one schedule by hand: cpu0 takes the lock, cpu1 waits for it, then does nothing.
    var w = e.initial
    _ = try w.microStep(cpu: 0)
    let second = try w.microStep(cpu: 1)
    guard case .blocked(let lock) = second else {
      Issue.record("cpu1 did not wait: \(second)")
      return
    }
    #expect(World.avName(lock) == "AV1")
    _ = try w.finish(cpu: 0)
    let events = try w.finish(cpu: 1)
    #expect(events.map(\.text).contains { $0.hasSuffix("was expanded already: nothing to do") })
    let p1 = try #require(w.processIndex(named: "P1"))
    #expect(w.mapping(process: p1, named: "stack")?.pages == 4)
    w.checkInvariants()
    #expect(w.violations.isEmpty)
  }
}
