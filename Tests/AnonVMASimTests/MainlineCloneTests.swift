import AnonVMASim
import ScenePlayer
import SceneScript
import Testing

/// The reworked anon_vma_clone()/anon_vma_fork()/unlink_anon_vmas() of mainline (v7.0 mm/rmap.c):
/// AVCs allocated before the one root lock, reuse only on fork, unfaulted VMAs skipped, and
/// check_anon_vma_clone()'s asserts as invariant C25.
@Suite("mainline anon_vma_clone/unlink: one root lock, AVCs allocated first, asserts as C25/C26")
struct MainlineCloneTests {
  /// Three generations, then P3 forks: the clone copies a chain of three.
  let threeDeep =
    "spawn P1\nmmap P1 A 1\ntouch P1 A 0\nfork P1 P2\ntouch P2 A 0\nfork P2 P3\ntouch P3 A 0\nfork P3 P4\n"

  func functions(_ t: Timeline, step: Int) -> [String] { t.events(step: step).map { "\($0.function): \($0.text)" } }

  @Test("fork of a chain of three: every AVC is allocated before the clone takes its single lock")
  func allocatedBeforeLock() throws {
    let t = timeline("kernel mainline\n" + threeDeep)
    let events = functions(t, step: 8)
    let firstLock = try #require(events.firstIndex { $0.contains(": lock ") })
    let assigns = events.indices.filter { events[$0].contains("allocated (GFP_KERNEL, no lock held)") }
    #expect(assigns.count == 3)
    #expect(assigns.allSatisfy { $0 < firstLock })
    // One lock for the clone, one for linking the child's own anon_vma: no per-entry lock dance.
    #expect(lockEvents(t, step: 8).filter { $0.hasPrefix("lock ") }.count == 2, "\(lockEvents(t, step: 8))")
    #expect(t.states[8].violations.isEmpty)
  }

  @Test("6.1 allocates each AVC inside the loop, after the root lock is taken")
  func sixOneAllocatesUnderLock() throws {
    let t = timeline("kernel 6.1\n" + threeDeep)
    let events = functions(t, step: 8)
    let firstLock = try #require(events.firstIndex { $0.contains(": lock ") })
    #expect(events.indices.contains { events[$0].hasPrefix("anon_vma_chain_alloc") && $0 > firstLock })
  }

  @Test("mainline builds the clone's chain in the reverse order of the source's (list_add of a head-first walk)")
  func chainOrder() {
    let t = timeline("kernel mainline\n" + threeDeep + "mprotect P3 A 0 ro\n")
    let w61 = timeline("kernel 6.1\n" + threeDeep).states[8]
    let w = t.states[8]
    #expect(w61.chain("P4", "A") == ["AV4", "AV3", "AV2", "AV1"])
    #expect(w.chain("P3", "A") == ["AV3", "AV1", "AV2"])
    #expect(w.chain("P4", "A") == ["AV4", "AV2", "AV1", "AV3"])
    #expect(w.violations.isEmpty)
  }

  @Test("an unfaulted VMA: fork clones nothing and exit unlinks nothing, without taking a lock")
  func unfaultedSkipped() {
    let t = timeline("kernel mainline\nspawn P1\nmmap P1 A 2\nfork P1 P2\nexit P2\n")
    #expect(lockEvents(t, step: 3).isEmpty && lockEvents(t, step: 4).isEmpty)
    #expect(functions(t, step: 4).contains { $0.hasPrefix("unlink_anon_vmas: P2:A@0 is unfaulted") })
  }

  @Test("a reused anon_vma: the anon_vma allocated before the clone is put again (D.8 daemon chain)")
  func reuseFreesPreallocated() {
    let t = timeline(
      "kernel mainline\nspawn P0\nmmap P0 A 1\ntouch P0 A 0\nfork P0 P1\nexit P0\nfork P1 P2\nexit P1\nfork P2 P3")
    let events = functions(t, step: 8)
    #expect(events.contains { $0.hasPrefix("anon_vma_fork: AV2 was reused") }, "\(events)")
    #expect(events.contains { $0.hasPrefix("anon_vma_free: AV4 freed") }, "\(events)")
    #expect(t.states[8].chain("P3", "A") == ["AV2", "AV1", "AV3"])
    #expect(t.states.last?.aliveAnonVMAs.count == 3)
    #expect(t.states.last?.violations.isEmpty == true)
  }

  @Test("the asserts fire: a clone into a VMA whose chain is not empty is C25")
  func assertCanFail() throws {
    var w = World(kernel: .mainline)
    let setup: [Operation] = [
      .spawn("P1"), .mmap(process: "P1", mapping: "A", pages: 2, growsDown: false),
      .touch(process: "P1", mapping: "A", first: 0, last: 1),
    ]
    for op in setup { _ = try w.apply(op) }
    // Split once, then make the new piece's chain non-empty before a second clone into it.
    let before = w.violations.count
    let v = try #require(w.processes[0].vmas.first)
    w.vmas[v]?.anonVMA = nil
    _ = try? w.apply(.mprotect(process: "P1", mapping: "A", first: 1, last: 1, prot: .ro))
    #expect(w.violations.count > before)
    #expect(w.violations.contains { $0.code == "C25" }, "\(w.violations)")
  }
}
