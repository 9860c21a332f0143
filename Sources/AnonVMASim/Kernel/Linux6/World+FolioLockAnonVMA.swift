// mm/rmap.c folio_lock_anon_vma_read() (6.1 and mainline) after its read of folio->mapping
// (readPageMapping, World+RmapWalk.swift): the trylock fast path and the refcount slow path.
//
//   root_anon_vma = READ_ONCE(anon_vma->root);
//   if (down_read_trylock(&root_anon_vma->rwsem)) {
//           if (!folio_mapped(folio)) { up_read(&root_anon_vma->rwsem); anon_vma = NULL; }
//           goto out;
//   }
//   if (rwc && rwc->try_lock) { anon_vma = NULL; rwc->contended = true; goto out; }
//   /* trylock failed, we got to sleep */
//   if (!atomic_inc_not_zero(&anon_vma->refcount)) { anon_vma = NULL; goto out; }
//   if (!folio_mapped(folio)) { rcu_read_unlock(); put_anon_vma(anon_vma); return NULL; }
//   /* we pinned the anon_vma, its safe to sleep */
//   rcu_read_unlock();
//   anon_vma_lock_read(anon_vma);
//   if (atomic_dec_and_test(&anon_vma->refcount)) {
//           anon_vma_unlock_read(anon_vma); __put_anon_vma(anon_vma); anon_vma = NULL;
//   }
//   return anon_vma;
//
// 6.1 has exactly this; mainline (7.0) too: the mapping-changed retry that came with
// UFFDIO_MOVE (6.8 .. 6.19) is gone again in 7.0, which requires the folio lock instead. The
// model has no UFFDIO_MOVE, so neither model retries. `rwc->try_lock` is set by
// folio_referenced() (since 6.0, "mm: don't be stuck to rmap lock on reclaim path"): the model's
// `rmap` walk, which reads the referenced bits (folio_referenced_one()), returns NULL on a
// contended trylock (`rwc->contended`); try_to_unmap (swap-out) and try_to_migrate sleep.

extension World {
  /// folio_lock_anon_vma_read(): `down_read_trylock(&root_anon_vma->rwsem)` on the root read
  /// once (the `root` register). It succeeds when no writer holds the rwsem and nobody waits for
  /// it (`__down_read_trylock()` fails on RWSEM_READ_FAILED_MASK: a writer, or
  /// RWSEM_FLAG_WAITERS, 6.1 and mainline kernel/locking/rwsem.c; ``lockAvailable(_:for:cpu:)``);
  /// it then takes the lock exactly as anon_vma_lock_read() does (the same event) and re-checks
  /// folio_mapped() (``recheckMapped(page:cpu:)``). Otherwise the slow path:
  /// ``folioLockIncNotZero(page:cpu:)``.
  ///
  /// `folio_lock_anon_vma_read()`, mm/rmap.c; 6.1 and mainline.
  /// `tryLock`: folio_referenced()'s `rwc->try_lock`: `if (rwc && rwc->try_lock) { anon_vma = NULL;
  /// rwc->contended = true; goto out; }` - no sleep, no reference, no walk.
  mutating func folioTrylockRead(page: PageID, tryLock: Bool, cpu c: Int) throws(SimError) -> InstrResult {
    guard let root = regs(c).root else { throw SimError("internal: \(lockAnonVMAReadFunction) read no root") }
    let waiters = cpus.indices.filter { $0 != c && cpus[$0].waitList?.lock == root }
    if waiters.isEmpty && lockAvailable(root, for: .read, cpu: c) {
      let taken = try lock(.exact(.lit(root)), .read, cpu: c)
      guard case .event(let event, let then) = taken else { return taken }
      return .event(event, then: then + [.recheckMapped(page: page)])
    }
    let writers = (lockHolders[root] ?? []).filter { $0.mode != .read }.map { "cpu\($0.cpu)" }
    let queued = waiters.map { "cpu\($0)" }.joined(separator: ", ")
    let who =
      !writers.isEmpty
      ? "\(writers.joined(separator: ", ")) holds it for write" : waiters.isEmpty ? "it is held" : "\(queued) waiting"
    if tryLock {
      cpus[c].regs.bail = true
      cpus[c].regs.rcuPageLock = false
      return emit(
        c, lockAnonVMAReadFunction,
        "down_read_trylock(\(av(root))'s rwsem) fails: \(who); rwc->try_lock: contended, rcu_read_unlock, NULL",
        objects: [.anonVMA(root)])
    }
    return emit(
      c, lockAnonVMAReadFunction,
      "down_read_trylock(\(av(root))'s rwsem) fails: \(who); trylock failed, we got to sleep",
      objects: [.anonVMA(root)], then: [.folioLockIncNotZero(page: page)])
  }

