import AnonVMASim
import ScenePlayer
import SceneScript
import Testing

/// 6.1 and mainline do_wp_page() (mm/memory.c) follow `PageAnonExclusive`: an exclusive page is
/// reused at once (`goto reuse`, no page_move_anon_rmap()); a page a fork shared is reused only
/// when its mapping holds the only reference, so a page isolated for migration is copied.
/// 2.6.x has no such flag and decides by the mapcount.
@Suite("PageAnonExclusive: do_wp_page reuse and copy (6.1, mainline) against 2.6.36")
struct AnonExclusiveTests {
  /// P1's page written (exclusive in 6.x), then `between`, then migration isolates it and P1
  /// writes it again.
  static func scene(_ kernel: KernelVersion, between: String) -> String {
    """
    kernel \(kernel.rawValue)
    cpus 2
    spawn P1
    mmap P1 A 1
    touch P1 A 0
    \(between)
    on cpu0 begin migrate P1 A 0
    on cpu0 step
    on cpu1 begin touch P1 A 0
    on cpu1 finish
    """
  }

  @Test(
    "a page a fork shared, mapped once again, is copied while isolated for migration",
    arguments: [KernelVersion.v6, .mainline])
  func sharedIsCopied(kernel: KernelVersion) throws {
    let t = timeline(Self.scene(kernel, between: "fork P1 P2\nexit P2"))
    let last = t.stepCount
    let events = t.events(step: last)
    #expect(events.map(\.function) == ["do_wp_page"])
    #expect(
      events.first?.text.hasPrefix("pg1 is held for migration (page_count > 1): no reuse; COW copy pg1 → pg2") == true)
    let w = t.states[last]
    #expect(w.pages.filter { !$0.freed }.count == 2)
    let copy = try #require(w.pages.first { $0.id.raw == 2 })
    #expect(copy.anonExclusive && !w.pages[0].anonExclusive)
  }

  @Test("2.6.36 decides by the mapcount: the same page is reused (page_move_anon_rmap)")
  func oldKernelReuses() throws {
    let t = timeline(Self.scene(.v2_6_36, between: "fork P1 P2\nexit P2"))
    let events = t.events(step: t.stepCount)
    #expect(events.map(\.function) == ["page_move_anon_rmap"])
    #expect(t.states[t.stepCount].pages.filter { !$0.freed }.count == 1)
    #expect(t.states[t.stepCount].pages.allSatisfy { !$0.anonExclusive })
  }

  @Test(
    "an exclusive page (write-protected by mprotect) is reused as filed, isolated or not",
    arguments: [KernelVersion.v6, .mainline])
  func exclusiveIsReused(kernel: KernelVersion) throws {
    let t = timeline(Self.scene(kernel, between: "mprotect P1 A 0 ro\nmprotect P1 A 0 rw"))
    let events = t.events(step: t.stepCount)
    #expect(events.map(\.function) == ["do_wp_page"])
    #expect(events.first?.text == "reuse pg1 at P1 A 0: PageAnonExclusive, wp_page_reuse (stays in AV1)")
    let w = t.states[t.stepCount]
    #expect(w.pages.filter { !$0.freed }.count == 1 && w.pages[0].anonExclusive && w.pages[0].pinned)
  }

  @Test(
    "fork clears the flag on the pages it shares; a COW copy and a reuse set it",
    arguments: [KernelVersion.v6, .mainline])
  func forkClears(kernel: KernelVersion) throws {
    let t = timeline(
      "kernel \(kernel.rawValue)\nspawn P1\nmmap P1 A 2\ntouch P1 A 0..1\nfork P1 P2\ntouch P2 A 0\nexit P2\ntouch P1 A 1"
    )
    func page(_ step: Int, _ id: Int) -> Page? { t.states[step].pages.first { $0.id.raw == id } }
    #expect(page(3, 1)?.anonExclusive == true && page(3, 2)?.anonExclusive == true)
    #expect(page(4, 1)?.anonExclusive == false && page(4, 2)?.anonExclusive == false)
    // P2's write copies pg1 (pg3, exclusive); P1's write of pg2 after P2's exit reuses it.
    #expect(page(5, 3)?.anonExclusive == true && page(5, 1)?.anonExclusive == false)
    #expect(t.events(step: 7).map(\.function) == [kernel == .mainline ? "folio_move_anon_rmap" : "page_move_anon_rmap"])
    #expect(page(7, 2)?.anonExclusive == true)
  }
}
