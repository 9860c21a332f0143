import AnonVMASim
import ScenePlayer
import SceneScript
import Testing

/// 6.1 and mainline walkers lock the page's anon_vma with folio_lock_anon_vma_read() (mm/rmap.c):
/// `down_read_trylock(&root_anon_vma->rwsem)`; when a writer holds the root's rwsem, the slow
/// path pins the page's anon_vma (`atomic_inc_not_zero(&anon_vma->refcount)`), re-checks
/// folio_mapped(), sleeps in anon_vma_lock_read(), then drops the pin (`atomic_dec_and_test()`),
/// and frees the anon_vma itself (`__put_anon_vma()`) if the pin was the last reference.
@Suite("folio_lock_anon_vma_read: trylock fast path and refcount slow path (6.1, mainline)")
struct FolioLockAnonVMAReadTests {
  static let lockFunction = "folio_lock_anon_vma_read"

  /// P1's page in AV1, P2 forked (AV2, child of AV1). cpu1's exit of P2 holds AV1's rwsem for
  /// write (unlink_anon_vmas, its third micro-step) when cpu0 begins swap-out's walk of P1's page
  /// (try_to_unmap(), which sleeps; add_to_swap() is its first micro-step).
  static func writerHoldsRoot(_ kernel: KernelVersion, tail: String) -> String {
    """
    kernel \(kernel.rawValue)
    cpus 2
    spawn P1
    mmap P1 A 1
    touch P1 A 0
    fork P1 P2
    on cpu1 begin exit P2
    on cpu1 step 3
    on cpu0 begin swap-out P1 A 0
    on cpu0 step 5
    on cpu0 step
    on cpu1 finish
    \(tail)
    """
  }

