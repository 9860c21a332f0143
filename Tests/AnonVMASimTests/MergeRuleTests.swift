import AnonVMASim
import ScenePlayer
import SceneScript
import Testing

/// `is_mergeable_anon_vma()` per model (Docs/kernel-semantics.md, "Anon VMA merging per model"):
/// 2.6.34/2.6.36 merge when one anon_vma is NULL or both are equal; 6.1 (965f55dea0e3) needs a
/// singular chain on the existing neighbour, so a faulted range never merges into an unfaulted
/// neighbour (found by `anonvis conform --random`); mainline (mm/vma.c, 879bca0a2c4f with
/// 61f67c230a5e/3b617fd3d317) has three cases: faulted into unfaulted merges through
/// dup_anon_vma() unless the faulted VMA is a fork child, unfaulted into faulted unless the
/// faulted neighbour is a fork child, else equal anon_vmas. The merges are reached through
/// mprotect (vma_merge_existing_range()).
@Suite("is_mergeable_anon_vma per model: merged or refused, the anon_vma and chains after")
struct MergeRuleTests {
  /// The VMAs of `process` after the scene, as `start..<end prot anon_vma [chain]`.
  func vmas(_ kernel: String, _ body: String, _ process: String) -> [String] {
    let w = timeline("kernel \(kernel)\n" + body).states.last
    guard let w, let p = w.processIndex(named: process) else { return [] }
    return w[process: p].vmas.compactMap { w.vmas[$0] }.map { v in
      let av = v.anonVMA.map { World.avName($0) } ?? "-"
      let chain = w.chainAnonVMAs(v.id).map { World.avName($0) }.joined(separator: ",")
      return "\(v.start)..<\(v.end) \(v.prot.rawValue) \(av) [\(chain)]"
    }
  }

  /// Case 1: the range (middle) is faulted, the neighbour (prev) is not.
  let faultedIntoUnfaulted = "spawn P1\nmmap P1 A 2\nmprotect P1 A 0 ro\ntouch P1 A 1\nmprotect P1 A 1 ro\n"

  @Test("case 1, faulted into unfaulted: 2.6.x and mainline merge (dup_anon_vma), 6.1 refuses")
  func faultedIntoUnfaultedPerModel() {
    let merged = ["0..<2 ro AV1 [AV1]"]
    #expect(vmas("2.6.34", faultedIntoUnfaulted, "P1") == merged)
    #expect(vmas("2.6.36", faultedIntoUnfaulted, "P1") == merged)
    #expect(vmas("6.1", faultedIntoUnfaulted, "P1") == ["0..<1 ro - []", "1..<2 ro AV1 [AV1]"])
    #expect(vmas("mainline", faultedIntoUnfaulted, "P1") == merged)
  }

  @Test("case 1 in mainline: the unfaulted target gets the faulted VMA's chain before the merge")
  func dupAnonVMAClonesIntoTarget() {
    let t = timeline("kernel mainline\n" + faultedIntoUnfaulted)
    let texts = t.events(step: 5).map { "\($0.function): \($0.text)" }
    #expect(texts.contains { $0.hasPrefix("dup_anon_vma: importer P1:A@0->anon_vma = AV1") }, "\(texts)")
    #expect(texts.contains { $0.hasPrefix("check_anon_vma_clone: P1:A@0 from P1:A@1 (not a fork)") }, "\(texts)")
    let w = t.states[5]
    #expect(w[anonVMA: 1].numActiveVMAs == 1 && w.violations.isEmpty)
    #expect(w.listNames(1) == ["P1:A@0"])
  }

  /// Case 1 with a fork child as the faulted VMA (vma_is_fork_child(src), 879bca0a2c4f).
  let forkChildIntoUnfaulted =
    "spawn P1\nmmap P1 A 2\nmprotect P1 A 0 ro\ntouch P1 A 1\nfork P1 P2\nmprotect P2 A 1 ro\nmprotect P1 A 1 ro\n"

  @Test("case 1 with a fork child: mainline refuses the child's merge and merges the parent's")
  func forkChildFaulted() {
    #expect(vmas("mainline", forkChildIntoUnfaulted, "P2") == ["0..<1 ro - []", "1..<2 ro AV2 [AV2,AV1]"])
    #expect(vmas("mainline", forkChildIntoUnfaulted, "P1") == ["0..<2 ro AV1 [AV1]"])
    #expect(vmas("6.1", forkChildIntoUnfaulted, "P1") == ["0..<1 ro - []", "1..<2 ro AV1 [AV1]"])
    #expect(vmas("2.6.36", forkChildIntoUnfaulted, "P2") == ["0..<2 ro AV2 [AV2,AV1]"])
  }

