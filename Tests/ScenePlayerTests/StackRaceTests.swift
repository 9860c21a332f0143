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
    for k in [KernelVersion.v2_6_36, .v6] {
      let (e, _) = try explorer("d2-migration-vs-expand-stack.scene", kernel: k)
      let g = e.explore()
      #expect(g.findings.isEmpty && g.exhaustive, "\(k)")
      #expect(g.schedules >= 1, "\(k)")
    }
  }
}