  @Test(
    "uncontended: the trylock takes the root for read, no reference is taken", arguments: [KernelVersion.v6, .mainline])
  func uncontended(kernel: KernelVersion) throws {
    let t = timeline("kernel \(kernel.rawValue)\nspawn P1\nmmap P1 A 1\ntouch P1 A 0\nfork P1 P2\nrmap P1 A 0")
    let events = t.events(step: 5)
    try #require(events.count >= 3)
    // The events of the blocking lock the model had before: page->mapping under RCU, the lock
    // taken for read (the trylock's success), folio_mapped() again, the walk, the unlock.
    #expect(
      events.prefix(3).map(\.function) == [Self.lockFunction, "anon_vma_lock_read", Self.lockFunction])
    #expect(events[1].text == "lock AV1 for read")
    #expect(events[2].text == "pg1 still mapped after taking the lock")
    #expect(!events.contains { $0.text.contains("atomic_inc_not_zero") || $0.text.contains("trylock") })
    #expect(events.contains { $0.function == "anon_vma_unlock_read" })
    #expect(events.last?.function == "rmap_walk")
    #expect(events.last?.text.hasPrefix("visited") == true)
    #expect(t.states[5].refcount(1) == t.states[4].refcount(1))
    #expect(t.states[5].pins.values.allSatisfy { $0 == 0 })
    #expect(t.states[5].violations.isEmpty)
  }

  @Test(
    "contended by a writer: the walker pins its anon_vma, sleeps, gets the lock after the writer and drops the pin",
    arguments: [KernelVersion.v6, .mainline])
  func contended(kernel: KernelVersion) throws {
    let t = timeline(Self.writerHoldsRoot(kernel, tail: "on cpu0 finish"))
    // Step 6: cpu1 holds AV1 for write.
    #expect(t.states[6].lockHolders[1]?.contains { $0.cpu == 1 && $0.mode == .write } == true)
    let before = t.states[6].refcount(1)
    // Step 8: add_to_swap, then page->mapping, the failed trylock, the increment, folio_mapped() again.
    let addToSwap = kernel == .mainline ? "folio_alloc_swap" : "add_to_swap"
    #expect(t.events(step: 8).map(\.function) == [addToSwap] + Array(repeating: Self.lockFunction, count: 4))
    let slow = t.events(step: 8).filter { $0.function == Self.lockFunction }
    try #require(slow.count == 4)
    #expect(slow[1].text.hasPrefix("down_read_trylock(AV1's rwsem) fails: cpu1 holds it for write"))
    #expect(slow[2].text == "atomic_inc_not_zero(AV1->refcount) \(before)→\(before + 1): the walker pins it")
    #expect(slow[3].text == "pg1 still mapped: rcu_read_unlock; AV1 pinned, sleep on AV1's rwsem")
    #expect(t.states[8].refcount(1) == before + 1)
    #expect(t.states[8].cpus[0].regs.rcuPageLock == false)
    // Step 9: anon_vma_lock_read() sleeps: a micro-step of its own, naming the writer.
    #expect(t.events(step: 9).map(\.function) == ["anon_vma_lock_read"])
    #expect(t.events(step: 9).first?.text == "AV1's rwsem held by cpu1 (write): cpu0 sleeps for read")
    #expect(t.states[9].cpus[0].state == .blocked)
    #expect(t.states[9].cpus[0].waitingFor == 1)
    // Step 10: the writer finishes; AV2 is freed and drops its reference on the root.
    #expect(t.states[10].cpus[1].state == .idle)
    #expect(t.states[10].isAlive(2) == false)
    #expect(t.states[10].refcount(1) == before)
    // Step 11: the lock, the pin dropped (not the last reference), the walk.
    let rest = t.events(step: 11)
    #expect(rest.first?.function == "anon_vma_lock_read")
    #expect(rest.first?.text == "lock AV1 for read")
    #expect(
      rest.dropFirst().first?.text
        == "atomic_dec_and_test(AV1->refcount) \(before)→\(before - 1): not the last, AV1 locked for the walk")
    #expect(rest.contains { $0.function == "rmap_walk" && $0.text.hasPrefix("visited") })
    #expect(t.states[11].refcount(1) == 1)
    #expect(t.states[11].isAlive(1))
    #expect(t.states[11].cpus.allSatisfy { $0.state == .idle })
    for k in t.states.indices { #expect(t.states[k].violations.isEmpty, "step \(k)") }
  }

  @Test(
    "the last reference: the page is unmapped and the anon_vma's other references dropped while the walker sleeps; the walker frees it, no walk",
    arguments: [KernelVersion.v6, .mainline])
  func lastReference(kernel: KernelVersion) throws {
    // After the exit of P2, cpu1 exits P1 before cpu0 (woken, not yet run) takes the lock:
    // P1's exit unmaps the page, empties AV1's tree and puts AV1 (2→1: the walker's pin).
    let t = timeline(
      Self.writerHoldsRoot(kernel, tail: "on cpu1 begin exit P1\non cpu1 finish\non cpu0 finish"))
    #expect(t.states[10].refcount(1) == 2)
    #expect(t.states[12].cpus[1].state == .idle)
    #expect(t.states[12].isAlive(1))
    #expect(t.states[12].refcount(1) == 1)
    #expect(t.states[12].pins[1] == 1)
    #expect(t.events(step: 12).contains { $0.function == "put_anon_vma" && $0.text == "AV1 refcount 2→1" })
    let events = t.events(step: 13)
    try #require(events.count == 6)
    #expect(
      events.map(\.function) == [
        "anon_vma_lock_read", Self.lockFunction, "anon_vma_unlock_read", "anon_vma_free", "rmap_walk",
        "__remove_mapping",
      ])
    #expect(events[1].text.hasPrefix("atomic_dec_and_test(AV1->refcount) 1→0: the walker held the last reference"))
    #expect(events.allSatisfy { $0.cpu == 0 })
    #expect(events[3].text == "AV1 freed")
    #expect(events[4].text == "\(Self.lockFunction) returned NULL: no walk")
    #expect(t.states[13].isAlive(1) == false)
    #expect(t.states[13].pins[1, default: 0] == 0)
    #expect(t.states[13].lockHolders[1] == nil || t.states[13].lockHolders[1]?.isEmpty == true)
    for k in t.states.indices { #expect(t.states[k].violations.isEmpty, "step \(k)") }
  }

  @Test(
    "the rmap walk is folio_referenced(): with rwc->try_lock a contended trylock returns NULL at once, no reference, no sleep, no walk",
    arguments: [KernelVersion.v6, .mainline])
  func referencedGivesUp(kernel: KernelVersion) throws {
    let t = timeline(
      """
      kernel \(kernel.rawValue)
      cpus 2
      spawn P1
      mmap P1 A 1
      touch P1 A 0
      fork P1 P2
      on cpu1 begin exit P2
      on cpu1 step 3
      on cpu0 begin rmap P1 A 0
      on cpu0 finish
      on cpu1 finish
      """)
    #expect(t.states[7].lockHolders[1]?.contains { $0.cpu == 1 && $0.mode == .write } == true)
    let events = t.events(step: 8)
    #expect(events.map(\.function) == [Self.lockFunction, Self.lockFunction, "rmap_walk"])
    #expect(
      events.dropFirst().first?.text
        == "down_read_trylock(AV1's rwsem) fails: cpu1 holds it for write; rwc->try_lock: contended, rcu_read_unlock, NULL"
    )
    #expect(events.last?.text == "\(Self.lockFunction) returned NULL: no walk")
    #expect(t.states[8].cpus[0].state == .idle)
    #expect(t.states[8].refcount(1) == t.states[7].refcount(1))
    #expect(t.states[8].lockHolders[1]?.contains { $0.cpu == 1 && $0.mode == .write } == true)
    for k in t.states.indices { #expect(t.states[k].violations.isEmpty, "step \(k)") }
  }

  @Test("unmapped after the increment: put_anon_vma and NULL; the exit's own put frees the anon_vma")
  func unmappedAfterIncrement() throws {
    // cpu0 reads page->mapping while P1 still maps the page; cpu1's exit of P1 zaps it and
    // holds AV1 for write; cpu0's trylock fails, it pins AV1, finds the page unmapped, puts.
    let t = timeline(
      """
      kernel 6.1
      cpus 2
      spawn P1
      mmap P1 A 1
      touch P1 A 0
      on cpu0 begin swap-out P1 A 0
      on cpu0 step 2
      on cpu1 begin exit P1
      on cpu1 step 3
      on cpu0 finish
      on cpu1 finish
      """)
    #expect(t.states[7].lockHolders[1]?.contains { $0.cpu == 1 } == true)
    #expect(t.states[7].refcount(1) == 1)
    let events = t.events(step: 8)
    try #require(events.count >= 4)
    #expect(
      events.map(\.function).prefix(4) == [Self.lockFunction, Self.lockFunction, Self.lockFunction, "put_anon_vma"])
    #expect(events[2].text == "pg1 no longer mapped: rcu_read_unlock, put_anon_vma(AV1), NULL")
    #expect(events[3].text == "AV1 refcount 2→1")
    #expect(events.contains { $0.text == "\(Self.lockFunction) returned NULL: no walk" })
    #expect(t.states[8].isAlive(1))
    #expect(t.states[8].refcount(1) == 1)
    #expect(t.states[9].isAlive(1) == false)
    for k in t.states.indices { #expect(t.states[k].violations.isEmpty, "step \(k)") }
  }

  @Test(
    "swap-out vs exit: the walker's put after the failed re-check is the last; it frees the anon_vma and drops the root's reference"
  )
  func walkerPutIsLast() throws {
    // The scene of `explorerAgrees`, one schedule: cpu0 reads pg2->mapping (AV2), cpu1's exit
    // of P2 zaps pg2 and holds the root AV1 for write; cpu0 pins AV2, finds pg2 unmapped;
    // cpu1's put of AV2 is not the last (cpu0's pin), cpu0's is.
    let t = timeline(
      """
      kernel 6.1
      cpus 2
      spawn P1
      mmap P1 A 1
      touch P1 A 0
      fork P1 P2
      touch P2 A 0
      on cpu0 begin swap-out P2 A 0
      on cpu0 step 2
      on cpu1 begin exit P2
      on cpu1 step 3
      on cpu0 step 3
      on cpu1 finish
      on cpu0 finish
      """)
    let slow = t.events(step: 10)
    try #require(slow.count == 3)
    #expect(slow[1].text == "atomic_inc_not_zero(AV2->refcount) 1→2: the walker pins it")
    #expect(slow[2].text == "pg2 no longer mapped: rcu_read_unlock, put_anon_vma(AV2), NULL")
    #expect(t.events(step: 11).contains { $0.function == "put_anon_vma" && $0.text == "AV2 refcount 2→1" })
    #expect(t.states[11].isAlive(2))
    let last = t.events(step: 12)
    #expect(
      last.prefix(3).map(\.function) == ["put_anon_vma", "anon_vma_free", "__put_anon_vma"])
    #expect(last.prefix(3).allSatisfy { $0.cpu == 0 })
    #expect(t.states[12].isAlive(2) == false)
    #expect(t.states[12].refcount(1) == 1)
    for k in t.states.indices { #expect(t.states[k].violations.isEmpty, "step \(k)") }
  }

  @Test(
    "the race explorer: the reduced and the full search of a swap-out walk vs exit agree",
    arguments: [KernelVersion.v6, .mainline])
  func explorerAgrees(kernel: KernelVersion) throws {
    let source = """
      kernel \(kernel.rawValue)
      cpus 2
      spawn P1
      mmap P1 A 1
      touch P1 A 0
      fork P1 P2
      touch P2 A 0
      on cpu0 begin swap-out P2 A 0
      on cpu1 begin exit P2
      """
    let scene = Parser.parse(source)
    #expect(scene.diagnostics.isEmpty)
    guard
      case .success(let e) = RaceExplorer.prepare(scene: scene, title: "walk-vs-exit", kernel: kernel, variants: nil)
    else {
      Issue.record("prepare failed")
      return
    }
    let full = e.explore(reduction: .none)
    let reduced = e.explore()
    #expect(full.exhaustive && reduced.exhaustive)
    #expect(Set(full.findings.map { $0.code }) == Set(reduced.findings.map { $0.code }))
    #expect(full.findings.isEmpty)
    #expect(reduced.states <= full.states)
  }
}
