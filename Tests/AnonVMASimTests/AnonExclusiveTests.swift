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

  /// The model reaches the exclusive path of do_wp_page() only by hand: 6.x mprotect() makes an
  /// exclusive page's PTE writable again (can_change_pte_writable()), and the model's swap-in
  /// keeps no exclusivity. Here `mprotect ro` write-protects pg1, then the VMA alone is made
  /// writable again, its PTE left read-only (as a read fault of an exclusive swap entry leaves it).
  @Test(
    "an exclusive page mapped read-only is reused as filed, even isolated for migration",
    arguments: [KernelVersion.v6, .mainline])
  func exclusiveIsReused(kernel: KernelVersion) throws {
    let t = timeline(
      """
      kernel \(kernel.rawValue)
      cpus 2
      spawn P1
      mmap P1 A 1
      touch P1 A 0
      mprotect P1 A 0 ro
      on cpu0 begin migrate P1 A 0
      on cpu0 step
      """)
    var w = t.states[t.stepCount]
    let vma = try #require(w.processes.first?.vmas.first)
    w.vmas.update(vma) { $0.prot = .rw }
    #expect(w.pages[0].pinned && w.pages[0].anonExclusive)
    let events = try w.apply(.touch(process: "P1", mapping: "A", first: 0, last: 0), on: 1)
    #expect(events.map(\.function) == ["do_wp_page"])
    #expect(events.first?.text == "reuse pg1 at P1 A 0: PageAnonExclusive, wp_page_reuse (stays in AV1)")
    #expect(w.pages.filter { !$0.freed }.count == 1)
  }

  @Test(
    "6.x mprotect makes an exclusive page writable again; a shared one stays read-only",
    arguments: [KernelVersion.v6, .mainline])
  func mprotectUpgrades(kernel: KernelVersion) throws {
    let t = timeline(
      "kernel \(kernel.rawValue)\nspawn P1\nmmap P1 A 2\ntouch P1 A 0..1\nfork P1 P2\nexit P2\ntouch P1 A 0\n"
        + "mprotect P1 A 0..1 ro\nmprotect P1 A 0..1 rw\ntouch P1 A 0..1")
    let text = { (k: Int) in t.events(step: k).last?.text ?? "" }
    // Step 6: P1 reuses pg1 (exclusive again); pg2, shared by the fork, stays read-only. 7 (ro):
    // pg1 write-protected. 8 (rw): pg1 writable again, pg2 still read-only.
    #expect(text(7).hasSuffix("1 PTE(s) write-protected"))
    #expect(text(8).hasSuffix("0 PTE(s) write-protected; 1 made writable (can_change_pte_writable: PageAnonExclusive)"))
    // Step 9: pg1 takes no fault, pg2 is reused by the write fault.
    let move = kernel == .mainline ? "folio_move_anon_rmap" : "page_move_anon_rmap"
    #expect(t.events(step: 9).map(\.function).filter { $0 == move || $0 == "do_wp_page" } == [move])
  }

  @Test("2.6.36 mprotect leaves every PTE read-only")
  func oldMprotect() throws {
    let t = timeline("kernel 2.6.36\nspawn P1\nmmap P1 A 1\ntouch P1 A 0\nmprotect P1 A 0 ro\nmprotect P1 A 0 rw")
    #expect(t.events(step: 5).last?.text.hasSuffix("0 PTE(s) write-protected") == true)
    #expect(t.events(step: 4).last?.text.hasSuffix("1 PTE(s) write-protected") == true)
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
