import AnonVMASim
import ScenePlayer
import SceneScript
import Testing

/// `is_mergeable_anon_vma()`'s singular-chain test (965f55dea0e3, 6.x only), found by
/// `anonvis conform --random` on Linux 6.18: a faulted range does not merge into an unfaulted
/// neighbour, nor into a fork child's; an unfaulted range merges into a faulted neighbour whose
/// chain is singular.
@Suite("6.x is_mergeable_anon_vma: the neighbour's chain must be singular")
struct MergeRuleTests {
  /// The VMAs of `process` after the scene, as `start..<end prot`.
  func vmas(_ source: String, _ process: String) -> [String] {
    let w = timeline(source).states.last
    guard let w, let p = w.processIndex(named: process) else { return [] }
    return w[process: p].vmas.compactMap { w.vmas[$0] }.map { "\($0.start)..<\($0.end) \($0.prot.rawValue)" }
  }

  @Test("a faulted VMA does not merge into an unfaulted neighbour on 6.x; on 2.6.36 it does")
  func faultedIntoUnfaulted() {
    let body = "spawn P1\nmmap P1 A 2\nmprotect P1 A 0 ro\ntouch P1 A 1\nmprotect P1 A 1 ro\n"
    #expect(vmas("kernel 6.x\n" + body, "P1") == ["0..<1 ro", "1..<2 ro"])
    #expect(vmas("kernel 2.6.36\n" + body, "P1") == ["0..<2 ro"])
  }

  @Test("an unfaulted VMA merges into a faulted neighbour with a singular chain, not into a fork child's")
  func unfaultedIntoFaulted() {
    let body =
      "spawn P1\nmmap P1 A 2\nmprotect P1 A 1 ro\ntouch P1 A 0\nfork P1 P2\nmprotect P1 A 1 rw\nmprotect P2 A 1 rw\n"
    #expect(vmas("kernel 6.x\n" + body, "P1") == ["0..<2 rw"])
    #expect(vmas("kernel 6.x\n" + body, "P2") == ["0..<1 rw", "1..<2 rw"])
    #expect(vmas("kernel 2.6.36\n" + body, "P2") == ["0..<2 rw"])
  }
}
