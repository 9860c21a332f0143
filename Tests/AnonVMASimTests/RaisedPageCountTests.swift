import AnonVMASim
import ScenePlayer
import Testing

/// Three kernel tests that read a page's count, which an operation's caller raises
/// (``Page/callerRefs``): 6.1's do_swap_page() maps writable only an exclusive swap PTE or a page
/// nothing else holds; write_protect_page() refuses KSM a held page; unmap_and_move() stops at
/// `page_count == 1` before it looks at the anon_vma. The model had none of the three.
@Suite("What a raised page count decides: swap-in reuse, KSM merge, migration's early exit")
struct RaisedPageCountTests {
  /// The only PTE of process `p` (the scenes here map one page per process).
  static func pte(_ t: Timeline, step: Int, process p: Int) -> PTE? {
    t.states[step][process: ProcessID(p)].ptes.values.first
  }

  /// P1's page shared with P2 by fork; cpu1 swaps it out (both PTEs swap entries, not
  /// exclusive) and, before it puts the page, P2 exits and P1 writes: P1's swap PTE is the
  /// page's only user, but cpu1 still holds the page.
  static func swapInWhileHeld(_ kernel: KernelVersion) -> String {
    CallerRefTests.forked(kernel) + """
      on cpu1 begin swap-out P1 A 0
      on cpu1 step 7
      exit P2
      on cpu0 touch P1 A 0
      on cpu1 finish
      """
  }

