import AnonVMASim
import ScenePlayer
import Testing

/// A page-based operation (`rmap`, `migrate`, `swap-out`) holds its page from its start to its
/// end: the caller isolated it from the LRU, which takes a reference (``Page/callerRefs``). An
/// exit that zaps the page's last PTE meanwhile unmaps it; the caller's put frees it. In 6.1
/// rwsem-readers-share step 10 the model said `freed pg2` while cpu1's walk of pg2 ran.
@Suite("A page an operation started from is held until the operation ends")
struct CallerRefTests {
  /// Two CPUs; P1 with a page in AV1, forked into P2.
  static func forked(_ kernel: KernelVersion) -> String {
    "kernel \(kernel.rawValue)\ncpus 2\nspawn P1\nmmap P1 A 1\ntouch P1 A 0\nfork P1 P2\n"
  }

  /// P2's copy made; cpu1 walks P2's page and has read its mapping when cpu0's exit of P2 zaps it.
  static func walkDuringExit(_ kernel: KernelVersion) -> String {
    forked(kernel) + """
      touch P2 A 0
      on cpu1 begin rmap P2 A 0
      on cpu1 step
      on cpu0 begin exit P2
      on cpu0 step 2
      on cpu1 finish
      on cpu0 finish
      """
  }

  @Test(
    "an exit unmaps the page a walk holds; the walker's putback frees it", arguments: KernelVersion.allCases)
  func exitDuringWalk(kernel: KernelVersion) throws {
    let t = timeline(Self.walkDuringExit(kernel))
    // Step 9: the zap. pg2 (P2's copy) is unmapped, not freed, and still listed as held.
    try #require(t.stepCount == 11)
    let zap = t.events(step: 9)
    #expect(zap.contains { $0.function == "unmap_vmas" })
    #expect(!zap.contains { $0.text.contains("freed") }, "\(zap.map(\.text))")
    let held = t.states[9][page: PageID(2)]
    #expect(held.mapcount == 0 && !held.freed && held.callerRefs == 1)
    #expect(t.states[9].listedPages.contains(PageID(2)))
    // Step 10: the walk ends; its caller's put frees the page.
    let end = try #require(t.events(step: 10).last)
    let put = [.v6: "move_pages_to_lru", .mainline: "move_folios_to_lru"][kernel] ?? "move_active_pages_to_lru"
    #expect(end.function == "rmap_walk")
    #expect(end.text.hasSuffix("; \(put) puts reclaim's reference to pg2, the last: pg2 freed"), "\(end.text)")
    #expect(t.states[10][page: PageID(2)].freed && t.states[10][page: PageID(2)].callerRefs == 0)
    #expect(t.states[11].violations.isEmpty)
  }

  @Test("a walk of a page nobody unmaps drops its reference and frees nothing", arguments: KernelVersion.allCases)
  func plainWalk(kernel: KernelVersion) throws {
    let t = timeline("kernel \(kernel.rawValue)\nspawn P1\nmmap P1 A 1\ntouch P1 A 0\nrmap P1 A 0")
    #expect(t.states[4][page: PageID(1)].callerRefs == 0)
    #expect(!t.states[4][page: PageID(1)].freed)
    #expect(t.events(step: 4).last?.text == "visited P1:A@0")
  }

  /// 6.1 reuses a page mapped once on a write fault only when nothing else holds it: the walk's
  /// caller's reference makes `page_count(page) > 1 + PageSwapCache(page)` (do_wp_page()), so the
  /// fault copies. 2.6.36 decides by the mapcount and reuses it.
  @Test("6.1 copies a page a walker holds on a write fault; 2.6.36 reuses it")
  func heldPageIsNotReused() throws {
    func scene(_ kernel: KernelVersion) -> String {
      Self.forked(kernel) + """
        exit P2
        on cpu1 begin rmap P1 A 0
        on cpu0 touch P1 A 0
        """
    }
    let modern = timeline(scene(.v6))
    try #require(modern.stepCount == 7)
    #expect(
      modern.events(step: 7).contains {
        $0.text.contains("pg1 is isolated from the LRU by another CPU (page_count > 1)")
      },
      "\(modern.events(step: 7).map(\.text))")
    let old = timeline(scene(.v2_6_36))
    try #require(old.stepCount == 7)
    #expect(!old.events(step: 7).contains { $0.function == "do_wp_page" && $0.text.contains("isolated") })
    #expect(old.states[7][page: PageID(1)].mapcount == 1)
  }
}
