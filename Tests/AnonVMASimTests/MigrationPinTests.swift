import AnonVMASim
import ScenePlayer
import Testing

/// Migration's anon_vma pin per version: 2.6.36's unmap_and_move() takes it under the root lock
/// (page_lock_anon_vma(), get_anon_vma()); 6.1's __unmap_and_move() takes it without any lock
/// (folio_get_anon_vma(), mm/rmap.c; 6.1 and mainline).
@Suite("Migration's anon_vma pin: page_lock_anon_vma (2.6.36) vs folio_get_anon_vma (6.1)")
struct MigrationPinTests {
  /// cpu1's exit of P2 holds the root AV1 (unlink_anon_vmas) when cpu0 starts migrating P1's page.
  /// `walkSteps`: cpu0's micro-steps after the pin (6.x: folio_lock_anon_vma_read()'s read of
  /// page->mapping, failed trylock, atomic_inc_not_zero, page_mapped re-check, then the sleep).
  static func writerHoldsRoot(_ kernel: KernelVersion, walkSteps: Int = 1) -> String {
    """
    kernel \(kernel.rawValue)
    cpus 2
    spawn P1
    mmap P1 A 1
    touch P1 A 0
    fork P1 P2
    on cpu1 begin exit P2
    on cpu1 step 3
    on cpu0 begin migrate P1 A 0
    on cpu0 step 4
    on cpu0 step \(walkSteps)
    on cpu1 finish
    on cpu0 finish
    """
  }

  @Test(
    "6.1 and mainline: the pin does not wait for the writer on the root rwsem; the walk does",
    arguments: [KernelVersion.v6, .mainline])
  func pinWithoutLock(kernel: KernelVersion) {
    let t = timeline(Self.writerHoldsRoot(kernel, walkSteps: 5))
    let get = "folio_get_anon_vma"
    let isolate = kernel == .mainline ? "folio_isolate_lru" : "isolate_lru_page"
    #expect(t.states[6].lockHolders[1]?.contains { $0.cpu == 1 } == true)
    #expect(t.events(step: 8).map(\.function) == [isolate, get, get, get])
    #expect(t.states[8].cpus[0].state == .running)
    #expect(t.states[8].refcount(1) == t.states[6].refcount(1) + 1)
    #expect(t.states[8].lockHolders[1]?.contains { $0.cpu == 1 } == true)
    // try_to_migrate()'s folio_lock_anon_vma_read(): the trylock fails, the slow path takes a
    // reference of its own, then sleeps on the root's rwsem.
    // Then sleeps on the root's rwsem: a micro-step of its own.
    let walk = Array(repeating: "folio_lock_anon_vma_read", count: 4)
    #expect(t.events(step: 9).map(\.function) == walk + ["anon_vma_lock_read"])
    #expect(t.states[9].refcount(1) == t.states[8].refcount(1) + 1)
    #expect(t.states[9].cpus[0].state == .blocked)
    #expect(t.states[11].cpus.allSatisfy { $0.state == .idle })
    #expect(t.events(step: 11).last?.function == "put_anon_vma")
    #expect(t.states[11].refcount(1) == 1)
    #expect(t.states[11].violations.isEmpty)
  }

  @Test("2.6.36: page_lock_anon_vma waits for the root lock before any reference is taken")
  func pinUnderLock() {
    let t = timeline(Self.writerHoldsRoot(.v2_6_36))
    // The spin on the root's lock is a micro-step of its own.
    #expect(t.events(step: 8).map(\.function) == ["isolate_lru_page", "page_lock_anon_vma", "anon_vma_lock"])
    #expect(t.events(step: 8).last?.text == "AV1's lock held by cpu1: cpu0 spins")
    #expect(t.states[8].cpus[0].state == .blocked)
    #expect(t.states[8].refcount(1) == t.states[6].refcount(1))
    let fns = t.events(step: 11).map(\.function)
    #expect(fns.prefix(3) == ["anon_vma_lock", "page_lock_anon_vma", "get_anon_vma"])
    #expect(t.states[11].violations.isEmpty)
  }

  @Test("6.1: atomic_inc_not_zero fails on an anon_vma exit freed after page->mapping was read")
  func refcountZero() {
    let t = timeline(
      "kernel 6.1\ncpus 2\nspawn P1\nmmap P1 A 1\ntouch P1 A 0\non cpu0 begin migrate P1 A 0\non cpu0 step 2\n"
        + "on cpu1 exit P1\non cpu0 finish")
    #expect(t.states[6].isAlive(1) == false)
    let events = t.events(step: 7)
    #expect(events.first?.text.hasPrefix("atomic_inc_not_zero(AV1->refcount) fails") == true)
    #expect(events.map(\.function) == ["folio_get_anon_vma", "__unmap_and_move", "unmap_and_move"])
    #expect(events.last?.text == "put_page(pg1): pg1 freed")
    #expect(t.states[7].violations.isEmpty)
  }

  @Test("6.1: unmapped after the increment, folio_get_anon_vma puts its reference and returns NULL")
  func unmappedAfterIncrement() {
    let t = timeline(
      "kernel 6.1\ncpus 2\nspawn P1\nmmap P1 A 1\ntouch P1 A 0\non cpu0 begin migrate P1 A 0\non cpu0 step 3\n"
        + "on cpu1 exit P1\non cpu0 finish")
    #expect(t.states[5].refcount(1) == 2)
    #expect(t.states[6].isAlive(1))
    let events = t.events(step: 7)
    #expect(events.first?.text == "pg1 no longer mapped: rcu_read_unlock, put_anon_vma(AV1), NULL")
    #expect(events.map(\.function).prefix(3) == ["folio_get_anon_vma", "put_anon_vma", "anon_vma_free"])
    #expect(!events.contains { $0.function == "rmap_walk" || $0.text.hasPrefix("lock ") })
    #expect(t.states[7].isAlive(1) == false)
    #expect(t.states[7].violations.isEmpty)
  }
}