  @Test("6.x copies a swapped-in page another CPU holds; 2.6.x reuses it", arguments: KernelVersion.allCases)
  func swapInOfHeldPage(kernel: KernelVersion) throws {
    let t = timeline(Self.swapInWhileHeld(kernel))
    try #require(t.stepCount == 9)
    let fault = t.events(step: 8)
    try #require(fault.first?.function == "do_swap_page", "\(fault.map(\.text))")
    #expect(t.states[7][page: PageID(1)].callerRefs == 1)
    if kernel.isModern {
      // should_try_to_free_swap() sees page_count 3, the swap cache keeps its reference:
      // page_count(page) != 1, not exclusive; do_wp_page() copies.
      #expect(
        fault.contains { $0.text.contains("pg1 is isolated from the LRU by another CPU (page_count > 1): no reuse") },
        "\(fault.map(\.text))")
      #expect(Self.pte(t, step: 8, process: 0) == .page(PageID(2), writable: true))
      #expect(t.states[9][page: PageID(1)].freed)
    } else {
      // reuse_swap_page(): page_mapcount() + page_swapcount() == 1.
      #expect(!fault.contains { $0.function == "do_wp_page" }, "\(fault.map(\.text))")
      #expect(Self.pte(t, step: 8, process: 0) == .page(PageID(1), writable: true))
      #expect(!t.states[9][page: PageID(1)].freed)
    }
  }

  @Test("with nothing holding the page, 6.x maps the swapped-in page writable", arguments: KernelVersion.allCases)
  func swapInOfUnheldPage(kernel: KernelVersion) throws {
    let t = timeline(
      """
      kernel \(kernel.rawValue)
      spawn P1
      mmap P1 A 1
      touch P1 A 0
      fork P1 P2
      swap-out P1 A 0
      exit P2
      touch P1 A 0
      """)
    let last = t.stepCount
    let fault = t.events(step: last)
    #expect(fault.map(\.function) == ["do_swap_page"], "\(fault.map(\.text))")
    guard case .page(_, let writable)? = Self.pte(t, step: last, process: 0) else {
      Issue.record("P1 maps no page")
      return
    }
    #expect(writable)
  }

  /// P1's page, mapped once (PageAnonExclusive in 6.x), swapped out while cpu1's swap-out holds
  /// it; P1 writes before cpu1 puts it.
  static func exclusiveEntry(_ kernel: KernelVersion) -> String {
    """
    kernel \(kernel.rawValue)
    cpus 2
    spawn P1
    mmap P1 A 1
    touch P1 A 0
    on cpu1 begin swap-out P1 A 0
    on cpu1 step 5
    on cpu0 touch P1 A 0
    on cpu1 finish
    """
  }

  @Test("an exclusive swap PTE is reused whatever holds the page (6.x pte_swp_exclusive)")
  func exclusiveSwapEntry() throws {
    for kernel in [KernelVersion.v6, .mainline] {
      let t = timeline(Self.exclusiveEntry(kernel))
      try #require(t.stepCount == 7)
      #expect(t.events(step: 5).contains { $0.text.hasSuffix("PTE → swap entry 1 (exclusive)") })
      #expect(t.states[5][page: PageID(1)].anonExclusive == false, "page_try_share_anon_rmap() clears it")
      let fault = t.events(step: 6)
      #expect(fault.map(\.function) == ["do_swap_page"], "\(fault.map(\.text))")
      #expect(fault.first?.text.contains("(the swap PTE is exclusive)") == true)
      #expect(Self.pte(t, step: 6, process: 0) == .page(PageID(1), writable: true))
      #expect(t.states[6][page: PageID(1)].anonExclusive)
    }
    // 2.6.x has no exclusive bit: the swap-out says nothing of it.
    let old = timeline(Self.exclusiveEntry(.v2_6_36))
    #expect(!old.events(step: 5).contains { $0.text.contains("exclusive") })
  }

  /// A read fault of a swap entry: 6.x maps an exclusive entry's page PageAnonExclusive (filed
  /// in vma->anon_vma) and read-only, so the write that follows reuses it; an entry fork shared
  /// since (copy_nonpresent_pte() clears the bit) is read in shared. 2.6.x: never exclusive.
  @Test("a read fault keeps an exclusive swap PTE's exclusivity; fork clears it", arguments: KernelVersion.allCases)
  func readFaultOfExclusiveEntry(kernel: KernelVersion) throws {
    let base = "kernel \(kernel.rawValue)\nspawn P1\nmmap P1 A 1\ntouch P1 A 0\nswap-out P1 A 0\n"
    let t = timeline(base + "read P1 A 0\ntouch P1 A 0")
    try #require(t.stepCount == 6)
    let read = t.states[5][page: PageID(2)]
    #expect(read.anonExclusive == kernel.isModern)
    // 6.1 maps it writable on a write fault only; mainline in a writable VMA on a read fault too
    // (c18160dba5ff, 6.11), if it is exclusive.
    #expect(Self.pte(t, step: 5, process: 0) == .page(PageID(2), writable: kernel == .mainline))
    #expect(!t.events(step: 6).contains { $0.text.contains("COW copy") }, "\(t.events(step: 6).map(\.text))")
    switch kernel {
    case .v6: #expect(t.events(step: 6).first?.text.contains("PageAnonExclusive") == true)
    case .mainline: #expect(t.events(step: 6).map(\.function) == ["handle_mm_fault"], "already writable: no fault")
    default: break
    }
    let forked = timeline(base + "fork P1 P2\nexit P2\nread P1 A 0")
    try #require(forked.stepCount == 7)
    #expect(!forked.events(step: 7).contains { $0.text.contains("exclusive") }, "\(forked.events(step: 7).map(\.text))")
    #expect(forked.states[7][page: PageID(2)].anonExclusive == false)
  }

  /// cpu1 isolates P1's page for migration; P1 exits (the zap unmaps it, migration's reference
  /// keeps it); then migration runs. `holder`: a third CPU's rmap begun before the exit holds
  /// the page too.
  static func migrateAfterExit(_ kernel: KernelVersion, holder: Bool) -> String {
    """
    kernel \(kernel.rawValue)
    cpus 3
    spawn P1
    mmap P1 A 1
    touch P1 A 0
    on cpu1 begin migrate P1 A 0
    on cpu1 step
    \(holder ? "on cpu2 begin rmap P1 A 0" : "")
    exit P1
    on cpu1 finish
    """
  }

  @Test("unmap_and_move stops at page_count == 1, before the anon_vma", arguments: KernelVersion.allCases)
  func migrationOfAPageFreedUnderIt(kernel: KernelVersion) throws {
    let t = timeline(Self.migrateAfterExit(kernel, holder: false))
    let last = t.stepCount
    let events = t.events(step: last)
    let (function, count) =
      kernel == .mainline ? ("migrate_folio_unmap", "folio_ref_count") : ("unmap_and_move", "page_count")
    #expect(events.first?.function == function, "\(events.map(\.text))")
    #expect(events.first?.text.hasPrefix("\(count)(pg1) == 1: freed from under us") == true)
    #expect(events.count == 2, "no anon_vma looked at: \(events.map(\.text))")
    #expect(t.states[last][page: PageID(1)].freed)
    // Another CPU's reference makes page_count 2: migration goes on to the anon_vma, finds the
    // page unmapped and stops there.
    let held = timeline(Self.migrateAfterExit(kernel, holder: true))
    let heldEvents = held.events(step: held.stepCount)
    #expect(!heldEvents.contains { $0.text.contains("== 1: freed from under us") }, "\(heldEvents.map(\.text))")
    #expect(heldEvents.contains { $0.text.contains("not mapped") || $0.text.contains("no longer mapped") })
    #expect(!held.states[held.stepCount][page: PageID(1)].freed, "cpu2's rmap still holds it")
  }

  /// P1's and P2's pages; cpu1's rmap of `held` (P1's or P2's) takes its reference before the merge.
  /// Two CPUs; P1 and P2 with one written page each (P1's in AV1, P2's in AV2).
  static func twoPages(_ kernel: KernelVersion) -> String {
    "kernel \(kernel.rawValue)\ncpus 2\nspawn P1\nmmap P1 A 1\ntouch P1 A 0\nspawn P2\nmmap P2 B 1\ntouch P2 B 0\n"
  }

  static func mergeWhileHeld(_ kernel: KernelVersion, held: String) -> String {
    twoPages(kernel) + """
      on cpu1 begin rmap \(held) 0
      on cpu1 step
      ksm-merge P1 A 0 P2 B 0
      on cpu1 finish
      ksm-merge P1 A 0 P2 B 0
      """
  }

  @Test("write_protect_page refuses a held second page; break_cow undoes the first", arguments: KernelVersion.allCases)
  func ksmRefusesHeldSecondPage(kernel: KernelVersion) throws {
    let t = timeline(Self.mergeWhileHeld(kernel, held: "P2 B"))
    try #require(t.stepCount == 11)
    let merge = t.events(step: 9)
    let refusal = try #require(merge.firstIndex { $0.function == "write_protect_page" }, "\(merge.map(\.text))")
    #expect(
      merge[refusal].text
        == "pg2 at P2 B 0 is held by another CPU's operation (page_count > mapcount + 1 + swapped): not merged; "
        + "break_cow undoes the merge of P1 A 0")
    #expect(merge[refusal + 1].function == "break_cow")
    #expect(!merge.contains { $0.function == "stable_tree_insert" || $0.function == "replace_page" })
    let after = t.states[9]
    #expect(Self.pte(t, step: 9, process: 1) == .page(PageID(2), writable: true), "P2 keeps its page")
    // break_ksm(): a write fault's copy; mainline's FAULT_FLAG_UNSHARE maps it read-only.
    guard case .page(let own, let writable)? = Self.pte(t, step: 9, process: 0), writable == (kernel != .mainline)
    else {
      Issue.record(
        "break_ksm gave P1 no copy, or one of the wrong protection: \(String(describing: Self.pte(t, step: 9, process: 0)))"
      )
      return
    }
    #expect(own != PageID(1) && after[page: PageID(1)].freed)
    #expect(after.stableNodes.allSatisfy { !$0.alive })
    // Each anon_vma back to the references it had before the merge.
    #expect(after.refcount(AnonVMAID(1)) == t.states[8].refcount(AnonVMAID(1)))
    #expect(after.violations.isEmpty)
    // Once cpu1 has put its reference, the same merge succeeds.
    #expect(t.events(step: 11).contains { $0.function == "stable_tree_insert" })
  }

  @Test("write_protect_page refuses a held first page: no KSM page at all", arguments: KernelVersion.allCases)
  func ksmRefusesHeldFirstPage(kernel: KernelVersion) throws {
    let t = timeline(Self.mergeWhileHeld(kernel, held: "P1 A"))
    try #require(t.stepCount == 11)
    let merge = t.events(step: 9)
    #expect(merge.map(\.function) == ["write_protect_page"], "\(merge.map(\.text))")
    #expect(t.states[9].stableNodes.isEmpty)
    #expect(t.states[9].refcount(AnonVMAID(1)) == t.states[8].refcount(AnonVMAID(1)))
  }

  @Test("a held page is not added to an existing KSM page", arguments: KernelVersion.allCases)
  func ksmRefusesHeldPageForExistingNode(kernel: KernelVersion) throws {
    let t = timeline(
      Self.twoPages(kernel) + """
        ksm-merge P1 A 0 P2 B 0
        spawn P3
        mmap P3 C 1
        touch P3 C 0
        on cpu1 begin rmap P3 C 0
        on cpu1 step
        ksm-merge P1 A 0 P3 C 0
        """)
    let last = t.stepCount
    let merge = t.events(step: last)
    #expect(merge.last?.function == "write_protect_page", "\(merge.map(\.text))")
    #expect(merge.last?.text.contains("break_cow") == false)
    let items = t.states[last].stableNodes.first?.items.map(\.process) ?? []
    #expect(items == [ProcessID(0), ProcessID(1)], "P3's rmap_item does not join")
  }

  /// write_protect_page() tests the count only for a PTE it has to write-protect: writable in
  /// 2.6.x, also dirty or exclusive in 6.x. P2's PTE after the fork is read-only and dirty.
  @Test(
    "a held page behind a read-only PTE: 2.6.x merges it, 6.x (the PTE is dirty) does not",
    arguments: KernelVersion.allCases)
  func readOnlyHeldPage(kernel: KernelVersion) throws {
    let t = timeline(
      CallerRefTests.forked(kernel) + """
        spawn P3
        mmap P3 B 1
        touch P3 B 0
        on cpu1 begin rmap P2 A 0
        on cpu1 step
        ksm-merge P3 B 0 P2 A 0
        """)
    let merge = t.events(step: t.stepCount)
    #expect(merge.contains { $0.function == "write_protect_page" } == kernel.isModern, "\(merge.map(\.text))")
    #expect(merge.contains { $0.function == "replace_page" } == !kernel.isModern)
  }

  @Test("a swap-out holds the page lock: try_to_merge_one_page's trylock fails", arguments: KernelVersion.allCases)
  func pageLockedBySwapOut(kernel: KernelVersion) throws {
    let t = timeline(
      Self.twoPages(kernel) + """
        on cpu1 begin swap-out P2 B 0
        on cpu1 step
        ksm-merge P1 A 0 P2 B 0
        """)
    let merge = t.events(step: t.stepCount)
    let trylock = kernel == .mainline ? "folio_trylock" : "trylock_page"
    #expect(
      merge.contains {
        $0.function == "try_to_merge_one_page"
          && $0.text.hasPrefix(
            "\(trylock) fails: cpu1's swap-out P2 B 0 holds the page lock of pg2 at P2 B 0: not merged")
      }, "\(merge.map(\.text))")
    #expect(merge.last?.function == "do_wp_page", "break_cow's break_ksm copies P1's page back")
  }
}
