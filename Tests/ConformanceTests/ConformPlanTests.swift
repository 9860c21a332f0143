import AnonVMASim
import Conformance
import ScenePlayer
import SceneScript
import Testing

@Suite("conform: scene operations as executor commands")
struct ConformPlanTests {
  /// The commands of every step of a scene, one string a step.
  func commands(_ source: String) -> [String] {
    let t = Timeline(scene: Parser.parse(source), defaultTitle: "t", kernel: .v6)
    return (1...t.stepCount).map { k in
      guard case .operation(let op) = t.steps[k].statement else { return "" }
      return ConformPlan.commands(for: op, before: t.states[k - 1], after: t.states[k]).map(\.line)
        .joined(separator: "; ")
    }
  }

  @Test("spawn, mmap at the model's addresses (16-page gaps), touch, read, fork, mprotect, munmap, exit")
  func translate() {
    let c = commands(
      """
      spawn P1
      mmap P1 A 4
      mmap P1 B 2 growsdown
      touch P1 A 0..3
      read P1 B 1
      fork P1 P2
      mprotect P2 A 1..2 ro
      munmap P2 A 3
      munmap P1 B
      rmap P1 A 0
      exit P2
      """)
    #expect(
      c == [
        "spawn 0", "0 mmap 0x100000000000 4 0", "0 mmap 0x100000014000 2 1", "0 write 0x100000000000 4",
        "0 read 0x100000015000 1", "0 fork 1", "1 mprotect 0x100000001000 2 ro", "1 munmap 0x100000003000 1",
        "0 munmap 0x100000014000 2", "", "1 exit",
      ])
  }

  @Test("accesses skip the pages the process does not map (the model refuses them; a real access would fault)")
  func clipped() throws {
    let t = Timeline(scene: Parser.parse("spawn P1\nmmap P1 A 6\nmunmap P1 A 2..3\n"), defaultTitle: "t", kernel: .v6)
    let w = try #require(t.states.last)
    let touch = Operation.touch(process: "P1", mapping: "A", first: 0, last: 5)
    #expect(
      ConformPlan.commands(for: touch, before: w, after: w).map(\.line) == [
        "0 write 0x100000000000 2", "0 write 0x100000004000 2",
      ])
  }

  @Test("steps without a counterpart here are named with why")
  func unsupported() {
    let one = Machine(numaNodes: 1, hasSwap: false)
    let ref = PageRef(process: "P1", mapping: "A", index: 0)
    #expect(ConformPlan.unsupported(.operation(.migrate(ref)), on: one)?.contains("two NUMA nodes") == true)
    #expect(ConformPlan.unsupported(.operation(.swapOut(ref)), on: one)?.contains("has none") == true)
    #expect(ConformPlan.unsupported(.operation(.takeAllLocks("P1")), on: one) != nil)
    #expect(ConformPlan.unsupported(.on(cpu: 1, .finish), on: one)?.contains("several CPUs") == true)
    #expect(ConformPlan.unsupported(.operation(.ksmdScan), on: one) != nil)
    #expect(ConformPlan.unsupported(.operation(.rmap(ref)), on: one) == nil)
    #expect(ConformPlan.unsupported(.operation(.fork(parent: "P1", child: "P2")), on: one) == nil)
  }
}