  /// Case 2: the range is unfaulted, the neighbour faulted (a fork child in P2).
  let unfaultedIntoFaulted =
    "spawn P1\nmmap P1 A 2\nmprotect P1 A 1 ro\ntouch P1 A 0\nfork P1 P2\nmprotect P1 A 1 rw\nmprotect P2 A 1 rw\n"

  @Test("case 2, unfaulted into faulted: merged into a singular chain; into a fork child only on 2.6.x")
  func unfaultedIntoFaultedPerModel() {
    for kernel in ["6.1", "mainline", "2.6.36"] {
      #expect(vmas(kernel, unfaultedIntoFaulted, "P1") == ["0..<2 rw AV1 [AV1]"], "\(kernel)")
    }
    let refused = ["0..<1 rw AV2 [AV2,AV1]", "1..<2 rw - []"]
    #expect(vmas("6.1", unfaultedIntoFaulted, "P2") == refused)
    #expect(vmas("mainline", unfaultedIntoFaulted, "P2") == refused)
    #expect(vmas("2.6.36", unfaultedIntoFaulted, "P2") == ["0..<2 rw AV2 [AV2,AV1]"])
  }

  @Test("case 3, both faulted with the same anon_vma: merged in every model", arguments: KernelVersion.allCases)
  func sameAnonVMA(kernel: KernelVersion) {
    let body = "spawn P1\nmmap P1 A 2\ntouch P1 A 0..1\nmprotect P1 A 1 ro\nmprotect P1 A 1 rw\n"
    #expect(vmas(kernel.rawValue, body, "P1") == ["0..<2 rw AV1 [AV1]"])
  }

  @Test(
    "both sides: prev and next with different anon_vmas are not joined, the range merges with prev only",
    arguments: KernelVersion.allCases)
  func bothSidesCompatibility(kernel: KernelVersion) {
    let body = "spawn P1\nmmap P1 A 3\nmprotect P1 A 1 ro\ntouch P1 A 0\ntouch P1 A 2\nmprotect P1 A 1 rw\n"
    #expect(vmas(kernel.rawValue, body, "P1") == ["0..<2 rw AV1 [AV1]", "2..<3 rw AV2 [AV2]"])
  }

  /// mmap right after a faulted mapping (vma_merge() / vma_merge_new_range(): the new range has
  /// no anon_vma, so case 2 with prev as the neighbour), in the parent and in its fork child.
  let mmapAfterFaulted = "spawn P1\nmmap P1 A 2\ntouch P1 A 1\nfork P1 P2\nmmap P1 B 2 after A\nmmap P2 B 2 after A\n"

  @Test("mmap after a faulted mapping: merged into a singular chain; next to a fork child only on 2.6.x")
  func mmapNextToFaulted() {
    for kernel in ["2.6.36", "6.1", "mainline"] {
      #expect(vmas(kernel, mmapAfterFaulted, "P1") == ["0..<4 rw AV1 [AV1]"], "\(kernel)")
    }
    #expect(vmas("2.6.36", mmapAfterFaulted, "P2") == ["0..<4 rw AV2 [AV2,AV1]"])
    for kernel in ["6.1", "mainline"] {
      #expect(vmas(kernel, mmapAfterFaulted, "P2") == ["0..<2 rw AV2 [AV2,AV1]", "2..<4 rw - []"], "\(kernel)")
    }
  }

  @Test("mmap between two unfaulted mappings joins all three; a page touched in it goes to the merged VMA")
  func mmapBetweenUnfaulted() {
    let body =
      "spawn P1\nmmap P1 A 2\nmmap P1 B 2\nmmap P1 D 16 after A\ntouch P1 D 0\n"
    for kernel in KernelVersion.allCases {
      #expect(vmas(kernel.rawValue, body, "P1") == ["0..<20 rw AV1 [AV1]"], "\(kernel)")
    }
  }

  @Test("every merged state keeps the invariants", arguments: KernelVersion.allCases)
  func invariantsHold(kernel: KernelVersion) {
    for body in [faultedIntoUnfaulted, forkChildIntoUnfaulted, unfaultedIntoFaulted, mmapAfterFaulted] {
      let t = timeline("kernel \(kernel.rawValue)\n" + body + "exit P1\n")
      #expect(t.states.last?.violations.isEmpty == true, "\(t.states.last?.violations ?? [])")
    }
  }
}
