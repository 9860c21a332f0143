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
    #expect(ConformPlan.unsupported(.operation(.ksmdScan), on: one) == nil)
    #expect(ConformPlan.unsupported(.operation(.rmap(ref)), on: one) == nil)
    #expect(ConformPlan.unsupported(.operation(.fork(parent: "P1", child: "P2")), on: one) == nil)
  }
}

@Suite("conform: the random scenes of the campaign")
struct RandomScenesTests {
  @Test("the same seed and index give the same scene; others differ; every scene runs on the model")
  func deterministic() {
    #expect(RandomScenes.scene(seed: 5, index: 3) == RandomScenes.scene(seed: 5, index: 3))
    let scenes = (0..<40).map { RandomScenes.scene(seed: 5, index: $0) }
    #expect(Set(scenes).count == 40)
    for text in scenes {
      let t = Timeline(scene: Parser.parse(text), defaultTitle: "r", kernel: .v6)
      #expect(t.runtimeDiagnostics.isEmpty, "\(text)")
      #expect(t.stepCount >= 6, "\(text)")
    }
    let all = scenes.joined()
    for keyword in ["spawn", "mmap", "touch", "read", "fork", "exit", "munmap", "mprotect", "ksm-merge"] {
      #expect(all.contains("\n\(keyword) "), "no \(keyword) in 40 scenes")
    }
  }

  @Test("SplitMix64 gives its published first outputs for seed 0")
  func splitMix() {
    var g = RandomScenes.Generator(seed: 0)
    #expect(g.next() == 0xE220_A839_7B1D_CDAF)
    #expect(g.next() == 0x6E78_9E6A_A1B9_65F4)
  }
}

@Suite("conform: KSM steps as executor commands")
struct KSMPlanTests {
  /// Every step's commands with one KSM state, as a run keeps it.
  func commands(_ source: String) throws -> [String] {
    let t = Timeline(scene: Parser.parse(source), defaultTitle: "t", kernel: .v6)
    #expect(t.runtimeDiagnostics.isEmpty)
    var ksm = KSMContent(enabled: true)
    return try (1...t.stepCount).map { k in
      guard case .operation(let op) = t.steps[k].statement else { return "" }
      return try ConformPlan.commands(for: op, before: t.states[k - 1], after: t.states[k], ksm: &ksm).map(\.line)
        .joined(separator: "; ")
    }
  }

  @Test("ksm-merge gives both pages one new value and runs ksmd; a third page joins with the KSM page's value")
  func merge() throws {
    let c = try commands(
      "spawn P1\nmmap P1 A 3\ntouch P1 A 0..2\nksm-merge P1 A 0 P1 A 1\nksm-merge P1 A 0 P1 A 2\nksm-unmerge P1 A 1\nksmd-scan\n"
    )
    #expect(c[1] == "0 mmap 0x100000000000 3 2")
    #expect(c[3] == "0 poke 0x100000000000 0x4b534d0000000001; 0 poke 0x100000001000 0x4b534d0000000001; ksm-scan")
    #expect(c[4] == "0 poke 0x100000002000 0x4b534d0000000001; ksm-scan")
    #expect(c[5] == "0 write 0x100000001000 1")
    #expect(c[6] == "ksm-scan")
  }

  @Test("a write-protected page cannot get KSM content without a COW fault: the step cannot run")
  func writeProtected() {
    #expect(throws: KSMContent.Unsupported.self) {
      try commands("spawn P1\nmmap P1 A 2\ntouch P1 A 0..1\nfork P1 P2\nksm-merge P1 A 0 P1 A 1\n")
    }
  }
}