  /// folio_lock_anon_vma_read()'s slow path: `if (!atomic_inc_not_zero(&anon_vma->refcount)) {
  /// anon_vma = NULL; goto out; }` on the page's anon_vma (not the root), still under
  /// rcu_read_lock(). A freed anon_vma's memory is still an anon_vma (SLAB_TYPESAFE_BY_RCU) with
  /// refcount 0: NULL, as in ``getAnonVMAIncNotZero(page:cpu:)``. The reference is the walker's
  /// pin (counted in `pins`, as the refcount invariant expects).
  ///
  /// `folio_lock_anon_vma_read()`, mm/rmap.c; 6.1 and mainline.
  mutating func folioLockIncNotZero(page: PageID, cpu c: Int) throws(SimError) -> InstrResult {
    guard let a = regs(c).anonVMA else { throw SimError("internal: \(lockAnonVMAReadFunction) read no anon_vma") }
    guard let before = pinIncNotZero(a) else {
      cpus[c].regs.bail = true
      cpus[c].regs.rcuPageLock = false
      return emit(
        c, lockAnonVMAReadFunction,
        "atomic_inc_not_zero(\(av(a))->refcount) fails: refcount 0 (freed); rcu_read_unlock, NULL",
        objects: [.anonVMA(a)])
    }
    return emit(
      c, lockAnonVMAReadFunction,
      "atomic_inc_not_zero(\(av(a))->refcount) \(before)→\(before + 1): the walker pins it",
      objects: [.anonVMA(a)], then: [.folioLockRecheckMapped(page: page)])
  }

  /// folio_lock_anon_vma_read()'s slow path after the increment: `if (!folio_mapped(folio)) {
  /// rcu_read_unlock(); put_anon_vma(anon_vma); return NULL; }`; else `rcu_read_unlock();
  /// anon_vma_lock_read(anon_vma);` - the blocking read lock of `anon_vma->root`'s rwsem, then
  /// ``folioLockDecAndTest(cpu:)``. From here on the reference, not RCU, keeps the anon_vma
  /// (and, through its own reference on the root, the root) alive while the walker sleeps.
  ///
  /// `folio_lock_anon_vma_read()`, mm/rmap.c; 6.1 and mainline.
  mutating func folioLockRecheckMapped(page: PageID, cpu c: Int) throws(SimError) -> InstrResult {
    guard let a = regs(c).anonVMA else { throw SimError("internal: \(lockAnonVMAReadFunction) read no anon_vma") }
    cpus[c].regs.rcuPageLock = false
    if self[page: page].mapcount <= 0 || self[page: page].freed {
      cpus[c].regs.bail = true
      return emit(
        c, lockAnonVMAReadFunction, "\(pg(page)) no longer mapped: rcu_read_unlock, put_anon_vma(\(av(a))), NULL",
        objects: [.page(page), .anonVMA(a)], then: [.putAnonVMA(.lit(a), transient: true)])
    }
    let root = lockTarget(of: a)
    return emit(
      c, lockAnonVMAReadFunction,
      "\(pg(page)) still mapped: rcu_read_unlock; \(av(a)) pinned, sleep on \(av(root))'s rwsem",
      objects: [.page(page), .anonVMA(a)] + (root == a ? [] : [.anonVMA(root)]),
      then: [.lock(.anonVMALock(.lit(a)), .read), .folioLockDecAndTest])
  }

  /// folio_lock_anon_vma_read() with the lock: `if (atomic_dec_and_test(&anon_vma->refcount))
  /// { anon_vma_unlock_read(anon_vma); __put_anon_vma(anon_vma); anon_vma = NULL; }` - the
  /// walker drops its pin; if that was the last reference ("Oops, we held the last refcount,
  /// release the lock and bail -- can't simply use put_anon_vma() because we'll deadlock on the
  /// anon_vma_lock_write() recursion") it unlocks and frees the anon_vma itself: anon_vma_free(),
  /// then its root's reference (`__put_anon_vma`, freeing the root at zero). NULL: no walk.
  ///
  /// `folio_lock_anon_vma_read()`, mm/rmap.c; 6.1 and mainline.
  mutating func folioLockDecAndTest(cpu c: Int) throws(SimError) -> InstrResult {
    guard let a = regs(c).anonVMA else { throw SimError("internal: \(lockAnonVMAReadFunction) read no anon_vma") }
    let before = self[anonVMA: a].refcount
    touchAnonVMA(a)
    self[anonVMA: a].refcount -= 1
    pins[a, default: 0] -= 1
    if before <= 0 {
      report("C10", "atomic_dec_and_test(\(av(a))->refcount) with refcount already \(before)", objects: [.anonVMA(a)])
    }
    guard before - 1 == 0 else {
      return emit(
        c, lockAnonVMAReadFunction,
        "atomic_dec_and_test(\(av(a))->refcount) \(before)→\(before - 1): not the last, \(av(a)) locked for the walk",
        objects: [.anonVMA(a)])
    }
    cpus[c].regs.bail = true
    let root = self[anonVMA: a].root ?? a
    var then: [Instr] = [.unlock(.anonVMALock(.lit(a))), .freeAnonVMA(.lit(a))]
    if root != a { then.append(.putRoot(root: root)) }
    return emit(
      c, lockAnonVMAReadFunction,
      "atomic_dec_and_test(\(av(a))->refcount) 1→0: the walker held the last reference; "
        + "anon_vma_unlock_read, __put_anon_vma(\(av(a))), NULL",
      objects: [.anonVMA(a)], then: then)
  }
}
